"""Invariants of the disclosure control on random tables (hypothesis)."""

from datetime import date

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from reseau.indicators import ADDITIVE, COUNTS, ORGANISATIONAL
from reseau_metrics.disclosure import SUM_WINDOW, suppress
from reseau_metrics.frames import INDICATOR_COLUMNS
from tests.metrics.disclosure_tables import (
    row,
    table,
    territories,
)

# Invariants


@st.composite
def indicator_tables(draw):
    """Régions of 1 to 4 départements, two windows, an additive count (région = sum of the
    départements plus, sometimes, referrals no département holds), a non-additive count and
    a ratio whose denominator may be null, a count and a ratio of organisations; and a
    threshold."""
    min_cell = draw(st.integers(1, 15))
    small = st.integers(0, 3 * min_cell)
    rows, parents = [], {}
    for region in range(draw(st.integers(1, 3))):
        r = f"R{region}"
        codes = [f"D{region}{d}" for d in range(draw(st.integers(1, 4)))]
        parents.update(dict.fromkeys(codes, r))
        for window in (1, 12):
            values = [draw(small) for _ in codes]
            total = sum(values) + draw(st.sampled_from([0, 0, 0, 1, min_cell]))
            rows.append(row(r, "referrals", total, level="region", window=window))
            rows += [row(c, "referrals", v, window=window) for c, v in zip(codes, values)]
            for code in [r, *codes]:
                level = "region" if code == r else "departement"
                rows.append(row(code, "persons", draw(small), level=level, window=window))
                base = draw(st.one_of(st.none(), small))
                rate = None if not base else draw(st.integers(0, base)) / base
                rows.append(row(code, "acceptance_rate", rate, base, level=level,
                                window=window))
                rows.append(row(code, "neglected_services", draw(small), level=level,
                                window=window))
                pairs = draw(st.one_of(st.none(), small))
                share = None if not pairs else draw(st.integers(0, pairs)) / pairs
                rows.append(row(code, "neglected_share", share, pairs, level=level,
                                window=window))
    return table(*rows), territories(parents), min_cell


# Small tables explore the cases quickly: keep the file under a few seconds.
FAST = settings(max_examples=60, deadline=None)


def _published(out):
    return out.filter(~pl.col("suppressed"))


#: Indicators about people, under disclosure control.
PEOPLE = pl.col("indicator").is_in(ORGANISATIONAL).not_()


@FAST
@given(indicator_tables())
def test_no_published_count_below_min_cell(case):
    rows, places, min_cell = case
    out = _published(suppress(rows, places, min_cell=min_cell))
    counts = out.filter(pl.col("indicator").is_in(COUNTS) & PEOPLE)
    assert (counts["value"] >= min_cell).all()


@FAST
@given(indicator_tables())
def test_no_published_ratio_on_a_denominator_below_min_cell(case):
    rows, places, min_cell = case
    out = _published(suppress(rows, places, min_cell=min_cell))
    ratios = out.filter(~pl.col("indicator").is_in(COUNTS) & PEOPLE)
    assert ratios["denominator"].null_count() == 0
    assert (ratios["denominator"] >= min_cell).all()


@FAST
@given(indicator_tables())
def test_no_hidden_departement_is_a_published_total_minus_published_cells(case):
    rows, places, min_cell = case
    out = suppress(rows, places, min_cell=min_cell)
    totals = out.filter((pl.col("territory_level") == "region") & ~pl.col("suppressed")).select(
        pl.col("territory_code").alias("parent_code"), "window_months", "indicator")
    groups = (
        out.filter(pl.col("territory_level") == "departement")
        .join(places.select("territory_code", "parent_code"), on="territory_code")
        .join(totals, on=["parent_code", "window_months", "indicator"])
        .filter(pl.col("indicator").is_in(ADDITIVE))
        .group_by("parent_code", "window_months", "indicator")
        .agg(pl.col("suppressed").sum().alias("hidden"))
    )
    assert groups.filter(pl.col("hidden") == 1).height == 0


