"""Landing exports into ``raw.referral_rows`` and ``raw.support_rows``: one row per row read,
with its file and row number.

Each run loads only files whose bytes were never loaded before (by SHA-256), so running twice
is a no-op and a re-delivered file is simply a new file. What the rows mean (dates, statuses,
services, duplicates, re-deliveries) is decided downstream in dbt; this module only reads,
re-keys pseudonyms and keeps count.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import itertools
import os
import shutil
import threading
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import TypeVar

import polars as pl
import pyarrow as pa

from pipelines.ingest.columns import EXPORT_KINDS, ExportKind
from pipelines.ingest.profiles import DEFAULT_SERIES, Profile, load_profiles
from pipelines.ingest.readers import Delivered, IdentifyingData, UnreadableFile, read_delivery
from reseau.home import Home

T = TypeVar("T")
R = TypeVar("R")

FILES_DDL = """
create table if not exists raw.files (
    file varchar primary key,      -- path relative to the home, as delivered (printable)
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


class _Digests:
    """SHA-256 of the landed files, remembered from one run to the next in the home's state
    folder by what the file system says of each file (its path, size, modification time and
    inode): only a file new or changed since it was last hashed is read whole again. Hashing
    every file of a 1e7-referral home (112,924 files, 3.4 GB) took 17.7 s, twice per run.

    A pure cache: a missing or unreadable one only means hashing again, and it is replaced by
    one rename, so that a run killed while writing it leaves the earlier one."""

    FILE = "landing-digests.parquet"

    def __init__(self, home: Home) -> None:
        self._root = home.root
        self._path = home.state / self.FILE
        try:
            self._known: dict[tuple[bytes, int, int, int], str] = {
                tuple(key): sha for *key, sha in pl.read_parquet(self._path).iter_rows()}
        except (OSError, ValueError, pl.exceptions.PolarsError):  # absent, or damaged
            self._known = {}
        self._seen: dict[tuple[bytes, int, int, int], str] = {}

    def sha256(self, path: Path) -> str:
        status = path.stat()
        key = (os.fsencode(path.relative_to(self._root)), status.st_size,
               status.st_mtime_ns, status.st_ino)
        sha = self._known.get(key) or _sha256(path)
        self._seen[key] = sha
        return sha

    def save(self, only: set[Path] | None = None) -> None:
        """Remember the digests computed (with the others, when only ``only`` were looked at);
        forget those of files no longer in landing."""
        seen = {**self._known, **self._seen} if only is not None else self._seen
        if seen == self._known:
            return
        table = pl.DataFrame([(*key, sha) for key, sha in seen.items()], orient="row", schema={
            "path": pl.Binary, "size": pl.Int64, "mtime_ns": pl.Int64, "inode": pl.Int64,
            "sha256": pl.String})
        partial = self._path.with_name(f".{self.FILE}.{os.getpid()}")
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            table.write_parquet(partial)
            partial.replace(self._path)
        except OSError:  # read-only state folder, no room: the next run hashes again
            partial.unlink(missing_ok=True)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str, *, name: bool = False) -> str:
    """``text`` on one line, storable and readable: line breaks, control and invisible
    characters escaped (``\\n``, ``\\u202e``), bytes of a file name that are not UTF-8 as
    ``\\xff``. For a ``name``, ``\\`` is doubled too, so that no two names read the same."""
    out = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char == "\\" and name:
            out.append("\\\\")
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def _landing_entries(home: Home, kind: ExportKind) -> list[tuple[Path, bool]]:
    """``(path, is a symbolic link)`` for every regular file and every link under
    ``landing/<kind>/<exporter_id>/``, in a stable order. No link is followed: an exporter
    folder that is a link is listed as that link, not its content. Hidden names, folders
    deeper down and anything else (pipes, sockets) are left alone."""
    folder = home.landing / kind.name
    if not folder.is_dir():
        return []
    entries = []
    with os.scandir(folder) as exporters:
        for exporter in exporters:
            if exporter.name.startswith("."):
                continue
            if exporter.is_symlink():
                entries.append((Path(exporter.path), True))
            elif exporter.is_dir(follow_symlinks=False):
                try:
                    with os.scandir(exporter.path) as files:
                        entries.extend(
                            (Path(entry.path), entry.is_symlink()) for entry in files
                            if not entry.name.startswith(".")
                            and (entry.is_symlink() or entry.is_file(follow_symlinks=False)))
                except PermissionError:  # a folder the pipeline may not list: as before
                    continue
    return sorted(entries)


