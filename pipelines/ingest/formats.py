"""Read a delivered file, whatever its format, into a frame of text with its own headers.

Formats of the data contract: CSV (comma, semicolon or tab; UTF-8 with or without BOM,
UTF-16 with BOM as Excel's "Unicode text", or Windows-1252; Excel's ``sep=;`` first line),
XLSX (first sheet) and JSON (an array of objects, or JSON lines). Values stay text; nothing
is interpreted here except what the format itself types: an XLSX date cell becomes an ISO
date, a whole number stays a whole number, a JSON list becomes ``|``-separated codes.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import polars as pl


class UnreadableFile(Exception):
    """The file cannot be read at all; the message names the problem and the fix."""


SEPARATORS = (",", ";", "\t")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def decode(data: bytes) -> tuple[str, str]:
    """``(text, encoding)``: BOMs first, then strict UTF-8, then Windows-1252."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding + " with BOM"
            except UnicodeDecodeError as exc:
                raise UnreadableFile(
                    f"starts with a {encoding} byte-order mark but is not {encoding} "
                    f"(byte {exc.start}); re-export it as CSV in UTF-8") from exc
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("text is neither UTF-8 nor Windows-1252; re-export it as CSV in UTF-8")


def _text_rows(text: str) -> pl.DataFrame:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first.lower().startswith("sep=") and len(first) >= 5:
        separator = first[4]  # Excel's hint line, not a header
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        separator = max(SEPARATORS, key=first.count)
    if not first.strip():
        raise UnreadableFile("the file is empty; re-export it with its header row")
    try:
        return pl.read_csv(io.BytesIO(text.encode("utf-8")), separator=separator,
                           infer_schema=False, truncate_ragged_lines=False)
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError) as exc:
        raise UnreadableFile(
            f"not a readable {_NAMES[separator]}-separated CSV ({str(exc).splitlines()[0]}); "
            "re-export it with one header row and the same number of fields on every line"
        ) from exc
    except pl.exceptions.NoDataError as exc:
        raise UnreadableFile("the file is empty; re-export it with its header row") from exc


def read_delimited(path: Path) -> pl.DataFrame:
    text, _ = decode(path.read_bytes())
    return _text_rows(text)


def _cell(value) -> str | None:
    """One spreadsheet or JSON value as contract text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "|".join(text for item in value if (text := _cell(item)))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    text = str(value).strip()
    return text or None


def _frame(headers: list[str], rows: list[list[str | None]]) -> pl.DataFrame:
    seen: set[str] = set()
    for header in headers:
        if header in seen:
            raise UnreadableFile(f"the header {header!r} appears twice; keep one column per name")
        seen.add(header)
    return pl.DataFrame(rows, schema={header: pl.String for header in headers}, orient="row")


def read_xlsx(path: Path) -> pl.DataFrame:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"not a readable XLSX workbook ({exc}); save it again as .xlsx "
                             "or export it as CSV") from exc
    try:
        sheet = book.worksheets[0]
        rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    rows = [row for row in rows if any(value is not None for value in row)]
    if not rows:
        raise UnreadableFile("the first sheet is empty; put the header row and the rows there")
    width = max(index + 1 for index, value in enumerate(rows[0]) if value is not None)
    headers = [value or f"column {index + 1}" for index, value in enumerate(rows[0][:width])]
    body = [row[:width] + [None] * (width - len(row)) for row in rows[1:]]
    return _frame(headers, body)


def _records(records: list, where: str) -> pl.DataFrame:
    headers: dict[str, None] = {}
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise UnreadableFile(f"{where} {number} is not an object; give one object per row")
        headers.update(dict.fromkeys(record))
    names = list(headers)
    return _frame(names, [[_cell(record.get(name)) for name in names] for record in records])


def read_json(path: Path) -> pl.DataFrame:
    text, _ = decode(path.read_bytes())
    stripped = text.strip()
    if not stripped:
        raise UnreadableFile("the file is empty; deliver a JSON array of objects")
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError as exc:
        if stripped.startswith("{") and exc.msg == "Extra data":  # one object per line
            return _json_lines(text)
        raise UnreadableFile(f"not valid JSON (line {exc.lineno}: {exc.msg}); deliver an "
                             "array of objects, or one object per line") from exc
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list)]
        if len(lists) != 1:
            raise UnreadableFile("a JSON object must hold one array of rows; deliver an "
                                 "array of objects")
        document = lists[0]
    if not isinstance(document, list):
        raise UnreadableFile("JSON must be an array of objects, or one object per line")
    return _records(document, "item")


def read_json_lines(path: Path) -> pl.DataFrame:
    return _json_lines(decode(path.read_bytes())[0])


def _json_lines(text: str) -> pl.DataFrame:
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise UnreadableFile(f"line {number} is not valid JSON ({exc.msg}); fix or "
                                 "re-export the file, one object per line") from exc
    return _records(records, "line")


READERS = {
    ".csv": read_delimited, ".txt": read_delimited, ".tsv": read_delimited,
    ".xlsx": read_xlsx, ".json": read_json, ".jsonl": read_json_lines,
    ".ndjson": read_json_lines,
}


def read_table(path: Path) -> pl.DataFrame:
    """Every row of ``path`` as text, with the file's own headers."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        hint = " (old Excel format: save it as .xlsx)" if path.suffix.lower() == ".xls" else ""
        raise UnreadableFile(f"unsupported file type {path.suffix!r}{hint}; deliver CSV, "
                             "XLSX or JSON (.csv, .tsv, .txt, .xlsx, .json, .jsonl)")
    return reader(path)
