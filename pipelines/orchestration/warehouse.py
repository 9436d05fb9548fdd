"""Writing Python results into the warehouse: a month's rows replaced atomically."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl


def _add_new_columns(con, table: str) -> None:
    """Add to ``table`` the columns of the batch it lacks (a warehouse made by an earlier
    version, before the library computed them): the months written before keep them null
    until they are computed again."""
    schema, name = table.split(".")
    present = {row[0] for row in con.execute(
        "select column_name from information_schema.columns where table_schema = ? "
        "and table_name = ?", [schema, name]).fetchall()}
    for column, kind, *_ in con.execute("describe select * from partition_batch").fetchall():
        if column not in present:
            con.execute(f'alter table {table} add column "{column}" {kind}')


def replace_months(con, table: str, frame: pl.DataFrame, months: Sequence[date]) -> None:
    """Replace the rows of ``months`` in ``schema.table`` by ``frame``, atomically.

    The table is created from the frame's schema the first time. Delete and insert run in one
    transaction, so a reader never sees a month half written and a failed run changes nothing.
    """
    schema = table.split(".")[0]
    con.register("partition_batch", frame.to_arrow())
    try:
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create table if not exists {table} as select * from partition_batch limit 0")
        _add_new_columns(con, table)
        con.execute("begin transaction")
        con.execute(f"delete from {table} where month = any(?::date[])", [list(months)])
        con.execute(f"insert into {table} by name select * from partition_batch")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("partition_batch")
