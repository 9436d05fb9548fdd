"""Concentration of solicitations on a few partners.

Seed passage (Form 2, *travail en réseau*): « ce sont les mêmes professionnels que l'on
sollicite pour des situations bien différentes ».
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from reseau_metrics.intervals import median_ranks

__all__ = ["hhi", "top_share", "origin_hhi_median"]


def _shares(counts: pl.DataFrame, by: Sequence[str], item: str, count: str) -> pl.DataFrame:
    per_item = counts.group_by([*by, item]).agg(pl.col(count).sum().alias("_n"))
    return per_item.with_columns(pl.col("_n").sum().over(by).alias("total"))


def hhi(
    counts: pl.DataFrame, by: Sequence[str], item: str, count: str = "referrals"
) -> pl.DataFrame:
    """Herfindahl-Hirschman index of ``count`` over ``item`` within each group.

    ``HHI = Σ_i (n_i / N)²`` with ``N = Σ_i n_i``. It lies in ``[1/n, 1]`` for ``n`` items
    with solicitations: 1 when one item takes everything, ``1/n`` when all are equal.
    ``1/HHI`` is the number of equally used items it amounts to (``effective_targets``).

    Parameters
    ----------
    counts
        Rows with ``by``, ``item`` and ``count`` (summed per item first).
    by
        Group columns.
    item
        The column whose concentration is measured (e.g. the target service).

    Returns
    -------
    polars.DataFrame
        ``by``, ``hhi`` (null when ``N = 0``), ``cubes`` (``Σ_i (n_i / N)³``, for its
        interval: :func:`reseau_metrics.intervals.hhi_interval`) and ``total`` (``N``).

    Notes
    -----
    Measures « une mobilisation récurrente (non-consciente de la part des professionnels
    concernés) des mêmes réseaux de professionnels ».

    Examples
    --------
    Targets solicited 6, 3 and 1 times: (0.6² + 0.3² + 0.1²) = 0.46.

    >>> rows = pl.DataFrame({"t": ["x"] * 3, "target": ["a", "b", "c"], "n": [6, 3, 1]})
    >>> round(hhi(rows, ["t"], "target", "n")["hhi"][0], 2)
    0.46
    """
    shares = _shares(counts, by, item, count)
    # Σ n_i² / N² in integers, divided once: exact, so the same counts in any row order give
    # the same bits.
    return shares.group_by(by).agg(
        pl.when(pl.col("total").first() > 0)
        .then((pl.col("_n").cast(pl.Int64) ** 2).sum()
              / pl.col("total").first().cast(pl.Float64) ** 2)
        .alias("hhi"),
        # Summed in sorted order: the same counts in any row order give the same bits.
        pl.when(pl.col("total").first() > 0)
        .then((pl.col("_n").sort().cast(pl.Float64) / pl.col("total").first()).pow(3).sum())
        .alias("cubes"),
        pl.col("total").first(),
    )


def top_share(
    counts: pl.DataFrame, by: Sequence[str], item: str, count: str = "referrals", k: int = 3
) -> pl.DataFrame:
    """Share of ``count`` taken by the ``k`` largest items of each group.

    Returns ``by``, ``top_share`` (null when the total is 0), ``top`` (the sum of the ``k``
    largest counts) and ``total``.

    Notes
    -----
    The three partners that take most of a territory's referrals: « les mêmes professionnels
    que l'on sollicite pour des situations bien différentes ».

    Examples
    --------
    Counts 5, 3, 1, 1: the top three take 9 of 10.

    >>> rows = pl.DataFrame({"t": ["x"] * 4, "target": list("abcd"), "n": [5, 3, 1, 1]})
    >>> top_share(rows, ["t"], "target", "n")["top_share"][0]
    0.9
    """
    shares = _shares(counts, by, item, count)
    return shares.group_by(by).agg(
        pl.col("_n").top_k(k).sum().alias("top"),
        pl.col("total").first(),
    ).with_columns(
        pl.when(pl.col("total") > 0).then(pl.col("top") / pl.col("total")).alias("top_share")
    )


def origin_hhi_median(
    counts: pl.DataFrame,
    by: Sequence[str],
    origin: str,
    target: str,
    count: str = "referrals",
    min_count: int = 10,
) -> pl.DataFrame:
    """Median, over origins with at least ``min_count`` referrals, of each origin's HHI.

    Each origin ``o`` has ``HHI_o = Σ_t (n_{o,t} / n_o)²`` over its targets; the median over
    qualifying origins says how narrow a typical service's own address book is.

    Returns ``by``, ``origin_hhi_median`` (null when no origin qualifies), ``origins`` (the
    number that qualify), and ``ci_low`` and ``ci_high``, the order statistics of the
    origins' HHIs that bound the median's 95% interval
    (:func:`reseau_metrics.intervals.median_ranks`). Groups with no qualifying origin are
    still returned.

    Notes
    -----
    « le professionnel activant trop rapidement le réseau de partenaires privilégiés ».

    Examples
    --------
    Origin a sends 10 to one target (HHI 1); origin b sends 5 and 5 (HHI 0.5); origin c
    sends 3 (< 10, ignored). The median of {1, 0.5} is 0.75.

    >>> rows = pl.DataFrame({
    ...     "t": ["x"] * 4, "o": ["a", "b", "b", "c"], "d": ["p", "p", "q", "p"],
    ...     "n": [10, 5, 5, 3]})
    >>> origin_hhi_median(rows, ["t"], "o", "d", "n")["origin_hhi_median"][0]
    0.75
    """
    per_origin = hhi(counts, [*by, origin], target, count)
    qualifying = per_origin.filter(pl.col("total") >= min_count)
    groups = counts.select(by).unique()
    medians = qualifying.group_by(by).agg(
        pl.col("hhi").median().alias("origin_hhi_median"), pl.len().alias("origins"),
        pl.col("hhi").sort().alias("_sorted"),
    )
    low, high = median_ranks(pl.col("origins"))
    return groups.join(medians, on=list(by), how="left").with_columns(
        pl.col("_sorted").list.get(low).alias("ci_low"),
        pl.col("_sorted").list.get(high).alias("ci_high"),
        pl.col("origins").fill_null(0),
    ).drop("_sorted")
