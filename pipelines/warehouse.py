"""Writing Python results into the warehouse, and publishing it to analysts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
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


def publish_snapshot(warehouse: Path, published: Path) -> Path:
    """Copy the warehouse to ``published`` by atomic replacement.

    DuckDB allows one writer or many readers, never both: analysts therefore read a copy.
    The copy is written next to its destination, then renamed over it, so a reader that has
    the old file open keeps a consistent snapshot and a new reader sees the whole new one.
    """
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    published.parent.mkdir(parents=True, exist_ok=True)
    partial = published.with_name(f".{published.name}.partial")
    shutil.copyfile(warehouse, partial)
    with open(partial, "rb+") as copy:  # on disk before it takes the name: a power cut
        os.fsync(copy.fileno())         # never leaves an empty snapshot
    os.replace(partial, published)
    return published
