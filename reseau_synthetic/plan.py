"""Where each phenomenon is planted: roles of départements, and the services that carry them.

Choices are made before any referral exists, from the directory and the demand model's own
monthly counts, so that a planted neglected pair has a large expected volume and the
out-of-mission origins carry enough of their département's referrals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from reseau_synthetic.directory import Directory
from reseau_synthetic.needs import NeedCatalogue, sector_need_weights
from reseau_synthetic.territory import Territory

ROLES = ("neglect_a", "neglect_b", "concentration", "out_of_mission", "isolation", "family",
         "control")
NON_EXPORTER_VISIBILITY = 0.6  # share of a non-exporter's referrals that reach an exporter
ISOLATED_SECTOR = "justice"
STREAM_PER_MONTH = 6  # referrals a key person makes on their link each month
OUT_OF_MISSION_SHARE = 0.15  # of the département's referrals
NEGLECT_TARGET = 30.0  # estimated 12-month expected volume of a planted neglected pair
# Shares of the exporters that deliver what real software exports.
SOFTWARE_SHARES = {"dora": 0.10, "emplois": 0.05}


@dataclass
class Plan:
    """Every planted choice; service and need fields are indices."""

    roles: dict[str, int]
    months: int
    exporters: np.ndarray = field(default=None)
    tracks_professionals: np.ndarray = field(default=None)
    opened: np.ndarray = field(default=None)  # first active month index
    closed: np.ndarray = field(default=None)  # last active month index
    neglected: list[tuple[int, int]] = field(default_factory=list)  # (service, need)
    neglect_estimates: list[float] = field(default_factory=list)
    oom_pairs: list[tuple[int, int, float]] = field(default_factory=list)  # (o, t, rate)
    key_links: list[tuple[int, int, int]] = field(default_factory=list)  # (o, t, left month)
    dormant: tuple[int, int] = (-1, -1)
    aliases: dict[int, list[int]] = field(default_factory=dict)  # exporter -> partners
    redelivery: tuple[int, int] = (-1, -1)  # (exporter, month index)
    support_exporters: list[int] = field(default_factory=list)
    # Exporters whose software is DORA or les emplois (real-exports.md): exporter -> name.
    software: dict[int, str] = field(default_factory=dict)

    def dep(self, role: str) -> int:
        return self.roles[role]


def monthly_counts(rate: np.ndarray, active: np.ndarray, season: np.ndarray, total: int,
                   offsets: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Counts per (service, month) summing to about ``total``: smooth, and at least
    ``minimum`` in each active month."""

    def counts(scale: float) -> np.ndarray:
        expected = scale * rate[:, None] * season[None, :] * active
        cumulative = np.floor(offsets[:, None] + np.cumsum(expected, axis=1))
        raw = np.diff(cumulative, axis=1, prepend=np.floor(offsets)[:, None])
        return np.where(active, np.maximum(raw, minimum), 0).astype(np.int64)

    low, high = 0.0, total / max(rate.sum(), 1e-9) * 2.0 / season.min()
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if counts(middle).sum() < total else (low, middle)
    return counts(high)


def assign_roles(rng: np.random.Generator, n_deps: int) -> dict[str, int]:
    """Give each département at most one planted role (seven roles, seven départements)."""
    order = rng.permutation(n_deps)
    return {role: int(order[k % n_deps]) for k, role in enumerate(ROLES)}


