"""Hand-made tables with known suppressions, and invariants of the disclosure control."""

from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reseau.indicators import ADDITIVE, COUNTS
from reseau_metrics.disclosure import SUM_WINDOW, suppress
from reseau_metrics.frames import INDICATOR_COLUMNS

JAN = date(2025, 1, 1)
SCHEMA = {
    "territory_level": pl.String, "territory_code": pl.String, "month": pl.Date,
    "window_months": pl.Int32, "indicator": pl.String, "value": pl.Float64,
    "numerator": pl.Float64, "denominator": pl.Float64,
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
    """One long row; a count's numerator and denominator are the count, as in the library."""
    level = level or ("region" if code in {"53", "01", "R"} else "departement")
    if indicator in COUNTS and denominator is None:
        numerator = denominator = value
    return (level, code, month, window, indicator, value, numerator, denominator)


def table(*rows):
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def reasons(out):
    """{(code, indicator): reason} of the suppressed rows."""
    return {(r["territory_code"], r["indicator"]): r["suppression"]
            for r in out.filter(pl.col("suppressed")).iter_rows(named=True)}


def referrals(region, **departements):
    return table(row("53", "referrals", region),
                 *(row(code[1:], "referrals", value) for code, value in departements.items()))


# Primary rule


def test_a_count_below_min_cell_is_suppressed_and_min_cell_itself_is_shown():
    out = suppress(table(row("35", "persons", 10), row("29", "persons", 11)), territories())
    assert reasons(out) == {("35", "persons"): "primary"}
    assert out["value"].to_list() == [None, 11.0]
    # The count is also its numerator and denominator: they go too.
    assert out.row(0, named=True)["numerator"] is None
    assert out.row(0, named=True)["denominator"] is None


def test_min_cell_is_a_parameter():
    rows = table(row("35", "persons", 4), row("29", "persons", 5))
    assert reasons(suppress(rows, territories(), min_cell=5)) == {("35", "persons"): "primary"}


def test_zero_counts_are_suppressed_and_empty_not_zero():
    out = suppress(table(row("35", "ruptured_links", 0), row("29", "ruptured_links", 0)),
                   territories())
    assert out["suppressed"].to_list() == [True, True]
    assert out["suppression"].to_list() == ["primary", "primary"]
    assert out["value"].null_count() == 2


def test_a_ratio_is_judged_on_its_denominator_not_its_value():
    out = suppress(table(
        row("35", "acceptance_rate", 0.5, 10, numerator=5),   # 10 decided referrals: hidden
        row("29", "acceptance_rate", 0.1, 11, numerator=1.1),  # 11: shown, small numerator
        row("22", "effective_targets", 3.0, 8),  # unit "services" but a ratio of 8 referrals
        row("56", "origin_hhi_median", 0.7, 2),  # a median over 2 qualifying origins
    ), territories())
    assert reasons(out) == {("35", "acceptance_rate"): "primary",
                            ("22", "effective_targets"): "primary",
                            ("56", "origin_hhi_median"): "primary"}
    shown = out.row(1, named=True)
    assert (shown["value"], shown["numerator"], shown["denominator"]) == (0.1, 1.1, 11.0)


def test_a_ratio_with_an_empty_or_unknown_denominator_is_suppressed():
    out = suppress(table(
        row("35", "hhi_targets", None, 0),  # no referral: value null, base 0
        row("29", "reciprocity", None, None),  # territory absent from the data: all null
        row("22", "reciprocity", 0.4, None, numerator=4),  # a base nobody can check
    ), territories())
    assert out["suppression"].to_list() == ["primary"] * 3


def test_a_null_value_on_a_large_base_stays_null_and_unflagged():
    # link_stability is null while the previous window reaches before the data.
    out = suppress(table(row("35", "link_stability", None, 40)), territories())
    assert out.row(0, named=True)["suppressed"] is False
    assert out.row(0, named=True)["suppression"] is None


def test_a_count_is_judged_on_its_value_not_its_denominator():
    # 12 dormant conventions among 300 active ones; 3 among 300.
    out = suppress(table(
        row("35", "dormant_conventions", 12, 300, numerator=12),
        row("29", "dormant_conventions", 3, 300, numerator=3),
    ), territories())
    assert reasons(out) == {("29", "dormant_conventions"): "primary"}


def test_regions_and_other_levels_get_the_primary_rule():
    out = suppress(table(row("53", "supports", 7), row("35056", "supports", 3, level="commune"),
                         row("35238", "supports", 30, level="commune")), territories())
    assert out["suppression"].to_list() == ["primary", "primary", None]


# Secondary rule


def test_one_hidden_departement_takes_the_next_smallest_with_it():
    # 40 = 25 + 12 + 3: 3 alone would be 40 - 25 - 12.
    out = suppress(referrals(40, d35=25, d29=12, d22=3), territories())
    assert reasons(out) == {("22", "referrals"): "primary", ("29", "referrals"): "secondary"}
    assert out["value"].to_list() == [40.0, 25.0, None, None]


def test_supports_are_additive_too():
    rows = table(row("53", "supports", 60), row("35", "supports", 30),
                 row("29", "supports", 20), row("22", "supports", 10))
    assert reasons(suppress(rows, territories())) == {
        ("22", "supports"): "primary", ("29", "supports"): "secondary"}


def test_no_secondary_when_two_departements_are_already_hidden():
    out = suppress(referrals(45, d35=30, d29=5, d22=4, d56=6), territories())
    assert set(reasons(out).values()) == {"primary"}
    assert reasons(out).keys() == {("29", "referrals"), ("22", "referrals"), ("56", "referrals")}


def test_no_secondary_when_nothing_is_hidden():
    assert not reasons(suppress(referrals(50, d35=25, d29=25), territories()))


def test_no_secondary_when_the_region_total_is_not_published():
    # The région was hidden by an earlier pass: 22's value cannot be recomputed.
    hidden_region = referrals(None, d35=25, d29=12, d22=3).with_columns(
        suppressed=pl.col("territory_code") == "53",
        suppression=pl.when(pl.col("territory_code") == "53").then(pl.lit("secondary")))
    assert reasons(suppress(hidden_region, territories())) == {
        ("53", "referrals"): "secondary", ("22", "referrals"): "primary"}
    # No région row at all, or a null one: nothing to subtract from.
    absent = referrals(40, d35=25, d29=12, d22=3).filter(pl.col("territory_code") != "53")
    assert reasons(suppress(absent, territories())) == {("22", "referrals"): "primary"}
    null = referrals(None, d35=25, d29=12, d22=3)
    assert reasons(suppress(null, territories())) == {("22", "referrals"): "primary"}


def test_ties_are_broken_by_the_smallest_code():
    out = suppress(referrals(45, d35=20, d29=20, d22=5), territories())
    assert reasons(out) == {("22", "referrals"): "primary", ("29", "referrals"): "secondary"}
    # Row order does not matter.
    shuffled = referrals(45, d22=5, d35=20, d29=20)
    assert reasons(suppress(shuffled, territories())) == reasons(out)


def test_single_departement_region():
    overseas = territories({"971": "01"})
    # Consistent data: the département and its région are the same count, hidden together.
    same = table(row("01", "referrals", 7), row("971", "referrals", 7))
    assert reasons(suppress(same, overseas)) == {
        ("01", "referrals"): "primary", ("971", "referrals"): "primary"}
    same_large = table(row("01", "referrals", 70), row("971", "referrals", 70))
    assert not reasons(suppress(same_large, overseas))
    # A région total that exceeds its only département would give it away: the total goes.
    wider = table(row("01", "referrals", 15), row("971", "referrals", 7))
    assert reasons(suppress(wider, overseas)) == {
        ("01", "referrals"): "secondary", ("971", "referrals"): "primary"}


def test_the_region_goes_when_no_other_departement_is_published():
    # 29 has no value (nothing shown, nothing to hide): the total is the next cell.
    out = suppress(referrals(40, d35=3, d29=None), territories())
    assert reasons(out) == {("35", "referrals"): "primary", ("53", "referrals"): "secondary"}


def test_non_additive_indicators_are_left_to_the_primary_rule():
    # Distinct persons of a région are not the sum of its départements'.
    rows = table(row("53", "persons", 38), row("35", "persons", 25), row("29", "persons", 12),
                 row("22", "persons", 3), row("35", "acceptance_rate", 0.5, 40))
    assert reasons(suppress(rows, territories())) == {("22", "persons"): "primary"}


def test_groups_are_separate_per_month_and_region():
    march = date(2025, 3, 1)
    rows = table(
        row("53", "referrals", 40, month=march), row("35", "referrals", 37, month=march),
        row("22", "referrals", 3, month=march),
        row("53", "referrals", 40, month=date(2025, 2, 1)),
        row("35", "referrals", 37, month=date(2025, 2, 1)),
        row("22", "referrals", 3, month=date(2025, 2, 1)),
        row("35", "referrals", 40), row("22", "referrals", 30),  # no hidden cell here
    )
    out = suppress(rows, territories())
    assert out["suppression"].to_list() == [None, "secondary", "primary",
                                            None, "secondary", "primary", None, None]


def test_a_departement_without_region_is_only_primary():
    rows = referrals(40, d35=25, d29=12, d22=3)
    assert reasons(suppress(rows, territories({"35": "53", "29": "53"}))) == {
        ("22", "referrals"): "primary"}


# Sums over months


def test_additive_counts_are_published_for_12_month_windows_only():
    # A month's referrals is a part of the 12-month window: withheld whatever its size.
    rows = table(row("35", "referrals", 40, window=1), row("35", "supports", 40, window=1),
                 row("35", "persons", 40, window=1), row("35", "referrals", 400))
    assert reasons(suppress(rows, territories())) == {
        ("35", "referrals"): "window", ("35", "supports"): "window"}
    assert suppress(rows, territories())["value"].to_list() == [None, None, 40, 400]


def test_a_12_month_window_reaching_before_the_data_is_withheld():
    # Data from March 2024: January 2025's window (February 2024 to January 2025) holds
    # eleven months of data; February 2025's (March 2024 to February 2025) holds twelve.
    feb = date(2025, 2, 1)
    rows = table(row("35", "referrals", 400), row("35", "referrals", 410, month=feb),
                 row("35", "supports", 50))
    out = suppress(rows, territories(), first_months={"referrals": date(2024, 3, 1)})
    assert out["suppression"].to_list() == ["window", None, None]


# Shape and arguments


def test_rows_order_and_other_columns_are_kept():
    rows = referrals(40, d35=25, d29=12, d22=3).with_columns(
        territory_name=pl.Series(["Bretagne", "Ille-et-Vilaine", "Finistère", "Côtes-d'Armor"]))
    out = suppress(rows, territories())
    assert out.columns == [*INDICATOR_COLUMNS, "territory_name", "suppressed", "suppression"]
    assert out["territory_name"].to_list() == rows["territory_name"].to_list()
    assert out.schema["suppressed"] == pl.Boolean
    assert out["suppressed"].null_count() == 0


def test_empty_input():
    out = suppress(table(), territories())
    assert out.height == 0
    assert out.columns[-2:] == ["suppressed", "suppression"]


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="min_cell"):
        suppress(table(), territories(), min_cell=0)
    with pytest.raises(ValueError, match="persons"):
        suppress(table(), territories(), counts=["referrals"], additive=["persons"])



