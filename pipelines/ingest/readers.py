"""Read one delivered file into a frame of text with the canonical column names.

A reader never interprets values beyond the exporter's mapping profile (dates, statuses,
codes stay text): it finds the rows and the columns, refuses direct identifiers, and keeps
the row numbers, so that every row read can be accounted for downstream.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.ingest.columns import ExportKind, normalise_header
from pipelines.ingest.formats import UnreadableFile, read_table
from pipelines.ingest.identifiers import IdentifyingData, check_identifiers
from pipelines.ingest.profiles import Profile
from reseau.home import Limits

__all__ = ["IdentifyingData", "UnreadableFile", "read_export"]


def read_export(path: Path, kind: ExportKind, profile: Profile = Profile(),
                limits: Limits = Limits()) -> pl.DataFrame:
    """Return ``row_number`` (1-based, header excluded) and every canonical column, as text.

    Headers are renamed by ``profile`` then matched with :func:`normalise_header`; a missing
    required column makes the whole file unreadable, a direct identifier makes it refused
    (:class:`IdentifyingData`). Columns that are not part of the contract are dropped after
    that check.
    """
    raw = profile.rename(read_table(path, limits))
    header_map = kind.header_map()
    renamed: dict[str, str] = {}
    for header in raw.columns:
        canonical = header_map.get(normalise_header(header))
        if canonical is not None and canonical not in renamed.values():
            renamed[header] = canonical
    check_identifiers(raw, allowed=set(renamed))
    missing = [name for name in kind.required if name not in renamed.values()]
    if missing:
        raise UnreadableFile(
            f"missing required column(s) {', '.join(missing)}; add them to the export "
            "(header names and their French synonyms are in the data contract), or map the "
            f"export's own headers in sources/{path.parent.name}.yml (docs/sources.md)"
        )
    by_name = {name: header for header, name in renamed.items()}
    return profile.translate(raw.select(
        pl.int_range(1, raw.height + 1, dtype=pl.Int32).alias("row_number"),
        *[
            pl.col(by_name[name]).alias(name) if name in by_name
            else pl.lit(None, dtype=pl.String).alias(name)
            for name in kind.column_names
        ],
    ))
