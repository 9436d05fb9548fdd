"""Funder files: numbers for people in the CSV, numbers with formats in the XLSX, and a text
cell a spreadsheet would run neutralised in both."""

import openpyxl
import polars as pl
import pytest

from pipelines.publish.funder_files import (
    SUPPRESSED_COLUMN,
    neutralise,
    wide,
    write_csv,
    write_xlsx,
)


@pytest.mark.parametrize("text, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+33", "'+33"),
    ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("Ille-et-Vilaine", "Ille-et-Vilaine"),
    (None, None),
])
def test_formula_starts_get_an_apostrophe(text, expected):
    assert neutralise(text) == expected


CATALOGUE = pl.DataFrame({
    "indicator": ["referrals", "top3_target_share", "hhi_targets", "effective_targets",
                  "reciprocity"],
    "label_fr": ["Orientations", "Part des trois premiers", "Concentration (HHI)",
                 "Nombre effectif de partenaires", "Réciprocité"],
    "unit": ["orientations", "part de 0 à 1", "indice de 0 à 1", "services",
             "part de 0 à 1"]})


def table():
    values = {"referrals": 1559.0, "top3_target_share": 0.24418,
              "hhi_targets": 0.011328210341903516, "effective_targets": 88.27531,
              "reciprocity": None}
    long = pl.DataFrame({
        "territory_level": "departement", "territory_code": "35",
        "territory_name": "=cmd|' /C calc'!A0", "window_months": 12,
        "indicator": list(values), "value": list(values.values()),
        "suppressed": [value is None for value in values.values()]})
    return wide(long, CATALOGUE, "departement")


def test_csv_numbers_read_as_french_people_write_them_and_cells_are_not_formulas(tmp_path):
    write_csv(table(), tmp_path / "t.csv")
    header, line = (tmp_path / "t.csv").read_text("utf-8-sig").splitlines()
    assert header.split(";") == [
        "Code", "Territoire", "Orientations (orientations)", "Part des trois premiers (%)",
        "Concentration (HHI) (indice de 0 à 1)", "Nombre effectif de partenaires (services)",
        "Réciprocité (%)", SUPPRESSED_COLUMN]
    assert line.split(";") == ["35", "'=cmd|' /C calc'!A0", "1\u202f559", "24,4\u202f%",
                               "0,0113", "88,3", "", "Réciprocité"]


def test_xlsx_cells_are_numbers_with_formats_and_hidden_cells_are_empty(tmp_path):
    write_xlsx(table(), tmp_path / "t.xlsx", "t")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    header, row = sheet[1], sheet[2]
    assert header[3].value == "Part des trois premiers (%)"
    assert row[1].data_type == "s" and row[1].value == "=cmd|' /C calc'!A0"
    assert [cell.number_format for cell in row[2:6]] == ["#,##0", "0.0%", "0.0000", "0.0"]
    assert [cell.value for cell in row[2:6]] == pytest.approx(
        [1559.0, 0.24418, 0.011328210341903516, 88.27531])
    assert row[6].value is None and row[6].comment
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["B"].width >= len(row[1].value)
