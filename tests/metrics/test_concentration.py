"""Hand-computed cases and invariants of the concentration indicators."""

import math

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reseau_metrics.concentration import hhi, origin_hhi_median, top_share


def frame(targets, counts, group="T"):
    return pl.DataFrame({"t": [group] * len(targets), "target": targets, "n": counts})


def test_hhi_by_hand():
    # 6, 3, 1 of 10: 0.36 + 0.09 + 0.01 = 0.46
    result = hhi(frame(["a", "b", "c"], [6, 3, 1]), ["t"], "target", "n")
    assert result["hhi"][0] == pytest.approx(0.46)
    assert result["total"][0] == 10


def test_hhi_sums_rows_of_the_same_item_first():
    # a appears twice (2 + 2 = 4), b once (4): 0.5² + 0.5² = 0.5, not 3 × (1/3)².
    result = hhi(frame(["a", "a", "b"], [2, 2, 4]), ["t"], "target", "n")
    assert result["hhi"][0] == pytest.approx(0.5)


def test_hhi_single_target_is_one():
    assert hhi(frame(["a"], [7]), ["t"], "target", "n")["hhi"][0] == 1.0


def test_hhi_is_null_when_nothing_was_referred():
    assert hhi(frame(["a"], [0]), ["t"], "target", "n")["hhi"][0] is None


def test_hhi_per_group():
    rows = pl.concat([frame(["a", "b"], [1, 1], "x"), frame(["a"], [5], "y")])
    result = dict(hhi(rows, ["t"], "target", "n").select("t", "hhi").iter_rows())
    assert result == {"x": pytest.approx(0.5), "y": 1.0}


def test_top_share_by_hand():
    # 5, 3, 1, 1: the top three take 9 of 10.
    result = top_share(frame(list("abcd"), [5, 3, 1, 1]), ["t"], "target", "n")
    assert result["top_share"][0] == pytest.approx(0.9)
    assert result["top"][0] == 9


def test_top_share_with_fewer_than_three_targets_is_one():
    assert top_share(frame(["a", "b"], [2, 1]), ["t"], "target", "n")["top_share"][0] == 1.0


def test_origin_hhi_median_by_hand():
    rows = pl.DataFrame({
        "t": ["x"] * 5,
        "o": ["a", "b", "b", "c", "d"],
        "d": ["p", "p", "q", "p", "p"],
        "n": [10, 5, 5, 3, 12],
    })
    # a: 10 → HHI 1; b: 5/5 → 0.5; c: 3 < 10 ignored; d: 12 → 1. Median of {1, 0.5, 1} = 1.
    result = origin_hhi_median(rows, ["t"], "o", "d", "n")
    assert result["origin_hhi_median"][0] == 1.0
    assert result["origins"][0] == 3


def test_origin_hhi_median_is_null_without_qualifying_origin():
    rows = pl.DataFrame({"t": ["x"], "o": ["a"], "d": ["p"], "n": [9]})
    result = origin_hhi_median(rows, ["t"], "o", "d", "n")
    assert result["origin_hhi_median"][0] is None
    assert result["origins"][0] == 0


counts_strategy = st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=30)


@given(counts_strategy)
def test_hhi_lies_between_one_over_n_and_one(counts):
    targets = [f"s{i}" for i in range(len(counts))]
    value = hhi(frame(targets, counts), ["t"], "target", "n")["hhi"][0]
    assert 1 / len(counts) - 1e-12 <= value <= 1 + 1e-12


@given(counts_strategy, st.randoms())
def test_relabelling_services_changes_nothing(counts, rng):
    targets = [f"s{i}" for i in range(len(counts))]
    relabelled = targets[:]
    rng.shuffle(relabelled)
    original = hhi(frame(targets, counts), ["t"], "target", "n")["hhi"][0]
    renamed = hhi(frame([f"x-{t}" for t in relabelled], counts), ["t"], "target", "n")["hhi"][0]
    assert math.isclose(original, renamed)
    share = top_share(frame(targets, counts), ["t"], "target", "n")["top_share"][0]
    assert 0 < share <= 1
