"""The directory of services given in data·inclusion form, as the rows of ``raw.services``.

``reference/data-inclusion/`` holds ``structures.<ext>`` and ``services.<ext>`` in
data·inclusion schema v1 (``ext`` one of ``json``, ``csv``, ``parquet``; JSON as an array of
objects or one object per line; in CSV a list is a JSON array text or ``|``- or
``,``-separated values; in Parquet a native list). Every record is validated with the
``data-inclusion-schema`` models (``Structure``, ``Service``); a record that fails is left out
and reported, it never stops the run. A file that cannot be read at all, or a missing one,
raises :class:`~pipelines.ingest.reference.MissingReference`.

Rules (data-contract.md, "The directory of services"):

- A **structure** becomes one service: ``service_id`` its ``id``, ``name`` its ``nom``,
  ``commune`` its ``code_insee`` (required here: a structure without it is left out).
- **competences**: the sorted union of its services' ``thematiques``. The contract's need
  codes that schema v1 lacks (the 16 family codes such as ``sante``, and
  ``protection-enfance``, ``justice``, ``violences``, ``handicap``, ``perte-autonomie``) are
  accepted in ``thematiques`` as an extension; any other unknown code fails validation.
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

import itertools
import json
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
from pydantic import ValidationError

from pipelines.ingest.reference import EXTRA_NEED_CODES, MissingReference
from pipelines.ingest.sectors import (
    DirectoryIssue,
    load_sector_mapping,
    mapped_sector,
    read_sector_overrides,
)

FORMS = ("json", "csv", "parquet")
SERVICES_COLUMNS = ("service_id", "name", "sector", "commune", "competences", "served_area",
                    "capacity", "opened_on", "closed_on")
# ``offers``: the ids of the structure's data·inclusion services, by which DORA names targets.
RAW_SERVICES_SCHEMA = {"row_number": pl.Int32, **dict.fromkeys(SERVICES_COLUMNS, pl.String),
                       "offers": pl.String, "file": pl.String}
# Fields whose value may identify a person or reach one: never echoed, even in an error.
CONTACT_FIELDS = frozenset({"telephone", "courriel", "adresse", "complement_adresse",
                            "contact_nom_prenom"})
FRANCE_CODES = frozenset({"france", "99100"})
MAX_ERRORS_SHOWN = 3
MAX_MESSAGE = 100


# --- reading the files ----------------------------------------------------------------------

def directory_files(folder: Path) -> dict[str, Path]:
    """``{"structures": path, "services": path}`` of ``folder``; raises MissingReference."""
    found = {}
    for name in ("structures", "services"):
        paths = [folder / f"{name}.{ext}" for ext in FORMS if (folder / f"{name}.{ext}").is_file()]
        if not paths:
            raise MissingReference(
                f"no {name} file in {folder}: the directory in data·inclusion form needs "
                f"{name}.json, {name}.csv or {name}.parquet (data·inclusion schema v1); add "
                "it, or give the directory as reference/services.csv instead")
        if len(paths) > 1:
            raise MissingReference(
                f"{len(paths)} {name} files in {folder} ({', '.join(p.name for p in paths)}): "
                "keep only one of them")
        found[name] = paths[0]
    return found


def _unreadable(path: Path, problem: str, fix: str) -> MissingReference:
    return MissingReference(f"{path} cannot be read: {problem}; {fix}")


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


@cache
def _list_fields(model: type) -> frozenset[str]:
    """Fields of a pydantic model typed as a list or a set (possibly optional)."""
    names = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        args = (typing.get_args(annotation)
                if typing.get_origin(annotation) in (typing.Union, types.UnionType)
                else (annotation,))
        if any(typing.get_origin(arg) in (list, set, frozenset) for arg in args):
            names.add(name)
    return frozenset(names)


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


def _label(record, position: int) -> str:
    if isinstance(record, dict) and isinstance(record.get("id"), str) and record["id"].strip():
        return record["id"]
    return f"record {position}"


def _validated(path: Path, model: type, issues: list[DirectoryIssue], extension=frozenset()):
    """(position, model instance, extension thematiques) of each valid record of ``path``."""
    kept = []
    for position, record in enumerate(read_records(path), start=1):
        label = _label(record, position)
        if isinstance(record, _BrokenLine):
            issues.append(DirectoryIssue(path.name, label,
                                         f"broken JSON line ({record.error}): left out"))
            continue
        if not isinstance(record, dict):
            issues.append(DirectoryIssue(path.name, label, "not an object: left out"))
            continue
        record = _prepare(record, model)
        extra: set[str] = set()
        if extension and isinstance(record.get("thematiques"), list | tuple):
            codes = record["thematiques"]
            extra = {code for code in codes if isinstance(code, str) and code in extension}
            record["thematiques"] = [code for code in codes if code not in extra] or None
        try:
            instance = model.model_validate(record)
        except ValidationError as exc:
            issues.append(DirectoryIssue(path.name, label, f"left out: {_short(exc)}"))
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


def read_directory(folder: Path, sectors_file: Path | None = None
                   ) -> tuple[pl.DataFrame, list[DirectoryIssue]]:
    """The rows of ``raw.services`` from a data·inclusion folder, and the issues met.

    Parameters
    ----------
    folder : pathlib.Path
        ``reference/data-inclusion/`` of a home.
    sectors_file : pathlib.Path, optional
        The sector override (``reference/sectors.csv``); ignored when absent.

    Returns
    -------
    (polars.DataFrame, list of DirectoryIssue)
        One text row per kept structure, with the columns of the canonical directory plus
        ``row_number`` (its position in the structures file) and ``file``.
    """
    from data_inclusion.schema.v1 import Categorie, Service, Structure

    files = directory_files(folder)
    issues: list[DirectoryIssue] = []
    structures: dict[str, tuple[int, object]] = {}
    for position, structure, _ in _validated(files["structures"], Structure, issues):
        if structure.id in structures:
            issues.append(DirectoryIssue(files["structures"].name, structure.id,
                                         f"id given again (record {position}): left out"))
        elif structure.code_insee is None:
            issues.append(DirectoryIssue(files["structures"].name, structure.id,
                                         "no code_insee: the commune where it sits is "
                                         "required; left out"))
        else:
            structures[structure.id] = (position, structure)

    extension = frozenset({c.value for c in Categorie} | set(EXTRA_NEED_CODES))
    competences: dict[str, set[str]] = {sid: set() for sid in structures}
    zones: dict[str, list[set[str] | None]] = {sid: [] for sid in structures}
    offers: dict[str, list[str]] = {sid: [] for sid in structures}
    services_name = files["services"].name
    for _, service, extra in _validated(files["services"], Service, issues, extension):
        if service.structure_id not in structures:
            issues.append(DirectoryIssue(
                services_name, service.id,
                f"structure_id {service.structure_id!r} is not a structure kept from "
                f"{files['structures'].name}: left out"))
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
            issues.append(DirectoryIssue(files["structures"].name, sid,
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
