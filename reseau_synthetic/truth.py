"""``ground_truth.json``: what was planted, where, and the counts a test can check.

Every figure is computed from the generated records as the pipeline will see them (valid,
de-duplicated referrals with their territory), so an end-to-end test can assert both "found
where planted" and "not found elsewhere".
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from reseau_synthetic.directory import Directory
from reseau_synthetic.needs import NeedCatalogue
from reseau_synthetic.plan import ISOLATED_SECTOR, Plan
from reseau_synthetic.records import Referrals
from reseau_synthetic.territory import Territory
from reseau_synthetic.texts import Texts


def _hhi(targets: np.ndarray) -> float | None:
    if len(targets) == 0:
        return None
    shares = np.unique(targets, return_counts=True)[1] / len(targets)
    return round(float((shares ** 2).sum()), 4)


def build_truth(*, seed, referrals, starts, territory: Territory, directory: Directory,
                catalogue: NeedCatalogue, plan: Plan, refs: Referrals, texts: Texts,
                exports: dict, supports: dict, conventions: list, dormant: dict) -> dict:
    ids = directory.ids
    months = [f"{start:%Y-%m}" for start in starts]
    dep_codes = territory.dep_codes

    def region_of(dep: int) -> str:
        return territory.region_codes[int(territory.dep_region[dep])]

    valid = refs.status != 4
    dep = territory.commune_dep[refs.territory]
    recent = valid & (refs.month >= plan.months - 12)
    hub_dep, oom_dep, iso_dep = (plan.dep(r) for r in ("concentration", "out_of_mission",
                                                       "isolation"))
    hhi = {dep_codes[d]: _hhi(refs.target[recent & (dep == d)]) for d in range(len(dep_codes))}
    in_hub_dep = recent & (dep == hub_dep)
    sectors = np.asarray(directory.sectors)
    touches = (sectors[refs.origin] == ISOLATED_SECTOR) | (sectors[refs.target] == ISOLATED_SECTOR)
    within = (sectors[refs.origin] == ISOLATED_SECTOR) & (sectors[refs.target] == ISOLATED_SECTOR)

    def within_share(d: int) -> float | None:
        rows = valid & touches & (dep == d)
        return round(float(within[rows].mean()), 3) if rows.any() else None

    elsewhere = [within_share(d) for d in range(len(dep_codes)) if d != iso_dep]
    links = []
    for (o, t, left), key in zip(plan.key_links, refs.key_professionals, strict=True):
        on_link = valid & (refs.origin == o) & (refs.target == t)
        by_key = on_link & (refs.professional == key)
        links.append({
            "origin_service_id": ids[o], "target_service_id": ids[t],
            "professional_id": str(texts.professional_ids[key]),
            "left_in": months[left], "departement": dep_codes[directory.dep[o]],
            "referrals_before_leaving": int(on_link.sum()),
            "professional_share": round(float(by_key.sum() / max(on_link.sum(), 1)), 3),
        })
    oom_rows = valid & (dep == oom_dep)
    return {
        "schema_version": 1,
        "generator": "reseau_synthetic",
        "seed": seed,
        "requested_referrals": referrals,
        "months": months,
        "roles": {role: dep_codes[d] for role, d in plan.roles.items()},
        "territory": {
            "regions": {code: [dep_codes[d] for d in np.flatnonzero(territory.dep_region == r)]
                        for r, code in enumerate(territory.region_codes)},
            "subordinate_communes": [
                {"typecom": typecom, "code": code, "parent": territory.commune_codes[parent]}
                for typecom, code, parent in territory.subordinates],
            "unknown_commune_codes": territory.unknown_codes,
        },
        "counts": {
            "services": len(directory),
            "exporters": int(plan.exporters.sum()),
            "distinct_valid_referrals": int(valid.sum()),
            "cancelled_referrals": int((~valid).sum()),
            "referrals_seen_twice": exports["referrals_seen_twice"],
            "referral_files": exports["files"],
            "referral_rows_written": exports["rows"],
            "referral_rows_superseded": exports["redelivery"]["original_rows"],
            "supports": supports["rows"],
            "support_files": supports["files"],
            "conventions": len(conventions),
        },
        "exporters": [ids[s] for s in np.flatnonzero(plan.exporters)],
        # Exporters whose software is DORA or les emplois: their canonical files hold only
        # what that software exports; disguised, they are its prepared exports.
        "software": {ids[s]: name for s, name in sorted(plan.software.items())},
        "support_exporters": supports["exporters"],
        "aliases": [{"exporter_id": e, "alias": a, "service_id": s}
                    for e, a, s in texts.alias_rows()],
        "neglected": [
            {"departement": dep_codes[directory.dep[s]], "region": region_of(directory.dep[s]),
             "service_id": ids[s], "need": catalogue.codes[n], "expected_12m_estimate": e}
            for (s, n), e in zip(plan.neglected, plan.neglect_estimates, strict=True)],
        "neglected_check": {"levels": ["departement", "region"], "window_months": 12,
                            "months": months[-12:]},
        "concentration": {
            "departement": dep_codes[hub_dep], "region": region_of(hub_dep),
            "hub_services": [ids[s] for s in directory.hubs],
            "hub_share_last_12_months": round(float(
                np.isin(refs.target[in_hub_dep], directory.hubs).mean()), 3),
            "hhi_targets_last_12_months": hhi,
        },
        "out_of_mission": {
            "departement": dep_codes[oom_dep], "region": region_of(oom_dep),
            "pairs": [{"origin_service_id": ids[o], "target_service_id": ids[t],
                       "referrals": int((valid & refs.out_of_mission & (refs.origin == o)
                                         & (refs.target == t)).sum())}
                      for o, t, _share in plan.oom_pairs],
            "rate": round(float(refs.out_of_mission[oom_rows].mean()), 3),
            "referrals_elsewhere": int((valid & refs.out_of_mission & (dep != oom_dep)).sum()),
        },
        "key_person_links": links,
        "dormant_conventions": [{**dormant, "departements": [dep_codes[d] for d in
                                                             dormant["departements"]]}],
        "family_heavy_supports": {"departement": dep_codes[plan.dep("family")],
                                  "family_share": supports["family_share"],
                                  "family_share_elsewhere": supports["family_share_elsewhere"],
                                  "supporter_top_decile_share": supports["top_decile_share"],
                                  "supporter_top_decile_share_elsewhere_max":
                                      supports["top_decile_share_elsewhere_max"]},
        "isolated_sector": {"departement": dep_codes[iso_dep], "sector": ISOLATED_SECTOR,
                            "within_sector_share": within_share(iso_dep),
                            "within_sector_share_elsewhere_max": max(
                                (x for x in elsewhere if x is not None), default=None)},
        "closed_services": [
            {"service_id": ids[s], "closed_on": (
                (starts[plan.closed[s]] + dt.timedelta(days=32)).replace(day=1)
                - dt.timedelta(days=1)).isoformat()}
            for s in np.flatnonzero(plan.closed < plan.months - 1)],
        "opened_services": [{"service_id": ids[s], "opened_on": starts[plan.opened[s]].isoformat()}
                            for s in np.flatnonzero(plan.opened > 0)],
        "redelivery": exports["redelivery"],
    }
