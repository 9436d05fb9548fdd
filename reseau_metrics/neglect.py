"""Competent services that are bypassed or forgotten: expected against observed.

Seed passage (Form 2): « certaines structures apparaissent contournées ou tout simplement
oubliées [...] des services qui, de par leurs missions et leurs compétences, sont concernés
par la situation envisagée et ne sont jamais sollicités parce que ne faisant pas partie du
réseau ».

The null model (indicators.md, "Neglected services"): for each referral ``r`` and need ``n``,
the competent set ``C(r, n)`` is the services active in the window, other than the origin,
whose competences match ``n`` and which serve the referral's territory commune; each
``s ∈ C(r, n)`` is *expected* ``cap_s / Σ cap`` of that referral.

Eligibility (``expected ≥ 3``) is decided in exact arithmetic. The sums are computed in floats,
vectorised, and shares adding up to exactly 3 can come out just below it (seventeen communes
where a service has capacity 3 of 17 give 2.9999999999999996). A pair whose float sum lies
within a bound of the float error of the threshold is therefore summed again with
:class:`fractions.Fraction`, and the ``expected`` published for it is the exact sum rounded to
the nearest float, or down to the float just below the threshold where the exact sum is below
it, so that ``expected >= min_expected`` in floats is the exact comparison. Capacities are
positive decimal numbers (data contract, "The directory of services") that the warehouse holds
as doubles; each is read back as the shortest decimal that round-trips (``repr``), which is
the number as written for up to 15 significant digits (``0.3`` is 3/10, not the double nearest
to it). Every other pair keeps its float sum unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from fractions import Fraction

import polars as pl
from scipy.stats import poisson

from reseau_metrics.frames import LEVELS, TERRITORY_KEYS, collect_exact, stack_levels
from reseau_metrics.windows import held, per_window

__all__ = ["expected_solicitations", "observed_solicitations", "unjudged_services",
           "classify_pairs", "neglect_indicators", "PAIR_KEYS", "MIN_EXPECTED"]

PAIR_KEYS = [*TERRITORY_KEYS, "service_id", "need"]
_GROUP = ["territory_commune", "origin_service_id", "need"]
_NOTHING = 1e-9  # below this, an expectation is rounding error of the subtraction above
#: A pair is eligible when it expects at least this many referrals (indicators.md).
MIN_EXPECTED = 3.0
# A float sum nearer the threshold than this times its magnitude is summed again exactly: the
# float error is a few ulps (2.2e-16) of the magnitude per term summed, so this covers sums of
# billions of terms.
_NEAR = 1e-6
_PAIR = ["territory_level", "territory_code", "service_id", "need"]


def expected_solicitations(
    need_groups: pl.DataFrame,
    competent: pl.DataFrame,
    ends: Iterable[date],
    windows: Sequence[int] = (1, 12),
    levels: Mapping[str, str] = LEVELS,
    min_expected: float = MIN_EXPECTED,
) -> pl.DataFrame:
    """``expected(s, n)`` per territory and window, spreading referrals by capacity.

    Parameters
    ----------
    need_groups
        Referrals aggregated first by ``month, territory_commune, origin_service_id, need``
        (with the level columns of ``levels``) and a ``referrals`` count.
    competent
        ``commune, need, service_id, capacity, opened_on, closed_on``: who is competent for
        a need in a commune (matching competences, serving the commune).
    ends, windows
        The windows to compute (end months and lengths).
    min_expected
        The eligibility threshold :func:`classify_pairs` will apply: pairs near it are
        summed exactly, so that the float comparison with it is exact.

    Returns
    -------
    polars.DataFrame
        ``territory_level, territory_code, month, window_months, service_id, need,
        expected``.

    Notes
    -----
    Grouping before expanding keeps the join small: one row per (commune, origin, need) and
    window, not per referral. A referral whose competent set is empty expects nothing.

    Each group's weight ``N/D`` is off by a few ulps of ``N·total/D²`` (``D`` is a
    difference), so ``cap_s`` times the sum of those over the cell, summed over the cells of
    a pair, is the magnitude its float error is a few ulps of per term. A pair whose float
    sum is within ``_NEAR`` times that magnitude of ``min_expected`` is summed again exactly
    (module docstring).

    Examples
    --------
    Two referrals from ``o`` for need ``h`` in commune ``c``; competent services ``a``
    (capacity 3) and ``b`` (capacity 1): ``a`` expects 2·3/4 = 1.5, ``b`` expects 0.5.

    >>> groups = pl.DataFrame({"month": [date(2025, 1, 1)], "territory_commune": ["c"],
    ...     "territory_departement": ["d"], "territory_region": ["r"],
    ...     "origin_service_id": ["o"], "need": ["h"], "referrals": [2]})
    >>> competent = pl.DataFrame({"commune": ["c", "c"], "need": ["h", "h"],
    ...     "service_id": ["a", "b"], "capacity": [3.0, 1.0],
    ...     "opened_on": [None, None], "closed_on": [None, None]},
    ...     schema_overrides={"opened_on": pl.Date, "closed_on": pl.Date})
    >>> out = expected_solicitations(groups, competent, [date(2025, 1, 1)], (1,))
    >>> out.filter(pl.col("territory_level") == "departement").sort("service_id")[
    ...     "expected"].to_list()
    [1.5, 0.5]
    """
    level_columns = list(levels.values())
    cell = ["territory_commune", "need"]
    ends = sorted(set(ends))
    need_groups = need_groups.filter(held(ends, windows))
    # Only the cells some referral is in expect anything.
    competent = competent.join(need_groups.select(cell).unique(), how="semi",
                               left_on=["commune", "need"], right_on=cell)
    dated = competent.filter(pl.col("opened_on").is_not_null() | pl.col("closed_on").is_not_null())
    actives: dict[bytes, pl.DataFrame] = {}  # most windows have the same services open

    def active_in(first_day: date, last_day: date) -> pl.DataFrame:
        open_now = ((pl.col("opened_on").is_null() | (pl.col("opened_on") <= last_day))
                    & (pl.col("closed_on").is_null() | (pl.col("closed_on") >= first_day)))
        key = dated.select(open_now.alias("open"))["open"].to_numpy().tobytes()
        if key not in actives:
            actives[key] = competent.filter(open_now).select(
                "commune", "need", "service_id", "capacity")
        return actives[key]

    def spread(rows: pl.DataFrame, first_day: date, last_day: date) -> pl.DataFrame:
        active = active_in(first_day, last_day)
        # Each group (commune, origin, need) of N referrals gives every competent service s
        # other than the origin N·cap_s/D, with D the competent capacity less the origin's.
        # So s expects cap_s × (Σ N/D over the cell's groups − Σ N/D over its own groups).
        # On polars' streaming engine, a third faster than eager frames at 1e7 referrals:
        # its float sums are in no fixed order, as eager ones' already were (the sums near
        # the threshold are made exact below).
        weighted = (
            rows.lazy().group_by([*_GROUP, *level_columns]).agg(pl.col("referrals").sum())
            .join(active.lazy().group_by("commune", "need").agg(
                pl.col("capacity").sum().alias("total")),
                  left_on=cell, right_on=["commune", "need"])
            .join(active.lazy().rename({"capacity": "origin_capacity"}), how="left",
                  left_on=[*cell, "origin_service_id"], right_on=["commune", "need", "service_id"])
            .with_columns(
                (pl.col("total") - pl.col("origin_capacity").fill_null(0.0)).alias("denominator"))
            .filter(pl.col("denominator") > 0)
            .with_columns((pl.col("referrals") / pl.col("denominator")).alias("weight"))
            .with_columns((pl.col("weight") * pl.col("total") / pl.col("denominator"))
                          .alias("magnitude"))
        ).collect(engine="streaming")
        per_cell = weighted.lazy().group_by(*cell, *level_columns).agg(
            pl.col("weight").sum(), pl.col("magnitude").sum())
        own = weighted.lazy().group_by(*cell, "origin_service_id").agg(
            pl.col("weight").sum().alias("own"))
        shares = (
            per_cell.join(active.lazy(), left_on=cell, right_on=["commune", "need"])
            .join(own, how="left", left_on=[*cell, "service_id"],
                  right_on=[*cell, "origin_service_id"])
            .with_columns((pl.col("capacity") * (pl.col("weight") - pl.col("own").fill_null(0.0)))
                          .alias("expected"),
                          (pl.col("capacity") * pl.col("magnitude")).alias("magnitude"))
            .filter(pl.col("expected") > _NOTHING)
        )
        sums = (
            stack_levels(shares.select(*level_columns, "service_id", "need", "expected",
                                       "magnitude"), levels)
            .group_by(_PAIR).agg(pl.col("expected").sum(), pl.col("magnitude").sum())
        ).collect(engine="streaming")
        near = sums.filter((pl.col("expected") - min_expected).abs()
                           <= _NEAR * pl.col("magnitude"))
        if near.is_empty():
            return sums.drop("magnitude")
        # The groups behind the pairs near the threshold, one row per service they expect:
        # only the near pairs' services are joined to the groups (every competent service
        # of every group would be tens of rows per group, most of them dropped).
        near_services = active.join(near.select("service_id", "need").unique(),
                                    on=["service_id", "need"], how="semi")
        terms = stack_levels(
            weighted.select(*level_columns, *cell, "origin_service_id", "referrals")
            .join(near_services.select("commune", "need", "service_id"), left_on=cell,
                  right_on=["commune", "need"])
            .filter(pl.col("service_id") != pl.col("origin_service_id")), levels,
        ).join(near, on=_PAIR, how="semi")
        cells = active.join(terms, left_on=["commune", "need"], right_on=cell, how="semi")
        exact = _exact_sums(terms, cells, min_expected)
        return sums.join(exact, on=_PAIR, how="left").select(
            *_PAIR, pl.coalesce("exact", "expected").alias("expected"))

    return per_window(need_groups, ends, windows, spread).select(*PAIR_KEYS, "expected")


def _exact_sums(terms: pl.DataFrame, cells: pl.DataFrame, min_expected: float) -> pl.DataFrame:
    """``expected`` of a few pairs summed with fractions, as the float that compares with
    ``min_expected`` as the exact sum does.

    Parameters
    ----------
    terms
        One row per group and competent service of it other than its origin: ``_PAIR``,
        ``territory_commune``, ``origin_service_id`` and ``referrals``.
    cells
        ``commune, need, service_id, capacity``: the active competent services of the cells
        of ``terms``, from which each group's denominator is summed.

    Returns
    -------
    polars.DataFrame
        ``_PAIR`` and ``exact``: the exact sum rounded to the nearest float, or to the float
        just below ``min_expected`` where it is below ``min_expected`` but rounds to it.

    Examples
    --------
    Seventeen communes, one referral each, where ``a`` has capacity 3 of 17: exactly 3,
    where the float sum gives 2.9999999999999996.

    >>> terms = pl.DataFrame({"territory_level": "departement", "territory_code": "d",
    ...     "service_id": "a", "need": "h", "territory_commune": [str(i) for i in range(17)],
    ...     "origin_service_id": "o", "referrals": 1})
    >>> cells = pl.DataFrame({"commune": [str(i) for i in range(17)] * 2, "need": "h",
    ...     "service_id": ["a"] * 17 + ["b"] * 17, "capacity": [3.0] * 17 + [14.0] * 17})
    >>> _exact_sums(terms, cells, 3.0)["exact"].to_list()
    [3.0]
    """
    capacities: dict[tuple[str, str], dict[str, Fraction]] = {}
    for commune, need, service, capacity in cells.select(
            "commune", "need", "service_id", "capacity").iter_rows():
        # repr is the shortest decimal that round-trips: the capacity as written.
        capacities.setdefault((commune, need), {})[service] = Fraction(repr(capacity))
    totals = {cell: sum(services.values(), Fraction(0)) for cell, services in capacities.items()}
    sums: dict[tuple[str, str, str, str], Fraction] = {}
    for level, code, service, need, commune, origin, referrals in terms.select(
            *_PAIR, "territory_commune", "origin_service_id", "referrals").iter_rows():
        cell = capacities[(commune, need)]
        share = referrals * cell[service] / (totals[(commune, need)] - cell.get(origin, 0))
        pair = (level, code, service, need)
        sums[pair] = sums.get(pair, Fraction(0)) + share
    threshold = Fraction(min_expected)
    below = math.nextafter(min_expected, -math.inf)
    rows = [(*pair, below if value < threshold and float(value) >= min_expected
             else float(value)) for pair, value in sums.items()]
    return pl.DataFrame(rows, schema={**terms.select(_PAIR).schema, "exact": pl.Float64},
                        orient="row")


def observed_solicitations(
    observations: pl.DataFrame,
    ends: Iterable[date],
    windows: Sequence[int] = (1, 12),
    levels: Mapping[str, str] = LEVELS,
) -> pl.DataFrame:
    """``observed(s, n)`` per territory and window.

    ``observations`` holds, per ``month``, level columns, ``target_service_id`` and ``need``,
    the ``referrals`` to that target with a need matching ``need`` (each referral counted
    once per matching need code). Months are additive, so windows are sums of months.
    """
    level_columns = list(levels.values())
    # Commune does not matter here: aggregate it away before the windows.
    ends = sorted(set(ends))
    monthly = collect_exact(observations.lazy().filter(held(ends, windows)).group_by(
        "month", *level_columns, "target_service_id", "need").agg(pl.col("referrals").sum()))
    return per_window(monthly, ends, windows, lambda rows, *_: collect_exact(
        stack_levels(rows, levels).lazy()
        .group_by("territory_level", "territory_code", "target_service_id", "need")
        .agg(pl.col("referrals").sum().alias("observed"))
    )).rename({"target_service_id": "service_id"}).select(*PAIR_KEYS, "observed")


def unjudged_services(
    referrals: pl.DataFrame,
    ends: Iterable[date],
    windows: Sequence[int] = (1, 12),
    levels: Mapping[str, str] = LEVELS,
) -> pl.DataFrame:
    """Services that cannot be judged bypassed: in a territory and window, they received a
    referral whose needs are unknown.

    Parameters
    ----------
    referrals
        One row per valid referral: ``month``, the level columns, ``target_service_id`` and
        ``needs_known`` (its needs are declared or inferred). Without ``needs_known``, every
        need is known and no service is unjudged.

    Returns
    -------
    polars.DataFrame
        ``territory_level, territory_code, month, window_months, service_id``.

    Notes
    -----
    Real software exports no need (real-exports.md). A referral whose need is unknown may be
    a solicitation of its target for any of its competences, so that target's observed
    counts are unknown: calling it neglected would blame a service for its partners'
    software. Such a service is neither neglected nor under-solicited, and none of its pairs
    is eligible, in that territory and window (docs/decisions.md).

    Examples
    --------
    >>> rows = pl.DataFrame({"month": [date(2025, 1, 1)] * 2,
    ...     "territory_departement": ["05"] * 2, "territory_region": ["93"] * 2,
    ...     "target_service_id": ["a", "b"], "needs_known": [True, False]})
    >>> unjudged_services(rows, [date(2025, 1, 1)], (1,))["service_id"].unique().to_list()
    ['b']
    """
    keys = ["territory_level", "territory_code", "month", "window_months", "service_id"]
    if "needs_known" not in referrals.columns:
        return pl.DataFrame(schema={"territory_level": pl.String, "territory_code": pl.String,
                                    "month": pl.Date, "window_months": pl.Int32,
                                    "service_id": pl.String})
    level_columns = list(levels.values())
    ends = sorted(set(ends))
    unknown = collect_exact(
        referrals.lazy().filter(~pl.col("needs_known") & held(ends, windows))
        .select("month", *level_columns, pl.col("target_service_id").alias("service_id"))
        .unique())
    return per_window(unknown, ends, windows, lambda rows, *_: collect_exact(
        stack_levels(rows.drop("month"), levels).lazy().unique()
    )).select(keys)


def classify_pairs(
    expected: pl.DataFrame,
    observed: pl.DataFrame,
    min_expected: float = MIN_EXPECTED,
    alpha: float = 0.01,
    unjudged: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Status of every (territory, window, service, need) pair with an expectation.

    A pair is *eligible* when ``expected >= min_expected``; *neglected* when eligible and
    ``observed = 0`` (under the null model the chance of no referral is ``e^-3 < 5%``);
    *under_solicited* when ``observed > 0`` and the Poisson lower tail
    ``P(X <= observed | expected) < alpha``. The pairs of a service of ``unjudged``
    (:func:`unjudged_services`) in that territory and window are neither eligible nor
    classified. The comparison with ``min_expected`` is exact for an ``expected`` from
    :func:`expected_solicitations` given the same threshold (see there).

    Returns
    -------
    polars.DataFrame
        ``PAIR_KEYS``, ``expected``, ``observed``, ``p_value`` (the Poisson lower tail),
        ``eligible`` and ``status`` (``neglected``, ``under_solicited`` or null).

    Examples
    --------
    Expected 4, observed 0: neglected, p = e^-4 ≈ 0.018.

    >>> keys = {k: ["x"] for k in PAIR_KEYS}
    >>> e = pl.DataFrame({**keys, "expected": [4.0]})
    >>> o = pl.DataFrame({**keys, "observed": [0]})
    >>> classify_pairs(e, o)["status"].to_list()
    ['neglected']
    """
    pairs = expected.join(observed, on=PAIR_KEYS, how="left").with_columns(
        pl.col("observed").fill_null(0).cast(pl.Int64)
    )
    p_values = poisson.cdf(pairs["observed"].to_numpy(), pairs["expected"].to_numpy())
    pairs = pairs.with_columns(pl.Series("p_value", p_values, dtype=pl.Float64))
    judged = pl.lit(True)
    if unjudged is not None and not unjudged.is_empty():
        keys = [*TERRITORY_KEYS, "service_id"]
        pairs = pairs.join(unjudged.select(keys).with_columns(pl.lit(False).alias("_judged")),
                           on=keys, how="left")
        judged = pl.col("_judged").is_null()
    eligible = (pl.col("expected") >= min_expected) & judged
    return pairs.with_columns(
        eligible.alias("eligible"),
        pl.when(eligible & (pl.col("observed") == 0)).then(pl.lit("neglected"))
        .when(judged & (pl.col("observed") > 0) & (pl.col("p_value") < alpha))
        .then(pl.lit("under_solicited"))
        .alias("status"),
    ).drop("_judged", strict=False)


def neglect_indicators(classified: pl.DataFrame) -> pl.DataFrame:
    """``neglected_share`` and ``neglected_services`` per territory and window.

    ``neglected_share`` = neglected pairs / eligible pairs (null when none is eligible);
    ``neglected_services`` = distinct services in neglected pairs.
    """
    neglected = pl.col("status") == "neglected"
    return classified.group_by(TERRITORY_KEYS).agg(
        neglected.sum().alias("neglected_pairs"),
        pl.col("eligible").sum().alias("eligible_pairs"),
        pl.col("service_id").filter(neglected).n_unique().alias("neglected_services"),
    ).with_columns(
        pl.when(pl.col("eligible_pairs") > 0)
        .then(pl.col("neglected_pairs") / pl.col("eligible_pairs"))
        .alias("neglected_share")
    )
