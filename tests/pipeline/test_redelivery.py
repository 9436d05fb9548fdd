"""Running again changes nothing: an identical file is a no-op, and the marts are the same."""

import os
import shutil

import duckdb

from pipelines.cli.runner import run_pipeline

MARTS = ["fct_referrals", "fct_supports", "dim_services", "dim_territories",
         "territory_indicators", "neglected_services", "service_indicators",
         "link_indicators", "quarantine", "load_audit", "deliveries"]


def snapshot(home) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(home.published_warehouse), read_only=True)
    try:
        return {table: con.execute(f"select * from marts.{table} order by all").fetchall()
                for table in MARTS}
    finally:
        con.close()


def test_a_second_run_with_an_identical_file_gives_identical_marts(tiny_run_copy):
    tiny_home = tiny_run_copy
    first = snapshot(tiny_home)
    # The same bytes delivered again under another name, later: already loaded, skipped.
    original = tiny_home.landing / "referrals" / "S1" / "S1_2024-05.csv"
    again = original.with_name("S1_2024-05_bis.csv")
    shutil.copy(original, again)
    later = original.stat().st_mtime + 10 * 86_400
    os.utime(again, (later, later))
    assert run_pipeline(tiny_home, ["2024-05-01", "2024-06-01"])
    second = snapshot(tiny_home)
    assert second == first
    assert first["fct_referrals"] and first["territory_indicators"]


def test_the_same_bytes_from_another_exporter_are_its_own_delivery(tiny_run_copy):
    # S2, which delivered nothing yet, sends S1's file as its own: the same referrals again
    # (merged). The warehouse records two files with one SHA-256, and the run goes through.
    tiny_home = tiny_run_copy
    first = snapshot(tiny_home)
    (tiny_home.landing / "referrals" / "S2").mkdir()
    shutil.copy(tiny_home.landing / "referrals" / "S1" / "S1_2024-05.csv",
                tiny_home.landing / "referrals" / "S2" / "S2_2024-05.csv")
    assert run_pipeline(tiny_home, ["2024-05-01", "2024-06-01"])
    con = duckdb.connect(str(tiny_home.published_warehouse), read_only=True)
    audit = {file: row for file, *row in con.execute(
        "select file, status, rows_read, rows_loaded + rows_merged, rows_quarantined "
        "from marts.load_audit").fetchall()}
    copy = audit["landing/referrals/S2/S2_2024-05.csv"]
    # Read whole (S1's own aliases do not resolve in S2's file, so one more row is refused).
    assert copy[:2] == audit["landing/referrals/S1/S1_2024-05.csv"][:2] == ["loaded", 8]
    # The same referrals, now from both ends: merged, none new.
    keys = {row[0] for row in snapshot(tiny_home)["fct_referrals"]}
    assert keys == {row[0] for row in first["fct_referrals"]}
