import polars as pl
import pytest

from pipelines.ingest.columns import REFERRALS
from pipelines.ingest.readers import UnreadableFile, read_export
from reseau.contract import fold


@pytest.mark.parametrize("header", ["Date d'orientation", "DATE_ORIENTATION", " date orientation",
                                    "\ufeffdate-orientation"])
def test_headers_match_ignoring_case_accents_spaces_and_punctuation(header):
    assert REFERRALS.header_map()[fold(header)] == "referral_date"


def write(tmp_path, text, name="export.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_french_headers_are_synonyms_and_extra_columns_are_dropped(tmp_path):
    path = write(tmp_path, "id_orientation,Date orientation,service orienteur,"
                           "SERVICE_DESTINATAIRE,id personne,besoins,note interne\n"
                           "r1,2024-05-03,S1,S2,P1,sante,hello\n")
    frame = read_export(path, REFERRALS)
    assert frame.columns == ["row_number", *REFERRALS.column_names]
    assert frame.row(0, named=True)["target_service_id"] == "S2"
    assert frame["status"].to_list() == [None]  # optional column absent: null


def test_row_numbers_count_data_rows_from_one(tmp_path):
    path = write(tmp_path, "referral_id,referral_date,origin_service_id,target_service_id,"
                           "person_id,needs\na,1,S1,S2,P,x\nb,2,S1,S2,P,x\n")
    assert read_export(path, REFERRALS)["row_number"].to_list() == [1, 2]


def test_values_stay_text(tmp_path):
    path = write(tmp_path, "referral_id,referral_date,origin_service_id,target_service_id,"
                           "person_id,needs,person_commune\n001,2024-05-03,S1,S2,P,x,01001\n")
    row = read_export(path, REFERRALS).row(0, named=True)
    assert (row["referral_id"], row["person_commune"]) == ("001", "01001")
    assert read_export(path, REFERRALS).schema["referral_id"] == pl.String


def test_a_missing_required_column_makes_the_file_unreadable(tmp_path):
    path = write(tmp_path, "referral_id,referral_date,origin_service_id,person_id,needs\n"
                           "a,2024-01-01,S1,P,x\n")
    with pytest.raises(UnreadableFile, match="target_service_id"):
        read_export(path, REFERRALS)


def test_an_unsupported_type_is_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="unsupported file type"):
        read_export(write(tmp_path, "x", "export.pdf"), REFERRALS)


def test_an_empty_file_is_unreadable(tmp_path):
    with pytest.raises(UnreadableFile, match="empty"):
        read_export(write(tmp_path, ""), REFERRALS)
