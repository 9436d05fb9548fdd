"""The whole pipeline on the hand-made tiny home: every value below is computed by hand
(tests/fixtures/tiny_home; see its files for the rows referred to as r1, x1...)."""

import pytest

from pipelines.ingest.pseudonyms import rekey
from tests.conftest import TEST_KEY


def indicator(con, level, code, month, window, name):
    return con.execute(
        "select value, numerator, denominator from marts.territory_indicators where "
        "territory_level = ? and territory_code = ? and month = ? and window_months = ? "
        "and indicator = ?", [level, code, month, window, name]).fetchone()


def test_valid_referrals_are_deduplicated_and_territorialised(tiny_db):
    rows = tiny_db.execute(
        "select referral_date::varchar, origin_service_id, target_service_id, status, "
        "territory_commune, territory_departement, has_convention, out_of_mission, "
        "array_to_string(needs, '|') from marts.fct_referrals order by referral_date"
    ).fetchall()
    lh = "logement-hebergement"
    lh_temp = "logement-hebergement--rechercher-une-solution-dhebergement-temporaire"
    assert rows == [
        # r1 exported by S1 (pending) and x1 by S3, the target (accepted): one referral,
        # the target's status, the union of needs.
        ("2024-05-03", "S1", "S3", "accepted", "01001", "01", True, False, f"{lh}|{lh_temp}"),
        # r2: alias "centre medico-psychologique" -> S2; commune déléguée 01003 -> 01002.
        ("2024-05-10", "S1", "S2", "accepted", "01002", "01", False, False,
         "sante--sante-mentale"),
        # r3: S4 is competent for employment only: out of mission; person in département 02.
        ("2024-05-12", "S1", "S4", "refused", "02001", "02", False, True,
         "sante--sante-mentale"),
        # x2: unknown commune 99999 -> the origin's (S3, 01001).
        ("2024-05-15", "S3", "S5", "pending", "01001", "01", False, False, "justice"),
        # r6: DD/MM/YYYY date, DORA's VALIDÉE, no commune -> origin's.
        ("2024-05-31", "S1", "S3", "accepted", "01001", "01", True, False, lh),
        # r9 from the re-delivery S1_2024-06_v2.csv (refused), not the first file (accepted).
        ("2024-06-02", "S1", "S3", "refused", "01002", "01", True, False, lh),
    ]
    # r4 (cancelled) is not a valid referral; r5, r7, r8 are quarantined; r10 superseded.


def test_person_keys_are_rekeyed_and_the_professional_comes_from_the_origin(tiny_db):
    person, professional = tiny_db.execute(
        "select person_key, professional_key from marts.fct_referrals "
        "where referral_date = '2024-05-03'").fetchone()
    assert person == rekey(TEST_KEY.encode(), "P1")
    assert professional == rekey(TEST_KEY.encode(), "PRO1")  # x1 (S3's copy) has none


def test_every_row_is_accounted_for(tiny_db):
    audit = {row[0]: row[1:] for row in tiny_db.execute(
        "select file, rows_read, rows_loaded, rows_merged, rows_superseded, rows_quarantined, "
        "status from marts.load_audit").fetchall()}
    assert audit == {
        # r2, r3, r4, r6 loaded; r1 merged into x1; r5, r7, r8 quarantined.
        "landing/referrals/S1/S1_2024-05.csv": (8, 4, 1, 0, 3, "loaded"),
        "landing/referrals/S3/S3_2024-05.csv": (2, 2, 0, 0, 0, "loaded"),
        "landing/referrals/S1/S1_2024-06.csv": (2, 0, 0, 2, 0, "superseded"),
        "landing/referrals/S1/S1_2024-06_v2.csv": (1, 1, 0, 0, 0, "loaded"),
        # m3 has an unknown supporter kind.
        "landing/supports/S1/S1_2024-05.csv": (3, 2, 0, 0, 1, "loaded"),
    }


def test_quarantine_reasons_name_the_problem(tiny_db):
    reasons = dict(tiny_db.execute(
        "select file || '#' || row_number, reason from marts.quarantine").fetchall())
    s1 = "landing/referrals/S1/S1_2024-05.csv#"
    assert reasons[s1 + "5"] == "origin = target: a service cannot refer to itself"
    assert reasons[s1 + "7"].startswith('bad date: referral_date "2024-13-01"')
    assert reasons[s1 + "8"].startswith('unknown service: target "S9"')
    assert reasons["landing/supports/S1/S1_2024-05.csv#3"] == 'unknown supporter_kind "cousin"'
    assert len(reasons) == 4


