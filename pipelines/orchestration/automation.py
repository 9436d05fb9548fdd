"""Jobs, the monthly schedule and the landing sensor (interfaces.md, "Orchestration")."""


import hashlib
import json

import dagster as dg

from pipelines.ingest.columns import EXPORT_KINDS
from pipelines.ingest.landing import landed_files
from pipelines.ingest.months import months_touched
from pipelines.ingest.profiles import InvalidProfile
from pipelines.orchestration.partitions import month_span, monthly_partitions, span_tags
from pipelines.orchestration.resources import HomeResource
from pipelines.orchestration.runs import release_dead_runs

SNAPSHOT = dg.AssetKey(["published", "snapshot"])
#: What a run does when there is no month to compute: load the files, so that they are in
#: the audit, and publish that to analysts.
LOAD_ONLY = "ingest+dbt+snapshot"

#: The one job: `reseau run`, the schedule, the sensor and the UI all launch it. Its steps
#: run in the run's own process, one after the other (the warehouse has one writer), and
#: the run holds the home's run lock throughout (see HomeResource).
monthly_job = dg.define_asset_job(
    "monthly_indicators",
    selection=dg.AssetSelection.all(),
    partitions_def=monthly_partitions,
    executor_def=dg.in_process_executor,
    description="Ingest what landed, rebuild the warehouse, compute the indicators of the "
                "run's months, publish the funder files, the reports and the analysts' "
                "snapshot.",
)

# On the 5th, services have delivered the previous month: run that month.
monthly_schedule = dg.build_schedule_from_partitioned_job(
    monthly_job, day_of_month=5, hour_of_day=6, name="monthly_on_the_5th",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

def landing_state(home) -> dict[str, str]:
    """Fingerprint of every landed file: path -> size and modification time."""
    state = {}
    for kind in EXPORT_KINDS.values():
        for path in landed_files(home, kind):
            stat = path.stat()
            state[path.relative_to(home.root).as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return state


def stage_selection(stage: str | None) -> dg.AssetSelection:
    """Assets of one stage (``ingest``, ``dbt``, ``indicators``: the last one partitioned, the
    others not; ``snapshot``: the analysts' warehouse alone), or of several joined by ``+``;
    ``None`` selects everything."""
    ingest = dg.AssetSelection.groups("ingest")
    indicators = dg.AssetSelection.groups("indicators").downstream()
    stages = {
        "ingest": ingest,
        "dbt": dg.AssetSelection.all() - ingest - indicators,
        "indicators": indicators,
        "snapshot": dg.AssetSelection.assets(SNAPSHOT),
    }
    if stage is None:
        return dg.AssetSelection.all()
    selection = stages[stage.split("+")[0]]
    for name in stage.split("+")[1:]:
        selection = selection | stages[name]
    return selection


def build_landing_sensor(interval_seconds: int = 300) -> dg.SensorDefinition:
    """The landing sensor, looking every ``interval_seconds`` (``[orchestration]
    sensor_interval_seconds`` in reseau.toml)."""

    @dg.sensor(job=monthly_job, name="landing_sensor", minimum_interval_seconds=interval_seconds,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Starts one run for every month that new or changed landing files "
                           "touch; releases the runs whose process died.")
    def landing_sensor(context: dg.SensorEvaluationContext, home: HomeResource):
        resolved = home.get_home()
        release_dead_runs(context.instance, resolved, say=context.log.warning)
        previous = json.loads(context.cursor) if context.cursor else {}
        current = landing_state(resolved)
        changed = [path for path, stamp in current.items() if previous.get(path) != stamp]
        if not changed:
            return dg.SkipReason("no new landing file")
        try:
            months, pending = months_touched(resolved,
                                             {resolved.root / path for path in changed})
        except InvalidProfile as problem:
            return dg.SkipReason(f"waiting for a valid mapping profile: {problem}")
        context.update_cursor(json.dumps(current))
        if not pending:
            return dg.SkipReason("the changed files are loaded already")
        # The files' sizes and times are in the key: an export saved again over its name is
        # a new delivery, whose months must run again.
        digest = hashlib.sha256("".join(f"{path}={current[path]};" for path in sorted(changed))
                                .encode()).hexdigest()[:12]
        span, _ = month_span(months)
        if span is None:
            # No month to compute (unreadable files, months not over): load them all the same,
            # so that staff see them in the audit.
            keys = stage_selection(LOAD_ONLY).resolve(context.repository_def.asset_graph)
            return dg.SensorResult(run_requests=[dg.RunRequest(
                run_key=f"load:{digest}", asset_selection=sorted(keys))])
        return dg.SensorResult(run_requests=[dg.RunRequest(
            run_key=f"{span[0]}..{span[1]}:{digest}", tags=span_tags(span))])

    return landing_sensor
