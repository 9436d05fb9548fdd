"""Writing Python results into the warehouse: months' rows replaced atomically."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


def replace_months(con, months: Sequence[date],
                   pieces: Iterable[Mapping[str, pl.DataFrame]]) -> dict[str, int]:
    """Replace the rows of ``months`` in each ``schema.table`` that ``pieces`` name by the
    pieces' frames, in one transaction; how many rows each table received.

    ``pieces`` may be computed as they come (a generator: a few months at a time), so that no
    more than one piece is held at once. A table is created from its first frame's schema the
    first time. Nothing is visible before the commit: a reader never sees a month half
    written, and a failed or interrupted run changes nothing.
    """
    written: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        for piece in pieces:
            for table, frame in piece.items():
                con.register("partition_batch", frame.to_arrow())
                try:
                    if table not in written:
                        _prepare(con, table, months)
                        written[table] = 0
                    con.execute(f"insert into {table} by name select * from partition_batch")
                    written[table] += frame.height
                finally:
                    con.unregister("partition_batch")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return written


def _prepare(con, table: str, months: Sequence[date]) -> None:
    """Make ``table`` ready for the batch's rows of ``months``: created if need be, with the
    batch's new columns, and without its rows of those months."""
    con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(f"create table if not exists {table} as select * from partition_batch limit 0")
    _add_new_columns(con, table)
    con.execute(f"delete from {table} where month = any(?::date[])", [list(months)])
