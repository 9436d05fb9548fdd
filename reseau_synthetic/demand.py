"""Referral slots: who refers, when, for whom and for which needs (targets come later).

Everything here is vectorised with numpy. Volumes are smooth on purpose (each service's
monthly count is a deterministic rounding of its expected rate, and at least one), so that
month-to-month noise does not look like a phenomenon; the randomness that remains (dates,
persons, needs) is the kind the indicators are built to absorb.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from reseau_synthetic.directory import Directory
from reseau_synthetic.needs import SECTOR_FOCUS, NeedCatalogue, sector_need_weights
from reseau_synthetic.plan import (
    ISOLATED_SECTOR,
    NON_EXPORTER_VISIBILITY,
    STREAM_PER_MONTH,
    Plan,
    monthly_counts,
)
from reseau_synthetic.territory import Territory

CANCELLED_SHARE = 0.02
EMPTY_COMMUNE_SHARE = 0.05
UNKNOWN_COMMUNE_SHARE = 0.01
TWO_NEEDS_SHARE = 0.15
@dataclass
class Slots:
    """One entry per referral to generate; ``kind`` of person_commune: 0 the person's commune,
    1 empty, 2 an unknown code, 3 the code of a commune déléguée or associée."""

    origin: np.ndarray
    month: np.ndarray
    day: np.ndarray  # proleptic ordinal of the referral date
    person_commune: np.ndarray
    commune_kind: np.ndarray
    territory: np.ndarray  # territory commune (data-contract.md, "Territory of a referral")
    need1: np.ndarray
    need2: np.ndarray  # -1: single need
    cancelled: np.ndarray
    forced_target: np.ndarray  # -1: chosen by allocation
    person: np.ndarray


def month_starts(end_month: str, months: int) -> list[dt.date]:
    """First days of the ``months`` months ending with ``end_month`` (``YYYY-MM``)."""
    year, month = (int(part) for part in end_month.split("-"))
    index = year * 12 + month - 1 - (months - 1)
    return [dt.date((index + k) // 12, (index + k) % 12 + 1, 1) for k in range(months)]


def _weekdays(start: dt.date) -> np.ndarray:
    days = []
    day = start
    while day.month == start.month:
        if day.weekday() < 5:
            days.append(day.toordinal())
        day += dt.timedelta(days=1)
    return np.array(days)


def build_slots(rng, territory: Territory, directory: Directory, catalogue: NeedCatalogue,
                plan: Plan, starts: list[dt.date], referrals: int) -> Slots:
    """Draw every referral slot except its target."""
    n_months = len(starts)
    capacity = np.asarray(directory.capacity)
    rate = capacity * np.where(plan.exporters, 1.0, NON_EXPORTER_VISIBILITY)
    active = (np.arange(n_months)[None, :] >= plan.opened[:, None]) & \
        (np.arange(n_months)[None, :] <= plan.closed[:, None])
    calendar = np.array([start.month for start in starts])
    season = np.where(calendar == 8, 0.72, np.where(calendar == 12, 0.88, 1.0)) \
        * np.linspace(0.95, 1.05, n_months)
    streams = sum(left * STREAM_PER_MONTH for _, _, left in plan.key_links)
    wanted = round(referrals / (1 - CANCELLED_SHARE)) - streams
    counts = monthly_counts(rate, active, season, wanted, rng.random(len(rate)))
    service_index, month_index = np.nonzero(counts)
    repeat = counts[service_index, month_index]
    origin = np.repeat(service_index, repeat)
    month = np.repeat(month_index, repeat)
    forced = np.full(len(origin), -1)
    for o, t, left in plan.key_links:
        extra = left * STREAM_PER_MONTH
        origin = np.concatenate([origin, np.full(extra, o)])
        month = np.concatenate([month, np.repeat(np.arange(left), STREAM_PER_MONTH)])
        forced = np.concatenate([forced, np.full(extra, t)])
    size = len(origin)

    weekdays = [_weekdays(start) for start in starts]
    lengths = np.array([len(w) for w in weekdays])
    pick = np.floor(rng.random(size) * lengths[month]).astype(np.int64)
    flat = np.concatenate(weekdays)
    day = flat[np.concatenate([[0], np.cumsum(lengths)[:-1]])[month] + pick]

    person_commune = _draw_communes(rng, territory, directory, origin)
    draw = rng.random(size)
    kind = np.where(draw < EMPTY_COMMUNE_SHARE, 1,
                    np.where(draw < EMPTY_COMMUNE_SHARE + UNKNOWN_COMMUNE_SHARE, 2, 0))
    for _typecom, _code, parent in territory.subordinates:
        kind[(kind == 0) & (person_commune == parent) & (rng.random(size) < 0.4)] = 3
    origin_commune = np.asarray(directory.commune)[origin]
    territory_commune = np.where((kind == 0) | (kind == 3), person_commune, origin_commune)

    need1, need2 = _draw_needs(rng, territory, directory, catalogue, plan, origin,
                               territory_commune, forced)
    # The first slot of each (service, month) is never cancelled: every active service then
    # makes a valid referral every month, and a quiet month cannot pass for a worker leaving.
    group_start = np.zeros(size, dtype=bool)
    group_start[np.cumsum(repeat) - repeat] = True
    cancelled = (rng.random(size) < CANCELLED_SHARE) & (forced < 0) & ~group_start
    # Persons live in a commune; about two referrals per person over the period.
    per_commune = np.bincount(person_commune, minlength=len(territory.commune_codes))
    pool = np.maximum(2, np.round(per_commune * 0.5)).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(pool)[:-1]])
    person = offset[person_commune] + np.floor(rng.random(size) * pool[person_commune]).astype(
        np.int64)
    return Slots(origin=origin, month=month, day=day, person_commune=person_commune,
                 commune_kind=kind, territory=territory_commune, need1=need1, need2=need2,
                 cancelled=cancelled, forced_target=forced, person=person)


def _draw_communes(rng, territory: Territory, directory: Directory,
                   origin: np.ndarray) -> np.ndarray:
    """Communes where the persons live: the origin's served area, half in its own département
    for services serving several."""
    result = np.empty(len(origin), dtype=np.int64)
    order = np.argsort(origin, kind="stable")
    bounds = np.searchsorted(origin[order], np.arange(len(directory) + 1))
    for service in range(len(directory)):
        rows = order[bounds[service]:bounds[service + 1]]
        if len(rows) == 0:
            continue
        if directory.served_communes[service]:
            communes = np.asarray(directory.served_communes[service])
            weight = territory.commune_weight[communes]
        else:
            communes = np.concatenate([territory.dep_communes[d]
                                       for d in directory.served_deps[service]])
            own = territory.commune_dep[communes] == directory.dep[service]
            others = max(len(directory.served_deps[service]) - 1, 1)
            weight = territory.commune_weight[communes] * np.where(own, 1.0, 1.0 / others)
        cumulative = np.cumsum(weight / weight.sum())
        result[rows] = communes[np.minimum(np.searchsorted(cumulative, rng.random(len(rows))),
                                           len(communes) - 1)]
    return result


def _draw_needs(rng, territory, directory, catalogue, plan, origin, territory_commune, forced):
    """First need by the origin's sector; a second need of the same bundle for some slots.

    In the isolation département, justice services only refer justice needs and nobody else
    does, so that sector works in a closed circle there.
    """
    size = len(origin)
    sectors = np.asarray(directory.sectors)[origin]
    in_isolation = territory.commune_dep[territory_commune] == plan.dep("isolation")
    judiciaire = np.zeros(len(catalogue.codes), dtype=bool)
    judiciaire[list(catalogue.bundle_needs[catalogue.bundle("judiciaire")])] = True
    need1 = np.empty(size, dtype=np.int64)
    groups = [(sector, isolated) for sector in SECTOR_FOCUS for isolated in (False, True)]
    for sector, isolated in groups:
        rows = np.flatnonzero((sectors == sector) & (in_isolation == isolated) & (forced < 0))
        weight = sector_need_weights(catalogue, sector)
        if isolated:
            weight = np.where(judiciaire == (sector == ISOLATED_SECTOR), weight, 0.0)
        need1[rows] = _sample(rng, weight, len(rows))
    for o, t, _left in plan.key_links:
        rows = np.flatnonzero((origin == o) & (forced == t))
        weight = np.zeros(len(catalogue.codes))
        for bundle in directory.bundles[t]:
            needs = list(catalogue.bundle_needs[bundle])
            weight[needs] = catalogue.need_weight[needs]
        need1[rows] = _sample(rng, weight, len(rows))
    need2 = np.full(size, -1, dtype=np.int64)
    bundle_sizes = np.array([len(needs) for needs in catalogue.bundle_needs])
    two = (rng.random(size) < TWO_NEEDS_SHARE) & (bundle_sizes[catalogue.need_bundle[need1]] > 1)
    for row in np.flatnonzero(two):
        others = [n for n in catalogue.bundle_needs[catalogue.need_bundle[need1[row]]]
                  if n != need1[row]]
        need2[row] = others[int(rng.integers(len(others)))]
    return need1, need2


def _sample(rng, weight: np.ndarray, count: int) -> np.ndarray:
    cumulative = np.cumsum(weight / weight.sum())
    return np.minimum(np.searchsorted(cumulative, rng.random(count), side="right"),
                      len(weight) - 1)
