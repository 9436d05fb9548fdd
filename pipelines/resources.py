"""The one configuration object of a run: the home folder, and what derives from it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.ingest.pseudonyms import install_rekey_macro, key_from_environment
from reseau.home import Home


class HomeResource(dg.ConfigurableResource):
    """Where the observatory's home is; every path and setting is derived from it."""

    path: str

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
        con = duckdb.connect(str(home.warehouse))
        try:
            if key is not None:
                install_rekey_macro(con, key)
            yield con
        finally:
            con.close()


def write_dbt_profile(home: Home) -> Path:
    """Write the home's own dbt profile (its warehouse path); return its folder."""
    home.dbt_profiles_dir.mkdir(parents=True, exist_ok=True)
    profile = home.dbt_profiles_dir / "profiles.yml"
    profile.write_text(
        "reseau:\n  target: home\n  outputs:\n    home:\n      type: duckdb\n"
        f"      path: '{home.warehouse.as_posix()}'\n      threads: 2\n",
        encoding="utf-8",
    )
    return home.dbt_profiles_dir
