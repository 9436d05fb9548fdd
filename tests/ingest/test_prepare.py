"""``reseau prepare`` on raw exports of the real shapes, filled with made-up people."""

import datetime as dt

import polars as pl
import pytest

from pipelines.cli.main import main
from pipelines.ingest.prepare import PrepareError, normalised_name, prepare_export, read_key
from tests import real_shapes

KEY = b"linkage-key-shared-by-services"
PARIS = dt.timezone(dt.timedelta(hours=1))
# Made-up people; each string must never appear in a file prepare writes.
SECRETS = ["Dupont", "Marie", "Lefèvre", "Jean-Luc", "Morel", "Claire", "Benali", "Yasmina",
           "claire.morel@ccas-exemple.fr", "0491234567", "06 12 34 56 78", "example.org",
           "1234567A", "token=", "Villefausse", "Recherche un accompagnement"]

SENT = [
    {"date": "2025-03-04", "status": "Validée", "person": "Marie Dupont",
     "structure": "Mission locale de Gap", "worker": "Claire Morel"},
    {"date": "2025-03-05", "status": "Ouverte / En cours de traitement",
     "person": "Jean-Luc Lefèvre", "structure": "CCAS de Briançon",
     "worker": "Utilisateur supprimé"},
    {"date": "2025-03-06", "status": "Refusée", "person": "marie  DUPONT",
     "structure": "CCAS de Briançon", "worker": "Claire Morel"},
]
EMPLOIS = [
    {"last": "Dupont", "first": "Marie", "birth": dt.date(1990, 5, 1), "postcode": "05000",
     "employer": "Chantier d'insertion du Buëch", "prescriber": "Mission locale de Gap",
     "worker": "Claire Morel", "date": dt.date(2025, 3, 4), "status": "Candidature acceptée"},
    {"last": "Benali", "first": "Yasmina", "birth": dt.date(1985, 1, 2), "postcode": "05100",
     "employer": "Chantier d'insertion du Buëch", "prescriber": "",
     "worker": "", "date": dt.date(2025, 6, 2), "status": "Candidature déclinée",
     "reason": "Refus automatique"},
]


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "linkage.key"
    path.write_bytes(KEY + b"\n")
    return path


def all_bytes(folder) -> bytes:
    return b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())


def assert_no_secret(folder):
    written = all_bytes(folder).decode("utf-8")
    for secret in SECRETS:
        assert secret not in written, secret


def test_a_dora_export_keeps_its_shape_without_names(tmp_path):
    raw = real_shapes.dora_sent(tmp_path / "raw" / "orientations-envoyees-dora-ml-gap-"
                                                   "2025-03-31.xlsx", SENT)
    report = prepare_export(raw, tmp_path / "out", KEY)
    prepared = pl.read_csv(tmp_path / "out" / "orientations-envoyees-dora-ml-gap-2025-03-31.csv",
                           infer_schema=False)
    assert prepared.columns == ["Envoyée le", "Statut", "Structure concernée",
                                "Service concerné", "id_personne", "id_professionnel"]
    by_date = {row["Envoyée le"]: row for row in prepared.iter_rows(named=True)}
    # The same person written two ways is one pseudonym; another person is another.
    assert by_date["2025-03-04"]["id_personne"] == by_date["2025-03-06"]["id_personne"]
    assert by_date["2025-03-04"]["id_personne"] != by_date["2025-03-05"]["id_personne"]
    # A deleted user is no worker at all, not a shared pseudonym.
    assert by_date["2025-03-05"]["id_professionnel"] is None
    assert by_date["2025-03-04"]["id_professionnel"] == by_date["2025-03-06"]["id_professionnel"]
    assert (report.rows, report.persons_unknown, report.professionals_unknown) == (3, 0, 1)
    assert report.removed == ["Bénéficiaire", "Émetteur"]
    assert_no_secret(tmp_path / "out")
    for secret in SECRETS:
        assert secret not in report.text()


