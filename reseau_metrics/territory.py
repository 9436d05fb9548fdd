"""All territory indicators of one computation, in the long format of
``marts.territory_indicators``: this is the entry point the pipeline calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from reseau.indicators import CODES, COUNTS, WILSON
from reseau_metrics import forms
from reseau_metrics.concentration import hhi, origin_hhi_median, top_share
from reseau_metrics.frames import (
    INDICATOR_COLUMNS,
    TERRITORY_KEYS,
    as_indicator,
)
from reseau_metrics.intervals import hhi_interval, wilson
from reseau_metrics.mission import out_of_mission_rate
from reseau_metrics.neglect import (
    PAIR_KEYS,
    classify_pairs,
    expected_solicitations,
    neglect_indicators,
    observed_solicitations,
    unjudged_services,
)
from reseau_metrics.pairs import pair_counts, windowed_pairs
from reseau_metrics.volume import volume

__all__ = ["TerritoryInputs", "TerritoryResults", "territory_indicators"]

#: The referrals' pseudonym columns.
PSEUDONYMS = ("person_key", "professional_key")


@dataclass(frozen=True)
class TerritoryInputs:
    """Frames the territory indicators are computed from (see :func:`territory_indicators`).

    - ``referrals``: one row per valid referral: ``month``, ``territory_departement``,
      ``territory_region``, ``origin_service_id``, ``target_service_id``, ``person_key``,
      ``professional_key`` (pseudonyms, or integer codes of them: one code per pseudonym,
      null where it is null), ``status``, ``has_convention``, ``out_of_mission`` (null without
      a declared need), ``needs_covered`` (see :func:`reseau_metrics.pairs.pair_counts`) and
      ``needs_known`` (see :func:`reseau_metrics.neglect.unjudged_services`).
    - ``services``: ``service_id``, ``sector``, ``departement``, ``region``.
    - ``conventions``: ``convention_id``, ``service_a``, ``service_b``, ``start_date``,
      ``end_date``.
    - ``supports``: one row per support: ``month``, the two level columns, ``person_key``,
      ``supporter_kind``, ``supporter_key``.
    - ``need_groups``, ``observations``, ``competent``: see :mod:`reseau_metrics.neglect`.
    - ``territories``: ``territory_level``, ``territory_code`` of every territory reported.
    - ``first_month``: the first month with data anywhere (a stability window cannot be
      compared with months before it).
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


def _complete(values: pl.DataFrame, territories: pl.DataFrame, ends, windows, codes):
    grid = (
        territories.select("territory_level", "territory_code")
        .join(pl.DataFrame({"month": sorted(set(ends))}, schema={"month": pl.Date}), how="cross")
        .join(pl.DataFrame({"window_months": list(windows)}, schema={"window_months": pl.Int32}),
              how="cross")
        .join(pl.DataFrame({"indicator": list(codes)}), how="cross")
    )
    if unknown := sorted(set(values["indicator"].unique()) - set(codes)):
        raise ValueError(f"indicators computed but not in the registry: {unknown}")
    keys = [*TERRITORY_KEYS, "indicator"]
    completed = grid.join(values, on=keys, how="left")
    is_count = pl.col("indicator").is_in(COUNTS)
    shares = pl.col("indicator").is_in(WILSON) & pl.col("value").is_not_null()
    low, high = wilson(pl.col("numerator"), pl.col("denominator"))
    return completed.with_columns(
        pl.when(is_count).then(pl.col("value").fill_null(0.0)).otherwise(pl.col("value")),
        pl.when(shares).then(low).otherwise(pl.col("ci_low")).alias("ci_low"),
        pl.when(shares).then(high).otherwise(pl.col("ci_high")).alias("ci_high"),
    ).select(INDICATOR_COLUMNS)