@FAST
@given(indicator_tables())
def test_suppression_only_empties_cells_and_always_has_a_reason(case):
    rows, places, min_cell = case
    out = suppress(rows, places, min_cell=min_cell)
    assert out.select(INDICATOR_COLUMNS).filter(~out["suppressed"]).equals(
        rows.filter(~out["suppressed"]))
    hidden = out.filter(pl.col("suppressed"))
    parts = ["value", "numerator", "denominator", "ci_low", "ci_high"]
    assert hidden.select(parts).null_count().row(0) == (hidden.height,) * len(parts)
    assert out.select(pl.col("suppressed") == pl.col("suppression").is_not_null()
                      ).to_series().all()
    # Window and primary exactly where the rules say; secondary only on additive counts, at
    # most one per group (a département or the région total), in a group of exactly one
    # primary département.
    window = (pl.col("indicator").is_in(ADDITIVE)
              & (pl.col("window_months") != SUM_WINDOW))
    below = pl.when(~PEOPLE).then(False).when(pl.col("indicator").is_in(COUNTS)).then(
        pl.col("value") < min_cell).otherwise(
        pl.col("denominator").is_null() | (pl.col("denominator") < min_cell))
    for reason, expected in (("window", window), ("primary", below.fill_null(False) & ~window)):
        assert (out["suppression"] == reason).fill_null(False).equals(
            rows.select(expected).to_series(), check_names=False)
    secondary = rows.filter(out["suppression"] == "secondary").join(
        places.select("territory_code", "parent_code"), on="territory_code", how="left")
    assert secondary["indicator"].is_in(ADDITIVE).all()
    group = [pl.coalesce("parent_code", "territory_code"), "window_months", "indicator"]
    assert secondary.group_by(group).len()["len"].max() in (None, 1)
    primary = out.filter(pl.col("suppression") == "primary").join(
        places.select("territory_code", "parent_code"), on="territory_code")
    for region, window, indicator in secondary.select(group).rows():
        assert primary.filter((pl.col("parent_code") == region)
                              & (pl.col("window_months") == window)
                              & (pl.col("indicator") == indicator)).height == 1


@FAST
@given(indicator_tables())
def test_organisations_are_never_suppressed(case):
    rows, places, min_cell = case
    out = suppress(rows, places, min_cell=min_cell)
    assert not out.filter(~PEOPLE)["suppressed"].any()


@FAST
@given(indicator_tables())
def test_suppression_is_idempotent(case):
    rows, places, min_cell = case
    once = suppress(rows, places, min_cell=min_cell)
    assert suppress(once, places, min_cell=min_cell).equals(once)


@FAST
@given(st.lists(st.integers(0, 60), min_size=1, max_size=30), st.integers(1, 15))
def test_no_months_count_is_recoverable_from_the_published_windows(counts, min_cell):
    """A territory's monthly referrals, every month published with both windows: no month's
    count is a linear combination of the published values (a unit vector outside the row
    space of the published windows), whatever the counts and the threshold."""
    months = [date(2024 + (m // 12), m % 12 + 1, 1) for m in range(len(counts))]
    rows = [row("35", "referrals", sum(counts[max(0, m - window + 1):m + 1]),
                month=months[m], window=window)
            for m in range(len(counts)) for window in (1, 12)]
    out = suppress(table(*rows), territories(), min_cell=min_cell,
                   first_months={"referrals": months[0]})
    published = [
        [1.0 if 0 <= m - other < window else 0.0 for other in range(len(counts))]
        for m, window, shown in zip(
            [i // 2 for i in range(len(rows))], [1, 12] * len(counts), ~out["suppressed"])
        if shown]
    rank = np.linalg.matrix_rank(np.array(published)) if published else 0
    for month in range(len(counts)):
        unit = [[1.0 if other == month else 0.0 for other in range(len(counts))]]
        assert np.linalg.matrix_rank(np.array(published + unit)) == rank + 1, month
