"""End to end on a generated home: the pipeline finds what the generator planted, exactly
where it was planted and nowhere else, and agrees with a hand computation from the files."""

import json
from collections import Counter
from functools import partial

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines.ingest.pseudonyms import rekey
from pipelines.orchestration.assets import indicators
from reseau.indicators import CODES
from tests import oracle
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.e2e


def last_months(truth):
    return [f"{month}-01" for month in truth["neglected_check"]["months"]]


def test_ground_truth_file_is_what_generate_returned(generated):
    root, truth, _ = generated
    assert json.loads((root / "ground_truth.json").read_text(encoding="utf-8")) == truth


def test_every_valid_referral_is_found_once(generated):
    _, truth, con = generated
    assert con.execute("select count(*) from marts.fct_referrals").fetchone()[0] == \
        truth["counts"]["distinct_valid_referrals"]


def test_every_row_is_accounted_for_and_the_redelivery_supersedes(generated):
    _, truth, con = generated
    unbalanced = con.execute(
        "select count(*) from marts.load_audit where rows_read != rows_loaded + rows_merged "
        "+ rows_superseded + rows_quarantined").fetchone()[0]
    assert unbalanced == 0
    redelivery = truth["redelivery"]
    original = con.execute(
        "select rows_read, rows_superseded, status from marts.load_audit where file = ?",
        [redelivery["original_file"]]).fetchone()
    assert original == (redelivery["original_rows"], redelivery["original_rows"], "superseded")
    # DORA's exports hold the whole history: each re-delivers its series' earlier rows.
    software = truth["quirks"]["software"]
    assert con.execute("select sum(rows_superseded) from marts.load_audit").fetchone()[0] == \
        truth["counts"]["referral_rows_superseded"] + sum(
            exporter["rows_superseded"] for exporter in software.values())


def test_a_services_sent_and_received_exports_are_two_series(generated):
    """DORA exports what a structure sent and what it received as two files covering the
    same months: re-delivery replaces rows within a series, never across."""
    _, truth, con = generated
    dora = [e for e, value in truth["quirks"]["software"].items()
            if value["software"] == "dora"]
    rows = con.execute(
        "select exporter_id, series, file, rows_read, rows_superseded, status, reader "
        "from marts.load_audit where exporter_id in (select unnest(?)) "
        "and file like 'landing/referrals/%/orientations-%' order by file", [dora]).fetchall()
    assert {(series, reader) for _, series, _, _, _, _, reader in rows} == {
        ("sent", "adapter dora-orientations-envoyees"),
        ("received", "adapter dora-orientations-recues")}
    both = {exporter for exporter, series, *_ in rows if series == "received"} & \
        {exporter for exporter, series, *_ in rows if series == "sent"}
    assert both  # services that send and receive through DORA
    for exporter in both:
        latest = {series: (file, superseded, status)  # files sort by their export date
                  for owner, series, file, _read, superseded, status, _ in rows
                  if owner == exporter}
        # The last export of each series is loaded whole: neither replaced the other.
        for file, superseded, status in latest.values():
            assert (superseded, status) == (0, "loaded"), file


@pytest.mark.parametrize("level", ["departement", "region"])
def test_neglected_services_are_exactly_the_planted_ones(generated, level):
    _, truth, con = generated
    planted = {(p[level], p["service_id"], p["need"]) for p in truth["neglected"]}
    for month in last_months(truth):
        found = set(con.execute(
            "select territory_code, service_id, need from marts.neglected_services "
            "where status = 'neglected' and window_months = 12 and territory_level = ? "
            "and month = ?", [level, month]).fetchall())
        assert found == planted, month