def landed_files(home: Home, kind: ExportKind) -> list[Path]:
    """Every regular file under ``landing/<kind>/<exporter_id>/`` (no symbolic link), in a
    stable order."""
    return [path for path, link in _landing_entries(home, kind) if not link]


_ERROR_SUFFIX = ".error.txt"
_NAME_MAX = 255  # bytes in one file name


def _aside(folder: Path, name: str) -> Path:
    """A free path for ``name`` in ``folder``, short enough to take ``.error.txt``: an earlier
    rejected file of the same name is kept, a later one is ``name (2).csv``..."""
    suffix = PurePath(name).suffix
    suffix = suffix if len(suffix) <= 16 else ""
    stem = os.fsencode(name[:len(name) - len(suffix)])
    for number in itertools.count(1):
        tail = os.fsencode((f" ({number})" if number > 1 else "") + suffix)
        room = _NAME_MAX - len(_ERROR_SUFFIX) - len(tail)
        candidate = folder / os.fsdecode(stem[:room] + tail)
        if not any(os.path.lexists(path) for path in
                   (candidate, candidate.with_name(candidate.name + _ERROR_SUFFIX))):
            return candidate
    raise AssertionError("unreachable")


def _move_aside(home: Home, path: Path, error: str) -> None:
    """Keep an unreadable file whole, out of landing, with its error next to it.

    A symbolic link is moved as the link itself: what it points to is never read, moved or
    changed. ``path`` comes from listing ``landing/``, so its parts are plain names (no
    ``/``, never ``..``) and the destination stays under ``rejected/``.
    """
    relative = path.relative_to(home.landing)
    folder = home.rejected / relative.parent
    folder.mkdir(parents=True, exist_ok=True)
    destination = _aside(folder, relative.name)
    shutil.move(path, destination)  # a rename, or for a link a new link: never followed
    destination.with_name(destination.name + _ERROR_SUFFIX).write_text(error + "\n", "utf-8")


@dataclass(frozen=True)
class _Delivery:
    path: Path
    sha256: str
    delivered_at: datetime
    file: str  # path relative to the home, printable: what raw.files and the rows record
    exporter_id: str  # printable folder name
    refused: str | None = None  # why it is rejected unread (a symbolic link)


def _new_deliveries(home: Home, kind: ExportKind, known: set[tuple[str, str, str]],
                    names: set[str], digests: _Digests, only: set[Path] | None = None
                    ) -> list[_Delivery]:
    """Landed files whose bytes were never loaded for their exporter (``known``: (kind,
    exporter, sha256); it grows as they are found).

    A symbolic link is a delivery refused unread, known by where it is and what it points
    to (its target is never opened). A file whose name was already recorded (an export saved
    again over the earlier one, or a rejected file put back) is recorded as ``<name>
    @<digest>`` (and ``#2``, ``#3``... if that too was recorded): every delivery stays in the
    audit, and re-delivery decides between their rows. ``only``: look at these paths alone.
    """
    deliveries = []
    for path, link in _landing_entries(home, kind):
        if only is not None and path not in only:
            continue
        relative = path.relative_to(home.root)
        refused = None
        if link:
            target = os.readlink(path)
            sha = hashlib.sha256(b"symbolic link\0" + os.fsencode(relative) + b"\0"
                                 + os.fsencode(target)).hexdigest()
            refused = (f"a symbolic link (to {printable(target)}), not a file: links in "
                       "landing/ are never followed; deliver the file itself")
        else:
            sha = digests.sha256(path)
        exporter = printable(relative.parts[2], name=True)  # landing/<kind>/<exporter>/...
        if (kind.name, exporter, sha) not in known:
            known.add((kind.name, exporter, sha))
            mtime = datetime.fromtimestamp(path.lstat().st_mtime, UTC).replace(tzinfo=None)
            file = printable(relative.as_posix(), name=True)
            if file in names:
                file = f"{file} @{sha[:12]}"
                file = next(f"{file}#{n}" for n in itertools.count(2)
                            if f"{file}#{n}" not in names) if file in names else file
            names.add(file)
            deliveries.append(_Delivery(path, sha, mtime, file, exporter, refused))
    return deliveries


