"""Run the allocator over all slots in date order, with the month-boundary events.

Services that open or close during the period get special care. The pipeline counts a service
as active in a whole window as soon as its opening or closing date falls in it, so a window
starting in a closing month holds that month's referrals only, yet expects twelve months'
worth: the service must receive, in that month, at least one referral for each of its needs.
The allocator serves it first that month, and a referral is added at the end of the month for
any need still unserved.
"""

from __future__ import annotations

import numpy as np

from reseau_synthetic.allocation import Allocator
from reseau_synthetic.demand import Slots
from reseau_synthetic.directory import Directory
from reseau_synthetic.needs import SECTOR_FOCUS, NeedCatalogue, sector_need_weights
from reseau_synthetic.plan import ISOLATED_SECTOR, Plan
from reseau_synthetic.territory import Territory


def allocate(rng, slots: Slots, allocator: Allocator, territory: Territory,
             directory: Directory, catalogue: NeedCatalogue, plan: Plan,
             last_weekday: list[int]) -> tuple[np.ndarray, Slots]:
    """Targets of every slot, and the slots added for opening/closing services."""
    size = len(slots.origin)
    order = np.lexsort((rng.random(size), slots.day)).tolist()
    origin, month, commune = slots.origin.tolist(), slots.month.tolist(), slots.territory.tolist()
    need1, need2 = slots.need1, slots.need2
    forced, cancelled = slots.forced_target.tolist(), slots.cancelled.tolist()
    dep_of = territory.commune_dep.tolist()
    reg_of = territory.dep_region.tolist()
    events: dict[int, list[int]] = {}
    for service in np.flatnonzero(plan.opened > 0):
        events.setdefault(int(plan.opened[service]), []).append(int(service))
    for service in np.flatnonzero(plan.closed < plan.months - 1):
        events.setdefault(int(plan.closed[service]), []).append(int(service))
    fallback = np.argsort(-catalogue.need_weight, kind="stable").tolist()
    target_needs = {t: [n for b in sorted(directory.bundles[t]) for n in catalogue.bundle_needs[b]]
                    for _, t, _ in plan.key_links}
    redraws = {sector: rng.choice(len(catalogue.codes), size=4096,
                                  p=sector_need_weights(catalogue, sector)).tolist()
               for sector in SECTOR_FOCUS}
    judiciaire = set(catalogue.bundle_needs[catalogue.bundle("judiciaire")])
    target = np.full(size, -1, dtype=np.int64)
    added: list[tuple] = []
    watched: set[int] = set()
    seen: set[tuple[int, int, int]] = set()
    current = -1

    def open_month(m: int) -> None:
        watched.clear()
        seen.clear()
        for service in events.get(m, []):
            watched.add(service)
            needs = [n for b in directory.bundles[service] for n in catalogue.bundle_needs[b]]
            deps = directory.served_deps[service]
            allocator.boost(service, needs, deps, sorted({reg_of[d] for d in deps}))

    def close_month(m: int) -> None:
        for service in events.get(m, []):
            for bundle in sorted(directory.bundles[service]):
                for need in catalogue.bundle_needs[bundle]:
                    for dep in directory.served_deps[service]:
                        if (service, need, dep) not in seen:
                            added.append(_inject(allocator, directory, plan, service, need,
                                                 dep, m, last_weekday[m], reg_of[dep]))

    for i in order:
        m = month[i]
        while current < m:
            if current >= 0:
                close_month(current)
            current += 1
            open_month(current)
        o, c = origin[i], commune[i]
        dep = dep_of[c]
        needs = (int(need1[i]),) if need2[i] < 0 else (int(need1[i]), int(need2[i]))
        chosen = allocator.place(o, c, dep, reg_of[dep], needs, m, forced[i], cancelled[i],
                                 flexible=forced[i] >= 0)
        if chosen == -2 and forced[i] >= 0:
            # A key person's referral: another of the target's needs, else the drawn one.
            own = target_needs[forced[i]]
            start = (i * 31) % len(own)
            for need in [*own[start:], *own[:start]]:
                if allocator.place(o, c, dep, reg_of[dep], (need,), m, forced[i],
                                   flexible=True) >= 0:
                    needs = (need,)
                    break
            else:
                needs = (int(need1[i]),)
                allocator.place(o, c, dep, reg_of[dep], needs, m, forced[i])
            need1[i], need2[i], chosen = needs[0], -1, forced[i]
        elif chosen < 0:
            # Draw other needs from the origin's own mix, then any need in order of share.
            isolated = dep == plan.dep("isolation")
            justice = directory.sectors[o] == ISOLATED_SECTOR
            mix = redraws[directory.sectors[o]]
            start = (i * 31) % len(mix)
            for need in [*mix[start:start + 40], *fallback]:
                if isolated and (need in judiciaire) != justice:
                    continue
                chosen = allocator.place(o, c, dep, reg_of[dep], (need,), m, -1, cancelled[i])
                if chosen >= 0:
                    need1[i], need2[i], needs = need, -1, (need,)
                    break
        target[i] = chosen
        if chosen in watched and not cancelled[i]:
            seen.update((chosen, need, dep) for need in needs)
    while current < plan.months - 1:
        if current >= 0:
            close_month(current)
        current += 1
        open_month(current)
    close_month(current)
    return target, _as_slots(added)


def _inject(allocator: Allocator, directory: Directory, plan: Plan, service: int, need: int,
            dep: int, month: int, day: int, reg: int) -> tuple:
    """One referral to ``service`` for ``need`` from the largest exporter of ``dep``."""
    ranked = sorted(range(len(directory)), key=lambda s: (-directory.capacity[s], s))
    for origin in ranked:
        if (directory.dep[origin] != dep or origin == service or not plan.exporters[origin]
                or origin in directory.hubs or directory.sectors[origin] == ISOLATED_SECTOR
                or (origin in allocator.banned and allocator.banned[origin][service])
                or not plan.opened[origin] <= month <= plan.closed[origin]
                or any(o == origin for o, _, _ in plan.oom_pairs)):
            continue
        commune = directory.commune[origin]
        allocator.place(origin, commune, dep, reg, (need,), month, forced=service)
        return origin, month, day, commune, commune, need, service
    raise RuntimeError(f"no exporter can refer to {directory.ids[service]}")


def _as_slots(added: list[tuple]) -> Slots:
    columns = list(zip(*added, strict=True)) if added else [()] * 7
    origin, month, day, person_commune, territory, need, target = (
        np.asarray(column, dtype=np.int64) for column in columns)
    size = len(origin)
    return Slots(origin=origin, month=month, day=day, person_commune=person_commune,
                 commune_kind=np.zeros(size, dtype=np.int64), territory=territory, need1=need,
                 need2=np.full(size, -1, dtype=np.int64), cancelled=np.zeros(size, dtype=bool),
                 forced_target=target, person=np.full(size, -1, dtype=np.int64))
