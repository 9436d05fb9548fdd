"""The shipped reference data (INSEE COG 2026, La Poste postcodes, populations) holds real facts.

The files are built by ``tools/build_reference_data.py``; provenance in
``pipelines/ingest/data/README.md``.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import polars as pl
import pytest

import pipelines
import reseau_synthetic

DATA = Path(pipelines.__file__).parent / "ingest" / "data"
COMMUNES = DATA / "cog" / "v_commune_2026.csv"
DEPARTEMENTS = DATA / "cog" / "v_departement_2026.csv"
REGIONS = DATA / "cog" / "v_region_2026.csv"
POSTCODES = DATA / "postcodes" / "codes_postaux_2026.csv"
POPULATIONS = Path(reseau_synthetic.__file__).parent / "data" / "communes_population_2026.csv"

COMMUNE_HEADER = ["TYPECOM", "COM", "REG", "DEP", "CTCD", "ARR", "TNCC", "NCC", "NCCENR",
                  "LIBELLE", "CAN", "COMPARENT"]
COG_FILES = {
    COMMUNES: COMMUNE_HEADER,
    DEPARTEMENTS: ["DEP", "REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE"],
    REGIONS: ["REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE"],
}


@cache
def read(path: Path) -> tuple[tuple[str, ...], tuple[dict[str, str], ...]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = tuple(reader)
        return tuple(reader.fieldnames), rows


def communes() -> tuple[dict[str, str], ...]:
    return read(COMMUNES)[1]


def by_type(typecom: str) -> dict[str, dict[str, str]]:
    return {row["COM"]: row for row in communes() if row["TYPECOM"] == typecom}


def postcode_map() -> dict[str, set[str]]:
    mapping = defaultdict(set)
    for row in read(POSTCODES)[1]:
        mapping[row["code_postal"]].add(row["code_commune_insee"])
    return mapping


@pytest.mark.parametrize("path", list(COG_FILES), ids=lambda path: path.name)
def test_cog_files_use_insee_layout(path):
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw and raw.endswith(b"\n")
    lines = raw.decode("utf-8").split("\n")[:-1][:50]
    assert lines[0] == ",".join(f'"{name}"' for name in COG_FILES[path])
    width = len(COG_FILES[path])
    for line in lines:
        # Every field quoted: "a","b",...,"z" (no field of these files holds a double quote).
        assert line.startswith('"') and line.endswith('"'), line
        assert line.count('","') == width - 1, line
    assert list(read(path)[0]) == COG_FILES[path]


@pytest.mark.parametrize("path", [*COG_FILES, POSTCODES, POPULATIONS], ids=lambda path: path.name)
def test_polars_reads_the_same_values_as_csv(path):
    header, rows = read(path)
    frame = pl.read_csv(path, infer_schema=False)
    assert frame.columns == list(header)
    # A quoted empty field ("") is an empty string for polars, not a null.
    assert frame.null_count().sum_horizontal().item() == 0
    assert frame.rows() == [tuple(row.values()) for row in rows]


def test_commune_counts_per_typecom():
    assert Counter(row["TYPECOM"] for row in communes()) == {
        "COM": 34_875, "COMD": 2_105, "COMA": 471, "ARM": 45}
    assert len(communes()) == 37_496


def test_rows_are_ordered_by_code_with_the_com_row_first():
    keys = [(row["COM"], row["TYPECOM"] != "COM") for row in communes()]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_only_metropolitan_france_and_drom():
    deps = {row["DEP"] for row in read(DEPARTEMENTS)[1]}
    assert len(deps) == 101
    assert {"971", "972", "973", "974", "976"} <= deps
    assert not deps & {"975", "977", "978", "984", "986", "987", "988", "989"}
    assert {row["DEP"] for row in communes() if row["TYPECOM"] in ("COM", "ARM")} == deps
    assert not any(row["COM"].startswith(("975", "977", "978", "98")) for row in communes())


def test_comd_and_coma_rows_are_placed_by_their_parent_only():
    com = by_type("COM")
    for row in communes():
        if row["TYPECOM"] in ("COMD", "COMA"):
            assert (row["REG"], row["DEP"], row["CTCD"], row["ARR"], row["CAN"]) == ("",) * 5
            assert row["COMPARENT"] in com, row
        elif row["TYPECOM"] == "COM":
            assert row["COMPARENT"] == "" and row["REG"] and row["DEP"], row


def test_584_communes_deleguees_share_their_code_with_their_commune():
    com, comd = by_type("COM"), by_type("COMD")
    shared = set(com) & set(comd)
    assert len(shared) == 584
    assert "01015" in shared
    assert comd["01015"]["COMPARENT"] == "01015"
    assert (com["01015"]["LIBELLE"], comd["01015"]["LIBELLE"]) == ("Arboys en Bugey", "Arbignieu")
    assert all(comd[code]["COMPARENT"] == code for code in shared)
    assert not set(com) & set(by_type("COMA"))


def test_corsica_and_drom_codes():
    com = by_type("COM")
    assert (com["2A004"]["DEP"], com["2A004"]["REG"], com["2A004"]["LIBELLE"]) == (
        "2A", "94", "Ajaccio")
    assert (com["97101"]["DEP"], com["97101"]["REG"]) == ("971", "01")
    assert all(len(row["DEP"]) == 3 for code, row in com.items() if code.startswith("97"))
    assert all(len(row["DEP"]) == 2 for code, row in com.items() if not code.startswith("97"))


def test_84_is_a_region_and_a_departement():
    regions = {row["REG"]: row for row in read(REGIONS)[1]}
    deps = {row["DEP"]: row for row in read(DEPARTEMENTS)[1]}
    assert len(regions) == 18
    assert regions["84"]["LIBELLE"] == "Auvergne-Rhône-Alpes"
    assert (deps["84"]["LIBELLE"], deps["84"]["REG"]) == ("Vaucluse", "93")
    assert list(deps["01"].values()) == ["01", "84", "01053", "5", "AIN", "Ain", "Ain"]
    assert set(row["REG"] for row in deps.values()) == set(regions)


def test_arrondissements_municipaux_name_their_city():
    arm = by_type("ARM")
    assert arm["69385"]["COMPARENT"] == "69123"
    assert Counter(row["COMPARENT"] for row in arm.values()) == {
        "75056": 20, "69123": 9, "13055": 16}
    assert all(row["REG"] and row["DEP"] and row["ARR"] for row in arm.values())


def test_names_follow_tncc():
    articles = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ",
                "8": "Los "}
    for row in communes():
        article = articles.get(row["TNCC"], "")
        assert row["LIBELLE"] == article + row["NCCENR"], row
    com = by_type("COM")
    assert (com["01001"]["NCC"], com["01001"]["NCCENR"]) == (
        "ABERGEMENT CLEMENCIAT", "Abergement-Clémenciat")
    assert com["94041"]["NCC"] == "IVRY SUR SEINE"
    assert com["02565"]["NCC"] == "OEUILLY"  # Œuilly


def test_postcodes_of_lyon_and_montluel():
    mapping = postcode_map()
    assert mapping["69005"] == {"69123", "69385"}
    assert "01262" in mapping["01120"]  # Montluel
    assert "01120" not in mapping["01120"]  # Cordieux is a COMA of Montluel, not a postcode holder
    assert by_type("COMA")["01120"]["COMPARENT"] == "01262"


def test_postcode_file_is_sorted_distinct_pairs_of_known_communes():
    header, rows = read(POSTCODES)
    assert list(header) == ["code_postal", "code_commune_insee"]
    pairs = [(row["code_postal"], row["code_commune_insee"]) for row in rows]
    assert pairs == sorted(set(pairs))
    assert all(len(postcode) == 5 and postcode.isdigit() for postcode, _ in pairs)
    holders = set(by_type("COM")) | set(by_type("ARM"))
    assert {commune for _, commune in pairs} <= holders
    assert 6_000 < len({postcode for postcode, _ in pairs}) < 6_400
    assert b'"' not in POSTCODES.read_bytes()


def test_populations_are_positive_integers_of_com_and_arm():
    header, rows = read(POPULATIONS)
    assert list(header) == ["code_commune_insee", "population"]
    holders = set(by_type("COM")) | set(by_type("ARM"))
    codes = [row["code_commune_insee"] for row in rows]
    assert len(codes) == len(set(codes)) > 34_000
    assert set(codes) <= holders
    assert all(row["population"].isdigit() and int(row["population"]) > 0 for row in rows)
    population = {row["code_commune_insee"]: int(row["population"]) for row in rows}
    assert population["75056"] > 2_000_000
