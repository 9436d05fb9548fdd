"""Great Expectations suites run as Dagster asset checks (see ``quality.py`` beside).

Delivered rows are checked as read, with a warning: their bad rows are quarantined anyway,
and the check says which files to fix at the source. The warehouse's fact tables are checked
before anything is computed from them: those checks block, so a failure stops the indicators
and the publication of the run, while every file already ingested stays ingested.

Deliveries are checked per exporter, with a warning, on ``marts.deliveries``: did each
exporter deliver last month by the 5th (:func:`delivery_checks`)?
"""

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import polars as pl

from pipelines.ingest.columns import EXPORT_KINDS
from pipelines.ingest.landing import printable
from pipelines.orchestration.quality import BATCH_ROWS, Validation, suite_columns, validate
from pipelines.orchestration.resources import HomeResource
from pipelines.publish import deliveries as staff_page

# The rows of the last delivery: every file ingested by the most recent landing (the columns
# a suite looks at, and the file and row number that say where a failing row is).
_LAST_DELIVERY = (
    "select file, row_number, {columns} from raw.{table} where file in (select file from "
    "raw.files where ingested_at = (select max(ingested_at) from raw.files))"
)

#: The months the last build of the warehouse rebuilt (pipelines/orchestration/builds.py).
_REBUILT_MONTHS = "intermediate.int_increment_months"


def batches(con, sql: str) -> Iterator[pd.DataFrame]:
    """The rows of ``sql`` as pandas frames (DuckDB's, as ``.df()`` makes them) of about
    ``BATCH_ROWS`` rows; one empty frame when there are none (an empty delivery is
    validated too)."""
    result = con.execute(sql)
    vectors = max(BATCH_ROWS // duckdb.__standard_vector_size__, 1)
    frame = result.fetch_df_chunk(vectors)
    yield frame
    while len(frame):
        frame = result.fetch_df_chunk(vectors)
        if len(frame):
            yield frame


def _result(validation: Validation, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=validation.success,
        severity=severity,
        metadata={
            "rows": validation.rows,
            "expectations": validation.evaluated,
            "failed": dg.MetadataValue.md(
                "\n".join(f"- {failure.describe()}" for failure in validation.failures)
                or "none"),
            "data_docs": dg.MetadataValue.path(str(validation.docs)),
        },
    )


def _delivered_check(table: str, suite: str):
    @dg.asset_check(asset=["raw", table], name=f"{suite}_expectations", blocking=False,
                    description=f"Great Expectations suite {suite} on the rows of the last "
                                "delivery, as read (warning only: bad rows are quarantined).")
    def check(home: HomeResource) -> dg.AssetCheckResult:
        with home.connect() as con:
            rows = _LAST_DELIVERY.format(table=table, columns=", ".join(suite_columns(suite)))
            validation = validate(batches(con, rows), suite,
                                  home.get_home().data_docs, ("file", "row_number"))
        return _result(validation, dg.AssetCheckSeverity.WARN)

    return check


def _warehouse_check(table: str, suite: str, columns: str):
    @dg.asset_check(asset=["marts", table], name=f"{suite}_expectations", blocking=True,
                    description=f"Great Expectations suite {suite} on the months of marts.{table}"
                                " the last build rebuilt (every month on a full build); "
                                "blocking: a failure stops the indicators and the publication.")
    def check(home: HomeResource) -> dg.AssetCheckResult:
        with home.connect() as con:
            validation = validate(batches(con, f"select {columns} from marts.{table} where "
                                          f"month in (select month from {_REBUILT_MONTHS})"),
                                  suite, home.get_home().data_docs)
        return _result(validation, dg.AssetCheckSeverity.ERROR)

    return check


expectation_checks = [
    _delivered_check("referral_rows", "delivered_referral_rows"),
    _delivered_check("support_rows", "delivered_support_rows"),
    _warehouse_check("fct_referrals", "warehouse_referrals",
                     "referral_key, person_key, professional_key, status, month, "
                     "territory_region"),
    _warehouse_check("fct_supports", "warehouse_supports",
                     "person_key, supporter_key, supporter_kind, month, territory_region"),
]


DELIVERIES = ["marts", "deliveries"]
#: The check of the exporters that have no check of their own (see :func:`delivery_checks`).
OTHER_EXPORTERS = "deliveries_on_time_other_exporters"  # never a check_name()


def known_exporters(home_path: str | dg.EnvVar) -> list[str]:
    """Exporter ids of the home's landing folders (``landing/<kind>/<exporter_id>/``), as the
    warehouse spells them; none when the home is not known yet (an ``EnvVar`` not set where
    the definitions load) or not there."""
    root = home_path.get_value(None) if isinstance(home_path, dg.EnvVar) else home_path
    if not root:
        return []
    exporters: set[str] = set()
    for kind in EXPORT_KINDS:
        folder = Path(root).expanduser() / "landing" / kind
        try:
            with os.scandir(folder) as entries:
                exporters.update(printable(entry.name, name=True) for entry in entries
                                 if not entry.name.startswith(".")
                                 and entry.is_dir(follow_symlinks=False))
        except OSError:  # no such home or folder yet, or one the pipeline may not list
            continue
    return sorted(exporters)


def check_name(exporter: str) -> str:
    """A check name for ``exporter`` (letters, digits and ``_`` only): its id, with a short
    digest of it when the id had to be changed, so that two ids never share a name."""
    safe = re.sub(r"[^A-Za-z0-9_]", "_", exporter)
    if safe != exporter:
        safe += "_" + hashlib.sha256(exporter.encode()).hexdigest()[:8]
    return f"delivered_on_time_{safe}"


def _delivery_result(name: str, rows: pl.DataFrame, month) -> dg.AssetCheckResult:
    late = rows.filter(pl.col("status") != "on_time")
    lines = ["| " + " | ".join(str(value).replace("|", "\\|") for value in (
        row["exporter_id"], row["kind"], row["series"], staff_page.STATUS_LABELS[row["status"]],
        row["delivered_at"] or "")) + " |" for row in rows.iter_rows(named=True)]
    table = ("| exporter | kind | series | status | last file (UTC) |\n|---|---|---|---|---|\n"
             + "\n".join(lines)) if lines else "none"
    return dg.AssetCheckResult(
        check_name=name, asset_key=dg.AssetKey(DELIVERIES), passed=late.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"month": f"{month:%Y-%m}", "expected_series": rows.height,
                  "not_on_time": late.height,
                  "late_or_missing": sorted(set(late["exporter_id"].to_list())),
                  "series": dg.MetadataValue.md(table)})


