"""A report rendered from hand-made tables: what it shows, hides and computes."""

import re
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.publish.charts import trend_svg
from pipelines.publish.reports import MonthTables, render, write_reports

DEC = date(2025, 12, 1)
CATALOGUE = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / \
    "indicator_catalogue_entries.csv"
NBSP = "\u202f"


def protected_row(indicator, value, suppressed=False, month=DEC):
    return {"territory_level": "departement", "territory_code": "01", "territory_name": "Ain",
            "month": month, "window_months": 12, "indicator": indicator, "value": value,
            "suppressed": suppressed}


def tables() -> MonthTables:
    """Département 01 (région 84) holds services A and B; C sits in 69."""
    trend = [protected_row("referrals", 40.0 + m, month=date(2025, m, 1)) for m in range(1, 12)]
    return MonthTables(
        month=DEC,
        protected=pl.DataFrame([
            *trend, protected_row("referrals", 52.0), protected_row("persons", None, True),
            protected_row("hhi_targets", None)]),
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
    )


def section(html: str, name: str) -> str:
    start = html.index(f'id="{name}"')
    return html[start:html.index("</section>", start)]


def test_values_masked_values_and_values_without_base():
    html = render(tables(), "departement", "01")
    cell = {indicator: text for indicator, text in re.findall(
        r'<tr id="(\w+)">.*?<td class="num \w+">(.*?)</td>', html)}
    assert cell == {"referrals": "52", "persons": "masqué", "hhi_targets": "non calculable"}
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