def test_the_real_cog_is_read_as_insee_writes_it(generated):
    """The region's home holds INSEE's COG 2026 whole: quoted fields, COMD and COMA rows with
    no DEP or REG, codes present as COM and COMD, 2A/2B, 3-character DROM codes, and codes
    shared by a région and a département."""
    _, _, con = generated
    rolled = dict((code, row) for code, *row in con.execute(
        "select commune, commune_type, territory_commune, departement, region "
        "from intermediate.int_communes_rolled_up "
        "where commune in ('01015', '01120', '69385', '13205', '2A004', '97101')").fetchall())
    assert rolled == {
        "01015": ["COM", "01015", "01", "84"],  # also a COMD row, of its commune nouvelle
        "01120": ["COMA", "01262", "01", "84"],  # Cordieux, associée of Montluel
        "69385": ["ARM", "69123", "69", "84"], "13205": ["ARM", "13055", "13", "93"],
        "2A004": ["COM", "2A004", "2A", "94"], "97101": ["COM", "97101", "971", "01"]}
    names = dict(((level, code), (name, parent)) for level, code, name, parent in con.execute(
        "select territory_level, territory_code, territory_name, parent_code "
        "from marts.dim_territories where territory_code = '84'").fetchall())
    assert names == {("region", "84"): ("Auvergne-Rhône-Alpes", None),
                     ("departement", "84"): ("Vaucluse", "93")}
    # Postcodes: Lyon 5e's 69005 is one commune (an arrondissement rolls up to it);
    # Montluel's 01120 spans several communes of one département.
    located = dict((code, row) for code, *row in con.execute(
        "select postcode, territory_commune, departement, region, territory_basis "
        "from intermediate.int_postcodes_located where postcode in ('69005', '01120')"
    ).fetchall())
    assert located == {"69005": ["69123", "69", "84", "postcode"],
                       "01120": [None, "01", "84", "postcode_departement"]}


def test_referrals_placed_by_a_postcode_or_without_declared_needs(generated):
    _, truth, con = generated
    bases = dict(con.execute("select territory_basis, count(*) from marts.fct_referrals "
                             "group by all").fetchall())
    assert bases["person_commune"] > bases["origin_service"] > 0
    assert bases.get("postcode", 0) > 0  # les emplois' exports give postcodes
    inferred, undeclared = con.execute(
        "select count(*) filter (where needs_inferred), count(*) filter (where "
        "out_of_mission is null) from marts.fct_referrals").fetchone()
    assert 0 < inferred <= undeclared  # DORA and les emplois export no need
    assert con.execute(
        "select count(*) from marts.fct_referrals where needs_inferred and out_of_mission "
        "is not null").fetchone()[0] == 0


def test_concentration_is_found_in_the_planted_departement_only(generated):
    _, truth, con = generated
    planted = truth["concentration"]["departement"]
    for month in last_months(truth):
        ranked = con.execute(
            "select territory_code, value from marts.territory_indicators where indicator = "
            "'hhi_targets' and window_months = 12 and territory_level = 'departement' "
            "and month = ? order by value desc", [month]).fetchall()
        assert ranked[0][0] == planted, month
        assert ranked[0][1] > 2 * ranked[1][1], month
    top3 = {row[0] for row in con.execute(
        "select target_service_id from marts.fct_referrals where territory_departement = ? "
        "group by 1 order by count(*) desc limit 3", [planted]).fetchall()}
    assert top3 == set(truth["concentration"]["hub_services"])


def test_out_of_mission_referrals_are_found_where_planted_only(generated):
    _, truth, con = generated
    planted = truth["out_of_mission"]
    rates = dict(con.execute(
        "select territory_code, value from marts.territory_indicators where indicator = "
        "'out_of_mission_rate' and window_months = 12 and territory_level = 'departement' "
        "and month = ?", [last_months(truth)[-1]]).fetchall())
    assert {code for code, rate in rates.items() if rate > 0} == {planted["departement"]}
    pairs = set(con.execute(
        "select distinct origin_service_id, target_service_id from marts.fct_referrals "
        "where out_of_mission").fetchall())
    assert pairs == {(p["origin_service_id"], p["target_service_id"]) for p in planted["pairs"]}


def test_hhi_agrees_with_a_hand_computation_from_the_files(generated, from_files):
    _, truth, con = generated
    month = truth["neglected_check"]["months"][-1]
    for level in ("departement", "region"):
        values = dict(con.execute(
            "select territory_code, value from marts.territory_indicators where indicator = "
            "'hhi_targets' and window_months = 12 and territory_level = ? and month = ?",
            [level, f"{month}-01"]).fetchall())
        for code, value in values.items():
            assert value == pytest.approx(oracle.hhi_targets(from_files, level, code, month, 12))


def test_expected_and_observed_agree_with_a_hand_computation(generated, from_files):
    _, truth, con = generated
    month = truth["neglected_check"]["months"][-1]
    code = truth["neglected"][0]["departement"]
    expected, observed = oracle.expected_observed(from_files, "departement", code, month, 12)
    rows = con.execute(
        "select service_id, need, expected, observed from marts.neglected_services "
        "where territory_level = 'departement' and territory_code = ? and month = ? "
        "and window_months = 12", [code, f"{month}-01"]).fetchall()
    assert rows, "the planted département lists flagged pairs"
    for service, need, value, seen in rows:
        assert value == pytest.approx(float(expected[(service, need)]))
        assert seen == observed[(service, need)]


