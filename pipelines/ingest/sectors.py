"""Sectors of a directory given in data·inclusion form: the shipped mapping of réseaux
porteurs and thematique families (``data/sector_mapping.csv``), and the observatory's
override ``reference/sectors.csv``. The rule is in :mod:`pipelines.ingest.directory`.
"""

from __future__ import annotations

import csv
import typing
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from reseau.contract import EXTRA_NEED_CODES, SECTORS
from reseau.errors import UnusableReference

DEFAULT_SECTOR = "social"
MAPPING_FILE = Path(__file__).parent / "data" / "sector_mapping.csv"


@dataclass(frozen=True)
class DirectoryIssue:
    """A record (or a line of the override) left out or changed, and why."""

    file: str
    record: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}, {self.record}: {self.problem}"


@dataclass(frozen=True)
class SectorMapping:
    """The rows of the sector mapping, in file order."""

    reseaux: tuple[tuple[str, str], ...]
    families: tuple[tuple[str, str], ...]


def family_of(code: str) -> str:
    return code.split("--")[0]


@cache
def load_sector_mapping(path: Path = MAPPING_FILE) -> SectorMapping:
    """Read and check the mapping (``kind,value,sector``); file order is kept."""
    from data_inclusion.schema.v1 import Categorie, ReseauPorteur

    known = {"reseau_porteur": {r.value for r in ReseauPorteur},
             "thematique_family": {c.value for c in Categorie} | set(EXTRA_NEED_CODES)}
    rows: dict[str, list[tuple[str, str]]] = {kind: [] for kind in known}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            kind, value, sector = (row.get(k) or "" for k in ("kind", "value", "sector"))
            if kind not in known or value not in known[kind] or sector not in SECTORS:
                raise UnusableReference(
                    f"{path} line {number}: {kind!r}, {value!r}, {sector!r} is not a known "
                    "kind (reseau_porteur, thematique_family), value and sector: fix the line")
            rows[kind].append((value, sector))
    return SectorMapping(reseaux=tuple(rows["reseau_porteur"]),
                         families=tuple(rows["thematique_family"]))


def mapped_sector(reseaux: typing.Iterable[str], competences: typing.Iterable[str],
                  mapping: SectorMapping | None = None) -> str:
    """Sector from réseaux porteurs, else thematique families, else ``social`` (no override)."""
    mapping = mapping or load_sector_mapping()
    reseaux = set(reseaux)
    for value, sector in mapping.reseaux:
        if value in reseaux:
            return sector
    counts = Counter(family_of(code) for code in set(competences))
    best, best_count = DEFAULT_SECTOR, 0
    for family, sector in mapping.families:  # file order: a later family must do strictly better
        if counts[family] > best_count:
            best, best_count = sector, counts[family]
    return best


def read_sector_overrides(path: Path, issues: list[DirectoryIssue],
                          known_ids: set[str]) -> dict[str, str]:
    """``service_id -> sector`` from ``reference/sectors.csv``; bad lines are reported."""
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except Exception as exc:  # polars raises several error types for a broken CSV
        raise UnusableReference(f"{path}: not a CSV file ({str(exc).splitlines()[0]}); write it "
                               "as UTF-8 CSV with the header service_id,sector") from exc
    missing = {"service_id", "sector"} - set(frame.columns)
    if missing:
        raise UnusableReference(f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                               "write it with the header service_id,sector")
    overrides: dict[str, str] = {}
    for number, row in enumerate(frame.select("service_id", "sector").iter_rows(), start=2):
        service_id, sector = ((value or "").strip() for value in row)
        where = f"line {number}"
        if service_id not in known_ids:
            issues.append(DirectoryIssue(path.name, where, f"unknown service id "
                                         f"{service_id!r}: line ignored"))
        elif sector.lower() not in SECTORS:
            issues.append(DirectoryIssue(path.name, where, f"unknown sector {sector!r} for "
                                         f"{service_id}: line ignored; use one of "
                                         f"{', '.join(SECTORS)}"))
        elif service_id in overrides:
            issues.append(DirectoryIssue(path.name, where, f"{service_id} given again: the "
                                         "first line wins"))
        else:
            overrides[service_id] = sector.lower()
    return overrides
