"""Great Expectations suites as asset checks: what they find, and that a blocking failure
stops the indicators and the publication but not ingestion."""

import json
import re

import duckdb
import pandas as pd
import pytest

from pipelines.cli.runner import run_pipeline
from pipelines.orchestration.assets.checks import batches, expectation_checks
from pipelines.orchestration.quality import (
    SUITES,
    date_regex,
    folded_regex,
    load_suite,
    suite_columns,
    validate,
)
from reseau.contract import DATE_FORMATS, STATUS_WORDS


@pytest.mark.parametrize("path", sorted(SUITES.glob("*.json")), ids=lambda p: p.stem)
def test_every_suite_in_the_repository_is_a_valid_gx_suite(path):
    import great_expectations as gx

    suite = gx.ExpectationSuite(**load_suite(path.stem))
    assert suite.name == path.stem and suite.expectations
    assert "contract" not in json.dumps(load_suite(path.stem)["expectations"])


@pytest.mark.parametrize("text, matches", [
    ("VALIDÉE", True), ("MODÉRATION_EN_COURS", True), ("Ouverte / en cours de traitement", True),
    (" Refusée ", True), ("rejetée par la modération", True), ("Accepted", True),
    ("cancelled", True), ("refus", False), ("validé", False), ("en cours", False),
    ("pending accepted", False), ("", False),
])
def test_the_status_words_of_the_contract_as_a_regex(text, matches):
    regex = folded_regex(STATUS_WORDS)
    assert bool(re.search(regex, text)) is matches


@pytest.mark.parametrize("text, matches", [
    ("2025-01-31", True), (" 31/01/2025 ", True), ("2025/01/31", False), ("31-01-2025", False),
    ("2025-1-31", False), ("31/01/25", False),
])
def test_the_date_formats_of_the_contract_as_a_regex(text, matches):
    assert bool(re.search(date_regex(DATE_FORMATS), text)) is matches


def test_a_failing_row_is_named_by_file_and_row_and_shown_in_data_docs(tmp_path):
    rows = pd.DataFrame({
        "file": ["a.csv", "a.csv", "b.csv"], "row_number": [1, 2, 1],
        "support_id": ["s1", "s2", "s3"], "support_date": ["2025-01-02", "02/01/2025", "hier"],
        "service_id": ["x"] * 3, "person_id": ["p"] * 3, "supporter_id": ["f"] * 3,
        "supporter_kind": ["famille", "Bénévole", "commerce local"],
    })
    validation = validate(rows, "delivered_support_rows", tmp_path, ("file", "row_number"))
    assert not validation.success
    [failure] = validation.failures
    assert (failure.column, failure.unexpected) == ("support_date", 1)
    assert failure.examples == [{"support_date": "hier", "file": "b.csv", "row_number": 1}]
    assert validation.docs.is_file()
    index = (tmp_path / "index.html").read_text("utf-8")
    assert "delivered_support_rows" in index and "échec" in index


def test_rows_validated_by_batches_add_up_to_one_validation(tmp_path, monkeypatch):
    rows = pd.DataFrame({
        "file": ["a.csv"] * 6, "row_number": range(1, 7),
        "support_id": [f"s{n}" for n in range(6)],
        "support_date": ["hier", "2025-01-02", "demain", "2025-01-03", "2025-01-04", "jamais"],
        "service_id": ["x"] * 6, "person_id": ["p"] * 6, "supporter_id": ["f"] * 6,
        "supporter_kind": ["famille"] * 6,
    })
    con = duckdb.connect()
    con.register("delivered", rows)
    monkeypatch.setattr("pipelines.orchestration.assets.checks.BATCH_ROWS", 2048 * 2)
    assert [len(frame) for frame in batches(con, "select * from range(10000)")] == \
        [4096, 4096, 1808]
    assert [len(frame) for frame in batches(con, "select * from delivered where false")] == [0]
    parts = [rows.iloc[:2], rows.iloc[2:4], rows.iloc[4:]]
    validation = validate(iter(parts), "delivered_support_rows", tmp_path, ("file", "row_number"))
    [failure] = validation.failures
    assert (validation.success, validation.rows) == (False, 6)
    assert (failure.column, failure.unexpected) == ("support_date", 3)
    assert [example["row_number"] for example in failure.examples] == [1, 3, 6]
    assert validation.evaluated == validate(rows, "delivered_support_rows", tmp_path).evaluated


def test_delivered_checks_warn_and_warehouse_checks_block():
    blocking = {spec.name: spec.blocking for check in expectation_checks
                for spec in check.check_specs}
    assert blocking == {
        "delivered_referral_rows_expectations": False,
        "delivered_support_rows_expectations": False,
        "warehouse_referrals_expectations": True,
        "warehouse_supports_expectations": True,
    }


def test_a_failing_blocking_check_stops_indicators_and_publication(tiny_run_copy):
    tiny_home = tiny_run_copy
    published = tiny_home.published_warehouse.stat().st_mtime_ns
    con = duckdb.connect(str(tiny_home.warehouse))
    # A pseudonym that escaped re-keying: the warehouse no longer keeps its promise.
    # A ninth row of an eight-row file (the key of a row read is its file and row number).
    con.execute("insert into raw.referral_rows select * replace ('p-plain' as person_id, "
                "'X1' as referral_id, 9 as row_number) from raw.referral_rows "
                "where person_id is not null "
                "and file = (select min(file) from raw.referral_rows) limit 1")
    # ... as if its file had been loaded after the last build, which rebuilds its months.
    con.execute("update raw.files set rows_read = rows_read + 1, "
                "ingested_at = ingested_at + interval 1 day "
                "where file = (select min(file) from raw.referral_rows)")
    con.execute("delete from indicators.territory_indicators")
    con.close()
    assert not run_pipeline(tiny_home)
    assert tiny_home.published_warehouse.stat().st_mtime_ns == published
    con = duckdb.connect(str(tiny_home.warehouse), read_only=True)
    escaped = con.execute("select count(*) from marts.fct_referrals "
                          "where person_key = 'p-plain'").fetchone()[0]
    computed = con.execute("select count(*) from indicators.territory_indicators").fetchone()[0]
    con.close()
    assert escaped == 1  # dbt built it; the check caught it
    assert computed == 0  # nothing was computed from it
    report = json.loads((tiny_home.data_docs / "last_results.json").read_text("utf-8"))
    assert report["warehouse_referrals"]["success"] is False


def test_a_delivery_is_validated_on_the_columns_its_suite_looks_at():
    assert suite_columns("delivered_support_rows") == [
        "support_id", "service_id", "person_id", "supporter_id", "support_date",
        "supporter_kind"]
    for path in SUITES.glob("*.json"):
        named = {expectation["kwargs"]["column"]
                 for expectation in json.loads(path.read_text("utf-8"))["expectations"]}
        assert set(suite_columns(path.stem)) == named