@pytest.mark.parametrize("table", ["fct_referrals", "fct_supports", "dim_services",
                                   "dim_territories", "territory_indicators",
                                   "neglected_services", "indicator_catalogue", "load_audit"])
def test_every_mart_is_filled(generated, table):
    _, _, con = generated
    assert con.execute(f"select count(*) from marts.{table}").fetchone()[0] > 0


def test_every_indicator_for_both_levels_and_windows_every_month(generated):
    _, truth, con = generated
    months = len(truth["months"])
    regions = truth["territory"]["regions"]
    territories = len(regions) + sum(len(departements) for departements in regions.values())
    counts = con.execute(
        "select count(distinct indicator), count(distinct month), count(*) "
        "from marts.territory_indicators").fetchone()
    indicators = con.execute("select count(*) from marts.indicator_catalogue").fetchone()[0]
    assert counts == (indicators, months, indicators * months * 2 * territories)


def test_the_dormant_convention_is_found_where_planted_only(generated):
    _, truth, con = generated
    planted = {code for convention in truth["dormant_conventions"]
               for code in convention["departements"]}
    for month in last_months(truth):
        dormant = dict(con.execute(
            "select territory_code, value from marts.territory_indicators where indicator = "
            "'dormant_conventions' and window_months = 12 and territory_level = 'departement' "
            "and month = ?", [month]).fetchall())
        assert {code for code, value in dormant.items() if value > 0} == planted, month
        # A convention counts once in each département where one of its parties sits.
        assert sum(dormant.values()) == sum(
            len(convention["departements"]) for convention in truth["dormant_conventions"]
        ), month


def test_family_heavy_supports_are_found_where_planted(generated):
    _, truth, con = generated
    planted = truth["family_heavy_supports"]["departement"]
    month = last_months(truth)[-1]
    for indicator in ("family_support_share", "supporter_top_decile_share"):
        ranked = con.execute(
            "select territory_code from marts.territory_indicators where indicator = ? "
            "and window_months = 12 and territory_level = 'departement' and month = ? "
            "order by value desc", [indicator, month]).fetchall()
        assert ranked[0][0] == planted, indicator


def month_number(text: str) -> int:
    year, month = text[:7].split("-")
    return int(year) * 12 + int(month)


def test_ruptured_links_appear_after_the_key_person_leaves_and_nowhere_else(generated):
    _, truth, con = generated
    found = {(code, month): value for code, month, value in con.execute(
        "select territory_code, strftime(month, '%Y-%m'), value from marts.territory_indicators"
        " where indicator = 'ruptured_links' and window_months = 1 "
        "and territory_level = 'departement'").fetchall()}
    expected = {key: 0 for key in found}
    for link in truth["key_person_links"]:
        for code, month in found:
            # A rupture shows from the month the person left while the 12 months before
            # still hold the link's referrals.
            if code == link["departement"] and \
                    0 <= month_number(month) - month_number(link["left_in"]) <= 11:
                expected[(code, month)] += 1
    assert found == expected
    assert con.execute(
        "select count(*) from marts.territory_indicators where indicator = 'ruptured_links' "
        "and window_months = 12 and value > 0").fetchone()[0] == 0


def test_the_isolated_sector_keeps_its_links_to_itself_where_planted_only(generated):
    _, truth, con = generated
    planted = truth["isolated_sector"]
    # Share of the sector's links (12 months to the last month) that cross to another
    # sector, per département of the sector's service.
    crossing = dict(con.execute(
        """
        with links as (
            select origin.departement as origin_departement, origin.sector as origin_sector,
                target.departement as target_departement, target.sector as target_sector
            from marts.link_indicators as link
            inner join marts.dim_services as origin on link.origin_service_id = origin.service_id
            inner join marts.dim_services as target on link.target_service_id = target.service_id
            where link.window_months = 12 and link.month = $month
        ),
        ends as (
            select origin_departement as departement, origin_sector as sector,
                target_sector as other from links
            union all
            select target_departement, target_sector, origin_sector from links
        )
        select departement, avg((sector != other)::int) from ends
        where sector = $sector group by departement
        """, {"month": last_months(truth)[-1], "sector": planted["sector"]}).fetchall())
    assert crossing[planted["departement"]] == 0.0
    assert all(share > 0.5 for code, share in crossing.items() if code != planted["departement"])


# --- Every published indicator against the hand computation from the files -----------------

