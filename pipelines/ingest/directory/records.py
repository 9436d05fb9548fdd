"""Each record of the directory validated with data·inclusion's schema models (``Structure``,
``Service``): what is left out is reported, never echoing a contact field; a sheet's cells
made what the other forms give (codes with their zeros, lists, text)."""

from __future__ import annotations

import itertools
import json
import re
import types
import typing
from functools import cache

from pydantic import ValidationError

from pipelines.ingest.directory.files import BrokenLine, Source
from pipelines.ingest.sectors import DirectoryIssue

# Fields whose value may identify a person or reach one: never echoed, even in an error.
CONTACT_FIELDS = frozenset({"telephone", "courriel", "adresse", "complement_adresse",
                            "contact_nom_prenom"})
# Codes a spreadsheet stores as numbers (``zone_eligibilite`` too, item by item); a number, or
# the text of one, where a code is expected (``59350``, ``59350.0``).
CODE_FIELDS = frozenset({"code_insee", "code_postal", "siret"})
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
MAX_ERRORS_SHOWN = 3
MAX_MESSAGE = 100


def _types(annotation) -> tuple:
    """The types a (possibly optional) annotation admits."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


@cache
def _list_fields(model: type) -> frozenset[str]:
    """Fields of a pydantic model typed as a list or a set (possibly optional)."""
    return frozenset(name for name, field in model.model_fields.items()
                     if any(typing.get_origin(arg) in (list, set, frozenset)
                            for arg in _types(field.annotation)))


@cache
def _number_fields(model: type) -> frozenset[str]:
    """Fields of a pydantic model that take a number (``longitude``, ``nombre_semaines``...)."""
    return frozenset(name for name, field in model.model_fields.items()
                     if any(arg in (int, float) for arg in _types(field.annotation)))


class _NotACode(ValueError):
    """A number with decimals where a code is expected."""


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _digits(value) -> str | None:
    """The digits of a code given as a number or as the text of a number (``59350.0`` is
    ``59350``); None for anything else (left to validation); decimals raise _NotACode."""
    if _is_number(value):
        if isinstance(value, float) and not value.is_integer():
            raise _NotACode(f"{value!r} is a number with decimals, not a code")
        return str(int(value)) if value >= 0 else None
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        whole, _, decimals = value.strip().partition(".")
        if decimals.strip("0"):
            raise _NotACode(f"{value.strip()!r} is a number with decimals, not a code")
        return whole
    return None


def _code(field: str, value):
    """``code_insee``, ``code_postal`` or ``siret`` with the zeros a spreadsheet dropped."""
    digits = _digits(value)
    if digits is None:
        return value
    if field == "siret":
        return digits.zfill(14) if 10 <= len(digits) < 14 else digits
    return digits.zfill(5) if len(digits) == 4 else digits


def _zone_code(value):
    """One ``zone_eligibilite`` item: département, commune, country or EPCI by its length."""
    digits = _digits(value)
    if digits is None:
        return value
    if len(digits) <= 2:
        return digits.zfill(2)  # a département: 1 is 01
    if len(digits) == 4:
        return digits.zfill(5)  # a commune: 1053 is 01053
    if 6 <= len(digits) <= 9:
        return digits.zfill(9)  # an EPCI (a SIREN)
    return digits  # 971, a commune, a country, or too long: validation says


def _as_text(number: int | float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(number)


def from_sheet(record: dict, model: type) -> tuple[dict, list[str]]:
    """A sheet's record as the other forms give it: codes as text with their zeros, the zone
    a list, numbers in text fields as text; and the codes with decimals found."""
    lists, numbers = _list_fields(model), _number_fields(model)
    adapted, problems = {}, []
    for key, value in record.items():
        try:
            if key in CODE_FIELDS:
                value = _code(key, value)
            elif key == "zone_eligibilite":
                items = _split_list(value) if isinstance(value, str) else [value]
                value = ([_zone_code(item) for item in items] if isinstance(items, list)
                         else items)
            elif _is_number(value) and key in lists:
                value = [_as_text(value)]
            elif _is_number(value) and key not in numbers:
                value = _as_text(value)
        except _NotACode as exc:
            problems.append(f"{key}: {exc}")
        adapted[key] = value
    return adapted, problems


def _split_list(text: str):
    text = text.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return text  # let validation say what is wrong
        return value if value else None
    separator = "|" if "|" in text else ","
    values = [part.strip() for part in text.split(separator) if part.strip()]
    return values or None


def prepare(record: dict, model: type) -> dict:
    """Empty text as missing; list fields given as text made lists."""
    lists = _list_fields(model)
    prepared = {}
    for key, value in record.items():
        if isinstance(value, str) and not value.strip():
            value = None
        elif isinstance(value, str) and key in lists:
            value = _split_list(value)
        prepared[key] = value
    return prepared


def _short(exc: ValidationError) -> str:
    """The validation errors in a line; values of contact fields are never shown."""
    grouped: dict[tuple, list[dict]] = {}
    for error in exc.errors(include_url=False, include_context=False):
        # The field and list positions; what follows names the branch of a union type.
        loc = error["loc"][:1] + tuple(
            itertools.takewhile(lambda part: isinstance(part, int), error["loc"][1:]))
        grouped.setdefault(loc, []).append(error)
    parts = []
    for loc, errors in list(grouped.items())[:MAX_ERRORS_SHOWN]:
        error = errors[0]
        shown = isinstance(error["input"], str) and not (loc and loc[0] in CONTACT_FIELDS)
        if loc and loc[0] in CONTACT_FIELDS:
            message = "invalid value (not shown: contact field)"
        elif shown and (len(errors) > 1 or error["type"] in ("enum", "literal_error")):
            message = f"{error['input'][:60]!r} is not a value of data·inclusion schema v1"
        else:
            message = error["msg"].removeprefix("Value error, ")
            if len(message) > MAX_MESSAGE:
                message = message[:MAX_MESSAGE - 3] + "..."
        parts.append(f"{'.'.join(str(part) for part in loc) or 'record'}: {message}")
    if len(grouped) > MAX_ERRORS_SHOWN:
        parts.append(f"and {len(grouped) - MAX_ERRORS_SHOWN} more error(s)")
    return "; ".join(parts)


def _label(record, position: int, source: Source) -> str:
    if isinstance(record, dict) and isinstance(record.get("id"), str) and record["id"].strip():
        return record["id"]
    return f"row {source.rows[position - 1]}" if source.from_sheet else f"record {position}"


@cache
def _v1_codes() -> frozenset[str]:
    from data_inclusion.schema.v1.thematiques import Thematique

    return frozenset(t.value for t in Thematique)


def validated(source: Source, model: type, issues: list[DirectoryIssue],
               extension=frozenset()):
    """(position, model instance, extension thematiques) of each valid record of ``source``."""
    kept = []
    for position, record in enumerate(source.records, start=1):
        label = _label(record, position, source)
        if isinstance(record, BrokenLine):
            issues.append(DirectoryIssue(source.name, label,
                                         f"broken JSON line ({record.error}): left out"))
            continue
        if not isinstance(record, dict):
            issues.append(DirectoryIssue(source.name, label, "not an object: left out"))
            continue
        if source.from_sheet:
            record, problems = from_sheet(record, model)
            label = _label(record, position, source)
            if problems:
                issues.append(DirectoryIssue(source.name, label,
                                             f"left out: {'; '.join(problems)}"))
                continue
        record = prepare(record, model)
        extra: set[str] = set()
        if extension and isinstance(record.get("thematiques"), list | tuple):
            codes = record["thematiques"]
            extra = {code for code in codes if isinstance(code, str) and code in extension}
            # Codes of older versions of the taxonomy are common in real data: they are
            # left out, not the whole service with them.
            unknown = [code for code in codes if code not in extra and code not in _v1_codes()]
            if unknown:
                shown = ", ".join(str(code)[:60] for code in unknown[:MAX_ERRORS_SHOWN])
                issues.append(DirectoryIssue(
                    source.name, label, f"{len(unknown)} thematique code(s) that are not "
                    f"data·inclusion v1 codes nor the contract's left out ({shown})"))
            record["thematiques"] = [code for code in codes
                                     if code not in extra and code not in unknown] or None
        try:
            instance = model.model_validate(record)
        except ValidationError as exc:
            issues.append(DirectoryIssue(source.name, label, f"left out: {_short(exc)}"))
            continue
        kept.append((position, instance, extra))
    return kept
