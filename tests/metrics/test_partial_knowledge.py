"""Referrals that real exports describe partly: no declared need, a territory known only at
the région level. Every territory indicator, computed by hand."""

from datetime import date

import polars as pl
import pytest

from reseau_metrics.frames import stack_levels
from reseau_metrics.territory import TerritoryInputs, territory_indicators

JANUARY = date(2025, 1, 1)


def inputs(referrals: pl.DataFrame) -> TerritoryInputs:
    empty_dates = {"start_date": pl.Date, "end_date": pl.Date}
    return TerritoryInputs(
        referrals=referrals,
        services=pl.DataFrame({"service_id": ["a", "b", "c"], "sector": ["social"] * 3,
                               "departement": ["05"] * 3, "region": ["93"] * 3}),
        conventions=pl.DataFrame(schema={"convention_id": pl.String, "service_a": pl.String,
                                         "service_b": pl.String, **empty_dates}),
        supports=pl.DataFrame(schema={"month": pl.Date, "territory_departement": pl.String,
                                      "territory_region": pl.String, "person_key": pl.String,
                                      "supporter_kind": pl.String,
                                      "supporter_key": pl.String}),
        need_groups=pl.DataFrame(schema={
            "month": pl.Date, "territory_commune": pl.String,
            "territory_departement": pl.String, "territory_region": pl.String,
            "origin_service_id": pl.String, "need": pl.String, "referrals": pl.Int64}),
        observations=pl.DataFrame(schema={
            "month": pl.Date, "territory_commune": pl.String,
            "territory_departement": pl.String, "territory_region": pl.String,
            "target_service_id": pl.String, "need": pl.String, "referrals": pl.Int64}),
        competent=pl.DataFrame(schema={"commune": pl.String, "need": pl.String,
                                       "service_id": pl.String, "capacity": pl.Float64,
                                       "opened_on": pl.Date, "closed_on": pl.Date}),
        territories=pl.DataFrame({"territory_level": ["departement", "region"],
                                  "territory_code": ["05", "93"]}),
        first_month=JANUARY,
    )


def referrals(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, orient="row", schema={
        "month": pl.Date, "territory_departement": pl.String, "territory_region": pl.String,
        "origin_service_id": pl.String, "target_service_id": pl.String,
        "person_key": pl.String, "professional_key": pl.String, "status": pl.String,
        "has_convention": pl.Boolean, "out_of_mission": pl.Boolean,
        "needs_covered": pl.Boolean})


def values(rows, level: str, code: str) -> dict[str, tuple]:
    result = territory_indicators(inputs(referrals(rows)), [JANUARY], (1,)).indicators
    chosen = result.filter((pl.col("territory_level") == level)
                           & (pl.col("territory_code") == code))
    return {row["indicator"]: (row["value"], row["numerator"], row["denominator"])
            for row in chosen.iter_rows(named=True)}


ROWS = [
    # month, dep, region, origin, target, person, professional, status, convention,
    # out of mission, needs covered
    (JANUARY, "05", "93", "a", "b", "p1", None, "accepted", False, True, True),
    (JANUARY, "05", "93", "a", "b", "p2", None, "accepted", False, False, True),
    (JANUARY, "05", "93", "a", "c", "p3", None, "refused", False, None, True),  # inferred
    (JANUARY, "05", "93", "b", "c", "p4", None, None, False, None, False),  # no need at all
    # A postcode whose communes lie in two départements of région 93: région only.
    (JANUARY, None, "93", "b", "a", "p5", None, "accepted", False, False, True),
]


def test_out_of_mission_counts_only_referrals_that_declare_a_need():
    # Département 05: 1 out of mission among the 2 referrals with a declared need.
    assert values(ROWS, "departement", "05")["out_of_mission_rate"] == (0.5, 1.0, 2.0)
    # Région 93 adds the fifth referral (declared, within mission): 1 / 3.
    value, numerator, denominator = values(ROWS, "region", "93")["out_of_mission_rate"]
    assert (numerator, denominator) == (1.0, 3.0) and value == pytest.approx(1 / 3)


def test_needs_coverage_says_how_many_referrals_the_need_indicators_rest_on():
    assert values(ROWS, "departement", "05")["needs_coverage"] == (0.75, 3.0, 4.0)
    assert values(ROWS, "region", "93")["needs_coverage"] == (0.8, 4.0, 5.0)


def test_a_referral_known_only_at_the_region_counts_only_there():
    assert values(ROWS, "departement", "05")["referrals"][0] == 4.0
    assert values(ROWS, "region", "93")["referrals"][0] == 5.0
    assert values(ROWS, "region", "93")["persons"][0] == 5.0
    # Reciprocity: in 05, a->b and b->c and a->c: no pair both ways (0 of 3); in 93 the
    # fifth referral b->a makes {a, b} reciprocal: 1 of 3 pairs.
    assert values(ROWS, "departement", "05")["reciprocity"][:3] == (0.0, 0.0, 3.0)
    assert values(ROWS, "region", "93")["reciprocity"][1:] == (1.0, 3.0)


def test_stack_levels_drops_unknown_codes_only_at_their_level():
    rows = pl.DataFrame({"territory_departement": [None, "05"],
                         "territory_region": ["93", "93"], "n": [1, 2]})
    assert sorted(stack_levels(rows).rows()) == [(1, "region", "93"), (2, "departement", "05"),
                                                 (2, "region", "93")]
