"""Writing Python results into the warehouse: a month's rows replaced atomically."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl


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
        con.execute("begin transaction")
        con.execute(f"delete from {table} where month = any(?::date[])", [list(months)])
        con.execute(f"insert into {table} by name select * from partition_batch")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("partition_batch")
