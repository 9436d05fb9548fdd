import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reseau_metrics.mission import out_of_mission_rate
from reseau_metrics.volume import distinct_count, volume


def test_volume_sums_counts_per_group():
    rows = pl.DataFrame({"t": ["a", "a", "b"], "referrals": [2, 3, 1]})
    assert dict(volume(rows, ["t"]).iter_rows()) == {"a": 5, "b": 1}


def test_distinct_count_ignores_repeats_and_nulls():
    rows = pl.DataFrame({"t": ["a"] * 4, "person": ["p1", "p2", "p1", None]})
    assert distinct_count(rows, ["t"], "person")["distinct"][0] == 2


def test_out_of_mission_rate_by_hand():
    # 8 + 2 referrals, 1 + 1 out of mission: 2 / 10.
    rows = pl.DataFrame({"t": ["x", "x"], "referrals": [8, 2], "oom": [1, 1]})
    result = out_of_mission_rate(rows, ["t"], "oom")
    assert result["rate"][0] == pytest.approx(0.2)
    assert (result["out_of_mission"][0], result["total"][0]) == (2, 10)


def test_out_of_mission_rate_accepts_boolean_flags():
    rows = pl.DataFrame({"t": ["x"] * 4, "referrals": [1] * 4, "oom": [True, False, False, False]})
    assert out_of_mission_rate(rows, ["t"], "oom")["rate"][0] == pytest.approx(0.25)


def test_out_of_mission_rate_is_null_on_empty_denominator():
    rows = pl.DataFrame({"t": ["x"], "referrals": [0], "oom": [0]})
    assert out_of_mission_rate(rows, ["t"], "oom")["rate"][0] is None


@given(st.lists(st.tuples(st.integers(1, 50), st.integers(0, 50)), min_size=1, max_size=20))
def test_out_of_mission_rate_is_a_share(pairs):
    rows = pl.DataFrame({"t": ["x"] * len(pairs), "referrals": [n for n, _ in pairs],
                         "oom": [min(n, k) for n, k in pairs]})
    assert 0.0 <= out_of_mission_rate(rows, ["t"], "oom")["rate"][0] <= 1.0
