"""dbt models (staging -> intermediate -> marts) as Dagster assets, via dagster-dbt."""


import os
import shutil
import sys
from collections.abc import Mapping
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version

from pipelines.resources import HomeResource, write_dbt_profile
from reseau.home import Home

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed next to this interpreter: `.venv/bin/reseau` may run without the
    environment activated, and then `dbt` is not on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


class LocalDbtCli(DbtCliResource):
    """dagster-dbt's resource without two start-up costs we never use.

    Before each command, dagster-dbt runs ``dbt --version`` in a subprocess (to tell
    dbt-core from the Fusion engine; about 3 s here) and loads the project into an
    in-process adapter (used only to fetch row counts and column metadata, which we do not
    ask for; about 1.5 s). Our dbt is always the dbt-core installed with this package
    (:func:`dbt_executable`), so its version is known.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def ensure_manifest() -> Path:
    """Parse the project when its manifest is missing or older than any project file."""
    manifest = dbt_project.manifest_path
    sources = [
        path for folder in ("models", "macros", "seeds", "tests")
        for path in (DBT_PROJECT_DIR / folder).rglob("*") if path.is_file()
    ] + [DBT_PROJECT_DIR / "dbt_project.yml"]
    newest = max(path.stat().st_mtime for path in sources)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        LocalDbtCli(project_dir=dbt_project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet"], target_path=dbt_project.target_path
        ).wait()
    return manifest


class ReseauTranslator(DagsterDbtTranslator):
    """Asset keys are ``[schema, table]``, as analysts see them in the warehouse; sources are
    the tables our Python assets write (``raw.*``, ``indicators.*``)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "marts"


# Marts that publish the Python indicator results: built after the indicator asset.
INDICATOR_MARTS = "tag:indicators"


def _home_dbt(home: Home) -> LocalDbtCli:
    return LocalDbtCli(project_dir=dbt_project, profiles_dir=str(write_dbt_profile(home)),
                       dbt_executable=dbt_executable())


def _dbt_build(context: dg.AssetExecutionContext, home: HomeResource):
    resolved = home.get_home()
    dbt = _home_dbt(resolved)
    # "buildable": a test that spans models (relationships) runs in the invocation that
    # builds its last parent, not before that parent exists.
    yield from dbt.cli(
        ["build", "--indirect-selection", "buildable"],
        context=context,
        target_path=resolved.dbt_target_dir,
    ).stream()


def build_dbt_assets() -> list[dg.AssetsDefinition]:
    """Two dbt definitions: the warehouse (staging, intermediate, marts), then the marts
    that publish indicator results. Splitting them, rather than letting Dagster subset one
    definition around the indicator asset, keeps each step a plain `dbt build --select`."""
    ensure_manifest()
    common = {"manifest": dbt_project.manifest_path, "project": dbt_project,
              "dagster_dbt_translator": ReseauTranslator()}

    @dbt_assets(name="warehouse_models", exclude=INDICATOR_MARTS, **common)
    def warehouse_models(context: dg.AssetExecutionContext, home: HomeResource):
        """Build and test staging, intermediate and marts from raw.* (dbt)."""
        yield from _dbt_build(context, home)

    @dbt_assets(name="indicator_marts", select=INDICATOR_MARTS, **common)
    def indicator_marts(context: dg.AssetExecutionContext, home: HomeResource):
        """Publish indicators.* as contracted marts (dbt)."""
        yield from _dbt_build(context, home)

    @dg.asset(
        key=["published", "dbt_docs"], group_name="publication", kinds={"dbt", "html"},
        deps=indicator_marts.keys,  # built after every other model
        description="The warehouse's documentation, table by table and column by column "
                    "(`dbt docs generate --static`), as one file that opens without a "
                    "server: `<home>/published/dbt-docs/index.html`.",
    )
    def dbt_docs(context: dg.AssetExecutionContext, home: HomeResource):
        resolved = home.get_home()
        published = resolved.published / "dbt-docs" / "index.html"
        # The pages describe the project (models, columns, their types), which changes only
        # with the project, and the project's manifest is rewritten whenever it does.
        if published.exists() and (published.stat().st_mtime
                                   > dbt_project.manifest_path.stat().st_mtime):
            context.log.info(f"{published} is up to date with the dbt project")
            return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(
                str(published)), "regenerated": False})
        # The builds' target folder: dbt reuses their parse instead of parsing again.
        _home_dbt(resolved).cli(["docs", "generate", "--static"],
                                target_path=resolved.dbt_target_dir).wait()
        published.parent.mkdir(parents=True, exist_ok=True)
        partial = published.with_suffix(".tmp")
        shutil.copyfile(resolved.dbt_target_dir / "static_index.html", partial)
        os.replace(partial, published)  # a reader never sees half a page
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(published)),
                                              "regenerated": True})

    return [warehouse_models, indicator_marts, dbt_docs]
