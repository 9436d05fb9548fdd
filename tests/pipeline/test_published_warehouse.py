"""The analysts' snapshot: a reader holding it open during a run neither blocks the run nor
sees a partial state; a new reader sees the new run whole."""

import os
import subprocess
import sys

import duckdb

from pipelines.cli.runner import run_pipeline
from pipelines.publish.snapshot import publish_snapshot

COUNT = "select count(*) from marts.fct_referrals"
# A reader in its own process: counts once, waits for a line on stdin, counts again.
READER = f"""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("{COUNT}").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("{COUNT}").fetchone()[0], flush=True)
"""


def test_a_reader_neither_blocks_a_run_nor_sees_it_half_done(tiny_run_copy):
    home = tiny_run_copy
    reader = subprocess.Popen([sys.executable, "-c", READER, str(home.published_warehouse)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        before = int(reader.stdout.readline())
        new = home.landing / "referrals" / "S3" / "S3_2024-06.csv"
        new.write_text("referral_id,referral_date,origin_service_id,target_service_id,"
                       "person_id,needs\nx9,2024-06-20,S3,S1,P9,logement-hebergement\n",
                       encoding="utf-8")
        later = (home.landing / "referrals" / "S1" / "S1_2024-06_v2.csv").stat().st_mtime
        os.utime(new, (later + 60, later + 60))
        assert run_pipeline(home, ["2024-05-01", "2024-06-01"])  # the reader holds the file
        reader.stdin.write("\n")
        reader.stdin.flush()
        during = int(reader.stdout.readline())
    finally:
        reader.communicate(timeout=30)
    assert during == before  # its snapshot did not move under it
    with duckdb.connect(str(home.published_warehouse), read_only=True) as con:
        assert con.execute(COUNT).fetchone()[0] == before + 1


def test_the_snapshot_is_taken_while_a_connection_of_the_run_is_still_open(tmp_path):
    # dbt runs in the run's process and may not have let go of its connection yet: DuckDB
    # refuses another connection to the file with another configuration than that one.
    config = {"memory_limit": "1GB", "temp_directory": str(tmp_path / "spill")}
    warehouse, published = tmp_path / "reseau.duckdb", tmp_path / "published" / "reseau.duckdb"
    still_open = duckdb.connect(str(warehouse), config=config)
    try:
        still_open.execute("create table t as select 42 as answer")
        publish_snapshot(warehouse, published, config)
    finally:
        still_open.close()
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select answer from t").fetchone() == (42,)
