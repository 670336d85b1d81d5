"""Node metrics of an entity graph, computed with igraph (C) over a simple weighted graph.

Every metric takes a ``GraphLike``: an edge table (``from_entity``, ``to_entity``, ``weight``:
:func:`~linkgraph.graph.edges.edge_table`, :func:`~linkgraph.graph.projection.person_projection`,
:func:`~linkgraph.graph.cosighting.co_sightings`), a networkx graph or an igraph graph built by
:func:`~linkgraph.graph.build.to_igraph`. Parallel edges are summed, self-loops dropped, and by
default direction is ignored (``directed=False``). Results are pandas Series indexed by entity id.

``weight`` is a *strength* (calls, rows) for weighted degree, PageRank, communities and
constraint; betweenness is unweighted (hops) unless ``distance`` names a column of lengths.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd

from linkgraph.graph.build import entity_graph, to_igraph

GraphLike = pd.DataFrame | nx.Graph | ig.Graph

__all__ = [
    "GraphLike", "METRICS", "PathResult", "analyse", "as_igraph", "betweenness", "bridges_between_communities", "burt_constraint",
    "communities", "coreness", "deconfliction", "degree", "ego_network", "pagerank", "shortest_path",
    "weighted_degree",
]


def as_igraph(graph: GraphLike, *, directed: bool = False, weight: str | None = "weight",
              nodes: list | None = None) -> ig.Graph:
    """The simple igraph form of ``graph`` (vertex ``name``, edge ``weight``); an igraph graph of the
    right direction is returned as is."""
    if isinstance(graph, ig.Graph):
        if graph.is_directed() == directed and "name" in graph.vs.attributes():
            return graph
        frame = graph.get_edge_dataframe()
        names = graph.vs["name"] if "name" in graph.vs.attributes() else list(range(graph.vcount()))
        frame = frame.rename(columns={"source": "from_entity", "target": "to_entity"})
        frame["from_entity"] = np.asarray(names, dtype=object)[frame["from_entity"].to_numpy()]
        frame["to_entity"] = np.asarray(names, dtype=object)[frame["to_entity"].to_numpy()]
        return to_igraph(frame, names, directed=directed, weight=weight)
    if isinstance(graph, nx.Graph):
        triples = list(graph.edges(data=weight or "weight", default=1.0))
        frame = pd.DataFrame(triples or None, columns=["from_entity", "to_entity", "weight"])
        return to_igraph(frame, list(graph.nodes), directed=directed, weight="weight" if weight else None)
    return to_igraph(graph, nodes, directed=directed, weight=weight)


def _series(g: ig.Graph, values, name: str) -> pd.Series:
    return pd.Series(values, index=pd.Index(g.vs["name"], name="entity_id"), name=name)


def degree(graph: GraphLike, *, directed: bool = False, mode: str = "all") -> pd.Series:
    """Number of distinct neighbours (``mode`` in/out/all when directed)."""
    g = as_igraph(graph, directed=directed)
    return _series(g, g.degree(mode=mode), "degree")


def weighted_degree(graph: GraphLike, *, directed: bool = False, mode: str = "all", weight: str | None = "weight") -> pd.Series:
    """Sum of the weights of a node's edges (its strength)."""
    g = as_igraph(graph, directed=directed, weight=weight)
    return _series(g, g.strength(mode=mode, weights="weight"), "weighted_degree")


def betweenness(graph: GraphLike, *, sample_threshold: int = 5000, k: int = 128, seed: int = 0,
                normalized: bool = True, directed: bool = False, distance: str | None = None) -> pd.Series:
    """Shortest-path betweenness with networkx's ``betweenness_centrality`` semantics.

    Exact when the graph has at most ``sample_threshold`` nodes. Above, ``k`` source pivots are drawn
    like networkx does (``random.Random(seed).sample(nodes, k)``), igraph computes the subset
    betweenness from them to every target, and the result is rescaled as networkx rescales a
    ``k``-sample (pivots by 1/(k-1), other nodes by 1/k): the same numbers as
    ``nx.betweenness_centrality(G, k=k, seed=seed)`` on a graph with the same node order.
    ``distance``: a column of edge lengths (summed over parallel edges); default hops.
    """
    g = as_igraph(graph, directed=directed, weight=distance)
    return _series(g, betweenness_values(g, sample_threshold=sample_threshold, k=k, seed=seed, normalized=normalized,
                                         directed=directed, weighted=distance is not None), "betweenness")