def test_one_person_through_two_software_gets_one_pseudonym(tmp_path):
    dora = real_shapes.dora_sent(tmp_path / "raw" / "dora.xlsx", SENT)
    emplois = real_shapes.emplois(tmp_path / "raw" / "candidatures-2025-03.xlsx", EMPLOIS)
    prepare_export(dora, tmp_path / "out", KEY)
    prepare_export(emplois, tmp_path / "out", KEY)
    from_dora = pl.read_csv(tmp_path / "out" / "dora.csv", infer_schema=False)
    from_emplois = pl.read_csv(tmp_path / "out" / "candidatures-2025-03.csv", infer_schema=False)
    marie = from_dora.filter(pl.col("Envoyée le") == "2025-03-04")["id_personne"].item()
    assert from_emplois["id_personne"].to_list()[0] == marie
    claire = from_dora.filter(pl.col("Envoyée le") == "2025-03-04")["id_professionnel"].item()
    assert from_emplois["id_professionnel"].to_list() == [claire, None]
    # The postcode, the structures and the decision stay; contacts and birth dates go.
    assert from_emplois.columns == [
        "Département candidat", "Nom structure employeur", "Type employeur",
        "Source de la candidature", "Nom organisation prescripteur", "Date de la candidature",
        "Statut de la candidature", "Motifs de refus", "id_personne", "id_professionnel"]
    # Text DD/MM/YYYY before 27 May 2025, a date cell after it.
    assert from_emplois["Date de la candidature"].to_list() == ["04/03/2025", "2025-06-02"]
    assert_no_secret(tmp_path / "out")


def test_another_key_gives_other_pseudonyms(tmp_path):
    raw = real_shapes.dora_sent(tmp_path / "raw" / "x.xlsx", SENT)
    prepare_export(raw, tmp_path / "a.csv", KEY)
    prepare_export(raw, tmp_path / "b.csv", b"another-linkage-key-of-16")
    first, second = (pl.read_csv(tmp_path / name, infer_schema=False)["id_personne"]
                     for name in ("a.csv", "b.csv"))
    assert not set(first.to_list()) & set(second.to_list())


def test_masked_names_give_no_person_and_the_report_says_so(tmp_path):
    raw = real_shapes.emplois(tmp_path / "raw" / "candidatures-chantier.xlsx", EMPLOIS,
                              masked=True)
    report = prepare_export(raw, tmp_path / "out", KEY)
    prepared = pl.read_csv(tmp_path / "out" / "candidatures-chantier.csv", infer_schema=False)
    assert prepared["id_personne"].to_list() == [None, None]
    assert report.persons_unknown == 2
    assert "2 row(s) without an identifiable person" in report.text()


def test_the_dora_json_export_uses_the_softwares_ids(tmp_path):
    created = dt.datetime(2025, 3, 5, 0, 30, tzinfo=PARIS)
    rows = [{"uid": "0b6f4c1e-2f8a-4c8e-9a55-3c1d2e4f5a6b", "beneficiary": "4521",
             "prescriber": "77", "structure": "S0001", "service": "dora--a1b2", "status":
             "VALIDÉE", "created": created, "processed": created + dt.timedelta(days=2)},
            {"uid": "1c7a5d2f-3a9b-4d9f-8b66-4d2e3f5a6b7c", "beneficiary": "4521",
             "prescriber": "78", "structure": "S0001", "service": "dora--c3d4", "status":
             "OUVERTE", "created": created + dt.timedelta(days=1), "processed": None}]
    raw = real_shapes.dora_json(tmp_path / "raw" / "emplois_orientations_export_20250401_"
                                               "101500.json", rows)
    report = prepare_export(raw, tmp_path / "out", KEY)
    prepared = pl.read_csv(next((tmp_path / "out").glob("*.csv")), infer_schema=False)
    assert prepared["creation_date"].to_list() == ["2025-03-04T23:30:00Z",
                                                   "2025-03-05T23:30:00Z"]
    assert prepared["id_personne"].n_unique() == 1  # the same DORA beneficiary
    assert prepared["id_professionnel"].n_unique() == 2
    assert rows[0]["uid"] not in prepared["emplois_sync_uid"].to_list()  # hashed
    assert report.hashed == ["emplois_sync_uid"]
    assert_no_secret(tmp_path / "out")


