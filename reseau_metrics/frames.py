"""Shapes shared by every indicator: territory levels and the long indicator format."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

import polars as pl

__all__ = ["INDICATOR_COLUMNS", "LEVELS", "as_indicator", "collect_exact", "stack_levels"]

#: Territory levels and the referral column that holds each one's code.
LEVELS: Mapping[str, str] = {
    "departement": "territory_departement",
    "region": "territory_region",
}

#: Columns of ``marts.territory_indicators`` (interfaces.md).
INDICATOR_COLUMNS = [
    "territory_level", "territory_code", "month", "window_months",
    "indicator", "value", "numerator", "denominator", "ci_low", "ci_high",
]

TERRITORY_KEYS = ["territory_level", "territory_code", "month", "window_months"]

#: A frame, eager or lazy.
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def collect_exact(query: pl.LazyFrame) -> pl.DataFrame:
    """Run ``query`` on polars' streaming engine: for exact aggregations whose rows are
    used in no particular order.

    Parameters
    ----------
    query
        Counts, integer sums, minima, maxima, distinct counts, filters and joins.

    Returns
    -------
    polars.DataFrame
        The result, its rows in no fixed order.

    Notes
    -----
    The streaming engine groups millions of keys about twice as fast as the in-memory
    engine an eager ``DataFrame.group_by`` runs on: the 6.0 M (département, origin, target,
    professional) of the 1e7 bench home's referrals in 1.3 s against 2.8 s (polars 2.1, two
    cores; docs/decisions.md). It shares the rows between threads and combines their partial
    results in whatever order they finish, so that the rows come out in a different order
    from one run to the next, and a float sum could differ in its last bits: an indicator
    summing floats, or adding up floats in the order of the rows returned, would not be the
    same on every run. Every use in this library counts, sums integers or takes extremes,
    and joins or aggregates the result by key.

    Examples
    --------
    >>> rows = pl.DataFrame({"t": ["a", "b", "a"]})
    >>> collect_exact(rows.lazy().group_by("t").len()).sort("t").rows()
    [('a', 2), ('b', 1)]
    """
    return query.collect(engine="streaming")


def stack_levels(frame: Frame, levels: Mapping[str, str] = LEVELS) -> Frame:
    """One copy of ``frame`` per territory level, as ``territory_level``/``territory_code``.

    The level columns of ``levels`` are replaced by the two generic ones, so that every
    indicator is written once and computed for all levels.

    Parameters
    ----------
    frame
        Rows carrying one code column per level (by default ``territory_departement`` and
        ``territory_region``), eager or lazy.
    levels
        Level name → column holding that level's code.

    Returns
    -------
    polars.DataFrame or polars.LazyFrame
        ``len(levels)`` times the rows of ``frame``, without the level columns, with
        ``territory_level`` and ``territory_code``.

    Notes
    -----
    A row counts in each territory that contains it: its département and its région
    (indicators.md, "Frame"). Aggregating after stacking gives every level at once; nothing
    is summed across levels. A row whose code is null at a level (a postcode whose communes
    lie in two départements of one région) counts only at the levels where it is known.

    Examples
    --------
    >>> rows = pl.DataFrame({"territory_departement": ["35"], "territory_region": ["53"],
    ...                      "referrals": [4]})
    >>> stack_levels(rows).rows()
    [(4, 'departement', '35'), (4, 'region', '53')]
    """
    level_columns = list(levels.values())
    pieces = [
        frame.with_columns(
            pl.lit(level).alias("territory_level"), pl.col(column).alias("territory_code")
        ).drop(level_columns).filter(pl.col("territory_code").is_not_null())
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
    interval: tuple[pl.Expr, pl.Expr] | None = None,
) -> pl.DataFrame:
    """Select ``by`` plus the long columns ``indicator, value, numerator, denominator,
    ci_low, ci_high``.

    Parameters
    ----------
    frame
        One row per territory and window, with the columns the expressions use.
    by
        Key columns kept as they are (territory and window).
    code
        The indicator's code (``marts.indicator_catalogue``).
    value, numerator, denominator
        Expressions over ``frame``; a missing numerator or denominator is null (an
        indicator that is not a ratio).
    interval
        The ends of the value's 95% interval (:mod:`reseau_metrics.intervals`), when it is
        not Wilson's on the numerator and denominator, which
        :func:`reseau_metrics.territory.territory_indicators` adds to every share; null
        otherwise.

    Returns
    -------
    polars.DataFrame
        ``by``, ``indicator``, and ``value``, ``numerator``, ``denominator``, ``ci_low``,
        ``ci_high`` as Float64.

    Notes
    -----
    The long format of interfaces.md: one row per (territory, month, window, indicator),
    with the ratio's parts kept next to the value so that a reader, and the disclosure
    control of the funder files, can see on how many cases a ratio rests.

    Examples
    --------
    >>> shares = pl.DataFrame({"territory_code": ["35"], "kept": [3], "all": [4]})
    >>> as_indicator(shares, ["territory_code"], "link_stability",
    ...              pl.col("kept") / pl.col("all"), pl.col("kept"), pl.col("all")).row(0)
    ('35', 'link_stability', 0.75, 3.0, 4.0, None, None)
    """
    null = pl.lit(None, dtype=pl.Float64)
    low, high = interval or (null, null)
    return frame.select(
        *by,
        pl.lit(code).alias("indicator"),
        value.cast(pl.Float64).alias("value"),
        (null if numerator is None else numerator.cast(pl.Float64)).alias("numerator"),
        (null if denominator is None else denominator.cast(pl.Float64)).alias("denominator"),
        low.cast(pl.Float64).alias("ci_low"),
        high.cast(pl.Float64).alias("ci_high"),
    )
