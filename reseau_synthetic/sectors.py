"""The generator's own copy of the rule by which the pipeline gives a service of a
data·inclusion directory its sector (docs/sources.md, "Sector"): a réseau porteur
first, else the thematique family the service offers most (the first in the table's order
on a tie), else ``social``. Its own copy, so that a test comparing the directory it writes
with what the pipeline reads back fails if the pipeline's rule goes wrong. The table itself
is reference data shipped with the pipeline, read here as a file."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "pipelines" / "ingest" / "data" / \
    "sector_mapping.csv"  # the pipeline's reference data, read as a file
DEFAULT = "social"


@dataclass(frozen=True)
class SectorTable:
    reseaux: tuple[tuple[str, str], ...]   # (réseau porteur, sector), in the file's order
    families: tuple[tuple[str, str], ...]  # (thematique family, sector), in the file's order


@cache
def sector_table() -> SectorTable:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return SectorTable(
        reseaux=tuple((r["value"], r["sector"]) for r in rows if r["kind"] == "reseau_porteur"),
        families=tuple((r["value"], r["sector"]) for r in rows
                       if r["kind"] == "thematique_family"))


def family_of(code: str) -> str:
    """A thematique's family: ``famille--thematique`` -> ``famille``."""
    return code.split("--")[0]


def sector_of_competences(competences: Iterable[str], table: SectorTable) -> str:
    """The sector the pipeline gives a service with no réseau porteur."""
    counts = Counter(family_of(code) for code in set(competences))
    best, best_count = DEFAULT, 0
    for family, sector in table.families:
        if counts[family] > best_count:
            best, best_count = sector, counts[family]
    return best
