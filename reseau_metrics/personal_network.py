"""The professional's personal network (Form 3): links that rest on one person.

Seed passage (Form 3, *réseau personnel*): the links of a service are often those of one
worker's address book; « en cas de départ ou d'absence de la personne, on constate alors la
rupture des liens ».
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from reseau_metrics.frames import collect_exact

__all__ = ["fragile_links", "ruptured_links", "KEY_PERSON_SHARE"]

#: One professional making at least this share of a pair's referrals carries the link.
KEY_PERSON_SHARE = 0.8
_PAIR = ["origin_service_id", "target_service_id"]


def _key_person(referrals: pl.DataFrame, by: Sequence[str], minimum: int,
                among_attributed: bool) -> pl.DataFrame:
    """Per pair: referrals counted, whether one professional carries the link and, when one
    does, who (``professional_key``; null otherwise)."""
    named = pl.col("professional_key").is_not_null()
    keys = [*by, *_PAIR]
    made = collect_exact(
        referrals.lazy().group_by(*keys, "professional_key").agg(pl.len().alias("_made"))
        .with_columns(pl.when(named).then(pl.col("_made")).alias("_named")))
    # Plain aggregations only: an expression filtered within each group runs group by group.
    pairs = collect_exact(made.lazy().group_by(keys).agg(
        pl.col("_named" if among_attributed else "_made").sum().alias("referrals"),
        pl.col("_named").max().alias("_made"),
    ).filter(pl.col("referrals") >= minimum).with_columns(
        (pl.col("_made").fill_null(0) >= KEY_PERSON_SHARE * pl.col("referrals"))
        .alias("key_person")))
    # Who carries a link made at least KEY_PERSON_SHARE × minimum of its referrals: most
    # professionals make one or two referrals of a pair, and are left out before the join.
    # Two professionals cannot both make 80% of a pair's referrals.
    carriers = collect_exact(
        made.lazy().filter(pl.col("_named") >= KEY_PERSON_SHARE * minimum)
        .join(pairs.lazy().filter("key_person").select(*keys, "_made"), on=[*keys, "_made"])
        .group_by(keys).agg(pl.col("professional_key").min()))
    return pairs.join(carriers, on=keys, how="left")


def fragile_links(referrals: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Share of well-used links carried by one professional.

    Over directed pairs ``(o, t)`` with at least 5 referrals carrying a ``professional_key``,
    the share where one professional made at least 80% of them.

    Parameters
    ----------
    referrals
        One row per referral with ``by``, ``origin_service_id``, ``target_service_id`` and
        ``professional_key`` (null when not exported).

    Returns
    -------
    polars.DataFrame
        ``by``, ``fragile`` (pairs carried by one person), ``pairs`` (qualifying pairs) and
        ``fragile_link_share`` (null when no pair qualifies: groups without one are absent).

    Examples
    --------
    a→b: 4 of 5 by p1 (80%: fragile); a→c: 3 and 2 (not); a→d: 4 referrals (too few).

    >>> rows = pl.DataFrame({"t": ["x"] * 14, "origin_service_id": ["a"] * 14,
    ...     "target_service_id": ["b"] * 5 + ["c"] * 5 + ["d"] * 4,
    ...     "professional_key": ["p1"] * 4 + ["p2"] + ["p1"] * 3 + ["p2"] * 2 + ["p1"] * 4})
    >>> fragile_links(rows, ["t"]).select("fragile", "pairs", "fragile_link_share").row(0)
    (1, 2, 0.5)
    """
    pairs = _key_person(referrals, by, minimum=5, among_attributed=True)
    return collect_exact(pairs.lazy().group_by(by).agg(
        pl.col("key_person").sum().alias("fragile"), pl.len().alias("pairs")
    )).with_columns((pl.col("fragile") / pl.col("pairs")).alias("fragile_link_share"))


def ruptured_links(before: pl.DataFrame, during: pl.DataFrame,
                   active_professionals: pl.Series, by: Sequence[str]) -> pl.DataFrame:
    """Links carried by one person that stopped when that person stopped.

    Pairs ``(o, t)`` with at least 3 referrals in the 12 months before the window, one
    professional having made at least 80% of them, where that professional made no referral
    at all in the window (any territory) and the pair has none in the window.

    Parameters
    ----------
    before
        Referrals of the 12 months before the window (same columns as
        :func:`fragile_links`).
    during
        Referrals of the window, in the territories of ``by``.
    active_professionals
        Every ``professional_key`` with a referral in the window, in any territory.

    Returns
    -------
    polars.DataFrame
        ``by``, ``ruptured`` and ``carried`` (the pairs carried by one person before).

    Notes
    -----
    The share of 80% is taken over all the pair's referrals: a referral that names no
    professional cannot be attributed to the key person.

    Examples
    --------
    a→b: 3 referrals by p1 before, p1 silent and a→b absent now: ruptured. a→c: 3 by p2
    before, p2 still active elsewhere: not ruptured.

    >>> before = pl.DataFrame({"t": ["x"] * 6, "origin_service_id": ["a"] * 6,
    ...     "target_service_id": ["b"] * 3 + ["c"] * 3,
    ...     "professional_key": ["p1"] * 3 + ["p2"] * 3})
    >>> during = before.clear()
    >>> out = ruptured_links(before, during, pl.Series(["p2"]), ["t"])
    >>> out.select("ruptured", "carried").row(0)
    (1, 2)
    """
    carried = _key_person(before, by, minimum=3, among_attributed=False).filter("key_person")
    still_linked = collect_exact(during.lazy().select(*by, *_PAIR).unique()).with_columns(
        pl.lit(True).alias("_now"))
    silent = ~pl.col("professional_key").is_in(active_professionals.implode())
    flagged = carried.join(still_linked, on=[*by, *_PAIR], how="left").with_columns(
        (pl.col("_now").is_null() & silent).alias("_ruptured")
    )
    return collect_exact(flagged.lazy().group_by(by).agg(
        pl.col("_ruptured").sum().alias("ruptured"), pl.len().alias("carried")
    ))
