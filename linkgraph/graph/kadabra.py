"""Betweenness of a large graph estimated with a stated error: KADABRA (networkit).

Sampled pivots (:func:`~linkgraph.graph.analytics.betweenness_values`) cost one full shortest-path
search per pivot: 128 of them on scoring's known population at a million people (302,485 people,
5.9M pairs) take 37 s of CPU, and carry no error bound. KADABRA (Borassi and Natale, 2016; networkit's
implementation) samples shortest paths between random pairs of nodes with a balanced bidirectional
search, which touches a small part of the graph, and stops once every node's value is within ``err``
of the exact normalized betweenness with probability ``1 - delta``: 6-12 s on that graph, with the
same top 10 of the score over seeds (``benchmarks/RESULTS.md``). On 60,497 known people (200k
generated entities) it costs about what the pivots cost (3.2 s, and 0.2 s to import networkit and
build its graph in a worker, against 2.3 s for each half of the pivots on two cores), and the
score's top 10 is the same over seeds where two pivot draws share 9 of 10
(``benchmarks/betweenness_estimate.py``). On small graphs the number
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
import os
import sys
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:       # (a new process loads this file alone: no igraph import needed there)
    import igraph as ig

ERR = 0.005          # additive error on the normalized value (the top person of 302k people: about 0.11)
DELTA = 0.1          # probability that some node is further off than ERR
MIN_NODES = 50_000   # below, 128 sampled pivots are cheaper (see the module's text)
FRESH_PROCESS_NODES = 150_000   # from here scoring runs it in a new process, not a fork (linkgraph.scoring.network)
# networkit's own import loads its optional integrations when they are installed: scikit-learn (for
# link prediction), networkx and matplotlib: 1.9 s of the 2.2 s it takes in a new process, 0.7 of 1 s
# in a fork of a process that has pandas. A worker process that only runs KADABRA does without them.
OPTIONAL = ("sklearn", "networkx", "matplotlib")
WORKER = "LINKGRAPH_WORKER"     # "1" in a worker process (background.WORKER_VARIABLE; this file is loaded alone there)


def graph_ends(g: ig.Graph) -> tuple[np.ndarray, np.ndarray]:
    """The ends of ``g``'s edges as two integer arrays (vertex positions)."""
    pairs = g.get_edgelist()
    flat = np.fromiter(itertools.chain.from_iterable(pairs), dtype=np.int64, count=2 * len(pairs))
    return flat[0::2], flat[1::2]


def kadabra_betweenness(n: int, sources: np.ndarray, targets: np.ndarray, *, err: float = ERR,
                        delta: float = DELTA, seed: int = 0, effective_size: bool = False) -> np.ndarray:
    """Betweenness of the ``n`` nodes of the undirected, unweighted graph whose edges are
    ``sources[i]``-``targets[i]`` (positions ``0..n-1``; a pair given twice or both ways is one edge;
    no self-loop), each within ``err`` of the exact normalized value with probability ``1 - delta``
    (see the module's text). Deterministic for a given ``seed``.

    ``effective_size``: also each node's Burt effective size (degree − local clustering × (degree − 1),
    :func:`linkgraph.scoring.network.effective_size`'s value), after the ``n`` betweenness values
    (``2n`` values): a worker that has the graph computes it, and the caller need not build one."""
    if n <= 2:
        return np.zeros(2 * n if effective_size else n)
    nk = _networkit()
    threads = nk.getMaxNumberOfThreads()     # (the "current" count is 1 outside a parallel region)
    # one thread, also for the graph's build: built in parallel, a node's neighbours come in an order
    # that varies from run to run, and so would the sampled paths; the other cores go on with the
    # caller's work
    nk.setNumberOfThreads(1)
    try:
        graph, degree = _graph(nk, n, sources, targets)
        nk.engineering.setSeed(seed, True)
        estimate = nk.centrality.KadabraBetweenness(graph, err, delta, True)
        estimate.run()
        scores = np.asarray(estimate.scores(), dtype=np.float64)
        if effective_size:
            clustering = nk.centrality.LocalClusteringCoefficient(graph)
            clustering.run()
            local = np.asarray(clustering.scores(), dtype=np.float64)
    finally:
        nk.setNumberOfThreads(threads)
    # networkit 11 gives twice the share of ordered pairs (s, t) whose paths cross a node (checked
    # against exact values in the tests); the normalized scale counts pairs of *other* nodes
    values = scores / 2 * n / (n - 2)
    if not effective_size:
        return values
    return np.concatenate([values, degree - local * np.maximum(degree - 1, 0)])


def _graph(nk, n: int, sources: np.ndarray, targets: np.ndarray):
    """The networkit graph of the edges, made from the upper triangle of its adjacency matrix in CSR
    form: networkit inserts each stored entry as an undirected edge, both ways (0.14 s for 1.2M
    edges, against 0.55 s edge by edge with ``Graph.addEdges``); and each node's degree (float)."""
    from scipy.sparse import csr_matrix     # (networkit imports SciPy itself)

    lo, hi = np.minimum(sources, targets), np.maximum(sources, targets)
    upper = csr_matrix((np.ones(len(lo)), (lo, hi)), shape=(n, n))     # (a repeated pair: one entry)
    degree = (np.diff(upper.indptr) + np.bincount(upper.indices, minlength=n)).astype(np.float64)
    return nk.graph.GraphFromCsr(upper, directed=False, weighted=False), degree


def _networkit():
    """networkit, imported when first used (only large graphs need it). In a worker process
    (:data:`WORKER` set), which exits once its result is written, without the optional integrations
    networkit's import would load (:data:`OPTIONAL`: 0.3 s instead of 2.2 s from scratch): they are
    marked absent (``None`` in ``sys.modules``) while it imports, and the worker never uses them.
    Anywhere else a full import, so that a caller's own use of networkit keeps them."""
    if "networkit" in sys.modules or os.environ.get(WORKER) != "1":
        import networkit
        return networkit
    absent = [name for name in OPTIONAL if name not in sys.modules]
    sys.modules.update(dict.fromkeys(absent))       # None: "import sklearn" raises ImportError
    try:
        import networkit
    finally:
        for name in absent:
            sys.modules.pop(name, None)
    return networkit
