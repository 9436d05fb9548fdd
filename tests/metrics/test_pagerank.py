"""PageRank on arrays: the same values as networkx to the bit, services in networkx's order."""

import networkx as nx
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reseau_metrics.pagerank import pagerank
from reseau_metrics.position import centrality, first_met

# Weighted directed edges between up to 12 services, no pair twice (one row per pair), with
# self-loops and services that refer nowhere.
edges = st.dictionaries(
    st.tuples(st.sampled_from("abcdefghijkl"), st.sampled_from("abcdefghijkl")),
    st.integers(1, 50), max_size=40,
)


def networkx_graph(weighted: dict) -> nx.DiGraph:
    # centrality sorts its edges before anything: so does the reference graph.
    graph = nx.DiGraph()
    graph.add_weighted_edges_from((o, t, w) for (o, t), w in sorted(weighted.items()))
    return graph


@settings(max_examples=150, deadline=None)
@given(edges)
def test_pagerank_is_networkx_pagerank_to_the_bit(weighted):
    graph = networkx_graph(weighted)
    frame = pl.DataFrame({"origin_service_id": [o for o, _ in weighted],
                          "target_service_id": [t for _, t in weighted],
                          "referrals": list(weighted.values())},
                         schema={"origin_service_id": pl.String, "target_service_id": pl.String,
                                 "referrals": pl.UInt32})
    reference = nx.pagerank(graph, alpha=0.85, weight="weight")
    out = centrality(frame.sample(fraction=1.0, shuffle=True, seed=len(weighted)))
    assert sorted(out["service_id"]) == sorted(graph)
    assert dict(out.select("service_id", "pagerank").iter_rows()) == reference


@settings(max_examples=150, deadline=None)
@given(edges)
def test_services_are_in_networkx_order_which_decides_the_sampled_sources(weighted):
    pairs = sorted(weighted)
    order = first_met(pl.Series([o for o, _ in pairs], dtype=pl.String),
                      pl.Series([t for _, t in pairs], dtype=pl.String))
    assert order == list(networkx_graph(weighted))


def test_a_graph_that_does_not_converge_raises_as_networkx():
    with pytest.raises(nx.PowerIterationFailedConvergence):
        pagerank(["a", "b"], ["a"], ["b"], [1], max_iter=1)
