"""Read one delivered file into a frame of strings with the canonical column names.

A reader never interprets values (dates, statuses, codes stay text): it only finds the rows
and the columns, so that every row read can be accounted for downstream.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.ingest.columns import ExportKind, normalise_header


class UnreadableFile(Exception):
    """The file cannot be read at all; the message names the problem and the fix."""


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        return pl.read_csv(
            path,
            infer_schema=False,
            encoding="utf8",
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.ComputeError, UnicodeDecodeError) as exc:
        raise UnreadableFile(
            f"not a readable UTF-8 CSV ({str(exc).splitlines()[0]}); "
            "re-export it as CSV in UTF-8 with one header row"
        ) from exc
    except pl.exceptions.NoDataError as exc:
        raise UnreadableFile("the file is empty; re-export it with its header row") from exc


READERS = {".csv": _read_csv, ".txt": _read_csv}


def read_export(path: Path, kind: ExportKind) -> pl.DataFrame:
    """Return ``row_number`` (1-based, header excluded) and every canonical column, as text.

    Headers are matched with :func:`normalise_header`; a missing required column makes the
    whole file unreadable. Columns that are not part of the contract are dropped here.
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableFile(
            f"unsupported file type {path.suffix!r}; deliver referral exports as .csv"
        )
    raw = reader(path)
    header_map = kind.header_map()
    renamed: dict[str, str] = {}
    for header in raw.columns:
        canonical = header_map.get(normalise_header(header))
        if canonical is not None and canonical not in renamed.values():
            renamed[header] = canonical
    missing = [name for name in kind.required if name not in renamed.values()]
    if missing:
        raise UnreadableFile(
            f"missing required column(s) {', '.join(missing)}; add them to the export "
            "(header names and their French synonyms are in the data contract)"
        )
    by_name = {name: header for header, name in renamed.items()}
    return raw.select(
        pl.int_range(1, raw.height + 1, dtype=pl.Int32).alias("row_number"),
        *[
            pl.col(by_name[name]).alias(name) if name in by_name
            else pl.lit(None, dtype=pl.String).alias(name)
            for name in kind.column_names
        ],
    )
