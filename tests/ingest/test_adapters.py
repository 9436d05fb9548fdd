"""Built-in adapters: prepared exports of real software read with no profile to write; raw
ones refused with the fix."""

import datetime as dt

import pytest

from pipelines.ingest.adapters import adapters
from pipelines.ingest.columns import REFERRALS
from pipelines.ingest.prepare import prepare_export
from pipelines.ingest.profiles import load_profile
from pipelines.ingest.readers import IdentifyingData, read_delivery
from reseau.contract import fold
from tests import real_shapes
from tests.ingest.test_prepare import EMPLOIS, KEY, PARIS, SENT


def delivered(tmp_path, raw, exporter="ml-gap", profile=None):
    """Prepare ``raw`` into the exporter's landing folder and read it as ingestion does."""
    folder = tmp_path / "landing" / "referrals" / exporter
    prepare_export(raw, folder, KEY)
    args = (profile,) if profile else ()
    return read_delivery(folder / f"{raw.stem}.csv", REFERRALS, *args)


def test_every_adapter_is_a_valid_profile_with_what_prepare_needs():
    names = {adapter.name for adapter in adapters()}
    assert names == {"dora-orientations-envoyees", "dora-orientations-recues",
                     "dora-orientations-json", "emplois-candidatures"}
    for adapter in adapters():
        assert adapter.prepare.keep and adapter.identifying
        # What preparation keeps is enough to recognise the prepared file, and nothing it
        # keeps is what it must remove.
        kept = {fold(header) for header in adapter.prepare.keep}
        assert adapter.matches(kept)
        assert not kept & set(adapter.identifying)


def test_dora_sent_the_origin_is_the_exporter(tmp_path):
    raw = real_shapes.dora_sent(tmp_path / "raw" / "orientations-envoyees-dora-ml-gap-"
                                                   "2025-03-31.xlsx", SENT)
    result = delivered(tmp_path, raw)
    assert (result.series, result.reader) == ("sent", "adapter dora-orientations-envoyees")
    rows = result.rows.sort("referral_date")
    assert rows["origin_service_id"].to_list() == ["ml-gap"] * 3
    assert rows["target_service_id"].to_list() == ["Mission locale de Gap", "CCAS de Briançon",
                                                   "CCAS de Briançon"]
    # Labels pass as written: the built-in vocabulary (dbt) knows DORA's labels.
    assert rows["status"].to_list() == ["Validée", "Ouverte / En cours de traitement",
                                        "Refusée"]
    assert rows["referral_id"].to_list() == ["3", "2", "1"]  # row numbers, newest first
    assert rows["person_id"].null_count() == 0 and rows["needs"].null_count() == 3
    assert rows["professional_id"].null_count() == 1  # "Utilisateur supprimé"


@pytest.mark.parametrize("later_version", [False, True])
def test_dora_received_the_target_is_the_exporter(tmp_path, later_version):
    rows = [dict(row, structure=structure) for row, structure in
            zip(SENT, ["CCAS de Briançon", "Pas de prescripteur", "CCAS de Briançon"],
                strict=True)]
    raw = real_shapes.dora_received(tmp_path / "raw" / "orientations-recues-dora-ml-gap-"
                                                       "2025-03-31.xlsx", rows, later_version)
    result = delivered(tmp_path, raw)
    assert result.series == "received"
    frame = result.rows.sort("referral_date")
    assert frame["target_service_id"].to_list() == ["ml-gap"] * 3
    assert frame["origin_service_id"].to_list() == ["CCAS de Briançon", None,
                                                    "CCAS de Briançon"]


def test_dora_json_utc_timestamps_become_paris_dates(tmp_path):
    created = dt.datetime(2025, 3, 5, 0, 30, tzinfo=PARIS)  # 23:30 UTC the day before
    rows = [{"uid": "0b6f4c1e-2f8a-4c8e-9a55-3c1d2e4f5a6b", "beneficiary": "4521",
             "prescriber": "77", "structure": "S0001", "service": "S0002", "status":
             "EXPIRÉE", "created": created, "processed": created + dt.timedelta(days=30)}]
    raw = real_shapes.dora_json(tmp_path / "raw" / "emplois_orientations_export.json", rows)
    frame = delivered(tmp_path, raw, exporter="dora").rows
    assert frame.select("referral_date", "decision_date", "origin_service_id",
                        "target_service_id", "status").row(0) == (
        "2025-03-05", "2025-04-04", "S0001", "S0002", "EXPIRÉE")


def test_emplois_postcode_statuses_over_two_columns_and_series_by_file_name(tmp_path):
    more = [dict(EMPLOIS[0], date=dt.date(2025, 7, 1), status="Embauche annulée"),
            dict(EMPLOIS[0], date=dt.date(2025, 7, 2), status="Action préalable à l’embauche"),
            dict(EMPLOIS[0], date=dt.date(2025, 7, 3), status="Candidature déclinée",
                 reason="Candidat non joignable")]
    raw = real_shapes.emplois(tmp_path / "raw" / "candidatures-chantier-du-buech-2025-07.xlsx",
                              EMPLOIS + more)
    result = delivered(tmp_path, raw, exporter="chantier")
    assert result.series == "received"
    frame = result.rows.sort("referral_date")
    assert frame["referral_date"].to_list() == ["04/03/2025", "2025-06-02", "2025-07-01",
                                                "2025-07-02", "2025-07-03"]
    assert frame["status"].to_list() == ["accepted", "expired", "accepted", "pending",
                                         "refused"]
    assert frame["person_postcode"].to_list()[:2] == ["05000", "05100"]
    assert frame["origin_service_id"].to_list()[:2] == ["Mission locale de Gap", None]
    sent = real_shapes.emplois(tmp_path / "raw" / "candidatures-2025-07.xlsx", EMPLOIS)
    assert delivered(tmp_path, sent, exporter="ml-gap").series == "sent"


@pytest.mark.parametrize("write, name, column", [
    (lambda p: real_shapes.dora_sent(p, SENT), "x.xlsx", "Bénéficiaire"),
    (lambda p: real_shapes.dora_received(p, SENT, True), "x.xlsx", "Bénéficiaire"),
    (lambda p: real_shapes.emplois(p, EMPLOIS, masked=True), "candidatures.xlsx",
     "Civilité candidat"),
])
def test_a_raw_export_is_refused_with_the_fix(tmp_path, write, name, column):
    path = write(tmp_path / "landing" / "referrals" / "svc" / name)
    with pytest.raises(IdentifyingData, match=f"'{column}'.*reseau prepare"):
        read_delivery(path, REFERRALS)


def test_a_recognised_export_is_read_by_its_adapter_whatever_the_profile(tmp_path):
    raw = real_shapes.dora_sent(tmp_path / "raw" / "orientations-envoyees.xlsx", SENT)
    profile_path = tmp_path / "sources" / "ml-gap.yml"
    profile_path.parent.mkdir()
    profile_path.write_text("columns: {target_service_id: Service concerné}\n",
                            encoding="utf-8")
    result = delivered(tmp_path, raw, profile=load_profile(profile_path))
    assert result.rows["target_service_id"].to_list()[0] == "CCAS de Briançon"
