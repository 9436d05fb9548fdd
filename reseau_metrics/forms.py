"""The indicators of each form of network, window by window, in the long format.

Helpers of :func:`reseau_metrics.territory.territory_indicators`: each takes polars frames,
runs the formulas of its module over every window and returns rows of
``marts.territory_indicators`` (see :func:`reseau_metrics.frames.as_indicator`).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from reseau_metrics.cooperation import dormant_conventions, link_stability, ratio, reciprocity
from reseau_metrics.frames import LEVELS, TERRITORY_KEYS, as_indicator, stack_levels
from reseau_metrics.personal_network import fragile_links, ruptured_links
from reseau_metrics.supports import support_shares
from reseau_metrics.volume import distinct_count
from reseau_metrics.windows import add_months, per_window

__all__ = ["pair_counts", "windowed_pairs", "persons", "cooperation", "solidarity",
           "personal_network"]

_LEVEL_COLUMNS = list(LEVELS.values())
_WHERE = ["territory_level", "territory_code"]


_PAIR_COUNTS = ["referrals", "out_of_mission", "accepted", "refused", "cross_sector",
                "with_convention"]


def pair_counts(referrals: pl.DataFrame, services: pl.DataFrame) -> pl.DataFrame:
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


def windowed_pairs(pair_counts: pl.DataFrame, ends, windows) -> pl.DataFrame:
    keys = ["territory_level", "territory_code", "origin_service_id", "target_service_id"]
    return per_window(pair_counts, ends, windows, lambda rows, *_: (
        stack_levels(rows).group_by(keys).agg(pl.col(_PAIR_COUNTS).sum())
    ))


def persons(referrals: pl.DataFrame, ends, windows) -> pl.DataFrame:
    # Distinct people cannot be summed across months: they are counted window by window,
    # on 64-bit hashes of their keys (see distinct_count).
    people = referrals.select(
        "month", *_LEVEL_COLUMNS, pl.col("person_key").hash(seed=0)
    ).unique()
    return per_window(people, ends, windows, lambda rows, *_: distinct_count(
        stack_levels(rows), _WHERE, "person_key"))


def _dormant(counts: pl.DataFrame, services: pl.DataFrame, conventions: pl.DataFrame, ends,
             windows):
    linked = counts.select("month", "origin_service_id", "target_service_id").unique()
    sited = stack_levels(services.select(
        "service_id",
        pl.col("departement").alias("territory_departement"),
        pl.col("region").alias("territory_region"),
    ))
    return per_window(linked, ends, windows, lambda rows, first_day, last_day: (
        dormant_conventions(conventions, rows, sited, first_day, last_day)
    ))


def _stability(pairs: pl.DataFrame, counts: pl.DataFrame, first_month: date,
               ends, windows) -> pl.DataFrame:
    pieces = []
    for k in windows:
        # The window of the same length just before, keyed by the current window's end.
        previous = windowed_pairs(counts, [add_months(end, -k) for end in ends], (k,))
        previous = previous.with_columns(pl.col("month").dt.offset_by(f"{k}mo"))
        comparable = [end for end in ends if add_months(end, -(2 * k - 1)) >= first_month]
        pieces.append(
            link_stability(pairs.filter(pl.col("window_months") == k), previous, TERRITORY_KEYS)
            .with_columns(pl.when(pl.col("month").is_in(comparable))
                          .then(pl.col("stability")).alias("stability"))
        )
    return pl.concat(pieces, how="vertical_relaxed")


def cooperation(pairs: pl.DataFrame, counts: pl.DataFrame, services: pl.DataFrame,
                conventions: pl.DataFrame, first_month: date, ends, windows) -> list:
    """Form 2 ratios of working in network. ``pairs`` are :func:`windowed_pairs` of
    ``counts`` (:func:`pair_counts`); ``first_month`` is the first month with data."""
    by = TERRITORY_KEYS
    value, numerator, denominator = pl.col("value"), pl.col("numerator"), pl.col("denominator")
    acceptance = ratio(pairs, by, "accepted", ["accepted", "refused"])
    crossing = ratio(pairs, by, "cross_sector", "referrals")
    coverage = ratio(pairs, by, "with_convention", "referrals")
    reciprocal = reciprocity(pairs, by)
    dormant = _dormant(counts, services, conventions, ends, windows)
    stability = _stability(pairs, counts, first_month, ends, windows)
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


def solidarity(supports: pl.DataFrame, ends, windows) -> list:
    """Form 1 shares of informal support, in the long format."""
    by = TERRITORY_KEYS
    shares = per_window(supports, ends, windows, lambda rows, *_: support_shares(
        stack_levels(rows), _WHERE))
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


def personal_network(referrals: pl.DataFrame, ends, windows) -> list:
    """Form 3 links carried by one professional."""
    frame = referrals.select("month", *_LEVEL_COLUMNS, "origin_service_id",
                             "target_service_id", "professional_key")

    def rupture(rows: pl.DataFrame, first_day: date, _last_day: date) -> pl.DataFrame:
        before = frame.filter(pl.col("month").is_between(add_months(first_day, -12),
                                                         add_months(first_day, -1)))
        active = rows["professional_key"].drop_nulls().unique()
        return ruptured_links(stack_levels(before), stack_levels(rows), active, _WHERE)

    fragile = per_window(frame, ends, windows,
                         lambda rows, *_: fragile_links(stack_levels(rows), _WHERE))
    ruptured = per_window(frame, ends, windows, rupture)
    return [
        as_indicator(fragile, TERRITORY_KEYS, "fragile_link_share",
                     pl.col("fragile_link_share"), pl.col("fragile"), pl.col("pairs")),
        as_indicator(ruptured, TERRITORY_KEYS, "ruptured_links", pl.col("ruptured"),
                     pl.col("ruptured"), pl.col("carried")),
    ]
