"""KADABRA's betweenness estimate (networkit) is within its stated error of the exact value, on
the normalized scale of ``betweenness_values``, and the same run after run; scoring uses it, on the
edges of the very graph it scores, for a large network."""
from __future__ import annotations

import random

import igraph as ig
import numpy as np
import pytest

from linkgraph.graph import kadabra
from linkgraph.graph.analytics import betweenness_values
from linkgraph.graph.kadabra import graph_ends, kadabra_betweenness
from linkgraph.scoring import factors as F


def _graphs() -> list[ig.Graph]:
    random.seed(7)            # igraph's generators draw from Python's random: the same graphs each run
    sizes = [400] * 6     # six dense groups joined by a few brokers: a trafficking network's shape
    prefs = np.full((6, 6), 0.00003) + np.eye(6) * 0.05
    sbm = ig.Graph.SBM(prefs.tolist(), sizes, directed=False)
    ba = ig.Graph.Barabasi(3000, 3)
    for g in (sbm, ba):
        g.simplify()
        g.delete_vertices(np.flatnonzero(np.asarray(g.degree()) == 0).tolist())
    return [sbm, ba]


@pytest.mark.parametrize("which", [0, 1])
def test_every_node_is_within_the_stated_error_of_the_exact_value(which):
    g = _graphs()[which]
    exact = betweenness_values(g)              # under 5,000 nodes: exact, normalized
    s, t = graph_ends(g)
    estimate = kadabra_betweenness(g.vcount(), s, t, err=0.005)
    assert exact.max() > 0.02                  # a graph with brokers, not a flat one
    assert np.abs(estimate - exact).max() <= 0.005
    assert estimate.argmax() == exact.argmax()          # the main broker comes out on top
    third = np.sort(exact)[-3]
    assert (exact[np.argsort(-estimate)[:3]] >= third - 2 * 0.005).all()   # and the next ones near it


def test_the_same_seed_gives_the_same_values_and_another_seed_other_samples():
    g = _graphs()[1]
    s, t = graph_ends(g)
    first = kadabra_betweenness(g.vcount(), s, t, seed=0)
    assert np.array_equal(first, kadabra_betweenness(g.vcount(), s, t, seed=0))
    assert not np.array_equal(first, kadabra_betweenness(g.vcount(), s, t, seed=1))


def test_the_graph_is_built_on_one_thread_so_that_runs_agree(monkeypatch):
    """networkit builds a graph in parallel when it may: a node's neighbours then come in an order
    that varies from run to run, and so do the sampled paths (on a 20,000-node graph, one run in two
    or three differed). The build runs on one thread, and runs agree; the caller's thread count is
    given back."""
    import networkit as nk

    seen = []
    real = kadabra._graph

    def watched(*args):
        seen.append(nk.getMaxNumberOfThreads())     # the threads a parallel region would use
        return real(*args)

    monkeypatch.setattr(kadabra, "_graph", watched)
    random.seed(1)
    g = ig.Graph.Barabasi(20_000, 5)
    s, t = graph_ends(g)
    nk.setNumberOfThreads(2)
    runs = [kadabra_betweenness(g.vcount(), s, t, err=0.01) for _ in range(3)]
    assert seen == [1, 1, 1]
    assert nk.getMaxNumberOfThreads() == 2            # the caller's setting given back
    assert all(np.array_equal(runs[0], other) for other in runs[1:])


@pytest.fixture(scope="module")
def fixtures_scoring():
    """The bundled fixtures' scoring context, its settings and the known people (activity > 0)."""
    import linkgraph
    from linkgraph.scoring.context import ScoringContext
    from linkgraph.scoring.score import load_scoring

    result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])
    st = load_scoring()
    ctx = ScoringContext.of(result, st.reference_date, st.cosightings.window_seconds, st.cosightings.min_times,
                            st.attribution.rules())
    activity, _ = F.activity(ctx, st.factors.activity, st.half_life_days)
    return ctx, st, activity.index[activity > 0]