def test_names_are_folded_and_order_free():
    assert normalised_name("Marie-Ève  DUPONT") == normalised_name("dupont marie eve")
    assert normalised_name("D… M…") is None and normalised_name("D. M.") is None


@pytest.mark.parametrize("text, problem", [
    ("id,date\n1,2\n", "not an export réseau knows how to prepare"),
    ("Envoyée le,Statut,Structure concernée,Service concerné,id_personne\n", "already prepared"),
])
def test_a_file_that_is_no_raw_export_is_refused(tmp_path, text, problem):
    source = tmp_path / "x.csv"
    source.write_text(text, encoding="utf-8")
    with pytest.raises(PrepareError, match=problem):
        prepare_export(source, tmp_path / "out.csv", KEY)
    assert not (tmp_path / "out.csv").exists()


def test_the_software_can_be_named(tmp_path):
    raw = real_shapes.dora_sent(tmp_path / "x.xlsx", SENT)
    with pytest.raises(PrepareError, match="(?i)les emplois"):
        prepare_export(raw, tmp_path / "out.csv", KEY, software="emplois")
    assert prepare_export(raw, tmp_path / "out.csv", KEY, software="dora").rows == 3


def test_a_short_or_missing_key_is_refused(tmp_path):
    (tmp_path / "short.key").write_text("abc", encoding="utf-8")
    with pytest.raises(PrepareError, match="3 characters long"):
        read_key(tmp_path / "short.key")
    with pytest.raises(PrepareError, match="openssl rand"):
        read_key(tmp_path / "none.key")


def test_the_command_prepares_and_reports(tmp_path, key_file, capsys):
    raw = real_shapes.dora_received(tmp_path / "orientations-recues-dora-ccas-2025-03-31.xlsx",
                                    SENT, later_version=True)
    out = tmp_path / "to-send"
    out.mkdir()
    code = main(["prepare", str(raw), str(out), "--key-file", str(key_file),
                 "--report", str(tmp_path / "report.txt")])
    printed = capsys.readouterr().out
    assert code == 0
    assert "DORA, orientations reçues" in printed
    assert "Identifiant FT" in printed and "Lien" in printed  # named as removed
    assert (tmp_path / "report.txt").read_text(encoding="utf-8").strip() == printed.strip()
    assert_no_secret(out)
    assert main(["prepare", str(raw), str(out), "--key-file", str(tmp_path / "nokey")]) == 2


def test_an_export_missing_one_name_column_is_refused(tmp_path):
    import openpyxl

    raw = real_shapes.emplois(tmp_path / "candidatures.xlsx", EMPLOIS)
    book = openpyxl.load_workbook(raw)
    book.active.delete_cols(3)  # Prénom candidat
    book.save(raw)
    with pytest.raises(PrepareError, match="lacks Prénom candidat, beside Nom candidat"):
        prepare_export(raw, tmp_path / "out.csv", KEY)
    assert not (tmp_path / "out.csv").exists()


def test_an_output_that_cannot_be_written_is_one_line(tmp_path, key_file, capsys):
    raw = real_shapes.dora_sent(tmp_path / "x.xlsx", SENT)
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    for destination, report in ((tmp_path / "a-file" / "out.csv", None),
                                (tmp_path / "out.csv", tmp_path / "no-such" / "report.txt")):
        argv = ["prepare", str(raw), str(destination), "--key-file", str(key_file)]
        assert main(argv + (["--report", str(report)] if report else [])) == 2
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and error[0].startswith("reseau: error: cannot write")
