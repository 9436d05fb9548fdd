"""Indicator figures of a report: each indicator's value, definition and 12-month trend
for one territory."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.publish.charts import trend_svg
from pipelines.publish.numbers import number_style
from reseau_metrics.windows import add_months

#: One indicator per perverse effect of the mission, plus the volume they rest on.
HEADLINE = ("referrals", "top3_target_share", "neglected_services", "out_of_mission_rate",
            "reciprocity", "fragile_link_share", "family_support_share")
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")
WINDOW = 12


def month_label(month: date) -> str:
    return f"{MONTHS_FR[month.month - 1]} {month.year}"


def indicator_rows(protected: pl.DataFrame, catalogue: pl.DataFrame, level: str, code: str,
                   month: date) -> dict[str, dict]:
    """Per indicator: label, definition, the month's 12-month value as text (or why it is
    not shown), its 95% interval as text (``None`` for a count or a value not shown) and
    the trend chart of the 12 months ending with ``month``."""
    mine = protected.filter(pl.col("territory_level") == level,
                            pl.col("territory_code") == code,
                            pl.col("window_months") == WINDOW)
    months = [add_months(month, back) for back in range(1 - WINDOW, 1)]
    series = {
        indicator: {row["month"]: (row["value"], row["suppressed"])
                    for row in rows.iter_rows(named=True)}
        for (indicator,), rows in mine.partition_by("indicator", as_dict=True).items()}
    intervals = {(row[0], row[1]): row[2:] for row in mine.select(
        "indicator", "month", "ci_low", "ci_high").iter_rows()}
    rows = {}
    for entry in catalogue.iter_rows(named=True):
        indicator = entry["indicator"]
        if indicator not in series:
            continue
        text = number_style(indicator, entry["unit"]).text
        value, suppressed = series[indicator].get(month, (None, False))
        points = [(m, *series[indicator].get(m, (None, False))) for m in months]
        low, high = intervals.get((indicator, month), (None, None))
        interval = (f"de {text(low)} à {text(high)}" if value is not None and low is not None
                    else None)
        if suppressed:
            shown, status = "masqué", "masked"
        elif value is None:
            shown, status = "non calculable", "none"
        else:
            shown, status = text(value), "shown"
        rows[indicator] = {
            "indicator": indicator, "label": entry["label_fr"], "unit": entry["unit"],
            "definition": entry["definition"], "higher_is": entry["higher_is"],
            "value": shown, "status": status, "interval": interval,
            "trend": trend_svg(points, text),
        }
    return rows
