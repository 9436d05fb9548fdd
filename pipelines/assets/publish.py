"""Funder files: each month's published indicators, with disclosure control applied."""

import dagster as dg

from pipelines.partitions import monthly_partitions
from pipelines.publish.funder_files import funder_long, write_month
from pipelines.resources import HomeResource


@dg.asset(
    key=["published", "funder_files"],
    group_name="publication",
    deps=[["marts", "territory_indicators"], ["marts", "dim_territories"],
          ["marts", "indicator_catalogue"]],
    kinds={"python", "parquet", "csv", "xlsx"},
    pool="warehouse",
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "Under <home>/published/<YYYY-MM>/: indicators.parquet (long) and "
        "indicateurs_<level>.csv / .xlsx (wide, French labels, 12-month window), with "
        "primary and secondary suppression below min_cell (reseau.toml, default 11); "
        "referrals and supports in whole 12-month windows only."
    ),
)
def funder_files(context: dg.AssetExecutionContext, home: HomeResource):
    resolved = home.get_home()
    months = sorted(context.partition_keys)
    with home.connect() as con:
        indicators = con.execute(
            "select * from marts.territory_indicators where month between ? and ? "
            "order by all", [months[0], months[-1]]).pl()
        territories = con.execute("select * from marts.dim_territories").pl()
        catalogue = con.execute("select * from marts.indicator_catalogue").pl()
        first_months = dict(con.execute(
            "select 'referrals', min(month) from marts.fct_referrals union all "
            "select 'supports', min(month) from marts.fct_supports").fetchall())
    long = funder_long(indicators, territories, resolved.min_cell, first_months)
    written = 0
    for (month,), rows in long.partition_by("month", as_dict=True).items():
        folder = resolved.published / f"{month:%Y-%m}"
        written += len(write_month(folder, rows, catalogue))
        context.log.info(f"funder files for {month:%Y-%m} in {folder}")
    return dg.MaterializeResult(metadata={
        "files": written, "min_cell": resolved.min_cell,
        "suppressed_cells": int(long["suppressed"].sum()), "cells": long.height,
    })
