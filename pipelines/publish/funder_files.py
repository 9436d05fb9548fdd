"""Funder files of one month, under ``<home>/published/<YYYY-MM>/`` (interfaces.md, "Funders").

Disclosure control (:func:`reseau_metrics.disclosure.suppress`) is applied before anything
is written; the analysts' warehouse keeps exact values. ``indicators.parquet`` is long, for
tools; ``indicateurs_<level>.csv`` and ``.xlsx`` are wide (one row per territory, one column
per indicator of the 12-month window, French labels), for people. A text cell that a
spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import polars as pl

from reseau_metrics.disclosure import suppress

LEVELS = ("departement", "region")
WIDE_WINDOW = 12
SUPPRESSED_COLUMN = "Valeurs masquées (secret statistique)"
_FORMULA_START = ("=", "+", "-", "@")


def neutralise(text: str | None) -> str | None:
    """A leading apostrophe on text a spreadsheet would read as a formula."""
    return f"'{text}" if text and text.startswith(_FORMULA_START) else text


def funder_long(indicators: pl.DataFrame, territories: pl.DataFrame, min_cell: int,
                first_months: Mapping[str, date]) -> pl.DataFrame:
    """The long published rows: names added, disclosure control applied, parts dropped.
    ``first_months``: the first month with data of each additive count (see
    :func:`reseau_metrics.disclosure.suppress`)."""
    protected = suppress(indicators, territories, min_cell=min_cell, first_months=first_months)
    names = territories.select("territory_level", "territory_code", "territory_name")
    return protected.join(names, on=["territory_level", "territory_code"], how="left").select(
        "territory_level", "territory_code", "territory_name", "month", "window_months",
        "indicator", "value", "suppressed",
    ).sort("territory_level", "territory_code", "window_months", "indicator")


def wide(long: pl.DataFrame, catalogue: pl.DataFrame, level: str) -> pl.DataFrame:
    """One row per territory of ``level``, one column per indicator (12-month window)."""
    labels = dict(catalogue.select("indicator", "label_fr").iter_rows())
    rows = long.filter(pl.col("territory_level") == level,
                       pl.col("window_months") == WIDE_WINDOW)
    table = rows.pivot(on="indicator", index=["territory_code", "territory_name"],
                       values="value", aggregate_function="first")
    hidden = rows.filter("suppressed").group_by("territory_code").agg(
        pl.col("indicator").replace_strict(labels).sort().str.join(", ")
        .alias(SUPPRESSED_COLUMN))
    codes = [code for code in catalogue["indicator"] if code in table.columns]
    return (
        table.join(hidden, on="territory_code", how="left")
        .select("territory_code", "territory_name", *codes, SUPPRESSED_COLUMN)
        .rename({"territory_code": "Code", "territory_name": "Territoire",
                 **{code: labels[code] for code in codes}})
        .sort("Code")
    )


def write_csv(table: pl.DataFrame, path: Path) -> None:
    """UTF-8 with BOM, ``;`` and decimal comma: what Excel in France opens as it is."""
    text_columns = [name for name, kind in table.schema.items() if kind == pl.String]
    safe = table.with_columns(pl.col(name).map_elements(neutralise, return_dtype=pl.String)
                              for name in text_columns)
    path.write_bytes(b"\xef\xbb\xbf" + safe.write_csv(separator=";", decimal_comma=True)
                     .encode("utf-8"))


def write_xlsx(table: pl.DataFrame, path: Path, title: str) -> None:
    """The wide table; suppressed cells empty and greyed, text never read as a formula."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(table.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    grey = PatternFill("solid", fgColor="D9D9D9")
    hidden_at = table.columns.index(SUPPRESSED_COLUMN)
    for values in table.iter_rows():
        hidden = set((values[hidden_at] or "").split(", "))
        sheet.append([None] * len(values))
        row = sheet.max_row
        for column, (name, value) in enumerate(zip(table.columns, values, strict=True), 1):
            cell = sheet.cell(row=row, column=column)
            if isinstance(value, str):
                cell.value, cell.data_type = value, "s"  # text stays text, never a formula
            elif value is None and name in hidden:
                cell.fill = grey
                cell.comment = Comment("Valeur masquée (secret statistique)", "réseau")
            else:
                cell.value = value
    book.save(path)


def write_month(folder: Path, long: pl.DataFrame, catalogue: pl.DataFrame) -> list[Path]:
    """Write one month's funder files into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "indicators.parquet"]
    long.write_parquet(written[0])
    for level in LEVELS:
        table = wide(long, catalogue, level)
        csv_path = folder / f"indicateurs_{level}.csv"
        xlsx_path = csv_path.with_suffix(".xlsx")
        write_csv(table, csv_path)
        write_xlsx(table, xlsx_path, f"Indicateurs {level}")
        written += [csv_path, xlsx_path]
    return written
