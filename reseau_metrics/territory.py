"""All territory indicators of one computation, in the long format of
``marts.territory_indicators``: this is the entry point the pipeline calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from reseau_metrics.concentration import hhi, origin_hhi_median, top_share
from reseau_metrics.frames import (
    INDICATOR_COLUMNS,
    LEVELS,
    TERRITORY_KEYS,
    as_indicator,
    stack_levels,
)
from reseau_metrics.mission import out_of_mission_rate
from reseau_metrics.neglect import (
    PAIR_KEYS,
    classify_pairs,
    expected_solicitations,
    neglect_indicators,
    observed_solicitations,
)
from reseau_metrics.volume import distinct_count, volume
from reseau_metrics.windows import per_window

__all__ = ["TerritoryResults", "territory_indicators", "COUNT_INDICATORS", "INDICATOR_CODES"]

#: Codes of the territory indicators, in catalogue order (indicators.md).
INDICATOR_CODES = (
    "referrals", "persons", "hhi_targets", "effective_targets", "top3_target_share",
    "origin_hhi_median", "out_of_mission_rate", "neglected_share", "neglected_services",
)
#: Indicators that are counts: 0, not null, where nothing happened.
COUNT_INDICATORS = ("referrals", "persons", "neglected_services")
_LEVEL_COLUMNS = list(LEVELS.values())


@dataclass(frozen=True)
class TerritoryResults:
    indicators: pl.DataFrame  #: long: INDICATOR_COLUMNS
    pairs: pl.DataFrame  #: every (territory, window, service, need) pair expected, classified


def _windowed_pairs(referrals: pl.DataFrame, ends, windows) -> pl.DataFrame:
    pair_counts = referrals.group_by(
        "month", *_LEVEL_COLUMNS, "origin_service_id", "target_service_id"
    ).agg(pl.len().alias("referrals"), pl.col("out_of_mission").sum())
    keys = ["territory_level", "territory_code", "origin_service_id", "target_service_id"]
    return per_window(pair_counts, ends, windows, lambda rows, *_: (
        stack_levels(rows).group_by(keys)
        .agg(pl.col("referrals").sum(), pl.col("out_of_mission").sum())
    ))


def _persons(referrals: pl.DataFrame, ends, windows) -> pl.DataFrame:
    # Distinct people cannot be summed across months: they are counted window by window,
    # on 64-bit hashes of their keys (see distinct_count).
    people = referrals.select(
        "month", *_LEVEL_COLUMNS, pl.col("person_key").hash(seed=0)
    ).unique()
    return per_window(people, ends, windows, lambda rows, *_: distinct_count(
        stack_levels(rows), ["territory_level", "territory_code"], "person_key"))


def _complete(values: pl.DataFrame, territories: pl.DataFrame, ends, windows, codes):
    grid = (
        territories.select("territory_level", "territory_code")
        .join(pl.DataFrame({"month": sorted(set(ends))}, schema={"month": pl.Date}), how="cross")
        .join(pl.DataFrame({"window_months": list(windows)}, schema={"window_months": pl.Int32}),
              how="cross")
        .join(pl.DataFrame({"indicator": list(codes)}), how="cross")
    )
    keys = [*TERRITORY_KEYS, "indicator"]
    completed = grid.join(values, on=keys, how="left")
    is_count = pl.col("indicator").is_in(COUNT_INDICATORS)
    return completed.with_columns(
        pl.when(is_count).then(pl.col("value").fill_null(0.0)).otherwise(pl.col("value"))
    ).select(INDICATOR_COLUMNS)


def territory_indicators(
    referrals: pl.DataFrame,
    need_groups: pl.DataFrame,
    observations: pl.DataFrame,
    competent: pl.DataFrame,
    territories: pl.DataFrame,
    ends: Iterable[date],
    windows: Sequence[int] = (1, 12),
) -> TerritoryResults:
    """Compute every territory indicator for the windows ending in ``ends``.

    Parameters
    ----------
    referrals
        One row per valid referral: ``month``, ``territory_departement``,
        ``territory_region``, ``origin_service_id``, ``target_service_id``, ``person_key``,
        ``out_of_mission`` (bool). Only months that some window needs are read.
    need_groups, observations, competent
        Inputs of :mod:`reseau_metrics.neglect`.
    territories
        ``territory_level, territory_code``: every territory gets every indicator, null
        where the denominator is empty (0 for counts).

    Returns
    -------
    TerritoryResults
        ``indicators`` in the long format, ``pairs`` with every classified pair.
    """
    ends = sorted(set(ends))
    by = TERRITORY_KEYS
    pairs = _windowed_pairs(referrals, ends, windows)
    per_target = pairs.group_by(*by, "target_service_id").agg(pl.col("referrals").sum())
    concentration = hhi(per_target, by, "target_service_id")
    top3 = top_share(per_target, by, "target_service_id", k=3)
    origins = origin_hhi_median(pairs, by, "origin_service_id", "target_service_id")
    oom = out_of_mission_rate(pairs, by)
    totals = volume(pairs, by)
    persons = _persons(referrals, ends, windows)

    expected = expected_solicitations(need_groups, competent, ends, windows)
    observed = observed_solicitations(observations, ends, windows)
    classified = classify_pairs(expected, observed)
    neglect = neglect_indicators(classified)

    long = pl.concat(
        [
            as_indicator(totals, by, "referrals", pl.col("total"), pl.col("total")),
            as_indicator(persons, by, "persons", pl.col("distinct"), pl.col("distinct")),
            as_indicator(concentration, by, "hhi_targets", pl.col("hhi"),
                         denominator=pl.col("total")),
            as_indicator(concentration, by, "effective_targets", 1 / pl.col("hhi"),
                         denominator=pl.col("total")),
            as_indicator(top3, by, "top3_target_share", pl.col("top_share"), pl.col("top"),
                         pl.col("total")),
            as_indicator(origins, by, "origin_hhi_median", pl.col("origin_hhi_median"),
                         denominator=pl.col("origins")),
            as_indicator(oom, by, "out_of_mission_rate", pl.col("rate"),
                         pl.col("out_of_mission"), pl.col("total")),
            as_indicator(neglect, by, "neglected_share", pl.col("neglected_share"),
                         pl.col("neglected_pairs"), pl.col("eligible_pairs")),
            as_indicator(neglect, by, "neglected_services", pl.col("neglected_services"),
                         pl.col("neglected_services")),
        ],
        how="vertical",
    )
    indicators = _complete(long, territories, ends, windows, INDICATOR_CODES)
    return TerritoryResults(indicators=indicators, pairs=classified.select(
        *PAIR_KEYS, "expected", "observed", "p_value", "status"))
