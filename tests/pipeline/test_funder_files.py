"""Funder files: a text cell a spreadsheet would run is neutralised, in CSV and XLSX."""

import openpyxl
import polars as pl
import pytest

from pipelines.publish.funder_files import SUPPRESSED_COLUMN, neutralise, write_csv, write_xlsx


@pytest.mark.parametrize("text, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+33", "'+33"),
    ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("Ille-et-Vilaine", "Ille-et-Vilaine"),
    (None, None),
])
def test_formula_starts_get_an_apostrophe(text, expected):
    assert neutralise(text) == expected


def table():
    return pl.DataFrame({"Code": ["35"], "Territoire": ["=cmd|' /C calc'!A0"],
                         "Orientations": [12.5], "Réciprocité": [None],
                         SUPPRESSED_COLUMN: ["Réciprocité"]})


def test_csv_cells_are_not_formulas(tmp_path):
    write_csv(table(), tmp_path / "t.csv")
    line = (tmp_path / "t.csv").read_text("utf-8-sig").splitlines()[1]
    assert line.split(";")[:3] == ["35", "'=cmd|' /C calc'!A0", "12,5"]


def test_xlsx_text_is_text_and_the_hidden_cell_is_empty(tmp_path):
    write_xlsx(table(), tmp_path / "t.xlsx", "t")
    row = openpyxl.load_workbook(tmp_path / "t.xlsx").active[2]
    assert row[1].data_type == "s" and row[1].value == "=cmd|' /C calc'!A0"
    assert row[2].value == 12.5 and row[3].value is None and row[3].comment
