"""Every territory indicator of indicators.md, by hand (``TERRITORY_INDICATORS``)."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from fractions import Fraction

from tests.oracle.contract import codes_match, month_index, window_days
from tests.oracle.home import HomeFiles
from tests.oracle.records import Referral


def _share(part: int, whole: int) -> float | None:
    """Empty denominators give NULL."""
    return part / whole if whole else None


def _hhi(counts: Counter) -> float | None:
    total = sum(counts.values())
    return sum((n / total) ** 2 for n in counts.values()) if total else None


def _out_of_mission(home: HomeFiles, referral: Referral) -> bool | None:
    """No declared need of the referral matches a competence of its target; None when no
    need is declared (an inferred need matches its target by construction)."""
    if not referral.declared:
        return None
    competences = home.services[referral.target].competences
    return not any(codes_match(need, c) for need in referral.needs for c in competences)


def _top_share(named: list[str]) -> tuple[int, int]:
    """Referrals of the most frequent professional, and the referrals naming one."""
    counts = Counter(named)
    return (max(counts.values()) if counts else 0), len(named)


# --- Form 2: working in network -------------------------------------------------------------

def referrals_count(home, level, code, month, window) -> int:
    return len(home.window(level, code, month, window))


def persons(home, level, code, month, window) -> int:
    return len({r.person_id for r in home.window(level, code, month, window)})


def hhi_targets(home: HomeFiles, level: str, code: str, month: str, window: int) -> float | None:
    """``sum_t (n_t / |R|)^2``; None when ``R`` is empty."""
    referrals = home.window(level, code, month, window)
    if not referrals:
        return None
    counts = Counter(r.target for r in referrals)
    return sum((n / len(referrals)) ** 2 for n in counts.values())


def effective_targets(home, level, code, month, window) -> float | None:
    hhi = hhi_targets(home, level, code, month, window)
    return None if hhi is None else 1 / hhi


def top3_target_share(home, level, code, month, window) -> float | None:
    referrals = home.window(level, code, month, window)
    counts = sorted(Counter(r.target for r in referrals).values(), reverse=True)
    return _share(sum(counts[:3]), len(referrals))


def origin_hhi_median(home, level, code, month, window) -> float | None:
    """Median over origins with ``n_o >= 10`` of their targets' HHI (the middle two averaged
    when their number is even)."""
    by_origin: dict[str, Counter] = defaultdict(Counter)
    for r in home.window(level, code, month, window):
        by_origin[r.origin][r.target] += 1
    values = [_hhi(counts) for counts in by_origin.values() if sum(counts.values()) >= 10]
    return statistics.median(values) if values else None


def out_of_mission_rate(home, level, code, month, window) -> float | None:
    """Over the referrals that declare a need."""
    flags = [_out_of_mission(home, r) for r in home.window(level, code, month, window)]
    known = [flag for flag in flags if flag is not None]
    return _share(sum(known), len(known))


def _need_based(referral: Referral) -> bool:
    """The referral enters the neglected services: needs known and commune known."""
    return bool(referral.needs) and referral.territory_commune is not None


def needs_coverage(home, level, code, month, window) -> float | None:
    referrals = home.window(level, code, month, window)
    return _share(sum(_need_based(r) for r in referrals), len(referrals))


def expected_observed(home: HomeFiles, level: str, code: str, month: str, window: int):
    """``expected(s, n)`` and ``observed(s, n)`` of indicators.md, for pairs with expected > 0."""
    key = ("expected_observed", level, code, month_index(month), window)
    if key in home.cache:
        return home.cache[key]
    in_window = home.window(level, code, month, window)
    # decisions.md: the expected side needs the commune (the competent set), the observed
    # side does not; a target that received a referral of unknown needs is not judged.
    referrals = [r for r in in_window if _need_based(r)]
    unjudged = {r.target for r in in_window if not r.needs}
    # decisions.md: "active in the window" follows the spec literally.
    active = {s.service_id for s in home.services.values() if home.active(s, month, window)}
    # Aggregate first (indicators.md): one competent set per (origin, commune, need).
    groups = Counter((r.origin, r.territory_commune, need) for r in referrals for need in r.needs)
    # Exact: shares of a pair that add up to 3 make it eligible (issue 13).
    expected: dict[tuple[str, str], Fraction] = defaultdict(Fraction)
    for (origin, commune, need), count in groups.items():
        competent = [s for s in home.competent(commune, need)
                     if s.service_id != origin and s.service_id in active]
        total = sum(s.capacity for s in competent)
        for s in competent:
            expected[(s.service_id, need)] += count * s.capacity / total
    expected = {pair: value for pair, value in expected.items() if pair[0] not in unjudged}
    by_target: dict[str, list[Referral]] = defaultdict(list)
    for r in in_window:
        by_target[r.target].append(r)
    observed = {pair: sum(1 for r in by_target[pair[0]]
                          if any(codes_match(pair[1], n) for n in r.needs))
                for pair in expected}
    home.cache[key] = (dict(expected), observed)
    return home.cache[key]


def neglected_pairs(home: HomeFiles, level: str, code: str, month: str,
                    window: int) -> set[tuple[str, str]]:
    """Pairs with expected >= 3 and observed = 0 (indicators.md, "Neglected services")."""
    expected, observed = expected_observed(home, level, code, month, window)
    return {pair for pair, value in expected.items() if value >= 3 and observed[pair] == 0}


def neglected_share(home, level, code, month, window) -> float | None:
    expected, _ = expected_observed(home, level, code, month, window)
    eligible = sum(1 for value in expected.values() if value >= 3)
    return _share(len(neglected_pairs(home, level, code, month, window)), eligible)


def neglected_services(home, level, code, month, window) -> int:
    return len({service for service, _ in neglected_pairs(home, level, code, month, window)})


def reciprocity(home, level, code, month, window) -> float | None:
    directed = {(r.origin, r.target) for r in home.window(level, code, month, window)}
    pairs = {frozenset(pair) for pair in directed}
    both = {frozenset((o, t)) for o, t in directed if (t, o) in directed}
    return _share(len(both), len(pairs))


def acceptance_rate(home, level, code, month, window) -> float | None:
    """decisions.md: only decided referrals count (pending, expired, no status: neither)."""
    statuses = Counter(r.status for r in home.window(level, code, month, window))
    return _share(statuses["accepted"], statuses["accepted"] + statuses["refused"])


def cross_sector_share(home, level, code, month, window) -> float | None:
    """decisions.md: the directory sectors of origin and target."""
    referrals = home.window(level, code, month, window)
    crossing = sum(home.services[r.origin].sector != home.services[r.target].sector
                   for r in referrals)
    return _share(crossing, len(referrals))


def convention_coverage(home, level, code, month, window) -> float | None:
    referrals = home.window(level, code, month, window)
    return _share(sum(home.covered(r) for r in referrals), len(referrals))


def dormant_conventions(home, level, code, month, window) -> int:
    """Conventions active in W with a party sitting in T and no referral between the two
    parties in W, any territory, either way (decisions.md: counted in every territory where
    one of its parties sits)."""
    first_day, last_day = window_days(month, window)
    linked = {frozenset((r.origin, r.target)) for r in home.all_referrals(month, window)}
    return sum(
        1 for c in home.conventions if c.meets(first_day, last_day)
        and (home.sits_in(c.service_a, level, code) or home.sits_in(c.service_b, level, code))
        and frozenset((c.service_a, c.service_b)) not in linked)


def _pairs(home, level, code, month, window) -> set[tuple[str, str]]:
    return {(r.origin, r.target) for r in home.window(level, code, month, window)}


def link_stability(home, level, code, month, window) -> float | None:
    """Jaccard of the directed pairs of W and of the window of the same length just before;
    NULL when that one starts before the first month with data (decisions.md: anywhere, not
    per territory), or when neither window has a pair (empty denominator)."""
    last = month_index(month)
    if last - 2 * window + 1 < home.first_month():
        return None
    now = _pairs(home, level, code, last, window)
    before = _pairs(home, level, code, last - window, window)
    return _share(len(now & before), len(now | before))


# --- Form 3: the professional's personal network --------------------------------------------

def fragile_link_share(home, level, code, month, window) -> float | None:
    """decisions.md: the 80% is over the pair's referrals that name a professional."""
    named: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in home.window(level, code, month, window):
        if r.professional_id is not None:
            named[(r.origin, r.target)].append(r.professional_id)
    qualifying = [_top_share(names) for names in named.values() if len(names) >= 5]
    return _share(sum(1 for top, total in qualifying if 5 * top >= 4 * total), len(qualifying))


