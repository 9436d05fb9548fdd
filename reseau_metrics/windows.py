"""Time windows: every indicator is computed for a month ``m`` and the ``k`` months ending
with ``m`` (indicators.md, "Frame").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import polars as pl

__all__ = ["expand_to_windows", "window_bounds", "add_months"]


def add_months(month: date, months: int) -> date:
    """First day of the month ``months`` after ``month`` (negative goes back)."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window_bounds(end: date, window_months: int) -> tuple[date, date]:
    """First day of the window's first month and last day of its last month.

    Examples
    --------
    >>> window_bounds(date(2025, 3, 1), 12)
    (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    """
    start = add_months(end, -(window_months - 1))
    last_day = date.fromordinal(add_months(end, 1).toordinal() - 1)
    return start, last_day


def expand_to_windows(
    frame: pl.DataFrame,
    ends: Iterable[date],
    windows: Sequence[int] = (1, 12),
    month: str = "month",
) -> pl.DataFrame:
    """Repeat each row once for every window ``(k, e)`` that contains its month.

    Parameters
    ----------
    frame
        Rows with a ``month`` column (first day of a month).
    ends
        The window end months to produce (the partitions being computed).
    windows
        Window lengths ``k`` in months.
    month
        Name of the month column; in the result it holds the window's *end* month, next to a
        new ``window_months`` column.

    Returns
    -------
    polars.DataFrame
        ``frame``'s rows, each repeated for the windows that hold it: a row of month ``m``
        belongs to the window of length ``k`` ending ``e`` when ``e - k < m <= e``.

    Examples
    --------
    >>> rows = pl.DataFrame({"month": [date(2025, 1, 1)], "n": [4]})
    >>> expand_to_windows(rows, [date(2025, 1, 1), date(2025, 2, 1)], (1, 2)).height
    3
    """
    ends_frame = pl.DataFrame({"_end": sorted(set(ends))}, schema={"_end": pl.Date})
    pieces = []
    for k in windows:
        offsets = pl.DataFrame({"_offset": list(range(k))}, schema={"_offset": pl.Int32})
        expanded = (
            frame.join(offsets, how="cross")
            .with_columns(pl.col(month).dt.offset_by(pl.format("{}mo", pl.col("_offset"))))
            .join(ends_frame, left_on=month, right_on="_end", how="semi")
            .drop("_offset")
            .with_columns(pl.lit(k, dtype=pl.Int32).alias("window_months"))
        )
        pieces.append(expanded)
    return pl.concat(pieces, how="vertical")
