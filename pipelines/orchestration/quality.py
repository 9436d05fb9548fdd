"""Validation with Great Expectations 1.x: suites kept in ``pipelines/orchestration/expectations/``
(GX's JSON, where ``{"contract": <vocabulary>}`` stands for a vocabulary of the contract).

Each validation runs in an ephemeral GX context (nothing piles up between runs) on a frame
read from the warehouse, and writes its Data Docs under ``<home>/data-docs/<suite>/``;
``<home>/data-docs/index.html`` links the last result of every suite.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from reseau.contract import (
    DATE_FORMATS,
    SECTORS,
    STATUS_WORDS,
    STATUSES,
    SUPPORTER_KINDS,
    fold,
)

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


#: What each letter of a folded word may be written as in an export (case aside).
_ACCENTED = {"a": "aàâä", "c": "cç", "e": "eéèêë", "i": "iîï", "o": "oôö", "u": "uùûü"}
_DATE_PARTS = {"%Y": "[0-9]{4}", "%m": "[0-9]{2}", "%d": "[0-9]{2}"}


def folded_regex(words) -> str:
    """A regex matching text whose :func:`reseau.contract.fold` is one of ``words``: any case,
    accents on the letters that take them, and punctuation or spaces between letters."""
    def one(word: str) -> str:
        return r"[\W_]*".join(f"[{_ACCENTED[char]}]" if char in _ACCENTED else char
                               for char in fold(word))
    return rf"(?i)^[\W_]*(?:{'|'.join(one(word) for word in words)})[\W_]*$"


def date_regex(formats) -> str:
    """A regex matching the dates written in one of the strptime ``formats``."""
    def one(form: str) -> str:
        return "".join(_DATE_PARTS.get(part) or re.escape(part)
                       for part in re.split(r"(%[Ymd])", form) if part)
    return rf"^\s*(?:{'|'.join(one(form) for form in formats)})\s*$"


def _contract_value(key: str, placeholder: dict):
    """The value of a ``{"contract": <vocabulary>}`` placeholder of a suite (its ``exclude``
    words left out): a list for a ``value_set``, a regex for a ``regex``."""
    vocabulary = {"date_formats": DATE_FORMATS, "statuses": STATUSES,
                  "status_words": STATUS_WORDS, "supporter_kinds": SUPPORTER_KINDS,
                  "sectors": SECTORS}[placeholder["contract"]]
    words = [word for word in vocabulary if word not in placeholder.get("exclude", ())]
    if key == "value_set":
        return words
    return date_regex(words) if placeholder["contract"] == "date_formats" else \
        folded_regex(words)


def load_suite(name: str) -> dict:
    """A suite of ``expectations/``, its contract placeholders replaced by the contract's
    vocabulary (:mod:`reseau.contract`), so that no suite writes a vocabulary again."""
    suite = json.loads((SUITES / f"{name}.json").read_text(encoding="utf-8"))
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        for key, value in kwargs.items():
            if isinstance(value, dict) and "contract" in value:
                kwargs[key] = _contract_value(key, value)
    return suite


def suite_columns(name: str) -> list[str]:
    """The columns the expectations of the suite ``name`` look at, in their order: a
    validation needs no other (each column fetched is converted and fingerprinted by GX)."""
    columns = (expectation["kwargs"].get("column")
               for expectation in load_suite(name)["expectations"])
    return list(dict.fromkeys(column for column in columns if column is not None))


#: Rows validated at a time: a full build's facts, or a first landing of years of
#: exports, are validated by batches rather than held whole as pandas objects.
BATCH_ROWS = 1_000_000


def validate(frames: pd.DataFrame | Iterable[pd.DataFrame], suite_name: str, docs_root: Path,
             index_columns: tuple[str, ...] = ()) -> Validation:
    """Validate a frame, or the batches of rows ``frames`` yields, against the suite
    ``suite_name``; write its Data Docs (one validation result per batch).

    ``index_columns`` (such as ``file, row_number``) identify failing rows in the results.
    A failure over several batches adds their unexpected rows; its examples are the first.
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
    success, rows, evaluated = True, 0, 0
    failed: dict[tuple[str, str | None], Failure] = {}
    for frame in [frames] if isinstance(frames, pd.DataFrame) else frames:
        outcome = checkpoint.run(batch_parameters={"dataframe": frame})
        success, rows = success and outcome.success, rows + len(frame)
        results = [result for run in outcome.run_results.values() for result in run.results]
        evaluated = len(results)
        for result in results:
            if result.success:
                continue
            key = (result.expectation_config.type, result.expectation_config.kwargs.get("column"))
            before = failed.get(key, Failure(*key, 0))
            indexed = result.result.get("unexpected_index_list") or []
            failed[key] = Failure(
                *key, before.unexpected + int(result.result.get("unexpected_count") or 0),
                (before.examples + [{k: _plain(v) for k, v in row.items()}
                                    for row in indexed])[:EXAMPLES])
    validation = Validation(suite_name, success, rows, evaluated, list(failed.values()),
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
