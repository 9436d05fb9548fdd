"""Running the pipeline in process for one home (`reseau run`)."""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import date
from pathlib import Path

from reseau.errors import HomeError
from reseau.home import Home

DAGSTER_YAML = """\
# Written by réseau: one run at a time on the warehouse (DuckDB allows a single writer). The
# runs themselves hold the home's run lock (reseau/runlock.py), which a killed run releases.
# The daemon dequeues runs with Dagster's default QueuedRunCoordinator.
concurrency:
  runs:
    max_concurrent_runs: 1
telemetry:
  enabled: false
"""
SQLITE_STORAGE = """\
# Runs, event log, schedules and sensors in SQLite files under this folder, as Dagster's own
# embedded storage keeps them, through connections that stay open (pipelines/orchestration/
# storage.py); compute logs in storage/.
run_storage:
  module: pipelines.orchestration.storage
  class: PooledSqliteRunStorage
  config:
    base_dir: {runs}
event_log_storage:
  module: pipelines.orchestration.storage
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {events}
schedule_storage:
  module: dagster._core.storage.schedules
  class: SqliteScheduleStorage
  config:
    base_dir: {schedules}
"""
POSTGRES_STORAGE = """\
# Runs, event log, schedules and sensors in PostgreSQL ([orchestration] in reseau.toml, or
# `reseau serve --postgres-url`); compute logs stay under this folder, in storage/.
storage:
  postgres:
    postgres_url: {url}
"""
#: Where `reseau serve --postgres-url URL` hands the URL to Dagster's processes, so that it
#: never lands in dagster.yaml.
SERVE_POSTGRES_ENV = "RESEAU_SERVE_POSTGRES_URL"


def hide_password(url: str) -> str:
    """The URL as it may be shown: its password, if any, replaced by ``***``."""
    return re.sub(r"^([^:/]+://[^:/@?]*:)[^@/?]*@", r"\1***@", url)


def psycopg2_url(url: str) -> str:
    """The URL with SQLAlchemy's psycopg2 driver: since SQLAlchemy 2.1 a bare
    ``postgresql://`` means psycopg 3, under which dagster-postgres' event log fails
    (``NOTIFY run_events, $1``); dagster-postgres brings psycopg2."""
    return re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg2://", url.strip())


def check_postgres(url: str) -> None:
    """Connect once to the PostgreSQL of the Dagster instance as Dagster will (SQLAlchemy,
    psycopg2); one line if the URL is wrong or the server does not answer."""
    import sqlalchemy
    from sqlalchemy.exc import ArgumentError, DBAPIError

    example = "e.g. postgresql:///reseau?host=/var/run/postgresql"
    where = "[orchestration] in reseau.toml, or --postgres-url; see docs/operations.md"
    shown = hide_password(url)
    try:
        parsed = sqlalchemy.engine.make_url(psycopg2_url(url))
    except (ArgumentError, ValueError):
        parsed = None
    if parsed is None or parsed.get_backend_name() != "postgresql":
        raise HomeError(f"{shown!r} is not a PostgreSQL URL ({example}): fix it ({where})")
    if parsed.get_driver_name() != "psycopg2":
        raise HomeError(f"{shown}: Dagster's PostgreSQL storage needs the psycopg2 driver: "
                        f"write postgresql:// or postgresql+psycopg2:// ({where})")
    try:
        engine = sqlalchemy.create_engine(parsed, poolclass=sqlalchemy.pool.NullPool,
                                          connect_args={"connect_timeout": 10})
        with engine.connect():
            pass
    except DBAPIError as problem:
        reason = " ".join(str(problem.orig).split()) or type(problem.orig).__name__
        raise HomeError(f"PostgreSQL does not answer at {shown} ({reason}): start it, or fix "
                        f"the URL ({where})") from None