def compared_months(truth) -> list[str]:
    """The last month of the neglected check and the month six months before it."""
    last = oracle.month_index(truth["neglected_check"]["months"][-1])
    return [f"{index // 12:04d}-{index % 12 + 1:02d}" for index in (last, last - 6)]


def territory_codes(truth, level: str) -> set[str]:
    regions = truth["territory"]["regions"]
    if level == "region":
        return set(regions)
    return {code for departements in regions.values() for code in departements}


def agrees(value, expected, **tolerance) -> bool:
    """NULL only where the oracle's denominator is empty; counts and flags exactly."""
    if value is None or expected is None:
        return value is None and expected is None
    if isinstance(expected, bool | int):
        return value == expected and type(value) is type(expected)
    return value == pytest.approx(expected, **tolerance)


def test_the_oracle_covers_every_published_indicator(generated):
    _, _, con = generated
    published = {row[0] for row in con.execute(
        "select distinct indicator from marts.territory_indicators").fetchall()}
    catalogue = {row[0] for row in con.execute(
        "select indicator from marts.indicator_catalogue").fetchall()}
    assert published == catalogue == set(oracle.TERRITORY_INDICATORS) == set(CODES)
    assert len(published) == 22


@pytest.mark.parametrize("indicator", CODES)
def test_territory_indicator_agrees_with_the_oracle(generated, from_files, indicator):
    _, truth, con = generated
    mismatches, informative = [], 0
    for month in compared_months(truth):
        for level in ("departement", "region"):
            for window in (1, 12):
                values = dict(con.execute(
                    "select territory_code, value from marts.territory_indicators where "
                    "indicator = ? and territory_level = ? and month = ? and window_months = ?",
                    [indicator, level, f"{month}-01", window]).fetchall())
                assert set(values) == territory_codes(truth, level), (month, level, window)
                for code, value in sorted(values.items()):
                    expected = oracle.territory_indicator(
                        from_files, indicator, level, code, month, window)
                    informative += expected not in (None, 0)
                    # Counts come out of SQL as doubles here: compare them as numbers.
                    if not agrees(value, None if expected is None else float(expected)):
                        mismatches.append((level, code, month, window, value, expected))
    assert not mismatches, f"{indicator}: (level, code, month, window, pipeline, oracle) " \
        f"{mismatches}"
    assert informative, f"{indicator} is null or 0 everywhere compared: a vacuous check"


SERVICE_COLUMNS = ["referrals_sent", "referrals_received", "partners_out", "partners_in",
                   "hhi_out", "acceptance_rate_received", "out_of_mission_received_rate",
                   "pagerank", "betweenness"]
LINK_COLUMNS = ["referrals", "accepted", "refused", "reverse_referrals",
                "distinct_professionals", "top_professional_share", "has_convention"]


@pytest.mark.parametrize("window", [1, 12])
def test_service_indicators_agree_with_the_oracle(generated, from_files, window):
    _, truth, con = generated
    month = compared_months(truth)[0]
    cursor = con.execute(
        f"select service_id, betweenness_method, {', '.join(SERVICE_COLUMNS)} "
        "from marts.service_indicators where month = ? and window_months = ?",
        [f"{month}-01", window])
    published = {row[0]: row[1:] for row in cursor.fetchall()}
    expected = oracle.service_indicators(from_files, month, window)
    assert set(published) == set(expected)
    mismatches = []
    for service, (method, *values) in sorted(published.items()):
        # Fewer than 1,000 services in the window's graph: exact betweenness (indicators.md).
        assert method == "exact", service
        for column, value in zip(SERVICE_COLUMNS, values, strict=True):
            # PageRank is an iteration stopped at networkx's tolerance (1e-6 per node).
            tolerance = {"abs": 1e-6} if column == "pagerank" else {}
            if not agrees(value, expected[service][column], **tolerance):
                mismatches.append((service, column, value, expected[service][column]))
    assert not mismatches, f"(service, column, pipeline, oracle) {mismatches}"


@pytest.mark.parametrize("window", [1, 12])
def test_link_indicators_agree_with_the_oracle(generated, from_files, window):
    _, truth, con = generated
    month = compared_months(truth)[0]
    cursor = con.execute(
        f"select origin_service_id, target_service_id, {', '.join(LINK_COLUMNS)} "
        "from marts.link_indicators where month = ? and window_months = ?",
        [f"{month}-01", window])
    published = {(row[0], row[1]): row[2:] for row in cursor.fetchall()}
    expected = oracle.link_indicators(from_files, month, window)
    assert set(published) == set(expected)
    mismatches = [
        (link, column, value, expected[link][column])
        for link, values in sorted(published.items())
        for column, value in zip(LINK_COLUMNS, values, strict=True)
        if not agrees(value, expected[link][column])]
    assert not mismatches, f"(link, column, pipeline, oracle) {mismatches}"
    assert any(row["has_convention"] for row in expected.values())
    assert any(row["top_professional_share"] not in (None, 1) for row in expected.values())


