"""The directory in data·inclusion form: hand-made files in each form, and a round trip."""

from __future__ import annotations

import csv
import json
import logging
import shutil
from pathlib import Path

import polars as pl
import pytest

from pipelines.ingest.directory import read_directory
from pipelines.ingest.reference import reference_frames, required_files
from pipelines.ingest.sectors import SECTORS, SectorMapping, load_sector_mapping
from reseau.errors import UnusableReference
from reseau.home import Home
from reseau_synthetic import generate_home
from reseau_synthetic.data_inclusion import write_data_inclusion_directory

PAST = "2024-03-01"
CONTACTS = {"telephone": "+33612345678", "courriel": "accueil@ccas-aville.fr",
            "adresse": "12 rue des Lilas"}
SECRETS = ("+33612345678", "accueil@ccas-aville.fr", "12 rue des Lilas", "Jeanne Martin",
           "pas-un-courriel")

STRUCTURES = [
    # sector by réseau porteur
    {"source": "t", "id": "di--ccas", "nom": "CCAS d'Aville", "date_maj": PAST,
     "code_insee": "01001", "reseaux_porteurs": ["ccas-cias"], **CONTACTS},
    # two réseaux of different sectors: cmp comes before departements in the mapping
    {"source": "t", "id": "di--cmp", "nom": "CMP de Bbourg", "date_maj": PAST,
     "code_insee": "01002", "reseaux_porteurs": ["departements", "cmp"]},
    # sector by family: two se-former codes against one logement-hebergement
    {"source": "t", "id": "di--asso", "nom": "Association de Cville", "date_maj": PAST,
     "code_insee": "02001"},
    # families tie (one sante, one logement-hebergement): sante comes first in the mapping
    {"source": "t", "id": "di--tie", "nom": "Maison de Dville", "date_maj": PAST,
     "code_insee": "03001"},
    # no service at all: default sector, kept without competences
    {"source": "t", "id": "di--empty", "nom": "Permanence d'Aville", "date_maj": PAST,
     "code_insee": "01001"},
    # réseau says emploi-insertion, the override says education
    {"source": "t", "id": "di--ml", "nom": "Mission locale de Cville", "date_maj": PAST,
     "code_insee": "02001", "reseaux_porteurs": ["mission-locale"]},
    # invalid: date_maj in the future
    {"source": "t", "id": "di--future", "nom": "Structure future", "date_maj": "2999-01-01",
     "code_insee": "01001"},
    # invalid: courriel
    {"source": "t", "id": "di--mail", "nom": "Structure au courriel faux", "date_maj": PAST,
     "code_insee": "01001", "courriel": "pas-un-courriel"},
]

SERVICES = [
    {"source": "t", "structure_id": "di--ccas", "id": "s-ccas-1", "nom": "Aide au logement",
     "description": "Aide pour louer un logement.", "date_maj": PAST,
     "thematiques": ["logement-hebergement--louer-un-logement", "difficultes-financieres"],
     "zone_eligibilite": ["01001", "01002"], "contact_nom_prenom": "Jeanne Martin",
     "telephone": "+33612345678"},
    {"source": "t", "structure_id": "di--ccas", "id": "s-ccas-2", "nom": "Soutien aux familles",
     "description": "Soutien à la parentalité.", "date_maj": PAST,
     "thematiques": ["famille--soutien-a-la-parentalite-et-a-leducation",
                     "logement-hebergement--louer-un-logement"],
     "zone_eligibilite": ["01", "200093201"]},
    {"source": "t", "structure_id": "di--cmp", "id": "s-cmp", "nom": "Consultations",
     "description": "Consultations de santé mentale.", "date_maj": PAST,
     "thematiques": ["sante--sante-mentale", "handicap"], "zone_eligibilite": ["99100"]},
    {"source": "t", "structure_id": "di--asso", "id": "s-asso-1", "nom": "Formation",
     "description": "Trouver une formation.", "date_maj": PAST,
     "thematiques": ["se-former--trouver-sa-formation",
                     "se-former--monter-son-dossier-de-formation"],
     "zone_eligibilite": ["03", "01001"]},
    {"source": "t", "structure_id": "di--asso", "id": "s-asso-2", "nom": "Hébergement",
     "description": "Hébergement temporaire.", "date_maj": PAST,
     "thematiques": ["logement-hebergement--rechercher-une-solution-dhebergement-temporaire"]},
    {"source": "t", "structure_id": "di--tie", "id": "s-tie", "nom": "Accueil",
     "description": "Accueil et orientation.", "date_maj": PAST,
     "thematiques": ["sante--acces-aux-soins", "logement-hebergement--changer-de-logement"],
     "zone_eligibilite": ["france"]},
    {"source": "t", "structure_id": "di--ml", "id": "s-ml", "nom": "Accompagnement emploi",
     "description": "Trouver un emploi.", "date_maj": PAST,
     "thematiques": ["trouver-un-emploi--repondre-a-des-offres-demploi"]},
    # structure-less
    {"source": "t", "structure_id": "di--nowhere", "id": "s-orphan", "nom": "Orphelin",
     "description": "Service sans structure.", "date_maj": PAST,
     "thematiques": ["sante--addictions"]},
    # a thematique no taxonomy knows (an older version's code, say): the code is left out,
    # the service kept
    {"source": "t", "structure_id": "di--ccas", "id": "s-bad", "nom": "Mauvais",
     "description": "Thématique inconnue.", "date_maj": PAST,
     "thematiques": ["mobilite--financer-mon-projet-mobilite"]},
    # its structure was left out
    {"source": "t", "structure_id": "di--future", "id": "s-future", "nom": "Futur",
     "description": "Service d'une structure invalide.", "date_maj": PAST,
     "thematiques": ["sante--addictions"]},
]

