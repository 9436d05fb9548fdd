"""Funder files of a generated region: shaped as interfaces.md says, disclosure applied."""

import re

import openpyxl
import polars as pl
import pytest

from reseau.indicators import COUNTS

pytestmark = pytest.mark.e2e

PARQUET_COLUMNS = ["territory_level", "territory_code", "territory_name", "month",
                   "window_months", "indicator", "value", "suppressed"]


@pytest.fixture(scope="module")
def last_month(generated):
    root, truth, con = generated
    month = con.execute("select max(month) from marts.territory_indicators").fetchone()[0]
    return root / "published" / f"{month:%Y-%m}", month


def test_every_month_with_indicators_has_its_files(generated):
    root, _, con = generated
    months = [m for (m,) in con.execute(
        "select distinct month from marts.territory_indicators").fetchall()]
    for month in months:
        folder = root / "published" / f"{month:%Y-%m}"
        assert sorted(p.name for p in folder.iterdir()) == [
            "indicateurs_departement.csv", "indicateurs_departement.xlsx",
            "indicateurs_region.csv", "indicateurs_region.xlsx", "indicators.parquet",
            "rapports"]


def test_the_parquet_hides_small_cells_and_keeps_the_others_exact(generated, last_month):
    _, _, con = generated
    folder, month = last_month
    published = pl.read_parquet(folder / "indicators.parquet")
    assert published.columns == PARQUET_COLUMNS
    exact = con.execute("select territory_level, territory_code, window_months, indicator, "
                        "value as exact, denominator from marts.territory_indicators "
                        "where month = ?", [month]).pl()
    both = published.join(exact, on=["territory_level", "territory_code", "window_months",
                                     "indicator"], how="full", coalesce=True)
    assert both.height == published.height == exact.height
    shown = both.filter(~pl.col("suppressed"))
    counts = shown.filter(pl.col("indicator").is_in(list(COUNTS)))
    ratios = shown.filter(~pl.col("indicator").is_in(list(COUNTS)))
    assert counts.filter(pl.col("value") < 11).height == 0
    assert ratios.filter(pl.col("value").is_not_null() & (pl.col("denominator") < 11)).height == 0
    assert shown.filter(pl.col("value").ne_missing(pl.col("exact"))).height == 0
    hidden = both.filter("suppressed")
    assert hidden.height > 0 and hidden["value"].null_count() == hidden.height
    assert shown.filter(pl.col("value").is_not_null()).height > 0
    additive = shown.filter(pl.col("indicator").is_in(["referrals", "supports"]))
    assert additive.height > 0 and (additive["window_months"] == 12).all()


def test_referrals_of_a_window_reaching_before_the_data_are_withheld(generated):
    root, _, con = generated
    first, last = con.execute("select min(month), max(month) from marts.territory_indicators"
                              ).fetchone()
    def shown(month):
        rows = pl.read_parquet(root / "published" / f"{month:%Y-%m}" / "indicators.parquet")
        return rows.filter((pl.col("indicator") == "referrals") & ~pl.col("suppressed"))
    # 24 months of data: the first month's 12-month window is mostly before it.
    assert shown(first).height == 0 and shown(last).height > 0


@pytest.mark.parametrize("level", ["departement", "region"])
def test_the_csv_opens_in_a_french_excel(generated, last_month, level):
    _, _, con = generated
    folder, _ = last_month
    data = (folder / f"indicateurs_{level}.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    assert header[:3] == ["Code", "Territoire", "Orientations"]
    assert header[-1] == "Valeurs masquées (secret statistique)"
    # The COG covers France: the files list the territories the observatory observes.
    territories = con.execute("select count(*) from marts.dim_territories "
                              "where territory_level = ? and observed", [level]).fetchone()[0]
    assert len(lines) - 1 == territories
    numbers = [field for line in lines[1:] for field in line.split(";")[2:-1] if field]
    assert numbers and all(re.fullmatch(r"-?[0-9]+(,[0-9]+)?", field) for field in numbers)
    assert any("," in field for field in numbers)  # decimal comma


def test_the_workbook_greys_suppressed_cells(last_month):
    folder, _ = last_month
    sheet = openpyxl.load_workbook(folder / "indicateurs_departement.xlsx").active
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["Code", "Territoire"]
    greyed = [cell for row in sheet.iter_rows(min_row=2) for cell in row
              if cell.fill.fgColor.rgb.endswith("D9D9D9")]
    assert greyed and all(cell.value is None and cell.comment for cell in greyed)
