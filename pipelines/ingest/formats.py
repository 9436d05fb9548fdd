"""Read a delivered file, whatever its format, into a frame of text with its own headers.

Formats of the data contract: CSV (comma, semicolon or tab; UTF-8 with or without BOM,
UTF-16 with BOM as Excel's "Unicode text", or Windows-1252; Excel's ``sep=;`` first line),
XLSX (first sheet) and JSON (an array of objects, or JSON lines). Values stay text; nothing
is interpreted here except what the format itself types: an XLSX date cell becomes an ISO
date, a whole number stays a whole number, a JSON list becomes ``|``-separated codes.

Every file is held to the :class:`~reseau.settings.Limits` before it is read whole: its size, the
length of its lines, that it is text at all, and for a workbook what it unzips to; its rows
and columns as they are read. A file over a limit is :class:`UnreadableFile`, and memory stays
about what the limits allow (docs/sources.md, "What happens to bad input").
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from xml.etree.ElementTree import ParseError

import polars as pl
from defusedxml import DefusedXmlException

from reseau.settings import Limits


class UnreadableFile(Exception):
    """The file cannot be read at all; the message names the problem and the fix."""


SEPARATORS = (",", ";", "\t")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_CHUNK = 1 << 18
#: Control characters no text export holds (tab, line feed, carriage return, form feed and
#: the old DOS end-of-file mark are allowed; NUL is checked on its own).
_CONTROLS = bytes(code for code in range(1, 32) if code not in b"\t\n\r\f\x1a")


def _size(count: int) -> str:
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _over(problem: str, key: str, limit: int, fix: str) -> UnreadableFile:
    shown = _size(limit) if key.endswith("bytes") else f"{limit:,}"
    return UnreadableFile(f"{problem}, over the limit of {shown} ([limits] {key} in "
                          f"reseau.toml); {fix}")


_SPLIT = "split the export (one file per month) or raise the limit"
_FEWER = "deliver the contract's columns only, or raise the limit"


def _check_size(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise _over(f"the file is {_size(size)}", "max_file_bytes", limits.max_file_bytes,
                    _SPLIT)


class _TextCheck:
    """Checks a text file chunk by chunk as it is read: not binary, no line too long."""

    def __init__(self, limits: Limits, lines: bool):
        self.limits, self.lines = limits, lines
        self.decoder = None  # UTF-16 is checked as the UTF-8 it decodes to
        self.seen = self.controls = self.line = 0

    def feed(self, chunk: bytes, first: bool) -> None:
        if first:
            for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"),
                                  (codecs.BOM_UTF16_BE, "utf-16-be")):
                if chunk.startswith(bom):
                    self.decoder = codecs.getincrementaldecoder(encoding)("replace")
                    chunk = chunk[len(bom):]
        if self.decoder is not None:
            chunk = self.decoder.decode(chunk).encode("utf-8")
        if b"\0" in chunk:
            raise UnreadableFile("not a text file (it holds NUL bytes, as a spreadsheet, an "
                                 "archive, a PDF or UTF-16 text without a byte-order mark do); "
                                 "deliver CSV in UTF-8, XLSX or JSON")
        self.seen += len(chunk)
        self.controls += len(chunk) - len(chunk.translate(None, _CONTROLS))
        if self.lines:
            parts = chunk.replace(b"\r", b"\n").split(b"\n")
            longest = max([self.line + len(parts[0]), *map(len, parts[1:])])
            self.line = self.line + len(chunk) if len(parts) == 1 else len(parts[-1])
            if longest > self.limits.max_line_bytes:
                raise _over(f"a line is {_size(longest)} long or more", "max_line_bytes",
                            self.limits.max_line_bytes,
                            "deliver one row per line, or raise the limit")

    def finish(self) -> None:
        if self.controls * 20 > self.seen:  # more than 1 byte in 20 (random bytes: 1 in 9)
            raise UnreadableFile(f"not a text file ({self.controls:,} control characters in "
                                 f"{_size(self.seen)}); deliver CSV in UTF-8, XLSX or JSON")


def read_text_bytes(path: Path, limits: Limits = Limits(), *, lines: bool = True) -> bytearray:
    """The bytes of a text file, read only as far as the limits allow (``lines``: check the
    length of every line too)."""
    _check_size(path, limits)
    data = bytearray()
    check = _TextCheck(limits, lines)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            check.feed(chunk, first=not data)
            data += chunk
            if len(data) > limits.max_file_bytes:  # grew since it was listed
                raise _over(f"the file is {_size(len(data))} or more", "max_file_bytes",
                            limits.max_file_bytes, _SPLIT)
    check.finish()
    return data


def decode(data: bytes | bytearray) -> tuple[str, str]:
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


def _text_rows(text: str, limits: Limits) -> pl.DataFrame:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first.lower().startswith("sep=") and len(first) >= 5:
        separator = first[4]  # Excel's hint line, not a header
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        separator = max(SEPARATORS, key=first.count)
    if not first.strip():
        raise UnreadableFile("the file is empty; re-export it with its header row")
    if first.count(separator) + 1 > limits.max_columns:
        raise _over(f"the header has {first.count(separator) + 1:,} columns", "max_columns",
                    limits.max_columns, _FEWER)
    del lines  # a copy of every line: not kept while the frame is built
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), separator=separator,
                            infer_schema=False, truncate_ragged_lines=False)
    except (pl.exceptions.ComputeError, pl.exceptions.ShapeError) as exc:
        raise UnreadableFile(
            f"not a readable {_NAMES[separator]}-separated CSV ({str(exc).splitlines()[0]}); "
            "re-export it with one header row and the same number of fields on every line"
        ) from exc
    except pl.exceptions.NoDataError as exc:
        raise UnreadableFile("the file is empty; re-export it with its header row") from exc
    _check_rows(frame.height, limits)
    return frame


def _check_rows(count: int, limits: Limits) -> None:
    if count > limits.max_rows:
        raise _over(f"the file has {count:,} rows", "max_rows", limits.max_rows, _SPLIT)


def read_delimited(path: Path, limits: Limits = Limits()) -> pl.DataFrame:
    text, _ = decode(read_text_bytes(path, limits))
    return _text_rows(text, limits)


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


def _frame(headers: list[str], rows: list[list[str | None]], limits: Limits) -> pl.DataFrame:
    if len(headers) > limits.max_columns:
        raise _over(f"the file has {len(headers):,} columns", "max_columns",
                    limits.max_columns, _FEWER)
    _check_rows(len(rows), limits)
    seen: set[str] = set()
    for header in headers:
        if header in seen:
            raise UnreadableFile(f"the header {header!r} appears twice; keep one column per name")
        seen.add(header)
    return pl.DataFrame(rows, schema={header: pl.String for header in headers}, orient="row")


def _check_archive(path: Path, limits: Limits) -> None:
    """Refuse a workbook that unzips to far more than it weighs, before anything is unzipped.

    Python's zipfile never inflates a part beyond the size the archive declares for it (it
    stops there and fails the checksum), so the declared sizes are the ones to check.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFile(f"not a readable XLSX workbook ({exc}); save it again as .xlsx "
                             "or export it as CSV") from exc
    unzipped = sum(part.file_size for part in parts)
    if unzipped > limits.max_unzipped_bytes:
        raise _over(f"the workbook unzips to {_size(unzipped)}", "max_unzipped_bytes",
                    limits.max_unzipped_bytes, "export it as CSV, or raise the limit")
    for part in parts:
        ratio = part.file_size // max(part.compress_size, 1)
        if part.file_size > 1 << 20 and ratio > limits.max_zip_ratio:
            raise UnreadableFile(
                f"not a workbook Excel or LibreOffice writes: its part {part.filename!r} "
                f"unzips to {ratio:,} times its size (a zip bomb?), over the limit of "
                f"{limits.max_zip_ratio:,} ([limits] max_zip_ratio in reseau.toml); save it "
                "again as .xlsx or export it as CSV")