SECTORS_CSV = "service_id,sector\ndi--ml,Education\ndi--nowhere,sante\ndi--cmp,pas-un-secteur\n"

# service_id, name, sector, commune, competences, served_area
EXPECTED = [
    ("di--ccas", "CCAS d'Aville", "social", "01001",
     "difficultes-financieres|famille--soutien-a-la-parentalite-et-a-leducation|"
     "logement-hebergement--louer-un-logement", "01|01001|01002"),
    ("di--cmp", "CMP de Bbourg", "sante", "01002", "handicap|sante--sante-mentale", "france"),
    ("di--asso", "Association de Cville", "education", "02001",
     "logement-hebergement--rechercher-une-solution-dhebergement-temporaire|"
     "se-former--monter-son-dossier-de-formation|se-former--trouver-sa-formation",
     "01001|02|03"),
    ("di--tie", "Maison de Dville", "sante", "03001",
     "logement-hebergement--changer-de-logement|sante--acces-aux-soins", "france"),
    ("di--empty", "Permanence d'Aville", "social", "01001", None, None),
    ("di--ml", "Mission locale de Cville", "education", "02001",
     "trouver-un-emploi--repondre-a-des-offres-demploi", None),
]
EXPECTED_ISSUES = {
    ("structures", "di--future", "dans le futur"),
    ("structures", "di--mail", "courriel: invalid value"),
    ("structures", "di--empty", "no valid service"),
    ("services", "s-ccas-2", "EPCI code(s) left out of zone_eligibilite (200093201)"),
    ("services", "s-orphan", "'di--nowhere' is not a structure kept"),
    ("services", "s-bad", "thematique code(s) that are not data·inclusion v1 codes nor the "
     "contract's left out (mobilite--financer-mon-projet-mobilite)"),
    ("services", "s-future", "'di--future' is not a structure kept"),
    ("sectors", "line 3", "unknown service id 'di--nowhere'"),
    ("sectors", "line 4", "unknown sector 'pas-un-secteur'"),
}
LIST_FIELDS = ("reseaux_porteurs", "thematiques", "zone_eligibilite")


def _csv_cell(key, value):
    if value is None:
        return ""
    if key == "zone_eligibilite":
        return json.dumps(value)  # a JSON array text
    if key == "reseaux_porteurs":
        return ",".join(value)
    if isinstance(value, list):
        return "|".join(value)
    return value


def write_records(folder: Path, name: str, records: list[dict], form: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.{form}"
    fields = list(dict.fromkeys(key for record in records for key in record))
    if form == "json":  # structures as an array, services as JSON lines
        if name == "structures":
            path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        else:
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                            encoding="utf-8")
    elif form == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(fields)
            writer.writerows([_csv_cell(k, r.get(k)) for k in fields] for r in records)
    else:
        schema = {k: pl.List(pl.String) if k in LIST_FIELDS else pl.String for k in fields}
        rows = [{k: r.get(k) for k in fields} for r in records]
        pl.DataFrame(rows, schema=schema).with_columns(
            pl.col("date_maj").str.to_date()).write_parquet(path)
    return path


