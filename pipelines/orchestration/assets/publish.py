"""Funder files and reports: each month's published indicators, with disclosure control;
and the staff's page on deliveries."""

from collections import deque
from concurrent.futures import Future
from contextlib import nullcontext
from dataclasses import replace
from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.orchestration.partitions import monthly_partitions
from pipelines.orchestration.resources import HomeResource
from pipelines.publish import deliveries as staff_page
from pipelines.publish.folders import publish_folder, staging_folder
from pipelines.publish.funder_files import funder_long, write_month
from pipelines.publish.pdf import chromium_path, pdf_printer
from pipelines.publish.reports import MonthTables, write_reports
from pipelines.publish.snapshot import publish_snapshot
from reseau_metrics.windows import add_months

#: The marts every funder file and report reads.
FUNDER_INPUTS = [["marts", "territory_indicators"], ["marts", "dim_territories"],
                 ["marts", "indicator_catalogue"]]


def _protected(con, first: date, last: date, min_cell: int) -> pl.DataFrame:
    """Funder rows (disclosure applied) of the months ``first`` to ``last``."""
    indicators = con.execute(
        "select * from marts.territory_indicators where month between ? and ? order by all",
        [first, last]).pl()
    territories = con.execute("select * from marts.dim_territories where observed").pl()
    first_months = dict(con.execute(
        "select 'referrals', min(month) from marts.fct_referrals union all "
        "select 'supports', min(month) from marts.fct_supports").fetchall())
    return funder_long(indicators, territories, min_cell, first_months)


@dg.asset(
    key=["published", "funder_files"],
    group_name="publication",
    deps=FUNDER_INPUTS,
    kinds={"python", "parquet", "csv", "xlsx"},
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "Under `<home>/published/<YYYY-MM>/` (each month replaced whole, in one rename): "
        "indicators.parquet (long) and "
        "indicateurs_<level>.csv / .xlsx (wide, French labels, 12-month window), with "
        "primary and secondary suppression below min_cell (reseau.toml, default 11); "
        "referrals and supports in whole 12-month windows only."
    ),
)
def funder_files(context: dg.AssetExecutionContext, home: HomeResource):
    resolved = home.get_home()
    months = sorted(context.partition_keys)
    with home.connect() as con:
        long = _protected(con, months[0], months[-1], resolved.min_cell)
        catalogue = con.execute("select * from marts.indicator_catalogue").pl()
    written = 0
    staging = staging_folder(resolved.published, "funder_files")
    for (month,), rows in long.partition_by("month", as_dict=True).items():
        folder = resolved.published / f"{month:%Y-%m}"
        written += len(write_month(staging / folder.name, rows, catalogue))
        publish_folder(staging / folder.name, folder, owns=_funder_file)
        context.log.info(f"funder files for {month:%Y-%m} in {folder}")
    return dg.MaterializeResult(metadata={
        "files": written, "min_cell": resolved.min_cell,
        "suppressed_cells": int(long["suppressed"].sum()), "cells": long.height,
    })


def _funder_file(name: str) -> bool:
    return name == "indicators.parquet" or name.startswith("indicateurs_")


def _month_tables(con, month: date, protected: pl.DataFrame, base: MonthTables) -> MonthTables:
    """``base`` (the tables every month shares) with ``month``'s own rows."""
    def read(sql: str) -> pl.DataFrame:
        return con.execute(sql, [month]).pl()

    return replace(
        base, month=month,
        protected=protected.filter(pl.col("month").is_between(add_months(month, -11), month)),
        neglected=read(
            "select n.*, coalesce(d.label, n.need) as need_label "
            "from marts.neglected_services n left join marts.dim_needs d "
            "on d.need = n.need where n.month = ? and n.window_months = 12"),
        links=read("select * from marts.link_indicators where month = ? "
                   "and window_months = 12"),
        sent=read("select service_id, referrals_sent from marts.service_indicators "
                  "where month = ? and window_months = 12"),
        denominators=read("select territory_level, territory_code, indicator, denominator "
                          "from marts.territory_indicators where month = ? "
                          "and window_months = 12"),
    )


