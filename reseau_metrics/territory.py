"""All territory indicators of one computation, in the long format of
``marts.territory_indicators``: this is the entry point the pipeline calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from reseau_metrics.concentration import hhi, origin_hhi_median, top_share
from reseau_metrics.cooperation import dormant_conventions, link_stability, ratio, reciprocity
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
from reseau_metrics.supports import support_shares
from reseau_metrics.volume import distinct_count, volume
from reseau_metrics.windows import add_months, per_window

__all__ = [
    "COUNT_INDICATORS", "INDICATOR_CODES", "TerritoryInputs", "TerritoryResults",
    "territory_indicators",
]

#: Codes of the territory indicators, in catalogue order (indicators.md).
INDICATOR_CODES = (
    "referrals", "persons", "hhi_targets", "effective_targets", "top3_target_share",
    "origin_hhi_median", "out_of_mission_rate", "neglected_share", "neglected_services",
    "reciprocity", "acceptance_rate", "cross_sector_share", "convention_coverage",
    "dormant_conventions", "link_stability",
    "supports", "family_support_share", "supporter_top_decile_share", "single_supporter_share",
)
#: Indicators that are counts: 0, not null, where nothing happened.
COUNT_INDICATORS = ("referrals", "persons", "neglected_services", "dormant_conventions",
                    "supports")
_LEVEL_COLUMNS = list(LEVELS.values())


@dataclass(frozen=True)
class TerritoryInputs:
    """Frames the territory indicators are computed from (see :func:`territory_indicators`).

    ``referrals``: one row per valid referral with ``month``, ``territory_departement``,
    ``territory_region``, ``origin_service_id``, ``target_service_id``, ``person_key``,
    ``status``, ``has_convention`` and ``out_of_mission``. ``services``: ``service_id``,
    ``sector``, ``departement``, ``region``. ``conventions``: ``convention_id, service_a,
    service_b, start_date, end_date``. ``supports``: one row per support with ``month``,
    the two level columns, ``person_key``, ``supporter_kind``, ``supporter_key``.
    ``need_groups``, ``observations``, ``competent``: see
    :mod:`reseau_metrics.neglect`. ``territories``: ``territory_level, territory_code`` of
    every territory to report. ``first_month``: the first month with data anywhere (a
    stability window cannot compare with months before it).
    """

    referrals: pl.DataFrame
    services: pl.DataFrame
    conventions: pl.DataFrame
    supports: pl.DataFrame
    need_groups: pl.DataFrame
    observations: pl.DataFrame
    competent: pl.DataFrame
    territories: pl.DataFrame
    first_month: date


@dataclass(frozen=True)
class TerritoryResults:
    indicators: pl.DataFrame  #: long: INDICATOR_COLUMNS
    pairs: pl.DataFrame  #: every (territory, window, service, need) pair expected, classified


_PAIR_COUNTS = ["referrals", "out_of_mission", "accepted", "refused", "cross_sector",
                "with_convention"]


def _pair_counts(referrals: pl.DataFrame, services: pl.DataFrame) -> pl.DataFrame:
    """Referrals per month, territory and directed pair, with the counts ratios need."""
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
            (pl.col("status") == "accepted").sum().alias("accepted"),
            (pl.col("status") == "refused").sum().alias("refused"),
            (pl.col("_from") != pl.col("_to")).sum().alias("cross_sector"),
            pl.col("has_convention").sum().alias("with_convention"),
        )
    )


def _windowed_pairs(pair_counts: pl.DataFrame, ends, windows) -> pl.DataFrame:
    keys = ["territory_level", "territory_code", "origin_service_id", "target_service_id"]
    return per_window(pair_counts, ends, windows, lambda rows, *_: (
        stack_levels(rows).group_by(keys).agg(pl.col(_PAIR_COUNTS).sum())
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


def _dormant(pair_counts: pl.DataFrame, inputs: TerritoryInputs, ends, windows):
    linked = pair_counts.select("month", "origin_service_id", "target_service_id").unique()
    sited = stack_levels(inputs.services.select(
        "service_id",
        pl.col("departement").alias("territory_departement"),
        pl.col("region").alias("territory_region"),
    ))
    return per_window(linked, ends, windows, lambda rows, first_day, last_day: (
        dormant_conventions(inputs.conventions, rows, sited, first_day, last_day)
    ))


def _stability(pairs: pl.DataFrame, pair_counts: pl.DataFrame, first_month: date,
               ends, windows) -> pl.DataFrame:
    pieces = []
    for k in windows:
        # The window of the same length just before, keyed by the current window's end.
        previous = _windowed_pairs(pair_counts, [add_months(end, -k) for end in ends], (k,))
        previous = previous.with_columns(pl.col("month").dt.offset_by(f"{k}mo"))
        comparable = [end for end in ends if add_months(end, -(2 * k - 1)) >= first_month]
        pieces.append(
            link_stability(pairs.filter(pl.col("window_months") == k), previous, TERRITORY_KEYS)
            .with_columns(pl.when(pl.col("month").is_in(comparable))
                          .then(pl.col("stability")).alias("stability"))
        )
    return pl.concat(pieces, how="vertical_relaxed")


def _cooperation(pairs, pair_counts, inputs: TerritoryInputs, ends, windows):
    """Form 2 ratios of working in network, in the long format."""
    by = TERRITORY_KEYS
    value, numerator, denominator = pl.col("value"), pl.col("numerator"), pl.col("denominator")
    acceptance = ratio(pairs, by, "accepted", ["accepted", "refused"])
    crossing = ratio(pairs, by, "cross_sector", "referrals")
    coverage = ratio(pairs, by, "with_convention", "referrals")
    reciprocal = reciprocity(pairs, by)
    dormant = _dormant(pair_counts, inputs, ends, windows)
    stability = _stability(pairs, pair_counts, inputs.first_month, ends, windows)
    return [
        as_indicator(reciprocal, by, "reciprocity", pl.col("reciprocity"),
                     pl.col("reciprocal"), pl.col("linked")),
        as_indicator(acceptance, by, "acceptance_rate", value, numerator, denominator),
        as_indicator(crossing, by, "cross_sector_share", value, numerator, denominator),
        as_indicator(coverage, by, "convention_coverage", value, numerator, denominator),
        as_indicator(dormant, by, "dormant_conventions", pl.col("dormant"), pl.col("dormant"),
                     pl.col("active")),
        as_indicator(stability, by, "link_stability", pl.col("stability"), pl.col("kept"),
                     pl.col("union")),
    ]


def _solidarity(supports: pl.DataFrame, ends, windows):
    """Form 1 shares of informal support, in the long format."""
    by = TERRITORY_KEYS
    shares = per_window(supports, ends, windows, lambda rows, *_: support_shares(
        stack_levels(rows), ["territory_level", "territory_code"]))
    total = pl.col("supports")
    return [
        as_indicator(shares, by, "supports", total, total),
        as_indicator(shares, by, "family_support_share", pl.col("family_support_share"),
                     pl.col("family"), total),
        as_indicator(shares, by, "supporter_top_decile_share",
                     pl.col("supporter_top_decile_share"), pl.col("top_decile"), total),
        as_indicator(shares, by, "single_supporter_share", pl.col("single_supporter_share"),
                     pl.col("single"), pl.col("persons")),
    ]


def territory_indicators(
    inputs: TerritoryInputs,
    ends: Iterable[date],
    windows: Sequence[int] = (1, 12),
) -> TerritoryResults:
    """Compute every territory indicator for the windows ending in ``ends``.

    Every territory of ``inputs.territories`` gets every indicator of ``INDICATOR_CODES``
    for every window: counts are 0 where nothing happened, ratios null where their
    denominator is empty.

    Returns
    -------
    TerritoryResults
        ``indicators`` in the long format, ``pairs`` with every classified pair.
    """
    ends = sorted(set(ends))
    by = TERRITORY_KEYS
    pair_counts = _pair_counts(inputs.referrals, inputs.services)
    pairs = _windowed_pairs(pair_counts, ends, windows)
    per_target = pairs.group_by(*by, "target_service_id").agg(pl.col("referrals").sum())
    concentration = hhi(per_target, by, "target_service_id")
    top3 = top_share(per_target, by, "target_service_id", k=3)
    origins = origin_hhi_median(pairs, by, "origin_service_id", "target_service_id")
    oom = out_of_mission_rate(pairs, by)
    totals = volume(pairs, by)
    persons = _persons(inputs.referrals, ends, windows)

    expected = expected_solicitations(inputs.need_groups, inputs.competent, ends, windows)
    observed = observed_solicitations(inputs.observations, ends, windows)
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
            *_cooperation(pairs, pair_counts, inputs, ends, windows),
            *_solidarity(inputs.supports, ends, windows),
        ],
        how="vertical",
    )
    indicators = _complete(long, inputs.territories, ends, windows, INDICATOR_CODES)
    return TerritoryResults(indicators=indicators, pairs=classified.select(
        *PAIR_KEYS, "expected", "observed", "p_value", "status"))