@pytest.mark.parametrize(("level", "code", "name", "expected"), [
    # Département 01, May: r1, r2, x2, r6 -> 4 referrals, 4 persons.
    ("departement", "01", "referrals", (4, 4, None)),
    ("departement", "01", "persons", (4, 4, None)),
    # Targets S3: 2, S2: 1, S5: 1 -> 0.5² + 0.25² + 0.25² = 0.375; 1/0.375 = 2.667.
    ("departement", "01", "hhi_targets", (0.375, None, 4)),
    ("departement", "01", "effective_targets", (1 / 0.375, None, 4)),
    ("departement", "01", "top3_target_share", (1.0, 4, 4)),
    ("departement", "01", "out_of_mission_rate", (0.0, 0, 4)),
    # Every referral declares its needs and has a known commune: the need-based indicators
    # rest on all 4.
    ("departement", "01", "needs_coverage", (1.0, 4, 4)),
    # No origin with 10 referrals: null median over 0 origins.
    ("departement", "01", "origin_hhi_median", (None, None, 0)),
    # Département 02: r3 only, out of mission.
    ("departement", "02", "hhi_targets", (1.0, None, 1)),
    ("departement", "02", "out_of_mission_rate", (1.0, 1, 1)),
    # Région 11: 5 referrals; S3: 2, S2, S4, S5: 1 -> 0.16 + 3 × 0.04 = 0.28; top 3: 4/5.
    ("region", "11", "referrals", (5, 5, None)),
    ("region", "11", "hhi_targets", (0.28, None, 5)),
    ("region", "11", "top3_target_share", (0.8, 4, 5)),
    ("region", "11", "out_of_mission_rate", (0.2, 1, 5)),
    # Région 22 has no referral: counts are 0, ratios null.
    ("region", "22", "referrals", (0, None, None)),
    ("region", "22", "hhi_targets", (None, None, None)),
    ("region", "22", "neglected_share", (None, None, None)),
    # Directed pairs in 01: S1→S3, S1→S2, S3→S5; no pair both ways: 0 of 3.
    ("departement", "01", "reciprocity", (0.0, 0, 3)),
    # r1, r2, r6 accepted, none refused (x2 pending does not count): 3 / 3.
    ("departement", "01", "acceptance_rate", (1.0, 3, 3)),
    # Social → logement, social → santé, logement → justice: all 4 cross sectors.
    ("departement", "01", "cross_sector_share", (1.0, 4, 4)),
    # C1 (S1–S3) covers r1 and r6: 2 of 4.
    ("departement", "01", "convention_coverage", (0.5, 2, 4)),
    # C2 (S2–S4, from March) carries no referral in May; C1 does. S2 sits in 01, S4 in 02.
    ("departement", "01", "dormant_conventions", (1, 1, 2)),
    ("departement", "02", "dormant_conventions", (1, 1, 1)),
    ("region", "22", "dormant_conventions", (0, None, None)),
    # May is the first month with data: the window before it cannot be compared.
    ("departement", "01", "link_stability", (None, 0, 3)),
    # Région 11 adds r3 (refused, S1→S4): 3 / (3 + 1); pairs S1→S3, S1→S2, S1→S4, S3→S5.
    ("region", "11", "acceptance_rate", (0.75, 3, 4)),
    ("region", "11", "reciprocity", (0.0, 0, 4)),
    ("region", "11", "convention_coverage", (0.4, 2, 5)),
    # Supports in 01: m1 (famille, F1 for P1) and m2 (voisinage, F2 for P2; commune
    # déléguée 01003 -> 01002); m3 is quarantined. h = 2, ceil(0.2) = 1 supporter: 1 of 2.
    ("departement", "01", "supports", (2, 2, None)),
    ("departement", "01", "family_support_share", (0.5, 1, 2)),
    ("departement", "01", "supporter_top_decile_share", (0.5, 1, 2)),
    ("departement", "01", "single_supporter_share", (1.0, 2, 2)),
    ("departement", "02", "supports", (0, None, None)),
    ("departement", "02", "family_support_share", (None, None, None)),
    # No pair has 5 referrals naming a professional: null; nothing before May: 0 ruptures.
    ("departement", "01", "fragile_link_share", (None, None, None)),
    ("departement", "01", "ruptured_links", (0, None, None)),
])
def test_indicators_of_may_by_hand(tiny_db, level, code, name, expected):
    assert indicator(tiny_db, level, code, "2024-05-01", 1, name) == pytest.approx(expected)


