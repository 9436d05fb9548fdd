"""The directory's files in data·inclusion form: which ones a folder holds, and their records
(JSON, JSON lines, CSV, Parquet). The rules are in :mod:`pipelines.ingest.directory`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from reseau.errors import UnusableReference

SUFFIXES = ("json", "csv", "parquet")


def workbooks(folder: Path) -> list[Path]:
    """The ``*.xlsx`` files of ``folder`` (not Excel's ``~$`` lock files, not hidden ones)."""
    return sorted(path for path in folder.iterdir()
                  if path.suffix.lower() == ".xlsx" and not path.name.startswith(("~$", "."))
                  and path.is_file())


def directory_files(folder: Path) -> dict[str, Path]:
    """``{"structures": path, "services": path}`` of ``folder``; raises UnusableReference.

    Without any structures or services file, a single workbook stands for both (the same
    path twice); with them, workbooks are not read (:func:`read_directory` says so).
    """
    found = {name: [folder / f"{name}.{ext}" for ext in SUFFIXES
                    if (folder / f"{name}.{ext}").is_file()]
             for name in ("structures", "services")}
    books = workbooks(folder)
    if books and not any(found.values()):
        if len(books) > 1:
            raise UnusableReference(
                f"{len(books)} workbooks in {folder} ({', '.join(b.name for b in books)}): the "
                "directory in data·inclusion form is one workbook (sheets Structures and "
                "Services); keep only one of them")
        return dict.fromkeys(found, books[0])
    for name, paths in found.items():
        if not paths:
            unread = (f" ({', '.join(b.name for b in books)} is not read while a structures "
                      "or services file is there)" if books else "")
            raise UnusableReference(
                f"no {name} file in {folder}: the directory in data·inclusion form needs "
                f"{name}.json, {name}.csv or {name}.parquet (data·inclusion schema v1), or "
                f"instead of both files one XLSX workbook with sheets Structures and "
                f"Services{unread}; add it, or give the directory as reference/services.csv "
                "instead")
        if len(paths) > 1:
            raise UnusableReference(
                f"{len(paths)} {name} files in {folder} ({', '.join(p.name for p in paths)}): "
                "keep only one of them")
    return {name: paths[0] for name, paths in found.items()}


def _unreadable(path: Path, problem: str, fix: str) -> UnusableReference:
    return UnusableReference(f"{path} cannot be read: {problem}; {fix}")


@dataclass(frozen=True)
class BrokenLine:
    """A line of a JSON-lines file that is not JSON: reported, the other lines are read."""

    error: str


def _read_json(path: Path) -> list:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _unreadable(path, str(exc), "write it as UTF-8 JSON") from exc
    fix = "write an array of objects or one object per line"
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _unreadable(path, f"broken JSON ({exc})", fix) from exc
        if not isinstance(records, list):
            raise _unreadable(path, "not an array of objects", fix)
        return records
    records = []
    for line in text.splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                records.append(BrokenLine(str(exc)))
    if records and all(isinstance(record, BrokenLine) for record in records):
        raise _unreadable(path, f"broken JSON ({records[0].error})", fix)
    return records


def _read_csv(path: Path) -> list:
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except Exception as exc:  # polars raises several error types for a broken CSV
        raise _unreadable(path, f"not a CSV file ({str(exc).splitlines()[0]})",
                          "write UTF-8 CSV, comma-separated, with a header line") from exc
    return frame.to_dicts()


def _read_parquet(path: Path) -> list:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several error types for a broken file
        raise _unreadable(path, f"not a Parquet file ({str(exc).splitlines()[0]})",
                          "write it again as Parquet, or give it as JSON or CSV") from exc
    return frame.to_dicts()


def read_records(path: Path) -> list:
    """The records of one file, as dicts (CSV cells as text, empty cells as None)."""
    reader = {"json": _read_json, "csv": _read_csv, "parquet": _read_parquet}[path.suffix[1:]]
    return reader(path)


@dataclass(frozen=True)
class Source:
    """The records of one file or sheet, and how issues name it."""

    name: str  # the file, or the workbook and the sheet
    records: list
    rows: tuple[int, ...] | None = None  # in a sheet, the row of each record

    @property
    def from_sheet(self) -> bool:
        return self.rows is not None
