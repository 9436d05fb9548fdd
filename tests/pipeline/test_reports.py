"""A report rendered from hand-made tables: what it shows, hides and computes."""

import re
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.publish.charts import trend_svg
from pipelines.publish.funnel import FunnelPoint, funnel_svg, outliers
from pipelines.publish.reports import MonthTables, render, write_reports

DEC = date(2025, 12, 1)
CATALOGUE = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / \
    "indicator_catalogue_entries.csv"
NBSP = "\u202f"


def protected_row(indicator, value, suppressed=False, month=DEC, code="01", ci=(None, None)):
    return {"territory_level": "region" if code == "84" else "departement",
            "territory_code": code, "territory_name": {"84": "Auvergne", "69": "Rhône"}.get(
                code, "Ain"), "month": month, "window_months": 12, "indicator": indicator,
            "value": value, "ci_low": ci[0], "ci_high": ci[1], "suppressed": suppressed}


def tables() -> MonthTables:
    """Département 01 (région 84) holds services A and B; C sits in 69."""
    trend = [protected_row("referrals", 40.0 + m, month=date(2025, m, 1)) for m in range(1, 12)]
    return MonthTables(
        month=DEC,
        protected=pl.DataFrame([
            *trend, protected_row("referrals", 52.0), protected_row("persons", None, True),
            protected_row("hhi_targets", None),
            # Reciprocity: 50% of 400 pairs in 01, 90% of 100 in 69, 58% of the région's 500.
            protected_row("reciprocity", 0.5, ci=(0.451, 0.549)),
            protected_row("reciprocity", 0.9, code="69", ci=(0.826, 0.945)),
            protected_row("reciprocity", 0.58, code="84", ci=(0.536, 0.623)),
            protected_row("referrals", 300.0, code="69"), protected_row("referrals", 352.0,
                                                                         code="84")]),
        catalogue=pl.read_csv(CATALOGUE),
        territories=pl.DataFrame({
            "territory_level": ["region", "departement", "departement"],
            "territory_code": ["84", "01", "69"], "territory_name": ["Auvergne", "Ain", "Rhône"],
            "parent_code": [None, "84", "84"]}),
        services=pl.DataFrame({
            "service_id": ["A", "B", "C"], "name": ["CCAS Alpha", "CMP Bêta", "OPH Gamma"],
            "sector": ["social", "sante", "logement"], "departement": ["01", "01", "69"],
            "region": ["84", "84", "84"]}),
        neglected=pl.DataFrame({
            "territory_level": ["departement"], "territory_code": ["01"], "service_id": ["B"],
            "need": ["sante--sante-mentale"], "need_label": ["Santé mentale"],
            "expected": [4.6], "observed": [0], "status": ["neglected"]}),
        # A sends 40 referrals in all: 30 to B, 10 to C (below 11: never shown).
        links=pl.DataFrame({
            "origin_service_id": ["A", "A", "B"], "target_service_id": ["B", "C", "A"],
            "referrals": [30, 10, 12], "top_professional_share": [0.9, 1.0, 0.5],
            "has_convention": [True, False, False]}),
        sent=pl.DataFrame({"service_id": ["A", "B"], "referrals_sent": [40, 24]}),
        min_cell=11,
        denominators=pl.DataFrame({
            "territory_level": ["departement", "departement", "region"],
            "territory_code": ["01", "69", "84"], "indicator": ["reciprocity"] * 3,
            "denominator": [400.0, 100.0, 500.0]}),
    )


def section(html: str, name: str) -> str:
    start = html.index(f'id="{name}"')
    return html[start:html.index("</section>", start)]


def test_values_masked_values_and_values_without_base():
    html = render(tables(), "departement", "01")
    cell = {indicator: text for indicator, text in re.findall(
        r'<tr id="(\w+)">.*?<td class="num \w+">(.*?)</td>', html)}
    assert cell == {"referrals": "52", "persons": "masqué", "hhi_targets": "non calculable",
                    "reciprocity": f"50,0{NBSP}%"}
    interval = re.search(r'<tr id="reciprocity">.*?<td class="ci">(.*?)</td>', html).group(1)
    assert interval == f"de 45,1{NBSP}% à 54,9{NBSP}%"
    assert "<h1>Département Ain <small>(01)</small></h1>" in html
    assert "décembre 2025" in html


