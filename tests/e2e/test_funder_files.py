"""Funder files of a generated region: shaped as interfaces.md says, disclosure applied."""

import re

import openpyxl
import polars as pl
import pytest

from reseau.indicators import COUNTS, ORGANISATIONAL

pytestmark = pytest.mark.e2e

PARQUET_COLUMNS = ["territory_level", "territory_code", "territory_name", "month",
                   "window_months", "indicator", "value", "ci_low", "ci_high", "suppressed"]


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
    people = shown.filter(~pl.col("indicator").is_in(list(ORGANISATIONAL)))
    counts = people.filter(pl.col("indicator").is_in(list(COUNTS)))
    ratios = people.filter(~pl.col("indicator").is_in(list(COUNTS)))
    assert counts.filter(pl.col("value") < 11).height == 0
    assert ratios.filter(pl.col("value").is_not_null() & (pl.col("denominator") < 11)).height == 0
    assert shown.filter(pl.col("value").ne_missing(pl.col("exact"))).height == 0
    hidden = both.filter("suppressed")
    assert hidden.height > 0 and hidden["value"].null_count() == hidden.height
    assert hidden.select("ci_low", "ci_high").null_count().row(0) == (hidden.height,) * 2
    # Every published ratio carries its interval, around its value.
    valued = ratios.filter(pl.col("value").is_not_null())
    assert valued.height > 0 and valued.select("ci_low", "ci_high").null_count().row(0) == (0, 0)
    assert valued.filter((pl.col("ci_low") > pl.col("value") + 1e-12)
                         | (pl.col("ci_high") < pl.col("value") - 1e-12)).height == 0
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
    assert header[:3] == ["Code", "Territoire", "Orientations (orientations)"]
    assert header[-1] == "Valeurs masquées (secret statistique)"
    # The COG covers France: the files list the territories the observatory observes.
    territories = con.execute("select count(*) from marts.dim_territories "
                              "where territory_level = ? and observed", [level]).fetchone()[0]
    assert len(lines) - 1 == territories
    # Numbers for people: thousands by thin spaces, a decimal comma, shares in per cent.
    numbers = [field for line in lines[1:] for field in line.split(";")[2:-1] if field]
    assert numbers and all(re.fullmatch(r"[0-9]{1,3}(\u202f[0-9]{3})*(,[0-9]+)?(\u202f%)?",
                                        field) for field in numbers)
    assert any(field.endswith("\u202f%") for field in numbers)
    assert any("," in field and "%" not in field for field in numbers)


def test_organisations_are_published_in_every_territory(generated, last_month):
    """The three findings only réseau gives, shown in every territory's row (indicators.md,
    revised disclosure rule): counts of services, conventions and links, not of people."""
    folder, _ = last_month
    published = pl.read_parquet(folder / "indicators.parquet").filter(
        pl.col("indicator").is_in(["neglected_services", "dormant_conventions",
                                   "ruptured_links", "neglected_share"]),
        pl.col("window_months") == 12)
    assert published.height > 0 and not published["suppressed"].any()
    small = published.filter(pl.col("indicator") == "neglected_services",
                             pl.col("value").is_between(1, 10))
    assert small.height > 0  # small counts of services are shown, not masked
    header = (folder / "indicateurs_departement.csv").read_text("utf-8-sig").splitlines()[0]
    assert "Services délaissés (services)" in header.split(";")


def test_the_workbook_greys_suppressed_cells(generated):
    # The first month: its 12-month referrals reach before the data and are withheld (the
    # last month may hide nothing, now that organisations are published).
    root, _, con = generated
    first = con.execute("select min(month) from marts.territory_indicators").fetchone()[0]
    folder = root / "published" / f"{first:%Y-%m}"
    sheet = openpyxl.load_workbook(folder / "indicateurs_departement.xlsx").active
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["Code", "Territoire"]
    greyed = [cell for row in sheet.iter_rows(min_row=2) for cell in row
              if cell.fill.fgColor.rgb.endswith("D9D9D9")]
    assert greyed and all(cell.value is None and cell.comment for cell in greyed)
