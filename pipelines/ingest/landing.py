"""Landing exports into ``raw.referral_rows`` and ``raw.support_rows``: one row per row read,
with its file and row number.

Each run loads only files whose bytes were never loaded before (by SHA-256), so running twice
is a no-op and a re-delivered file is simply a new file. What the rows mean (dates, statuses,
services, duplicates, re-deliveries) is decided downstream in dbt; this module only reads,
re-keys pseudonyms and keeps count.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipelines.ingest.columns import EXPORT_KINDS, ExportKind
from pipelines.ingest.profiles import DEFAULT_SERIES, Profile, load_profiles
from pipelines.ingest.readers import Delivered, IdentifyingData, UnreadableFile, read_delivery
from reseau.home import Home

FILES_DDL = """
create table if not exists raw.files (
    file varchar primary key,      -- path relative to the home, as delivered
    kind varchar not null,         -- referrals | supports
    exporter_id varchar not null,  -- folder name under landing/<kind>/
    series varchar not null,       -- the exporter's export it belongs to (sent, received...)
    reader varchar,                -- what described it: contract, a profile or an adapter
    sha256 varchar not null,
    delivered_at timestamp not null,
    ingested_at timestamp not null,
    rows_read integer,
    status varchar not null,       -- loaded | rejected (unreadable) | refused (identifying)
    error varchar
)
"""


FILE_COLUMNS = {
    "file": pl.String, "kind": pl.String, "exporter_id": pl.String, "series": pl.String,
    "reader": pl.String, "sha256": pl.String,
    "delivered_at": pl.Datetime("us"), "ingested_at": pl.Datetime("us"),
    "rows_read": pl.Int32, "status": pl.String, "error": pl.String,
}


def rows_ddl(kind: ExportKind) -> str:
    columns = ",\n".join(f"    {name} varchar" for name in kind.column_names)
    return (
        f"create table if not exists raw.{kind.table} (\n"
        "    file varchar not null,\n    row_number integer not null,\n"
        f"    exporter_id varchar not null,\n{columns}\n)"
    )


def create_raw_tables(con) -> None:
    """Create the raw tables, or add the columns a later version of the contract added to
    those of an existing warehouse (rows loaded before have them empty)."""
    con.execute("create schema if not exists raw")
    con.execute(FILES_DDL)
    con.execute(f"alter table raw.files add column if not exists series varchar "
                f"default '{DEFAULT_SERIES}'")
    con.execute("alter table raw.files add column if not exists reader varchar")
    for kind in EXPORT_KINDS.values():
        con.execute(rows_ddl(kind))
        for name in kind.column_names:
            con.execute(f"alter table raw.{kind.table} add column if not exists {name} varchar")


@dataclass(frozen=True)
class FileOutcome:
    file: str
    kind: str
    exporter_id: str
    status: str
    rows_read: int | None
    error: str | None = None
    series: str = DEFAULT_SERIES
    reader: str | None = None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def landed_files(home: Home, kind: ExportKind) -> list[Path]:
    """Every regular file under ``landing/<kind>/<exporter_id>/``, in a stable order."""
    folder = home.landing / kind.name
    if not folder.is_dir():
        return []
    return sorted(
        path for path in folder.glob("*/*") if path.is_file() and not path.name.startswith(".")
    )


def _move_aside(home: Home, path: Path, error: str) -> None:
    """Keep an unreadable file whole, out of landing, with its error next to it."""
    destination = home.rejected / path.relative_to(home.landing)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, destination)
    destination.with_name(destination.name + ".error.txt").write_text(error + "\n", "utf-8")


@dataclass(frozen=True)
class _Delivery:
    path: Path
    sha256: str
    delivered_at: datetime


def _new_deliveries(home: Home, kind: ExportKind, known: set[str]) -> list[_Delivery]:
    """Landed files whose bytes were never loaded (``known`` grows as they are found)."""
    deliveries = []
    for path in landed_files(home, kind):
        sha = _sha256(path)
        if sha not in known:
            known.add(sha)
            mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
            deliveries.append(_Delivery(path, sha, mtime))
    return deliveries


def _read(home: Home, delivery: _Delivery, kind: ExportKind,
          profiles: dict[str, Profile]) -> Delivered | UnreadableFile:
    """The file's rows with its ``file`` and ``exporter_id`` (run in a worker thread)."""
    exporter_id = delivery.path.parent.name
    try:
        read = read_delivery(delivery.path, kind, profiles.get(exporter_id, Profile()))
    except UnreadableFile as problem:
        return problem
    return Delivered(read.rows.with_columns(
        pl.lit(delivery.path.relative_to(home.root).as_posix()).alias("file"),
        pl.lit(exporter_id).alias("exporter_id")), read.series, read.reader)


