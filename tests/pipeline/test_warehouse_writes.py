"""Python results written into the warehouse: a month replaced whole, and a table made by an
earlier version gains the columns the library added since."""

from datetime import date

import duckdb
import polars as pl

from pipelines.orchestration.warehouse import replace_months

JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)


def test_a_month_is_replaced_and_a_new_column_is_added_to_an_old_table():
    con = duckdb.connect()
    # As an earlier version wrote it: no interval columns.
    replace_months(con, "indicators.values", pl.DataFrame(
        {"month": [JAN, FEB], "value": [1.0, 2.0]}), [JAN, FEB])
    replace_months(con, "indicators.values", pl.DataFrame(
        {"month": [FEB], "value": [3.0], "ci_low": [2.5]}), [FEB])
    assert con.execute("select month, value, ci_low from indicators.values order by month"
                       ).fetchall() == [(JAN, 1.0, None), (FEB, 3.0, 2.5)]
