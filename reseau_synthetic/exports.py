"""Referral exports as services deliver them (data-contract.md, "Referral exports").

A referral is written by its origin if the origin exports, and by its target if the target
exports; the two copies share origin, target, person and date but not the referral id, and
the origin's copy often still says ``pending`` when the target's copy has the decision. A few
exporters name some partners by a local alias. One (exporter, month) is delivered twice: the
second file corrects stale statuses and drops rows entered by mistake.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from pathlib import Path

import numpy as np
import polars as pl

from reseau.contract import STATUSES
from reseau_synthetic.plan import Plan
from reseau_synthetic.records import Referrals
from reseau_synthetic.texts import Texts, lookup

REFERRAL_HEADER = ("referral_id", "referral_date", "origin_service_id", "target_service_id",
                   "person_id", "needs", "professional_id", "status", "decision_date",
                   "refusal_reason", "person_commune", "person_postcode")
#: Les emplois' refusal reasons (its enums); an unanswered application is refused with
#: "Refus automatique", its only way to say it expired.
EMPLOIS_REASONS = ("Candidat non joignable", "Candidat indisponible : en emploi",
                   "Pas de recrutement en cours", "Candidature en doublon", "Autre")
EMPLOIS_EXPIRED = "Refus automatique"
ORIGIN_COPY_PENDING = 0.5  # origin's copy not yet updated with the target's decision


def delivery_time(month_start: dt.date, day: int = 5) -> int:
    """POSIX time of a delivery: ``day`` of the month after ``month_start``, 06:00 UTC."""
    following = (month_start + dt.timedelta(days=32)).replace(day=day)
    return calendar.timegm((following.year, following.month, following.day, 6, 0, 0))


def write_referral_exports(root: Path, rng, refs: Referrals, plan: Plan, texts: Texts,
                           starts: list[dt.date]) -> dict:
    """Write every referral file; return counts and the re-delivery record."""
    exporters = plan.exporters
    by_origin = np.flatnonzero(exporters[refs.origin])
    by_target = np.flatnonzero(exporters[refs.target])
    row = np.concatenate([by_origin, by_target])
    exporter = np.concatenate([refs.origin[by_origin], refs.target[by_target]])
    target_copy = np.concatenate([np.zeros(len(by_origin), bool), np.ones(len(by_target), bool)])
    both = exporters[refs.origin[row]] & exporters[refs.target[row]]
    status = refs.status[row]
    stale = both & ~target_copy & np.isin(status, [1, 2, 3]) & \
        (rng.random(len(row)) < ORIGIN_COPY_PENDING)
    status = np.where(stale, 0, status)
    decision = np.where(stale, -1, refs.decision_day[row])
    reason = np.where(stale, -1, refs.reason[row])

    order = np.lexsort((row, refs.day[row], exporter))
    row, exporter, status, decision, reason = (a[order] for a in (row, exporter, status,
                                                                  decision, reason))
    starts_of = np.flatnonzero(np.diff(exporter, prepend=-1))
    sequence = np.arange(len(row)) - np.repeat(starts_of, np.diff(np.append(starts_of, len(row))))
    frame = pl.DataFrame([
        pl.Series("exporter", exporter),
        pl.Series("month", refs.month[row]),
        texts.numbered(texts.services(exporter, "exporter_id") + "-", sequence + 1,
                       "referral_id"),
        texts.dates(refs.day[row], "referral_date"),
        texts.partner(exporter, refs.origin[row], rng, "origin_service_id"),
        texts.partner(exporter, refs.target[row], rng, "target_service_id"),
        texts.persons_of(refs.person[row], "person_id"),
        texts.needs(refs.need1[row], refs.need2[row], "needs"),
        texts.professionals(refs.professional[row], "professional_id"),
        lookup(list(STATUSES), status, "status"),
        texts.dates(decision, "decision_date"),
        texts.reasons(reason, "refusal_reason"),
        texts.communes(refs.person_commune[row], refs.commune_kind[row], "person_commune"),
        texts.postcodes(refs.person_commune[row], refs.commune_kind[row], "person_postcode"),
    ])
    frame = _as_software_exports(frame, plan, rng)
    folder = root / "landing" / "referrals"
    redo_exporter, redo_month = plan.redelivery
    redelivery: dict = {}
    files = 0
    for (exporter_index, month_index), part in frame.partition_by(
            ["exporter", "month"], maintain_order=True, as_dict=True).items():
        service_id = texts.service_ids[exporter_index]
        month_start = starts[month_index]
        path = folder / service_id / f"{service_id}_{month_start:%Y-%m}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        table = part.select(REFERRAL_HEADER)
        if (exporter_index, month_index) == (redo_exporter, redo_month):
            redelivery = _redeliver(path, table, rng, month_start, texts)
        else:
            table.write_csv(path)
            stamp = delivery_time(month_start)
            os.utime(path, (stamp, stamp))
        files += 1
    copies_per_referral = np.bincount(row, minlength=len(refs))
    return {
        "files": files + 1,
        "rows": len(frame) + redelivery["original_rows"],
        "referrals_seen_twice": int((copies_per_referral[refs.status != 4] == 2).sum()),
        "redelivery": redelivery,
    }


def _as_software_exports(frame: pl.DataFrame, plan: Plan, rng) -> pl.DataFrame:
    """The copies of exporters using DORA or les emplois, with only what that software
    exports (real-exports.md): no need, no commune (les emplois: the postcode), no decision
    date; les emplois' refusal reasons, and no cancelled application (it has no such state).
    Canonical and disguised homes both get these rows, so that they carry the same facts."""
    software = pl.Series([plan.software.get(e, "") for e in frame["exporter"].to_list()])
    dora, emplois = software == "dora", software == "emplois"
    by_software = dora | emplois
    reasons = pl.Series(EMPLOIS_REASONS).gather(rng.integers(0, len(EMPLOIS_REASONS),
                                                             size=frame.height))
    return frame.with_columns(
        pl.when(by_software).then(None).otherwise(pl.col(column)).alias(column)
        for column in ("needs", "person_commune", "decision_date")
    ).with_columns(
        pl.when(emplois).then(pl.col("person_postcode")).alias("person_postcode"),
        pl.when(emplois & (pl.col("status") == "refused")).then(reasons)
        .when(emplois & (pl.col("status") == "expired")).then(pl.lit(EMPLOIS_EXPIRED))
        .when(emplois | dora).then(None).otherwise(pl.col("refusal_reason"))
        .alias("refusal_reason"),
    ).filter(~(emplois & (pl.col("status") == "cancelled")))


def _redeliver(path: Path, table: pl.DataFrame, rng, month_start: dt.date, texts: Texts) -> dict:
    """Write a first delivery with stale statuses and mistaken rows, then its correction."""
    decided = table["status"].is_in(["accepted", "refused"]).to_numpy()
    received = table["target_service_id"].eq(path.parent.name).to_numpy()
    # Stale statuses: preferably on rows where the exporter is the target (its own decision).
    stale = np.concatenate([rng.permutation(np.flatnonzero(decided & received)),
                            rng.permutation(np.flatnonzero(decided & ~received))])
    stale = np.sort(stale[:5])
    first = table.with_row_index("_row").with_columns(
        pl.when(pl.col("_row").is_in(stale.tolist())).then(pl.lit("pending"))
        .otherwise(pl.col("status")).alias("status"),
        pl.when(pl.col("_row").is_in(stale.tolist())).then(None)
        .otherwise(pl.col("decision_date")).alias("decision_date"),
        pl.when(pl.col("_row").is_in(stale.tolist())).then(None)
        .otherwise(pl.col("refusal_reason")).alias("refusal_reason"),
    ).drop("_row")
    # Rows entered by mistake: copies of real rows under a new id, person and date.
    mistakes = table.sample(n=min(3, len(table)), seed=int(rng.integers(1 << 31)))
    mistake_ids = [f"{path.parent.name}-X{k:05d}" for k in range(1, len(mistakes) + 1)]
    mistakes = mistakes.with_columns(
        pl.Series("referral_id", mistake_ids),
        pl.Series("person_id", texts.spare_persons(rng, len(mistakes))),
        pl.lit("accepted").alias("status"),
        pl.lit(f"{month_start:%Y-%m}-15").alias("referral_date"),
        pl.lit(f"{month_start:%Y-%m}-16").alias("decision_date"),
        pl.lit(None, dtype=pl.String).alias("refusal_reason"),
    )
    first = pl.concat([first, mistakes]).sort("referral_date", "referral_id", maintain_order=True)
    first.write_csv(path)
    stamp = delivery_time(month_start)
    os.utime(path, (stamp, stamp))
    corrected = path.with_name(f"{path.stem}_corrected.csv")
    table.write_csv(corrected)
    later = delivery_time(month_start, day=20)
    os.utime(corrected, (later, later))
    stale_ids = table["referral_id"].gather(stale.tolist()).to_list()
    return {
        "exporter_id": path.parent.name,
        "month": f"{month_start:%Y-%m}",
        "original_file": path.relative_to(path.parents[3]).as_posix(),
        "corrected_file": corrected.relative_to(path.parents[3]).as_posix(),
        "original_delivered_at": dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(),
        "corrected_delivered_at": dt.datetime.fromtimestamp(later, dt.UTC).isoformat(),
        "dropped_referral_ids": mistake_ids,
        "corrected_referral_ids": stale_ids,
        "original_rows": len(first),
        "corrected_rows": len(table),
    }
