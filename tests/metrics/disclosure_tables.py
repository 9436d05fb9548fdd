"""Hand-made long indicator tables for the disclosure tests."""

from datetime import date

import polars as pl

from reseau.indicators import COUNTS

JAN = date(2025, 1, 1)
SCHEMA = {
    "territory_level": pl.String, "territory_code": pl.String, "month": pl.Date,
    "window_months": pl.Int32, "indicator": pl.String, "value": pl.Float64,
    "numerator": pl.Float64, "denominator": pl.Float64, "ci_low": pl.Float64,
    "ci_high": pl.Float64,
}
BRITTANY = {"35": "53", "29": "53", "22": "53", "56": "53"}


def territories(parents=None):
    parents = BRITTANY if parents is None else parents
    return pl.DataFrame(
        {"territory_level": ["departement"] * len(parents), "territory_code": list(parents),
         "parent_code": list(parents.values())},
        schema={"territory_level": pl.String, "territory_code": pl.String,
                "parent_code": pl.String})


def row(code, indicator, value, denominator=None, *, level=None, month=JAN, window=12,
        numerator=None):
    """One long row; a count's numerator and denominator are the count, as in the library;
    a ratio's interval runs from 90% to 110% of its value."""
    level = level or ("region" if code in {"53", "01", "R"} else "departement")
    if indicator in COUNTS and denominator is None:
        numerator = denominator = value
    low, high = ((None, None) if indicator in COUNTS or value is None
                 else (0.9 * value, 1.1 * value))
    return (level, code, month, window, indicator, value, numerator, denominator, low, high)


def table(*rows):
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def reasons(out):
    """{(code, indicator): reason} of the suppressed rows."""
    return {(r["territory_code"], r["indicator"]): r["suppression"]
            for r in out.filter(pl.col("suppressed")).iter_rows(named=True)}


def referrals(region, **departements):
    return table(row("53", "referrals", region),
                 *(row(code[1:], "referrals", value) for code, value in departements.items()))
