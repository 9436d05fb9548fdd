"""The directory of services given in data·inclusion form, as the rows of ``raw.services``.

``reference/data-inclusion/`` holds ``structures.<ext>`` and ``services.<ext>`` in
data·inclusion schema v1 (``ext`` one of ``json``, ``csv``, ``parquet``; JSON as an array of
objects or one object per line; in CSV a list is a JSON array text or ``|``- or
``,``-separated values; in Parquet a native list), or instead of both files one ``*.xlsx``
workbook in the producers' template of data·inclusion (below). Every record is validated with
the ``data-inclusion-schema`` models (``Structure``, ``Service``); a record that fails is left
out and reported, it never stops the run. A file that cannot be read at all, or a missing one,
raises :class:`~reseau.errors.UnusableReference`.

The workbook (data·inclusion's ``dataset.xlsx``) has a sheet ``Structures`` and a sheet
``Services`` (names matched ignoring case and accents; the template's other sheets, one per
vocabulary, are not read), each with a header row of schema field names. Rows whose
``__ignore__`` cell is filled (the template's description and example rows) and blank rows are
skipped; a record without ``source`` takes the workbook's name without ``.xlsx`` (producers
leave it out: data·inclusion's own validator of the template does not require it). It is held
to the home's :class:`~reseau.settings.Limits` and read through
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

The modules beside: ``files.py`` finds and reads the files, ``workbook.py`` reads the
producers' workbook, ``records.py`` validates each record with the schema's models (and
gives a spreadsheet's codes back their zeros); this module applies the rules below them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.ingest.directory.files import Source, directory_files, read_records, workbooks
from pipelines.ingest.directory.records import validated
from pipelines.ingest.directory.workbook import read_workbook
from pipelines.ingest.sectors import (
    DirectoryIssue,
    load_sector_mapping,
    mapped_sector,
    read_sector_overrides,
)
from reseau.contract import EXTRA_NEED_CODES
from reseau.settings import Limits

__all__ = ["RAW_SERVICES_SCHEMA", "SERVICES_COLUMNS", "directory_files", "read_directory"]

SERVICES_COLUMNS = ("service_id", "name", "sector", "commune", "competences", "served_area",
                    "capacity", "opened_on", "closed_on")
# ``offers``: the ids of the structure's data·inclusion services, by which DORA names targets.
RAW_SERVICES_SCHEMA = {"row_number": pl.Int32, **dict.fromkeys(SERVICES_COLUMNS, pl.String),
                       "offers": pl.String, "file": pl.String}
FRANCE_CODES = frozenset({"france", "99100"})


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
    limits : reseau.settings.Limits, optional
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
        sources = {name: Source(path.name, read_records(path)) for name, path in files.items()}
    structures_name = sources["structures"].name
    structures: dict[str, tuple[int, object]] = {}
    for position, structure, _ in validated(sources["structures"], Structure, issues):
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
    for _, service, extra in validated(sources["services"], Service, issues, extension):
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