def test_partnerships_are_shares_of_the_origins_referrals_and_small_links_are_left_out():
    html = render(tables(), "departement", "01")
    concentration = section(html, "concentration")
    # A -> B: 30 of A's 40 referrals; B -> A: 12 of B's 24.
    assert concentration.index(f"75{NBSP}%") < concentration.index(f"50{NBSP}%")
    assert "OPH Gamma" not in html  # A -> C has 10 referrals, below min_cell
    fragile = section(html, "fragiles")
    assert "CCAS Alpha" in fragile and fragile.count("<tr>") == 2  # header and A -> B
    network = section(html, "reseau")
    assert network.count('<g class="link"') == 2 and network.count("<circle ") == 2


def test_neglected_services_by_need_with_small_counts_in_words():
    neglected = section(render(tables(), "departement", "01"), "delaisses")
    assert "<h3>Santé mentale</h3>" in neglected
    assert re.search(r"<td>CMP Bêta</td><td class=\"num\">5</td>"
                     r"<td class=\"num count\">moins de 11</td><td>délaissé</td>", neglected)


def test_one_report_per_departement_and_region(tmp_path):
    written = write_reports(tmp_path, tables())
    assert [p.name for p in written] == ["departement-01.html", "departement-69.html",
                                         "region-84.html"]
    assert "Aucun lien d'au moins 11 orientations" in (tmp_path / "rapports" /
                                                        "departement-69.html").read_text()


def test_a_trend_breaks_at_a_missing_month_and_marks_a_masked_one():
    points = [(date(2025, m, 1), value, hidden) for m, value, hidden in [
        (1, 0.2, False), (2, 0.3, False), (3, None, False), (4, 0.4, False), (5, 0.5, False),
        (6, None, True)]]
    svg = trend_svg(points, lambda value: f"{value:.1f}")
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 4
    assert "06/2025 : masqué" in svg and "01/2025 : 0.2" in svg


def test_need_based_headlines_say_what_they_rest_on():
    base = tables()
    shown = MonthTables(**{**base.__dict__, "protected": pl.concat([base.protected, pl.DataFrame([
        protected_row("needs_coverage", 0.625), protected_row("neglected_services", 1.0),
        protected_row("out_of_mission_rate", 0.1)])])})
    essential = section(render(shown, "departement", "01"), "essentiel")
    assert f"Besoins et commune connus pour 62,5{NBSP}% des orientations." in essential
    assert "Sur les orientations qui déclarent leurs besoins." in essential
    # A coverage hidden by the disclosure rule is not quoted.
    hidden = MonthTables(**{**base.__dict__, "protected": pl.concat([base.protected, pl.DataFrame([
        protected_row("needs_coverage", None, True), protected_row("neglected_services", 1.0)])])})
    assert "connus pour" not in section(render(hidden, "departement", "01"), "essentiel")


def test_a_region_report_maps_its_departements_and_plots_their_funnel():
    html = render(tables(), "region", "84")
    maps = section(html, "cartes")
    # One map per headline indicator with a value somewhere; Ain and Rhône on each.
    assert maps.count('<svg class="map"') >= 2
    assert "Ain (01) : 50,0" in maps and "Rhône (69) : 90,0" in maps
    funnel = section(html, "entonnoirs")
    # Around the région's 58%, the 99.8% limits are 58% ± 3.09 · √(0.58 · 0.42 / n): on 100
    # cases 42.8%..73.3% (90% is above), on 400 cases 50.4%..65.6% (50% is below).
    assert "Rhône (69) : 90,0" in funnel and "au-dessus des limites à 99,8" in funnel
    assert "Ain (01) : 50,0" in funnel and "en dessous des limites à 99,8" in funnel
    assert "sur environ 400 cas" in funnel and "sur environ 100 cas" in funnel
    # A département report has neither.
    departement = render(tables(), "departement", "01")
    assert 'id="cartes"' not in departement and 'id="entonnoirs"' not in departement


def test_a_funnel_marks_only_points_beyond_the_998_limits_and_needs_a_share_that_can_vary():
    points = [FunnelPoint("01", "Ain", 0.5, 400), FunnelPoint("69", "Rhône", 0.9, 100),
              FunnelPoint("38", "Isère", 0.6, 104)]
    # Around 58%: on 400 cases 50.4%..65.6%, on 100 cases 42.8%..73.3% (see above).
    assert outliers(points, 0.58) == {"01": "en dessous", "69": "au-dessus"}
    assert "sur environ 100 cas" in funnel_svg(points, 0.58, "Réciprocité", str)  # 104 → 100
    assert funnel_svg(points, 0.0, "Réciprocité", str) == ""
    assert funnel_svg(points, 1.0, "Réciprocité", str) == ""
