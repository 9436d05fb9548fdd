"""Python results written into the warehouse: months replaced whole, piece by piece in one
transaction, and a table made by an earlier version gains the columns the library added
since."""

from datetime import date

import duckdb
import polars as pl
import pytest

from pipelines.orchestration.warehouse import replace_months

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


def values(months, value, **columns):
    return pl.DataFrame({"month": months, "value": [value] * len(months), **columns})


def test_a_month_is_replaced_and_a_new_column_is_added_to_an_old_table():
    con = duckdb.connect()
    # As an earlier version wrote it: no interval columns.
    replace_months(con, [JAN, FEB], [{"indicators.values": values([JAN, FEB], 1.0)}])
    replace_months(con, [FEB], [{"indicators.values": values([FEB], 3.0, ci_low=[2.5])}])
    assert con.execute("select month, value, ci_low from indicators.values order by month"
                       ).fetchall() == [(JAN, 1.0, None), (FEB, 3.0, 2.5)]


def test_months_written_piece_by_piece_replace_theirs_in_every_table_and_count_the_rows():
    con = duckdb.connect()
    replace_months(con, [JAN, FEB, MAR], [{"indicators.values": values([JAN, FEB, MAR], 1.0),
                                           "indicators.pairs": values([JAN], 1.0)}])
    written = replace_months(con, [FEB, MAR], (
        {"indicators.values": values([month], 2.0), "indicators.pairs": values([month] * 2, 2.0)}
        for month in (FEB, MAR)))
    assert written == {"indicators.values": 2, "indicators.pairs": 4}
    assert con.execute("select month, value from indicators.values order by month"
                       ).fetchall() == [(JAN, 1.0), (FEB, 2.0), (MAR, 2.0)]
    assert con.execute("select month, count(*) from indicators.pairs group by month order by 1"
                       ).fetchall() == [(JAN, 1), (FEB, 2), (MAR, 2)]


def test_pieces_that_fail_half_way_change_nothing():
    con = duckdb.connect()
    replace_months(con, [JAN, FEB], [{"indicators.values": values([JAN, FEB], 1.0)}])

    def pieces():
        yield {"indicators.values": values([JAN], 2.0), "indicators.pairs": values([JAN], 2.0)}
        raise MemoryError("the second piece did not fit")

    with pytest.raises(MemoryError):
        replace_months(con, [JAN, FEB], pieces())
    assert con.execute("select month, value from indicators.values order by month"
                       ).fetchall() == [(JAN, 1.0), (FEB, 1.0)]
    assert con.execute("select count(*) from information_schema.tables "
                       "where table_name = 'pairs'").fetchone() == (0,)
