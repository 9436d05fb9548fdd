"""Volumes: how many referrals, how many people (indicators ``referrals`` and ``persons``)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from reseau_metrics.frames import collect_exact

__all__ = ["volume", "distinct_count"]


def volume(counts: pl.DataFrame, by: Sequence[str], count: str = "referrals") -> pl.DataFrame:
    """Total of ``count`` per group: ``|R|``.

    Parameters
    ----------
    counts
        Pre-aggregated rows carrying ``by`` and a ``count`` column.
    by
        Group columns (territory, month, window...).

    Returns
    -------
    polars.DataFrame
        ``by`` and ``total``.

    Examples
    --------
    >>> rows = pl.DataFrame({"t": ["a", "a", "b"], "referrals": [2, 3, 1]})
    >>> volume(rows, ["t"]).sort("t")["total"].to_list()
    [5, 1]
    """
    return collect_exact(counts.lazy().group_by(by).agg(pl.col(count).sum().alias("total")))


def distinct_count(frame: pl.DataFrame, by: Sequence[str], column: str) -> pl.DataFrame:
    """Number of distinct non-null values of ``column`` per group (e.g. ``persons``).

    Notes
    -----
    Values are hashed to 64 bits before counting so that long pseudonyms (64 hex characters)
    cost eight bytes each; at a million people the chance of one collision is below 1e-7.

    Examples
    --------
    >>> rows = pl.DataFrame({"t": ["a", "a", "a"], "person": ["p1", "p2", "p1"]})
    >>> distinct_count(rows, ["t"], "person")["distinct"].to_list()
    [2]
    """
    return collect_exact(
        frame.lazy().filter(pl.col(column).is_not_null())
        .select(*by, pl.col(column).hash(seed=0).alias("_hash"))
        .unique()
        .group_by(by)
        .agg(pl.len().alias("distinct"))
    )
