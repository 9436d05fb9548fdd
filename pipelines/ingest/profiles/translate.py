"""Apply a :class:`~pipelines.ingest.profiles.profile.KindProfile` to the rows of a file.

Translation stops short of interpreting values: an unknown status word or an unreadable
date is kept as read and quarantined downstream (in dbt), with its reason. What happens here
is what only the exporter's description can say, plus one thing every export needs: ISO 8601
timestamps become the date of the day they fall on in the profile's time zone (a referral
made at 00:30 in Paris is ``…T23:30:00Z`` of the day before in UTC).
"""

from __future__ import annotations

import polars as pl

from pipelines.ingest.columns import fold_column
from pipelines.ingest.profiles.profile import KindProfile
from pipelines.ingest.profiles.schema import DATE_COLUMNS, EXPORTER, ROW, zone_aware
from reseau.contract import fold

# Timestamps understood without a profile: ISO 8601 with a zone (converted), or without one
# (taken as local). Dates alone (ISO, DD/MM/YYYY) are parsed downstream.
_ZONED = ("%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z")
_LOCAL = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M")


def rename(frame: pl.DataFrame, profile: KindProfile) -> pl.DataFrame:
    """Give the profile's headers their contract names (before synonym matching); when an
    export has two of the headers listed for one column, the first one is that column."""
    renames: dict[str, str] = {}
    for header in frame.columns:
        column = profile.headers.get(fold(header))
        if column is not None and column not in renames.values():
            renames[header] = column
    return frame.rename(renames) if renames else frame


def constant_columns(profile: KindProfile, exporter_id: str) -> list[pl.Expr]:
    """The profile's constant columns, as expressions over a frame with ``row_number``."""
    columns = []
    for column, value in profile.constants.items():
        if value == EXPORTER:
            columns.append(pl.lit(exporter_id, dtype=pl.String).alias(column))
        elif value == ROW:
            columns.append(pl.col("row_number").cast(pl.String).alias(column))
        else:
            columns.append(pl.lit(value, dtype=pl.String).alias(column))
    return columns


def _date(column: str, formats: tuple[str, ...], zone: str) -> pl.Expr:
    """The ISO date a value stands for, or null when no format reads it."""
    text = pl.col(column).str.strip_chars()
    parsed = []
    for date_format in formats:
        if zone_aware(date_format):
            parsed.append(text.str.to_datetime(date_format, strict=False, time_zone="UTC")
                          .dt.convert_time_zone(zone).dt.date())
        elif "%H" in date_format:
            parsed.append(text.str.to_datetime(date_format, strict=False).dt.date())
        else:
            parsed.append(text.str.to_date(date_format, strict=False))
    return pl.coalesce(parsed).dt.to_string("%Y-%m-%d")


def _status(profile: KindProfile, columns: list[str]) -> pl.Expr:
    status = pl.col("status")
    folded = fold_column(status)
    translated = (folded.replace_strict(dict(profile.statuses), default=status,
                                        return_dtype=pl.String)
                  if profile.statuses else status)
    if profile.status_rules and "refusal_reason" in columns:
        reason = fold_column(pl.col("refusal_reason"))
        for words, reasons, contract_status in reversed(profile.status_rules):
            translated = (pl.when(folded.is_in(list(words)) & reason.is_in(list(reasons)))
                          .then(pl.lit(contract_status)).otherwise(translated))
    return translated.alias("status")


def _list(column: str, separator: str) -> pl.Expr:
    """A list written with ``separator`` as the contract's ``|``-separated codes."""
    parts = pl.col(column).str.split(separator.strip() or separator)
    return (parts.list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element() != "")).list.join("|")).alias(column)


def translate(frame: pl.DataFrame, profile: KindProfile) -> pl.DataFrame:
    """Placeholders to empty, status words and rules to contract statuses, dates to ISO,
    lists to ``|``; other values are left as read."""
    columns = [column for column in frame.columns if column != "row_number"]
    if profile.placeholders:
        frame = frame.with_columns(
            pl.when(fold_column(pl.col(column)).is_in(list(profile.placeholders))).then(None)
            .otherwise(pl.col(column)).alias(column) for column in columns)
    changes = []
    if "status" in columns and (profile.statuses or profile.status_rules):
        changes.append(_status(profile, columns))
    formats = (*profile.date_formats, *_ZONED, *_LOCAL)
    for column in DATE_COLUMNS:
        if column in columns:
            changes.append(pl.coalesce(_date(column, formats, profile.time_zone),
                                       pl.col(column)).alias(column))
    if profile.list_separator and "needs" in columns:
        changes.append(_list("needs", profile.list_separator))
    return frame.with_columns(changes) if changes else frame
