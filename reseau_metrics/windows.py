"""Time windows: every indicator is computed for a month ``m`` and the ``k`` months ending
with ``m`` (indicators.md, "Frame").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

import polars as pl

__all__ = ["per_window", "window_bounds", "add_months", "held"]


def add_months(month: date, months: int) -> date:
    """First day of the month ``months`` after ``month`` (negative goes back).

    Parameters
    ----------
    month
        Any day; only its year and month are used.
    months
        How many months to move, forward when positive.

    Returns
    -------
    datetime.date
        The first day of the month reached.

    Notes
    -----
    Months are counted as ``12·year + month − 1``, so years are crossed without calendar
    arithmetic; every window of indicators.md is a whole number of calendar months.

    Examples
    --------
    >>> add_months(date(2025, 1, 1), -1)
    datetime.date(2024, 12, 1)
    >>> add_months(date(2025, 11, 15), 2)
    datetime.date(2026, 1, 1)
    """
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window_bounds(end: date, window_months: int) -> tuple[date, date]:
    """First day of the window's first month and last day of its last month.

    Parameters
    ----------
    end
        First day of the window's last month ``m``.
    window_months
        The window's length ``k``.

    Returns
    -------
    tuple of datetime.date
        ``(first_day, last_day)``: the window holds the months ``m−k+1 … m``.

    Notes
    -----
    indicators.md, "Frame": an indicator of month ``m`` and window ``k`` covers the ``k``
    months ending with ``m``. The last day bounds what depends on dates within the window,
    such as services active in it.

    Examples
    --------
    >>> window_bounds(date(2025, 3, 1), 12)
    (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    """
    start = add_months(end, -(window_months - 1))
    last_day = date.fromordinal(add_months(end, 1).toordinal() - 1)
    return start, last_day


def held(ends: Iterable[date], windows: Sequence[int], month: str = "month") -> pl.Expr:
    """True for the rows from the first month of the earliest window ``(k, e)`` to the last
    end: every row some window holds.

    What is done to every row before the windows are taken (a distinct, a monthly
    aggregate) is then done to these rows only, not to months before the windows.

    Examples
    --------
    >>> rows = pl.DataFrame({"month": [date(2024, 1, 1), date(2024, 2, 1), date(2025, 1, 1)]})
    >>> rows.filter(held([date(2025, 1, 1)], (1, 12)))["month"].to_list()
    [datetime.date(2024, 2, 1), datetime.date(2025, 1, 1)]
    """
    ends = sorted(set(ends))
    if not ends:
        return pl.lit(False)
    return pl.col(month).is_between(add_months(ends[0], -(max(windows) - 1)), ends[-1])


def per_window(
    frame: pl.DataFrame,
    ends: Iterable[date],
    windows: Sequence[int],
    compute: Callable[[pl.DataFrame, date, date], pl.DataFrame],
    month: str = "month",
) -> pl.DataFrame:
    """Apply ``compute`` to the rows of each window and stack the results.

    Parameters
    ----------
    frame
        Rows with a ``month`` column (first day of a month).
    ends, windows
        The windows ``(k, e)``: every end month ``e`` for every length ``k``. A row of month
        ``m`` is in the window when ``e - k < m <= e``.
    compute
        ``compute(rows, first_day, last_day)`` aggregates the rows of one window; the bounds
        let it take what else depends on the window (services active in it).

    Returns
    -------
    polars.DataFrame
        The results, each with the window's end in ``month`` and its length in
        ``window_months``.

    Notes
    -----
    One pass per window keeps memory to one window's rows, where repeating every row for
    each window that holds it would multiply the data by ``k``.

    Examples
    --------
    >>> rows = pl.DataFrame({"month": [date(2025, 1, 1), date(2025, 2, 1)], "n": [4, 1]})
    >>> out = per_window(rows, [date(2025, 2, 1)], (1, 2),
    ...                  lambda r, first, last: r.select(pl.col("n").sum()))
    >>> out.sort("window_months")["n"].to_list()
    [1, 5]
    """
    pieces = []
    for window_months in windows:
        for end in sorted(set(ends)):
            first_day, last_day = window_bounds(end, window_months)
            rows = frame.filter(pl.col(month).is_between(first_day, end))
            pieces.append(compute(rows, first_day, last_day).with_columns(
                pl.lit(end, dtype=pl.Date).alias(month),
                pl.lit(window_months, dtype=pl.Int32).alias("window_months"),
            ))
    return pl.concat(pieces, how="vertical_relaxed")
