"""Statistical disclosure control of the funder-facing files.

Rule (indicators.md, "Publication to funders: statistical disclosure control", revised):
funder-facing files never show a count of people below ``min_cell`` (default 11); such a
count is suppressed, and so is a ratio whose denominator (a count of people) is below it.
Where a suppressed cell could be recomputed from a published total (départements of a
région), the next smallest cell of that group is suppressed too. Suppressed cells are empty
with a flag, never 0. Counts of organisations (services, conventions, links between
services) and ratios over organisations are published as they are: they describe public and
associative bodies, and making the bypassed services visible is what réseau is for. The
analysts' warehouse (``marts.territory_indicators``) keeps exact values: only the
publication goes through :func:`suppress`.

How the rule is read, decision by decision:

0. **People or organisations**: the registry's ``base`` (``reseau.indicators.ORGANISATIONAL``)
   says which indicators rest on organisations: ``neglected_services``,
   ``dormant_conventions``, ``ruptured_links`` and the ratios over services, pairs of
   services or service-need pairs (``neglected_share``, ``reciprocity``, ``link_stability``,
   ``fragile_link_share``, ``origin_hhi_median``). They are never suppressed, zero
   included: 0 neglected services is a finding, and no person can be recognised in it. The
   rules below apply to the other indicators, which rest on people.
1. **Counts** are the indicators of kind ``count`` in the registry (``reseau.indicators.COUNTS``),
   the indicators whose catalogue unit is a number of things (orientations, personnes,
   mobilisations). ``effective_targets`` has the unit "services" but is ``1 / hhi_targets``,
   a real number, not a count of anything: it is a ratio whose denominator is the referrals
   it rests on. A count is judged on its value alone.
2. **Zero counts are suppressed.** The spec says never to show a count below ``min_cell``,
   and 0 is below it. Publishing zeros would also make "suppressed" mean "between 1 and
   ``min_cell - 1``", which is itself a disclosure. Every count of the library is 0, not
   null, where nothing happened, so the zero rows are real and are flagged like the others.
3. **Ratios** are every other code (shares, indices, medians, ``effective_targets``): each
   is judged on its ``denominator`` column, whatever its value. Every ratio of the registry
   that rests on people carries one (referrals for the concentration and referral shares,
   decided referrals for ``acceptance_rate``, supports or persons for the Form 1 shares).
   A ratio with a **null denominator** is
   suppressed: an empty base (a territory with no referral at all) is a base of 0, and a
   figure whose base is unknown cannot be shown to rest on ``min_cell`` cases. An indicator
   with no denominator concept that is not declared a count is therefore never published:
   declare it in ``counts`` (judged on its value) or give it a denominator. Numerators are
   not tested: the spec speaks of denominators only.
4. **A null value that no rule catches stays null and unflagged** (e.g. ``link_stability``
   when the previous window reaches before the data): nothing is shown, so nothing is
   hidden.
5. **Secondary suppression** applies to the additive counts (``additive`` in the registry):
   ``referrals`` and ``supports``. Each referral and each support sits in at most one
   département (none when its postcode's communes lie in two départements: it then counts
   for the région only), so a région's value is at least the sum of its départements' values
   and a single hidden département is at most the région minus the published ones. The
   other count of people, ``persons``, is not additive (a person referred in two
   départements is one person of the région) and is left to the primary rule. Ratios are
   not sums of their parts.
6. A **group** is (région, month, window, indicator), its départements read from
   ``territories`` (``parent_code``, as in ``marts.dim_territories``). A group is looked at
   only when its région total is published (present, not null, not suppressed). When
   exactly one of its départements is suppressed, the published (not null, not suppressed)
   département with the smallest value is suppressed too, ties broken by the smallest
   ``territory_code``. A département with no row, or a null value, is neither counted as
   suppressed nor chosen. With 0 or at least 2 suppressed départements nothing is added:
   the région minus the published départements is then a sum of two hidden cells or more.
7. When a group has one suppressed département and **no other published département**, the
   région total itself is the next cell of the group and is suppressed. This is the case
   of a **région with a single département** (the five overseas régions) whose value
   differs from its département's; with consistent data it does not arise, since the
   département's count equals the région's and both fall under the primary rule together.
   It is also the case of a région whose other départements have no row or a null value.
8. Only départements inside régions form groups: other levels (communes...) get the
   primary rule only. One pass suffices: groups are disjoint, each secondary cell brings
   its group to two hidden départements (or removes its total), and suppressing a région
   total removes a constraint rather than adding one.
9. A suppressed row has ``value``, ``numerator``, ``denominator`` and its interval
   (``ci_low``, ``ci_high``, when the frame has them) set to null (the numerator of a count
   is the count; an interval brackets the value). Published rows keep their parts for the
   analysts: the funder files publish ``value``, its interval and ``suppressed`` only
   (interfaces.md, "Funders"), never the parts.
10. Rows already flagged by an earlier pass (columns ``suppressed`` and ``suppression`` in
    the input) stay suppressed with their reason, so that :func:`suppress` is idempotent.

11. **Sums over months.** A window's ``referrals`` (or ``supports``) is the sum of its
    months' counts, and every month's file publishes its windows: a hidden 1-month count
    would be the 12-month count minus the eleven other months, or the difference of two
    consecutive 12-month counts plus the month a year before. So the additive counts are
    published for windows of ``SUM_WINDOW`` (12) months only, and only once the window lies
    wholly in the data (its first month on or after ``first_months[indicator]``): a
    12-month window that starts before the data is the sum of its few months, and the next
    one minus it is a single month. Other windows of these counts are withheld, reason
    ``"window"``. Two consecutive 12-month counts then give only the difference of two
    months a year apart, never one month's count. Ratios and the other counts are not sums
    over months and keep both windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import polars as pl

from reseau.indicators import ADDITIVE, COUNTS, ORGANISATIONAL

__all__ = ["MIN_CELL", "SUM_WINDOW", "SUPPRESSION_REASONS", "suppress"]

#: Default threshold: the rule used for French health and social microdata (indicators.md).
MIN_CELL = 11

#: The only window, in months, in which additive counts are published (decision 11 above).
SUM_WINDOW = 12

#: Values of the ``suppression`` column (null on published rows).
SUPPRESSION_REASONS = ("primary", "secondary", "window")

_GROUP = ["_region", "month", "window_months", "indicator"]
#: What a suppressed row loses: its value and everything it could be recomputed from.
_HIDDEN = ("value", "numerator", "denominator", "ci_low", "ci_high")


def _prior(indicators: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """Flag and reason of an earlier pass, if the frame went through :func:`suppress`."""
    flag = (pl.col("suppressed").fill_null(False) if "suppressed" in indicators.columns
            else pl.lit(False))
    reason = (pl.col("suppression").cast(pl.String) if "suppression" in indicators.columns
              else pl.lit(None, dtype=pl.String))
    return flag, reason


def _secondary(
    frame: pl.DataFrame, territories: pl.DataFrame, additive: Iterable[str]
) -> pl.Series:
    """Row numbers (``_row``) of the cells to suppress by the secondary rule."""
    additive = list(additive)
    parents = territories.filter(pl.col("territory_level") == "departement").select(
        "territory_code", pl.col("parent_code").cast(pl.String).alias("_region")
    ).unique()
    of_additive = pl.col("indicator").is_in(additive)
    published = ~pl.col("_flag") & pl.col("value").is_not_null()
    totals = frame.filter((pl.col("territory_level") == "region") & of_additive & published)
    totals = totals.select(
        pl.col("territory_code").alias("_region"), "month", "window_months", "indicator",
        pl.col("_row").alias("_total_row"),
    )
    cells = (
        frame.filter((pl.col("territory_level") == "departement") & of_additive)
        .join(parents, on="territory_code", how="inner")
        .join(totals, on=_GROUP, how="inner")
    )
    exposed = cells.group_by(_GROUP).agg(
        pl.col("_total_row").first(), pl.col("_flag").sum().alias("_hidden")
    ).filter(pl.col("_hidden") == 1)
    smallest = (
        cells.filter(published)
        .sort("value", "territory_code")
        .group_by(_GROUP, maintain_order=True)
        .agg(pl.col("_row").first())
    )
    chosen = exposed.join(smallest, on=_GROUP, how="left")
    # No published département left to hide behind: the région total is the next cell.
    return chosen.select(pl.coalesce("_row", "_total_row"))["_row"]


def suppress(
    indicators: pl.DataFrame,
    territories: pl.DataFrame,
    min_cell: int = MIN_CELL,
    counts: Iterable[str] = COUNTS,
    additive: Iterable[str] = ADDITIVE,
    organisational: Iterable[str] = ORGANISATIONAL,
    first_months: Mapping[str, date] | None = None,
) -> pl.DataFrame:
    """Apply primary and secondary suppression to the long territory indicators.

    Parameters
    ----------
    indicators
        Rows of ``marts.territory_indicators``: ``territory_level, territory_code, month,
        window_months, indicator, value, numerator, denominator`` (other columns, such as
        ``territory_name``, are kept). One row per key. May be the output of an earlier
        call (its ``suppressed`` and ``suppression`` columns are then kept).
    territories
        ``territory_level``, ``territory_code`` and ``parent_code`` (as in
        ``marts.dim_territories``): the région of each département. Other levels are
        ignored.
    min_cell
        Smallest count, and smallest denominator of a ratio, that may be shown (``>= 1``).
    counts
        Codes judged on their value; every other code is a ratio judged on its
        ``denominator``.
    additive
        Counts whose région value is the sum of its départements' values, protected by
        secondary suppression, and published for ``SUM_WINDOW`` months only. Must be a
        subset of ``counts``.
    organisational
        Codes that count organisations, or whose denominator does: published as they are.
        None of them may be ``additive``.
    first_months
        First month with data of each additive count (e.g. the first month of
        ``fct_referrals`` for ``referrals``): a window starting before it is withheld. None
        when no window reaches before the data.

    Returns
    -------
    polars.DataFrame
        The rows of ``indicators`` in their order, with ``value``, ``numerator`` and
        ``denominator`` null where suppressed, ``suppressed`` (Boolean, never null) and
        ``suppression`` (``"primary"``, ``"secondary"``, ``"window"`` or null when
        published).

    Raises
    ------
    ValueError
        If ``min_cell < 1``, or an ``additive`` code is not in ``counts`` or is in
        ``organisational``.

    Notes
    -----
    indicators.md, "Publication to funders": « Funder-facing files never show a count of
    people below ``min_cell`` [...] a count below ``min_cell`` is suppressed, and so is such
    a ratio whose denominator is below it. Secondary suppression [...] Counts of
    organisations are not counts of people and are published as they are. » The module
    docstring lists how each case is read: organisations are published, zero counts of
    people are suppressed, ratios with a null denominator are suppressed, secondary
    suppression covers ``referrals`` and ``supports`` only and falls back on the région
    total when no other département is published, and these two are published for whole
    12-month windows only.

    Examples
    --------
    Région 53 has 40 referrals: 35 has 25, 29 has 12 and 22 has 3. 22 is below 11
    (primary); alone, it would be 40 - 25 - 12, so 29, the next smallest, goes too.

    >>> from datetime import date
    >>> territories = pl.DataFrame({"territory_level": ["departement"] * 3,
    ...     "territory_code": ["35", "29", "22"], "parent_code": ["53"] * 3})
    >>> rows = pl.DataFrame({
    ...     "territory_level": ["region", "departement", "departement", "departement"],
    ...     "territory_code": ["53", "35", "29", "22"], "month": [date(2025, 1, 1)] * 4,
    ...     "window_months": [12] * 4, "indicator": ["referrals"] * 4,
    ...     "value": [40.0, 25.0, 12.0, 3.0]}).with_columns(
    ...     numerator=pl.col("value"), denominator=pl.col("value"))
    >>> out = suppress(rows, territories)
    >>> for row in out.select("territory_code", "value", "suppression").rows():
    ...     print(row)
    ('53', 40.0, None)
    ('35', 25.0, None)
    ('29', None, 'secondary')
    ('22', None, 'primary')
    """
    if min_cell < 1:
        raise ValueError(f"min_cell must be at least 1, not {min_cell}")
    counts, additive, organisational = list(counts), list(additive), list(organisational)
    if not_counts := sorted(set(additive) - set(counts)):
        raise ValueError(f"additive indicators must be counts: {not_counts}")
    if bodies := sorted(set(additive) & set(organisational)):
        raise ValueError(f"additive indicators must be counts of people: {bodies}")

    prior_flag, prior_reason = _prior(indicators)
    first = pl.col("indicator").replace_strict(
        dict(first_months or {}), default=None, return_dtype=pl.Date)
    window_start = pl.col("month").dt.offset_by(pl.format("-{}mo", pl.col("window_months") - 1))
    withheld = pl.col("indicator").is_in(additive) & (
        (pl.col("window_months") != SUM_WINDOW) | (window_start < first).fill_null(False))
    is_count = pl.col("indicator").is_in(counts)
    below = (
        pl.when(pl.col("indicator").is_in(organisational)).then(False)
        .when(is_count).then((pl.col("value") < min_cell).fill_null(False))
        .otherwise(pl.col("denominator").is_null() | (pl.col("denominator") < min_cell))
    )
    frame = indicators.with_row_index("_row").with_columns(
        pl.when(prior_flag).then(prior_reason.fill_null("primary"))
        .when(withheld).then(pl.lit("window"))
        .when(below).then(pl.lit("primary"))
        .alias("suppression")
    ).with_columns(pl.col("suppression").is_not_null().alias("_flag"))

    secondary = _secondary(frame, territories, additive)
    hidden = pl.col("_flag") | pl.col("_row").is_in(secondary.implode())
    columns = [c for c in indicators.columns if c not in ("suppressed", "suppression")]
    return frame.with_columns(
        pl.when(pl.col("_flag")).then(pl.col("suppression"))
        .when(hidden).then(pl.lit("secondary"))
        .alias("suppression"),
        hidden.alias("suppressed"),
    ).with_columns(
        pl.when(~pl.col("suppressed")).then(pl.col(name)).alias(name)
        for name in _HIDDEN if name in indicators.columns
    ).select(*columns, "suppressed", "suppression")
