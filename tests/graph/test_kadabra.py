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


def test_scoring_estimates_a_large_network_on_its_own_edges(monkeypatch):
    """Above ``MIN_NODES`` (lowered here for the fixtures) the network factor's betweenness is
    KADABRA's, computed on the edges of the known population's subgraph, read from the projection's
    codes: the same edges as the igraph subgraph's, the values within the error of the exact ones."""
    import linkgraph
    from linkgraph.scoring import factors as F
    from linkgraph.scoring.score import load_scoring
    from linkgraph.scoring.context import ScoringContext

    result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])
    st = load_scoring()
    ctx = ScoringContext.of(result, st.reference_date, st.cosightings.window_seconds, st.cosightings.min_times,
                            st.attribution.rules())
    activity, _ = F.activity(ctx, st.factors.activity, st.half_life_days)
    known = activity.index[activity > 0]
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
