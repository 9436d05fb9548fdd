"""Running the pipeline in process for one home (`reseau run`)."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

from reseau.home import Home, HomeError

DAGSTER_YAML = """\
# Written by réseau: one run at a time on the warehouse (DuckDB allows a single writer). The
# runs themselves hold the home's run lock (reseau/runlock.py), which a killed run releases.
concurrency:
  runs:
    max_concurrent_runs: 1
telemetry:
  enabled: false
"""


def dagster_home(home: Home) -> Path:
    """The Dagster instance folder of a home: run history shared by `run` and `ui`."""
    folder = home.state / "dagster"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    return folder


def parse_month(text: str) -> str:
    """``YYYY-MM`` -> partition key ``YYYY-MM-01``; a clear error otherwise."""
    try:
        month = date.fromisoformat(f"{text}-01")
    except ValueError:
        raise HomeError(f"bad month {text!r}: write months as YYYY-MM, e.g. 2026-10") from None
    return month.isoformat()


class _Runner:
    """Launches the monthly job in this process on one home, as the daemon would."""

    def __init__(self, home: Home):
        import dagster as dg

        from pipelines.definitions import build_definitions

        self.home = home
        self.definitions = build_definitions(str(home.root))
        self.job = self.definitions.resolve_job_def("monthly_indicators")
        # The CLI is the process entry point: pointing Dagster at the home's instance here
        # lets `reseau ui` and `reseau serve` show the same run history.
        os.environ["DAGSTER_HOME"] = str(dagster_home(home))
        self.instance = dg.DagsterInstance.get()

    def execute(self, stage: str | None, months: tuple[str, str] | None) -> bool:
        from pipelines.automation import stage_selection
        from pipelines.partitions import span_tags

        selected = stage_selection(stage).resolve(self.definitions.resolve_asset_graph())
        span = f" {months[0][:7]}..{months[1][:7]}" if months else ""
        print(f"reseau: running {stage or 'everything'}{span} on {self.home.root}",
              file=sys.stderr)
        result = self.job.execute_in_process(
            instance=self.instance,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            tags=span_tags(months) if months else {},
            raise_on_error=False,
            asset_selection=None if stage is None else sorted(selected),
        )
        if not result.success:
            failed = [event.step_key for event in result.all_events if event.is_step_failure]
            print(f"reseau: run failed at step(s) {', '.join(failed) or '?'}; "
                  f"see the log above and `reseau ui --home {self.home.root}`", file=sys.stderr)
        return result.success


def run_pipeline(home: Home, months: list[str] | None = None, stage: str | None = None) -> bool:
    """Run the monthly job once on ``home``, for ``months`` (partition keys); True on success.

    Without ``months``: every month the warehouse holds, and every month the files not yet
    loaded touch. One run covers them all (from the first to the last), as the landing
    sensor's runs do. ``stage`` restricts the run to one stage (see :func:`stage_selection`;
    nothing is then published). Another run in progress on the home: :class:`RunInProgress`.
    """
    from pipelines.automation import LOAD_ONLY
    from pipelines.ingest.months import months_to_run
    from pipelines.ingest.profiles import load_profiles
    from pipelines.ingest.pseudonyms import key_from_environment
    from pipelines.ingest.reference import required_files
    from pipelines.partitions import month_span
    from reseau.runlock import run_lock

    # Fail before any work on what the user must fix: the key, the reference files, the
    # mapping profiles.
    key_from_environment()
    required_files(home)
    load_profiles(home)
    with run_lock(home, owner=f"reseau run, process {os.getpid()}"):
        runner = _Runner(home)
        if stage is not None and "indicators" not in stage:  # not partitioned: no months
            return runner.execute(stage, None)
        span, future = month_span(months if months is not None else months_to_run(home))
        if future:
            print(f"reseau: skipping month(s) not yet over: "
                  f"{', '.join(m[:7] for m in future)}", file=sys.stderr)
        if span is None:
            # Still load what landed, so that every file is in marts.load_audit.
            if stage is None and not runner.execute(LOAD_ONLY, None):
                return False
            raise HomeError(f"nothing to compute: no dated referral or support under "
                            f"{home.landing} (marts.load_audit says what each file gave); "
                            "deliver exports to landing/referrals/<exporter_id>/")
        return runner.execute(stage, span)
