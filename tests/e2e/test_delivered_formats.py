"""The region is delivered in every format and quirk of the contract: each file is read
(the warehouse agrees with the oracle on the canonical copy, see test_generated_home.py),
and every bad file is accounted for and explained."""

import duckdb
import pytest

from reseau.home import Home
from reseau_synthetic.quirks import FORMATS

pytestmark = pytest.mark.e2e


def test_the_region_uses_every_format_and_profiles(generated):
    _, truth, _ = generated
    assert set(truth["quirks"]["formats"].values()) == set(FORMATS)
    assert truth["quirks"]["profiles"]


def test_every_bad_file_is_in_the_audit_with_its_problem_and_set_aside(generated):
    root, truth, con = generated
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


def test_every_row_of_every_file_is_accounted_for(generated):
    _, _, con = generated
    unbalanced = con.execute(
        "select count(*) from marts.load_audit where rows_read <> rows_loaded + rows_merged "
        "+ rows_superseded + rows_quarantined").fetchone()[0]
    loaded_per_format = dict(con.execute(
        "select regexp_extract(file, '\\.([a-z]+)$', 1), sum(rows_loaded) "
        "from marts.load_audit where status = 'loaded' group by 1").fetchall())
    assert unbalanced == 0
    assert set(loaded_per_format) == {"csv", "txt", "xlsx", "json", "jsonl"}
    assert all(rows > 0 for rows in loaded_per_format.values())


def test_every_planted_bad_row_is_quarantined_with_its_reason(generated):
    _, truth, con = generated
    found = {(file, row): reason for file, row, reason in con.execute(
        "select file, row_number, reason from marts.quarantine").fetchall()}
    planted = truth["quirks"]["quarantined_rows"]
    assert set(found) == {(item["file"], item["row_number"]) for item in planted}
    for item in planted:
        assert found[(item["file"], item["row_number"])].startswith(item["reason"])


def test_nothing_of_the_refused_file_is_in_the_warehouse(generated):
    root, truth, _ = generated
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
