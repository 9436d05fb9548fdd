"""Delivery monitoring for staff: who has not delivered last month on time, and whose
quarantine rate jumped, from ``marts.deliveries`` (docs/decisions.md, "Delivery
monitoring").

The rules are functions of polars frames (the mart's rows) and a date, so the asset check on
``marts.deliveries`` and the staff page ``<home>/published/suivi/livraisons.html`` say the
same thing. The page is one self-contained French HTML file, styled like the territory
reports, that names exporters (directory ids) and nothing about persons.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from pipelines.publish.figures import month_label
from pipelines.publish.reports import templates
from reseau_metrics.windows import add_months

#: The observatory's time zone: deadlines and "today" are read in it.
HOME_ZONE = ZoneInfo("Europe/Paris")
#: A month is on time when delivered by this day of the following month (marts.deliveries).
DEADLINE_DAY = 5
#: A quarantine rate jumped when it gained at least this much (a share) over the exporter's
#: earlier months, and at least doubled.
JUMP_POINTS, JUMP_FACTOR = 0.10, 2.0
#: What a status reads on the page and in the check.
STATUS_LABELS = {"on_time": "livré à temps", "late": "livré en retard",
                 "set_aside": "fichier refusé ou illisible", "missing": "non livré"}
KIND_LABELS = {"referrals": "orientations", "supports": "soutiens"}


def today() -> date:
    """Today in the home's time zone (tests replace it)."""
    return datetime.now(HOME_ZONE).date()


def last_month(day: date) -> date:
    """The month before ``day``'s: the one due by the 5th of ``day``'s month."""
    return add_months(day, -1)


def month_status(deliveries: pl.DataFrame, month: date) -> pl.DataFrame:
    """Per series expected for ``month``, its delivery status for that month.

    A series is expected when it holds a readable file of an earlier month, or any file of
    ``month``. Status: ``on_time``; ``late`` (read, but after the deadline); ``set_aside``
    (only files rejected or refused); ``missing`` (no file, whether or not the mart has
    generated the row yet). Columns: ``exporter_id, kind, series, status, delivered_at``,
    sorted by exporter.
    """
    keys = ["exporter_id", "kind", "series"]
    delivered = deliveries.filter(~pl.col("missing"))
    started = delivered.filter(pl.col("month") < month,
                               pl.col("files") > pl.col("files_refused")).select(keys)
    this_month = delivered.filter(pl.col("month") == month)
    expected = pl.concat([started, this_month.select(keys)]).unique()
    return (
        expected.join(this_month, on=keys, how="left")
        .select(*keys, pl.when(pl.col("on_time")).then(pl.lit("on_time"))
                .when(pl.col("files") > pl.col("files_refused")).then(pl.lit("late"))
                .when(pl.col("files") > 0).then(pl.lit("set_aside"))
                .otherwise(pl.lit("missing")).alias("status"),
                "delivered_at")
        .sort(keys)
    )


def quarantine_jumps(deliveries: pl.DataFrame) -> pl.DataFrame:
    """Per exporter and kind, the quarantine rate of its last delivered month against its
    earlier months, where it jumped (at least ``JUMP_POINTS`` more and ``JUMP_FACTOR``
    times as much). Rates are over the rows that hold (read minus superseded). Columns:
    ``exporter_id, kind, month, rows, rate, earlier_rate``."""
    keys = ["exporter_id", "kind"]
    monthly = (
        deliveries.group_by(*keys, "month")
        .agg((pl.col("rows_read") - pl.col("rows_superseded")).sum().alias("rows"),
             pl.col("rows_quarantined").sum().alias("quarantined"))
        .filter(pl.col("rows") > 0)
    )
    last = monthly.group_by(keys).agg(pl.col("month").max())
    current = monthly.join(last, on=[*keys, "month"])
    earlier = (
        monthly.join(last.rename({"month": "last"}), on=keys)
        .filter(pl.col("month") < pl.col("last"))
        .group_by(keys)
        .agg((pl.col("quarantined").sum() / pl.col("rows").sum()).alias("earlier_rate"))
    )
    return (
        current.join(earlier, on=keys)
        .with_columns((pl.col("quarantined") / pl.col("rows")).alias("rate"))
        .filter(pl.col("rate") >= pl.col("earlier_rate") + JUMP_POINTS,
                pl.col("rate") >= JUMP_FACTOR * pl.col("earlier_rate"))
        .select(*keys, "month", "rows", "rate", "earlier_rate")
        .sort(keys)
    )


def _percent(share: float) -> str:
    return f"{100 * share:.0f}\u202f%"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.replace(tzinfo=UTC).astimezone(HOME_ZONE)
    return f"{local:%d/%m/%Y %H:%M}"


def render(deliveries: pl.DataFrame, day: date) -> str:
    """The staff page for ``day``: last month's deliveries not on time, then jumps."""
    month = last_month(day)
    status = month_status(deliveries, month)
    late = status.filter(pl.col("status") != "on_time")
    jumps = quarantine_jumps(deliveries)
    return templates.get_template("deliveries.html.j2").render(
        month=month_label(month), today=f"{day:%d/%m/%Y}",
        deadline=f"{DEADLINE_DAY} {month_label(day)}", expected=status.height,
        late=[{"exporter": row["exporter_id"], "kind": KIND_LABELS.get(row["kind"], row["kind"]),
               "series": row["series"], "status": STATUS_LABELS[row["status"]],
               "status_code": row["status"], "delivered_at": _when(row["delivered_at"])}
              for row in late.iter_rows(named=True)],
        jumps=[{"exporter": row["exporter_id"],
                "kind": KIND_LABELS.get(row["kind"], row["kind"]),
                "month": month_label(row["month"]), "rows": row["rows"],
                "rate": _percent(row["rate"]), "earlier": _percent(row["earlier_rate"])}
               for row in jumps.iter_rows(named=True)],
        jump_points=f"{100 * JUMP_POINTS:.0f}", deadline_day=DEADLINE_DAY,
    )


def write_page(path: Path, html: str) -> Path:
    """Write ``html`` to ``path`` by atomic replacement: a reader sees the old page or the
    new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")  # same folder: a rename, not a copy
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, path)
    return path
