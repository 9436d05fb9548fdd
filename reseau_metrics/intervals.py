"""95% intervals of the indicators: how much of a value is noise (issue 13, indicators.md
"Publication to funders").

A share computed on 40 referrals and one on 4,000 do not say the same thing; each ratio is
published with an interval, each count without one (a count of what happened is not an
estimate). The interval of each indicator, and why:

- **Shares** (``numerator / denominator``, the registry's ``part`` units, and
  ``link_stability``, the share of the union of pairs that persist): the **Wilson score
  interval** of ``numerator`` successes in ``denominator`` trials. It stays inside [0, 1],
  is not degenerate at 0 or 1 (unlike the normal interval), and covers close to 95% even on
  small bases. Two shares choose their numerator from the data (the top three targets, the
  busiest tenth of supporters); for them the interval reads the numerator as given and is
  somewhat too narrow.
- **HHI** (``hhi_targets``): the **delta-method** interval of the multinomial estimator,
  ``Var(HHI) ≈ 4/N · (Σ p_i³ − (Σ p_i²)²)``, ``HHI ± z·√Var``, clipped to [0, 1]. At
  ``HHI = 1`` (one target) or with all targets equal the variance is 0: the interval is the
  value, and says only that sampling in the same shares could not have given another one.
- ``effective_targets`` (``1 / HHI``): the HHI interval inverted, ``[1/high, 1/low]``.
- ``origin_hhi_median``: the **distribution-free interval of a median**, between two order
  statistics of the qualifying origins' HHIs chosen from the binomial distribution
  (:func:`median_ranks`): no assumption on how the origins' HHIs are spread.
- Counts: no interval (null).

``z`` is the 97.5th percentile of the normal distribution, for 95% (``Z95``). The same
quantiles give the funnel plots' control limits (:func:`funnel_limits`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl
from scipy.stats import binom

__all__ = ["Z95", "Z998", "funnel_limits", "hhi_interval", "median_ranks", "wilson"]

#: Two-sided 95% and 99.8% normal quantiles (control limits of a funnel plot).
Z95 = 1.959963984540054
Z998 = 3.090232306167813


def wilson(numerator: pl.Expr, denominator: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Low and high ends of the Wilson score interval of ``numerator / denominator``.

    ``(p + z²/2n ∓ z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = x/n``; null where the
    denominator is null or 0.

    Examples
    --------
    8 out of 10: p = 0.8, centre (0.8 + 0.1921) / 1.3841 = 0.7167, half-width
    1.4160 · √(0.016 + 0.0096) = 0.2266: [0.490, 0.943].

    >>> frame = pl.DataFrame({"x": [8.0], "n": [10.0]})
    >>> low, high = wilson(pl.col("x"), pl.col("n"))
    >>> [round(v, 3) for v in frame.select(low, high).row(0)]
    [0.49, 0.943]
    """
    n = pl.when(denominator > 0).then(denominator.cast(pl.Float64))
    p = numerator.cast(pl.Float64) / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * (p * (1 - p) / n + z**2 / (4 * n**2)).sqrt()
    # The clip only removes the last bits of rounding at p = 0 or 1.
    return ((centre - half).clip(0.0, 1.0).alias("ci_low"),
            (centre + half).clip(0.0, 1.0).alias("ci_high"))


def hhi_interval(hhi: pl.Expr, cubes: pl.Expr, total: pl.Expr,
                 z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """Delta-method interval of an HHI: ``hhi = Σ p_i²``, ``cubes = Σ p_i³``, ``total = N``.

    Examples
    --------
    Targets solicited 6, 3 and 1 times: HHI 0.46, Σ p³ = 0.244, Var = 4/10 · (0.244 −
    0.2116) = 0.01296, so 0.46 ± 1.96 · 0.1138 = [0.237, 0.683].

    >>> frame = pl.DataFrame({"h": [0.46], "c": [0.244], "n": [10]})
    >>> low, high = hhi_interval(pl.col("h"), pl.col("c"), pl.col("n"))
    >>> [round(v, 3) for v in frame.select(low, high).row(0)]
    [0.237, 0.683]
    """
    n = pl.when(total > 0).then(total.cast(pl.Float64))
    # Σ p³ ≥ (Σ p²)² always; rounding may make the difference a hair negative.
    spread = z * (4 / n * (cubes - hhi**2).clip(lower_bound=0.0)).sqrt()
    return ((hhi - spread).clip(0.0, 1.0).alias("ci_low"),
            (hhi + spread).clip(0.0, 1.0).alias("ci_high"))


def median_ranks(count: pl.Expr, level: float = 0.95) -> tuple[pl.Expr, pl.Expr]:
    """0-based ranks, among ``count`` sorted values, of the ends of the median's interval.

    The ``j``-th smallest value lies below the median unless at most ``j − 1`` values do, a
    Binomial(m, ½) event: ``j`` is the largest rank with ``P(B ≤ j − 1) ≤ (1 − level)/2``
    (``scipy.stats.binom.ppf``), and the interval runs from the ``j``-th smallest value to
    the ``j``-th largest. It covers the median with probability at least ``level``; below 6
    values no such ``j`` exists and the interval is the whole range (coverage 1 − 2^(1−m)).

    Examples
    --------
    Of 10 values, the 2nd and the 9th (ranks 1 and 8): P(2nd ≤ median ≤ 9th) = 0.979.

    >>> frame = pl.DataFrame({"m": [10, 3, 1, 0]})
    >>> frame.select(*median_ranks(pl.col("m"))).rows()
    [(1, 8), (0, 2), (0, 0), (0, -1)]
    """
    def lowest(counts: pl.Series) -> pl.Series:
        ranks = binom.ppf((1 - level) / 2, counts.fill_null(0).to_numpy(), 0.5)
        # No value at all (NaN): the rank is 0 and the caller's list is empty or null.
        return pl.Series(np.maximum(np.nan_to_num(ranks, nan=1.0), 1) - 1, dtype=pl.Int64)

    low = count.map_batches(lowest, return_dtype=pl.Int64)
    return low.alias("low_rank"), (count.cast(pl.Int64) - 1 - low).alias("high_rank")


def funnel_limits(centre: float, denominators: Sequence[float],
                  z: float = Z95) -> list[tuple[float, float]]:
    """Control limits of a funnel plot around the share ``centre``: for each denominator
    ``n``, ``centre ± z·√(centre(1 − centre)/n)`` clipped to [0, 1] (Spiegelhalter, 2005).

    A territory outside the 95% limits differs from ``centre`` more than chance would make
    one in twenty do; outside the 99.8% limits (``Z998``), one in five hundred.

    Examples
    --------
    Around 20%, on 100 cases: 0.2 ± 1.96 · 0.04 = [0.122, 0.278].

    >>> [tuple(round(v, 3) for v in limits) for limits in funnel_limits(0.2, [100])]
    [(0.122, 0.278)]
    """
    limits = []
    for n in denominators:
        spread = z * math.sqrt(centre * (1 - centre) / n)
        limits.append((max(centre - spread, 0.0), min(centre + spread, 1.0)))
    return limits
