"""Running the pipeline in process for one home (`reseau run`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from reseau.home import Home, HomeError

DAGSTER_YAML = """\
# Written by réseau: one writer at a time on the warehouse (DuckDB allows a single writer).
concurrency:
  runs:
    max_concurrent_runs: 1
  pools:
    default_limit: 1
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


def contiguous_ranges(months: Iterable[str]) -> list[tuple[str, str]]:
    """Group sorted partition keys into runs of consecutive months."""
    ranges: list[tuple[str, str]] = []
    for key in sorted(set(months)):
        month = date.fromisoformat(key)
        if ranges:
            start, end = ranges[-1]
            last = date.fromisoformat(end)
            following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
            if month == following:
                ranges[-1] = (start, key)
                continue
        ranges.append((key, key))
    return ranges


def stage_selection(stage: str | None):
    """Assets of one stage (``ingest``, ``dbt``, ``indicators``), or of several joined by
    ``+``; ``None`` selects everything."""
    import dagster as dg

    ingest = dg.AssetSelection.groups("ingest")
    indicators = dg.AssetSelection.groups("indicators").downstream()
    stages = {
        "ingest": ingest,
        "dbt": dg.AssetSelection.all() - ingest - indicators,
        "indicators": indicators,
    }
    if stage is None:
        return dg.AssetSelection.all()
    selection = stages[stage.split("+")[0]]
    for name in stage.split("+")[1:]:
        selection = selection | stages[name]
    return selection


class _Runner:
    """Executes the monthly job in process on one home, stage by stage if asked."""

    def __init__(self, home: Home):
        import dagster as dg

        from pipelines.definitions import build_definitions

        self.home = home
        self.definitions = build_definitions(str(home.root))
        self.job = self.definitions.resolve_job_def("monthly_indicators")
        # The CLI is the process entry point: pointing Dagster at the home's instance here
        # lets `reseau ui` show the same run history.
        os.environ["DAGSTER_HOME"] = str(dagster_home(home))
        self.instance = dg.DagsterInstance.get()

    def execute(self, stage: str | None, months: tuple[str, str] | None) -> bool:
        selected = stage_selection(stage).resolve(self.definitions.resolve_asset_graph())
        tags = {}
        if months is not None:
            tags = {"dagster/asset_partition_range_start": months[0],
                    "dagster/asset_partition_range_end": months[1]}
        span = f" {months[0][:7]}..{months[1][:7]}" if months else ""
        print(f"reseau: running {stage or 'everything'}{span} on {self.home.root}",
              file=sys.stderr)
        result = self.job.execute_in_process(
            instance=self.instance,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            tags=tags,
            raise_on_error=False,
            asset_selection=None if stage is None else sorted(selected),
        )
        if not result.success:
            failed = [event.step_key for event in result.all_events if event.is_step_failure]
            print(f"reseau: run failed at step(s) {', '.join(failed) or '?'}; "
                  f"see the log above and `reseau ui --home {self.home.root}`", file=sys.stderr)
        return result.success


def run_pipeline(home: Home, months: list[str] | None = None, stage: str | None = None) -> bool:
    """Run every asset for ``months``; True on success.

    Without ``months``, the warehouse is prepared first (ingest and dbt), then the indicators
    are computed for every month it holds. ``stage`` restricts the run to one stage (see
    :func:`stage_selection`); the analysts' snapshot is published only after a whole run.
    """
    from pipelines.ingest.profiles import load_profiles
    from pipelines.ingest.pseudonyms import key_from_environment
    from pipelines.ingest.reference import required_files
    from pipelines.partitions import monthly_partitions
    from pipelines.warehouse import months_with_data, publish_snapshot

    # Fail before any work on what the user must fix: the key, the reference files, the
    # mapping profiles.
    key_from_environment()
    required_files(home)
    load_profiles(home)
    runner = _Runner(home)
    if stage is not None and "indicators" not in stage:  # not partitioned: no months
        return runner.execute(stage, None)
    monthly_stage = stage
    if months is None:
        if stage is None:
            # Prepare the warehouse first: the months to compute are those it holds.
            if not runner.execute("ingest+dbt", None):
                return False
            monthly_stage = "indicators"
        months = months_with_data(home.warehouse)
        if not months:
            raise HomeError(f"nothing to compute: no valid referral under {home.landing}; "
                            "deliver exports to landing/referrals/<exporter_id>/")
    last = monthly_partitions.get_last_partition_key()
    future = [m for m in months if m > last]
    if future:
        print(f"reseau: skipping month(s) not yet complete: {', '.join(m[:7] for m in future)}",
              file=sys.stderr)
    for start, end in contiguous_ranges(m for m in months if m <= last):
        if not runner.execute(monthly_stage, (start, end)):
            return False
    if stage is None:
        publish_snapshot(home.warehouse, home.published_warehouse)
        print(f"reseau: published {home.published_warehouse}", file=sys.stderr)
    return True
