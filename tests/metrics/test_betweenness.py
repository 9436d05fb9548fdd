"""Vectorised Brandes betweenness: by hand, and equal to networkx on random graphs."""

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reseau_metrics.betweenness import betweenness


def test_diamond_splits_the_paths_between_its_two_middles():
    # a→b→d and a→c→d: b and c each carry half of the one pair (a, d), of (4-1)(4-2) = 6.
    values = betweenness("abcd", "aabc", "bcdd")
    assert values.tolist() == pytest.approx([0.0, 1 / 12, 1 / 12, 0.0])


def test_repeated_edges_count_once():
    assert betweenness("abc", "aab", "bbc").tolist() == betweenness("abc", "ab", "bc").tolist()


@pytest.mark.parametrize("nodes", ["", "a", "ab"])
def test_graphs_of_two_nodes_or_fewer_have_no_intermediary(nodes):
    assert betweenness(nodes, nodes[:1], nodes[1:]).tolist() == [0.0] * len(nodes)


graphs = st.integers(3, 14).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n * 4),
))


def as_networkx(n, edges):
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges)
    return graph


@settings(max_examples=80, deadline=None)
@given(graphs)
def test_exact_values_are_networkx_values(graph):
    n, edges = graph
    reference = nx.betweenness_centrality(as_networkx(n, edges), normalized=True)
    origins, targets = zip(*edges) if edges else ((), ())
    mine = betweenness(range(n), origins, targets)
    assert mine.tolist() == pytest.approx([reference[v] for v in range(n)], abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(graphs, st.integers(0, 2**31), st.data())
def test_sampled_values_are_networkx_values_for_the_same_seed(graph, seed, data):
    n, edges = graph
    k = data.draw(st.integers(2, n))
    reference = nx.betweenness_centrality(as_networkx(n, edges), k=k, normalized=True,
                                          seed=seed)
    origins, targets = zip(*edges) if edges else ((), ())
    mine = betweenness(range(n), origins, targets, k=k, seed=seed)
    assert mine.tolist() == pytest.approx([reference[v] for v in range(n)], abs=1e-12)
