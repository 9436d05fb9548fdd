"""An observatory's runs are incremental: each rebuilds only the months its new files touch,
and ends with the same marts, to the byte, as one full rebuild from the same files, also
after a correction of an old month."""

import os
import shutil

import duckdb

from pipelines.cli.runner import run_pipeline
from pipelines.ingest.months import months_touched
from reseau.home import Home
from tests.conftest import DELIVERY_EPOCH, copy_tiny_home

#: Every mart, and the intermediate tables the incremental facts are built from.
TABLES = [f"marts.{name}" for name in (
    "fct_referrals", "fct_supports", "dim_services", "dim_territories", "dim_needs",
    "territory_indicators", "neglected_services", "service_indicators", "link_indicators",
    "quarantine", "load_audit", "deliveries", "indicator_catalogue")] + [
    f"intermediate.{name}" for name in (
        "int_referral_rows_classified", "int_support_rows_classified",
        "int_referrals_deduplicated", "int_referral_need_groups",
        "int_target_need_observations")]
#: Held back from the first run: the correction of May, delivered after June.
HELD_BACK = ["referrals/S3/S3_2024-05_v2.csv"]


def tables(home: Home) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return {table: con.execute(f"select * from {table} order by all").fetchall()
                for table in TABLES}
    finally:
        con.close()


def rebuilt_months(home: Home) -> list[str]:
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:
        return [f"{month:%Y-%m}" for (month,) in con.execute(
            "select month from intermediate.int_increment_months order by month").fetchall()]
    finally:
        con.close()


def correct_may(home: Home) -> None:
    """S3 re-delivers May after June was loaded: one referral's status corrected, one
    referral added."""
    may = home.landing / "referrals" / "S3" / "S3_2024-05.csv"
    later = DELIVERY_EPOCH + 30 * 86_400  # after every file of the home
    text = may.read_text(encoding="utf-8").replace(
        "x2,2024-05-15,S3,S5,P7,justice,PRO3,pending,,",
        "x2,2024-05-15,S3,S5,P7,justice,PRO3,accepted,2024-05-20,")
    assert text != may.read_text(encoding="utf-8")
    text += "x9,2024-05-28,S3,S1,P9,logement-hebergement,PRO3,pending,,,01001\n"
    corrected = may.with_name("S3_2024-05_v2.csv")
    corrected.write_text(text, encoding="utf-8")
    os.utime(corrected, (later, later))


def deliver(home: Home, aside, names: list[str]) -> None:
    """Put held-back files in landing (their times kept), then run what the landing sensor
    would: the months they touch, on to the last published one."""
    paths = set()
    for name in names:
        path = home.landing / name
        shutil.move(aside / name, path)
        paths.add(path)
    months, pending = months_touched(home, paths)
    assert pending == len(names)
    assert run_pipeline(home, months)


def test_incremental_runs_give_the_marts_of_a_full_rebuild(tiny_run_copy, tmp_path):
    # The same files, May corrected after June: one full build from an empty warehouse ...
    full = Home.open(copy_tiny_home(tmp_path / "full"))
    correct_may(full)
    assert run_pipeline(full)
    # ... and, in steps, the tiny home's run (May and June, June re-delivered once), then
    # the correction of May, which rebuilds May alone.
    steps = tiny_run_copy
    aside = tmp_path / "aside"
    correct_may(steps)
    for name in HELD_BACK:
        (aside / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(steps.landing / name, aside / name)
    deliver(steps, aside, HELD_BACK)
    assert rebuilt_months(steps) == ["2024-05"]

    con = duckdb.connect(str(steps.warehouse), read_only=True)
    builds = con.execute("select full_refresh from raw.dbt_builds order by built_at").fetchall()
    con.close()
    assert builds == [(True,), (False,)]  # the second rebuilt its months only
    expected, got = tables(full), tables(steps)
    assert expected["marts.fct_referrals"] and expected["marts.territory_indicators"]
    for table in TABLES:
        assert got[table] == expected[table], table