@dg.asset(
    key=["published", "reports"],
    group_name="publication",
    deps=[*FUNDER_INPUTS, ["marts", "neglected_services"], ["marts", "link_indicators"],
          ["marts", "service_indicators"], ["marts", "dim_services"], ["marts", "dim_needs"]],
    kinds={"python", "html"},
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "Under `<home>/published/<YYYY-MM>/rapports/` (each month replaced whole, in one "
        "rename): one self-contained French HTML report, and its PDF (A4, printed by "
        "headless Chromium; `pdf_reports = false` in reseau.toml to skip), "
        "per département and région (headline indicators with their 95% interval and "
        "12-month trend; for a région, maps of its départements and funnel plots; "
        "neglected services by need, concentrated partnerships, fragile links, network "
        "picture), with the funder files' disclosure control."
    ),
)
def reports(context: dg.AssetExecutionContext, home: HomeResource):
    resolved = home.get_home()
    months = [date.fromisoformat(key) for key in sorted(context.partition_keys)]
    with home.connect() as con:
        protected = _protected(con, add_months(months[0], -11), months[-1], resolved.min_cell)
        empty = pl.DataFrame()
        base = MonthTables(
            month=months[0], protected=empty, neglected=empty, links=empty, sent=empty,
            denominators=empty,
            catalogue=con.execute("select * from marts.indicator_catalogue").pl(),
            territories=con.execute("select * from marts.dim_territories where observed").pl(),
            services=con.execute("select service_id, name, sector, departement, region "
                                 "from marts.dim_services").pl(),
            min_cell=resolved.min_cell)
        chromium = chromium_path() if resolved.pdf_reports else None
        if resolved.pdf_reports and chromium is None:
            context.log.warning("no Chromium found (install Debian's chromium, or set "
                                "$CHROMIUM): the reports are published without their PDFs")
        staging = staging_folder(resolved.published, "reports")
        # A month is put in place once its PDFs are printed, while the next one renders.
        waiting: deque[tuple[int, date, list[Path], list[Future]]] = deque()
        done = {"reports": 0, "pdfs": 0}

        def put_in_place(number: int, month: date, paths: list[Path], pdfs: list[Future]):
            folder = resolved.published / f"{month:%Y-%m}"
            for pdf in pdfs:
                pdf.result()
            publish_folder(staging / folder.name, folder, owns=lambda name: name == "rapports")
            done["reports"] += len(paths)
            done["pdfs"] += len(pdfs)
            context.log.info(f"reports {number}/{len(months)}: {len(paths)} for "
                             f"{month:%Y-%m} in {folder / 'rapports'}"
                             + (" (HTML and PDF)" if pdfs else ""))

        with pdf_printer(chromium) if chromium else nullcontext() as printer:
            for number, month in enumerate(months, 1):
                paths = write_reports(staging / f"{month:%Y-%m}",
                                      _month_tables(con, month, protected, base))
                waiting.append((number, month, paths, printer.submit(paths) if printer else []))
                if len(waiting) > 1 or not printer:
                    put_in_place(*waiting.popleft())
            while waiting:
                put_in_place(*waiting.popleft())
    return dg.MaterializeResult(metadata={**done, "min_cell": resolved.min_cell})


@dg.asset(
    key=["published", "snapshot"],
    group_name="publication",
    deps=[["published", "funder_files"], ["published", "reports"], ["published", "dbt_docs"],
          ["published", "staff_deliveries"]],
    kinds={"duckdb"},
    description=(
        "The analysts' warehouse, `<home>/published/reseau.duckdb`: a copy of the pipeline's "
        "own warehouse, put in place by one rename once everything else is published, so "
        "analysts never see half a run and never block one."
    ),
)
def snapshot(context: dg.AssetExecutionContext, home: HomeResource):
    resolved = home.get_home()
    path = publish_snapshot(resolved.warehouse, resolved.published_warehouse,
                            resolved.duckdb_config())
    context.log.info(f"published {path}")
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)),
                                          "bytes": path.stat().st_size})


@dg.asset(
    key=["published", "staff_deliveries"],
    group_name="publication",
    deps=[["marts", "deliveries"]],
    kinds={"python", "html"},
    description=(
        "For the observatory's staff, not funders: `<home>/published/suivi/livraisons.html`, "
        "a self-contained French page listing the exporters that did not deliver last month "
        "(the month before the run's date) by the 5th, late or not at all, and those whose "
        "quarantine rate jumped (from marts.deliveries)."
    ),
)
def staff_deliveries(context: dg.AssetExecutionContext, home: HomeResource):
    resolved = home.get_home()
    with home.connect() as con:
        frame = con.execute("select * from marts.deliveries").pl()
    day = staff_page.today()
    path = staff_page.write_page(resolved.staff_deliveries_page, staff_page.render(frame, day))
    status = staff_page.month_status(frame, staff_page.last_month(day))
    context.log.info(f"delivery monitoring in {path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path)),
        "month": f"{staff_page.last_month(day):%Y-%m}",
        "not_on_time": status.filter(pl.col("status") != "on_time").height,
        "quarantine_jumps": staff_page.quarantine_jumps(frame).height,
    })