def ingest_landing(
    con, home: Home, progress: Callable[[str], None] = lambda message: None
) -> list[FileOutcome]:
    """Load every new landing file of every kind; return one outcome per new file.

    Pseudonym columns go through the ``rekey`` macro (see ``pseudonyms.install_rekey_macro``),
    which the caller must have installed on ``con``. Files are read in parallel threads
    (polars releases the GIL); all writes happen here, on the one connection.
    """
    profiles = load_profiles(home)  # a wrong profile stops here, before any file is read
    create_raw_tables(con)
    known = {row[0] for row in con.execute("select sha256 from raw.files").fetchall()}
    outcomes: list[FileOutcome] = []
    file_rows: list[tuple] = []
    ingested_at = datetime.now(UTC).replace(tzinfo=None)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for kind in EXPORT_KINDS.values():
            deliveries = _new_deliveries(home, kind, known)
            batches: list[pl.DataFrame] = []
            results = pool.map(lambda delivery: _read(home, delivery, kind, profiles),
                               deliveries)
            for index, (delivery, result) in enumerate(zip(deliveries, results, strict=True), 1):
                relative = delivery.path.relative_to(home.root).as_posix()
                exporter_id = delivery.path.parent.name
                if isinstance(result, UnreadableFile):
                    error = f"{relative}: {result}"
                    _move_aside(home, delivery.path, error)
                    status = "refused" if isinstance(result, IdentifyingData) else "rejected"
                    outcome = FileOutcome(relative, kind.name, exporter_id, status, None, error)
                    progress(f"{status} {error}")
                else:
                    batches.append(result.rows)
                    outcome = FileOutcome(relative, kind.name, exporter_id, "loaded",
                                          result.rows.height, series=result.series,
                                          reader=result.reader)
                outcomes.append(outcome)
                file_rows.append((relative, kind.name, exporter_id, outcome.series,
                                  outcome.reader, delivery.sha256, delivery.delivered_at,
                                  ingested_at, outcome.rows_read, outcome.status,
                                  outcome.error))
                if index % 1000 == 0:
                    progress(f"{kind.name}: read {index}/{len(deliveries)} new files")
            if batches:
                _insert_rows(con, kind, pl.concat(batches, how="vertical"))
    if file_rows:
        files = pl.DataFrame(file_rows, orient="row", schema=FILE_COLUMNS)
        con.register("files_batch", files.to_arrow())
        try:
            con.execute(f"insert into raw.files ({', '.join(FILE_COLUMNS)}) "
                    f"select {', '.join(FILE_COLUMNS)} from files_batch")
        finally:
            con.unregister("files_batch")
    return outcomes


def _insert_rows(con, kind: ExportKind, rows: pl.DataFrame) -> None:
    selected = ", ".join(
        f"rekey({name})" if name in kind.pseudonyms else name for name in kind.column_names
    )
    con.register("landing_batch", rows.to_arrow())
    try:
        con.execute(
            f"insert into raw.{kind.table} (file, row_number, exporter_id, "
            f"{', '.join(kind.column_names)}) "
            f"select file, row_number, exporter_id, {selected} from landing_batch"
        )
    finally:
        con.unregister("landing_batch")