def territory_indicators(
    inputs: TerritoryInputs,
    ends: Iterable[date],
    windows: Sequence[int] = (1, 12),
) -> TerritoryResults:
    """Compute every territory indicator for the windows ending in ``ends``.

    Every territory of ``inputs.territories`` gets every indicator of the registry
    (``reseau.indicators.CODES``) for every window: counts are 0 where nothing happened,
    ratios null where their denominator is empty. Every ratio with a value has its 95%
    interval (``ci_low``, ``ci_high``; the registry's ``interval`` says which, and
    :mod:`reseau_metrics.intervals` why).

    Returns
    -------
    TerritoryResults
        ``indicators`` in the long format, ``pairs`` with every classified pair.
    """
    ends = sorted(set(ends))
    by = TERRITORY_KEYS
    # Pseudonyms are only compared, counted and grouped here: integer codes (one dictionary
    # for the frame) do the same in a fraction of the memory and time of 64 characters.
    referrals = inputs.referrals.with_columns(
        pl.col(key).cast(pl.Categorical).to_physical() for key in PSEUDONYMS
        if inputs.referrals.schema[key] == pl.String)
    counts = pair_counts(referrals, inputs.services)
    pairs = windowed_pairs(counts, ends, windows)
    per_target = pairs.group_by(*by, "target_service_id").agg(pl.col("referrals").sum())
    concentration = hhi(per_target, by, "target_service_id")
    hhi_band = hhi_interval(pl.col("hhi"), pl.col("cubes"), pl.col("total"))
    top3 = top_share(per_target, by, "target_service_id", k=3)
    origins = origin_hhi_median(pairs, by, "origin_service_id", "target_service_id")
    oom = out_of_mission_rate(pairs, by, count="mission_known")
    totals = volume(pairs, by)
    # The referrals the need-based indicators rest on (declared or inferred needs, and a
    # known commune): a territory row says how many.
    coverage = totals.join(volume(pairs, by, "needs_covered").rename({"total": "covered"}),
                           on=by)
    persons = forms.persons(referrals, ends, windows)

    expected = expected_solicitations(inputs.need_groups, inputs.competent, ends, windows)
    observed = observed_solicitations(inputs.observations, ends, windows)
    unjudged = unjudged_services(referrals, ends, windows)
    classified = classify_pairs(expected, observed, unjudged=unjudged)
    neglect = neglect_indicators(classified)

    long = pl.concat(
        [
            as_indicator(totals, by, "referrals", pl.col("total"), pl.col("total")),
            as_indicator(persons, by, "persons", pl.col("distinct"), pl.col("distinct")),
            as_indicator(concentration, by, "hhi_targets", pl.col("hhi"),
                         denominator=pl.col("total"), interval=hhi_band),
            as_indicator(concentration, by, "effective_targets", 1 / pl.col("hhi"),
                         denominator=pl.col("total"),
                         interval=(1 / hhi_band[1], 1 / hhi_band[0])),
            as_indicator(top3, by, "top3_target_share", pl.col("top_share"), pl.col("top"),
                         pl.col("total")),
            as_indicator(origins, by, "origin_hhi_median", pl.col("origin_hhi_median"),
                         denominator=pl.col("origins"),
                         interval=(pl.col("ci_low"), pl.col("ci_high"))),
            as_indicator(oom, by, "out_of_mission_rate", pl.col("rate"),
                         pl.col("out_of_mission"), pl.col("total")),
            as_indicator(neglect, by, "neglected_share", pl.col("neglected_share"),
                         pl.col("neglected_pairs"), pl.col("eligible_pairs")),
            as_indicator(neglect, by, "neglected_services", pl.col("neglected_services"),
                         pl.col("neglected_services")),
            as_indicator(coverage, by, "needs_coverage", pl.col("covered") / pl.col("total"),
                         pl.col("covered"), pl.col("total")),
            *forms.cooperation(pairs, counts, inputs.services, inputs.conventions,
                               inputs.first_month, ends, windows),
            *forms.solidarity(inputs.supports, ends, windows),
            *forms.personal_network(referrals, ends, windows),
        ],
        how="vertical",
    )
    indicators = _complete(long, inputs.territories, ends, windows, CODES)
    return TerritoryResults(indicators=indicators, pairs=classified.select(
        *PAIR_KEYS, "expected", "observed", "p_value", "status"))
