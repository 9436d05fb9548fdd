"""The directory of a home rewritten in data·inclusion form, for tests and demos.

:func:`write_data_inclusion_directory` turns ``reference/services.csv`` into
``reference/data-inclusion/structures.<ext>`` and ``services.<ext>`` (schema v1) that the
pipeline reads back as the same directory (:mod:`pipelines.ingest.directory`), then removes
``services.csv`` so that the folder is the form in use:

- one structure per service, with its id, name and commune (``code_insee``);
- one data·inclusion service per thematique family of its competences, so that the union of
  their ``thematiques`` gives the competences back (family codes and the contract's own need
  codes are written as they are: the reader accepts them as an extension of schema v1);
- ``zone_eligibilite`` from ``served_area``, a région ``R<reg>`` written as the départements
  of that région in the home's COG, ``france`` as is; none when ``served_area`` is empty;
- no ``reseaux_porteurs`` when the thematique families already give the service's sector,
  else the first réseau porteur of the sector mapping that gives it; where none can, a line
  of ``reference/sectors.csv``, the override.

Capacity and opening dates have no place in data·inclusion: they are lost.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import polars as pl

from reseau_synthetic.home import GeneratorInputError
from reseau_synthetic.sectors import family_of, sector_of_competences, sector_table

SOURCE = "reseau-synthetique"
DATE_MAJ = "2024-01-15"  # must not be in the future: data·inclusion rejects that
STRUCTURE_FIELDS = ("source", "id", "nom", "date_maj", "code_insee", "reseaux_porteurs")
SERVICE_FIELDS = ("source", "structure_id", "id", "nom", "description", "date_maj",
                  "thematiques", "zone_eligibilite")


def _regions(territories: Path) -> dict[str, list[str]]:
    """``REG -> [DEP, ...]`` from the latest ``v_departement_<year>.csv``."""
    candidates = sorted(territories.glob("v_departement_*.csv"))
    if not candidates:
        raise GeneratorInputError(f"no v_departement_<year>.csv in {territories}: the COG "
                                  "files are needed to write régions as départements")
    regions: dict[str, list[str]] = defaultdict(list)
    with candidates[-1].open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            regions[row["REG"]].append(row["DEP"])
    return {reg: sorted(deps) for reg, deps in regions.items()}


def _zone(served_area: str, regions: dict[str, list[str]]) -> list[str] | None:
    zone: list[str] = []
    for code in (part.strip() for part in served_area.split("|")):
        if not code:
            continue
        if code[0] in "Rr":
            if code[1:] not in regions:
                raise GeneratorInputError(f"région {code} of services.csv is not in the COG "
                                          "départements file")
            zone.extend(regions[code[1:]])
        else:
            zone.append(code)
    return list(dict.fromkeys(zone)) or None


def _label(family: str) -> str:
    from data_inclusion.schema.v1 import Categorie

    from reseau.contract import EXTRA_NEED_CODES

    labels = {c.value: c.label for c in Categorie} | EXTRA_NEED_CODES
    return labels.get(family, family)


def _records(rows: list[dict], regions: dict[str, list[str]]):
    mapping = sector_table()
    first_reseau: dict[str, str] = {}
    for value, sector in mapping.reseaux:
        first_reseau.setdefault(sector, value)
    structures, services, overrides = [], [], []
    for row in rows:
        sid, sector = row["service_id"], row["sector"].strip().lower()
        competences = sorted({c.strip() for c in row["competences"].split("|") if c.strip()})
        reseaux = []
        if sector_of_competences(competences, mapping) != sector:
            if sector in first_reseau:
                reseaux = [first_reseau[sector]]
            else:
                overrides.append((sid, sector))
        structures.append({"source": SOURCE, "id": sid, "nom": row["name"],
                           "date_maj": DATE_MAJ, "code_insee": row["commune"],
                           "reseaux_porteurs": reseaux or None})
        families: dict[str, list[str]] = defaultdict(list)
        for code in competences:
            families[family_of(code)].append(code)
        zone = _zone(row.get("served_area") or "", regions)
        for family, codes in families.items():
            label = _label(family)
            services.append({
                "source": SOURCE, "structure_id": sid, "id": f"{sid}--{family}",
                "nom": f"{label} – {row['name']}"[:150],
                "description": f"Offre « {label} » de {row['name']}.",
                "date_maj": DATE_MAJ, "thematiques": codes, "zone_eligibilite": zone,
            })
    return structures, services, overrides


def _write_json(path: Path, records: list[dict], lines: bool) -> None:
    if lines:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    else:
        text = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")


def _write_csv(path: Path, records: list[dict], fields: tuple[str, ...]) -> None:
    # Lists in each of the ways the reader accepts: thematiques |-separated, zones as JSON
    # array text, réseaux porteurs comma-separated.
    def cell(key, value):
        if value is None:
            return ""
        if key == "zone_eligibilite":
            return json.dumps(value)
        if key == "reseaux_porteurs":
            return ",".join(value)
        if isinstance(value, list):
            return "|".join(value)
        return value

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(fields)
        writer.writerows([cell(key, record[key]) for key in fields] for record in records)


def _write_parquet(path: Path, records: list[dict], fields: tuple[str, ...]) -> None:
    schema = {key: pl.List(pl.String) if key in ("thematiques", "zone_eligibilite",
                                                   "reseaux_porteurs") else pl.String
              for key in fields}
    frame = pl.DataFrame(records, schema=schema).with_columns(pl.col("date_maj").str.to_date())
    frame.write_parquet(path)


def write_data_inclusion_directory(home_root: str | Path, form: str = "json") -> dict:
    """Rewrite ``<home_root>/reference/services.csv`` in data·inclusion form, then remove it.

    Parameters
    ----------
    home_root : str or pathlib.Path
        A home holding ``reference/services.csv`` and the COG files.
    form : str
        ``json`` (structures as an array, services as JSON lines), ``csv`` or ``parquet``.

    Returns
    -------
    dict
        ``structures`` and ``services`` (paths written), ``sectors`` (the override written,
        or None) and ``counts`` of structures, services and overrides.
    """
    if form not in ("json", "csv", "parquet"):
        raise GeneratorInputError(f"form {form!r} is not one of json, csv, parquet")
    reference = Path(home_root) / "reference"
    canonical = reference / "services.csv"
    if not canonical.is_file():
        raise GeneratorInputError(f"{canonical} is missing: nothing to rewrite")
    with canonical.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    structures, services, overrides = _records(rows, _regions(reference / "territories"))

    folder = reference / "data-inclusion"
    folder.mkdir(parents=True, exist_ok=True)
    written = {name: folder / f"{name}.{form}" for name in ("structures", "services")}
    for name, records, fields in (("structures", structures, STRUCTURE_FIELDS),
                                  ("services", services, SERVICE_FIELDS)):
        if form == "json":
            _write_json(written[name], records, lines=name == "services")
        elif form == "csv":
            _write_csv(written[name], records, fields)
        else:
            _write_parquet(written[name], records, fields)
    sectors = None
    if overrides:
        sectors = reference / "sectors.csv"
        with sectors.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(("service_id", "sector"))
            writer.writerows(overrides)
    canonical.unlink()
    return {**written, "sectors": sectors,
            "counts": {"structures": len(structures), "services": len(services),
                       "overrides": len(overrides)}}
