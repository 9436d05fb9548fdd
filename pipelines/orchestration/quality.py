"""Validation with Great Expectations 1.x: suites kept in ``pipelines/orchestration/expectations/``.

Each validation runs in an ephemeral GX context (nothing piles up between runs) on a frame
read from the warehouse, and writes its Data Docs under ``<home>/data-docs/<suite>/``;
``<home>/data-docs/index.html`` links the last result of every suite.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

SUITES = Path(__file__).parent / "expectations"
#: Rows of each failing expectation shown in a check's metadata (the Data Docs have more).
EXAMPLES = 5


@dataclass(frozen=True)
class Failure:
    expectation: str
    column: str | None
    unexpected: int
    examples: list[dict] = field(default_factory=list)

    def describe(self) -> str:
        where = "; ".join(", ".join(f"{k} {v}" for k, v in example.items())
                          for example in self.examples)
        return (f"{self.expectation} on {self.column}: {self.unexpected} row(s)"
                + (f" (e.g. {where})" if where else ""))


@dataclass(frozen=True)
class Validation:
    suite: str
    success: bool
    rows: int
    evaluated: int
    failures: list[Failure]
    docs: Path


def load_suite(name: str) -> dict:
    return json.loads((SUITES / f"{name}.json").read_text(encoding="utf-8"))


def validate(frame: pd.DataFrame, suite_name: str, docs_root: Path,
             index_columns: tuple[str, ...] = ()) -> Validation:
    """Validate ``frame`` against the suite ``suite_name``; write its Data Docs.

    ``index_columns`` (such as ``file, row_number``) identify failing rows in the results.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network, ever
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    site = docs_root / suite_name
    shutil.rmtree(site, ignore_errors=True)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    for name in list(context.get_site_names()):
        context.delete_data_docs_site(name)
    context.add_data_docs_site("reseau", {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(site)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    suite = context.suites.add(gx.ExpectationSuite(**load_suite(suite_name)))
    batch = (context.data_sources.add_pandas("reseau").add_dataframe_asset(suite_name)
             .add_batch_definition_whole_dataframe("delivered"))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_name, data=batch, suite=suite))
    result_format = {"result_format": "COMPLETE" if index_columns else "SUMMARY",
                     "partial_unexpected_count": EXAMPLES}
    if index_columns:
        result_format["unexpected_index_column_names"] = list(index_columns)
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=suite_name, validation_definitions=[definition], result_format=result_format,
        actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["reseau"])]))
    outcome = checkpoint.run(batch_parameters={"dataframe": frame})
    failures = []
    results = [result for run in outcome.run_results.values() for result in run.results]
    for result in results:
        if result.success:
            continue
        indexed = result.result.get("unexpected_index_list") or []
        failures.append(Failure(
            expectation=result.expectation_config.type,
            column=result.expectation_config.kwargs.get("column"),
            unexpected=int(result.result.get("unexpected_count") or 0),
            examples=[{k: _plain(v) for k, v in row.items()} for row in indexed[:EXAMPLES]],
        ))
    validation = Validation(suite_name, outcome.success, len(frame), len(results), failures,
                            site / "index.html")
    _write_index(docs_root, validation)
    return validation


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _write_index(docs_root: Path, validation: Validation) -> None:
    """Keep ``data-docs/index.html``: one line per suite, its last result and its site."""
    state_file = docs_root / "last_results.json"
    state = json.loads(state_file.read_text("utf-8")) if state_file.exists() else {}
    state[validation.suite] = {
        "success": validation.success, "rows": validation.rows,
        "failed": len(validation.failures), "evaluated": validation.evaluated,
        "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    state_file.write_text(json.dumps(state, indent=1, sort_keys=True), "utf-8")
    lines = "".join(
        f"<tr><td><a href='{html.escape(name)}/index.html'>{html.escape(name)}</a></td>"
        f"<td>{'réussi' if item['success'] else 'échec'}</td><td>{item['rows']}</td>"
        f"<td>{item['failed']} / {item['evaluated']}</td><td>{item['at']}</td></tr>"
        for name, item in sorted(state.items()))
    (docs_root / "index.html").write_text(
        "<!doctype html><html lang='fr'><meta charset='utf-8'><title>réseau: validations"
        "</title><h1>Dernières validations (Great Expectations)</h1><table border='1'>"
        "<tr><th>suite</th><th>résultat</th><th>lignes</th><th>attentes en échec</th>"
        f"<th>quand</th></tr>{lines}</table></html>\n", "utf-8")