def ruptured_links(home, level, code, month, window) -> int:
    """Pairs with >= 3 referrals in R(T) over the 12 months before W, one professional making
    >= 80% of them (decisions.md: of all the pair's referrals, named or not), that professional
    making no referral in W (any territory), and no referral of the pair in R(T, W)."""
    last = month_index(month)
    before: dict[tuple[str, str], list[str | None]] = defaultdict(list)
    for r in home.window(level, code, last - window, 12):
        before[(r.origin, r.target)].append(r.professional_id)
    active_professionals = {r.professional_id for r in home.all_referrals(last, window)}
    pairs_now = _pairs(home, level, code, last, window)
    ruptured = 0
    for pair, professionals in before.items():
        named = Counter(p for p in professionals if p is not None)
        if len(professionals) < 3 or not named:
            continue
        professional, top = named.most_common(1)[0]
        if 5 * top >= 4 * len(professionals) and professional not in active_professionals \
                and pair not in pairs_now:
            ruptured += 1
    return ruptured


# --- Form 1: re-weaving ties (supports) ----------------------------------------------------

def supports(home, level, code, month, window) -> int:
    return len(home.support_window(level, code, month, window))


def family_support_share(home, level, code, month, window) -> float | None:
    rows = home.support_window(level, code, month, window)
    return _share(sum(s.supporter_kind == "famille" for s in rows), len(rows))


