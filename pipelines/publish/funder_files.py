"""Funder files of one month, under ``<home>/published/<YYYY-MM>/`` (interfaces.md, "Funders").

Disclosure control (:func:`reseau_metrics.disclosure.suppress`) is applied before anything
is written; the analysts' warehouse keeps exact values. ``indicators.parquet`` is long, for
tools, at full precision with each value's 95% interval; ``indicateurs_<level>.csv`` and
``.xlsx`` are wide (one row per territory, one column per indicator of the 12-month window,
French labels with units), for people, their numbers formatted as
:mod:`pipelines.publish.numbers` says. A text cell that a spreadsheet would run as a formula
is neutralised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.publish.numbers import NumberStyle, number_style
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
    """The long published rows: names added, disclosure control applied, parts dropped, the
    95% interval kept. ``first_months``: the first month with data of each additive count
    (see :func:`reseau_metrics.disclosure.suppress`)."""
    protected = suppress(indicators, territories, min_cell=min_cell, first_months=first_months)
    names = territories.select("territory_level", "territory_code", "territory_name")
    return protected.join(names, on=["territory_level", "territory_code"], how="left").select(
        "territory_level", "territory_code", "territory_name", "month", "window_months",
        "indicator", "value", "ci_low", "ci_high", "suppressed",
    ).sort("territory_level", "territory_code", "window_months", "indicator")


@dataclass(frozen=True)
class WideTable:
    """One row per territory, one column per indicator: ``table`` holds the numbers (columns
    ``Code``, ``Territoire``, the indicator codes, :data:`SUPPRESSED_COLUMN`), ``headers``
    what each column is called for people (label and unit), ``labels`` each indicator's
    label (as :data:`SUPPRESSED_COLUMN` lists them), ``styles`` how its numbers read
    (:mod:`pipelines.publish.numbers`)."""

    table: pl.DataFrame
    labels: dict[str, str]
    styles: dict[str, NumberStyle]

    @property
    def headers(self) -> dict[str, str]:
        return {name: f"{self.labels[name]} ({self.styles[name].unit})" if name in self.styles
                else name for name in self.table.columns}


def wide(long: pl.DataFrame, catalogue: pl.DataFrame, level: str) -> WideTable:
    """One row per territory of ``level``, one column per indicator (12-month window)."""
    labels = dict(catalogue.select("indicator", "label_fr").iter_rows())
    units = dict(catalogue.select("indicator", "unit").iter_rows())
    rows = long.filter(pl.col("territory_level") == level,
                       pl.col("window_months") == WIDE_WINDOW)
    table = rows.pivot(on="indicator", index=["territory_code", "territory_name"],
                       values="value", aggregate_function="first")
    hidden = rows.filter("suppressed").group_by("territory_code").agg(
        pl.col("indicator").replace_strict(labels).sort().str.join(", ")
        .alias(SUPPRESSED_COLUMN))
    codes = [code for code in catalogue["indicator"] if code in table.columns]
    styles = {code: number_style(code, units[code]) for code in codes}
    table = (
        table.join(hidden, on="territory_code", how="left")
        .rename({"territory_code": "Code", "territory_name": "Territoire"})
        .select("Code", "Territoire", *codes, SUPPRESSED_COLUMN)
        .sort("Code")
    )
    return WideTable(table, {code: labels[code] for code in codes}, styles)


def write_csv(wide_table: WideTable, path: Path) -> None:
    """UTF-8 with BOM and ``;``, what Excel in France opens as it is; numbers written for
    reading (``1 559``, ``24,4 %``, ``0,0113``), hidden cells empty."""
    table, styles = wide_table.table, wide_table.styles
    text = table.select(
        pl.col(name).map_elements(neutralise, return_dtype=pl.String) if name not in styles
        else pl.col(name).map_elements(styles[name].text, return_dtype=pl.String)
        for name in table.columns
    ).rename(wide_table.headers)
    path.write_bytes(b"\xef\xbb\xbf" + text.write_csv(separator=";").encode("utf-8"))


def write_xlsx(wide_table: WideTable, path: Path, title: str) -> None:
    """The wide table as numbers with number formats (a funder can sort and compute); units
    in the headers, a frozen header row and code column, widths that fit; hidden cells empty
    and greyed with a comment; text never read as a formula."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    table, styles = wide_table.table, wide_table.styles
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title[:31]
    headers = [wide_table.headers[name] for name in table.columns]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    grey = PatternFill("solid", fgColor="D9D9D9")
    hidden_at = table.columns.index(SUPPRESSED_COLUMN)
    widths = [min(max(len(word) for word in header.split()) + 12, 30) for header in headers]
    for values in table.iter_rows():
        hidden = set((values[hidden_at] or "").split(", "))
        sheet.append([None] * len(values))
        row = sheet.max_row
        for column, (name, value) in enumerate(zip(table.columns, values, strict=True), 1):
            cell = sheet.cell(row=row, column=column)
            if isinstance(value, str):
                cell.value, cell.data_type = value, "s"  # text stays text, never a formula
                widths[column - 1] = max(widths[column - 1], min(len(value) + 2, 60))
            elif value is None and wide_table.labels.get(name) in hidden:
                cell.fill = grey
                cell.comment = Comment("Valeur masquée (secret statistique)", "réseau")
            elif value is not None:
                cell.value = value
                cell.number_format = styles[name].excel(value)
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "C2"
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