def test_link_stability_compares_with_the_window_before(tiny_db):
    # June in 01: {S1→S3}; May: {S1→S3, S1→S2, S3→S5}; Jaccard 1 / 3.
    assert indicator(tiny_db, "departement", "01", "2024-06-01", 1, "link_stability") == \
        pytest.approx((1 / 3, 1, 3))
    # The 12 months before June 2024 start before the data: null.
    assert indicator(tiny_db, "departement", "01", "2024-06-01", 12, "link_stability")[0] is None


def test_twelve_month_window_adds_june(tiny_db):
    # Window ending June: r1, r2, x2, r6, r9 in 01; S3: 3, S2: 1, S5: 1 -> 0.36 + 0.04 + 0.04.
    assert indicator(tiny_db, "departement", "01", "2024-06-01", 12, "hhi_targets") == \
        pytest.approx((0.44, None, 5))
    assert indicator(tiny_db, "departement", "01", "2024-06-01", 1, "referrals")[0] == 1


def test_expected_side_counts_a_closed_service_active_in_the_window(tiny_db):
    # Nothing is eligible in the tiny home (every expectation < 3), so the share is null and
    # no pair is listed; the indicators exist nonetheless for every territory.
    assert indicator(tiny_db, "departement", "01", "2024-06-01", 12, "neglected_share") == \
        (None, 0, 0)
    assert tiny_db.execute("select count(*) from marts.neglected_services").fetchone()[0] == 0


def test_every_indicator_for_every_territory_month_and_window(tiny_db):
    counts = tiny_db.execute(
        "select count(*), count(distinct indicator), count(distinct territory_code), "
        "count(distinct month), count(distinct window_months) from marts.territory_indicators"
    ).fetchone()
    # 22 indicators × (3 départements + 2 régions) × 2 months × 2 windows.
    assert counts == (22 * 5 * 2 * 2, 22, 5, 2, 2)
    catalogued = {row[0] for row in tiny_db.execute(
        "select indicator from marts.indicator_catalogue").fetchall()}
    computed = {row[0] for row in tiny_db.execute(
        "select distinct indicator from marts.territory_indicators").fetchall()}
    assert computed == catalogued


def test_territories_and_services_dimensions(tiny_db):
    levels = dict(tiny_db.execute(
        "select territory_level, count(*) from marts.dim_territories group by 1").fetchall())
    assert levels == {"region": 2, "departement": 3, "commune": 4}
    served = dict(tiny_db.execute(
        "select service_id, array_to_string(served_area, '|') from marts.dim_services"
    ).fetchall())
    assert served["S1"] == "01"  # empty served area: the service's own département
    assert served["S3"] == "R11"


def test_service_positions_of_may_by_hand(tiny_db):
    rows = {row[0]: row[1:] for row in tiny_db.execute(
        "select service_id, referrals_sent, referrals_received, partners_out, partners_in, "
        "hhi_out, acceptance_rate_received, out_of_mission_received_rate, betweenness, "
        "betweenness_method from marts.service_indicators "
        "where month = '2024-05-01' and window_months = 1").fetchall()}
    # Graph of May: S1→S3 (r1, r6), S1→S2, S1→S4, S3→S5.
    # S1 sends 2, 1, 1: HHI 0.25 + 0.0625 + 0.0625; it receives nothing: rates null.
    assert rows["S1"] == pytest.approx((4, 0, 3, 0, 0.375, None, None, 0.0, "exact"))
    # S3 receives r1 and r6, both accepted; it lies on the one path S1→S5: 1 / (4 × 3).
    assert rows["S3"] == pytest.approx((1, 2, 1, 1, 1.0, 1.0, 0.0, 1 / 12, "exact"))
    # S4 received r3: refused and out of mission.
    assert rows["S4"] == pytest.approx((0, 1, 0, 1, None, 0.0, 1.0, 0.0, "exact"))


def test_link_weights_of_may_by_hand(tiny_db):
    link = tiny_db.execute(
        "select referrals, accepted, refused, reverse_referrals, distinct_professionals, "
        "top_professional_share, has_convention from marts.link_indicators where "
        "origin_service_id = 'S1' and target_service_id = 'S3' and month = '2024-05-01' "
        "and window_months = 1").fetchone()
    # r1 and r6, both accepted, both by PRO1, under convention C1; nothing from S3 to S1.
    assert link == (2, 2, 0, 0, 1, 1.0, True)
