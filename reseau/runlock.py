"""One run at a time on a home, under a lock the kernel releases when its holder dies.

Only one process may write the warehouse (DuckDB allows a single writer). Whoever runs the
pipeline (``reseau run``, or a run the Dagster daemon launched) holds an exclusive ``flock``
on ``<home>/.reseau/run.lock`` for the whole run. A process killed by SIGKILL, an
out-of-memory kill or a power cut holds nothing any more: the next run takes the lock at
once. Dagster's concurrency pools were used before; a killed run kept its slot and every
later run waited for it forever.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from reseau.errors import UserError
from reseau.home import Home

#: Locks this process holds, by path: a run executed in process by ``reseau run`` finds the
#: lock its command took.
_HELD: dict[Path, int] = {}


class RunInProgress(UserError):
    """Another run holds the home; the message says which and since when."""


def _path(home: Home) -> Path:
    return home.state / "run.lock"


def _describe(text: str) -> str:
    try:
        holder = json.loads(text)
        return (f"{holder['owner']}, process {holder['pid']}, since "
                f"{holder['since'][:16].replace('T', ' ')} UTC")
    except (ValueError, KeyError, TypeError):
        return "another process"


def _holder(descriptor: int) -> str:
    return _describe(os.pread(descriptor, 4096, 0).decode("utf-8", "replace"))


def _acquire(home: Home, descriptor: int, wait: Callable[[str], None] | None) -> None:
    """Take the lock, or raise :class:`RunInProgress` (``wait`` None), or wait for it,
    calling ``wait`` with one line at once and every ten minutes."""
    waited = None
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if wait is None:
                raise RunInProgress(f"a run is in progress on {home.root} "
                                    f"({_holder(descriptor)}): wait for it to end, or stop "
                                    "it, then run again") from None
        if waited is None or time.monotonic() - waited > 600:
            wait(f"waiting for the run in progress on {home.root} ({_holder(descriptor)})")
            waited = time.monotonic()
        time.sleep(1)


def holds_run_lock(home: Home) -> bool:
    """Whether this process holds the home's run lock."""
    return _path(home) in _HELD


@contextmanager
def run_lock(home: Home, owner: str, wait: Callable[[str], None] | None = None):
    """Hold the home's run lock for the block.

    If another process holds it: :class:`RunInProgress`, or with ``wait`` (a function that
    says one line), wait for it. Taken again in a process that holds it already (a run
    executed in process by the command that took it), it is a no-op.
    """
    path = _path(home)
    if path in _HELD:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(home, descriptor, wait)
    except BaseException:
        os.close(descriptor)
        raise
    try:
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps({"pid": os.getpid(), "owner": owner,
                                          "since": since}).encode(), 0)
        _HELD[path] = descriptor
        yield
    finally:
        _HELD.pop(path, None)
        os.close(descriptor)  # closing the descriptor releases the lock