def _xlsx_problem(exc: BaseException, path: Path) -> UnreadableFile:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return UnreadableFile(
                "not a workbook Excel or LibreOffice writes: its XML declares entities (an "
                "'XML bomb' that would expand to gigabytes), refused unread; save it again as "
                ".xlsx or export it as CSV")
        cause = cause.__cause__ or cause.__context__
    message = str(exc).replace(str(path), path.name)  # openpyxl names the file in full
    first_line = message.splitlines()[0] if message else type(exc).__name__
    return UnreadableFile(f"not a readable XLSX workbook ({first_line}); save it again as "
                          ".xlsx or export it as CSV")


def _xlsx_errors() -> tuple[type[BaseException], ...]:
    """What openpyxl raises on a broken or refused workbook (defusedxml's are ValueErrors)."""
    from openpyxl.utils.exceptions import InvalidFileException

    return (InvalidFileException, zipfile.BadZipFile, zlib.error, ParseError, KeyError,
            IndexError, EOFError, OSError, ValueError)


@contextmanager
def open_workbook(path: Path, limits: Limits = Limits()):
    """The workbook at ``path``, opened read-only (cell values, not formulas) once its size and
    what it unzips to are within ``limits``; closed on leaving. A broken or hostile workbook,
    on opening or while its sheets are read in the ``with`` block, is :class:`UnreadableFile`.
    """
    import openpyxl

    if not openpyxl.DEFUSEDXML:  # defusedxml is a dependency; OPENPYXL_DEFUSEDXML must stay on
        raise RuntimeError("openpyxl is not using defusedxml: install it, and do not set "
                           "OPENPYXL_DEFUSEDXML=False, before reading delivered workbooks")
    _check_size(path, limits)
    _check_archive(path, limits)
    errors = _xlsx_errors()
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except errors as exc:
        raise _xlsx_problem(exc, path) from exc
    try:
        yield book
    except errors as exc:
        raise _xlsx_problem(exc, path) from exc
    finally:
        book.close()


