"""Jobs, the monthly schedule and the landing sensor (interfaces.md, "Orchestration")."""


import hashlib
import json
from datetime import date

import dagster as dg
import polars as pl

from pipelines.ingest.columns import EXPORT_KINDS
from pipelines.ingest.landing import landed_files
from pipelines.ingest.profiles import InvalidProfile, Profile, load_profiles
from pipelines.ingest.readers import UnreadableFile, read_export
from pipelines.partitions import monthly_partitions
from pipelines.resources import HomeResource
from reseau.home import Limits

monthly_job = dg.define_asset_job(
    "monthly_indicators",
    selection=dg.AssetSelection.all(),
    partitions_def=monthly_partitions,
    description="Ingest what landed, rebuild the warehouse, compute the month's indicators.",
)

# On the 5th, services have delivered the previous month: run that month.
monthly_schedule = dg.build_schedule_from_partitioned_job(
    monthly_job, day_of_month=5, hour_of_day=6, name="monthly_on_the_5th"
)

_DATE_COLUMN = {"referrals": "referral_date", "supports": "support_date"}


def file_months(path, kind_name: str, profile: Profile = Profile(),
                limits: Limits = Limits()) -> set[str]:
    """Partition keys (YYYY-MM-01) of the months a landed file has rows for."""
    kind = EXPORT_KINDS[kind_name]
    try:
        dates = read_export(path, kind, profile, limits).select(
            pl.col(_DATE_COLUMN[kind_name]).str.strip_chars())
    except UnreadableFile:
        return set()
    text = pl.col(_DATE_COLUMN[kind_name])
    parsed = dates.select(
        pl.coalesce(text.str.to_date("%Y-%m-%d", strict=False),
                    text.str.to_date("%d/%m/%Y", strict=False)).dt.truncate("1mo").alias("month")
    ).drop_nulls().unique()
    return {f"{month:%Y-%m}-01" for month in parsed["month"].to_list()}


def landing_state(home) -> dict[str, str]:
    """Fingerprint of every landed file: path -> size and modification time."""
    state = {}
    for kind in EXPORT_KINDS.values():
        for path in landed_files(home, kind):
            stat = path.stat()
            state[path.relative_to(home.root).as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return state


@dg.sensor(job=monthly_job, minimum_interval_seconds=300,
           description="Starts a run for every month that new or changed landing files touch.")
def landing_sensor(context: dg.SensorEvaluationContext, home: HomeResource):
    resolved = home.get_home()
    previous = json.loads(context.cursor) if context.cursor else {}
    current = landing_state(resolved)
    changed = [path for path, stamp in current.items() if previous.get(path) != stamp]
    if not changed:
        return dg.SkipReason("no new landing file")
    try:
        profiles = load_profiles(resolved)
    except InvalidProfile as problem:
        return dg.SkipReason(f"waiting for a valid mapping profile: {problem}")
    latest = monthly_partitions.get_last_partition_key()
    months: set[str] = set()
    for relative in changed:
        _, kind_name, exporter_id, _ = relative.split("/", 3)
        months |= file_months(resolved.root / relative, kind_name,
                              profiles.get(exporter_id, Profile()), resolved.limits)
    # The files' sizes and times are in the key: an export saved again over its name is a
    # new delivery, whose months must run again.
    digest = hashlib.sha256("".join(f"{path}={current[path]};" for path in sorted(changed))
                            .encode()).hexdigest()[:12]
    requests = [
        dg.RunRequest(partition_key=month, run_key=f"{month}:{digest}")
        for month in sorted(months)
        if date.fromisoformat(month) <= date.fromisoformat(latest)
    ]
    context.update_cursor(json.dumps(current))
    return dg.SensorResult(run_requests=requests)
