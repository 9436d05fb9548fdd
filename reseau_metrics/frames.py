"""Shapes shared by every indicator: territory levels and the long indicator format."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

__all__ = ["INDICATOR_COLUMNS", "LEVELS", "as_indicator", "stack_levels"]

#: Territory levels and the referral column that holds each one's code.
LEVELS: Mapping[str, str] = {
    "departement": "territory_departement",
    "region": "territory_region",
}

#: Columns of ``marts.territory_indicators`` (interfaces.md).
INDICATOR_COLUMNS = [
    "territory_level", "territory_code", "month", "window_months",
    "indicator", "value", "numerator", "denominator",
]

TERRITORY_KEYS = ["territory_level", "territory_code", "month", "window_months"]


def stack_levels(frame: pl.DataFrame, levels: Mapping[str, str] = LEVELS) -> pl.DataFrame:
    """One copy of ``frame`` per territory level, as ``territory_level``/``territory_code``.

    The level columns of ``levels`` are replaced by the two generic ones, so that every
    indicator is written once and computed for all levels.
    """
    level_columns = list(levels.values())
    pieces = [
        frame.with_columns(
            pl.lit(level).alias("territory_level"), pl.col(column).alias("territory_code")
        ).drop(level_columns)
        for level, column in levels.items()
    ]
    return pl.concat(pieces, how="vertical")


def as_indicator(
    frame: pl.DataFrame,
    by: Sequence[str],
    code: str,
    value: pl.Expr,
    numerator: pl.Expr | None = None,
    denominator: pl.Expr | None = None,
) -> pl.DataFrame:
    """Select ``by`` plus the long columns ``indicator, value, numerator, denominator``."""
    null = pl.lit(None, dtype=pl.Float64)
    return frame.select(
        *by,
        pl.lit(code).alias("indicator"),
        value.cast(pl.Float64).alias("value"),
        (null if numerator is None else numerator.cast(pl.Float64)).alias("numerator"),
        (null if denominator is None else denominator.cast(pl.Float64)).alias("denominator"),
    )