@pytest.fixture
def di_home(tiny_home) -> Home:
    """The tiny home with its directory replaced by the hand-made data·inclusion files."""
    (tiny_home.reference / "services.csv").unlink()
    return tiny_home


def put_directory(home: Home, form: str) -> None:
    folder = home.reference / "data-inclusion"
    write_records(folder, "structures", STRUCTURES, form)
    write_records(folder, "services", SERVICES, form)
    (home.reference / "sectors.csv").write_text(SECTORS_CSV, encoding="utf-8")


@pytest.mark.parametrize("form", ["json", "csv", "parquet"])
def test_each_form_gives_the_expected_directory(di_home, form):
    put_directory(di_home, form)
    issues = []
    frame = reference_frames(di_home, issues)["services"]
    assert frame.columns == ["row_number", "service_id", "name", "sector", "commune",
                             "competences", "served_area", "capacity", "opened_on",
                             "closed_on", "offers", "file"]
    assert frame["row_number"].dtype == pl.Int32
    assert all(dtype == pl.String for dtype in frame.drop("row_number").dtypes)
    assert frame.select("service_id", "name", "sector", "commune", "competences",
                        "served_area").rows() == EXPECTED
    assert frame["row_number"].to_list() == [1, 2, 3, 4, 5, 6]
    # The ids of each structure's valid services: DORA names its targets by them.
    assert dict(frame.select("service_id", "offers").iter_rows())["di--ccas"] == \
        "s-bad|s-ccas-1|s-ccas-2"
    assert set(frame["file"]) == {f"structures.{form}"}
    assert frame.select("capacity", "opened_on", "closed_on").null_count().row(0) == (6, 6, 6)

    found = {(issue.file.split(".")[0], issue.record, issue.problem) for issue in issues}
    for file, record, words in EXPECTED_ISSUES:
        assert any(f == file and r == record and words in p for f, r, p in found), (
            file, record, words, found)
    assert len(issues) == len(EXPECTED_ISSUES)
    # Nothing identifying anywhere: not in the rows, not in the issues.
    text = " ".join(str(value) for row in frame.rows() for value in row)
    text += " ".join(str(issue) for issue in issues)
    for secret in SECRETS:
        assert secret not in text


def test_the_asset_logs_the_issues_and_counts_them_in_the_metadata(di_home):
    import dagster as dg

    from pipelines.orchestration.assets.ingest import reference_tables
    from pipelines.orchestration.resources import HomeResource

    put_directory(di_home, "parquet")
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([reference_tables], instance=instance,
                            resources={"home": HomeResource(path=str(di_home.root))})
    assert result.success
    metadata = {m.asset_key.to_user_string(): m.metadata
                for m in result.asset_materializations_for_node("reference_tables")}
    assert metadata["raw/services"]["rows"].value == 6
    assert metadata["raw/services"]["issues"].value == len(EXPECTED_ISSUES)
    warnings = [entry.user_message for entry in instance.all_logs(result.run_id)
                if entry.level == logging.WARNING]
    assert len(warnings) == len(EXPECTED_ISSUES)
    assert any("s-orphan" in message for message in warnings)


def test_a_file_that_cannot_be_parsed_stops_the_run_naming_it(di_home):
    put_directory(di_home, "json")
    (di_home.reference / "data-inclusion" / "services.json").write_text('[{"id": ',
                                                                         encoding="utf-8")
    with pytest.raises(UnusableReference, match=r"services\.json cannot be read: broken JSON"):
        reference_frames(di_home)


def test_a_broken_json_line_is_one_record_left_out(di_home):
    put_directory(di_home, "json")
    services = di_home.reference / "data-inclusion" / "services.json"
    lines = services.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1][:40]  # s-ccas-2, cut short
    services.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issues = []
    frame = reference_frames(di_home, issues)["services"]
    assert "famille" not in frame.filter(pl.col("service_id") == "di--ccas")["competences"][0]
    assert any(i.record == "record 2" and "broken JSON line" in i.problem for i in issues)


def test_a_missing_services_file_is_a_missing_reference(di_home):
    write_records(di_home.reference / "data-inclusion", "structures", STRUCTURES, "csv")
    with pytest.raises(UnusableReference, match=r"no services file in .*data-inclusion.*"
                                               r"services\.json, services\.csv or"):
        required_files(di_home)


