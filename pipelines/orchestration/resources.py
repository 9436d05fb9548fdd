"""The one configuration object of a run: the home folder, and what derives from it."""

from __future__ import annotations

from contextlib import contextmanager

import dagster as dg
import duckdb

from pipelines.ingest.pseudonyms import install_rekey_macro, key_from_environment
from pipelines.orchestration.runs import alive, release_dead_runs
from reseau.home import Home
from reseau.runlock import run_lock


class HomeResource(dg.ConfigurableResource):
    """Where the observatory's home is; every path and setting is derived from it.

    For a run, it holds the home's run lock from start to end (:mod:`reseau.runlock`: one
    writer at a time, released by the kernel if the run is killed), waiting for a run in
    progress, and first releases the runs whose process died (:mod:`pipelines.orchestration.runs`).
    Sensors and schedules use it without the lock.
    """

    path: str

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        run = context.dagster_run
        if run is None:  # a sensor's or a schedule's evaluation, not a run
            yield self
            return
        home = self.get_home()
        with alive(home, run.run_id), run_lock(home, f"run {run.run_id[:8]}",
                                                wait=context.log.info):
            release_dead_runs(context.instance, home, say=context.log.warning)
            yield self

    def get_home(self) -> Home:
        home = Home.open(self.path)
        home.ensure_dirs()
        return home

    @contextmanager
    def connect(self, *, rekey: bool = False):
        """A read-write connection to the pipeline's private warehouse.

        With ``rekey=True`` the pseudonym key is read from the environment (it never lives in
        the home) and the ``rekey`` SQL macro is installed on the connection.
        """
        home = self.get_home()
        key = key_from_environment() if rekey else None
        # Large work spills to disk past the memory limit (the dbt profile says the same).
        con = duckdb.connect(str(home.warehouse), config=home.duckdb_config())
        try:
            if key is not None:
                install_rekey_macro(con, key)
            yield con
        finally:
            con.close()