def delivery_checks(home_path: str | dg.EnvVar) -> list[dg.AssetChecksDefinition]:
    """One check per exporter on ``marts.deliveries``: every series it is expected to send
    (see :func:`pipelines.publish.deliveries.month_status`) arrived, readable, by the 5th of
    the run's month for last month (the month before the run's date, Paris time). A warning
    only: it never blocks the run.

    Checks are defined when the code location loads, so the exporters are those whose
    landing folder exists then; ``OTHER_EXPORTERS`` checks every exporter without a check of
    its own (a folder created later, until the code location is reloaded; every exporter
    when the home was not known at load)."""
    names = {exporter: check_name(exporter) for exporter in known_exporters(home_path)}
    rule = ("delivered last month (the month before the run's date) by the 5th, end of day "
            "in Paris: every series it sent before, readable (warning only)")
    specs = [dg.AssetCheckSpec(name, asset=DELIVERIES, blocking=False,
                               description=f"Exporter {exporter} {rule}.")
             for exporter, name in names.items()]
    specs.append(dg.AssetCheckSpec(
        OTHER_EXPORTERS, asset=DELIVERIES, blocking=False,
        description=f"Every exporter without a check of its own (its landing folder appeared "
                    f"after the code location loaded: reload it) {rule}."))

    @dg.multi_asset_check(specs=specs, name="deliveries_on_time",
                          description="Did each exporter deliver last month by the 5th?")
    def deliveries_on_time(home: HomeResource):
        with home.connect() as con:
            frame = con.execute("select * from marts.deliveries").pl()
        month = staff_page.last_month(staff_page.today())
        status = staff_page.month_status(frame, month)
        for exporter, name in names.items():
            yield _delivery_result(name, status.filter(pl.col("exporter_id") == exporter), month)
        others = status.filter(~pl.col("exporter_id").is_in(list(names)))
        yield _delivery_result(OTHER_EXPORTERS, others, month)

    return [deliveries_on_time]