def test_no_directory_at_all_is_a_missing_reference(di_home):
    with pytest.raises(UnusableReference, match="no directory of services"):
        required_files(di_home)


def test_the_canonical_file_wins_over_the_data_inclusion_folder(tiny_home):
    put_directory(tiny_home, "csv")
    assert required_files(tiny_home)["services"].name == "services.csv"
    issues = []
    frame = reference_frames(tiny_home, issues)["services"]
    assert frame["service_id"].to_list() == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert [issue.file for issue in issues] == ["data-inclusion/"]
    assert "services.csv is present and wins" in issues[0].problem


def test_the_shipped_mapping_places_every_reseau_and_every_family():
    from data_inclusion.schema.v1 import Categorie, ReseauPorteur

    mapping = load_sector_mapping()
    reseaux = [value for value, _ in mapping.reseaux]
    families = [value for value, _ in mapping.families]
    assert set(reseaux) == {r.value for r in ReseauPorteur} and len(reseaux) == len(set(reseaux))
    assert {c.value for c in Categorie} <= set(families)
    assert {sector for _, sector in mapping.reseaux + mapping.families} == set(SECTORS)


def test_an_unplaceable_sector_goes_to_the_override(tiny_home, monkeypatch):
    # With a mapping that cannot give "justice", the writer puts the SPIP in sectors.csv and
    # the reader gives it back (the generator has its own copy of the rule, and of the table).
    import pipelines.ingest.directory as directory
    import pipelines.ingest.sectors as sectors
    import reseau_synthetic.data_inclusion as generator
    from reseau_synthetic.sectors import SectorTable

    full = load_sector_mapping()
    poor = SectorMapping(reseaux=tuple(r for r in full.reseaux if r[1] != "justice"),
                         families=tuple(f for f in full.families if f[1] != "justice"))
    monkeypatch.setattr(directory, "load_sector_mapping", lambda *args: poor)
    monkeypatch.setattr(sectors, "load_sector_mapping", lambda *args: poor)
    monkeypatch.setattr(generator, "sector_table",
                        lambda: SectorTable(reseaux=poor.reseaux, families=poor.families))
    written = write_data_inclusion_directory(tiny_home.root, "csv")
    assert written["sectors"].read_text(encoding="utf-8") == "service_id,sector\nS5,justice\n"
    assert not (tiny_home.reference / "services.csv").exists()
    frame, issues = read_directory(tiny_home.reference / "data-inclusion",
                                   tiny_home.reference / "sectors.csv")
    assert dict(frame.select("service_id", "sector").rows())["S5"] == "justice"
    assert issues == []


# --- round trip through a generated home -------------------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    # The generator's smallest region (it refuses fewer referrals or months).
    root = tmp_path_factory.mktemp("generated") / "home"
    generate_home(root, referrals=10_000, months=18, seed=3)
    return root


def _departements_by_region(territories: Path) -> dict[str, set[str]]:
    frame = pl.read_csv(sorted(territories.glob("v_departement_*.csv"))[-1], infer_schema=False)
    return {reg: set(group["DEP"]) for (reg,), group in frame.group_by("REG")}


def _codes(value: str | None) -> set[str]:
    return {code for code in (value or "").split("|") if code}


@pytest.mark.parametrize("form", ["json", "csv", "parquet"])
def test_round_trip_gives_back_the_canonical_directory(generated, tmp_path, form):
    root = tmp_path / "home"
    shutil.copytree(generated / "reference", root / "reference")
    canonical = pl.read_csv(root / "reference" / "services.csv", infer_schema=False)
    write_data_inclusion_directory(root, form)
    assert not (root / "reference" / "services.csv").exists()

    issues = []
    frame = reference_frames(Home.open(root), issues)["services"]
    assert issues == []
    regions = _departements_by_region(root / "reference" / "territories")

    def served(value):
        codes = set()
        for code in _codes(value):
            codes |= regions[code[1:]] if code.startswith("R") else {code}
        return codes

    def rows(table):
        return {row["service_id"]: (row["name"], row["sector"], row["commune"],
                                    _codes(row["competences"]), served(row["served_area"]))
                for row in table.iter_rows(named=True)}

    assert frame["service_id"].to_list() == canonical["service_id"].to_list()
    assert rows(frame) == rows(canonical)
