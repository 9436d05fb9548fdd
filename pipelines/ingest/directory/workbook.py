"""The directory as one workbook in data·inclusion's producers' template (``dataset.xlsx``):
the sheets ``Structures`` and ``Services``, a record per row (the rules:
:mod:`pipelines.ingest.directory`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.ingest.directory.files import Source
from pipelines.ingest.formats import UnreadableFile, open_workbook, sheet_table
from reseau.contract import plain
from reseau.errors import UnusableReference
from reseau.settings import Limits

# The workbook's sheets, by the name of the files they stand for; the template's column marking
# its description and example rows.
SHEETS = {"structures": "Structures", "services": "Services"}
IGNORE_COLUMN = "__ignore__"


def _folded(name: str) -> str:
    """A sheet name ignoring case, accents and surrounding spaces."""
    return plain(name).strip()


def sheet_value(value):
    """A cell as openpyxl gives it, text stripped, a date cell as a date; blank as None."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def _sheet_records(path: Path, title: str, header: list | None,
                   body: list[tuple[int, list]]) -> Source:
    """The records of one sheet: a dict per row, keyed by the header's field names."""
    where = f"{path.name} (sheet {title})"
    if header is None:  # a blank sheet: no records
        return Source(where, [], ())
    names = [None if value is None else str(value).strip() or None for value in header]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UnusableReference(f"{path}: the header {name!r} appears twice in sheet {title}; "
                                   "keep one column per field")
        if name is not None:
            seen.add(name)
    ignore = names.index(IGNORE_COLUMN) if IGNORE_COLUMN in names else None
    records, rows = [], []
    for number, cells in body:
        if ignore is not None and cells[ignore] not in (None, False, 0):
            continue  # the template's description and example rows
        record = {name: value for name, value in zip(names, cells, strict=True)
                  if name is not None and name != IGNORE_COLUMN and value is not None}
        if record:
            record.setdefault("source", path.stem)  # producers leave it out of the template
            records.append(record)
            rows.append(number)
    return Source(where, records, tuple(rows))


def _sheet_named(sheets: list[str], wanted: str, path: Path) -> str:
    matches = [title for title in sheets if _folded(title) == _folded(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnusableReference(f"{path} has {len(matches)} sheets named {wanted} "
                               f"({', '.join(map(repr, matches))}): keep only one of them")
    raise UnusableReference(
        f"{path} has no sheet {wanted} (its sheets: {', '.join(sheets) or 'none'}): the "
        "directory as a workbook follows data·inclusion's template, one sheet Structures and "
        "one sheet Services, each with a header row of schema field names; rename the sheet, "
        "or give structures and services files instead")


def read_workbook(path: Path, limits: Limits = Limits()) -> dict[str, Source]:
    """The records of the sheets ``Structures`` and ``Services`` of a workbook in
    data·inclusion's template, cells as openpyxl gives them (see the module's docstring)."""
    try:
        with open_workbook(path, limits) as book:
            titles = {name: _sheet_named(book.sheetnames, wanted, path)
                      for name, wanted in SHEETS.items()}
            tables = {name: sheet_table(book[title], limits, sheet_value, f"sheet {title}")
                      for name, title in titles.items()}
    except UnreadableFile as exc:
        raise UnusableReference(f"{path} cannot be read: {exc}") from exc
    return {name: _sheet_records(path, titles[name], *table) for name, table in tables.items()}