def supporter_top_decile_share(home, level, code, month, window) -> float | None:
    """Supports given by the ``ceil(0.1 h)`` most-solicited of ``h`` distinct supporters, over
    ``|S|`` (ties at the cut do not change the sum)."""
    rows = home.support_window(level, code, month, window)
    counts = sorted(Counter(s.supporter_id for s in rows if s.supporter_id).values(),
                    reverse=True)
    return _share(sum(counts[:math.ceil(0.1 * len(counts))]), len(rows))


def single_supporter_share(home, level, code, month, window) -> float | None:
    supporters: dict[str, set[str]] = defaultdict(set)
    for s in home.support_window(level, code, month, window):
        if s.person_id is not None:
            supporters[s.person_id].update([s.supporter_id] if s.supporter_id else [])
    return _share(sum(len(ids) == 1 for ids in supporters.values()), len(supporters))


TERRITORY_INDICATORS: dict[str, Callable] = {
    "referrals": referrals_count,
    "persons": persons,
    "hhi_targets": hhi_targets,
    "effective_targets": effective_targets,
    "top3_target_share": top3_target_share,
    "origin_hhi_median": origin_hhi_median,
    "out_of_mission_rate": out_of_mission_rate,
    "neglected_share": neglected_share,
    "neglected_services": neglected_services,
    "needs_coverage": needs_coverage,
    "reciprocity": reciprocity,
    "acceptance_rate": acceptance_rate,
    "cross_sector_share": cross_sector_share,
    "convention_coverage": convention_coverage,
    "dormant_conventions": dormant_conventions,
    "link_stability": link_stability,
    "fragile_link_share": fragile_link_share,
    "ruptured_links": ruptured_links,
    "supports": supports,
    "family_support_share": family_support_share,
    "supporter_top_decile_share": supporter_top_decile_share,
    "single_supporter_share": single_supporter_share,
}


def territory_indicator(home: HomeFiles, indicator: str, level: str, code: str, month: str,
                        window: int) -> float | None:
    """One indicator of indicators.md for territory ``code`` of ``level`` (None: NULL)."""
    return TERRITORY_INDICATORS[indicator](home, level, code, month, window)
