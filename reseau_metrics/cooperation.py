"""Working in network (Form 2): reciprocity, acceptance, crossing sectors, conventions,
stability of links.

Seed passage (Form 2, *travail en réseau*): the network is meant to be « des relations
horizontales, informelles et peu instituées » between services of « horizons extrêmement
différents », yet « les rapports de force et les rapports de pouvoir sont extrêmement
présents » and some services « inévitablement liés dans leur attribution et leurs
compétences ne collaborent que fort peu ou même pas du tout ».
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from reseau_metrics.frames import collect_exact

__all__ = ["reciprocity", "ratio", "dormant_conventions", "link_stability"]


def reciprocity(
    pairs: pl.DataFrame, by: Sequence[str], origin: str = "origin_service_id",
    target: str = "target_service_id",
) -> pl.DataFrame:
    """Share of linked pairs of services that refer to each other both ways.

    Over unordered pairs ``{a, b}`` with at least one referral either way, the share with
    referrals both ways.

    Parameters
    ----------
    pairs
        One row per directed pair ``(origin, target)`` with referrals, with ``by``.

    Returns
    -------
    polars.DataFrame
        ``by``, ``reciprocal`` (pairs both ways), ``linked`` (pairs either way) and
        ``reciprocity`` (null when nothing is linked).

    Notes
    -----
    A one-way flow is where « il est parfois très difficile ou compliqué pour les services de
    refuser la prise en charge d'une personne quand un service-partenaire en fait la
    demande »: who sends and who receives.

    Examples
    --------
    a→b, b→a and a→c: {a, b} both ways, {a, c} one way: 1 of 2.

    >>> rows = pl.DataFrame({"t": ["x"] * 3, "origin_service_id": ["a", "b", "a"],
    ...                      "target_service_id": ["b", "a", "c"]})
    >>> reciprocity(rows, ["t"])["reciprocity"][0]
    0.5
    """
    unordered = pairs.lazy().select(
        *by,
        pl.min_horizontal(origin, target).alias("_a"),
        pl.max_horizontal(origin, target).alias("_b"),
        pl.col(origin).alias("_from"),
    ).unique()
    per_pair = unordered.group_by(*by, "_a", "_b").agg(pl.col("_from").n_unique().alias("_ways"))
    return collect_exact(per_pair.group_by(by).agg(
        (pl.col("_ways") == 2).sum().alias("reciprocal"), pl.len().alias("linked")
    )).with_columns((pl.col("reciprocal") / pl.col("linked")).alias("reciprocity"))


def ratio(counts: pl.DataFrame, by: Sequence[str], numerator: str,
          denominator: str | Sequence[str]) -> pl.DataFrame:
    """``Σ numerator / Σ denominator`` per group, null when the denominator is 0.

    ``denominator`` may name several columns, summed (``accepted / (accepted + refused)``).
    Used for ``acceptance_rate``, ``cross_sector_share`` and ``convention_coverage``.

    Returns ``by``, ``numerator``, ``denominator`` and ``value``.

    Examples
    --------
    3 accepted and 1 refused: 3 / (3 + 1).

    >>> rows = pl.DataFrame({"t": ["x", "x"], "accepted": [2, 1], "refused": [1, 0]})
    >>> ratio(rows, ["t"], "accepted", ["accepted", "refused"])["value"][0]
    0.75
    """
    columns = [denominator] if isinstance(denominator, str) else list(denominator)
    totals = collect_exact(counts.lazy().group_by(by).agg(
        pl.col(numerator).cast(pl.Int64).sum().alias("numerator"),
        pl.sum_horizontal([pl.col(c).cast(pl.Int64).sum() for c in columns]).alias("denominator"),
    ))
    return totals.with_columns(
        pl.when(pl.col("denominator") > 0)
        .then(pl.col("numerator") / pl.col("denominator")).alias("value")
    )


def dormant_conventions(
    conventions: pl.DataFrame,
    linked: pl.DataFrame,
    territories: pl.DataFrame,
    first_day: date,
    last_day: date,
) -> pl.DataFrame:
    """Conventions active in a window with no referral between their parties in it.

    Parameters
    ----------
    conventions
        ``convention_id, service_a, service_b, start_date, end_date`` (empty end: open).
    linked
        ``origin_service_id, target_service_id``: directed pairs with a referral in the
        window, in any territory.
    territories
        ``service_id, territory_level, territory_code``: where each service sits.
    first_day, last_day
        The window.

    Returns
    -------
    polars.DataFrame
        ``territory_level, territory_code, dormant`` (conventions with at least one party
        sitting in the territory) and ``active`` (all such active conventions).

    Notes
    -----
    A formal partnership that carries no referral is the network on paper only:
    « des services inévitablement liés dans leur attribution et leurs compétences ne
    collaborent que fort peu ou même pas du tout dans la réalité du terrain ».

    Examples
    --------
    >>> conventions = pl.DataFrame({"convention_id": ["c1", "c2"], "service_a": ["a", "a"],
    ...     "service_b": ["b", "c"], "start_date": [date(2020, 1, 1)] * 2,
    ...     "end_date": [None, None]}, schema_overrides={"end_date": pl.Date})
    >>> linked = pl.DataFrame({"origin_service_id": ["b"], "target_service_id": ["a"]})
    >>> where = pl.DataFrame({"service_id": ["a", "b", "c"], "territory_level": ["d"] * 3,
    ...                       "territory_code": ["01", "01", "02"]})
    >>> out = dormant_conventions(conventions, linked, where, date(2025, 1, 1),
    ...                           date(2025, 1, 31)).sort("territory_code")
    >>> out.select("territory_code", "dormant", "active").rows()
    [('01', 1, 2), ('02', 1, 1)]
    """
    active = conventions.filter(
        (pl.col("start_date").is_null() | (pl.col("start_date") <= last_day))
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= first_day))
    )
    used = linked.select(
        pl.min_horizontal("origin_service_id", "target_service_id").alias("_a"),
        pl.max_horizontal("origin_service_id", "target_service_id").alias("_b"),
    ).unique().with_columns(pl.lit(True).alias("_used"))
    flagged = active.with_columns(
        pl.min_horizontal("service_a", "service_b").alias("_a"),
        pl.max_horizontal("service_a", "service_b").alias("_b"),
    ).join(used, on=["_a", "_b"], how="left").with_columns(pl.col("_used").fill_null(False))
    parties = pl.concat([
        flagged.select("convention_id", "_used", pl.col("service_a").alias("service_id")),
        flagged.select("convention_id", "_used", pl.col("service_b").alias("service_id")),
    ])
    sited = parties.join(territories, on="service_id").select(
        "territory_level", "territory_code", "convention_id", "_used").unique()
    return sited.group_by("territory_level", "territory_code").agg(
        (~pl.col("_used")).sum().alias("dormant"), pl.len().alias("active")
    )


def link_stability(current: pl.DataFrame, previous: pl.DataFrame,
                   by: Sequence[str]) -> pl.DataFrame:
    """Jaccard index of the directed pairs of two successive windows, per group.

    ``|P ∩ P'| / |P ∪ P'|`` with ``P`` the directed pairs ``(origin, target)`` of the
    window and ``P'`` those of the window of the same length just before. Both frames hold
    one row per directed pair with ``by`` (the *current* window's keys in both).

    Returns ``by``, ``kept`` (``|P ∩ P'|``), ``union`` and ``stability`` (null when both
    windows are empty).

    Notes
    -----
    Links that come and go with people: « en cas de départ ou d'absence de la personne, on
    constate alors la rupture des liens ».

    Examples
    --------
    Before: a→b, a→c; now: a→b, b→c. Kept 1 of 3.

    >>> before = pl.DataFrame({"t": ["x", "x"], "origin_service_id": ["a", "a"],
    ...                        "target_service_id": ["b", "c"]})
    >>> now = pl.DataFrame({"t": ["x", "x"], "origin_service_id": ["a", "b"],
    ...                     "target_service_id": ["b", "c"]})
    >>> round(link_stability(now, before, ["t"])["stability"][0], 4)
    0.3333
    """
    keys = [*by, "origin_service_id", "target_service_id"]
    both = pl.concat([
        current.lazy().select(keys).unique().with_columns(pl.lit(1).alias("_now")),
        previous.lazy().select(keys).unique().with_columns(pl.lit(2).alias("_now")),
    ]).group_by(keys).agg(pl.col("_now").sum().alias("_where"))
    return collect_exact(both.group_by(by).agg(
        (pl.col("_where") == 3).sum().alias("kept"), pl.len().alias("union")
    )).with_columns((pl.col("kept") / pl.col("union")).alias("stability"))