def make_plan(rng, roles, territory: Territory, directory: Directory,
              catalogue: NeedCatalogue, months: int, monthly_referrals: float) -> Plan:
    """Choose exporters, closures, openings and the services of every planted phenomenon."""
    n = len(directory)
    plan = Plan(roles=roles, months=months)
    capacity = np.asarray(directory.capacity)
    dep = np.asarray(directory.dep)
    sectors = np.asarray(directory.sectors)
    kinds = np.asarray(directory.kinds)
    dep_wide = np.array([k == "dep" for k in directory.served_kind])
    taken: set[int] = set(directory.hubs)

    exporters = rng.random(n) < 0.6
    exporters[directory.hubs] = True
    exporters[(dep == plan.dep("isolation")) & (sectors == ISOLATED_SECTOR)] = True
    plan.exporters = exporters
    plan.opened = np.zeros(n, dtype=np.int64)
    plan.closed = np.full(n, months - 1, dtype=np.int64)

    def pick(mask, count=1, weights=None):
        mask = mask & ~np.isin(np.arange(n), list(taken))
        choices = np.flatnonzero(mask)
        if len(choices) < count:
            raise RuntimeError("the directory is too small for the planted phenomena")
        order = np.argsort(-weights[choices], kind="stable") if weights is not None \
            else rng.permutation(len(choices))
        chosen = [int(choices[i]) for i in order[:count]]
        taken.update(chosen)
        return chosen

    quiet_deps = np.isin(dep, [plan.dep("family"), plan.dep("control"), plan.dep("neglect_a")])
    small = np.isin(kinds, ["pcb", "couveuse", "plateforme-mobilite", "tutelle", "cssr", "msp",
                            "chantier", "pre", "college"])
    for k, service in enumerate(pick(quiet_deps & small & dep_wide, 4)):
        if k < 2:
            plan.closed[service] = int(rng.integers(months // 3, 2 * months // 3))
        else:
            plan.opened[service] = int(rng.integers(3, months - 6))
    changing = np.flatnonzero((plan.opened > 0) | (plan.closed < months - 1))

    rate = capacity * np.where(exporters, 1.0, NON_EXPORTER_VISIBILITY)
    # Yearly referrals of each service, as the demand model will count them (at small sizes
    # the one-a-month floor makes volumes flatter than capacities).
    month_index = np.arange(months)
    active = (month_index[None, :] >= plan.opened[:, None]) & \
        (month_index[None, :] <= plan.closed[:, None])
    yearly = monthly_counts(rate, active, np.ones(months), round(monthly_referrals * months),
                            np.full(n, 0.5)).sum(axis=1) * 12.0 / months
    broad = np.array([len(b) >= 4 for b in directory.bundles])
    for role in ("neglect_a", "neglect_b"):
        _plant_neglect(plan, territory, directory, catalogue, plan.dep(role), yearly, taken)

    oom_dep = plan.dep("out_of_mission")
    # The busiest exporters there whose people live in the département, enough of them to
    # hold a third of the volume: each then sends about half of its referrals out of mission.
    volume = yearly[dep == oom_dep].sum()
    local = np.isin(np.asarray(directory.served_kind), ["dep", "communes"])
    candidates = (dep == oom_dep) & exporters & local & (sectors != ISOLATED_SECTOR)
    ranked = np.sort(yearly[candidates])[::-1]
    count = int(np.clip(np.searchsorted(np.cumsum(ranked), volume / 3) + 1, 2, 10))
    origins = pick(candidates, count, weights=yearly)
    narrow = np.array([len(b) <= 2 for b in directory.bundles])
    targets = pick((dep == oom_dep) & narrow & dep_wide & (sectors != ISOLATED_SECTOR), count)
    share = min(0.85, OUT_OF_MISSION_SHARE * volume / yearly[origins].sum())
    plan.oom_pairs = [(o, t, share) for o, t in zip(origins, targets, strict=True)]

    link_deps = [plan.dep(r) for r in ("control", "family", "neglect_a", "neglect_b")]
    left = rng.permutation(np.arange(13, months - 3))
    for k, link_dep in enumerate(link_deps):
        here = (dep == link_dep) & dep_wide & (sectors != ISOLATED_SECTOR)
        (origin,) = pick(here & exporters & (capacity > np.median(capacity)))
        (target,) = pick(here & broad, weights=capacity)
        plan.key_links.append((origin, target, int(left[k % len(left)])))

    control = plan.dep("control")
    (first,) = pick((dep == control) & dep_wide & np.isin(kinds, ["mission-locale", "eds"]))
    (second,) = pick((dep == control) & dep_wide & np.isin(kinds, ["cmp", "ase", "siao"]))
    plan.dormant = (first, second)

    # Services that do not record who referred: about a tenth of the volume, plus services
    # that close, whose workers would otherwise look like key persons leaving.
    tracks = np.ones(n, dtype=bool)
    tracks[changing] = False
    spare = [s for s in rng.permutation(n) if s not in taken]
    for service in spare:
        if yearly[~tracks].sum() >= 0.1 * yearly.sum():
            break
        tracks[service] = False
    plan.tracks_professionals = tracks

    exporting = np.flatnonzero(exporters & dep_wide & broad)
    exporting = [int(s) for s in exporting if s not in taken and s not in changing]
    for exporter in rng.permutation(exporting)[:3]:
        partners = [s for s in range(n) if dep[s] == dep[exporter] and s != exporter
                    and broad[s] and s not in changing]
        plan.aliases[int(exporter)] = [int(s) for s in rng.permutation(partners)[:2]]
    plan.redelivery = (int(rng.permutation(exporting)[0]), months - 5)
    helpers = np.isin(sectors, ["social", "medico-social", "associatif", "logement"])
    plan.support_exporters = [int(s) for s in np.flatnonzero(exporters & helpers)]
    return plan


def _plant_neglect(plan: Plan, territory: Territory, directory: Directory,
                   catalogue: NeedCatalogue, dep: int, yearly: np.ndarray,
                   taken: set[int]) -> None:
    """Pick two (service, need) pairs of ``dep`` with a large expected 12-month volume.

    The estimate counts referrals made by the département's own services (``yearly``), and
    the service's capacity share averaged over the communes (by population). Where it falls short of
    ``NEGLECT_TARGET`` the service is made up to 2.5 times bigger: a large service bypassed
    for one need is the case the indicator exists for.
    """
    local = [s for s in range(len(directory)) if directory.dep[s] == dep]
    need_volume = sum(yearly[o] * sector_need_weights(catalogue, directory.sectors[o])
                      for o in local)
    communes = territory.dep_communes[dep]
    population = territory.commune_weight[communes]
    used_needs = {need for _, need in plan.neglected}

    def share(service: int, bundle: int, capacity: float) -> float:
        serving = np.zeros(len(communes))
        for r in range(len(directory)):
            if r != service and bundle in directory.bundles[r]:
                if directory.served_communes[r]:
                    serving += np.isin(communes, directory.served_communes[r]) * \
                        directory.capacity[r]
                elif dep in directory.served_deps[r]:
                    serving += directory.capacity[r]
        return float((population * capacity / (capacity + serving)).sum() / population.sum())

    candidates = []
    for s in local:
        # An exporter: every referral it receives is then seen with its needs (a service
        # receiving referrals of unknown needs is not judged; see docs/decisions.md).
        if s in taken or not plan.exporters[s] or directory.served_kind[s] != "dep" \
                or plan.closed[s] < plan.months - 1 or plan.opened[s] > 0 \
                or directory.sectors[s] == ISOLATED_SECTOR:
            continue
        for bundle in directory.bundles[s]:
            rivals = [r for r in range(len(directory)) if r != s and dep in directory.served_deps[r]
                      and bundle in directory.bundles[r] and not directory.served_communes[r]]
            if len(rivals) < 2:
                continue
            fraction = share(s, bundle, directory.capacity[s])
            candidates.extend((need_volume[need] * fraction, s, need)
                              for need in catalogue.bundle_needs[bundle])
    candidates.sort(key=lambda item: (-item[0], item[1], item[2]))
    used_services, used_bundles = set(), set()
    for _estimate, service, need in candidates:
        bundle = int(catalogue.need_bundle[need])
        if service in used_services or bundle in used_bundles or need in used_needs:
            continue
        base = directory.capacity[service]
        for factor in (1.0, 1.25, 1.5, 1.75, 2.0, 2.5):
            estimate = need_volume[need] * share(service, bundle, base * factor)
            if estimate >= NEGLECT_TARGET:
                break
        directory.capacity[service] = round(base * factor, 2)
        plan.neglected.append((service, need))
        plan.neglect_estimates.append(round(float(estimate), 1))
        used_services.add(service)
        used_bundles.add(bundle)
        taken.add(service)
        if len(used_services) == 2:
            return


def assign_software(rng, plan: Plan, directory: Directory) -> None:
    """Which exporters deliver DORA's or les emplois' exports, through ``reseau prepare``.

    They are drawn among exporters that carry no planted phenomenon (nor an alias or the
    re-delivery): real software exports no need and no commune, so a phenomenon planted on
    them could become invisible, and the tests of what is planted would test what the
    software hides instead. Les emplois goes to insertion services first (it is their
    software).
    """
    planted = set(directory.hubs) | {s for s, _ in plan.neglected} | set(plan.dormant)
    planted |= {s for o, t, _ in plan.oom_pairs for s in (o, t)}
    planted |= {s for o, t, _ in plan.key_links for s in (o, t)}
    planted |= {s for e, partners in plan.aliases.items() for s in (e, *partners)}
    planted |= {plan.redelivery[0]}
    free = [int(s) for s in rng.permutation(np.flatnonzero(plan.exporters)) if s not in planted]
    count = {name: round(share * int(plan.exporters.sum()))
             for name, share in SOFTWARE_SHARES.items()}
    insertion = [s for s in free if directory.sectors[s] == "emploi-insertion"]
    emplois = (insertion + [s for s in free if s not in insertion])[:count["emplois"]]
    dora = [s for s in free if s not in emplois][:count["dora"]]
    plan.software = {**dict.fromkeys(dora, "dora"), **dict.fromkeys(emplois, "emplois")}
