"""Territory reports of the generated region: one per territory and month, self-contained,
loading in headless Chromium with no error, and showing what the funder files show."""

import re

import polars as pl
import pytest
from markupsafe import escape

from pipelines.publish.figures import HEADLINE
from tests.browser import axe_violations, screenshot_path, watch

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def last_month(generated):
    root, _, con = generated
    month = con.execute("select max(month) from marts.territory_indicators").fetchone()[0]
    return root / "published" / f"{month:%Y-%m}", month


def planted(generated) -> list[tuple[str, str]]:
    """A département with a planted neglected service, and its région."""
    _, truth, con = generated
    departement = truth["neglected"][0]["departement"]
    region = con.execute("select parent_code from marts.dim_territories where "
                         "territory_level = 'departement' and territory_code = ?",
                         [departement]).fetchone()[0]
    return [("departement", departement), ("region", region)]


def test_every_territory_has_a_report_every_month(generated):
    root, _, con = generated
    expected = {f"{level}-{code}.html" for level, code in con.execute(
        "select territory_level, territory_code from marts.dim_territories "
        "where territory_level in ('departement', 'region') and observed").fetchall()}
    months = [m for (m,) in con.execute(
        "select distinct month from marts.territory_indicators").fetchall()]
    for month in months:
        folder = root / "published" / f"{month:%Y-%m}" / "rapports"
        assert {path.name for path in folder.iterdir()} == expected, month


def test_reports_are_self_contained(last_month):
    folder, _ = last_month
    for path in sorted((folder / "rapports").glob("*.html")):
        html = path.read_text(encoding="utf-8")
        assert "default-src 'none'" in html, path.name  # the browser may fetch nothing
        assert not re.search(r"<script|\bsrc=|https?://|<link rel=\"stylesheet", html), path.name


@pytest.mark.parametrize("which", [0, 1], ids=["departement", "region"])
def test_a_report_loads_in_chromium_and_shows_the_funder_values(generated, last_month,
                                                                 browser, which):
    folder, month = last_month
    level, code = planted(generated)[which]
    path = folder / "rapports" / f"{level}-{code}.html"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watched = watch(page)
    page.goto(path.as_uri(), wait_until="load")
    page.screenshot(path=screenshot_path(f"report-{level}-{code}"), full_page=True)
    assert watched.errors == []
    assert watched.requests == [path.as_uri()]

    _, _, con = generated
    name = con.execute("select territory_name from marts.dim_territories where "
                       "territory_level = ? and territory_code = ?", [level, code]).fetchone()[0]
    assert name in page.locator("h1").inner_text()
    assert page.locator("#essentiel .card").count() == len(HEADLINE)
    assert page.locator("svg.network circle").count() > 0
    assert page.locator("#delaisses table tbody tr").count() > 0
    page.close()
    # Each indicator: masked exactly where the funder file suppresses it, with its interval
    # where the file has one; in the first month too, whose 12-month referrals are withheld.
    first = con.execute("select min(month) from marts.territory_indicators").fetchone()[0]
    masked = 0
    for month_folder in (folder, folder.parent / f"{first:%Y-%m}"):
        page = browser.new_page()
        page.goto((month_folder / "rapports" / f"{level}-{code}.html").as_uri())
        published = pl.read_parquet(month_folder / "indicators.parquet").filter(
            pl.col("territory_level") == level, pl.col("territory_code") == code,
            pl.col("window_months") == 12)
        for row in published.iter_rows(named=True):
            shown = page.locator(f"tr#{row['indicator']} td.num").inner_text()
            interval = page.locator(f"tr#{row['indicator']} td.ci").inner_text()
            assert bool(interval) == (row["ci_low"] is not None), (row["indicator"], interval)
            assert (shown == "masqué") == row["suppressed"], (row["indicator"], shown)
            if row["indicator"] == "referrals" and not row["suppressed"]:
                assert shown.replace("\u202f", "") == f"{row['value']:.0f}"
        masked += published.filter("suppressed").height
        page.close()
    assert masked > 0  # the masked case is exercised


@pytest.mark.parametrize("which", [0, 1], ids=["departement", "region"])
def test_a_report_has_no_accessibility_violation(generated, last_month, browser, which):
    """RGAA follows WCAG 2.1 AA: axe-core finds nothing to fix."""
    folder, _ = last_month
    level, code = planted(generated)[which]
    assert axe_violations(browser, (folder / "rapports" / f"{level}-{code}.html").as_uri()) == []


def test_a_region_report_maps_its_departements_and_plots_their_funnels(generated, last_month,
                                                                      browser):
    """Real geography: the région's départements on a map per headline indicator, and a
    funnel plot per headline share, each with its text alternative."""
    folder, _ = last_month
    _, region = planted(generated)[1]
    _, _, con = generated
    departements = [code for (code,) in con.execute(
        "select territory_code from marts.dim_territories where territory_level = "
        "'departement' and parent_code = ? and observed", [region]).fetchall()]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((folder / "rapports" / f"region-{region}.html").as_uri(), wait_until="load")
    maps = page.locator("#cartes svg.map")
    assert maps.count() == len(HEADLINE)
    for code in departements:
        assert maps.first.locator(f'path[data-code="{code}"]').count() == 1, code
    assert "carte par département" in maps.first.get_attribute("aria-label")
    funnels = page.locator("#entonnoirs svg.funnel")
    assert funnels.count() >= 1
    assert "graphique en entonnoir" in funnels.first.get_attribute("aria-label")
    assert funnels.first.locator("circle, rect.apart").count() >= 1
    page.locator("#cartes").screenshot(path=screenshot_path(f"report-region-{region}-maps"))
    page.locator("#entonnoirs").screenshot(
        path=screenshot_path(f"report-region-{region}-funnels"))
    page.close()


def test_the_planted_neglected_services_are_named_in_their_territorys_report(generated,
                                                                            last_month):
    _, truth, con = generated
    folder, _ = last_month
    for planted_pair in truth["neglected"]:
        service, label = con.execute(
            "select s.name, coalesce(c.label, ?) from marts.dim_services s left join "
            "staging.stg_reference__need_codes c on c.code = ? where s.service_id = ?",
            [planted_pair["need"], planted_pair["need"], planted_pair["service_id"]]).fetchone()
        for level in ("departement", "region"):
            html = (folder / "rapports" / f"{level}-{planted_pair[level]}.html").read_text(
                encoding="utf-8")
            section = html[html.index('id="delaisses"'):html.index('id="concentration"')]
            need = section[section.index(f"<h3>{escape(label)}</h3>"):]
            rows = need[:need.index("</table>")]
            assert re.search(rf"<tr><td>{re.escape(escape(service))}</td>.*<td>délaissé</td>"
                             "</tr>", rows), (level, service, label)


def test_no_count_below_min_cell_in_the_tables(last_month):
    folder, _ = last_month
    cells = [cell for path in sorted((folder / "rapports").glob("*.html"))
             for cell in re.findall(r'<td class="num count">(.*?)</td>',
                                    path.read_text(encoding="utf-8"))]
    assert cells
    for cell in cells:
        assert cell == "moins de 11" or int(cell.replace("\u202f", "")) >= 11, cell
