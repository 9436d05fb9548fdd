"""The analysts' snapshot: a copy of the warehouse they can read while a run writes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb


def publish_snapshot(warehouse: Path, published: Path, config: dict[str, str]) -> Path:
    """Copy the warehouse to ``published`` by atomic replacement.

    DuckDB allows one writer or many readers, never both: analysts therefore read a copy.
    The copy is written next to its destination, then renamed over it, so a reader that has
    the old file open keeps a consistent snapshot and a new reader sees the whole new one.
    ``config`` is the one every connection of the run gives (``Home.duckdb_config``): DuckDB
    refuses a second connection to a file another one of the process holds with another
    configuration.
    """
    con = duckdb.connect(str(warehouse), config=config)
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
