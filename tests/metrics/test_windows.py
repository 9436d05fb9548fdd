from datetime import date

import polars as pl

from reseau_metrics.windows import add_months, per_window, window_bounds


def test_add_months_crosses_years():
    assert add_months(date(2024, 11, 1), 3) == date(2025, 2, 1)
    assert add_months(date(2024, 1, 1), -1) == date(2023, 12, 1)


def test_window_bounds():
    assert window_bounds(date(2024, 2, 1), 1) == (date(2024, 2, 1), date(2024, 2, 29))
    assert window_bounds(date(2025, 3, 1), 12) == (date(2024, 4, 1), date(2025, 3, 31))


def test_per_window_gives_each_window_the_months_it_holds():
    rows = pl.DataFrame({"month": [date(2024, 1, 1), date(2024, 3, 1)], "n": [1, 10]})
    ends = [date(2024, 3, 1), date(2024, 12, 1), date(2025, 1, 1)]
    out = per_window(rows, ends, (1, 12), lambda r, first, last: r.select(pl.col("n").sum()))
    sums = {(row["window_months"], row["month"]): row["n"] for row in out.to_dicts()}
    # Window 1 ending March holds only March (10); window 12 ending March holds both (11);
    # ending December both (11); ending January 2025 only March (Jan 2024 fell out): 10.
    assert sums == {
        (1, date(2024, 3, 1)): 10, (1, date(2024, 12, 1)): 0, (1, date(2025, 1, 1)): 0,
        (12, date(2024, 3, 1)): 11, (12, date(2024, 12, 1)): 11, (12, date(2025, 1, 1)): 10,
    }


def test_per_window_passes_the_window_bounds():
    rows = pl.DataFrame({"month": [date(2024, 2, 1)]})
    out = per_window(rows, [date(2024, 2, 1)], (12,),
                     lambda r, first, last: pl.DataFrame({"first": [first], "last": [last]}))
    assert out.row(0) == (date(2023, 3, 1), date(2024, 2, 29), date(2024, 2, 1), 12)
