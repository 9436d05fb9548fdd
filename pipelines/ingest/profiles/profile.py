"""A checked profile, compiled per kind of export, and the loading of ``sources/*.yml``."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from pipelines.ingest.columns import EXPORT_KINDS
from pipelines.ingest.profiles.schema import (
    DEFAULT_SERIES,
    DEFAULT_TIME_ZONE,
    Constant,
    ProfileModel,
    Section,
    StatusRule,
    as_list,
)
from reseau.contract import fold, plain
from reseau.errors import UserError
from reseau.home import Home


class InvalidProfile(UserError):
    """A mapping profile cannot be used; the message names the file, the entry and the fix."""


_COPY = re.compile(r"\s*\(\d+\)$")  # " (1)": a second download of the same file


@dataclass(frozen=True)
class KindProfile:
    """How one exporter's files of one kind translate to the contract (empty: as is).

    Words, placeholders and headers are kept folded (:func:`fold`).
    """

    headers: Mapping[str, str] = field(default_factory=dict)  # folded header -> column
    constants: Mapping[str, str] = field(default_factory=dict)  # column -> value
    statuses: Mapping[str, str] = field(default_factory=dict)  # folded word -> status
    # (folded status words, folded refusal reasons, status): tried before single words.
    status_rules: tuple[tuple[frozenset[str], frozenset[str], str], ...] = ()
    date_formats: tuple[str, ...] = ()
    time_zone: str = DEFAULT_TIME_ZONE
    placeholders: frozenset[str] = frozenset()
    list_separator: str | None = None
    # One series for every file, or (series, file-name patterns) tried in order.
    series: str | tuple[tuple[str, tuple[str, ...]], ...] = DEFAULT_SERIES

    def series_of(self, file_name: str) -> str:
        """The series a file belongs to, from its name (data-contract.md, "Re-delivery").

        Names and patterns are compared without case or accents, and without the ``(1)`` a
        browser adds to a file downloaded twice (``candidatures-2025-03 (1).xlsx``)."""
        if isinstance(self.series, str):
            return self.series
        stem, dot, suffix = file_name.rpartition(".")
        folded = plain(f"{_COPY.sub('', stem)}{dot}{suffix}" if dot else _COPY.sub("", suffix))
        for name, patterns in self.series:
            if any(fnmatch.fnmatchcase(folded, plain(pattern)) for pattern in patterns):
                return name
        return DEFAULT_SERIES


@dataclass(frozen=True)
class Profile:
    """One exporter's profile file: a :class:`KindProfile` per kind of export."""

    source: str = ""
    kinds: Mapping[str, KindProfile] = field(default_factory=dict)

    def for_kind(self, kind: str) -> KindProfile:
        return self.kinds.get(kind, KindProfile())


def _words(value) -> list[str]:
    return [fold(word) for word in as_list(value)]


def compile_section(sections: list[Section], columns: list[str]) -> KindProfile:
    """Merge ``sections`` (later ones win) into what applies to a kind with ``columns``."""
    headers: dict[str, str] = {}
    constants: dict[str, str] = {}
    statuses: dict[str, str] = {}
    rules: list[tuple[frozenset[str], frozenset[str], str]] = []  # first wins
    formats: list[str] = []
    placeholders: set[str] = set()
    zone, separator, series = DEFAULT_TIME_ZONE, None, DEFAULT_SERIES
    for section in sections:
        for column, given in section.columns.items():
            if column not in columns:
                continue  # a top-level entry for another kind's column
            # A later section's entry replaces the earlier one for that column.
            headers = {header: name for header, name in headers.items() if name != column}
            constants.pop(column, None)
            if isinstance(given, Constant):
                constants[column] = given.constant
            else:
                headers.update({fold(header): column for header in as_list(given)})
        if "status" in columns:
            section_rules = []
            for status, words in section.statuses.items():
                for word in as_list(words):
                    if isinstance(word, StatusRule):
                        section_rules.append((frozenset(_words(word.status)),
                                              frozenset(_words(word.refusal_reason)), status))
                    else:
                        statuses[fold(word)] = status
            rules = section_rules + rules  # a later section's rules win
        formats = [*section.date_formats, *([section.date_format] if section.date_format else []),
                   *formats]
        placeholders |= set(_words(section.placeholders))
        zone = section.time_zone or zone
        separator = section.list_separator or separator
        if isinstance(section.series, str):
            series = section.series
        elif section.series:
            series = tuple((name, tuple(as_list(patterns)))
                           for name, patterns in section.series.items())
    return KindProfile(headers=headers, constants=constants, statuses=statuses,
                       status_rules=tuple(rules), date_formats=tuple(dict.fromkeys(formats)),
                       time_zone=zone, placeholders=frozenset(placeholders) - {""},
                       list_separator=separator, series=series)


def compile_profile(model: ProfileModel, source: str) -> Profile:
    kinds = {}
    for name, kind in EXPORT_KINDS.items():
        sections = [model, *([getattr(model, name)] if getattr(model, name) else [])]
        kinds[name] = compile_section(sections, kind.column_names)
    return Profile(source=source, kinds=kinds)


def validation_problems(exc: ValidationError) -> str:
    """The errors of a pydantic model in one line: ``entry: problem; entry: problem``."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'profile'}: "
        f"{error['msg'].removeprefix('Value error, ')}"
        for error in exc.errors(include_url=False))


def read_yaml(path: Path, where: str):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidProfile(f"{where} is not valid YAML ({str(exc).splitlines()[0]}); "
                             "see docs/sources.md for the syntax") from exc


def load_profile(path: Path) -> Profile:
    """Read and check one profile; raise :class:`InvalidProfile` with the fix."""
    where = f"{path.parent.name}/{path.name}"
    document = read_yaml(path, where)
    try:
        model = ProfileModel.model_validate(document)
    except ValidationError as exc:
        raise InvalidProfile(f"{where}: {validation_problems(exc)}; see docs/sources.md"
                             ) from exc
    return compile_profile(model, where)


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
