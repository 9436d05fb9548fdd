"""Hand-computed cases of the Form 2 ratios (reciprocity, ratios, dormant conventions,
stability) and their edge cases."""

from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reseau_metrics.cooperation import dormant_conventions, link_stability, ratio, reciprocity


def directed(pairs, group="x"):
    return pl.DataFrame({"t": [group] * len(pairs),
                         "origin_service_id": [a for a, _ in pairs],
                         "target_service_id": [b for _, b in pairs]})


def test_reciprocity_by_hand():
    # {a,b} both ways, {a,c} one way, {c,d} both ways: 2 of 3.
    result = reciprocity(directed([("a", "b"), ("b", "a"), ("a", "c"), ("c", "d"), ("d", "c")]),
                         ["t"]).row(0, named=True)
    assert (result["reciprocal"], result["linked"]) == (2, 3)
    assert result["reciprocity"] == pytest.approx(2 / 3)


def test_reciprocity_of_a_single_one_way_link_is_zero():
    assert reciprocity(directed([("a", "b")]), ["t"])["reciprocity"][0] == 0.0


def test_reciprocity_ignores_repeated_rows():
    assert reciprocity(directed([("a", "b"), ("a", "b"), ("b", "a")]), ["t"])["linked"][0] == 1


@given(st.lists(st.tuples(st.sampled_from("abcde"), st.sampled_from("abcde"))
                .filter(lambda pair: pair[0] != pair[1]), min_size=1, max_size=30))
def test_reciprocity_is_a_share_and_relabelling_changes_nothing(pairs):
    value = reciprocity(directed(pairs), ["t"])["reciprocity"][0]
    assert 0.0 <= value <= 1.0
    renamed = [(f"s-{a}", f"s-{b}") for a, b in pairs]
    assert reciprocity(directed(renamed), ["t"])["reciprocity"][0] == value


def test_ratio_with_an_empty_denominator_is_null():
    rows = pl.DataFrame({"t": ["x"], "accepted": [0], "refused": [0]})
    assert ratio(rows, ["t"], "accepted", ["accepted", "refused"])["value"][0] is None


def test_ratio_by_hand():
    # 2 of 8 cross sectors.
    rows = pl.DataFrame({"t": ["x", "x"], "cross": [1, 1], "referrals": [3, 5]})
    assert ratio(rows, ["t"], "cross", "referrals").row(0) == ("x", 2, 8, 0.25)


CONVENTIONS = pl.DataFrame(
    {"convention_id": ["c1", "c2", "c3", "c4"], "service_a": ["a", "a", "b", "c"],
     "service_b": ["b", "c", "c", "d"],
     "start_date": [date(2020, 1, 1), date(2020, 1, 1), date(2025, 3, 1), None],
     "end_date": [None, date(2024, 12, 31), None, None]},
    schema_overrides={"end_date": pl.Date, "start_date": pl.Date},
)
SITED = pl.DataFrame({"service_id": ["a", "b", "c", "d"], "territory_level": ["d"] * 4,
                      "territory_code": ["01", "01", "02", "02"]})


def test_dormant_conventions_by_hand():
    # January 2025: c1 (a–b) active and used (b→a); c2 ended in 2024; c3 starts in March;
    # c4 (c–d, no bounds) active and unused. 01 holds a, b: c1 only, not dormant.
    # 02 holds c, d: c4, dormant.
    linked = pl.DataFrame({"origin_service_id": ["b"], "target_service_id": ["a"]})
    out = dormant_conventions(CONVENTIONS, linked, SITED, date(2025, 1, 1), date(2025, 1, 31))
    assert sorted(out.select("territory_code", "dormant", "active").rows()) == \
        [("01", 0, 1), ("02", 1, 1)]


def test_a_convention_with_a_party_in_two_territories_counts_in_both():
    linked = pl.DataFrame(schema={"origin_service_id": pl.String, "target_service_id": pl.String})
    out = dormant_conventions(CONVENTIONS, linked, SITED, date(2025, 6, 1), date(2025, 6, 30))
    # June 2025: c1 (01), c3 (b in 01, c in 02), c4 (02); none used.
    assert sorted(out.select("territory_code", "dormant", "active").rows()) == \
        [("01", 2, 2), ("02", 2, 2)]


def test_link_stability_by_hand_and_bounds():
    before = directed([("a", "b"), ("a", "c")])
    now = directed([("a", "b"), ("b", "c")])
    result = link_stability(now, before, ["t"]).row(0, named=True)
    assert (result["kept"], result["union"]) == (1, 3)
    assert result["stability"] == pytest.approx(1 / 3)
    assert link_stability(now, now, ["t"])["stability"][0] == 1.0
    assert link_stability(now, directed([("x", "y")]), ["t"])["stability"][0] == 0.0
