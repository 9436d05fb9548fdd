"""Mapping profiles ``sources/<exporter_id>.yml``: one exporter's own headers, status words
and date format, translated to the data contract as its files are read.

Example (docs/sources.md has the full syntax)::

    columns:                 # contract column: the export's header (or a list of headers)
      referral_id: N° dossier
      target_service_id: [Partenaire, Structure destinataire]
    statuses:                # contract status: the export's word (or a list of words)
      accepted: Admis
      refused: [Non admis, Refus]
    date_format: "%d.%m.%Y"  # strftime codes; ISO and DD/MM/YYYY are always understood
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from pipelines.ingest.columns import EXPORT_KINDS, normalise_header
from reseau.errors import UserError
from reseau.home import Home

STATUSES = ("pending", "accepted", "refused", "expired", "cancelled")
DATE_COLUMNS = ("referral_date", "decision_date", "support_date")
_CONTRACT_COLUMNS = {name for kind in EXPORT_KINDS.values() for name in kind.column_names}


class InvalidProfile(UserError):
    """A mapping profile cannot be used; the message names the file, the entry and the fix."""


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _only(entries: dict, allowed, what: str) -> dict:
    unknown = sorted(set(entries) - set(allowed))
    if unknown:
        raise ValueError(f"{', '.join(unknown)} not {what} (one of {', '.join(allowed)})")
    return entries


class _Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str | list[str]] = {}
    statuses: dict[str, str | list[str]] = {}
    date_format: str | None = None

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, columns):
        return _only(columns, sorted(_CONTRACT_COLUMNS), "a contract column")

    @field_validator("statuses")
    @classmethod
    def _known_statuses(cls, statuses):
        return _only(statuses, STATUSES, "a contract status")

    @field_validator("date_format")
    @classmethod
    def _readable_format(cls, date_format):
        if date_format is None:
            return None
        sample = dt.date(2025, 11, 27)
        written = pl.Series([sample.strftime(date_format)])
        read = written.str.to_date(date_format, strict=False)[0]
        if read != sample:
            raise ValueError(f"{date_format!r} does not read back a date (27 November 2025 "
                             f"is written {written[0]!r}); use day, month and year codes "
                             "such as %d.%m.%Y")
        return date_format


@dataclass(frozen=True)
class Profile:
    """One exporter's translation to the contract (empty: the contract as is)."""

    source: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # normalised header -> column
    statuses: dict[str, str] = field(default_factory=dict)  # normalised word -> status
    date_format: str | None = None

    def rename(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Give the profile's headers their contract names (before synonym matching)."""
        renames = {header: self.headers[normalise_header(header)] for header in frame.columns
                   if normalise_header(header) in self.headers}
        return frame.rename(renames) if renames else frame

    def translate(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Status words to contract statuses and dates to ISO; other values are left as read
        (an unknown word or an unreadable date is quarantined downstream, with its reason)."""
        changes = []
        if self.statuses and "status" in frame.columns:
            folded = _fold(pl.col("status"))
            changes.append(folded.replace_strict(self.statuses, default=pl.col("status"),
                                                 return_dtype=pl.String).alias("status"))
        if self.date_format:
            for column in DATE_COLUMNS:
                if column in frame.columns:
                    read = pl.col(column).str.strip_chars().str.to_date(self.date_format,
                                                                        strict=False)
                    changes.append(pl.coalesce(read.dt.to_string("%Y-%m-%d"), pl.col(column))
                                   .alias(column))
        return frame.with_columns(changes) if changes else frame


def _fold(expression: pl.Expr) -> pl.Expr:
    """The vectorised :func:`normalise_header`: no case, accents, spaces or punctuation."""
    return (expression.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "")
            .str.to_lowercase().str.replace_all(r"[^a-z0-9]", ""))


def load_profile(path: Path) -> Profile:
    """Read and validate one profile; raise :class:`InvalidProfile` with the fix."""
    where = f"{path.parent.name}/{path.name}"
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidProfile(f"{where} is not valid YAML ({str(exc).splitlines()[0]}); "
                             "see docs/sources.md for the syntax") from exc
    try:
        model = _Profile.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'profile'}: "
            f"{error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors())
        raise InvalidProfile(f"{where}: {problems}; see docs/sources.md") from exc
    return Profile(
        source=where,
        headers={normalise_header(header): column for column, headers in model.columns.items()
                 for header in _as_list(headers)},
        statuses={normalise_header(word): status for status, words in model.statuses.items()
                  for word in _as_list(words)},
        date_format=model.date_format,
    )


def load_profiles(home: Home) -> dict[str, Profile]:
    """Every profile of the home by exporter id; every error of every profile at once."""
    folder = home.root / "sources"
    profiles, errors = {}, []
    for path in sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml")):
        try:
            profiles[path.stem] = load_profile(path)
        except InvalidProfile as problem:
            errors.append(str(problem))
    if errors:
        raise InvalidProfile(" | ".join(errors))
    return profiles