# Invariants


@st.composite
def indicator_tables(draw):
    """Régions of 1 to 4 départements, two windows, an additive count (région = sum of the
    départements plus, sometimes, referrals no département holds), a non-additive count and
    a ratio whose denominator may be null; and a threshold."""
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
    return table(*rows), territories(parents), min_cell


# Small tables explore the cases quickly: keep the file under a few seconds.
FAST = settings(max_examples=60, deadline=None)


def _published(out):
    return out.filter(~pl.col("suppressed"))


@FAST
@given(indicator_tables())
def test_no_published_count_below_min_cell(case):
    rows, places, min_cell = case
    out = _published(suppress(rows, places, min_cell=min_cell))
    counts = out.filter(pl.col("indicator").is_in(COUNTS))
    assert (counts["value"] >= min_cell).all()


@FAST
@given(indicator_tables())
def test_no_published_ratio_on_a_denominator_below_min_cell(case):
    rows, places, min_cell = case
    out = _published(suppress(rows, places, min_cell=min_cell))
    ratios = out.filter(~pl.col("indicator").is_in(COUNTS))
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
    assert hidden.select("value", "numerator", "denominator").null_count().row(0) == (
        hidden.height,) * 3
    assert out.select(pl.col("suppressed") == pl.col("suppression").is_not_null()
                      ).to_series().all()
    # Window and primary exactly where the rules say; secondary only on additive counts, at
    # most one per group (a département or the région total), in a group of exactly one
    # primary département.
    window = (pl.col("indicator").is_in(ADDITIVE)
              & (pl.col("window_months") != SUM_WINDOW))
    below = pl.when(pl.col("indicator").is_in(COUNTS)).then(
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
