"""The code location loads, and its schedule and sensor ask for the right months."""

import os
from datetime import datetime

import dagster as dg

from pipelines.ingest.months import file_months
from pipelines.orchestration.automation import build_landing_sensor, monthly_schedule
from pipelines.orchestration.definitions import build_definitions, defs
from pipelines.orchestration.resources import HomeResource


def test_definitions_load_with_every_asset_job_schedule_and_sensor(tmp_path):
    definitions = build_definitions(str(tmp_path))
    keys = {key.to_user_string() for key in definitions.resolve_asset_graph().get_all_asset_keys()}
    for expected in ["raw/referral_rows", "marts/fct_referrals", "marts/dim_services",
                     "marts/dim_territories", "marts/territory_indicators",
                     "marts/neglected_services", "marts/indicator_catalogue",
                     "indicators/territory_indicators", "marts/load_audit", "marts/quarantine",
                     "marts/deliveries", "published/staff_deliveries"]:
        assert expected in keys
    assert definitions.resolve_job_def("monthly_indicators") is not None
    assert definitions.resolve_schedule_def("monthly_on_the_5th") is not None
    assert definitions.resolve_sensor_def("landing_sensor") is not None


def test_workspace_definitions_read_the_home_only_when_a_run_starts(monkeypatch):
    monkeypatch.delenv("RESEAU_HOME", raising=False)
    assert isinstance(defs(), dg.Definitions)


def test_schedule_runs_the_previous_month_on_the_fifth():
    assert monthly_schedule.cron_schedule == "0 6 5 * *"
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 5, 6, 0))
    (request,) = list(monthly_schedule.evaluate_tick(context).run_requests)
    assert request.partition_key == "2026-10-01"


def test_file_months_reads_both_date_formats(tiny_home):
    s1 = tiny_home.landing / "referrals" / "S1"
    # S1_2024-05.csv holds May (ISO and DD/MM/YYYY rows) and an invalid date, ignored.
    assert file_months(s1 / "S1_2024-05.csv", "referrals") == {"2024-05-01"}
    assert file_months(s1 / "S1_2024-06_v2.csv", "referrals") == {"2024-06-01"}


def _span(request: dg.RunRequest) -> tuple[str, str]:
    return (request.tags["dagster/asset_partition_range_start"],
            request.tags["dagster/asset_partition_range_end"])


def test_sensor_requests_one_run_for_the_months_of_new_files_then_waits(tiny_home):
    landing_sensor = build_landing_sensor()
    instance = dg.DagsterInstance.ephemeral()

    def evaluate(cursor=None):
        with dg.build_sensor_context(cursor=cursor, instance=instance, resources={
                "home": HomeResource(path=str(tiny_home.root))}) as context:
            return landing_sensor(context), context.cursor

    result, cursor = evaluate()
    (request,) = result.run_requests
    assert _span(request) == ("2024-05-01", "2024-06-01")
    assert isinstance(evaluate(cursor)[0], dg.SkipReason)

    new = tiny_home.landing / "referrals" / "S3" / "S3_2024-06.csv"
    new.write_text(
        "referral_id,referral_date,origin_service_id,target_service_id,person_id,needs\n"
        "x3,2024-06-09,S3,S5,P1,justice\n", encoding="utf-8")
    os.utime(new, (1_800_000_000, 1_800_000_000))
    (request,) = evaluate(cursor)[0].run_requests
    assert _span(request) == ("2024-06-01", "2024-06-01")
