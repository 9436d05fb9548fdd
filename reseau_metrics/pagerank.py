"""PageRank of a weighted directed graph: networkx's power iteration, on arrays.

The values are those of ``networkx.pagerank(G, alpha, weight="weight")`` to the bit: the same
sparse matrix (scipy's canonical CSR form of the edges, whatever their order), the same
iterations and the same stopping rule as networkx 3's ``_pagerank_scipy``, without building a
networkx graph. At 1e7 referrals a 12-month window has about a million links, and the
graph's Python objects, then their conversion back to a matrix, took about 3 s of each
window's 4 (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
from scipy import sparse

__all__ = ["pagerank"]


def pagerank(nodes: Sequence, origins: Sequence, targets: Sequence, weights: Sequence,
             alpha: float = 0.85, max_iter: int = 100, tol: float = 1.0e-6) -> np.ndarray:
    """PageRank of every node, weighted by ``weights``.

    Parameters
    ----------
    nodes
        Every node once, in networkx's order (``list(G)``: the order nodes were first met
        in the edges).
    origins, targets, weights
        One directed edge per position, with its weight (a referral count); no edge twice.
    alpha, max_iter, tol
        networkx's damping, iteration limit and tolerance (per node, on the L1 change).

    Returns
    -------
    numpy.ndarray
        The PageRank of each node, aligned with ``nodes``.

    Raises
    ------
    networkx.PowerIterationFailedConvergence
        After ``max_iter`` iterations without convergence, as networkx.

    Notes
    -----
    A node without outgoing edge (dangling) spreads its rank over every node, as networkx
    does without a ``dangling`` argument.

    Examples
    --------
    a→b, b→a and a→c: c refers nowhere, so its rank is spread over every service.

    >>> ranks = pagerank(["a", "b", "c"], ["a", "b", "a"], ["b", "a", "c"], [1, 1, 1])
    >>> ranks.round(4).tolist()
    [0.3936, 0.3032, 0.3032]
    >>> import networkx as nx
    >>> graph = nx.DiGraph()
    >>> graph.add_weighted_edges_from([("a", "b", 1), ("b", "a", 1), ("a", "c", 1)])
    >>> ranks.tolist() == list(nx.pagerank(graph).values())
    True
    """
    nodes = list(nodes)
    n = len(nodes)
    if n == 0:
        return np.zeros(0)
    index = {node: position for position, node in enumerate(nodes)}
    rows = np.fromiter((index[node] for node in origins), dtype=np.int64, count=len(origins))
    cols = np.fromiter((index[node] for node in targets), dtype=np.int64, count=len(targets))
    # networkx.to_scipy_sparse_array, then _pagerank_scipy, step by step.
    matrix = sparse.coo_array((np.asarray(weights, dtype=float), (rows, cols)), shape=(n, n),
                              dtype=float).asformat("csr")
    out = matrix.sum(axis=1)
    out[out != 0] = 1.0 / out[out != 0]
    matrix = sparse.dia_array((out.T, 0), shape=matrix.shape).tocsr() @ matrix
    x = np.repeat(1.0 / n, n)
    p = np.repeat(1.0 / n, n)
    dangling = np.where(out == 0)[0]
    for _ in range(max_iter):
        last = x
        x = alpha * (x @ matrix + sum(x[dangling]) * p) + (1 - alpha) * p
        if np.absolute(x - last).sum() < n * tol:
            return x
    raise nx.PowerIterationFailedConvergence(max_iter)