def dagster_home(home: Home, postgres_url: str | None = None) -> Path:
    """The Dagster instance folder of a home: run history shared by `run`, `ui` and `serve`.

    Its dagster.yaml puts the instance in PostgreSQL when ``[orchestration]`` names one
    (checked to answer): a URL from an environment variable is written as that variable,
    never its value (which must then name the driver, ``postgresql+psycopg2://``); a URL
    written in reseau.toml is written with the driver. ``postgres_url`` (``reseau serve
    --postgres-url``) overrides them, written as ``$RESEAU_SERVE_POSTGRES_URL``, which the
    caller sets to ``psycopg2_url(postgres_url)`` for Dagster's processes. Otherwise
    Dagster's embedded storage in this folder, on connections that stay open.
    """
    orchestration = home.orchestration
    if postgres_url:
        url, written = postgres_url, f"{{env: {SERVE_POSTGRES_ENV}}}"
    elif orchestration.postgres_url_env:
        url, written = orchestration.postgres(), f"{{env: {orchestration.postgres_url_env}}}"
        if url.startswith(("postgresql://", "postgres://")):
            raise HomeError(f"${orchestration.postgres_url_env} holds a URL without its driver: "
                            f"write it {psycopg2_url(hide_password(url))} (Dagster reads it "
                            "as it is, and its PostgreSQL storage needs psycopg2)")
    elif orchestration.postgres_url:
        url = orchestration.postgres_url
        written = json.dumps(psycopg2_url(url))  # a YAML double-quoted string
    else:
        url = written = None
    if url is not None:
        check_postgres(url)
    folder = home.state / "dagster"
    folder.mkdir(parents=True, exist_ok=True)
    if written is None:  # YAML double-quoted strings
        text = DAGSTER_YAML + SQLITE_STORAGE.format(
            runs=json.dumps(f"{folder}/history/"), events=json.dumps(f"{folder}/history/runs/"),
            schedules=json.dumps(f"{folder}/schedules"))
    else:
        text = DAGSTER_YAML + POSTGRES_STORAGE.format(url=written)
    (folder / "dagster.yaml").write_text(text, encoding="utf-8")
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

        from pipelines.orchestration.definitions import build_definitions

        self.home = home
        self.definitions = build_definitions(str(home.root))
        self.job = self.definitions.resolve_job_def("monthly_indicators")
        # The CLI is the process entry point: pointing Dagster at the home's instance here
        # lets `reseau ui` and `reseau serve` show the same run history.
        os.environ["DAGSTER_HOME"] = str(dagster_home(home))
        self.instance = dg.DagsterInstance.get()

    def execute(self, stage: str | None, months: tuple[str, str] | None) -> bool:
        from pipelines.orchestration.automation import stage_selection
        from pipelines.orchestration.partitions import span_tags
        from pipelines.orchestration.runs import MADE_BY_COMMAND

        selected = stage_selection(stage).resolve(self.definitions.resolve_asset_graph())
        span = f" {months[0][:7]}..{months[1][:7]}" if months else ""
        print(f"reseau: running {stage or 'everything'}{span} on {self.home.root}",
              file=sys.stderr)
        result = self.job.execute_in_process(
            instance=self.instance,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            tags={**(span_tags(months) if months else {}), MADE_BY_COMMAND: "reseau run"},
            raise_on_error=False,
            asset_selection=None if stage is None else sorted(selected),
        )
        if not result.success:
            failed = [event.step_key for event in result.all_events if event.is_step_failure]
            print(f"reseau: run failed at step(s) {', '.join(failed) or '?'}; "
                  f"see the log above and `reseau ui --home {self.home.root}`", file=sys.stderr)
        return result.success


#: Below this many new files, reading them for their months takes seconds: nothing is said.
READ_QUIETLY = 1000


def _reading_progress(done: int, total: int) -> None:
    """What ``reseau run`` says while it reads many new files to learn their months (a first
    run over years of history): when it starts, and at every tenth."""
    if total < READ_QUIETLY:
        return
    if done == 0:
        print(f"reseau: reading {total:,} new files to learn their months (the run then "
              "loads them without reading them again)", file=sys.stderr)
    elif done * 10 // total > (done - 1) * 10 // total:
        print(f"reseau: {done:,} of {total:,} new files read", file=sys.stderr)


def run_pipeline(home: Home, months: list[str] | None = None, stage: str | None = None) -> bool:
    """Run the monthly job once on ``home``, for ``months`` (partition keys); True on success.

    Without ``months``: every month the warehouse holds, and every month the files not yet
    loaded touch. One run covers them all (from the first to the last), as the landing
    sensor's runs do. ``stage`` restricts the run to one stage (see :func:`stage_selection`:
    ``indicators`` includes what is published from them, the others publish nothing).
    Another run in progress on the home: :class:`RunInProgress`.
    """
    from pipelines.ingest.landing import forget_read_ahead
    from pipelines.ingest.months import months_to_run
    from pipelines.ingest.profiles import load_profiles
    from pipelines.ingest.pseudonyms import key_from_environment
    from pipelines.ingest.reference import required_files
    from pipelines.orchestration.automation import LOAD_ONLY
    from pipelines.orchestration.partitions import month_span
    from reseau.runlock import run_lock

    # Fail before any work on what the user must fix: the key, the reference files, the
    # mapping profiles.
    key_from_environment()
    required_files(home)
    load_profiles(home)
    with run_lock(home, owner=f"reseau run, process {os.getpid()}"):
        try:
            runner = _Runner(home)
            if stage is not None and "indicators" not in stage:  # not partitioned: no months
                return runner.execute(stage, None)
            span, future = month_span(
                months if months is not None else months_to_run(home, _reading_progress))
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
        finally:
            forget_read_ahead()  # what a run that did not ingest left read ahead
