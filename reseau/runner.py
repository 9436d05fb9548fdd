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


def months_in_landing(home: Home) -> list[str]:
    """Every month that some landed export has rows for (partition keys)."""
    from pipelines.automation import file_months
    from pipelines.ingest.columns import EXPORT_KINDS
    from pipelines.ingest.landing import landed_files

    months: set[str] = set()
    for kind in EXPORT_KINDS.values():
        for path in landed_files(home, kind):
            months |= file_months(path, kind.name)
    return sorted(months)


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
    """Assets of one stage (``ingest``, ``dbt``, ``indicators``), for `make bench`."""
    import dagster as dg

    ingest = dg.AssetSelection.groups("ingest")
    indicators = dg.AssetSelection.groups("indicators").downstream()
    stages = {
        None: dg.AssetSelection.all(),
        "ingest": ingest,
        "dbt": dg.AssetSelection.all() - ingest - indicators,
        "indicators": indicators,
    }
    return stages[stage]


def run_pipeline(home: Home, months: list[str] | None = None, stage: str | None = None) -> bool:
    """Run every asset for ``months`` (default: all months in landing); True on success.

    ``stage`` restricts the run to one stage (see :func:`stage_selection`); the analysts'
    snapshot is published only after a whole run.
    """
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.ingest.pseudonyms import key_from_environment
    from pipelines.ingest.reference import required_files
    from pipelines.partitions import monthly_partitions
    from pipelines.warehouse import publish_snapshot

    # Fail before any work on what the user must fix: the key, the reference files.
    key_from_environment()
    required_files(home)
    if months is None:
        months = months_in_landing(home)
        if not months:
            raise HomeError(f"nothing to run: no export under {home.landing}; deliver files to "
                            "landing/referrals/<exporter_id>/ or pass --month")
    last = monthly_partitions.get_last_partition_key()
    future = [m for m in months if m > last]
    if future:
        print(f"reseau: skipping month(s) not yet complete: {', '.join(m[:7] for m in future)}",
              file=sys.stderr)
    months = [m for m in months if m <= last]
    definitions = build_definitions(str(home.root))
    job = definitions.resolve_job_def("monthly_indicators")
    selected = stage_selection(stage).resolve(definitions.resolve_asset_graph())
    # The CLI is the process entry point: pointing Dagster at the home's instance here lets
    # `reseau ui` show the same run history.
    os.environ["DAGSTER_HOME"] = str(dagster_home(home))
    instance = dg.DagsterInstance.get()
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    for start, end in contiguous_ranges(months):
        print(f"reseau: running {start[:7]}..{end[:7]} on {home.root}", file=sys.stderr)
        result = job.execute_in_process(
            instance=instance,
            run_config=run_config,
            tags={"dagster/asset_partition_range_start": start,
                  "dagster/asset_partition_range_end": end},
            raise_on_error=False,
            asset_selection=None if stage is None else sorted(selected),
        )
        if not result.success:
            failed = [event.step_key for event in result.all_events if event.is_step_failure]
            print(f"reseau: run failed at step(s) {', '.join(failed) or '?'}; "
                  f"see the log above and `reseau ui --home {home.root}`", file=sys.stderr)
            return False
    if stage is None:
        publish_snapshot(home.warehouse, home.published_warehouse)
        print(f"reseau: published {home.published_warehouse}", file=sys.stderr)
    return True
