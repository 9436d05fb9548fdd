"""Referral counts per directed pair of services: the base the working-in-network ratios
(out of mission, acceptance, cross-sector, conventions, reciprocity, stability) rest on,
per month, then per window and territory."""

from __future__ import annotations

import polars as pl

from reseau_metrics.frames import LEVELS, stack_levels
from reseau_metrics.windows import per_window

__all__ = ["LINK_KEYS", "pair_counts", "windowed_pairs"]

_LEVEL_COLUMNS = list(LEVELS.values())


#: A windowed pair's key: territory and directed pair of services.
LINK_KEYS = ["territory_level", "territory_code", "origin_service_id", "target_service_id"]

_PAIR_COUNTS = ["referrals", "out_of_mission", "mission_known", "needs_covered", "accepted",
                "refused", "cross_sector", "with_convention"]


def pair_counts(referrals: pl.DataFrame, services: pl.DataFrame) -> pl.DataFrame:
    """Referrals per month, territory and directed pair, with the counts ratios need.

    Parameters
    ----------
    referrals
        One row per valid referral (``marts.fct_referrals``): ``month``, the level columns,
        ``origin_service_id``, ``target_service_id``, ``status``, ``out_of_mission`` (null
        when the referral declares no need), ``has_convention`` and, optionally,
        ``needs_covered`` (its needs, declared or inferred, and its commune are known, so
        that it enters the neglected services; absent: every referral is covered).
    services
        ``service_id`` and ``sector`` of every service.

    Returns
    -------
    polars.DataFrame
        Per ``month``, level columns and pair: ``referrals``, ``out_of_mission``,
        ``mission_known`` (referrals whose ``out_of_mission`` is known), ``needs_covered``,
        ``accepted``, ``refused``, ``cross_sector`` (origin and target of different
        sectors) and ``with_convention``.

    Notes
    -----
    Every count of the Form 2 ratios is additive over months, so windows are sums of these
    monthly rows (:func:`windowed_pairs`) instead of passes over referrals.

    Examples
    --------
    >>> from datetime import date
    >>> referrals = pl.DataFrame({"month": [date(2025, 1, 1)] * 2,
    ...     "territory_departement": ["35"] * 2, "territory_region": ["53"] * 2,
    ...     "origin_service_id": ["a", "a"], "target_service_id": ["b", "b"],
    ...     "status": ["accepted", "refused"], "out_of_mission": [False, True],
    ...     "has_convention": [True, True]})
    >>> services = pl.DataFrame({"service_id": ["a", "b"], "sector": ["logement", "sante"]})
    >>> pair_counts(referrals, services).select(_PAIR_COUNTS).row(0)
    (2, 1, 2, 2, 1, 1, 2, 2)
    """
    sectors = services.select("service_id", "sector")
    return (
        referrals
        .join(sectors.rename({"service_id": "origin_service_id", "sector": "_from"}),
              on="origin_service_id", how="left")
        .join(sectors.rename({"service_id": "target_service_id", "sector": "_to"}),
              on="target_service_id", how="left")
        .group_by("month", *_LEVEL_COLUMNS, "origin_service_id", "target_service_id")
        .agg(
            pl.len().alias("referrals"),
            pl.col("out_of_mission").sum(),
            pl.col("out_of_mission").is_not_null().sum().alias("mission_known"),
            (pl.col("needs_covered").sum() if "needs_covered" in referrals.columns
             else pl.len()).alias("needs_covered"),
            (pl.col("status") == "accepted").sum().alias("accepted"),
            (pl.col("status") == "refused").sum().alias("refused"),
            (pl.col("_from") != pl.col("_to")).sum().alias("cross_sector"),
            pl.col("has_convention").sum().alias("with_convention"),
        )
    )


def windowed_pairs(pair_counts: pl.DataFrame, ends, windows) -> pl.DataFrame:
    """The monthly pair counts summed over each window, for every territory level.

    Parameters
    ----------
    pair_counts
        The frame of :func:`pair_counts`.
    ends, windows
        End months and window lengths (see :func:`reseau_metrics.windows.per_window`).

    Returns
    -------
    polars.DataFrame
        ``territory_level, territory_code, origin_service_id, target_service_id``, the
        summed counts, ``month`` (the window's end) and ``window_months``.

    Notes
    -----
    The pairs ``P(T, W)`` of indicators.md: the directed pairs with a referral in the
    territory and window. A pair seen in two départements of a région is one pair of the
    région.

    Examples
    --------
    >>> from datetime import date
    >>> counts = pl.DataFrame({"month": [date(2025, 1, 1), date(2025, 2, 1)],
    ...     "territory_departement": ["35", "29"], "territory_region": ["53", "53"],
    ...     "origin_service_id": ["a", "a"], "target_service_id": ["b", "b"],
    ...     **{column: [1, 1] for column in _PAIR_COUNTS}})
    >>> out = windowed_pairs(counts, [date(2025, 2, 1)], (12,))
    >>> out.sort("territory_code").select("territory_code", "referrals").rows()
    [('29', 1), ('35', 1), ('53', 2)]
    """
    return per_window(pair_counts, ends, windows, lambda rows, *_: (
        stack_levels(rows).group_by(LINK_KEYS).agg(pl.col(_PAIR_COUNTS).sum())
    ))
