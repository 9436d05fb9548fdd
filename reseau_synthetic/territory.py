"""The territory of the synthetic region: real communes of two real régions.

The région is Provence-Alpes-Côte d'Azur (93) with Corse (94): eight départements, 1,300
communes, with the awkward codes real files have: Corsica's ``2A``/``2B``, Vaucluse ``84``
whose code is also a région's, Marseille's arrondissements (ARM rows rolling up to 13055),
and communes déléguées and associées (COMD/COMA rows without DEP or REG, placed only by
COMPARENT). The COG is the real COG 2026 shipped with réseau, written whole into the home as
INSEE publishes it; populations (INSEE, shipped in ``data/``) weight where people live.

The services, people and referrals placed on it are invented: no real service is described.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REGION_CODES = ("93", "94")
COG_FILES = ("v_region_2026.csv", "v_departement_2026.csv", "v_commune_2026.csv")
POPULATION_FILE = Path(__file__).parent / "data" / "communes_population_2026.csv"
#: The reference data shipped with réseau's ingestion, read as files (real geography).
SHIPPED = Path(__file__).resolve().parents[1] / "pipelines" / "ingest" / "data"


def shipped_cog() -> Path:
    """The folder of the real COG 2026 shipped with réseau's ingestion (INSEE's layout)."""
    return SHIPPED / "cog"


@dataclass
class Territory:
    """The territory as the generator uses it; COM communes are indexed from 0.

    ``subordinates`` holds ``(typecom, code, parent commune index)`` for the ARM, COMD and
    COMA rows whose code differs from their parent's; referrals may name them as
    person_commune. ``postcodes[c]`` lists La Poste's postcodes of commune ``c``.
    """

    region_codes: list[str]
    dep_codes: list[str]
    dep_region: np.ndarray
    dep_labels: list[str]
    region_labels: list[str]
    commune_codes: list[str]
    commune_labels: list[str]
    commune_dep: np.ndarray
    commune_weight: np.ndarray
    dep_communes: list[np.ndarray]
    chef_lieu: list[int]
    subordinates: list[tuple[str, str, int]]
    unknown_codes: list[str]
    postcodes: list[list[str]]

    def dep_of_code(self, code: str) -> int:
        return self.dep_codes.index(code)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _postcodes() -> dict[str, list[str]]:
    by_commune: dict[str, list[str]] = {}
    with (SHIPPED / "postcodes" / "codes_postaux_2026.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_commune.setdefault(row["code_commune_insee"], []).append(row["code_postal"])
    return by_commune


def build_territory(rng: np.random.Generator) -> Territory:
    """Read the two régions from the shipped COG; ``rng`` draws the unknown codes."""
    cog = shipped_cog()
    regions = [row for row in _rows(cog / COG_FILES[0]) if row["REG"] in REGION_CODES]
    deps = sorted((row for row in _rows(cog / COG_FILES[1]) if row["REG"] in REGION_CODES),
                  key=lambda row: (REGION_CODES.index(row["REG"]), row["DEP"]))
    dep_codes = [row["DEP"] for row in deps]
    communes = _rows(cog / COG_FILES[2])
    full = [row for row in communes if row["TYPECOM"] == "COM" and row["DEP"] in dep_codes]
    full.sort(key=lambda row: (dep_codes.index(row["DEP"]), row["COM"]))
    index = {row["COM"]: k for k, row in enumerate(full)}
    population = {row["code_commune_insee"]: int(row["population"])
                  for row in _rows(POPULATION_FILE)}
    commune_dep = np.array([dep_codes.index(row["DEP"]) for row in full])
    weight = np.array([population.get(row["COM"], 1) for row in full], dtype=float)
    for dep in range(len(dep_codes)):  # each département's weights sum to 1
        members = commune_dep == dep
        weight[members] /= weight[members].sum()
    subordinates = [(row["TYPECOM"], row["COM"], index[row["COMPARENT"]]) for row in communes
                    if row["TYPECOM"] != "COM" and row["COMPARENT"] in index
                    and row["COM"] != row["COMPARENT"]]
    real_codes = {row["COM"] for row in communes}
    unknown = []
    for code in dep_codes:  # a code of the département's form that no commune has
        while (candidate := f"{code}{int(rng.integers(900, 1000))}") in real_codes:
            continue
        unknown.append(candidate)
    by_commune = _postcodes()
    return Territory(
        region_codes=list(REGION_CODES), dep_codes=dep_codes,
        dep_region=np.array([REGION_CODES.index(row["REG"]) for row in deps]),
        dep_labels=[row["LIBELLE"] for row in deps],
        region_labels=[next(r["LIBELLE"] for r in regions if r["REG"] == code)
                       for code in REGION_CODES],
        commune_codes=[row["COM"] for row in full], commune_labels=[row["LIBELLE"] for row in full],
        commune_dep=commune_dep, commune_weight=weight,
        dep_communes=[np.flatnonzero(commune_dep == dep) for dep in range(len(dep_codes))],
        chef_lieu=[index[row["CHEFLIEU"]] for row in deps], subordinates=subordinates,
        unknown_codes=unknown,
        postcodes=[sorted(by_commune.get(row["COM"], [])) for row in full])


def write_cog(folder: Path) -> list[Path]:
    """Copy the whole real COG into the home, as an observatory installs it."""
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(shipped_cog() / name, folder / name)) for name in COG_FILES]
