"""Analytics agree with networkx on small graphs; communities are deterministic; helpers work."""
from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from linkgraph.graph import analytics as A
from linkgraph.graph.build import entity_graph, to_igraph
from linkgraph.graph.edges import edge_table


def weighted_random(n: int, p: float, seed: int, directed: bool = False) -> nx.Graph:
    g = nx.gnp_random_graph(n, p, seed=seed, directed=directed)
    rng = np.random.default_rng(seed)
    for u, v in g.edges:
        g[u][v]["weight"] = float(rng.integers(1, 10))
    g.add_node(n)  # an isolated node
    return g


GRAPHS = {
    "karate": nx.karate_club_graph(),  # weighted (meeting counts)
    "lesmis": nx.les_miserables_graph(),
    "random": weighted_random(60, 0.08, 1),
    "sparse": weighted_random(80, 0.03, 2),  # several components
}


def close(ours: pd.Series, theirs: dict, tol: float) -> None:
    assert set(ours.index) == set(theirs)
    for node, value in theirs.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(ours[node]), node
        else:
            assert ours[node] == pytest.approx(value, abs=tol), node


@pytest.mark.parametrize("name", GRAPHS)
def test_degree_and_strength(name):
    g = GRAPHS[name]
    close(A.degree(g), dict(g.degree()), 0)
    close(A.weighted_degree(g), dict(g.degree(weight="weight")), 1e-9)


@pytest.mark.parametrize("name", GRAPHS)
def test_pagerank(name):
    g = GRAPHS[name]
    close(A.pagerank(g), nx.pagerank(g, weight="weight", tol=1e-13, max_iter=10_000), 1e-6)


def test_pagerank_directed_with_dangling_nodes():
    g = weighted_random(50, 0.06, 3, directed=True)
    close(A.pagerank(g, directed=True), nx.pagerank(g, weight="weight", tol=1e-13, max_iter=10_000), 1e-6)
    close(A.degree(g, directed=True, mode="in"), dict(g.in_degree()), 0)


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("normalized", [True, False])
def test_exact_betweenness(name, normalized):
    g = GRAPHS[name]
    close(A.betweenness(g, normalized=normalized), nx.betweenness_centrality(g, normalized=normalized), 1e-9)


def test_exact_betweenness_directed_and_weighted():
    d = weighted_random(40, 0.1, 4, directed=True)
    close(A.betweenness(d, directed=True), nx.betweenness_centrality(d), 1e-9)
    g = GRAPHS["random"]
    close(A.betweenness(g, distance="weight"), nx.betweenness_centrality(g, weight="weight"), 1e-9)


@pytest.mark.parametrize("name", ["karate", "lesmis", "random"])
@pytest.mark.parametrize("normalized", [True, False])
def test_sampled_betweenness_is_networkx_k_sample(name, normalized):
    g = GRAPHS[name]
    ours = A.betweenness(g, sample_threshold=10, k=12, seed=7, normalized=normalized)
    close(ours, nx.betweenness_centrality(g, k=12, seed=7, normalized=normalized), 1e-9)
    assert ours.equals(A.betweenness(g, sample_threshold=10, k=12, seed=7, normalized=normalized))


def test_sampled_betweenness_directed_and_all_pivots():
    d = weighted_random(40, 0.1, 5, directed=True)
    close(A.betweenness(d, directed=True, sample_threshold=5, k=9, seed=1), nx.betweenness_centrality(d, k=9, seed=1), 1e-9)
    g = GRAPHS["karate"]
    close(A.betweenness(g, sample_threshold=5, k=g.number_of_nodes()), nx.betweenness_centrality(g), 1e-9)


@pytest.mark.parametrize("name", GRAPHS)
def test_constraint(name):
    g = GRAPHS[name]
    close(A.burt_constraint(g), nx.constraint(g, weight="weight"), 1e-9)


@pytest.mark.parametrize("name", GRAPHS)
def test_coreness(name):
    g = GRAPHS[name]
    close(A.coreness(g), nx.core_number(g), 0)


@pytest.mark.parametrize("method", ["leiden", "louvain"])
def test_communities_deterministic_and_good(method):
    g = GRAPHS["lesmis"]
    first = A.communities(g, method=method, seed=3)
    assert first.equals(A.communities(g, method=method, seed=3))
    parts = [set(first.index[first == c]) for c in sorted(first.unique())]
    assert nx.community.modularity(g, parts, weight="weight") > 0.5
    sizes = [len(p) for p in parts]
    assert sizes == sorted(sizes, reverse=True)  # ids by decreasing size


