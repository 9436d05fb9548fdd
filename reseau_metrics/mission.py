"""Referrals outside the target's mandate.

Seed passage (Form 2): « certains services en arrivent à certaines "entorses" par rapport à
leur agrément et leurs missions, pour suivre des personnes que certains de leurs
services-partenaires leur demandent de suivre ».
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from reseau_metrics.frames import collect_exact

__all__ = ["out_of_mission_rate"]


def out_of_mission_rate(
    counts: pl.DataFrame,
    by: Sequence[str],
    out_of_mission: str = "out_of_mission",
    count: str = "referrals",
) -> pl.DataFrame:
    """Share of referrals where no need matches a competence of the target.

    Parameters
    ----------
    counts
        Rows with ``by``, a count and the count of those out of mission (or a boolean flag
        per referral with ``count`` equal to 1).

    Returns
    -------
    polars.DataFrame
        ``by``, ``out_of_mission`` (numerator), ``total`` (denominator) and ``rate``
        (null when the total is 0).

    Notes
    -----
    Whether a need matches a competence is decided upstream (a need code matches a
    competence when equal or one is the other's family); this function only counts.

    Examples
    --------
    >>> rows = pl.DataFrame({"t": ["x", "x"], "referrals": [8, 2], "oom": [1, 1]})
    >>> out_of_mission_rate(rows, ["t"], "oom")["rate"][0]
    0.2
    """
    totals = collect_exact(counts.lazy().group_by(by).agg(
        pl.col(out_of_mission).cast(pl.Int64).sum().alias("out_of_mission"),
        pl.col(count).sum().alias("total"),
    ))
    return totals.with_columns(
        pl.when(pl.col("total") > 0)
        .then(pl.col("out_of_mission") / pl.col("total"))
        .alias("rate")
    )