def betweenness_values(g: ig.Graph, *, sample_threshold: int = 5000, k: int = 128, seed: int = 0,
                       normalized: bool = True, directed: bool = False, weighted: bool = False,
                       part: tuple[int, int] = (0, 1)) -> np.ndarray:
    """:func:`betweenness`'s values on an igraph graph, in vertex order (``weighted``: the edge
    attribute ``weight`` is a length); no vertex names read (a forked child computes it as is).

    ``part=(i, m)``: the share of pivots ``i::m`` only, scaled as the whole sample (the sum is
    additive over pivots, so the ``m`` parts, computed on ``m`` cores, add up to the value, equal up
    to floating-point summation order); exact betweenness (no sampling) is part 0's whole, other
    parts' zero.

    >>> import igraph as ig
    >>> g = ig.Graph.Barabasi(300, 2)
    >>> whole = betweenness_values(g, sample_threshold=100, k=40)
    >>> halves = sum(betweenness_values(g, sample_threshold=100, k=40, part=(i, 2)) for i in range(2))
    >>> bool(np.allclose(whole, halves, rtol=1e-12, atol=0))
    True
    """
    n = g.vcount()
    weights = "weight" if weighted else None
    pair_factor = 1.0 if directed else 2.0  # igraph counts unordered pairs once when undirected
    i, m = part
    if n <= sample_threshold or k >= n:
        if i > 0:
            return np.zeros(n)
        raw = np.asarray(g.betweenness(directed=directed, weights=weights), dtype=float) * pair_factor
        if n <= 2:
            values = np.zeros(n)
        elif normalized:
            values = raw / ((n - 1) * (n - 2))
        else:
            values = raw / pair_factor
        return values
    pivots = random.Random(seed).sample(range(n), k)
    mine = pivots if m == 1 else pivots[i::m]
    raw = np.asarray(g.betweenness(directed=directed, weights=weights, sources=mine, targets=None), dtype=float)
    raw *= pair_factor
    is_pivot = np.zeros(n, dtype=bool)
    is_pivot[pivots] = True
    if normalized:
        scale_pivot = 1 / ((k - 1) * (n - 2)) if k > 1 else np.nan
        scale_other = 1 / (k * (n - 2))
    else:
        scale_pivot = (n - 1) / ((k - 1) * pair_factor) if k > 1 else np.nan
        scale_other = (n - 1) / (k * pair_factor)
    return raw * np.where(is_pivot, scale_pivot, scale_other)


def pagerank(graph: GraphLike, *, damping: float = 0.85, directed: bool = False, weight: str | None = "weight") -> pd.Series:
    """PageRank (PRPACK); dangling nodes spread their rank uniformly, as in networkx."""
    g = as_igraph(graph, directed=directed, weight=weight)
    return _series(g, g.pagerank(directed=directed, damping=damping, weights="weight"), "pagerank")


def _ranks(text: pd.Series) -> np.ndarray:
    """Dense ranks of texts in sorted order (``pd.factorize(text, sort=True)``'s codes), sorted as a
    fixed-width unicode array in C rather than as Python objects (a text with a NUL, which such an
    array cannot hold, falls back to pandas).

    >>> _ranks(pd.Series(["b", "a", "c", "a"])).tolist()
    [1, 0, 2, 0]
    """
    if len(text) == 0 or text.str.contains("\x00", regex=False).any():
        return pd.factorize(text.to_numpy(dtype=object), sort=True)[0]
    fixed = text.to_numpy(dtype=str)
    order = np.argsort(fixed, kind="stable")
    ordered = fixed[order]
    ranks = np.empty(len(fixed), dtype=np.int64)
    ranks[order] = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1
    return ranks


def _relabel(names: list, membership: np.ndarray) -> np.ndarray:
    """Community ids by decreasing size, ties by the smallest member id: stable across runs
    (integer work only: the ids are ranked once, each community keeps its smallest rank)."""
    membership = np.asarray(membership, dtype=np.int64)
    if len(membership) == 0:
        return membership
    ranks = _ranks(pd.Series(names, dtype=object).astype(str))
    n_comm = int(membership.max()) + 1
    size = np.bincount(membership, minlength=n_comm)
    first = np.full(n_comm, np.iinfo(np.int64).max)
    np.minimum.at(first, membership, ranks)
    present = np.flatnonzero(size)
    order = present[np.lexsort((first[present], -size[present]))]
    new = np.empty(n_comm, dtype=np.int64)
    new[order] = np.arange(len(order))
    return new[membership]


