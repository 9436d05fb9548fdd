"""Hand-made tables with known suppressions: the primary and secondary rules, sums over
months, the shape of the output."""

from datetime import date

import polars as pl
import pytest

from reseau_metrics.disclosure import suppress
from reseau_metrics.frames import INDICATOR_COLUMNS
from tests.metrics.disclosure_tables import (
    reasons,
    referrals,
    row,
    table,
    territories,
)

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
    out = suppress(table(row("35", "persons", 0), row("29", "persons", 0)), territories())
    assert out["suppressed"].to_list() == [True, True]
    assert out["suppression"].to_list() == ["primary", "primary"]
    assert out["value"].null_count() == 2


def test_a_ratio_is_judged_on_its_denominator_not_its_value():
    out = suppress(table(
        row("35", "acceptance_rate", 0.5, 10, numerator=5),   # 10 decided referrals: hidden
        row("29", "acceptance_rate", 0.1, 11, numerator=1.1),  # 11: shown, small numerator
        row("22", "effective_targets", 3.0, 8),  # unit "services" but a ratio of 8 referrals
        row("56", "top3_target_share", 1.0, 2),  # the top three of 2 referrals
    ), territories())
    assert reasons(out) == {("35", "acceptance_rate"): "primary",
                            ("22", "effective_targets"): "primary",
                            ("56", "top3_target_share"): "primary"}
    shown = out.row(1, named=True)
    assert (shown["value"], shown["numerator"], shown["denominator"]) == (0.1, 1.1, 11.0)


def test_a_ratio_with_an_empty_or_unknown_denominator_is_suppressed():
    out = suppress(table(
        row("35", "hhi_targets", None, 0),  # no referral: value null, base 0
        row("29", "cross_sector_share", None, None),  # territory absent from the data
        row("22", "cross_sector_share", 0.4, None, numerator=4),  # a base nobody can check
    ), territories())
    assert out["suppression"].to_list() == ["primary"] * 3


def test_a_null_value_on_a_large_base_stays_null_and_unflagged():
    # link_stability is null while the previous window reaches before the data.
    out = suppress(table(row("35", "link_stability", None, 40)), territories())
    assert out.row(0, named=True)["suppressed"] is False
    assert out.row(0, named=True)["suppression"] is None


def test_a_count_of_people_is_judged_on_its_value_not_its_denominator():
    out = suppress(table(row("35", "persons", 12, 3), row("29", "persons", 3, 300)),
                   territories())
    assert reasons(out) == {("29", "persons"): "primary"}


def test_counts_and_ratios_of_organisations_are_published_as_they_are():
    # Services, conventions, links between services and service-need pairs are public and
    # associative bodies, not people: small counts, zeros and small bases are all shown.
    rows = table(
        row("35", "neglected_services", 2, 40, numerator=2),
        row("29", "neglected_services", 0, 12, numerator=0),
        row("35", "dormant_conventions", 3, 300, numerator=3),
        row("29", "ruptured_links", 1, 4, numerator=1),
        row("35", "neglected_share", 0.5, 4, numerator=2),
        row("29", "reciprocity", 0.25, 4, numerator=1),
        row("22", "link_stability", 0.5, 2, numerator=1),
        row("56", "fragile_link_share", 1.0, 1, numerator=1),
        row("56", "origin_hhi_median", 0.7, 2),
    )
    out = suppress(rows, territories())
    assert not reasons(out)
    assert out.select(INDICATOR_COLUMNS).equals(rows.select(INDICATOR_COLUMNS))


def test_a_count_of_organisations_cannot_be_additive():
    with pytest.raises(ValueError, match="counts of people"):
        suppress(table(row("35", "neglected_services", 2)), territories(),
                 additive=["referrals", "neglected_services"])


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
