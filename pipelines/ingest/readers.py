"""Read one delivered file into a frame of text with the canonical column names.

A reader never interprets values beyond what the file's description says (dates, statuses,
codes stay text): it finds the rows and the columns, refuses direct identifiers, and keeps
the row numbers, so that every row read can be accounted for downstream. The description is
a built-in adapter when the file's headers are those of a real software's export
(:mod:`pipelines.ingest.adapters`), else the exporter's mapping profile, else the contract
as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.ingest.adapters import recognise
from pipelines.ingest.columns import ExportKind
from pipelines.ingest.formats import UnreadableFile, read_table
from pipelines.ingest.identifiers import IdentifyingData, check_identifiers
from pipelines.ingest.profiles import Profile, constant_columns, rename, translate
from reseau.contract import fold
from reseau.settings import Limits

__all__ = ["Delivered", "IdentifyingData", "UnreadableFile", "read_delivery", "read_export"]


@dataclass(frozen=True)
class Delivered:
    """The rows of one file, its series, and what described it."""

    rows: pl.DataFrame
    series: str
    reader: str  # "contract", "sources/<exporter>.yml" or "adapter <name>"


def read_delivery(path: Path, kind: ExportKind, profile: Profile = Profile(),
                  limits: Limits = Limits()) -> Delivered:
    """Return the file's rows: ``row_number`` (1-based, header excluded) and every canonical
    column, as text; with the series the file belongs to.

    Headers are renamed by the adapter or profile, then matched with
    :func:`fold`; a missing required column makes the whole file unreadable, a
    direct identifier makes it refused (:class:`IdentifyingData`). Columns that are not part
    of the contract are dropped after that check. ``limits`` bound what reading may take
    (:class:`reseau.settings.Limits`).
    """
    raw = read_table(path, limits)
    adapter = recognise(raw.columns, kind.name)
    if adapter is not None:
        found = adapter.identifying_column(raw.columns)
        if found is not None:
            header, what = found
            raise IdentifyingData(
                f"column {header!r} holds {what} ({adapter.label}): this export was not "
                "prepared; the service must run `reseau prepare` on it before delivering it "
                "(docs/sources.md), and deliver the prepared file instead")
        description, reader = adapter.profile, f"adapter {adapter.name}"
    else:
        description = profile.for_kind(kind.name)
        reader = profile.source or "contract"
    raw = rename(raw, description)
    header_map = kind.header_map()
    renamed: dict[str, str] = {}
    for header in raw.columns:
        canonical = header_map.get(fold(header))
        if canonical is not None and canonical not in renamed.values() \
                and canonical not in description.constants:
            renamed[header] = canonical
    check_identifiers(raw, allowed=set(renamed))
    given = set(renamed.values()) | set(description.constants)
    missing = [name for name in kind.required if name not in given]
    if missing:
        raise UnreadableFile(
            f"missing required column(s) {', '.join(missing)}; add them to the export "
            "(header names and their French synonyms are in the data contract), or map the "
            f"export's own headers in sources/{path.parent.name}.yml (docs/sources.md)"
        )
    by_name = {name: header for header, name in renamed.items()}
    numbered = raw.select(
        pl.int_range(1, raw.height + 1, dtype=pl.Int32).alias("row_number"),
        *[pl.col(header).alias(name) for name, header in by_name.items()])
    with_constants = numbered.with_columns(constant_columns(description, path.parent.name))
    rows = translate(with_constants.select(
        "row_number",
        *[pl.col(name) if name in with_constants.columns
          else pl.lit(None, dtype=pl.String).alias(name) for name in kind.column_names],
    ), description)
    return Delivered(rows, description.series_of(path.name), reader)


def read_export(path: Path, kind: ExportKind, profile: Profile = Profile(),
                limits: Limits = Limits()) -> pl.DataFrame:
    """The rows of :func:`read_delivery`, without the series."""
    return read_delivery(path, kind, profile, limits).rows
