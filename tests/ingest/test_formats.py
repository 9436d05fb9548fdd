"""Every export format of the data contract reads to the same canonical rows."""

import datetime as dt
import json

import openpyxl
import polars as pl
import pytest

from pipelines.ingest.columns import REFERRALS, SUPPORTS
from pipelines.ingest.formats import UnreadableFile, decode
from pipelines.ingest.readers import read_export

HEADERS = ["id_orientation", "Date d'orientation", "Service orienteur", "SERVICE DESTINATAIRE",
           "id personne", "Besoins", "Statut", "Commune personne"]
ROWS = [
    ["r1", "2025-03-04", "svc-a", "svc-b", "p1", "logement-hebergement", "VALIDÉE", "35238"],
    ["r2", "2025-03-05", "svc-a", "Épicerie sociale", "p2", "sante|justice", "REFUSÉE", ""],
]
EXPECTED = [
    ("r1", "2025-03-04", "svc-a", "svc-b", "p1", "logement-hebergement", "VALIDÉE", "35238"),
    ("r2", "2025-03-05", "svc-a", "Épicerie sociale", "p2", "sante|justice", "REFUSÉE", None),
]
CANONICAL = ["referral_id", "referral_date", "origin_service_id", "target_service_id",
             "person_id", "needs", "status", "person_commune"]


def delimited(separator: str) -> str:
    return "\r\n".join(separator.join(row) for row in [HEADERS, *ROWS]) + "\r\n"


def write_bytes(tmp_path, name, data: bytes):
    path = tmp_path / "svc-a" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def write_xlsx(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in ROWS:
        cells = list(row)
        cells[1] = dt.datetime.fromisoformat(row[1])  # a date cell, as Excel stores it
        cells[7] = int(row[7]) if row[7] else None    # a number cell
        sheet.append(cells)
    book.create_sheet("notes").append(["ignored: only the first sheet is read"])
    path = tmp_path / "svc-a" / "export.xlsx"
    path.parent.mkdir(exist_ok=True)
    book.save(path)
    return path


def records():
    out = []
    for row in ROWS:
        record = dict(zip(HEADERS, row, strict=True))
        record["Besoins"] = row[5].split("|")  # a JSON list of codes
        record["Commune personne"] = row[7] or None
        out.append(record)
    return out


FORMATS = {
    "comma, UTF-8": lambda p: write_bytes(p, "a.csv", delimited(",").encode()),
    "semicolon, Windows-1252": lambda p: write_bytes(p, "a.csv", delimited(";").encode("cp1252")),
    "tab, UTF-8 with BOM": lambda p: write_bytes(p, "a.tsv", b"\xef\xbb\xbf"
                                                 + delimited("\t").encode()),
    "tab, UTF-16 (Excel Unicode text)": lambda p: write_bytes(p, "a.txt",
                                                              delimited("\t").encode("utf-16")),
    "Excel sep= line": lambda p: write_bytes(p, "a.csv", ("sep=;\r\n" + delimited(";"))
                                             .encode("cp1252")),
    "XLSX": write_xlsx,
    "JSON array": lambda p: write_bytes(p, "a.json", json.dumps(records()).encode()),
    "JSON object holding the array": lambda p: write_bytes(
        p, "a.json", json.dumps({"orientations": records()}).encode()),
    "JSON object holding the array, indented": lambda p: write_bytes(
        p, "a.json", json.dumps({"orientations": records()}, indent=2).encode()),
    "JSON lines": lambda p: write_bytes(p, "a.jsonl", "\n".join(
        json.dumps(record, ensure_ascii=False) for record in records()).encode()),
    "JSON lines in .json": lambda p: write_bytes(p, "a.json", "\n".join(
        json.dumps(record) for record in records()).encode()),
}


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_reads_to_the_same_rows(tmp_path, name):
    frame = read_export(FORMATS[name](tmp_path), REFERRALS)
    assert frame["row_number"].to_list() == [1, 2]
    assert frame.select(CANONICAL).rows() == EXPECTED


def test_supports_read_from_xlsx_too(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["id_mobilisation", "date_mobilisation", "service", "id_personne",
                        "type_aidant", "id_aidant"])
    book.active.append(["s1", dt.date(2025, 1, 2), "svc-a", "p1", "famille", 42])
    path = tmp_path / "s.xlsx"
    book.save(path)
    row = read_export(path, SUPPORTS).row(0, named=True)
    assert (row["support_date"], row["supporter_id"]) == ("2025-01-02", "42")


def test_windows_1252_is_recognised_only_when_utf8_fails():
    assert decode("é".encode()) == ("é", "utf-8")
    assert decode("é".encode("cp1252")) == ("é", "cp1252")


@pytest.mark.parametrize("data, suffix, problem", [
    (b"\x81\x8d\x90", ".csv", "neither UTF-8 nor Windows-1252"),
    (b"a,b\n1,2,3\n", ".csv", "same number of fields"),
    (b"", ".csv", "empty"),
    (b"[1, 2]", ".json", "item 1 is not an object"),
    (b'{"a": 1}\n{"a": ', ".jsonl", "line 2 is not valid JSON"),
    (b"not a zip", ".xlsx", "not a readable XLSX"),
    (b"x", ".xls", "old Excel format"),
    (b"x", ".pdf", "unsupported file type"),
])
def test_unreadable_files_say_what_is_wrong_and_the_fix(tmp_path, data, suffix, problem):
    with pytest.raises(UnreadableFile, match=problem):
        read_export(write_bytes(tmp_path, "bad" + suffix, data), REFERRALS)


def test_a_header_given_twice_is_unreadable(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["id_orientation", "id_orientation"])
    book.active.append(["a", "b"])
    book.save(tmp_path / "twice.xlsx")
    with pytest.raises(UnreadableFile, match="appears twice"):
        read_export(tmp_path / "twice.xlsx", REFERRALS)


def test_empty_spreadsheet_rows_are_not_rows(tmp_path):
    book = openpyxl.Workbook()
    for row in [HEADERS, ROWS[0], [None] * len(HEADERS), ROWS[1]]:
        book.active.append(row)
    book.save(tmp_path / "gaps.xlsx")
    assert read_export(tmp_path / "gaps.xlsx", REFERRALS).height == 2


def test_reading_keeps_text_as_text(tmp_path):
    path = write_bytes(tmp_path, "codes.csv", b"id_orientation,date_orientation,service_orienteur,"
                       b"service_destinataire,id_personne,besoins,commune_personne\n"
                       b"007,04/03/2025,a,b,p,sante,01053\n")
    row = read_export(path, REFERRALS).row(0, named=True)
    assert (row["referral_id"], row["referral_date"], row["person_commune"]) == (
        "007", "04/03/2025", "01053")
    assert read_export(path, REFERRALS).schema["referral_id"] == pl.String
