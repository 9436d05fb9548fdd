"""The 95% intervals and the funnel plot's limits, against hand computations."""

import math

import polars as pl
import pytest

from reseau_metrics.concentration import hhi, origin_hhi_median
from reseau_metrics.intervals import Z95, Z998, funnel_limits, hhi_interval, median_ranks, wilson


def _wilson(x, n):
    frame = pl.DataFrame({"x": [x], "n": [n]}, schema={"x": pl.Float64, "n": pl.Float64})
    return frame.select(*wilson(pl.col("x"), pl.col("n"))).row(0)


def test_wilson_by_hand():
    # 8 of 10: centre (0.8 + 1.96²/20) / (1 + 1.96²/10), half-width as in the formula.
    z2 = Z95**2
    centre = (0.8 + z2 / 20) / (1 + z2 / 10)
    half = Z95 / (1 + z2 / 10) * math.sqrt(0.8 * 0.2 / 10 + z2 / 400)
    assert _wilson(8, 10) == pytest.approx((centre - half, centre + half))
    assert _wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)


def test_wilson_at_zero_and_one_is_not_degenerate():
    # 0 of 10: [0, z²/(n + z²)]; 10 of 10: its mirror.
    low, high = _wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(Z95**2 / (10 + Z95**2))
    low, high = _wilson(10, 10)
    assert high == pytest.approx(1.0) and low == pytest.approx(10 / (10 + Z95**2))


def test_wilson_narrows_as_the_base_grows_and_is_null_without_a_base():
    low_40, high_40 = _wilson(10, 40)
    low_4000, high_4000 = _wilson(1000, 4000)
    assert high_4000 - low_4000 < (high_40 - low_40) / 5
    assert _wilson(0, 0) == (None, None)


def test_the_hhi_interval_by_hand():
    # Targets 6, 3, 1: HHI 0.46, Σp³ 0.244, Var = 4/10 · (0.244 − 0.46²) = 0.01296.
    rows = pl.DataFrame({"t": ["x"] * 3, "target": ["a", "b", "c"], "n": [6, 3, 1]})
    out = hhi(rows, ["t"], "target", "n")
    assert out["cubes"][0] == pytest.approx(0.244)
    low, high = out.select(*hhi_interval(pl.col("hhi"), pl.col("cubes"), pl.col("total"))).row(0)
    spread = Z95 * math.sqrt(0.01296)
    assert (low, high) == pytest.approx((0.46 - spread, 0.46 + spread))


def test_one_target_or_equal_targets_have_no_sampling_spread():
    for counts in ([7], [5, 5, 5, 5]):
        rows = pl.DataFrame({"t": "x", "target": [str(i) for i in range(len(counts))],
                             "n": counts})
        out = hhi(rows, ["t"], "target", "n")
        low, high = out.select(*hhi_interval(pl.col("hhi"), pl.col("cubes"),
                                             pl.col("total"))).row(0)
        assert low == pytest.approx(out["hhi"][0]) and high == pytest.approx(out["hhi"][0])


def test_median_ranks_follow_the_binomial():
    # m = 10: P(B ≤ 1) = 11/1024 ≤ 2.5% < P(B ≤ 2) = 56/1024: the 2nd and 9th values.
    # m = 20: P(B ≤ 5) = 0.0207 ≤ 2.5% < P(B ≤ 6) = 0.0577: the 6th and 15th.
    frame = pl.DataFrame({"m": [10, 20, 5]})
    assert frame.select(*median_ranks(pl.col("m"))).rows() == [(1, 8), (5, 14), (0, 4)]


def test_the_median_of_origins_gets_its_order_statistics():
    # Ten origins of 10 referrals each, with HHIs 0.1, 0.2, ..., 1.0 (one target, or spread):
    # the interval runs from the 2nd smallest HHI to the 9th.
    rows = []
    for origin, targets in enumerate(range(10, 0, -1)):
        # 10 referrals over `targets` targets as evenly as possible.
        counts = [10 // targets + (1 if i < 10 % targets else 0) for i in range(targets)]
        rows += [("x", f"o{origin}", f"t{i}", n) for i, n in enumerate(counts)]
    frame = pl.DataFrame(rows, schema=["t", "o", "d", "n"], orient="row")
    per_origin = sorted(hhi(frame, ["t", "o"], "d", "n")["hhi"].to_list())
    out = origin_hhi_median(frame, ["t"], "o", "d", "n").row(0, named=True)
    assert (out["ci_low"], out["ci_high"]) == (per_origin[1], per_origin[8])
    assert out["ci_low"] <= out["origin_hhi_median"] <= out["ci_high"]


def test_funnel_limits_by_hand():
    # Around 20%: on 100 cases ± 1.96 · 0.04, on 400 ± 3.09 · 0.02; never outside [0, 1].
    assert funnel_limits(0.2, [100]) == [pytest.approx((0.2 - Z95 * 0.04, 0.2 + Z95 * 0.04))]
    assert funnel_limits(0.2, [400], Z998) == [
        pytest.approx((0.2 - Z998 * 0.02, 0.2 + Z998 * 0.02))]
    assert funnel_limits(0.05, [4])[0][0] == 0.0
