"""The generated home follows data-contract.md: files, headers, codes, references."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from data_inclusion.schema.v1.thematiques import Categorie, Thematique

from reseau.contract import EXTRA_NEED_CODES, SECTORS
from reseau_synthetic import generate_home
from reseau_synthetic.territory import COG_FILES, shipped_cog
from tests import oracle

NEED_CODES = {t.value for t in Thematique} | {c.value for c in Categorie} | set(EXTRA_NEED_CODES)
REFERRAL_HEADER = ["referral_id", "referral_date", "origin_service_id", "target_service_id",
                   "person_id", "needs", "professional_id", "status", "decision_date",
                   "refusal_reason", "person_commune", "person_postcode"]
POSTCODE = re.compile(r"\d{5}")
SUPPORT_HEADER = ["support_id", "support_date", "service_id", "person_id", "supporter_kind",
                  "supporter_id", "person_commune"]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def test_the_home_carries_the_real_cog_and_the_region_two_real_regions(small_home):
    folder = small_home / "reference" / "territories"
    for name in COG_FILES:  # the real COG 2026, whole, as INSEE publishes it
        assert (folder / name).read_bytes() == (shipped_cog() / name).read_bytes()
    _, communes = read(folder / "v_commune_2026.csv")
    com = {c["COM"]: c for c in communes if c["TYPECOM"] == "COM"}
    _, services = read(small_home / "reference" / "services.csv")
    # Provence-Alpes-Côte d'Azur and Corse: 2A/2B, and 84 (Vaucluse) that is also a région.
    assert {com[s["commune"]]["REG"] for s in services} == {"93", "94"}
    assert {com[s["commune"]]["DEP"] for s in services} == {"04", "05", "06", "13", "83", "84",
                                                              "2A", "2B"}
    truth = json.loads((small_home / "ground_truth.json").read_text(encoding="utf-8"))
    subordinate = {row["typecom"] for row in truth["territory"]["subordinate_communes"]}
    assert {"ARM", "COMA"} <= subordinate  # Marseille's arrondissements, communes associées
    assert all(code not in com for code in truth["territory"]["unknown_commune_codes"])


def test_directory_is_complete_and_plausible(small_home):
    header, services = read(small_home / "reference" / "services.csv")
    assert header == ["service_id", "name", "sector", "commune", "competences", "served_area",
                      "capacity", "opened_on", "closed_on"]
    _, communes = read(small_home / "reference" / "territories" / "v_commune_2026.csv")
    com = {c["COM"]: c for c in communes if c["TYPECOM"] == "COM"}
    deps, regions = {c["DEP"] for c in com.values()}, {c["REG"] for c in com.values()}
    assert len(services) >= 300 and len({s["service_id"] for s in services}) == len(services)
    assert {s["sector"] for s in services} == set(SECTORS)
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
    software = truth["software"]  # what DORA and les emplois export, and nothing more
    files = sorted((small_home / "landing" / "referrals").glob("*/*.csv"))
    assert {f.parent.name for f in files} == set(truth["exporters"])
    for path in files:
        exporter = path.parent.name
        assert re.fullmatch(rf"{exporter}_\d{{4}}-\d{{2}}(_corrected)?\.csv", path.name)
        header, rows = read(path)
        assert header == REFERRAL_HEADER
        for row in rows:
            assert ISO_DATE.fullmatch(row["referral_date"])
            if exporter in software:
                assert row["needs"] == row["person_commune"] == row["decision_date"] == ""
                if software[exporter] == "emplois":
                    assert row["status"] != "cancelled"
                    assert row["person_postcode"] == "" or POSTCODE.fullmatch(
                        row["person_postcode"])
                else:
                    assert row["person_postcode"] == ""
            else:
                assert set(row["needs"].split("|")) <= NEED_CODES
                assert row["person_postcode"] == ""
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
