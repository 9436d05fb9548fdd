"""The Dagster code location (loaded by workspace.yaml, and by `reseau run` in process)."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.orchestration.assets.checks import delivery_checks, expectation_checks
from pipelines.orchestration.assets.dbt import build_dbt_assets
from pipelines.orchestration.assets.indicators import (
    network_position_values,
    territory_indicator_values,
)
from pipelines.orchestration.assets.ingest import landing_exports, reference_tables
from pipelines.orchestration.assets.publish import funder_files, reports, snapshot, staff_deliveries
from pipelines.orchestration.automation import build_landing_sensor, monthly_job, monthly_schedule
from pipelines.orchestration.notify import email_on_run_failure
from pipelines.orchestration.resources import HomeResource
from reseau.home import Home


def build_definitions(home_path: str | dg.EnvVar,
                      sensor_interval_seconds: int = 300) -> dg.Definitions:
    """Everything for one home. The path may be an ``EnvVar`` read when a run starts (the
    delivery checks list the home's exporters when the definitions load, if it is set)."""
    return dg.Definitions(
        assets=[reference_tables, landing_exports, *build_dbt_assets(), territory_indicator_values,
                network_position_values, funder_files, reports, staff_deliveries, snapshot],
        asset_checks=[*expectation_checks, *delivery_checks(home_path)],
        jobs=[monthly_job],
        schedules=[monthly_schedule],
        sensors=[build_landing_sensor(sensor_interval_seconds), email_on_run_failure],
        resources={"home": HomeResource(path=home_path)},
    )


@dg.definitions
def defs() -> dg.Definitions:
    # The UI and daemon find the home in $RESEAU_HOME (set by `reseau serve --home DIR`).
    home = os.environ.get("RESEAU_HOME")
    interval = Home.open(home).orchestration.sensor_interval_seconds if home else 300
    return build_definitions(dg.EnvVar("RESEAU_HOME"), interval)
