"""Deliveries as real software makes them, through the whole pipeline: DORA's sent and
received exports (two series), a corrected re-export, names in place of ids, a placeholder,
and an export of les emplois written without names."""

import datetime as dt
import os

import duckdb
import pytest

from pipelines.cli.runner import run_pipeline
from pipelines.ingest.prepare import prepare_export
from tests import real_shapes
from tests.conftest import DELIVERY_EPOCH

KEY = b"the-tiny-home-linkage-key"
ANNE, BRUNO, CLARA = "Anne Aubert", "Bruno Barre", "Clara Colin"
SENT = [  # Mission locale de Cville (S4) sends, in May 2024; partners named as DORA names them
    {"date": "2024-05-06", "status": "Validée", "person": ANNE, "structure": "CMP de Bbourg",
     "worker": "Marc Morin"},
    {"date": "2024-05-07", "status": "Ouverte / En cours de traitement", "person": BRUNO,
     "structure": "Chrs d’Aville", "worker": "Marc Morin"},
    {"date": "2024-05-08", "status": "Refusée", "person": CLARA, "structure": "SPIP de Dville",
     "worker": "Utilisateur supprimé"},
]
RECEIVED = [  # ... and receives
    {"date": "2024-05-09", "status": "Validée", "person": ANNE, "structure": "CCAS d'Aville",
     "worker": "Inès Ibert"},
    {"date": "2024-05-10", "status": "Validée", "person": BRUNO,
     "structure": "Pas de prescripteur", "worker": "Utilisateur supprimé"},
    # Names the aliases below make ambiguous, or point to no service of the directory.
    {"date": "2024-05-14", "status": "Validée", "person": CLARA,
     "structure": "Partenaire santé", "worker": "Inès Ibert"},
    {"date": "2024-05-15", "status": "Validée", "person": CLARA,
     "structure": "CMP Bbourg", "worker": "Inès Ibert"},
]
ALIASES = "*,Partenaire Santé,S2\n*,partenaire sante,S3\n*,CMP Bbourg,S99\n"


def land(home, raw, exporter: str, hours: int) -> str:
    """Prepare ``raw`` into the exporter's landing folder, delivered ``hours`` after the
    tiny home's own files."""
    report = prepare_export(raw, home.landing / "referrals" / exporter, KEY)
    stamp = DELIVERY_EPOCH + hours * 3600
    os.utime(report.output, (stamp, stamp))
    return report.output.split(str(home.root) + "/", 1)[1]


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    from reseau.home import Home
    from tests.conftest import TEST_KEY, copy_tiny_home

    os.environ["RESEAU_PSEUDONYM_KEY"] = TEST_KEY
    home = Home.open(copy_tiny_home(tmp_path_factory.mktemp("real") / "tiny"))
    with (home.reference / "service_aliases.csv").open("a", encoding="utf-8") as aliases:
        aliases.write(ALIASES)  # aliases for every exporter
    raw = tmp_path_factory.mktemp("raw")
    files = {
        "sent": land(home, real_shapes.dora_sent(
            raw / "orientations-envoyees-dora-mission-locale-de-cville-2024-06-05.xlsx", SENT),
            "S4", 100),
        "received": land(home, real_shapes.dora_received(
            raw / "orientations-recues-dora-mission-locale-de-cville-2024-06-05.xlsx",
            RECEIVED), "S4", 100),
        # Exported again two weeks later: the referral to the SPIP was entered by mistake.
        "corrected": land(home, real_shapes.dora_sent(
            raw / "orientations-envoyees-dora-mission-locale-de-cville-2024-06-19.xlsx",
            SENT[:2]), "S4", 400),
        # The SPIP's les emplois export, by a user not allowed to see names.
        "masked": land(home, real_shapes.emplois(
            raw / "candidatures-spip-de-dville-2024-05.xlsx",
            [{"last": "Dupont", "first": "Marie", "birth": dt.date(1990, 1, 1),
              "postcode": "01000", "employer": "SPIP de Dville",
              "prescriber": "Mission locale de Cville", "worker": "Marc Morin",
              "date": dt.date(2024, 5, 13), "status": "Candidature acceptée"}], masked=True),
            "S5", 100),
    }
    assert run_pipeline(home, ["2024-05-01", "2024-06-01"])
    con = duckdb.connect(str(home.published_warehouse), read_only=True)
    yield files, con
    con.close()


def test_sent_and_received_are_two_series_and_a_re_export_replaces_its_own(delivered):
    files, con = delivered
    audit = {file: row for file, *row in con.execute(
        "select file, series, reader, rows_read, rows_loaded + rows_merged, rows_superseded, "
        "rows_quarantined, status from marts.load_audit where exporter_id in ('S4', 'S5')"
    ).fetchall()}
    assert audit[files["sent"]] == ["sent", "adapter dora-orientations-envoyees", 3, 0, 3, 0,
                                    "superseded"]
    assert audit[files["corrected"]] == ["sent", "adapter dora-orientations-envoyees", 2, 2, 0,
                                         0, "loaded"]
    # Delivered before the correction, the received export is untouched by it.
    assert audit[files["received"]] == ["received", "adapter dora-orientations-recues", 4, 1,
                                        0, 3, "loaded"]
    assert audit[files["masked"]][:2] == ["received", "adapter emplois-candidatures"]


def test_names_resolve_and_needs_are_inferred_where_unambiguous(delivered):
    _, con = delivered
    rows = con.execute(
        "select origin_service_id, target_service_id, status, needs, needs_inferred, "
        "out_of_mission, territory_basis from marts.fct_referrals "
        "where 'S4' in (origin_service_id, target_service_id) "
        "and referral_date between '2024-05-06' and '2024-05-10' order by referral_date"
    ).fetchall()
    assert rows == [
        # Each target has one competence: its need is inferred, and out_of_mission unknown.
        ("S4", "S2", "accepted", ["sante--sante-mentale"], True, None, "origin_service"),
        ("S4", "S3", "pending",
         ["logement-hebergement--rechercher-une-solution-dhebergement-temporaire"], True, None,
         "origin_service"),
        ("S1", "S4", "accepted", ["trouver-un-emploi"], True, None, "origin_service"),
    ]


def test_placeholders_masks_and_unusable_names_are_quarantined_not_guessed(delivered):
    files, con = delivered
    reasons = sorted(reason for file, reason in con.execute(
        "select file, reason from marts.quarantine").fetchall()
        if file in (files["received"], files["masked"]))
    assert reasons == [
        'ambiguous service: origin "Partenaire santé" names several directory services '
        "(S2, S3): give it an alias in service_aliases.csv",
        "missing required value: origin_service_id",
        "missing required value: person_id",
        'unknown service: origin "CMP Bbourg" is neither a directory id nor a known name or '
        "alias"]


def test_one_person_prepared_by_two_services_is_one_person(delivered):
    _, con = delivered
    # Anne was sent by S4 to S2 and received by S4 from S1: one person, under the linkage
    # key and the observatory's key alike.
    persons = con.execute(
        "select count(distinct person_key) from marts.fct_referrals "
        "where 'S4' in (origin_service_id, target_service_id) "
        "and referral_date in ('2024-05-06', '2024-05-09')").fetchone()[0]
    assert persons == 1
