"""What a dbt build of the warehouse rebuilds: everything, or only the months that the files
loaded since the last build touch (docs/decisions.md, "Incremental builds").

The facts are incremental dbt models (strategy ``replace_months``, macros/increments.sql).
A build rebuilds the months of ``intermediate.int_increment_months``: those of the files
loaded after the var ``loaded_after``, which is when the newest file of the last successful
build was loaded. ``raw.dbt_builds`` records each successful build, with a fingerprint of
what the facts depend on besides the rows: the dbt project and the reference tables. When
that fingerprint changed, or no build is recorded, the build is a full refresh.

A build that fails records nothing: the next one rebuilds the same months, and more.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from pipelines.orchestration.dbt_invocation import project_files

#: The dbt sources whose rows the facts are built from, month by month; every other source
#: of the warehouse's models (the reference tables) is in the fingerprint.
ROW_SOURCES = ("landing", "indicators")
BUILDS_DDL = """
create table if not exists raw.dbt_builds (
    built_at timestamp,       -- when the build ended (UTC)
    loaded_through timestamp, -- raw.files.ingested_at of the newest file it saw
    fingerprint varchar,      -- of the dbt project and the reference tables
    full_refresh boolean      -- rebuilt everything, or the months of the new files
)
"""


@dataclass(frozen=True)
class BuildPlan:
    """One build: full, or the months of the files loaded after ``loaded_after``."""

    full: bool
    reason: str
    loaded_after: datetime | None
    loaded_through: datetime | None
    fingerprint: str

    @property
    def select(self) -> str | None:
        """The models built: all of them, or those downstream of the landed rows (the others
        depend only on the project and the reference tables, unchanged since the last build)."""
        return None if self.full else "source:landing+"

    @property
    def indirect_selection(self) -> str:
        """Which tests run: on a full build, each with the last model it tests; otherwise
        every test of a model rebuilt, also those that reach a model left as it was (a
        relationship to the directory of services)."""
        return "buildable" if self.full else "eager"

    def dbt_args(self) -> list[str]:
        """The other arguments of ``dbt build`` that make it this build."""
        if self.full:
            return ["--full-refresh"]
        return ["--vars", json.dumps({"loaded_after": self.loaded_after.isoformat(sep=" ")})]


def _has_table(con, schema: str, table: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_schema = ? "
                       "and table_name = ?", [schema, table]).fetchone()[0] > 0


def reference_sources(manifest: dict) -> list[tuple[str, str]]:
    """(schema, table) of the dbt sources other than the landed rows and the indicators."""
    return sorted({(source["schema"], source["identifier"])
                   for source in manifest["sources"].values()
                   if source["source_name"] not in ROW_SOURCES})


def fingerprint(con, manifest: dict) -> str:
    """A digest of the dbt project's files and of the reference tables' rows."""
    digest = hashlib.sha256()
    for path in sorted(project_files()):
        digest.update(path.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for schema, table in reference_sources(manifest):
        if _has_table(con, schema, table):
            rows, rows_digest = con.execute(
                f"select count(*), md5(coalesce(string_agg(md5(t::varchar), '' "
                f"order by md5(t::varchar)), '')) from {schema}.{table} as t").fetchone()
            digest.update(f"{schema}.{table}:{rows}:{rows_digest}\0".encode())
    return digest.hexdigest()


def plan_build(con, manifest: dict) -> BuildPlan:
    """What the next build of the warehouse behind ``con`` must rebuild (``manifest``: the
    dbt project's, as JSON)."""
    current = fingerprint(con, manifest)
    through = (con.execute("select max(ingested_at) from raw.files").fetchone()[0]
               if _has_table(con, "raw", "files") else None)
    last = (con.execute("select loaded_through, fingerprint from raw.dbt_builds "
                        "order by built_at desc limit 1").fetchone()
            if _has_table(con, "raw", "dbt_builds") else None)
    if last is None:
        return BuildPlan(True, "no build recorded", None, through, current)
    if last[1] != current:
        return BuildPlan(True, "the dbt project or the reference tables changed", None,
                         through, current)
    if last[0] is None:  # the last build saw no file: every file is new
        return BuildPlan(True, "no file was loaded at the last build", None, through, current)
    return BuildPlan(False, f"files loaded after {last[0]:%Y-%m-%d %H:%M:%S}", last[0], through,
                     current)


def record_build(con, plan: BuildPlan, built_at: datetime) -> None:
    """Record a successful build: the next one starts from its files."""
    con.execute("create schema if not exists raw")
    con.execute(BUILDS_DDL)
    con.execute("insert into raw.dbt_builds values (?, ?, ?, ?)",
                [built_at, plan.loaded_through, plan.fingerprint, plan.full])
