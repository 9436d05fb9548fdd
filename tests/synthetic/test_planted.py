"""Each planted phenomenon is where ground_truth.json says, and nowhere else.

Checked by hand (tests/oracle.py and plain loops) on the files of a 20,000-referral home,
with the definitions of indicators.md.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict

from tests import oracle


def months_of(truth: dict) -> list[str]:
    return truth["months"]


def test_neglected_pairs_are_exactly_the_planted_ones(home_files, truth):
    regions = truth["territory"]["regions"]
    planted = {
        "departement": {(n["departement"], n["service_id"], n["need"]) for n in truth["neglected"]},
        "region": {(n["region"], n["service_id"], n["need"]) for n in truth["neglected"]},
    }
    assert 3 <= len(truth["neglected"]) <= 6
    codes = {"departement": [d for deps in regions.values() for d in deps],
             "region": list(regions)}
    for month in truth["neglected_check"]["months"]:
        for level in ("departement", "region"):
            found = {(code, service, need) for code in codes[level]
                     for service, need in oracle.neglected_pairs(home_files, level, code, month,
                                                                 12)}
            assert found == planted[level], (level, month)


def test_planted_pairs_have_substantial_expected_volume(home_files, truth):
    for pair in truth["neglected"]:
        for month in months_of(truth)[-12:]:
            expected, observed = oracle.expected_observed(home_files, "departement",
                                                          pair["departement"], month, 12)
            key = (pair["service_id"], pair["need"])
            assert expected[key] >= 10 and observed[key] == 0, (pair, month)


def test_concentration_departement_has_by_far_the_highest_hhi(home_files, truth):
    planted = truth["concentration"]["departement"]
    deps = [d for deps in truth["territory"]["regions"].values() for d in deps]
    for month in months_of(truth)[-12:]:
        hhi = {d: oracle.hhi_targets(home_files, "departement", d, month, 12) for d in deps}
        others = max(value for d, value in hhi.items() if d != planted)
        assert hhi[planted] > 2 * others, month
    last = home_files.window("departement", planted, months_of(truth)[-1], 12)
    hub_share = sum(r.target in truth["concentration"]["hub_services"] for r in last) / len(last)
    assert 0.6 <= hub_share <= 0.8


def test_out_of_mission_only_in_the_planted_departement(home_files, truth):
    services = home_files.services
    by_dep, out = Counter(), Counter()
    pairs = Counter()
    # Over the referrals that declare their needs (inferred needs match by construction).
    for r in (r for r in home_files.referrals if r.declared):
        by_dep[r.departement] += 1
        competences = services[r.target].competences
        if not any(oracle.codes_match(n, c) for n in r.needs for c in competences):
            out[r.departement] += 1
            pairs[(r.origin, r.target)] += 1
    planted = truth["out_of_mission"]
    assert set(out) == {planted["departement"]}
    assert 0.08 < out[planted["departement"]] / by_dep[planted["departement"]] < 0.25
    assert set(pairs) == {(p["origin_service_id"], p["target_service_id"])
                          for p in planted["pairs"]}


def test_key_person_links_break_when_the_person_leaves(home_files, truth):
    months = months_of(truth)
    for link in truth["key_person_links"]:
        left = months.index(link["left_in"])
        assert 13 <= left <= len(months) - 4
        on_link = [r for r in home_files.referrals
                   if (r.origin, r.target) == (link["origin_service_id"],
                                               link["target_service_id"])]
        per_month = Counter(r.referral_date[:7] for r in on_link)
        assert all(per_month[m] >= 5 for m in months[:left])
        assert all(r.referral_date[:7] < link["left_in"] for r in on_link)
        by_key = sum(r.professional_id == link["professional_id"] for r in on_link)
        assert by_key >= 0.9 * len(on_link)
        assert not [r for r in home_files.referrals if r.professional_id ==
                    link["professional_id"] and r.referral_date[:7] >= link["left_in"]]


def test_every_other_professional_refers_every_month(home_files, truth):
    """So that no link but the planted ones looks ruptured (indicators.md, Form 3)."""
    months_active = defaultdict(set)
    for r in home_files.referrals:
        if r.professional_id:
            months_active[(r.origin, r.professional_id)].add(r.referral_date[:7])
    closed = {s["service_id"]: s["closed_on"][:7] for s in truth["closed_services"]}
    keys = {link["professional_id"] for link in truth["key_person_links"]}
    for (origin, professional), months in months_active.items():
        if professional in keys:
            continue
        span = [m for m in months_of(truth) if min(months) <= m <= closed.get(origin, "9999")]
        assert set(span) <= months, (origin, professional)


def test_dormant_conventions_are_exactly_the_planted_one(home_files, truth, small_home):
    with (small_home / "reference" / "conventions.csv").open(encoding="utf-8") as handle:
        conventions = list(csv.DictReader(handle))
    traffic = defaultdict(set)
    for r in home_files.referrals:
        traffic[frozenset((r.origin, r.target))].add(oracle.month_index(r.referral_date))
    planted = {c["convention_id"] for c in truth["dormant_conventions"]}
    for month in months_of(truth):
        last = oracle.month_index(month)
        dormant = set()
        for c in conventions:
            starts, ends = oracle.month_index(c["start_date"]), \
                oracle.month_index(c["end_date"] or "9999-12")
            if starts <= last and ends > last - 12:
                seen = traffic[frozenset((c["service_a"], c["service_b"]))]
                if not any(last - 12 < m <= last for m in seen):
                    dormant.add(c["convention_id"])
        assert dormant == planted, month


def test_family_heavy_supports_and_isolated_sector(small_home, home_files, truth):
    kinds: dict[str, Counter] = defaultdict(Counter)
    for path in sorted((small_home / "landing" / "supports").glob("*/*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                commune = row["person_commune"] if row["person_commune"] in \
                    home_files.communes else home_files.services[row["service_id"]].commune
                kinds[home_files.communes[commune][1]][row["supporter_kind"] == "famille"] += 1
    heavy = truth["family_heavy_supports"]["departement"]
    for dep, counts in kinds.items():
        share = counts[True] / sum(counts.values())
        assert share > 0.65 if dep == heavy else share < 0.35, dep
    sector = {s.service_id: s.sector for s in home_files.services.values()}
    within, touching = Counter(), Counter()
    for r in home_files.referrals:
        pair = (sector[r.origin] == "justice", sector[r.target] == "justice")
        if any(pair):
            touching[r.departement] += 1
            within[r.departement] += all(pair)
    isolated = truth["isolated_sector"]["departement"]
    assert within[isolated] / touching[isolated] > 0.95
    assert all(within[d] / touching[d] < 0.5 for d in touching if d != isolated)
