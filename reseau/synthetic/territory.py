"""A fictional territory and its INSEE COG files (data-contract.md, "Territories").

Two régions, seven départements, 45 to 70 communes each, plus the awkward rows real COG files
have: a *commune nouvelle* whose communes déléguées (COMD) include one with the parent's own
code, and a commune associée (COMA). Those rows carry no REG/DEP/CTCD/ARR/CAN, as INSEE
publishes them, so the pipeline can only place them through COMPARENT.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reseau.synthetic.names import (
    DEPARTEMENT_NAMES,
    REGION_NAMES,
    ncc,
    place_forms,
)

REGION_CODES = ("61", "62")
DEPARTEMENT_CODES = (("41", "42", "43"), ("44", "45", "46", "47"))
COMMUNE_HEADER = ("TYPECOM", "COM", "REG", "DEP", "CTCD", "ARR", "TNCC", "NCC", "NCCENR",
                  "LIBELLE", "CAN", "COMPARENT")


@dataclass
class Territory:
    """The territory as the generator uses it; COM communes are indexed from 0.

    ``subordinates`` holds ``(typecom, code, parent commune index)`` for the COMD/COMA rows
    whose code differs from their parent's; referrals may name them as person_commune.
    """

    region_codes: list[str]
    dep_codes: list[str]
    dep_region: np.ndarray
    commune_codes: list[str]
    commune_labels: list[str]
    commune_dep: np.ndarray
    commune_weight: np.ndarray
    dep_communes: list[np.ndarray]
    chef_lieu: list[int]
    subordinates: list[tuple[str, str, int]]
    unknown_codes: list[str]
    region_rows: list[tuple]
    departement_rows: list[tuple]
    commune_rows: list[tuple]

    def dep_of_code(self, code: str) -> int:
        return self.dep_codes.index(code)


def build_territory(rng: np.random.Generator) -> Territory:
    """Invent the territory; every name and population weight comes from ``rng``."""
    used: set[str] = set()
    dep_names = [DEPARTEMENT_NAMES[i] for i in rng.permutation(len(DEPARTEMENT_NAMES))]
    reg_names = [REGION_NAMES[i] for i in rng.permutation(len(REGION_NAMES))]
    codes, labels, deps, weights, rows = [], [], [], [], []
    dep_codes, dep_region, dep_communes, chef_lieu, dep_rows = [], [], [], [], []
    subordinates: list[tuple[str, str, int]] = []
    for reg_index, reg_code in enumerate(REGION_CODES):
        for dep_code in DEPARTEMENT_CODES[reg_index]:
            dep_index = len(dep_codes)
            dep_codes.append(dep_code)
            dep_region.append(reg_index)
            count = int(rng.integers(45, 71))
            forms = sorted((place_forms(rng, used) for _ in range(count)),
                           key=lambda form: ncc(form[1]))
            # Populations are heavy-tailed: a prefecture, a few towns, many villages.
            weight = 1.0 / (rng.permutation(count) + 1.0) ** 1.1
            first = len(codes)
            numbers = np.cumsum(rng.integers(1, 4, size=count))
            cantons = rng.integers(1, 13, size=count)
            arrondissements = rng.integers(1, 4, size=count)
            for k, (tncc, nccenr, libelle) in enumerate(forms):
                code = f"{dep_code}{numbers[k]:03d}"
                codes.append(code)
                labels.append(libelle)
                deps.append(dep_index)
                rows.append(["COM", code, reg_code, dep_code, f"{dep_code}D",
                             f"{dep_code}{arrondissements[k]}", str(tncc), ncc(nccenr), nccenr,
                             libelle, f"{dep_code}{cantons[k]:02d}", ""])
            weights.extend((weight / weight.sum()).tolist())
            members = np.arange(first, len(codes))
            dep_communes.append(members)
            chef = int(members[np.argmax(weight)])
            chef_lieu.append(chef)
            name, tncc = dep_names[dep_index]
            dep_rows.append((dep_code, reg_code, codes[chef], str(tncc), ncc(name), name, name))
            # Spare numbers past the last commune make codes that exist nowhere.
            spare = int(numbers[-1]) + 1
            if dep_index in (1, 4):
                _add_subordinates(rng, used, dep_index, dep_code, members, weight, spare,
                                  codes, rows, subordinates)
    reg_rows = []
    for reg_index, reg_code in enumerate(REGION_CODES):
        first_dep = dep_region.index(reg_index)
        name, tncc = reg_names[reg_index]
        reg_rows.append((reg_code, codes[chef_lieu[first_dep]], str(tncc), ncc(name), name, name))
    rows.sort(key=lambda row: (row[1], row[0] != "COM"))
    unknown = [f"{dep_code}{int(rng.integers(900, 1000))}" for dep_code in dep_codes]
    return Territory(
        region_codes=list(REGION_CODES), dep_codes=dep_codes, dep_region=np.array(dep_region),
        commune_codes=codes, commune_labels=labels, commune_dep=np.array(deps),
        commune_weight=np.array(weights), dep_communes=dep_communes, chef_lieu=chef_lieu,
        subordinates=subordinates, unknown_codes=unknown, region_rows=reg_rows,
        departement_rows=dep_rows, commune_rows=[tuple(row) for row in rows])


def _add_subordinates(rng, used, dep_index, dep_code, members, weight, spare, codes, rows,
                      subordinates) -> None:
    """Turn a populous commune into a commune nouvelle (dep 1) or give one a COMA (dep 4)."""
    # The second most populous commune: busy enough that referrals name the old commune.
    parent = int(members[np.argsort(-weight)[1]])
    parent_code = codes[parent]
    own_code = f"{dep_code}{spare:03d}"
    if dep_index == 1:
        # INSEE keeps the chef-lieu's code for one commune déléguée: the code then appears
        # twice in the file (COM and COMD). The other déléguée keeps its own old code.
        for typecom, code in (("COMD", parent_code), ("COMD", own_code)):
            tncc, nccenr, libelle = place_forms(rng, used)
            rows.append([typecom, code, "", "", "", "", str(tncc), ncc(nccenr), nccenr, libelle,
                         "", parent_code])
        subordinates.append(("COMD", own_code, parent))
    else:
        tncc, nccenr, libelle = place_forms(rng, used)
        rows.append(["COMA", own_code, "", "", "", "", str(tncc), ncc(nccenr), nccenr, libelle,
                     "", parent_code])
        subordinates.append(("COMA", own_code, parent))


def write_cog(territory: Territory, folder: Path) -> list[Path]:
    """Write ``v_region_2025.csv``, ``v_departement_2025.csv`` and ``v_commune_2025.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = (
        ("v_region_2025.csv", ("REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE"),
         territory.region_rows),
        ("v_departement_2025.csv", ("DEP", "REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR",
                                    "LIBELLE"), territory.departement_rows),
        ("v_commune_2025.csv", COMMUNE_HEADER, territory.commune_rows),
    )
    written = []
    for name, header, rows in files:
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    return written