def communities(graph: GraphLike, *, method: str = "leiden", seed: int = 0, resolution: float = 1.0,
                weight: str | None = "weight", n_iterations: int = 2) -> pd.Series:
    """Community of each node (undirected modularity): ``leiden`` (igraph's; ``n_iterations`` passes,
    -1 = until stable, which can take 10x longer on large graphs without structure) or ``louvain``
    (multilevel). Deterministic for a seed; ids 0, 1... by decreasing community size."""
    g = as_igraph(graph, directed=False, weight=weight)
    if g.vcount() == 0:
        return _series(g, [], "community")
    ig.set_random_number_generator(random.Random(seed))
    try:
        if method == "leiden":
            parts = g.community_leiden(objective_function="modularity", weights="weight", resolution=resolution,
                                       n_iterations=n_iterations)
        elif method == "louvain":
            parts = g.community_multilevel(weights="weight", resolution=resolution)
        else:
            raise ValueError(f"unknown community method {method!r}: leiden or louvain")
    finally:
        ig.set_random_number_generator(random)
    return _series(g, _relabel(g.vs["name"], np.asarray(parts.membership)), "community")


def burt_constraint(graph: GraphLike, *, weight: str | None = "weight") -> pd.Series:
    """Burt's constraint (low = brokerage across structural holes); NaN for isolated nodes."""
    g = as_igraph(graph, directed=False, weight=weight)
    return _series(g, g.constraint(weights="weight"), "constraint")


def coreness(graph: GraphLike) -> pd.Series:
    """k-core number (undirected)."""
    g = as_igraph(graph, directed=False)
    return _series(g, g.coreness(mode="all"), "coreness")


def bridges_between_communities(graph: GraphLike, community: pd.Series | None = None, *,
                                min_communities: int = 2, weight: str | None = "weight", seed: int = 0) -> pd.DataFrame:
    """Nodes whose neighbours span at least ``min_communities`` communities.

    Columns: ``community`` (own), ``n_communities`` (distinct communities among neighbours),
    ``n_external`` / ``external_weight`` (neighbours and weight outside the own community).
    """
    g = as_igraph(graph, directed=False, weight=weight)
    if community is None:
        community = communities(g, seed=seed)
    names = np.asarray(g.vs["name"], dtype=object)
    comm = community.reindex(names).to_numpy()
    pairs = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    w = np.asarray(g.es["weight"], dtype=float) if g.ecount() else np.zeros(0)
    node = np.concatenate([pairs[:, 0], pairs[:, 1]])
    other = np.concatenate([pairs[:, 1], pairs[:, 0]])
    ww = np.concatenate([w, w])
    frame = pd.DataFrame({"node": node, "nc": comm[other], "ext": comm[other] != comm[node], "w": ww})
    grouped = frame.groupby("node")
    out = pd.DataFrame({"n_communities": grouped["nc"].nunique(),
                        "n_external": grouped["ext"].sum().astype(int),
                        "external_weight": frame["w"].where(frame["ext"], 0.0).groupby(frame["node"]).sum()})
    out = out[out["n_communities"] >= min_communities]
    out.insert(0, "community", comm[out.index.to_numpy()])
    out.index = pd.Index(names[out.index.to_numpy()], name="entity_id")
    return out.sort_values(["n_communities", "external_weight"], ascending=False)


def ego_network(graph: nx.Graph | pd.DataFrame, entity_id: str, radius: int = 1) -> nx.Graph:
    """The subgraph of everything within ``radius`` hops of ``entity_id`` (direction ignored), with
    all node and edge attributes (an edge table is first turned into an entity graph)."""
    if isinstance(graph, pd.DataFrame):
        graph = entity_graph(None, graph)
    return nx.ego_graph(graph, entity_id, radius=radius, undirected=True)


@dataclass
class PathResult:
    """A shortest path: the entity ids in order and every edge (with evidence) joining consecutive ones."""

    nodes: list[str]
    edges: pd.DataFrame


def shortest_path(graph: nx.Graph | pd.DataFrame, a: str, b: str, *, weight: str | None = None) -> PathResult:
    """Fewest-hops (or least ``weight`` as length) path from ``a`` to ``b``, direction ignored.

    Raises ``networkx.NetworkXNoPath`` when they are not connected."""
    if isinstance(graph, pd.DataFrame):
        graph = entity_graph(None, graph)
    view = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    nodes = nx.shortest_path(view, a, b, weight=weight)
    rows = []
    for u, v in zip(nodes, nodes[1:]):
        for x, y in ((u, v), (v, u)) if graph.is_directed() else ((u, v),):
            data = graph.get_edge_data(x, y) or {}
            items = data.values() if graph.is_multigraph() else [data]
            rows += [{"from_entity": x, "to_entity": y, **attrs} for attrs in items if attrs is not None]
    return PathResult(nodes, pd.DataFrame(rows))


