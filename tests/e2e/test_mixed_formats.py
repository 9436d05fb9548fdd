"""The same region delivered in every format and quirk of the contract gives the same
warehouse as in canonical CSV, and every bad file is accounted for and explained."""

import os

import duckdb
import pytest

from reseau.home import Home
from reseau.runner import run_pipeline
from reseau.synthetic import generate_home
from reseau.synthetic.quirks import FORMATS
from tests.conftest import TEST_KEY
from tests.e2e.conftest import REGION

pytestmark = pytest.mark.e2e

#: Each published table and the columns that identify a row.
TABLES = {
    "territory_indicators": ["territory_level", "territory_code", "month", "window_months",
                             "indicator"],
    "neglected_services": ["territory_level", "territory_code", "month", "window_months",
                           "service_id", "need"],
    "service_indicators": ["service_id", "month", "window_months"],
    "link_indicators": ["origin_service_id", "target_service_id", "month", "window_months"],
    "fct_referrals": ["referral_key"],
    "fct_supports": ["support_key"],
    "dim_services": ["service_id"],
}


@pytest.fixture(scope="session")
def mixed(tmp_path_factory):
    os.environ["RESEAU_PSEUDONYM_KEY"] = TEST_KEY
    root = tmp_path_factory.mktemp("mixed") / "home"
    truth = generate_home(root, formats="mixed", **REGION)
    assert run_pipeline(Home.open(root))
    con = duckdb.connect(str(root / "published" / "reseau.duckdb"), read_only=True)
    yield root, truth, con
    con.close()


@pytest.fixture(scope="session")
def both(generated, mixed):
    """One connection on the canonical snapshot, with the mixed one attached as ``mixed``."""
    con = duckdb.connect()
    con.execute(f"attach '{generated[0] / 'published' / 'reseau.duckdb'}' as canonical "
                "(read_only)")
    con.execute(f"attach '{mixed[0] / 'published' / 'reseau.duckdb'}' as mixed (read_only)")
    yield con
    con.close()


def test_the_mixed_home_uses_every_format_and_profiles(mixed):
    _, truth, _ = mixed
    assert set(truth["quirks"]["formats"].values()) == set(FORMATS)
    assert truth["quirks"]["profiles"]


@pytest.mark.parametrize("table", TABLES)
def test_same_rows_as_in_canonical_csv(both, table):
    keys = TABLES[table]
    columns = both.execute(
        "select column_name, data_type from information_schema.columns where table_catalog = "
        "'canonical' and table_schema = 'marts' and table_name = ? order by ordinal_position",
        [table]).fetchall()
    # Floating sums may differ in their last bits with the order rows were read in.
    differs = " or ".join(
        f"abs(a.{name} - b.{name}) > 1e-9 * (1 + abs(a.{name})) "
        f"or (a.{name} is null) <> (b.{name} is null)" if kind == "DOUBLE"
        else f"a.{name} is distinct from b.{name}"
        for name, kind in columns if name not in keys)
    on = " and ".join(f"a.{key} = b.{key}" for key in keys)
    counts = both.execute(
        f"select count(*) filter (where a.{keys[0]} is null or b.{keys[0]} is null), "
        f"count(*) filter (where {differs}), count(*) "
        f"from canonical.marts.{table} a full join mixed.marts.{table} b on {on}").fetchone()
    unmatched, different, total = counts
    assert total > 0 and (unmatched, different) == (0, 0)


def test_every_bad_file_is_in_the_audit_with_its_problem_and_set_aside(mixed):
    root, truth, con = mixed
    audit = dict(con.execute("select file, status || ': ' || error from marts.load_audit "
                             "where status in ('rejected', 'refused')").fetchall())
    refused = truth["quirks"]["refused_files"]
    expected = set(truth["quirks"]["rejected_files"]) | {item["file"] for item in refused}
    assert set(audit) == expected
    for file in truth["quirks"]["rejected_files"]:
        assert audit[file].startswith(f"rejected: {file}: ")
    for item in refused:
        assert f"column '{item['column']}' is a direct identifier" in audit[item["file"]]
    for file in expected:
        kept = root / "rejected" / file.removeprefix("landing/")
        assert kept.is_file() and kept.with_name(kept.name + ".error.txt").is_file()
        assert not (root / file).exists()


def test_every_row_of_every_file_is_accounted_for(mixed):
    _, _, con = mixed
    unbalanced = con.execute(
        "select count(*) from marts.load_audit where rows_read <> rows_loaded + rows_merged "
        "+ rows_superseded + rows_quarantined").fetchone()[0]
    loaded_per_format = dict(con.execute(
        "select regexp_extract(file, '\\.([a-z]+)$', 1), sum(rows_loaded) "
        "from marts.load_audit where status = 'loaded' group by 1").fetchall())
    assert unbalanced == 0
    assert set(loaded_per_format) == {"csv", "txt", "xlsx", "json", "jsonl"}
    assert all(rows > 0 for rows in loaded_per_format.values())


def test_every_planted_bad_row_is_quarantined_with_its_reason(mixed):
    _, truth, con = mixed
    found = {(file, row): reason for file, row, reason in con.execute(
        "select file, row_number, reason from marts.quarantine").fetchall()}
    planted = truth["quirks"]["quarantined_rows"]
    assert set(found) == {(item["file"], item["row_number"]) for item in planted}
    for item in planted:
        assert found[(item["file"], item["row_number"])].startswith(item["reason"])


def test_nothing_of_the_refused_file_is_in_the_warehouse(mixed):
    root, truth, _ = mixed
    [refused] = truth["quirks"]["refused_files"]
    con = duckdb.connect(str(Home.open(root).warehouse), read_only=True)
    try:
        text_columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'").fetchall()
        for schema, table, column in text_columns:
            found = con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}" like '
                f"'%Dupont%' or \"{column}\" like '%06 12 34 56 78%'").fetchone()[0]
            assert found == 0, f"{schema}.{table}.{column} holds the refused file's data"
        rows = con.execute("select count(*) from raw.referral_rows where file = ?",
                           [refused["file"]]).fetchone()[0]
    finally:
        con.close()
    assert rows == 0