def test_scoring_estimates_a_large_network_on_its_own_edges(monkeypatch, fixtures_scoring):
    """Above ``MIN_NODES`` (lowered here for the fixtures) the network factor's betweenness is
    KADABRA's, computed on the edges of the known population's subgraph, read from the projection's
    codes: the same edges as the igraph subgraph's, the values within the error of the exact ones."""
    ctx, st, known = fixtures_scoring
    seen = []
    real = kadabra.kadabra_betweenness

    def watched(n, s, t, **kw):
        seen.append((n, s, t))
        return real(n, s, t, **kw)

    monkeypatch.setattr(kadabra, "kadabra_betweenness", watched)
    monkeypatch.setattr(kadabra, "MIN_NODES", 0)
    prepared = F.network_graph(ctx, st.factors.network, known, graph=ctx.projection_graph())
    values = prepared.betweenness()
    n, s, t = seen[0]
    g = prepared.g
    assert n == g.vcount() and g.ecount() > 100
    pairs = {tuple(sorted(p)) for p in zip(s.tolist(), t.tolist())}
    assert len(pairs) == len(s) == g.ecount() and pairs == {tuple(sorted(p)) for p in g.get_edgelist()}
    assert np.abs(values - betweenness_values(g)).max() <= kadabra.ERR


def test_a_new_process_gives_the_effective_size_too_and_the_same_network_factor(monkeypatch, fixtures_scoring):
    """On a graph large enough for a new process (``FRESH_PROCESS_NODES``, lowered here for the
    fixtures) the worker also computes the effective size, and the igraph subgraph is not built: the
    network factor — its value, every part, its evidence — is the one computed with the subgraph."""
    ctx, st, known = fixtures_scoring
    monkeypatch.setattr(kadabra, "MIN_NODES", 0)
    with_subgraph = F.network(ctx, st.factors.network, known, graph=ctx.projection_graph())
    monkeypatch.setattr(kadabra, "FRESH_PROCESS_NODES", 0)
    prepared = F.network_graph(ctx, st.factors.network, known, graph=ctx.projection_graph())
    assert prepared.g is None and not prepared.empty          # no subgraph built here
    from_worker = F.network(ctx, st.factors.network, known, graph=ctx.projection_graph(), prepared=prepared)
    parts, theirs = with_subgraph[2], from_worker[2]
    assert parts["effective_size"].max() > 2
    assert np.allclose(parts["effective_size"], theirs["effective_size"], rtol=0, atol=1e-12)
    assert parts["betweenness"].equals(theirs["betweenness"])
    assert np.allclose(with_subgraph[0], from_worker[0], rtol=0, atol=1e-12)
    some = list(with_subgraph[0].sort_values(ascending=False).index[:5])
    assert all(list(with_subgraph[1].get(p, [])) == list(from_worker[1].get(p, [])) for p in some)
    # a weighted part only igraph gives (brokerage): the subgraph is built after all
    cfg = st.factors.network.model_copy(update={"parts": {**st.factors.network.parts, "brokerage": 0.1}})
    assert F.network_graph(ctx, cfg, known, graph=ctx.projection_graph()).g is not None


def test_a_pair_given_twice_or_both_ways_is_one_edge():
    """The graph is made from the upper triangle of the adjacency matrix: a repeated pair, or a pair
    given both ways, makes one edge, so the estimate is the simple graph's (same seed, same values)."""
    g = _graphs()[0]
    s, t = graph_ends(g)
    once = kadabra_betweenness(g.vcount(), s, t, seed=3)
    again = kadabra_betweenness(g.vcount(), np.concatenate([s, t, s]), np.concatenate([t, s, t]), seed=3)
    assert np.array_equal(once, again)


_NETWORKIT_IN_A_PROCESS = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("k", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)                      # the file alone, as a new worker process loads it
nk = module._networkit()
print(json.dumps({"optional": sorted(m for m in module.OPTIONAL if sys.modules.get(m) is not None),
                  "blocked_left": sorted(m for m, v in sys.modules.items() if v is None and m in module.OPTIONAL),
                  "kadabra": hasattr(nk.centrality, "KadabraBetweenness")}))
"""


@pytest.mark.parametrize("worker", [True, False])
def test_a_worker_imports_networkit_without_its_optional_integrations(worker):
    """In a worker process (``LINKGRAPH_WORKER=1``, set by ``background`` in its children) networkit is
    imported without scikit-learn, networkx and matplotlib (1.9 s of its 2.2 s import); anywhere else
    it is imported whole, so that a caller's own use of networkit keeps them."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != kadabra.WORKER}
    if worker:
        env[kadabra.WORKER] = "1"
    out = subprocess.run([sys.executable, "-c", _NETWORKIT_IN_A_PROCESS, kadabra.__file__], env=env,
                         capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout)
    assert seen["kadabra"] and seen["blocked_left"] == []      # nothing left marked missing afterwards
    assert (seen["optional"] == []) if worker else ("sklearn" in seen["optional"])


def test_the_worker_variable_is_the_one_background_sets():
    from linkgraph.graph import background

    assert kadabra.WORKER == background.WORKER_VARIABLE
