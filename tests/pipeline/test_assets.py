"""Dagster assets materialised against a temporary DuckDB."""

import dagster as dg
import duckdb
import pytest

from pipelines.ingest.pseudonyms import MissingKeyError
from pipelines.orchestration.assets.indicators import territory_indicator_values
from pipelines.orchestration.assets.ingest import landing_exports, reference_tables
from pipelines.orchestration.resources import HomeResource


def test_ingestion_assets_fill_raw_tables(tiny_home):
    result = dg.materialize([reference_tables, landing_exports],
                            resources={"home": HomeResource(path=str(tiny_home.root))})
    assert result.success
    con = duckdb.connect(str(tiny_home.warehouse), read_only=True)
    assert con.execute("select count(*) from raw.referral_rows").fetchone()[0] == 13
    assert con.execute("select count(*) from raw.services").fetchone()[0] == 6
    files = result.asset_materializations_for_node("landing_exports")
    metadata = {m.asset_key.to_user_string(): m.metadata for m in files}
    assert metadata["raw/files"]["new_files"].value == 5


def test_landing_asset_stops_without_a_key(tiny_home, monkeypatch):
    monkeypatch.delenv("RESEAU_PSEUDONYM_KEY")
    with pytest.raises(MissingKeyError):
        dg.materialize([landing_exports],
                       resources={"home": HomeResource(path=str(tiny_home.root))})


def test_indicator_asset_writes_only_its_partition(tiny_run, tmp_path):
    # A copy of the tiny home's warehouse, so the shared run stays untouched.
    import shutil

    from reseau.home import Home

    home = Home.open(shutil.copytree(tiny_run.root, tmp_path / "copy",
                                     ignore=shutil.ignore_patterns(".reseau")))
    con = duckdb.connect(str(home.warehouse))
    con.execute("delete from indicators.territory_indicators")
    con.close()
    result = dg.materialize([territory_indicator_values], partition_key="2024-06-01",
                            resources={"home": HomeResource(path=str(home.root))},
                            selection=[territory_indicator_values])
    assert result.success
    con = duckdb.connect(str(home.warehouse), read_only=True)
    months = con.execute("select distinct month::varchar from indicators.territory_indicators"
                         ).fetchall()
    assert months == [("2024-06-01",)]


def test_one_dbt_model_materialised_alone_builds_only_that_model(tiny_run_copy):
    # As when a user materialises one model from the UI: the subset path of the dbt assets.
    from pipelines.orchestration.assets.dbt import build_dbt_assets

    home = tiny_run_copy
    con = duckdb.connect(str(home.warehouse))
    con.execute("drop table marts.dim_needs")
    built_at = con.execute("select count(*) from marts.fct_referrals").fetchone()
    con.close()
    warehouse_models = next(a for a in build_dbt_assets() if a.op.name == "warehouse_models")
    wanted = dg.AssetKey(["marts", "dim_needs"])
    result = dg.materialize([warehouse_models], selection=[wanted],
                            resources={"home": HomeResource(path=str(home.root))})
    assert result.success
    assert {m.asset_key for m in result.asset_materializations_for_node("warehouse_models")
            } == {wanted}
    checks = {c.asset_key for c in result.get_asset_check_evaluations()}
    assert checks == {wanted}  # its own tests, no other model's
    con = duckdb.connect(str(home.warehouse), read_only=True)
    assert con.execute("select count(*) from marts.dim_needs").fetchone()[0] == 90
    assert con.execute("select count(*) from marts.fct_referrals").fetchone() == built_at