def deconfliction(entities: pd.DataFrame, mentions: pd.DataFrame, *, min_agencies: int = 2) -> pd.DataFrame:
    """Entities reported by ``min_agencies`` or more agencies (what a CROSS deconflicts).

    Columns: ``entity_type``, ``label``, ``n_agencies``, ``agencies`` (';'), ``by_agency``
    (``agency:mentions``, ';'), ``mentions``, ``first_seen``, ``last_seen``; most agencies first.
    """
    counts = mentions.groupby(["entity_id", "agency"]).size().rename("n").reset_index()
    n_agencies = counts.groupby("entity_id").size()
    keep = n_agencies[n_agencies >= min_agencies].index
    counts = counts[counts["entity_id"].isin(keep)].sort_values(["entity_id", "agency"])
    per = counts.assign(part=counts["agency"] + ":" + counts["n"].astype(str)).groupby("entity_id")
    out = pd.DataFrame({"n_agencies": per.size(), "agencies": per["agency"].agg(";".join),
                        "by_agency": per["part"].agg(";".join), "mentions": per["n"].sum()})
    info = entities.set_index("entity_id")
    for col in ("entity_type", "label", "first_seen", "last_seen"):
        if col in info:
            out[col] = info[col].reindex(out.index)
    out.index.name = "entity_id"
    cols = [c for c in ("entity_type", "label", "n_agencies", "agencies", "by_agency", "mentions", "first_seen",
                        "last_seen") if c in out]
    return out[cols].sort_values(["n_agencies", "mentions"], ascending=False)


METRICS = ("degree", "weighted_degree", "betweenness", "pagerank", "community", "constraint", "coreness",
           "n_communities", "n_external")


def analyse(edges: GraphLike, entities: pd.DataFrame | None = None, *, directed: bool = False,
            weight: str | None = "weight", method: str = "leiden", seed: int = 0, sample_threshold: int = 5000,
            k: int = 128, metrics: tuple[str, ...] | list[str] | None = None) -> pd.DataFrame:
    """Node metrics in one call, indexed by entity id (entities without edges included, with
    degree 0): ``degree``, ``weighted_degree``, ``betweenness`` (normalized; sampled above
    ``sample_threshold`` nodes), ``pagerank``, ``community``, ``constraint``, ``coreness``,
    ``n_communities`` / ``n_external`` (bridging: see :func:`bridges_between_communities`), and the
    entity's ``entity_type`` and ``label`` when ``entities`` is given.

    ``metrics``: the columns to compute (default: all of :data:`METRICS`, in that order); a pipeline
    asks only for what it reads (scoring: :data:`linkgraph.scoring.score.ANALYSIS_METRICS`), since
    constraint and betweenness cost most on large graphs.

    >>> import networkx as nx
    >>> analyse(nx.path_graph(["a", "b", "c"]), metrics=["degree", "community"]).columns.tolist()
    ['degree', 'community']
    """
    wanted = METRICS if metrics is None else tuple(metrics)
    unknown = [m for m in wanted if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}: choose among {list(METRICS)}")
    nodes = entities["entity_id"].tolist() if entities is not None else None
    g = as_igraph(edges, directed=directed, weight=weight, nodes=nodes)
    u = g if not directed else as_igraph(g, directed=False)
    out = pd.DataFrame(index=pd.Index(g.vs["name"], name="entity_id"))
    if entities is not None:
        info = entities.set_index("entity_id")
        for col in ("entity_type", "label"):
            if col in info:
                out[col] = info[col].reindex(out.index)
    bridging = {"n_communities", "n_external"} & set(wanted)
    compute = {
        "degree": lambda: degree(g, directed=directed),
        "weighted_degree": lambda: weighted_degree(g, directed=directed),
        "betweenness": lambda: betweenness(g, directed=directed, sample_threshold=sample_threshold, k=k, seed=seed),
        "pagerank": lambda: pagerank(g, directed=directed),
        "community": lambda: communities(u, method=method, seed=seed),
        "constraint": lambda: burt_constraint(u),
        "coreness": lambda: coreness(u),
    }
    community = None
    if "community" in wanted or bridging:
        community = compute["community"]()
    bridges = (bridges_between_communities(u, community, min_communities=1) if bridging else None)
    for m in METRICS:
        if m not in wanted:
            continue
        if m == "community":
            out[m] = community
        elif m in bridging:
            out[m] = bridges[m].reindex(out.index).fillna(0).astype(int)
        else:
            out[m] = compute[m]()
    return out
