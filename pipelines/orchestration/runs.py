"""Runs whose process died: found and released, so that they never block a later run.

A run killed by SIGKILL (an out-of-memory kill, a power cut) never tells Dagster it ended:
its record stays *started* for ever, and the daemon's queue, which lets one run go at a
time, would wait for it. So every run, while its process lives, holds a lock on its own
file ``<home>/.reseau/runs/<run id>.alive`` (the kernel drops it when the process dies).
A run in flight whose file nobody holds is dead: it is marked failed, in one line, by the
next run to start and by the landing sensor. A run that has not yet reached that point
(its process is starting) gets a minute's grace, unless `reseau run` made it (tag
:data:`MADE_BY_COMMAND`) and the caller holds the home's run lock: that command takes the
lock before it records its run and keeps it until it exits, so its process is gone.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRunStatus

from reseau.home import Home
from reseau.runlock import holds_run_lock

#: A run recorded but not started yet (NOT_STARTED: `reseau run` killed as it began) is in
#: flight too: its process either takes its file within the grace period or is gone.
IN_FLIGHT = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED,
             DagsterRunStatus.CANCELING]
#: A launched run's process holds its file well within this.
GRACE = dt.timedelta(seconds=60)
#: The tag of the runs `reseau run` executes in its own process, under the home's run lock.
MADE_BY_COMMAND = "reseau/made_by"


def _alive_file(home: Home, run_id: str) -> Path:
    return home.state / "runs" / f"{run_id}.alive"


@contextmanager
def alive(home: Home, run_id: str):
    """Hold the run's liveness lock for the block (the run's whole execution)."""
    path = _alive_file(home, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, str(os.getpid()).encode(), 0)
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(descriptor)


def _held(path: Path) -> bool:
    try:
        descriptor = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def release_dead_runs(instance: dg.DagsterInstance, home: Home,
                      say: Callable[[str], None] = lambda line: None) -> list[str]:
    """Mark failed the runs still in flight whose process is gone; return their ids.

    Each release is said in one line; whatever such a run wrote was never published (see
    docs/operations.md, "Crashes").
    """
    now = dt.datetime.now(dt.UTC)
    locked = holds_run_lock(home)
    released = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=IN_FLIGHT)):
        run = record.dagster_run
        path = _alive_file(home, run.run_id)
        since = record.update_timestamp
        since = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
        starting = not path.exists() and now - since < GRACE
        if _held(path) or (starting and not (locked and MADE_BY_COMMAND in run.tags)):
            continue
        message = (f"run {run.run_id[:8]} (last seen {since:%Y-%m-%d %H:%M} UTC) has no "
                   "process any more: it was killed or its machine stopped; marked failed "
                   "(every published file is whole: as it was, or replaced by that run)")
        instance.report_run_failed(run, message=message)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        path.unlink(missing_ok=True)
        say(message)
        released.append(run.run_id)
    return released
