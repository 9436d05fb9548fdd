"""The indicators of each form of network, window by window, in the long format.

Helpers of :func:`reseau_metrics.territory.territory_indicators`: each takes polars frames,
runs the formulas of its module over every window and returns rows of
``marts.territory_indicators`` (see :func:`reseau_metrics.frames.as_indicator`).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from reseau_metrics.cooperation import dormant_conventions, link_stability, ratio, reciprocity
from reseau_metrics.frames import (
    LEVELS,
    TERRITORY_KEYS,
    as_indicator,
    collect_exact,
    stack_levels,
)
from reseau_metrics.pairs import LINK_KEYS
from reseau_metrics.personal_network import fragile_links, ruptured_links
from reseau_metrics.supports import support_shares
from reseau_metrics.volume import distinct_count
from reseau_metrics.windows import add_months, held, per_window

__all__ = ["persons", "cooperation", "solidarity", "personal_network"]

_LEVEL_COLUMNS = list(LEVELS.values())
_WHERE = ["territory_level", "territory_code"]


def persons(referrals: pl.DataFrame, ends, windows) -> pl.DataFrame:
    """Distinct people referred, per territory and window.

    Parameters
    ----------
    referrals
        ``month``, the level columns and ``person_key``.
    ends, windows
        End months and window lengths.

    Returns
    -------
    polars.DataFrame
        ``territory_level, territory_code, distinct, month, window_months``.

    Notes
    -----
    Distinct people cannot be summed across months: they are counted window by window, on
    64-bit hashes of their keys (see :func:`reseau_metrics.volume.distinct_count`).

    Examples
    --------
    The same person referred in January and February is one person over both months.

    >>> from datetime import date
    >>> rows = pl.DataFrame({"month": [date(2025, 1, 1), date(2025, 2, 1)],
    ...     "territory_departement": ["35", "35"], "territory_region": ["53", "53"],
    ...     "person_key": ["p", "p"]})
    >>> out = persons(rows, [date(2025, 2, 1)], (1, 12))
    >>> out.filter(pl.col("territory_level") == "departement").sort("window_months")[
    ...     "distinct"].to_list()
    [1, 1]
    """
    ends = sorted(set(ends))
    people = collect_exact(referrals.lazy().filter(held(ends, windows)).select(
        "month", *_LEVEL_COLUMNS, pl.col("person_key").hash(seed=0)
    ).unique())
    return per_window(people, ends, windows, lambda rows, *_: distinct_count(
        stack_levels(rows), _WHERE, "person_key"))


def _dormant(counts: pl.DataFrame, services: pl.DataFrame, conventions: pl.DataFrame, ends,
             windows):
    """:func:`dormant_conventions` for every window; a convention sits where its services
    do (their ``departement`` and ``region``)."""
    linked = collect_exact(
        counts.lazy().select("month", "origin_service_id", "target_service_id").unique())
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
    """:func:`link_stability` of each window against the window of the same length just
    before it; null until both windows lie after ``first_month`` (no data before it)."""
    pieces = []
    for k in windows:
        # The pairs of the window of the same length just before, keyed by the current
        # window's end.
        previous = per_window(counts, [add_months(end, -k) for end in ends], (k,),
                              lambda rows, *_: collect_exact(
                                  stack_levels(rows).lazy().select(LINK_KEYS).unique()))
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
    """Form 2 indicators of working in network, in the long format.

    Parameters
    ----------
    pairs
        :func:`windowed_pairs` of ``counts``.
    counts
        :func:`pair_counts` of every month available (stability needs the window before).
    services
        ``service_id``, ``sector``, ``departement`` and ``region``.
    conventions
        ``convention_id, service_a, service_b, start_date, end_date``.
    first_month
        The first month with data: a stability reaching before it is null.
    ends, windows
        End months and window lengths.

    Returns
    -------
    list of polars.DataFrame
        One long frame (:func:`reseau_metrics.frames.as_indicator`) per indicator:
        ``reciprocity``, ``acceptance_rate``, ``cross_sector_share``,
        ``convention_coverage``, ``dormant_conventions`` and ``link_stability``.

    Notes
    -----
    Seed passage (Form 2): the network is meant to be « des relations horizontales,
    informelles et peu instituées », yet « les rapports de force et les rapports de pouvoir
    sont extrêmement présents ». These ratios show whether links go both ways, are accepted,
    cross sectors, are covered by a convention and last.

    Examples
    --------
    a→b (accepted) and b→a (refused) in January: half of the decided referrals accepted.

    >>> from datetime import date
    >>> referrals = pl.DataFrame({"month": [date(2025, 1, 1)] * 2,
    ...     "territory_departement": ["35"] * 2, "territory_region": ["53"] * 2,
    ...     "origin_service_id": ["a", "b"], "target_service_id": ["b", "a"],
    ...     "status": ["accepted", "refused"], "out_of_mission": [False] * 2,
    ...     "has_convention": [False] * 2})
    >>> services = pl.DataFrame({"service_id": ["a", "b"], "sector": ["logement"] * 2,
    ...     "departement": ["35"] * 2, "region": ["53"] * 2})
    >>> conventions = pl.DataFrame(schema={"convention_id": pl.String,
    ...     "service_a": pl.String, "service_b": pl.String, "start_date": pl.Date,
    ...     "end_date": pl.Date})
    >>> from reseau_metrics.pairs import pair_counts, windowed_pairs
    >>> counts = pair_counts(referrals, services)
    >>> ends = [date(2025, 1, 1)]
    >>> frames = cooperation(windowed_pairs(counts, ends, (1,)), counts, services,
    ...                      conventions, date(2025, 1, 1), ends, (1,))
    >>> long = pl.concat(frames).filter(pl.col("territory_level") == "departement")
    >>> dict(long.select("indicator", "value").rows())["acceptance_rate"]
    0.5
    """
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
    """Form 1 indicators of informal support, in the long format.

    Parameters
    ----------
    supports
        One row per support (``marts.fct_supports``): ``month``, the level columns,
        ``person_key``, ``supporter_kind`` and ``supporter_key``.
    ends, windows
        End months and window lengths.

    Returns
    -------
    list of polars.DataFrame
        ``supports``, ``family_support_share``, ``supporter_top_decile_share`` and
        ``single_supporter_share`` (see :func:`reseau_metrics.supports.support_shares`).

    Notes
    -----
    Seed passage (Form 1, re-weaving ties): « ce travail de réseau fait (parfois et non
    systématiquement) porter l'effort de solidarité collective sur un petit nombre de
    personnes ».

    Examples
    --------
    >>> from datetime import date
    >>> supports = pl.DataFrame({"month": [date(2025, 1, 1)] * 2,
    ...     "territory_departement": ["35"] * 2, "territory_region": ["53"] * 2,
    ...     "person_key": ["p", "p"], "supporter_kind": ["famille", "voisinage"],
    ...     "supporter_key": ["f", "v"]})
    >>> long = pl.concat(solidarity(supports, [date(2025, 1, 1)], (1,)))
    >>> for row in long.filter(pl.col("territory_level") == "region").select(
    ...         "indicator", "value").rows():
    ...     print(row)
    ('supports', 2.0)
    ('family_support_share', 0.5)
    ('supporter_top_decile_share', 0.5)
    ('single_supporter_share', 0.0)
    """
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
    """Form 3 indicators: links carried by one professional, and links that broke.

    Parameters
    ----------
    referrals
        ``month``, the level columns, ``origin_service_id``, ``target_service_id`` and
        ``professional_key``, for the windows and the 12 months before the earliest one.
    ends, windows
        End months and window lengths.

    Returns
    -------
    list of polars.DataFrame
        ``fragile_link_share`` (:func:`reseau_metrics.personal_network.fragile_links`) and
        ``ruptured_links`` (:func:`reseau_metrics.personal_network.ruptured_links`, with
        the 12 months before each window as "before").

    Notes
    -----
    Seed passage (Form 3): when links rest on one worker's address book, « en cas de départ
    ou d'absence de la personne, on constate alors la rupture des liens ». A professional
    is "gone" when they made no referral at all in the window, in any territory.

    Examples
    --------
    p made the 3 referrals a→b of 2024 and nothing in January 2025: the link broke.

    >>> from datetime import date
    >>> rows = pl.DataFrame({"month": [date(2024, 3, 1), date(2024, 6, 1),
    ...     date(2024, 9, 1), date(2025, 1, 1)], "territory_departement": ["35"] * 4,
    ...     "territory_region": ["53"] * 4, "origin_service_id": ["a", "a", "a", "c"],
    ...     "target_service_id": ["b", "b", "b", "d"],
    ...     "professional_key": ["p", "p", "p", "q"]})
    >>> fragile, ruptured = personal_network(rows, [date(2025, 1, 1)], (1,))
    >>> ruptured.filter(pl.col("territory_level") == "departement")["value"].to_list()
    [1.0]
    """
    # The services as integer codes (one dictionary for the whole frame): only territories
    # come out, and grouping on integers is several times faster than on text.
    frame = referrals.select("month", *_LEVEL_COLUMNS, *(
        pl.col(key).cast(pl.Categorical).to_physical()
        for key in ("origin_service_id", "target_service_id")), "professional_key")

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