def _resident_bytes() -> int | None:
    """This process's resident memory (Linux's ``/proc``); None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class _Spill:
    """Rows read ahead past the budget, appended to Arrow IPC files in ``folder``: one file per
    shape of rows (a kind's columns), each file's batches read back by number (read, not
    memory-mapped: a mapping keeps every page read resident until the ingest ends).
    One file per export cost 0.8 ms to write and as much to read back, most of reading the
    export again (2.2 ms, two threads); appending costs a fraction of that.

    The folder is emptied first (a process killed before its ingest leaves one behind) and
    removed by :meth:`close`. Rows that cannot be written or read back (a full disk) are
    ``None``: the ingest reads their file again."""

    def __init__(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self._folder = folder
        self._writing: dict[pa.Schema, tuple[Path, pa.ipc.RecordBatchFileWriter]] = {}
        self._batches: dict[Path, int] = {}
        self._reading: dict[Path, pa.ipc.RecordBatchFileReader] = {}
        self._lock = threading.Lock()

    def put(self, rows: pl.DataFrame) -> tuple[Path, int, int] | None:
        """Where the rows went: (file, first batch, batches)."""
        table = rows.to_arrow(compat_level=pl.CompatLevel.newest())  # string views: no copy
        batches = table.to_batches()
        with self._lock:
            path, writer = self._writing.get(table.schema, (None, None))
            try:
                if writer is None:
                    path = self._folder / f"{len(self._batches)}.arrow"
                    writer = pa.ipc.new_file(path, table.schema)
                    self._writing[table.schema] = (path, writer)
                    self._batches[path] = 0
                for batch in batches:
                    writer.write_batch(batch)
            except (OSError, pa.ArrowException):
                # Part of the rows may be in the file: nothing more goes after them, so that
                # the batch numbers of the rows before stay right.
                self._writing.pop(table.schema, None)
                self._close(writer)
                return None
            first, self._batches[path] = self._batches[path], self._batches[path] + len(batches)
        return path, first, len(batches)

    def get(self, path: Path, first: int, count: int) -> pl.DataFrame | None:
        with self._lock:
            for _, writer in self._writing.values():  # the reading has begun
                self._close(writer)
            self._writing.clear()
            try:
                if path not in self._reading:
                    self._reading[path] = pa.ipc.open_file(pa.OSFile(str(path)))
                reader = self._reading[path]
                batches = [reader.get_batch(index) for index in range(first, first + count)]
            except (OSError, pa.ArrowException):
                return None
        return pl.from_arrow(pa.Table.from_batches(batches, schema=reader.schema))

    @staticmethod
    def _close(writer: pa.ipc.RecordBatchFileWriter | None) -> None:
        if writer is not None:
            with contextlib.suppress(OSError, pa.ArrowException):
                writer.close()

    def close(self) -> None:
        with self._lock:
            for _, writer in self._writing.values():
                self._close(writer)
            self._writing.clear()
            self._reading.clear()
            shutil.rmtree(self._folder, ignore_errors=True)


@dataclass(frozen=True)
class _Spilled:
    """A file's rows in a :class:`_Spill`, with the rest of what reading it gave."""

    spill: _Spill
    where: tuple[Path, int, int]
    series: str
    reader: str

    def taken(self) -> Delivered | None:
        rows = self.spill.get(*self.where)
        return None if rows is None else Delivered(rows, self.series, self.reader)


class _ReadAhead:
    """Files read ahead for the run about to start in this process (``reseau run`` reads the
    new files to learn their months, :func:`read_pending`): its ingest takes them from here
    instead of reading them again. Keyed by what decides the rows: the file and its bytes,
    its exporter's profile and the limits.

    At most ``budget`` bytes are kept in memory (a quarter of DuckDB's memory limit), counted
    twice: by polars' estimate of the rows, and by how much the process's resident memory
    grew since the first file was kept. The estimate leaves out the 16-byte view of every
    string and each small frame's own buffers: at 1e7 referrals (112,924 files), 2.9 GiB of
    estimated rows were 8.0 GiB resident. Past the budget, the rows wait in a :class:`_Spill`
    in ``spill`` (the warehouse's spill folder). A first run over years of history thus
    neither holds them all in memory nor reads them twice."""

    def __init__(self) -> None:
        self._kept: dict[tuple, tuple[Delivered | UnreadableFile | _Spilled, int]] = {}
        self._size = 0
        self._resident_before: int | None = None
        self._spill: _Spill | None = None
        self._lock = threading.Lock()

    def keep(self, key: tuple, result: Delivered | UnreadableFile, budget: int,
             spill: Path) -> None:
        size = result.rows.estimated_size() if isinstance(result, Delivered) else 0
        with self._lock:
            resident = _resident_bytes()
            if self._resident_before is None:
                self._resident_before = resident
            grown = 0 if resident is None else resident - self._resident_before
            if self._size + size <= budget and grown <= budget:
                self._kept[key] = (result, size)
                self._size += size
                return
            if self._spill is None:  # the first file past the budget
                self._spill = _Spill(spill)
            to = self._spill
        if isinstance(result, Delivered):
            where = to.put(result.rows)
            if where is None:  # no room to spill: the ingest reads the file again
                return
            result = _Spilled(to, where, result.series, result.reader)
        with self._lock:
            self._kept[key] = (result, 0)

    def take(self, key: tuple) -> Delivered | UnreadableFile | None:
        with self._lock:
            result, size = self._kept.pop(key, (None, 0))
            self._size -= size
        return result.taken() if isinstance(result, _Spilled) else result

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._size = 0
            self._resident_before = None
            if self._spill is not None:
                self._spill.close()
                self._spill = None


_READ_AHEAD = _ReadAhead()


def forget_read_ahead() -> None:
    """Drop what was read ahead and not taken (a run that did not ingest), spilled rows too."""
    _READ_AHEAD.clear()


def _read_key(kind: ExportKind, delivery: _Delivery, profile: Profile, home: Home) -> tuple:
    return (kind.name, delivery.path, delivery.sha256, repr(profile), home.limits)


def _read_rows(home: Home, delivery: _Delivery, kind: ExportKind, profile: Profile,
               ahead: tuple[int, Path] | None = None) -> Delivered | UnreadableFile:
    """What reading the delivery gives, read ahead or not (``ahead``: keep it for later,
    under this budget and with this spill folder, see :class:`_ReadAhead`)."""
    if delivery.refused is not None:
        return UnreadableFile(delivery.refused)
    key = _read_key(kind, delivery, profile, home)
    result = _READ_AHEAD.take(key)
    if result is None:
        try:
            result = read_delivery(delivery.path, kind, profile, home.limits)
        except UnreadableFile as problem:
            result = problem
    if ahead is not None:
        _READ_AHEAD.keep(key, result, *ahead)
    return result


def _in_order(work: Callable[[T], R], items: list[T]) -> Iterator[R]:
    """``work`` of each item, in order, done by one thread per core, with only a few items
    read ahead of the one taken (``Executor.map`` would read them all, and hold every
    result the caller has not taken yet)."""
    workers = os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        queued = collections.deque(pool.submit(work, item) for item in items[:2 * workers])
        for item in items[2 * workers:]:
            done = queued.popleft().result()
            queued.append(pool.submit(work, item))
            yield done
        while queued:
            yield queued.popleft().result()


def _read(home: Home, delivery: _Delivery, kind: ExportKind,
          profiles: dict[str, Profile]) -> Delivered | UnreadableFile:
    """The file's rows with its ``file`` and ``exporter_id`` (run in a worker thread)."""
    read = _read_rows(home, delivery, kind, profiles.get(delivery.exporter_id, Profile()))
    if isinstance(read, UnreadableFile):
        return read
    return Delivered(read.rows.with_columns(
        pl.lit(delivery.file).alias("file"),
        pl.lit(delivery.exporter_id).alias("exporter_id")), read.series, read.reader)


def ingest_landing(
    con, home: Home, progress: Callable[[str], None] = lambda message: None
) -> list[FileOutcome]:
    """Load every new landing file of every kind; return one outcome per new file.

    Pseudonym columns go through the ``rekey`` macro (see ``pseudonyms.install_rekey_macro``),
    which the caller must have installed on ``con``. Files are read in parallel threads
    (polars releases the GIL); all writes happen here, on the one connection, in one
    transaction: a run killed while loading leaves raw.* as it was. Unreadable files are
    moved aside after the commit, so that none is out of landing without its audit row.
    """
    profiles = load_profiles(home)  # a wrong profile stops here, before any file is read
    create_raw_tables(con)
    con.execute("begin transaction")
    try:
        outcomes, aside = _load_new(con, home, profiles, progress)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        forget_read_ahead()
    for path, error in aside:
        _move_aside(home, path, error)
    return outcomes


def _recorded(con) -> tuple[set[tuple[str, str, str]], set[str]]:
    """What raw.files records: the (kind, exporter, sha256) loaded, and every file name.

    Bytes already loaded for an exporter are a no-op. A file that was rejected or refused is
    read again if it is put back (its limit raised, its profile written), and the same
    bytes from another exporter are its own data (a `$exporter` constant).
    """
    recorded = con.execute("select kind, exporter_id, sha256, file, status from raw.files"
                           ).fetchall()
    known = {(kind, exporter, sha) for kind, exporter, sha, _, status in recorded
             if status == "loaded"}
    return known, {file for *_, file, _ in recorded}


def silent(done: int, total: int) -> None:
    """A ``progress`` that says nothing."""


def read_pending(con, home: Home, only: set[Path] | None = None, *, keep: bool = False,
                 progress: Callable[[int, int], None] = silent
                 ) -> Iterator[tuple[ExportKind, Delivered | UnreadableFile]]:
    """Read the landed files (of ``only``, if given) that the next run will load, in
    parallel: (kind, what reading gave) for each, as they are read. ``con``: a warehouse
    whose raw.files says what was loaded, or None. ``keep``: the next ingest in this
    process takes the results instead of reading the files again, as far as
    :class:`_ReadAhead` keeps them (``reseau run``; never in a long-lived process).
    ``progress(done, total)`` is called before the first file and after each."""
    known, names = _recorded(con) if con is not None else (set(), set())
    profiles = load_profiles(home)
    digests = _Digests(home)
    pending = [(kind, delivery) for kind in EXPORT_KINDS.values()
               for delivery in _new_deliveries(home, kind, known, names, digests, only)
               if delivery.refused is None]
    digests.save(only)
    # Past a quarter of the memory limit, in the warehouse's spill folder: one folder per home
    # is enough, as only `reseau run` reads ahead, under the home's run lock.
    ahead = (home.memory_bytes() // 4,
             Path(home.duckdb_config()["temp_directory"]) / "read-ahead") if keep else None
    results = _in_order(lambda item: (item[0], _read_rows(
        home, item[1], item[0], profiles.get(item[1].exporter_id, Profile()), ahead)), pending)
    progress(0, len(pending))
    for done, result in enumerate(results, 1):
        yield result
        progress(done, len(pending))


#: Rows read are inserted by batches of about this many (all in the run's one transaction).
_INSERT_ROWS = 200_000


def _load_new(con, home: Home, profiles: dict[str, Profile],
              progress: Callable[[str], None]) -> tuple[list[FileOutcome], list]:
    known, names = _recorded(con)
    aside: list[tuple[Path, str]] = []
    outcomes: list[FileOutcome] = []
    file_rows: list[tuple] = []
    ingested_at = datetime.now(UTC).replace(tzinfo=None)
    digests = _Digests(home)
    for kind in EXPORT_KINDS.values():
        deliveries = _new_deliveries(home, kind, known, names, digests)
        batches: list[pl.DataFrame] = []
        batched = 0
        results = _in_order(lambda delivery: _read(home, delivery, kind, profiles),
                            deliveries)
        for index, (delivery, result) in enumerate(zip(deliveries, results, strict=True), 1):
            relative, exporter_id = delivery.file, delivery.exporter_id
            if isinstance(result, UnreadableFile):
                error = f"{relative}: {printable(str(result))}"
                aside.append((delivery.path, error))
                status = "refused" if isinstance(result, IdentifyingData) else "rejected"
                outcome = FileOutcome(relative, kind.name, exporter_id, status, None, error)
                progress(f"{status} {error}")
            else:
                batches.append(result.rows)
                batched += result.rows.height
                if batched >= _INSERT_ROWS:  # a history is not held whole twice
                    _insert_rows(con, kind, pl.concat(batches, how="vertical"))
                    batches, batched = [], 0
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
    digests.save()
    if file_rows:
        files = pl.DataFrame(file_rows, orient="row", schema=FILE_COLUMNS)
        con.register("files_batch", files.to_arrow())
        try:
            con.execute(f"insert into raw.files ({', '.join(FILE_COLUMNS)}) "
                        f"select {', '.join(FILE_COLUMNS)} from files_batch")
        finally:
            con.unregister("files_batch")
    return outcomes, aside


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
