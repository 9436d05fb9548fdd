"""Informal-support exports (data-contract.md, "Informal-support exports").

Services of the social, medico-social, housing and voluntary sectors that export also record
the helpers they mobilise around the persons they follow, about one support per ten
referrals. A helper is a person with one kind (family, neighbour...). In the planted
département most supports come from family members and a few of them carry most of the
load (the seed's "petit nombre de personnes").
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import polars as pl

from reseau_synthetic.directory import Directory
from reseau_synthetic.exports import delivery_time
from reseau_synthetic.plan import Plan, monthly_counts
from reseau_synthetic.records import Referrals, pseudonyms
from reseau_synthetic.texts import Texts, lookup

SUPPORT_HEADER = ("support_id", "support_date", "service_id", "person_id", "supporter_kind",
                  "supporter_id", "person_commune")
KINDS = ("famille", "entourage", "voisinage", "benevole", "pair", "commerce-local", "autre")
KIND_SHARES = np.array([0.25, 0.20, 0.15, 0.20, 0.08, 0.05, 0.07])
FAMILY_HEAVY_SHARE = 0.75


def write_supports(root: Path, rng, refs: Referrals, directory: Directory, plan: Plan,
                   texts: Texts, starts: list[dt.date], n_valid: int) -> dict:
    """Write every support file; return counts and the family shares by kind of département."""
    services = np.array([s for s in plan.support_exporters
                         if directory.served_kind[s] in ("dep", "communes")], dtype=np.int64)
    n_months = len(starts)
    months = np.arange(n_months)
    active = (months[None, :] >= plan.opened[services, None]) & \
        (months[None, :] <= plan.closed[services, None])
    capacity = np.asarray(directory.capacity)[services]
    counts = monthly_counts(capacity, active, np.ones(n_months), round(n_valid / 10),
                            rng.random(len(services)), minimum=0)
    which, month = np.nonzero(counts)
    service = np.repeat(services[which], counts[which, month])
    month = np.repeat(month, counts[which, month])
    size = len(service)

    # The person is one the service referred (or received) that month or earlier.
    valid = refs.status != 4
    source = np.flatnonzero(valid & np.isin(refs.origin, services))
    source = source[np.lexsort((refs.day[source], refs.origin[source]))]
    bounds = np.searchsorted(refs.origin[source], np.append(services, np.iinfo(np.int64).max))
    first = dict(zip(services.tolist(), bounds[:-1].tolist(), strict=True))
    span = dict(zip(services.tolist(), np.diff(bounds).tolist(), strict=True))
    lengths = np.array([span[s] for s in service.tolist()])
    offset = np.floor(rng.random(size) * np.maximum(lengths, 1)).astype(np.int64)
    picked = source[np.minimum(np.array([first[s] for s in service.tolist()]) + offset,
                               len(source) - 1)]
    person, commune = refs.person[picked], refs.person_commune[picked]
    commune_kind = np.where(rng.random(size) < 0.05, 1, refs.commune_kind[picked])

    dep = np.asarray(directory.dep)[service]
    supporter, kind = _supporters(rng, dep, plan.dep("family"))
    lengths_of = np.array([(s + dt.timedelta(days=32)).replace(day=1).toordinal() - s.toordinal()
                           for s in starts])
    day = np.array([s.toordinal() for s in starts])[month] + np.floor(
        rng.random(size) * lengths_of[month]).astype(np.int64)
    order = np.lexsort((day, service))
    service, month, day, person, commune, commune_kind, supporter, kind = (
        a[order] for a in (service, month, day, person, commune, commune_kind, supporter, kind))
    group_start = np.flatnonzero(np.diff(service, prepend=-1))
    sequence = np.arange(size) - np.repeat(group_start, np.diff(np.append(group_start, size)))
    supporter_ids = pseudonyms(rng, int(supporter.max()) + 1, "AID-").tolist()
    frame = pl.DataFrame([
        pl.Series("service", service),
        pl.Series("month", month),
        texts.numbered(texts.services(service, "prefix") + "-M", sequence + 1, "support_id"),
        texts.dates(day, "support_date"),
        texts.services(service, "service_id"),
        texts.persons_of(person, "person_id"),
        lookup(list(KINDS), kind, "supporter_kind"),
        lookup(supporter_ids, supporter, "supporter_id"),
        texts.communes(commune, commune_kind, "person_commune"),
    ])
    folder = root / "landing" / "supports"
    files = 0
    for (service_index, month_index), part in frame.partition_by(
            ["service", "month"], maintain_order=True, as_dict=True).items():
        service_id = texts.service_ids[service_index]
        path = folder / service_id / f"{service_id}_{starts[month_index]:%Y-%m}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        part.select(SUPPORT_HEADER).write_csv(path)
        stamp = delivery_time(starts[month_index])
        os.utime(path, (stamp, stamp))
        files += 1
    heavy = dep == plan.dep("family")
    top_decile = {d: _top_decile_share(supporter[dep == d]) for d in np.unique(dep).tolist()}
    return {
        "rows": size, "files": files,
        "exporters": sorted({texts.service_ids[s] for s in set(service.tolist())}),
        "family_share": round(float((kind[heavy] == 0).mean()), 3),
        "family_share_elsewhere": round(float((kind[~heavy] == 0).mean()), 3),
        "top_decile_share": top_decile.get(plan.dep("family")),
        "top_decile_share_elsewhere_max": max(v for d, v in top_decile.items()
                                              if d != plan.dep("family")),
    }


def _top_decile_share(supporter: np.ndarray) -> float:
    """Share of supports given by the ceil(10%) most solicited helpers (indicators.md)."""
    counts = np.sort(np.unique(supporter, return_counts=True)[1])[::-1]
    return round(float(counts[:int(np.ceil(0.1 * len(counts)))].sum() / counts.sum()), 3)


def _supporters(rng, dep: np.ndarray, heavy_dep: int) -> tuple[np.ndarray, np.ndarray]:
    """Helper of each support and its kind; helpers are numbered per département pool."""
    supporter = np.empty(len(dep), dtype=np.int64)
    kind = np.empty(len(dep), dtype=np.int64)
    next_id = 0
    for d in np.unique(dep).tolist():
        rows = np.flatnonzero(dep == d)
        if d == heavy_dep:
            # A small pool, heavy-tailed: the most solicited helpers are family members.
            pool = max(10, len(rows) // 12)
            weight = 1.0 / np.arange(1, pool + 1) ** 1.2
            weight /= weight.sum()
            family = np.cumsum(weight) - weight < FAMILY_HEAVY_SHARE
            others = rng.choice(np.arange(1, len(KINDS)), size=pool,
                                p=KIND_SHARES[1:] / KIND_SHARES[1:].sum())
            pool_kind = np.where(family, 0, others)
        else:
            pool = 2 * len(rows)
            weight = np.full(pool, 1.0 / pool)
            pool_kind = rng.choice(len(KINDS), size=pool, p=KIND_SHARES)
        chosen = np.minimum(np.searchsorted(np.cumsum(weight), rng.random(len(rows))), pool - 1)
        supporter[rows] = next_id + chosen
        kind[rows] = pool_kind[chosen]
        next_id += pool
    return supporter, kind