def sheet_table(sheet, limits: Limits = Limits(), cell=_cell, name: str = "the first sheet"):
    """``(header, rows)`` of one sheet of a workbook from :func:`open_workbook`, within limits.

    The header is the first row holding a value, up to its last value; ``rows`` are the
    ``(row number in the sheet, values)`` of the rows below it that hold a value, cut or
    padded to the header's width. ``cell`` makes each value (by default contract text: see
    :func:`_cell`); a row is blank when it makes nothing but None. ``header`` is None for a
    blank sheet. ``name`` names the sheet in the error of a sheet over ``max_rows``.
    """
    header: list | None = None
    body: list[tuple[int, list]] = []
    sheet.reset_dimensions()  # the declared size may be wrong, or absurd: read what is there
    # Cells right of max_columns + 1 are never read; blank rows count (a gap of a billion rows
    # is a billion rows).
    rows = sheet.iter_rows(max_col=limits.max_columns + 1, values_only=True)
    for count, row in enumerate(rows, 1):
        if count > limits.max_rows + 1:
            raise _over(f"{name} has {count - 1:,} rows or more", "max_rows",
                        limits.max_rows, _SPLIT)
        if header is None:
            if row.count(None) == len(row):
                continue
            cells = [cell(value) for value in row]
            if any(value is not None for value in cells):
                header = cells[:max(index + 1 for index, value in enumerate(cells)
                                    if value is not None)]
                if len(header) > limits.max_columns:
                    raise _over(f"the header has {len(header):,} columns or more",
                                "max_columns", limits.max_columns, _FEWER)
            continue
        cells = [cell(value) for value in row[:len(header)]]
        if any(value is not None for value in cells):
            body.append((count, cells + [None] * (len(header) - len(cells))))
    return header, body


def read_xlsx(path: Path, limits: Limits = Limits()) -> pl.DataFrame:
    with open_workbook(path, limits) as book:
        header, body = sheet_table(book.worksheets[0], limits)
    if header is None:
        raise UnreadableFile("the first sheet is empty; put the header row and the rows there")
    headers = [value or f"column {index + 1}" for index, value in enumerate(header)]
    return _frame(headers, [cells for _, cells in body], limits)


def _records(records: list, where: str, limits: Limits) -> pl.DataFrame:
    _check_rows(len(records), limits)
    headers: dict[str, None] = {}
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise UnreadableFile(f"{where} {number} is not an object; give one object per row")
        headers.update(dict.fromkeys(record))
        if len(headers) > limits.max_columns:  # before rows x columns cells are made
            raise _over(f"the objects have {len(headers):,} different keys or more",
                        "max_columns", limits.max_columns, _FEWER)
    names = list(headers)
    return _frame(names, [[_cell(record.get(name)) for name in names] for record in records],
                  limits)


def read_json(path: Path, limits: Limits = Limits()) -> pl.DataFrame:
    # An array is often written on one line: only the file's size bounds it.
    text, _ = decode(read_text_bytes(path, limits, lines=False))
    stripped = text.strip()
    if not stripped:
        raise UnreadableFile("the file is empty; deliver a JSON array of objects")
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError as exc:
        if stripped.startswith("{") and exc.msg == "Extra data":  # one object per line
            return _json_lines(text, limits)
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
    return _records(document, "item", limits)


def read_json_lines(path: Path, limits: Limits = Limits()) -> pl.DataFrame:
    return _json_lines(decode(read_text_bytes(path, limits))[0], limits)


def _json_lines(text: str, limits: Limits) -> pl.DataFrame:
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise UnreadableFile(f"line {number} is not valid JSON ({exc.msg}); fix or "
                                 "re-export the file, one object per line") from exc
    return _records(records, "line", limits)


READERS = {
    ".csv": read_delimited, ".txt": read_delimited, ".tsv": read_delimited,
    ".xlsx": read_xlsx, ".json": read_json, ".jsonl": read_json_lines,
    ".ndjson": read_json_lines,
}


def read_table(path: Path, limits: Limits = Limits()) -> pl.DataFrame:
    """Every row of ``path`` as text, with the file's own headers, within ``limits``."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        hint = " (old Excel format: save it as .xlsx)" if path.suffix.lower() == ".xls" else ""
        raise UnreadableFile(f"unsupported file type {path.suffix!r}{hint}; deliver CSV, "
                             "XLSX or JSON (.csv, .tsv, .txt, .xlsx, .json, .jsonl)")
    try:
        return reader(path, limits)
    except RecursionError as exc:  # JSON nested thousands deep
        raise UnreadableFile("values are nested too deeply; deliver one flat object per "
                             "row") from exc
