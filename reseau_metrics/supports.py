"""Re-weaving ties (Form 1): who carries the informal support mobilised around people.

Seed passage (Form 1, *travail de réseau*): « ce travail de réseau fait (parfois et non
systématiquement) porter l'effort de solidarité collective sur un petit nombre de
personnes », « les membres du réseau social proche (la famille au sens large du terme) ».
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = ["support_shares"]


def support_shares(supports: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """``supports``, ``family_support_share``, ``supporter_top_decile_share`` and
    ``single_supporter_share`` per group.

    Parameters
    ----------
    supports
        One row per support with ``by``, ``person_key``, ``supporter_kind`` and
        ``supporter_key``.

    Returns
    -------
    polars.DataFrame
        ``by`` and, over the group's supports ``S``:

        - ``supports`` = ``|S|``; ``family`` = supports by ``famille``;
        - ``top_decile`` = supports given by the ``ceil(0.1·h)`` most-solicited of the ``h``
          distinct supporters (ties do not change the sum), and ``supporters`` = ``h``;
        - ``persons`` with supports, ``single`` = those with exactly one distinct supporter;
        - the shares ``family / supports``, ``top_decile / supports``, ``single / persons``.

    Notes
    -----
    A share of family close to 1, a top decile carrying most supports, or many people with
    one helper only: the effort of solidarity falls on « un petit nombre de personnes ».

    Examples
    --------
    Supporter f1 helps 3 times (famille), f2 once (voisinage): 4 supports, family 3/4;
    h = 2, ceil(0.2) = 1 supporter (f1) gives 3 of 4; person p1 has f1 and f2, p2 has f1
    only: 1 of 2 persons has a single supporter.

    >>> rows = pl.DataFrame({"t": ["x"] * 4, "person_key": ["p1", "p1", "p2", "p2"],
    ...     "supporter_kind": ["famille", "voisinage", "famille", "famille"],
    ...     "supporter_key": ["f1", "f2", "f1", "f1"]})
    >>> support_shares(rows, ["t"]).select(
    ...     "family_support_share", "supporter_top_decile_share", "single_supporter_share"
    ... ).row(0)
    (0.75, 0.75, 0.5)
    """
    by = list(by)
    per_supporter = supports.group_by(*by, "supporter_key").agg(pl.len().alias("_n"))
    ranked = per_supporter.with_columns(
        pl.col("_n").rank("ordinal", descending=True).over(by).alias("_rank"),
        pl.len().over(by).alias("supporters"),
    )
    decile = ranked.group_by(by).agg(
        pl.col("_n").filter(pl.col("_rank") <= (pl.col("supporters") * 0.1).ceil())
        .sum().alias("top_decile"),
        pl.col("supporters").first(),
    )
    per_person = supports.group_by(*by, "person_key").agg(
        pl.col("supporter_key").n_unique().alias("_helpers")
    )
    people = per_person.group_by(by).agg(
        pl.len().alias("persons"), (pl.col("_helpers") == 1).sum().alias("single")
    )
    volume = supports.group_by(by).agg(
        pl.len().alias("supports"),
        (pl.col("supporter_kind") == "famille").sum().alias("family"),
    )
    return (
        volume.join(decile, on=by).join(people, on=by)
        .with_columns(
            (pl.col("family") / pl.col("supports")).alias("family_support_share"),
            (pl.col("top_decile") / pl.col("supports")).alias("supporter_top_decile_share"),
            (pl.col("single") / pl.col("persons")).alias("single_supporter_share"),
        )
    )
