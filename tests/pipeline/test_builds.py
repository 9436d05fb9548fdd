"""What a build of the warehouse rebuilds (pipelines/orchestration/builds.py): everything the
first time and whenever the reference tables or the dbt project change, else the months of
the files loaded since the last build."""

import json
from datetime import datetime

import duckdb

from pipelines.orchestration.builds import plan_build, record_build
from pipelines.orchestration.dbt_invocation import DBT_PROJECT_DIR

MANIFEST = {"sources": {
    "source.reseau.reference.services": {"source_name": "reference", "schema": "raw",
                                         "identifier": "services"},
    "source.reseau.landing.files": {"source_name": "landing", "schema": "raw",
                                    "identifier": "files"},
}}


def warehouse():
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.services as select 'S1' as service_id, 'CCAS' as name")
    con.execute("create table raw.files (file varchar, ingested_at timestamp)")
    con.execute("insert into raw.files values ('a.csv', '2026-11-01 10:00:00')")
    return con


def test_the_first_build_is_full_and_the_next_one_takes_the_new_files():
    con = warehouse()
    first = plan_build(con, MANIFEST)
    assert (first.full, first.reason) == (True, "no build recorded")
    assert first.dbt_args() == ["--full-refresh"] and first.select is None
    record_build(con, first, datetime(2026, 11, 1, 10, 5))

    con.execute("insert into raw.files values ('b.csv', '2026-12-01 10:00:00')")
    second = plan_build(con, MANIFEST)
    assert not second.full
    assert second.loaded_after == datetime(2026, 11, 1, 10, 0)
    assert second.loaded_through == datetime(2026, 12, 1, 10, 0)
    assert second.select == "source:landing+"
    assert second.dbt_args() == ["--vars", json.dumps({"loaded_after": "2026-11-01 10:00:00"})]


def test_a_changed_directory_makes_a_full_build():
    con = warehouse()
    record_build(con, plan_build(con, MANIFEST), datetime(2026, 11, 1, 10, 5))
    con.execute("update raw.services set name = 'CCAS de Rennes'")
    plan = plan_build(con, MANIFEST)
    assert (plan.full, plan.reason) == (True, "the dbt project or the reference tables changed")


def test_a_changed_dbt_project_makes_a_full_build(monkeypatch):
    con = warehouse()
    record_build(con, plan_build(con, MANIFEST), datetime(2026, 11, 1, 10, 5))
    model = DBT_PROJECT_DIR / "models" / "marts" / "fct_referrals.sql"
    edited = model.read_bytes() + b"\n-- edited\n"
    monkeypatch.setattr("pathlib.Path.read_bytes",
                        lambda path: edited if path == model else open(path, "rb").read())
    assert plan_build(con, MANIFEST).full


def test_a_failed_build_records_nothing_so_the_next_one_redoes_its_files():
    con = warehouse()
    record_build(con, plan_build(con, MANIFEST), datetime(2026, 11, 1, 10, 5))
    con.execute("insert into raw.files values ('b.csv', '2026-12-01 10:00:00')")
    failed = plan_build(con, MANIFEST)  # dbt fails: record_build is never called
    con.execute("insert into raw.files values ('c.csv', '2026-12-02 10:00:00')")
    again = plan_build(con, MANIFEST)
    assert again.loaded_after == failed.loaded_after == datetime(2026, 11, 1, 10, 0)
