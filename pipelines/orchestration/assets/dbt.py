"""dbt models (staging -> intermediate -> marts) as Dagster assets, via dagster-dbt."""


import json
import os
import shutil
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject, dbt_assets
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from pipelines.orchestration.builds import BuildPlan, plan_build, record_build
from pipelines.orchestration.dbt_invocation import DBT_PROJECT_DIR, invoke, project_files, stream
from pipelines.orchestration.resources import HomeResource

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)


def ensure_manifest() -> Path:
    """Parse the project when its manifest is missing or older than any project file."""
    manifest = dbt_project.manifest_path
    newest = max(path.stat().st_mtime for path in project_files())
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        invoke(None, ["parse"])
    return manifest


class ReseauTranslator(DagsterDbtTranslator):
    """Asset keys are ``[schema, table]``, as analysts see them in the warehouse; sources are
    the tables our Python assets write (``raw.*``, ``indicators.*``)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "marts"


#: The models over the Python indicator results (their staging views and marts): built after
#: the indicator assets, by the ``indicator_marts`` definition.
INDICATOR_MODELS = "tag:indicators"


def _manifest() -> dict[str, Any]:
    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


_UNCHANGED = ("depends only on the dbt project and the reference tables, unchanged since the "
              "last build")


def _left_as_they_were(manifest: dict[str, Any],
                       translator: DagsterDbtTranslator) -> list[dg.AssetKey]:
    """The asset keys of the models and seeds an incremental build leaves as they were: those
    not built from the landed rows (not ``source:landing+``), parents first."""
    todo = [unique_id for unique_id, source in manifest["sources"].items()
            if source["source_name"] == "landing"]
    downstream: set[str] = set()
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in downstream:
                downstream.add(child)
                todo.append(child)
    nodes = {unique_id: node for unique_id, node in manifest["nodes"].items()
             if node["resource_type"] in ("model", "seed") and unique_id not in downstream}
    order = TopologicalSorter({unique_id: [parent for parent in manifest["parent_map"][unique_id]
                                           if parent in nodes] for unique_id in nodes})
    return [translator.get_asset_key(nodes[unique_id]) for unique_id in order.static_order()]


def _dbt_build(context: dg.AssetExecutionContext, home: HomeResource, select: str | None,
               exclude: str | None, translator: DagsterDbtTranslator,
               plan: BuildPlan | None = None,
               manifest: dict[str, Any] | None = None) -> Iterator[Any]:
    """``dbt build`` of this definition's models (or of the subset asked for), their tests
    as asset checks; with ``plan``, the part of them that the plan rebuilds (``manifest``:
    the project's, if read already)."""
    resolved = home.get_home()
    manifest = manifest or _manifest()
    if context.is_subset:  # e.g. one model materialised from the UI
        wanted = set(context.selected_asset_keys)
        names = [f"fqn:{'.'.join(node['fqn'])}" for node in manifest["nodes"].values()
                 if node["resource_type"] in ("model", "seed")
                 and translator.get_asset_key(node) in wanted]
        selection = ["--select", " ".join(names)]
    else:
        select = plan.select if plan is not None and plan.select else select
        selection = [*(["--select", select] if select else []),
                     *(["--exclude", exclude] if exclude else [])]

    def to_events(event: dict[str, Any]) -> Iterator[Any]:
        message = DbtCoreCliEventMessage(raw_event=event, event_history_metadata={})
        yield from message.to_default_asset_events(
            manifest=manifest, dagster_dbt_translator=translator, context=context,
            target_path=resolved.dbt_target_dir, project=dbt_project)

    # "buildable": a test that spans models (relationships) runs in the invocation that
    # builds its last parent, not before that parent exists.
    indirect = plan.indirect_selection if plan is not None else "buildable"
    yield from stream(resolved, ["build", "--indirect-selection", indirect, *selection,
                                 *(plan.dbt_args() if plan is not None else [])],
                      to_events, context.log.info)


def build_dbt_assets() -> list[dg.AssetsDefinition]:
    """Two dbt definitions: the warehouse (staging, intermediate, marts), then the marts
    that publish indicator results. Splitting them, rather than letting Dagster subset one
    definition around the indicator asset, keeps each step a plain `dbt build --select`."""
    ensure_manifest()
    translator = ReseauTranslator()
    common = {"manifest": dbt_project.manifest_path, "project": dbt_project,
              "dagster_dbt_translator": translator}

    @dbt_assets(name="warehouse_models", exclude=INDICATOR_MODELS, **common)
    def warehouse_models(context: dg.AssetExecutionContext, home: HomeResource):
        """Build and test staging, intermediate and marts from raw.* (dbt): everything, or
        the months of the files loaded since the last build (``builds.py``)."""
        manifest = _manifest()
        with home.connect() as con:
            plan = plan_build(con, manifest)
        context.log.info(f"dbt: {'full build' if plan.full else 'months of the new files'} "
                         f"({plan.reason})")
        if not plan.full and not context.is_subset:
            # The models the plan leaves as they were are current: said first (none is
            # downstream of a model rebuilt), so that the assets after them run.
            for key in _left_as_they_were(manifest, translator):
                if key in context.selected_asset_keys:
                    yield dg.MaterializeResult(asset_key=key, metadata={
                        "rebuilt": False, "why": _UNCHANGED})
        yield from _dbt_build(context, home, None, INDICATOR_MODELS, translator, plan,
                              manifest)
        if not context.is_subset:
            with home.connect() as con:
                record_build(con, plan, datetime.now(UTC).replace(tzinfo=None))

    @dbt_assets(name="indicator_marts", select=INDICATOR_MODELS, **common)
    def indicator_marts(context: dg.AssetExecutionContext, home: HomeResource):
        """Publish indicators.* as contracted marts (dbt)."""
        yield from _dbt_build(context, home, INDICATOR_MODELS, None, translator)

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
        invoke(resolved, ["docs", "generate", "--static"])
        published.parent.mkdir(parents=True, exist_ok=True)
        partial = published.with_suffix(".tmp")
        shutil.copyfile(resolved.dbt_target_dir / "static_index.html", partial)
        os.replace(partial, published)  # a reader never sees half a page
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(published)),
                                              "regenerated": True})

    return [warehouse_models, indicator_marts, dbt_docs]
