"""What a mapping profile may say, checked before any file is read.

A profile ``sources/<exporter_id>.yml`` describes one exporter's files (docs/sources.md has
the full syntax). Entries at the top level apply to every kind of export (a ``columns`` entry
only to the kinds that have that contract column); a ``referrals:`` or ``supports:`` section
applies to one kind and wins over the top level::

    referrals:
      columns:
        referral_date: Envoyée le
        origin_service_id: {constant: $exporter}   # the exporter itself
        referral_id: {constant: $row}               # no id in the export: the row number
      statuses:
        pending: [Ouverte / En cours de traitement]
        expired: [{status: Candidature déclinée, refusal_reason: Refus automatique}]
      date_formats: ["%d.%m.%Y", "%Y-%m-%dT%H:%M:%S%.fZ"]
      time_zone: Europe/Paris
      placeholders: [Utilisateur supprimé, Pas de prescripteur]
      list_separator: ", "
      series: {sent: "*envoyees*", received: "*recues*"}

The built-in adapters of real software (:mod:`pipelines.ingest.adapters`) are profiles too,
checked by the same model.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import polars as pl
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from pipelines.ingest.columns import EXPORT_KINDS
from reseau.contract import STATUSES

DATE_COLUMNS = ("referral_date", "decision_date", "support_date")
#: Constants that are not literal values: the exporter's own id, and the row's number.
EXPORTER, ROW = "$exporter", "$row"
DEFAULT_TIME_ZONE = "Europe/Paris"
DEFAULT_SERIES = "default"
ALL_COLUMNS = sorted({name for kind in EXPORT_KINDS.values() for name in kind.column_names})
_SERIES_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
# chrono directives that Python's strftime does not write, and what it writes instead.
_CHRONO_ONLY = {"%.f": ".%f", "%#z": "%z", "%:z": "%z", "%.3f": ".%f", "%.6f": ".%f"}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _only(entries, allowed, what: str):
    unknown = sorted(set(entries) - set(allowed))
    if unknown:
        raise ValueError(f"{', '.join(unknown)} not {what} (one of {', '.join(allowed)})")
    return entries


class Constant(BaseModel):
    """A column the export does not have, with one value for every row."""

    model_config = ConfigDict(extra="forbid")
    constant: str

    @field_validator("constant")
    @classmethod
    def _known_special(cls, value: str) -> str:
        if value.startswith("$") and value not in (EXPORTER, ROW):
            raise ValueError(f"{value!r} is not a special constant ({EXPORTER} or {ROW}); "
                             "write a literal value without the $")
        return value


class StatusRule(BaseModel):
    """A status decided by two columns: the export's status word and its refusal reason."""

    model_config = ConfigDict(extra="forbid")
    status: str | list[str]
    refusal_reason: str | list[str]


def zone_aware(date_format: str) -> bool:
    """Whether a format reads a time zone (``%z`` and its variants, or a literal ``Z``)."""
    return bool(re.search(r"%[#:]?z|Z$", date_format))


def check_date_format(date_format: str) -> str:
    """The format, if it reads back 27 November 2025 (at 14:05:06 UTC when it has a time)."""
    sample = dt.datetime(2025, 11, 27, 14, 5, 6, 412000, tzinfo=dt.UTC)
    writable = date_format
    for chrono, python in _CHRONO_ONLY.items():
        writable = writable.replace(chrono, python)
    written = pl.Series([sample.strftime(writable)])
    if zone_aware(date_format):
        read = written.str.to_datetime(date_format, strict=False, time_zone="UTC").dt.date()[0]
    elif "%H" in date_format:
        read = written.str.to_datetime(date_format, strict=False).dt.date()[0]
    else:
        read = written.str.to_date(date_format, strict=False)[0]
    if read != sample.date():
        raise ValueError(f"{date_format!r} does not read back a date (27 November 2025 is "
                         f"written {written[0]!r}); use day, month and year codes such as "
                         "%d.%m.%Y, or %Y-%m-%dT%H:%M:%S%.fZ for UTC timestamps")
    return date_format


class Section(BaseModel):
    """The entries of a profile, for one kind of export or for all of them."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str | list[str] | Constant] = {}
    statuses: dict[str, str | StatusRule | list[str | StatusRule]] = {}
    date_format: str | None = None  # one format: the first version's syntax
    date_formats: list[str] = []
    time_zone: str | None = None
    placeholders: list[str] = []
    list_separator: str | None = None
    series: str | dict[str, str | list[str]] | None = None

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, columns):
        return _only(columns, ALL_COLUMNS, "a contract column")

    @field_validator("statuses")
    @classmethod
    def _known_statuses(cls, statuses):
        return _only(statuses, STATUSES, "a contract status")

    @field_validator("date_format")
    @classmethod
    def _one_format(cls, date_format):
        return None if date_format is None else check_date_format(date_format)

    @field_validator("date_formats")
    @classmethod
    def _formats(cls, formats):
        return [check_date_format(date_format) for date_format in formats]

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, zone):
        if zone is not None:
            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"{zone!r} is not a time zone; use a name such as "
                                 "Europe/Paris") from exc
        return zone

    @field_validator("list_separator")
    @classmethod
    def _separator(cls, separator):
        if separator is not None and not separator:
            raise ValueError("an empty separator splits nothing; write for example ', '")
        return separator

    @field_validator("series")
    @classmethod
    def _series_names(cls, series):
        for name in [series] if isinstance(series, str) else (series or {}):
            if not _SERIES_NAME.fullmatch(name):
                raise ValueError(f"series name {name!r}: use lower-case letters, digits, - "
                                 "and _ (e.g. sent, received)")
        return series


class ProfileModel(Section):
    """A whole profile file: top-level entries and per-kind sections, each checked against
    its kind's columns."""

    referrals: Section | None = None
    supports: Section | None = None

    @model_validator(mode="after")
    def _sections_fit_their_kind(self):
        for name in EXPORT_KINDS:
            section = getattr(self, name)
            if section is None:
                continue
            _only(section.columns, EXPORT_KINDS[name].column_names,
                  f"a column of {name} exports")
            if name == "supports" and section.statuses:
                raise ValueError("supports: statuses: support exports have no status")
        return self
