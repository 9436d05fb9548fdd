"""Formal partnerships (``reference/conventions.csv``), chosen after the referrals exist.

Conventions are signed between services that do work together, so they are drawn among
pairs with traffic, and each one's dates are set so that every 12-month window meeting its
active period holds a referral between the two parties: only the planted convention is then
dormant (indicators.md, ``dormant_conventions``, 12-month window). A pair that stops working
together (a service closing) gets an end date instead of an open one.
"""

from __future__ import annotations

import bisect
import datetime as dt

import numpy as np

from reseau_synthetic.directory import Directory
from reseau_synthetic.plan import Plan
from reseau_synthetic.records import Referrals

KINDS = ("charte", "convention", "dispositif-legal")
KIND_SHARES = (0.4, 0.45, 0.15)
WINDOW = 12


def _covered(traffic: list[int], first: int, last: int, months: int) -> bool:
    """Whether every window ending in ``[first, min(last + 11, months - 1)]`` has traffic."""
    for end in range(first, min(last + WINDOW - 1, months - 1) + 1):
        k = bisect.bisect_left(traffic, end - WINDOW + 1)
        if k == len(traffic) or traffic[k] > end:
            return False
    return True


def build_conventions(rng, refs: Referrals, directory: Directory, plan: Plan,
                      starts: list[dt.date]) -> tuple[list[tuple], dict]:
    """Rows of ``conventions.csv`` and the record of the dormant one."""
    months = plan.months
    valid = refs.status != 4
    low = np.minimum(refs.origin[valid], refs.target[valid])
    high = np.maximum(refs.origin[valid], refs.target[valid])
    keys, counts = np.unique(np.stack([low, high], axis=1), axis=0, return_counts=True)
    per_month = np.unique(np.stack([low, high, refs.month[valid]], axis=1), axis=0)
    traffic: dict[tuple[int, int], list[int]] = {}
    for a, b, month in per_month.tolist():
        traffic.setdefault((a, b), []).append(month)
    wanted = int(np.clip(round(len(directory) / 6), 30, 120))
    # Busy pairs are likelier to have signed something, but not only the busiest.
    priority = np.log(counts) + rng.gumbel(size=len(counts))
    chosen = []
    for k in np.argsort(-priority, kind="stable"):
        a, b = (int(x) for x in keys[k])
        if counts[k] < 6 or (a, b) == tuple(sorted(plan.dormant)):
            continue
        months_with = traffic[(a, b)]
        first = months_with[0]
        if _covered(months_with, first, months - 1, months) and rng.random() < 0.75:
            last = None
        else:
            ends = [m for m in months_with if m < months - 3 and _covered(months_with, first, m,
                                                                           months)]
            if not ends:
                continue
            last = ends[int(rng.integers(len(ends)))] if rng.random() < 0.5 else ends[-1]
        start = starts[first] if first > 0 else \
            starts[0] - dt.timedelta(days=int(rng.integers(60, 1500)))
        end = "" if last is None else \
            ((starts[last] + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1))
        kind = KINDS[int(rng.choice(len(KINDS), p=KIND_SHARES))]
        chosen.append((a, b, kind, start.isoformat(), "" if end == "" else end.isoformat()))
        if len(chosen) == wanted:
            break
    a, b = sorted(plan.dormant)
    dormant_start = starts[0] - dt.timedelta(days=int(rng.integers(200, 1200)))
    chosen.append((a, b, "convention", dormant_start.isoformat(), ""))
    chosen.sort(key=lambda row: (row[3], row[0], row[1]))
    rows = []
    record = {}
    for number, (a, b, kind, start, end) in enumerate(chosen, start=1):
        swap = rng.random() < 0.5  # either party may be listed first
        first_id, second_id = directory.ids[b if swap else a], directory.ids[a if swap else b]
        rows.append((f"C{number:03d}", first_id, second_id, kind, start, end))
        if (a, b) == (min(plan.dormant), max(plan.dormant)):
            record = {"convention_id": f"C{number:03d}", "service_a": first_id,
                      "service_b": second_id, "start_date": start,
                      "departements": sorted({directory.dep[a], directory.dep[b]})}
    return rows, record