def test_input_forms_agree():
    g = GRAPHS["sparse"]
    frame = nx.to_pandas_edgelist(g, source="from_entity", target="to_entity")
    ig_graph = to_igraph(frame, list(g.nodes))  # with the isolated nodes
    expected = nx.pagerank(g, tol=1e-13, max_iter=10_000)
    close(A.pagerank(ig_graph), expected, 1e-6)
    close(A.pagerank(entity_graph(None, frame.assign(type="x"))),
          nx.pagerank(nx.from_pandas_edgelist(frame, "from_entity", "to_entity", "weight"), tol=1e-13, max_iter=10_000), 1e-6)
    close(A.pagerank(frame), nx.pagerank(nx.from_pandas_edgelist(frame, "from_entity", "to_entity", "weight"),
                                         tol=1e-13, max_iter=10_000), 1e-6)
    assert A.degree(ig_graph).equals(A.degree(g))


def test_bridges_between_communities():
    g = nx.Graph([("a1", "a2"), ("a2", "a3"), ("a1", "a3"), ("b1", "b2"), ("b2", "b3"), ("b1", "b3"), ("x", "a1"), ("x", "b1")])
    comm = pd.Series({"a1": 0, "a2": 0, "a3": 0, "x": 0, "b1": 1, "b2": 1, "b3": 1})
    out = A.bridges_between_communities(g, comm)
    assert set(out.index) == {"x", "b1"}  # a1's neighbours are all in community 0
    assert out.loc["x", "n_communities"] == 2 and out.loc["x", "n_external"] == 1
    assert out.loc["b1", "community"] == 1 and out.loc["b1", "external_weight"] == 1.0


def test_analyse_includes_isolated_entities():
    g = GRAPHS["karate"]
    frame = nx.to_pandas_edgelist(g, source="from_entity", target="to_entity")
    entities = pd.DataFrame({"entity_id": list(g.nodes) + ["lonely"], "entity_type": "person", "label": "x"})
    out = A.analyse(frame, entities)
    assert list(out.columns) == ["entity_type", "label", "degree", "weighted_degree", "betweenness", "pagerank",
                                 "community", "constraint", "coreness", "n_communities", "n_external"]
    assert out.loc["lonely", "degree"] == 0 and math.isnan(out.loc["lonely", "constraint"])
    with_lonely = g.copy()
    with_lonely.add_node("lonely")
    close(out["betweenness"], nx.betweenness_centrality(with_lonely), 1e-9)
    close(out["pagerank"], nx.pagerank(with_lonely, tol=1e-13, max_iter=10_000), 1e-6)
    close(out["coreness"], nx.core_number(with_lonely), 0)
    assert out["community"].equals(A.communities(with_lonely, seed=0).reindex(out.index))
    assert (out["n_communities"] >= 1).sum() == g.number_of_nodes()


def test_ego_network_and_shortest_path_with_evidence(rel):
    relations = pd.DataFrame([rel("P-a", "T-1", "uses", "police", 1), rel("T-1", "T-2", "called", "fadettes", 4),
                              rel("T-1", "T-2", "called", "fadettes", 5), rel("P-b", "T-2", "uses", "douane", 2),
                              rel("P-b", "V-1", "drives", "douane", 2), rel("P-z", "V-9", "drives", "police", 8)])
    g = entity_graph(None, edge_table(relations))
    path = A.shortest_path(g, "P-a", "V-1")
    assert path.nodes == ["P-a", "T-1", "T-2", "P-b", "V-1"]
    call = path.edges[path.edges["type"] == "called"].iloc[0]
    assert call["evidence"] == ["fadettes:4", "fadettes:5"] and call["count"] == 2
    assert list(path.edges["type"]) == ["uses", "called", "uses", "drives"]
    ego = A.ego_network(g, "T-2", radius=1)
    assert set(ego.nodes) == {"T-1", "T-2", "P-b"}
    assert set(A.ego_network(g, "T-2", radius=2).nodes) == {"P-a", "T-1", "T-2", "P-b", "V-1"}
    with pytest.raises(nx.NetworkXNoPath):
        A.shortest_path(g, "P-a", "P-z")


def test_deconfliction():
    mentions = pd.DataFrame({"entity_id": ["P-a", "P-a", "P-a", "P-b", "P-b", "V-1"],
                             "agency": ["police", "douane", "police", "police", "police", "lapi"]})
    entities = pd.DataFrame({"entity_id": ["P-a", "P-b", "V-1"], "entity_type": ["person", "person", "vehicle"],
                             "label": ["A", "B", "V"], "first_seen": ["2021-01-01", None, None],
                             "last_seen": ["2022-01-01", None, None]})
    out = A.deconfliction(entities, mentions)
    assert list(out.index) == ["P-a"]
    row = out.loc["P-a"]
    assert row["agencies"] == "douane;police" and row["by_agency"] == "douane:1;police:2"
    assert row["n_agencies"] == 2 and row["mentions"] == 3 and row["label"] == "A"
