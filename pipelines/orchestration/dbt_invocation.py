"""dbt run inside the run's own process, through dbt's programmatic entry point (``dbtRunner``).

dagster-dbt's ``DbtCliResource`` starts a new Python for every command, and each pays for
importing dbt again (about 5 s here, three commands a run). In process, dbt is imported
once per process and each command costs only its own work; its result events are turned
into Dagster events by dagster-dbt's own translation
(:meth:`dagster_dbt.DbtCliEventMessage.to_default_asset_events`), so that models are
materialisations and tests are asset checks exactly as with the resource. What it saves is
in ``docs/decisions.md`` ("dbt runs in the run's own process").

dbt does not support two invocations at once in one process: a lock makes them take turns.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from reseau.contract import DBT_PROJECT_DIR
from reseau.home import Home

_LOCK = threading.Lock()
_DONE = object()
#: dbt's lines worth a line in the run's log (each is an event Dagster stores): what ran,
#: and how it went. Warnings and errors are always logged.
_SUMMARIES = {"FoundStats", "FinishedRunningStats", "StatsLine"}
#: dbt's events that say how a node went: what dagster-dbt turns into materialisations and
#: asset checks (``DbtCoreCliEventMessage.is_result_event``).
_RESULTS = {"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"}


def write_dbt_profile(home: Home) -> Path:
    """Write the home's own dbt profile (its warehouse path); return its folder."""
    home.dbt_profiles_dir.mkdir(parents=True, exist_ok=True)
    profile = home.dbt_profiles_dir / "profiles.yml"
    # Given when the database opens (`config_options`), not as `settings`: dbt-duckdb SETs
    # those again on every node's cursor, and DuckDB refuses to set temp_directory again
    # once it has spilled there.
    config = "".join(f"        {key}: {json.dumps(value)}\n"
                     for key, value in home.duckdb_config().items())
    profile.write_text(
        "reseau:\n  target: home\n  outputs:\n    home:\n      type: duckdb\n"
        f"      path: {json.dumps(home.warehouse.as_posix())}\n      threads: 2\n"
        f"      config_options:\n{config}",
        encoding="utf-8",
    )
    return home.dbt_profiles_dir


class DbtFailed(RuntimeError):
    """A dbt command failed: a model did not build, or a test that blocks failed."""


def project_files() -> list[Path]:
    """The files a parse of the dbt project reads."""
    return [path for folder in ("models", "macros", "seeds", "tests")
            for path in (DBT_PROJECT_DIR / folder).rglob("*") if path.is_file()
            ] + [DBT_PROJECT_DIR / "dbt_project.yml"]


def _arguments(home: Home | None, args: list[str]) -> list[str]:
    """``args`` with the project, the home's profile and the home's target folder (the
    project's own profile and target without a home)."""
    if home is None:
        profiles, target = DBT_PROJECT_DIR, DBT_PROJECT_DIR / "target"
    else:
        profiles, target = write_dbt_profile(home), home.dbt_target_dir
        target.mkdir(parents=True, exist_ok=True)
    return ["--quiet", "--no-send-anonymous-usage-stats", *args,
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(profiles),
            "--target-path", str(target), "--log-path", str(target)]


#: The project parsed once per process, per warehouse name (dbt names relations after the
#: warehouse file): every home's warehouse is ``reseau.duckdb``, so one parse serves all.
_PARSED: dict[tuple[str, float], Any] = {}


def _parsed(home: Home) -> Any:
    from dbt.cli.main import dbtRunner

    key = (home.warehouse.stem, max(path.stat().st_mtime for path in project_files()))
    if key not in _PARSED:
        result = dbtRunner().invoke(_arguments(home, ["parse"]))
        if not result.success:
            raise DbtFailed(f"dbt parse failed: {result.exception or 'see the log above'}")
        _PARSED.clear()
        _PARSED[key] = result.result
    return _PARSED[key]


def invoke(home: Home | None, args: list[str],
           on_event: Callable[[dict[str, Any]], None] = lambda event: None) -> Any:
    """Run one dbt command on ``home``'s warehouse (``home`` None: the project alone, e.g.
    ``parse``); ``on_event`` receives, as dbt's JSON log would print them, the events that
    say how a node went, dbt's summary lines, and every warning and error.
    Return dbt's result; raise :class:`DbtFailed` if the command failed."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    failures: list[str] = []

    def callback(message) -> None:
        # Only the events anyone reads become dicts: dbt fires thousands of debug events a
        # build, and turning each into a dict (protobuf to JSON) is most of their cost.
        info = message.info
        if info.level not in ("warn", "error") and info.name not in _RESULTS | _SUMMARIES:
            return
        event = msg_to_dict(message)
        if info.level == "error":
            failures.append(info.msg)
        on_event(event)

    with _LOCK:
        try:
            manifest = None if home is None else _parsed(home)
            result = dbtRunner(manifest=manifest, callbacks=[callback]).invoke(
                _arguments(home, args))
        finally:
            # dbt-duckdb keeps its database open for the process's life (made for in-memory
            # databases): let it go, so that the run's own connections and a reader's
            # read-only one can open the warehouse.
            DuckDBConnectionManager.close_all_connections()
    if not result.success:
        reason = result.exception or "; ".join(line for line in failures if line.strip())
        raise DbtFailed(f"dbt {args[0]} failed: {reason or 'see the log above'}")
    return result.result


def stream(home: Home, args: list[str], to_events: Callable[[dict[str, Any]], Iterator[Any]],
           log: Callable[[str], None]) -> Iterator[Any]:
    """Run ``args`` in a thread and yield ``to_events(event)`` for each of dbt's events as
    it comes; ``log`` gets the lines dbt would print. A failed command raises
    :class:`DbtFailed` after every event was yielded (failed tests are checks too)."""
    events: queue.Queue = queue.Queue()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            invoke(home, args, events.put)
        except BaseException as error:  # handed to the caller's thread
            outcome.append(error)
        finally:
            events.put(_DONE)

    worker = threading.Thread(target=run, name="dbt", daemon=True)
    worker.start()
    while (event := events.get()) is not _DONE:
        info = event.get("info", {})
        if info.get("msg") and (info.get("level") in ("warn", "error")
                                or info.get("name") in _SUMMARIES):
            log(info["msg"])
        yield from to_events(event)
    worker.join()
    if outcome:
        raise outcome[0]
