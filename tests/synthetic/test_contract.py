"""The generated home follows data-contract.md: files, headers, codes, references."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
from data_inclusion.schema.v1.thematiques import Categorie, Thematique

from reseau.synthetic import generate_home
from tests import oracle

NEED_CODES = ({t.value for t in Thematique} | {c.value for c in Categorie}
              | {"protection-enfance", "justice", "violences", "handicap", "perte-autonomie"})
SECTORS = {"social", "medico-social", "sante", "justice", "emploi-insertion", "logement",
           "education", "associatif"}
REFERRAL_HEADER = ["referral_id", "referral_date", "origin_service_id", "target_service_id",
                   "person_id", "needs", "professional_id", "status", "decision_date",
                   "refusal_reason", "person_commune"]
SUPPORT_HEADER = ["support_id", "support_date", "service_id", "person_id", "supporter_kind",
                  "supporter_id", "person_commune"]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_cog_files_have_insee_headers_and_roll_up(small_home):
    folder = small_home / "reference" / "territories"
    header, regions = read(folder / "v_region_2025.csv")
    assert header == ["REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE"]
    header, deps = read(folder / "v_departement_2025.csv")
    assert header == ["DEP", "REG", "CHEFLIEU", "TNCC", "NCC", "NCCENR", "LIBELLE"]
    header, communes = read(folder / "v_commune_2025.csv")
    assert header == ["TYPECOM", "COM", "REG", "DEP", "CTCD", "ARR", "TNCC", "NCC", "NCCENR",
                      "LIBELLE", "CAN", "COMPARENT"]
    assert len(regions) == 2 and all(len(r["REG"]) == 2 for r in regions)
    assert len(deps) >= 6 and {d["REG"] for d in deps} == {r["REG"] for r in regions}
    dep_region = {d["DEP"]: d["REG"] for d in deps}
    com = {c["COM"]: c for c in communes if c["TYPECOM"] == "COM"}
    per_dep = Counter(c["DEP"] for c in com.values())
    assert set(per_dep) == set(dep_region) and all(40 <= n <= 80 for n in per_dep.values())
    for row in com.values():
        assert len(row["COM"]) == 5 and row["COM"].startswith(row["DEP"])
        assert row["REG"] == dep_region[row["DEP"]] and row["COMPARENT"] == ""
        assert row["NCC"] == row["NCC"].upper()
    subordinate = [c for c in communes if c["TYPECOM"] != "COM"]
    assert {c["TYPECOM"] for c in subordinate} == {"COMD", "COMA"}
    for row in subordinate:
        assert [row[k] for k in ("REG", "DEP", "CTCD", "ARR", "CAN")] == [""] * 5
        assert row["COMPARENT"] in com
    assert all(d["CHEFLIEU"] in com and com[d["CHEFLIEU"]]["DEP"] == d["DEP"] for d in deps)


def test_directory_is_complete_and_plausible(small_home):
    header, services = read(small_home / "reference" / "services.csv")
    assert header == ["service_id", "name", "sector", "commune", "competences", "served_area",
                      "capacity", "opened_on", "closed_on"]
    _, communes = read(small_home / "reference" / "territories" / "v_commune_2025.csv")
    com = {c["COM"]: c for c in communes if c["TYPECOM"] == "COM"}
    deps, regions = {c["DEP"] for c in com.values()}, {c["REG"] for c in com.values()}
    assert len(services) >= 300 and len({s["service_id"] for s in services}) == len(services)
    assert {s["sector"] for s in services} == SECTORS
    kinds = Counter()
    for service in services:
        assert service["commune"] in com
        assert set(service["competences"].split("|")) <= NEED_CODES
        assert float(service["capacity"]) > 0
        for code in filter(None, service["served_area"].split("|")):
            assert code in com or code in deps or code == "france" or \
                (code.startswith("R") and code[1:] in regions)
            kinds["commune" if code in com else code[0] if code[0] in "Rf" else "dep"] += 1
        kinds["empty"] += service["served_area"] == ""
        for column in ("opened_on", "closed_on"):
            assert service[column] == "" or ISO_DATE.fullmatch(service[column])
    assert all(kinds[k] > 0 for k in ("empty", "commune", "dep", "R", "f"))
    logement = [s for s in services if s["sector"] == "logement"]
    assert all("logement-hebergement" in s["competences"] for s in logement)


def test_referral_and_support_files_follow_the_contract(small_home, truth):
    _, services = read(small_home / "reference" / "services.csv")
    ids = {s["service_id"] for s in services}
    header, aliases = read(small_home / "reference" / "service_aliases.csv")
    assert header == ["exporter_id", "alias", "service_id"]
    alias_of = {(a["exporter_id"], oracle.normalise(a["alias"])): a["service_id"]
                for a in aliases}
    assert set(alias_of.values()) <= ids
    subordinate = {c["code"] for c in truth["territory"]["subordinate_communes"]}
    statuses, communes_used, aliased = Counter(), Counter(), 0
    files = sorted((small_home / "landing" / "referrals").glob("*/*.csv"))
    assert {f.parent.name for f in files} == set(truth["exporters"])
    for path in files:
        exporter = path.parent.name
        assert re.fullmatch(rf"{exporter}_\d{{4}}-\d{{2}}(_corrected)?\.csv", path.name)
        header, rows = read(path)
        assert header == REFERRAL_HEADER
        for row in rows:
            assert ISO_DATE.fullmatch(row["referral_date"])
            assert set(row["needs"].split("|")) <= NEED_CODES
            resolved = []
            for column in ("origin_service_id", "target_service_id"):
                written = row[column]
                if written not in ids:
                    aliased += 1
                    written = alias_of[(exporter, oracle.normalise(written))]
                resolved.append(written)
            assert exporter in resolved and resolved[0] != resolved[1]
            statuses[row["status"]] += 1
            communes_used[row["person_commune"] in subordinate] += 1
    assert set(statuses) == {"pending", "accepted", "refused", "expired", "cancelled"}
    assert 0.01 < statuses["cancelled"] / sum(statuses.values()) < 0.04
    assert aliased > 0 and communes_used[True] > 0
    for path in sorted((small_home / "landing" / "supports").glob("*/*.csv")):
        header, rows = read(path)
        assert header == SUPPORT_HEADER
        assert all(row["service_id"] == path.parent.name for row in rows)


def test_size_is_the_requested_number_of_distinct_valid_referrals(home_files, truth):
    requested = truth["requested_referrals"]
    assert abs(len(home_files.referrals) - requested) <= 0.05 * requested
    assert len(home_files.referrals) == truth["counts"]["distinct_valid_referrals"]
    assert 0.05 < truth["counts"]["supports"] / requested < 0.15


def test_refuses_a_home_whose_landing_holds_files(tmp_path):
    (tmp_path / "landing" / "referrals" / "S0001").mkdir(parents=True)
    (tmp_path / "landing" / "referrals" / "S0001" / "old.csv").write_text("x\n")
    with pytest.raises(ValueError, match="landing"):
        generate_home(tmp_path, referrals=20_000)
    assert not (tmp_path / "reference").exists()


def test_rejects_arguments_that_cannot_carry_the_planted_phenomena(tmp_path):
    with pytest.raises(ValueError, match="referrals"):
        generate_home(tmp_path, referrals=1_000)
    with pytest.raises(ValueError, match="months"):
        generate_home(tmp_path, referrals=20_000, months=12)
    with pytest.raises(ValueError, match="YYYY-MM"):
        generate_home(tmp_path, referrals=20_000, end_month="2026-13")
    assert not list(tmp_path.iterdir())
