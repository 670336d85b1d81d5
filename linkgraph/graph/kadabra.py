"""Betweenness of a large graph estimated with a stated error: KADABRA (networkit).

Sampled pivots (:func:`~linkgraph.graph.analytics.betweenness_values`) cost one full shortest-path
search per pivot: 128 of them on scoring's known population at a million people (302,485 people,
5.9M pairs) take 37 s of CPU, and carry no error bound. KADABRA (Borassi and Natale, 2016; networkit's
implementation) samples shortest paths between random pairs of nodes with a balanced bidirectional
search, which touches a small part of the graph, and stops once every node's value is within ``err``
of the exact normalized betweenness with probability ``1 - delta``: 6-12 s on that graph, with the
same top 10 of the score over seeds (``benchmarks/RESULTS.md``). On 60,497 known people (200k
generated entities) it costs about what the pivots cost (3.2 s and 1 s to import networkit, against
2.3 s for each half of the pivots on two cores), and the score's top 10 is the same over seeds where
two pivot draws share 9 of 10 (``benchmarks/betweenness_estimate.py``). On small graphs the number
of samples, which hardly depends on the graph's size, costs more than the pivots (20,000 nodes: 6 s
against 1 s), so scoring uses it from :data:`MIN_NODES` up, where the work goes to a child anyway.

The values are on :func:`~linkgraph.graph.analytics.betweenness_values`' normalized scale (share
of the pairs of other nodes whose shortest paths go through a node). One thread, a fixed seed:
the same graph gives the same values, run after run.

>>> import igraph as ig
>>> g = ig.Graph.Star(200)                     # the centre lies on every path between two leaves
>>> s, t = graph_ends(g)
>>> values = kadabra_betweenness(g.vcount(), s, t, err=0.01)
>>> round(float(values[0]), 1), float(values[1:].max())
(1.0, 0.0)
"""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:       # (a new process loads this file alone: no igraph import needed there)
    import igraph as ig

ERR = 0.005          # additive error on the normalized value (the top person of 302k people: about 0.11)
DELTA = 0.1          # probability that some node is further off than ERR
MIN_NODES = 50_000   # below, 128 sampled pivots are cheaper (see the module's text)
FRESH_PROCESS_NODES = 150_000   # from here scoring runs it in a new process, not a fork (linkgraph.scoring.network)


def graph_ends(g: ig.Graph) -> tuple[np.ndarray, np.ndarray]:
    """The ends of ``g``'s edges as two integer arrays (vertex positions)."""
    pairs = g.get_edgelist()
    flat = np.fromiter(itertools.chain.from_iterable(pairs), dtype=np.int64, count=2 * len(pairs))
    return flat[0::2], flat[1::2]


def kadabra_betweenness(n: int, sources: np.ndarray, targets: np.ndarray, *, err: float = ERR,
                        delta: float = DELTA, seed: int = 0) -> np.ndarray:
    """Betweenness of the ``n`` nodes of the undirected, unweighted graph whose edges are
    ``sources[i]``-``targets[i]`` (positions ``0..n-1``; parallel edges and self-loops not allowed),
    each within ``err`` of the exact normalized value with probability ``1 - delta`` (see the
    module's text). Deterministic for a given ``seed``."""
    import networkit as nk        # imported when used: about 1.5 s, only large graphs need it

    if n <= 2:
        return np.zeros(n)
    graph = nk.Graph(n, weighted=False, directed=False)
    if len(sources):
        graph.addEdges((np.asarray(sources, dtype=np.uint64), np.asarray(targets, dtype=np.uint64)))
    threads = nk.getCurrentNumberOfThreads()
    nk.setNumberOfThreads(1)      # the other cores go on with the caller's work
    try:
        nk.engineering.setSeed(seed, True)
        estimate = nk.centrality.KadabraBetweenness(graph, err, delta, True)
        estimate.run()
        scores = np.asarray(estimate.scores(), dtype=np.float64)
    finally:
        nk.setNumberOfThreads(threads)
    # networkit 11 gives twice the share of ordered pairs (s, t) whose paths cross a node (checked
    # against exact values in the tests); the normalized scale counts pairs of *other* nodes
    return scores / 2 * n / (n - 2)
