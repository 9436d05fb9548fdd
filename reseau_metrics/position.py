"""Each service's place in the network, and each link's weight (whole observatory).

Seed passage (Form 2): « dans le travail en réseau, les rapports de force et les rapports de
pouvoir sont extrêmements présents [...] dans un réseau social, on parle moins d'autorité que
de leadership ». Centrality says who the network leans on; a link's balance says who asks and
who is asked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from reseau_metrics.betweenness import betweenness
from reseau_metrics.frames import collect_exact
from reseau_metrics.pagerank import pagerank
from reseau_metrics.windows import per_window

__all__ = ["service_positions", "centrality", "first_met", "link_weights", "network_indicators",
           "EXACT_BETWEENNESS_LIMIT"]

#: Exact Brandes betweenness costs O(V·E): beyond this many services, sample sources.
EXACT_BETWEENNESS_LIMIT = 1000
SAMPLED_SOURCES = 200
SAMPLING_SEED = 20071201  # fixed, so that a sampled value is reproducible


def centrality(edges: pl.DataFrame) -> pl.DataFrame:
    """PageRank and betweenness of every service of a directed referral graph.

    Parameters
    ----------
    edges
        ``origin_service_id, target_service_id, referrals`` (one row per directed pair).

    Returns
    -------
    polars.DataFrame
        ``service_id``, ``pagerank`` (networkx, weight = referral count, alpha 0.85),
        ``betweenness`` (directed, unweighted, normalised: networkx's values, computed by
        :func:`reseau_metrics.betweenness.betweenness`) and ``betweenness_method``
        (``exact``, or ``sampled k=200`` above :data:`EXACT_BETWEENNESS_LIMIT` services).

    Examples
    --------
    A chain a→b→c: b lies on the only path between a and c.

    >>> edges = pl.DataFrame({"origin_service_id": ["a", "b"],
    ...                       "target_service_id": ["b", "c"], "referrals": [1, 1]})
    >>> out = centrality(edges).sort("service_id")
    >>> out["betweenness"].to_list()
    [0.0, 0.5, 0.0]
    """
    # Sorted edges: the same graph gives the same node order, hence the same sampled sources
    # and the same floating-point sums, whatever order the rows came in.
    edges = edges.sort("origin_service_id", "target_service_id")
    origins, targets = edges["origin_service_id"], edges["target_service_id"]
    nodes = first_met(origins, targets)
    if not nodes:
        return pl.DataFrame(schema={"service_id": pl.String, "pagerank": pl.Float64,
                                    "betweenness": pl.Float64,
                                    "betweenness_method": pl.String})
    ranks = pagerank(nodes, origins, targets, edges["referrals"], alpha=0.85)
    if len(nodes) <= EXACT_BETWEENNESS_LIMIT:
        method = "exact"
        between = betweenness(nodes, origins, targets)
    else:
        method = f"sampled k={SAMPLED_SOURCES}"
        between = betweenness(nodes, origins, targets, k=SAMPLED_SOURCES, seed=SAMPLING_SEED)
    return pl.DataFrame({
        "service_id": nodes,
        "pagerank": ranks,
        "betweenness": between,
        "betweenness_method": [method] * len(nodes),
    }).sort("service_id")


def first_met(origins: pl.Series, targets: pl.Series) -> list:
    """The services of the edges ``origins[i] → targets[i]`` in the order networkx lists the
    nodes of a graph built from them (``list(G)``): as first met, each edge's origin before
    its target.

    Examples
    --------
    >>> first_met(pl.Series(["b", "a"]), pl.Series(["c", "b"]))
    ['b', 'c', 'a']
    """
    interleaved = np.arange(2 * len(origins)).reshape(2, -1).T.ravel()
    return pl.concat([origins, targets]).gather(interleaved).unique(maintain_order=True).to_list()


def service_positions(pairs: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """Volumes, partners and concentration of each service, sending and receiving.

    Parameters
    ----------
    pairs
        One row per directed pair of one window: ``origin_service_id``,
        ``target_service_id``, ``referrals``, ``accepted``, ``refused``, ``out_of_mission``,
        ``mission_known``.
    by
        Columns that tell windows apart, when ``pairs`` holds several.

    Returns
    -------
    polars.DataFrame
        ``service_id``, ``referrals_sent``, ``referrals_received``, ``partners_out``,
        ``partners_in``, ``hhi_out`` (``Σ_t (n_{s,t}/n_s)²`` over its targets, null if it
        sent nothing), ``acceptance_rate_received`` (accepted / (accepted + refused) of what
        it received) and ``out_of_mission_received_rate`` (over the referrals received that
        declare a need: ``mission_known``).

    Examples
    --------
    a sends 3 to b and 1 to c: HHI 0.75² + 0.25² = 0.625.

    >>> pairs = pl.DataFrame({"origin_service_id": ["a", "a"], "target_service_id": ["b", "c"],
    ...     "referrals": [3, 1], "accepted": [2, 0], "refused": [1, 0],
    ...     "out_of_mission": [0, 1], "mission_known": [3, 1]})
    >>> service_positions(pairs).filter(pl.col("service_id") == "a")["hhi_out"][0]
    0.625
    """
    by = list(by)
    sent = pairs.group_by(*by, pl.col("origin_service_id").alias("service_id")).agg(
        pl.col("referrals").sum().alias("referrals_sent"),
        pl.len().alias("partners_out"),
        ((pl.col("referrals").cast(pl.Int64) ** 2).sum()
         / pl.col("referrals").sum().cast(pl.Float64) ** 2).alias("hhi_out"),
    )
    received = pairs.group_by(*by, pl.col("target_service_id").alias("service_id")).agg(
        pl.col("referrals").sum().alias("referrals_received"),
        pl.len().alias("partners_in"),
        pl.col("accepted").sum().alias("_accepted"),
        pl.col("refused").sum().alias("_refused"),
        pl.col("out_of_mission").sum().alias("_out_of_mission"),
        pl.col("mission_known").sum().alias("_mission_known"),
    )
    decided = pl.col("_accepted") + pl.col("_refused")
    return (
        sent.join(received, on=[*by, "service_id"], how="full", coalesce=True)
        .with_columns(
            pl.col("referrals_sent", "referrals_received", "partners_out", "partners_in")
            .fill_null(0),
            pl.when(decided > 0).then(pl.col("_accepted") / decided)
            .alias("acceptance_rate_received"),
            pl.when(pl.col("_mission_known") > 0)
            .then(pl.col("_out_of_mission") / pl.col("_mission_known"))
            .alias("out_of_mission_received_rate"),
        )
        .drop("_accepted", "_refused", "_out_of_mission", "_mission_known")
    )


def link_weights(referrals: pl.DataFrame) -> pl.DataFrame:
    """Per directed pair of one window: volumes, decisions, reverse flow, professionals.

    ``referrals`` has one row per referral with ``origin_service_id``,
    ``target_service_id``, ``status``, ``professional_key``, ``has_convention`` and
    ``out_of_mission``.
    ``top_professional_share`` is the share of the pair's referrals naming a professional
    made by its most frequent one (null when none names one); ``has_convention`` is true
    when a convention covered at least one of the pair's referrals.

    Examples
    --------
    >>> rows = pl.DataFrame({"origin_service_id": ["a", "a", "a", "b"],
    ...     "target_service_id": ["b", "b", "b", "a"], "status": ["accepted", "refused",
    ...     None, None], "professional_key": ["p", "p", "q", None],
    ...     "has_convention": [False] * 4, "out_of_mission": [False] * 4})
    >>> link_weights(rows).sort("origin_service_id").select(
    ...     "referrals", "reverse_referrals", "top_professional_share").rows()
    [(3, 1, 0.6666666666666666), (1, 3, None)]
    """
    pair = ["origin_service_id", "target_service_id"]
    per_professional = (
        referrals.lazy().filter(pl.col("professional_key").is_not_null())
        .group_by(*pair, "professional_key").agg(pl.len().alias("_made"))
        .group_by(pair).agg((pl.col("_made").max() / pl.col("_made").sum())
                            .alias("top_professional_share"))
    )
    links = collect_exact(referrals.lazy().group_by(pair).agg(
        pl.len().alias("referrals"),
        (pl.col("status") == "accepted").sum().alias("accepted"),
        (pl.col("status") == "refused").sum().alias("refused"),
        pl.col("out_of_mission").sum(),
        pl.col("out_of_mission").is_not_null().sum().alias("mission_known"),
        pl.col("professional_key").drop_nulls().n_unique().alias("distinct_professionals"),
        pl.col("has_convention").any().alias("has_convention"),
    ))
    reverse = links.select(
        pl.col("target_service_id").alias("origin_service_id"),
        pl.col("origin_service_id").alias("target_service_id"),
        pl.col("referrals").alias("reverse_referrals"),
    )
    # Counts, and one ratio of two counts per link: its rows' order does not matter (the
    # graphs are built from sorted edges).
    return collect_exact(
        links.lazy().join(reverse.lazy(), on=pair, how="left")
        .join(per_professional, on=pair, how="left")
        .with_columns(pl.col("reverse_referrals").fill_null(0))
    )


def network_indicators(referrals: pl.DataFrame, ends, windows=(1, 12)):
    """Service positions and link weights for every window (the whole observatory).

    ``referrals`` has the columns of :func:`link_weights` and ``month``. Returns the frames
    of ``marts.service_indicators`` and ``marts.link_indicators``, each with ``month`` (the
    window's end) and ``window_months``.

    Examples
    --------
    One referral a→b in March 2026: in the 1-month window ending in March, a sent one and
    b received one; the link a→b has no reverse flow.

    >>> from datetime import date
    >>> rows = pl.DataFrame({"month": [date(2026, 3, 1)], "origin_service_id": ["a"],
    ...     "target_service_id": ["b"], "status": ["accepted"], "professional_key": ["p"],
    ...     "has_convention": [True], "out_of_mission": [False]})
    >>> services, links = network_indicators(rows, [date(2026, 3, 1)], windows=(1,))
    >>> services.sort("service_id").select("service_id", "referrals_sent",
    ...                                    "referrals_received").rows()
    [('a', 1, 0), ('b', 0, 1)]
    >>> links.select("referrals", "reverse_referrals").rows()
    [(1, 0)]
    """
    keys = ["month", "window_months"]
    links = per_window(referrals, ends, windows, lambda rows, *_: link_weights(rows))
    graphs = links.partition_by(keys, as_dict=True, maintain_order=True)
    # The empty first piece keeps the schema when there is no graph at all.
    pieces = [(None, None, centrality(links.clear()))] + [
        (month, window, centrality(edges)) for (month, window), edges in graphs.items()
    ]
    placed = pl.concat([
        frame.with_columns(pl.lit(month, dtype=pl.Date).alias("month"),
                           pl.lit(window, dtype=pl.Int32).alias("window_months"))
        for month, window, frame in pieces
    ], how="vertical_relaxed")
    services = service_positions(links, keys).join(placed, on=[*keys, "service_id"],
                                                   how="left")
    return services, links