def _key(value: str | None) -> str | None:
    return None if value is None else rekey(TEST_KEY.encode(), value)


def test_every_referral_of_the_warehouse_is_the_oracles(generated, from_files):
    """Row by row, whatever format each service delivered in: dates read day first or
    month first, statuses translated, pseudonyms re-keyed, needs and territory kept."""
    _, _, con = generated
    published = Counter(
        (origin, target, person, str(date), tuple(sorted(needs)), status, professional,
         commune, departement, region)
        for origin, target, person, date, needs, status, professional, commune, departement,
        region in con.execute(
            "select origin_service_id, target_service_id, person_key, referral_date, needs, "
            "status, professional_key, territory_commune, territory_departement, "
            "territory_region from marts.fct_referrals").fetchall())
    expected = Counter(
        (r.origin, r.target, _key(r.person_id), r.referral_date, tuple(sorted(r.needs)),
         r.status, _key(r.professional_id), r.territory_commune, r.departement, r.region)
        for r in from_files.referrals)
    assert published == expected and sum(expected.values()) > 0


def test_every_support_of_the_warehouse_is_the_oracles(generated, from_files):
    _, _, con = generated
    published = Counter(
        (service, str(date), person, kind, supporter, commune)
        for service, date, person, kind, supporter, commune in con.execute(
            "select service_id, support_date, person_key, supporter_kind, supporter_key, "
            "territory_commune from marts.fct_supports").fetchall())
    expected = Counter(
        (s.service_id, s.support_date, _key(s.person_id), s.supporter_kind,
         _key(s.supporter_id), s.territory_commune) for s in from_files.supports)
    assert published == expected and sum(expected.values()) > 0


def _last_months(con, count: int) -> list:
    return [month for (month,) in con.execute(
        "select distinct month from marts.fct_referrals order by month").fetchall()][-count:]


def _by_pieces(monkeypatch, at_once: int, pieces, tables) -> list[pl.DataFrame]:
    """Each table's rows from ``pieces()`` (of 5 months) computed ``at_once`` months at a
    time."""
    monkeypatch.setattr(indicators, "MONTHS_AT_ONCE", at_once)
    computed = list(pieces())
    assert len(computed) == -(-5 // at_once)
    return [pl.concat(piece[table] for piece in computed) for table in tables]


def test_territory_indicators_computed_a_few_months_at_a_time_are_those_of_one_pass(
        generated, monkeypatch):
    _, _, con = generated
    months = _last_months(con, 5)
    pieces = partial(indicators.territory_pieces, indicators.territory_inputs(con, months),
                     months)
    whole, whole_pairs = _by_pieces(monkeypatch, 5, pieces, indicators.TERRITORY_TABLES)
    parts, part_pairs = _by_pieces(monkeypatch, 2, pieces, indicators.TERRITORY_TABLES)
    assert_frame_equal(whole.sort(pl.all()), parts.sort(pl.all()), check_exact=True)
    # The pairs' expected volumes are sums of floats, whose last bits depend on the order
    # polars adds them in (docs/decisions.md, "Neglect at its boundary").
    keys = ["territory_level", "territory_code", "service_id", "need", "month",
            "window_months"]
    assert_frame_equal(whole_pairs.sort(keys), part_pairs.sort(keys), rel_tol=1e-12)
    territories = whole.select("territory_level", "territory_code").n_unique()
    assert whole_pairs.height and whole.height == 5 * 2 * 22 * territories


def test_network_positions_computed_a_few_months_at_a_time_are_those_of_one_pass(
        generated, monkeypatch):
    _, _, con = generated
    months = _last_months(con, 5)
    pieces = partial(indicators.network_pieces, indicators.network_inputs(con, months), months)
    whole = _by_pieces(monkeypatch, 5, pieces, indicators.NETWORK_TABLES)
    parts = _by_pieces(monkeypatch, 2, pieces, indicators.NETWORK_TABLES)
    for one_pass, by_two in zip(whole, parts, strict=True):
        assert_frame_equal(one_pass.sort(pl.all()), by_two.sort(pl.all()), check_exact=True)
    assert set(whole[0]["month"]) == set(months) and whole[1].height
