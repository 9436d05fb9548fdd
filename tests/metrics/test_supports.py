"""Hand-computed cases of the Form 1 support shares."""

import math

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reseau_metrics.supports import support_shares


def supports(rows):
    """rows: (person, kind, supporter)."""
    return pl.DataFrame([("x", *row) for row in rows], orient="row",
                        schema=["t", "person_key", "supporter_kind", "supporter_key"])


def test_top_decile_rounds_the_number_of_supporters_up():
    # 11 distinct supporters: ceil(1.1) = 2 most solicited. s1 helps 5 times, s2 3 times,
    # the 9 others once each: 5 + 3 + 9 = 17 supports, the top two give 8.
    rows = [("p1", "famille", "s1")] * 5 + [("p2", "pair", "s2")] * 3 + [
        (f"q{i}", "benevole", f"o{i}") for i in range(9)]
    result = support_shares(supports(rows), ["t"]).row(0, named=True)
    assert (result["supporters"], result["top_decile"], result["supports"]) == (11, 8, 17)
    assert result["supporter_top_decile_share"] == pytest.approx(8 / 17)
    # p1 and p2 have one helper each, and so do the nine others: 11 of 11.
    assert result["single_supporter_share"] == 1.0
    assert result["family_support_share"] == pytest.approx(5 / 17)


def test_a_person_with_two_helpers_is_not_single():
    rows = [("p1", "famille", "a"), ("p1", "famille", "b"), ("p2", "voisinage", "c")]
    result = support_shares(supports(rows), ["t"]).row(0, named=True)
    assert (result["single"], result["persons"]) == (1, 2)


def test_shares_per_group():
    both = pl.concat([
        supports([("p", "famille", "a")]),
        supports([("q", "autre", "b")]).with_columns(pl.lit("y").alias("t")),
    ])
    shares = dict(support_shares(both, ["t"]).select("t", "family_support_share").rows())
    assert shares == {"x": 1.0, "y": 0.0}


@given(st.lists(st.tuples(st.sampled_from(["p1", "p2", "p3"]),
                          st.sampled_from(["famille", "entourage", "pair"]),
                          st.sampled_from(["a", "b", "c", "d"])), min_size=1, max_size=40))
def test_shares_lie_in_zero_one_and_the_top_decile_takes_its_fair_part(rows):
    result = support_shares(supports(rows), ["t"]).row(0, named=True)
    for share in ("family_support_share", "supporter_top_decile_share",
                  "single_supporter_share"):
        assert 0.0 <= result[share] <= 1.0
    # The most solicited tenth carries at least its proportional part of the supports.
    assert result["top_decile"] >= result["supports"] * math.ceil(
        0.1 * result["supporters"]) / result["supporters"] - 1e-9
