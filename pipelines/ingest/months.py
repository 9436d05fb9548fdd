"""Which months a run must compute: those the warehouse holds, and those new files touch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from pipelines.ingest.columns import EXPORT_KINDS, ExportKind
from pipelines.ingest.landing import read_pending, silent
from pipelines.ingest.profiles import Profile
from pipelines.ingest.readers import Delivered, UnreadableFile, read_export
from reseau.contract import DATE_FORMATS
from reseau.home import Home
from reseau.settings import Limits

_DATE_COLUMN = {"referrals": "referral_date", "supports": "support_date"}


def file_months(path: Path, kind: ExportKind | str, profile: Profile = Profile(),
                limits: Limits = Limits()) -> set[str]:
    """Partition keys (YYYY-MM-01) of the months a landed file has rows for."""
    kind = EXPORT_KINDS[kind] if isinstance(kind, str) else kind
    try:
        return _months(kind, read_export(path, kind, profile, limits))
    except UnreadableFile:
        return set()


def _months(kind: ExportKind, rows: pl.DataFrame) -> set[str]:
    column = _DATE_COLUMN[kind.name]
    dates = rows.select(pl.col(column).str.strip_chars())
    text = pl.col(column)
    parsed = dates.select(
        pl.coalesce(text.str.to_date(form, strict=False) for form in DATE_FORMATS)
        .dt.truncate("1mo").alias("month")
    ).drop_nulls().unique()
    return {f"{month:%Y-%m}-01" for month in parsed["month"].to_list()}


def _connect(path: Path):
    """A read-only connection to a warehouse, None if there is none yet."""
    return duckdb.connect(str(path), read_only=True) if path.exists() else None


def _has_table(con, schema: str, table: str) -> bool:
    return con.execute("select count(*) from information_schema.tables "
                       "where table_schema = ? and table_name = ?", [schema, table]
                       ).fetchone()[0] > 0


def _pending_months(home: Home, con, only: set[Path] | None = None, *, keep: bool = False,
                    progress: Callable[[int, int], None] = silent
                    ) -> tuple[set[str], int]:
    """Months of the landed files (of ``only``) not loaded into ``con``'s raw.files, and
    how many such files there are (``keep``, ``progress``: see :func:`read_pending`)."""
    recorded = con if con is not None and _has_table(con, "raw", "files") else None
    months: set[str] = set()
    count = 0
    for kind, read in read_pending(recorded, home, only, keep=keep, progress=progress):
        count += 1
        if isinstance(read, Delivered):
            months |= _months(kind, read.rows)
    return months, count


def _data_months(con) -> set[str]:
    if con is None or not _has_table(con, "marts", "fct_referrals"):
        return set()
    rows = con.execute("select month from marts.fct_referrals union "
                       "select month from marts.fct_supports").fetchall()
    return {f"{month:%Y-%m-%d}" for (month,) in rows if month is not None}


def months_to_run(home: Home, progress: Callable[[int, int], None] = silent
                  ) -> list[str]:
    """Partition keys of every month with a referral or support in the warehouse, or in a
    landed file not loaded yet (``progress(files read, files to read)``, as they are read).
    The caller holds the home's run lock (no writer)."""
    con = _connect(home.warehouse)
    try:
        # This process runs next: its ingest takes the files read here.
        return sorted(_data_months(con)
                      | _pending_months(home, con, keep=True, progress=progress)[0])
    finally:
        if con is not None:
            con.close()


def months_touched(home: Home, paths: set[Path]) -> tuple[list[str], int]:
    """For the landing sensor, while a run may be writing the warehouse: the months that
    ``paths`` (new or changed landed files) touch, unless the analysts' snapshot says their
    bytes are loaded already, then on to the snapshot's last month, whose 12-month windows
    hold them; and how many of ``paths`` are to load."""
    con = _connect(home.published_warehouse)
    try:
        months, pending = _pending_months(home, con, paths)
        published = _data_months(con)
    finally:
        if con is not None:
            con.close()
    if months and published and max(published) > min(months):
        months.add(max(published))
    return sorted(months), pending
