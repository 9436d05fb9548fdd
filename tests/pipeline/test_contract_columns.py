"""The marts have the columns of interfaces.md ("Warehouse"), in that order, then exactly the
extensions documented in the dbt project (what real exports leave partly known)."""

import pytest

INTERFACES = {
    "fct_referrals": "referral_key, referral_date, month, origin_service_id, target_service_id, "
                     "person_key, needs, professional_key, status, territory_commune, "
                     "territory_departement, territory_region, has_convention, out_of_mission",
    "dim_services": "service_id, name, sector, commune, departement, region, competences, "
                    "served_area, capacity, opened_on, closed_on",
    "dim_territories": "territory_level, territory_code, territory_name, parent_code",
    "territory_indicators": "territory_level, territory_code, month, window_months, indicator, "
                            "value, numerator, denominator",
    "indicator_catalogue": "indicator, label_fr, label_en, unit, definition, higher_is, "
                           "seed_passage",
    "neglected_services": "territory_level, territory_code, month, window_months, service_id, "
                          "need, expected, observed, p_value, status",
    "load_audit": "file, exporter_id, series, sha256, delivered_at, rows_read, rows_loaded, "
                  "rows_merged, rows_superseded, rows_quarantined, status, error",
    "deliveries": "exporter_id, series, month, files, rows_read, rows_loaded, rows_quarantined, "
                  "files_refused, delivered_at, on_time, missing",
    "quarantine": "file, row_number, reason, raw",
    "service_indicators": "service_id, month, window_months, referrals_sent, referrals_received, "
                          "partners_out, partners_in, hhi_out, acceptance_rate_received, "
                          "out_of_mission_received_rate, pagerank, betweenness, "
                          "betweenness_method",
    "link_indicators": "origin_service_id, target_service_id, month, window_months, referrals, "
                       "accepted, refused, reverse_referrals, distinct_professionals, "
                       "top_professional_share, has_convention",
}
EXTENSIONS = {
    "fct_referrals": "needs_inferred, territory_basis",
    "dim_territories": "observed",
    "territory_indicators": "ci_low, ci_high",
    "indicator_catalogue": "form, form_number, form_title_fr, kind, additive, base, interval",
    "load_audit": "reader",
    "deliveries": "kind, rows_merged, rows_superseded",
}


@pytest.mark.parametrize("table", sorted(INTERFACES))
def test_mart_columns_match_the_interface(tiny_db, table):
    columns = [row[0] for row in tiny_db.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = ? order by ordinal_position", [table]).fetchall()]
    extensions = EXTENSIONS[table].split(", ") if table in EXTENSIONS else []
    assert columns == INTERFACES[table].split(", ") + extensions


def test_month_is_a_date_and_lists_are_lists(tiny_db):
    types = dict(tiny_db.execute(
        "select column_name, data_type from information_schema.columns where table_schema = "
        "'marts' and table_name = 'fct_referrals'").fetchall())
    assert types["month"] == "DATE"
    assert types["needs"] == "VARCHAR[]"
