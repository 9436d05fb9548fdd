"""The directory of services given in data·inclusion form, as the rows of ``raw.services``.

``reference/data-inclusion/`` holds ``structures.<ext>`` and ``services.<ext>`` in
data·inclusion schema v1 (``ext`` one of ``json``, ``csv``, ``parquet``; JSON as an array of
objects or one object per line; in CSV a list is a JSON array text or ``|``- or
``,``-separated values; in Parquet a native list), or instead of both files one ``*.xlsx``
workbook in the producers' template of data·inclusion (below). Every record is validated with
the ``data-inclusion-schema`` models (``Structure``, ``Service``); a record that fails is left
out and reported, it never stops the run. A file that cannot be read at all, or a missing one,
raises :class:`~pipelines.ingest.reference.UnusableReference`.

The workbook (data·inclusion's ``dataset.xlsx``) has a sheet ``Structures`` and a sheet
``Services`` (names matched ignoring case and accents; the template's other sheets, one per
vocabulary, are not read), each with a header row of schema field names. Rows whose
``__ignore__`` cell is filled (the template's description and example rows) and blank rows are
skipped; a record without ``source`` takes the workbook's name without ``.xlsx`` (producers
leave it out: data·inclusion's own validator of the template does not require it). It is held
to the home's :class:`~reseau.home.Limits` and read through
:func:`pipelines.ingest.formats.open_workbook` (size, zip and XML bombs checked before openpyxl
opens it). A spreadsheet stores codes as numbers and drops their leading zeros, so before
validation:

- ``code_insee`` and ``code_postal``: ``59350.0`` is ``59350``, 4 digits get back their zero
  (``1053.0`` is ``01053``); text such as ``2A004`` stays as given;
- ``siret``: ``60487647500499.0`` is ``60487647500499``, 10 to 13 digits are left-padded to 14;
- ``zone_eligibilite`` items (a list given as text, ``"59350, 59000"`` or ``"59350,59000"``,
  or a single number): 1 or 2 digits are a département (``1.0`` is ``01``), 3 a département
  d'outre-mer (``971``), 4 or 5 a commune (``1053`` is ``01053``) or a country (``99100``), 6 to
  9 an EPCI (left-padded to 9); text such as ``2A``, ``2B033`` or ``france`` stays as given;
- the same holds for text holding such a number (``"59350.0"``, ``"1053"``);
- a code with decimals (``59350.5``) is never rounded: the record is left out and reported;
- other numbers in text fields become text (``17.0`` is ``17``); dates are date cells, and
  the other list fields are split on ``,`` (or ``|``) with spaces stripped.

When the folder holds both structures/services files and a workbook, the files win and the
workbook is ignored, with an issue; two workbooks (and no files) are refused, naming them.

Rules (data-contract.md, "The directory of services"):

- A **structure** becomes one service: ``service_id`` its ``id``, ``name`` its ``nom``,
  ``commune`` its ``code_insee`` (required here: a structure without it is left out).
- **competences**: the sorted union of its services' ``thematiques``. The contract's need
  codes that schema v1 lacks (the 16 family codes such as ``sante``, and
  ``protection-enfance``, ``justice``, ``violences``, ``handicap``, ``perte-autonomie``) are
  accepted in ``thematiques`` as an extension; any other code (older versions of the
  taxonomy, typos) is left out of the service and reported, the service kept.
- **served_area**: the sorted union of its services' ``zone_eligibilite``: communes and
  départements as given (a région is given there as its départements), ``france`` and
  ``99100`` as ``france``. EPCI codes (9 digits) and other country codes cannot be resolved
  with the COG files of the home: they are left out and reported. A service without
  ``zone_eligibilite`` serves its structure's département; when none of a structure's
  services gives one, ``served_area`` stays empty, which means the same downstream.
- ``capacity``, ``opened_on``, ``closed_on`` stay empty (capacity 1, always open).
- **sector**, first that applies:
  1. ``reference/sectors.csv`` (``service_id,sector``), the override;
  2. the structure's ``reseaux_porteurs``, through the ``reseau_porteur`` rows of
     ``data/sector_mapping.csv``; when they map to different sectors, the réseau that comes
     first in that file wins;
  3. the thematique families of its competences (the part before ``--``), through the
     ``thematique_family`` rows: the mapped family holding the most distinct competences,
     ties going to the family that comes first in the file;
  4. ``social``.
  Unknown service ids or sectors in the override are reported and ignored.

Only ``id``, ``nom``, ``code_insee`` and ``reseaux_porteurs`` of a structure, and
``structure_id``, ``id``, ``thematiques`` and ``zone_eligibilite`` of a service are kept:
contact fields (``telephone``, ``courriel``, ``adresse``, ``contact_nom_prenom``...) are
validated but never copied, not even into an issue's message.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
from pydantic import ValidationError

from pipelines.ingest.formats import UnreadableFile, open_workbook, sheet_table
from pipelines.ingest.sectors import (
    DirectoryIssue,
    load_sector_mapping,
    mapped_sector,
    read_sector_overrides,
)
from reseau.contract import EXTRA_NEED_CODES, plain
from reseau.errors import UnusableReference
from reseau.home import Limits

SUFFIXES = ("json", "csv", "parquet")
SERVICES_COLUMNS = ("service_id", "name", "sector", "commune", "competences", "served_area",
                    "capacity", "opened_on", "closed_on")
# ``offers``: the ids of the structure's data·inclusion services, by which DORA names targets.
RAW_SERVICES_SCHEMA = {"row_number": pl.Int32, **dict.fromkeys(SERVICES_COLUMNS, pl.String),
                       "offers": pl.String, "file": pl.String}
# Fields whose value may identify a person or reach one: never echoed, even in an error.
CONTACT_FIELDS = frozenset({"telephone", "courriel", "adresse", "complement_adresse",
                            "contact_nom_prenom"})
FRANCE_CODES = frozenset({"france", "99100"})
# The workbook's sheets, by the name of the files they stand for; the template's column marking
# its description and example rows.
SHEETS = {"structures": "Structures", "services": "Services"}
IGNORE_COLUMN = "__ignore__"
# Codes a spreadsheet stores as numbers (``zone_eligibilite`` too, item by item); a number, or
# the text of one, where a code is expected (``59350``, ``59350.0``).
CODE_FIELDS = frozenset({"code_insee", "code_postal", "siret"})
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
MAX_ERRORS_SHOWN = 3
MAX_MESSAGE = 100


# --- reading the files ----------------------------------------------------------------------

def workbooks(folder: Path) -> list[Path]:
    """The ``*.xlsx`` files of ``folder`` (not Excel's ``~$`` lock files, not hidden ones)."""
    return sorted(path for path in folder.iterdir()
                  if path.suffix.lower() == ".xlsx" and not path.name.startswith(("~$", "."))
                  and path.is_file())


def directory_files(folder: Path) -> dict[str, Path]:
    """``{"structures": path, "services": path}`` of ``folder``; raises UnusableReference.

    Without any structures or services file, a single workbook stands for both (the same
    path twice); with them, workbooks are not read (:func:`read_directory` says so).
    """
    found = {name: [folder / f"{name}.{ext}" for ext in SUFFIXES
                    if (folder / f"{name}.{ext}").is_file()]
             for name in ("structures", "services")}
    books = workbooks(folder)
    if books and not any(found.values()):
        if len(books) > 1:
            raise UnusableReference(
                f"{len(books)} workbooks in {folder} ({', '.join(b.name for b in books)}): the "
                "directory in data·inclusion form is one workbook (sheets Structures and "
                "Services); keep only one of them")
        return dict.fromkeys(found, books[0])
    for name, paths in found.items():
        if not paths:
            unread = (f" ({', '.join(b.name for b in books)} is not read while a structures "
                      "or services file is there)" if books else "")
            raise UnusableReference(
                f"no {name} file in {folder}: the directory in data·inclusion form needs "
                f"{name}.json, {name}.csv or {name}.parquet (data·inclusion schema v1), or "
                f"instead of both files one XLSX workbook with sheets Structures and "
                f"Services{unread}; add it, or give the directory as reference/services.csv "
                "instead")
        if len(paths) > 1:
            raise UnusableReference(
                f"{len(paths)} {name} files in {folder} ({', '.join(p.name for p in paths)}): "
                "keep only one of them")
    return {name: paths[0] for name, paths in found.items()}


def _unreadable(path: Path, problem: str, fix: str) -> UnusableReference:
    return UnusableReference(f"{path} cannot be read: {problem}; {fix}")


@dataclass(frozen=True)
class _BrokenLine:
    """A line of a JSON-lines file that is not JSON: reported, the other lines are read."""

    error: str


def _read_json(path: Path) -> list:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _unreadable(path, str(exc), "write it as UTF-8 JSON") from exc
    fix = "write an array of objects or one object per line"
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _unreadable(path, f"broken JSON ({exc})", fix) from exc
        if not isinstance(records, list):
            raise _unreadable(path, "not an array of objects", fix)
        return records
    records = []
    for line in text.splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                records.append(_BrokenLine(str(exc)))
    if records and all(isinstance(record, _BrokenLine) for record in records):
        raise _unreadable(path, f"broken JSON ({records[0].error})", fix)
    return records


def _read_csv(path: Path) -> list:
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except Exception as exc:  # polars raises several error types for a broken CSV
        raise _unreadable(path, f"not a CSV file ({str(exc).splitlines()[0]})",
                          "write UTF-8 CSV, comma-separated, with a header line") from exc
    return frame.to_dicts()


def _read_parquet(path: Path) -> list:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several error types for a broken file
        raise _unreadable(path, f"not a Parquet file ({str(exc).splitlines()[0]})",
                          "write it again as Parquet, or give it as JSON or CSV") from exc
    return frame.to_dicts()


def read_records(path: Path) -> list:
    """The records of one file, as dicts (CSV cells as text, empty cells as None)."""
    reader = {"json": _read_json, "csv": _read_csv, "parquet": _read_parquet}[path.suffix[1:]]
    return reader(path)


@dataclass(frozen=True)
class _Source:
    """The records of one file or sheet, and how issues name it."""

    name: str  # the file, or the workbook and the sheet
    records: list
    rows: tuple[int, ...] | None = None  # in a sheet, the row of each record

    @property
    def from_sheet(self) -> bool:
        return self.rows is not None


def _folded(name: str) -> str:
    """A sheet name ignoring case, accents and surrounding spaces."""
    return plain(name).strip()


def _sheet_value(value):
    """A cell as openpyxl gives it, text stripped, a date cell as a date; blank as None."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def _sheet_records(path: Path, title: str, header: list | None,
                   body: list[tuple[int, list]]) -> _Source:
    """The records of one sheet: a dict per row, keyed by the header's field names."""
    where = f"{path.name} (sheet {title})"
    if header is None:  # a blank sheet: no records
        return _Source(where, [], ())
    names = [None if value is None else str(value).strip() or None for value in header]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UnusableReference(f"{path}: the header {name!r} appears twice in sheet {title}; "
                                   "keep one column per field")
        if name is not None:
            seen.add(name)
    ignore = names.index(IGNORE_COLUMN) if IGNORE_COLUMN in names else None
    records, rows = [], []
    for number, cells in body:
        if ignore is not None and cells[ignore] not in (None, False, 0):
            continue  # the template's description and example rows
        record = {name: value for name, value in zip(names, cells, strict=True)
                  if name is not None and name != IGNORE_COLUMN and value is not None}
        if record:
            record.setdefault("source", path.stem)  # producers leave it out of the template
            records.append(record)
            rows.append(number)
    return _Source(where, records, tuple(rows))


def _sheet_named(sheets: list[str], wanted: str, path: Path) -> str:
    matches = [title for title in sheets if _folded(title) == _folded(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnusableReference(f"{path} has {len(matches)} sheets named {wanted} "
                               f"({', '.join(map(repr, matches))}): keep only one of them")
    raise UnusableReference(
        f"{path} has no sheet {wanted} (its sheets: {', '.join(sheets) or 'none'}): the "
        "directory as a workbook follows data·inclusion's template, one sheet Structures and "
        "one sheet Services, each with a header row of schema field names; rename the sheet, "
        "or give structures and services files instead")


def read_workbook(path: Path, limits: Limits = Limits()) -> dict[str, _Source]:
    """The records of the sheets ``Structures`` and ``Services`` of a workbook in
    data·inclusion's template, cells as openpyxl gives them (see the module's docstring)."""
    try:
        with open_workbook(path, limits) as book:
            titles = {name: _sheet_named(book.sheetnames, wanted, path)
                      for name, wanted in SHEETS.items()}
            tables = {name: sheet_table(book[title], limits, _sheet_value, f"sheet {title}")
                      for name, title in titles.items()}
    except UnreadableFile as exc:
        raise UnusableReference(f"{path} cannot be read: {exc}") from exc
    return {name: _sheet_records(path, titles[name], *table) for name, table in tables.items()}


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


def _from_sheet(record: dict, model: type) -> tuple[dict, list[str]]:
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


def _prepare(record: dict, model: type) -> dict:
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


def _label(record, position: int, source: _Source) -> str:
    if isinstance(record, dict) and isinstance(record.get("id"), str) and record["id"].strip():
        return record["id"]
    return f"row {source.rows[position - 1]}" if source.from_sheet else f"record {position}"


@cache
def _v1_codes() -> frozenset[str]:
    from data_inclusion.schema.v1.thematiques import Thematique

    return frozenset(t.value for t in Thematique)


def _validated(source: _Source, model: type, issues: list[DirectoryIssue],
               extension=frozenset()):
    """(position, model instance, extension thematiques) of each valid record of ``source``."""
    kept = []
    for position, record in enumerate(source.records, start=1):
        label = _label(record, position, source)
        if isinstance(record, _BrokenLine):
            issues.append(DirectoryIssue(source.name, label,
                                         f"broken JSON line ({record.error}): left out"))
            continue
        if not isinstance(record, dict):
            issues.append(DirectoryIssue(source.name, label, "not an object: left out"))
            continue
        if source.from_sheet:
            record, problems = _from_sheet(record, model)
            label = _label(record, position, source)
            if problems:
                issues.append(DirectoryIssue(source.name, label,
                                             f"left out: {'; '.join(problems)}"))
                continue
        record = _prepare(record, model)
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


def _departement_of(commune: str) -> str:
    return commune[:3] if commune.startswith("97") else commune[:2]


def _served(zone: list[str], service_file: str, service_id: str,
            issues: list[DirectoryIssue]) -> set[str]:
    """The codes of one ``zone_eligibilite`` réseau can use; the others are reported."""
    served, epci, countries = set(), [], []
    for code in zone:
        if code in FRANCE_CODES:
            served.add("france")
        elif len(code) == 9 and code.isdigit():
            epci.append(code)
        elif len(code) == 5 and code.startswith("99"):
            countries.append(code)
        else:
            served.add(code)
    if epci:
        issues.append(DirectoryIssue(
            service_file, service_id,
            f"{len(epci)} EPCI code(s) left out of zone_eligibilite ({', '.join(epci)}): the "
            "COG files of the home cannot resolve an EPCI; list its communes instead"))
    if countries:
        issues.append(DirectoryIssue(
            service_file, service_id,
            f"{len(countries)} foreign country code(s) left out of zone_eligibilite "
            f"({', '.join(countries)}): only France (99100 or france) is served here"))
    return served


def read_directory(folder: Path, sectors_file: Path | None = None,
                   limits: Limits | None = None) -> tuple[pl.DataFrame, list[DirectoryIssue]]:
    """The rows of ``raw.services`` from a data·inclusion folder, and the issues met.

    Parameters
    ----------
    folder : pathlib.Path
        ``reference/data-inclusion/`` of a home.
    sectors_file : pathlib.Path, optional
        The sector override (``reference/sectors.csv``); ignored when absent.
    limits : reseau.home.Limits, optional
        What a workbook may weigh (the home's ``[limits]``); the defaults when not given.

    Returns
    -------
    (polars.DataFrame, list of DirectoryIssue)
        One text row per kept structure, with the columns of the canonical directory plus
        ``row_number`` (its position in the structures file or sheet, blank and ignored
        rows not counted) and ``file``.
    """
    from data_inclusion.schema.v1 import Categorie, Service, Structure

    files = directory_files(folder)
    issues: list[DirectoryIssue] = []
    if files["structures"] == files["services"]:  # the workbook
        sources = read_workbook(files["structures"], limits or Limits())
    else:
        for book in workbooks(folder):
            issues.append(DirectoryIssue(
                book.name, "workbook",
                f"ignored: {files['structures'].name} and {files['services'].name} are present "
                "and win; remove the workbook or those files"))
        sources = {name: _Source(path.name, read_records(path)) for name, path in files.items()}
    structures_name = sources["structures"].name
    structures: dict[str, tuple[int, object]] = {}
    for position, structure, _ in _validated(sources["structures"], Structure, issues):
        if structure.id in structures:
            issues.append(DirectoryIssue(structures_name, structure.id,
                                         f"id given again (record {position}): left out"))
        elif structure.code_insee is None:
            issues.append(DirectoryIssue(structures_name, structure.id,
                                         "no code_insee: the commune where it sits is "
                                         "required; left out"))
        else:
            structures[structure.id] = (position, structure)

    extension = frozenset({c.value for c in Categorie} | set(EXTRA_NEED_CODES))
    competences: dict[str, set[str]] = {sid: set() for sid in structures}
    zones: dict[str, list[set[str] | None]] = {sid: [] for sid in structures}
    offers: dict[str, list[str]] = {sid: [] for sid in structures}
    services_name = sources["services"].name
    for _, service, extra in _validated(sources["services"], Service, issues, extension):
        if service.structure_id not in structures:
            issues.append(DirectoryIssue(
                services_name, service.id,
                f"structure_id {service.structure_id!r} is not a structure kept from "
                f"{structures_name}: left out"))
            continue
        offers[service.structure_id].append(service.id)
        competences[service.structure_id] |= {t.value for t in service.thematiques or ()}
        competences[service.structure_id] |= extra
        zones[service.structure_id].append(
            None if service.zone_eligibilite is None else
            _served(service.zone_eligibilite, services_name, service.id, issues))

    mapping = load_sector_mapping()
    overrides = (read_sector_overrides(sectors_file, issues, set(structures))
                 if sectors_file is not None and sectors_file.is_file() else {})
    rows = []
    for sid, (position, structure) in structures.items():
        if not competences[sid]:
            issues.append(DirectoryIssue(structures_name, sid,
                                         "no valid service with thematiques: kept without "
                                         "competences"))
        given = [zone for zone in zones[sid] if zone is not None]
        served = set().union(*given)
        if given and len(given) < len(zones[sid]):  # some services serve the default area
            served.add(_departement_of(structure.code_insee))
        reseaux = {r.value for r in structure.reseaux_porteurs or ()}
        sector = overrides.get(sid) or mapped_sector(reseaux, competences[sid], mapping)
        rows.append({
            "row_number": position, "service_id": sid, "name": structure.nom,
            "sector": sector, "commune": structure.code_insee,
            "competences": "|".join(sorted(competences[sid])) or None,
            "served_area": "|".join(sorted(served)) or None,
            "capacity": None, "opened_on": None, "closed_on": None,
            "offers": "|".join(sorted(offers[sid])) or None,
            "file": files["structures"].name,
        })
    return pl.DataFrame(rows, schema=RAW_SERVICES_SCHEMA), issues
