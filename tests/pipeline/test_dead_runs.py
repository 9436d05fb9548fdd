"""Runs whose process died are released (marked failed): at once when `reseau run` recorded
them and the caller holds the home's run lock, after a grace period otherwise. The real
SIGKILLs are in test_crash.py; here, the rule on recorded runs."""

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

from pipelines.orchestration.runs import MADE_BY_COMMAND, release_dead_runs
from reseau.home import Home
from reseau.runlock import run_lock


def not_started(instance: dg.DagsterInstance, tags: dict[str, str]) -> str:
    """A run recorded but never started, as a process killed as it began leaves it."""
    run = DagsterRun(job_name="monthly_indicators", status=DagsterRunStatus.NOT_STARTED,
                     tags=tags)
    instance.add_run(run)
    return run.run_id


def test_a_run_of_reseau_run_killed_as_it_began_is_released_at_once_by_the_lock_holder(
        tmp_path):
    home = Home(root=tmp_path)
    home.ensure_dirs()
    with dg.DagsterInstance.ephemeral() as instance:
        command = not_started(instance, {MADE_BY_COMMAND: "reseau run"})
        launched = not_started(instance, {})  # by the daemon: its process may be starting
        # Without the lock (the landing sensor), both are in their grace period.
        assert release_dead_runs(instance, home) == []
        with run_lock(home, "test"):
            assert release_dead_runs(instance, home) == [command]
        assert instance.get_run_by_id(command).status == DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(launched).status == DagsterRunStatus.NOT_STARTED
