"""The network factor: a person's position among the people already known (betweenness, effective
size, optionally brokerage and fragmentation), on the person projection or its known population's
subgraph, with the projection pairs behind it as evidence.

The betweenness is the slow part at national scale: :func:`network_graph` starts it — in another
process on a large graph (:mod:`~linkgraph.graph.background`), KADABRA's estimate from
:data:`~linkgraph.graph.kadabra.MIN_NODES` nodes, with the effective size too from
:data:`~linkgraph.graph.kadabra.FRESH_PROCESS_NODES` — and :func:`network` collects it once the other
factors are done.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import igraph as ig
import numpy as np
import pandas as pd

from linkgraph.arrays import distinct
from linkgraph.graph import kadabra
from linkgraph.graph.analytics import as_igraph, betweenness_values, burt_constraint
from linkgraph.graph.background import in_background, in_background_parts, in_fresh_process
from linkgraph.scoring.codes import end_codes
from linkgraph.scoring.config import NetworkFactor
from linkgraph.scoring.context import ScoringContext
from linkgraph.scoring.evidence import EvidenceIndex


def _fragmentation(g: ig.Graph, candidates: list[int]) -> dict[int, float]:
    """Share of connected node pairs of a node's component that its removal disconnects."""
    comp = g.connected_components()
    membership = np.array(comp.membership)
    out = {}
    for v in candidates:
        nodes = np.flatnonzero(membership == membership[v])
        size = len(nodes)
        if size < 3:
            out[v] = 0.0
            continue
        sub = g.induced_subgraph([int(x) for x in nodes if x != v])
        sizes = np.array(sub.connected_components().sizes(), dtype=float)
        before = (size - 1) * (size - 2) / 2
        out[v] = float(1 - (sizes * (sizes - 1) / 2).sum() / before) if before else 0.0
    return out


def _projection_codes(ctx: ScoringContext) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """The projection's endpoints as codes into one index of their ids
    (:func:`~linkgraph.scoring.codes.end_codes`, made once per context: the holders, the known
    subgraph and the network's evidence read them). Some ids of the index may have no pair."""
    cached = ctx.cache.get("projection_codes")
    if cached is not None and cached[0] is ctx.projection:
        return cached[1]
    n = len(ctx.projection)
    codes, ids = end_codes(ctx.projection)
    out = (codes[:n], codes[n:], pd.Index(ids))
    ctx.cache["projection_codes"] = (ctx.projection, out)
    return out


def tied_holders(ctx: ScoringContext, known: pd.Index, low: int, high: int) -> pd.Index:
    """Holders of unidentified lines in contact with ``low``..``high`` known people: unidentified members
    of the network (more contacts than ``high``: a switchboard — kebab shop, taxi, lawyer — left out)."""
    p = ctx.projection
    if low <= 0 or p.empty:
        return pd.Index([])
    # integer work: ids coded once per context, distinct (holder, known contact) pairs counted per holder
    fc, tc, names = _projection_codes(ctx)
    codes = np.concatenate([fc, tc])
    # an id is a phone where a pair says so (an id has one type: every pair of it says the same)
    holder = np.zeros(len(names), dtype=bool)
    holder[fc[(p["from_type"] == "phone").to_numpy()]] = True
    holder[tc[(p["to_type"] == "phone").to_numpy()]] = True
    is_known = names.isin(known)
    a, b = codes, np.concatenate([tc, fc])
    keep = holder[a] & is_known[b]
    pairs = distinct(a[keep].astype(np.int64) * len(names) + b[keep])
    n = np.bincount(pairs // len(names), minlength=len(names))
    return pd.Index(np.sort(np.asarray(names, dtype=object)[(n >= low) & (n <= high) & (n > 0)]))   # id order


NETWORK_PARTS = ("betweenness", "effective_size", "brokerage", "fragmentation")
IGRAPH_PARTS = ("brokerage", "fragmentation")      # parts computed on the igraph graph only


def effective_size(g: ig.Graph) -> np.ndarray:
    """Burt's effective size of each node's ego network, unweighted: degree − 2·ties among its
    neighbours / degree (= k − C·(k − 1) with C the local clustering). A node whose contacts do not
    know each other spans structural holes; unlike 1 − constraint, a strong tie to one contact (a
    lieutenant's many calls to the organiser) costs nothing.

    >>> import igraph as ig
    >>> effective_size(ig.Graph.Star(4)).tolist()   # centre: 3 contacts who do not know each other
    [3.0, 1.0, 1.0, 1.0]
    """
    k = np.asarray(g.degree(), dtype=float)
    c = np.nan_to_num(np.asarray(g.transitivity_local_undirected(mode="zero"), dtype=float))
    return k - c * np.maximum(k - 1, 0)


@dataclass
class NetworkGraph:
    """The graph the network factor is computed on (the projection, or the known population's
    subgraph), the projection pairs it keeps, and its betweenness, started — in another process on a
    large graph (:mod:`~linkgraph.graph.background`) — while the other factors run."""

    g: ig.Graph | None                       # None: no pair, or not built (a worker gives every part)
    kept: np.ndarray | None                  # projection pairs between known people (population known)
    betweenness: Callable[[], np.ndarray] | None = None   # values in vertex order, when not analyse's;
    #   with ``g`` not built: the betweenness, then the effective sizes (2n values)
    names: pd.Index | None = None            # the vertices' ids, in vertex order (None: no pair)

    @property
    def empty(self) -> bool:
        return self.names is None


def network_graph(ctx: ScoringContext, cfg: NetworkFactor, known: pd.Index, graph: ig.Graph | None = None,
                  analysis: pd.DataFrame | None = None) -> NetworkGraph:
    """:func:`network`'s graph and its betweenness, started now (see :class:`NetworkGraph`)."""
    p = ctx.projection
    population = cfg.population
    if population == "auto":
        population = "known" if len(known) else "all"
    if p.empty:
        return NetworkGraph(None, None)
    if graph is None:
        graph = as_igraph(p[["from_entity", "to_entity", "weight"]], directed=False)
    g, kept, chosen = graph, None, None
    fc, tc, ids = _projection_codes(ctx)
    tie = fc != tc
    names = pd.Index(graph.vs["name"])
    if population == "known":
        is_known = ids.isin(known)
        kept = is_known[fc] & is_known[tc]
        # the known people with a kept pair to somebody else: the subgraph as built from the kept pairs
        linked = np.zeros(len(ids), dtype=bool)
        tie &= kept
        linked[fc[tie]] = linked[tc[tie]] = True
        chosen = np.flatnonzero(names.isin(ids[linked]))      # its vertices, in the graph's order
    if population == "all" and analysis is not None and "betweenness" in analysis:
        # analyse's, on this very graph: reused
        return NetworkGraph(g, kept, names=names) if g.ecount() else NetworkGraph(None, kept)
    vertices = names if chosen is None else names[chosen]
    n = len(vertices)
    started = None
    if n >= kadabra.MIN_NODES:
        # a large graph: KADABRA's estimate (stated error, a fraction of the pivots' cost) in another
        # process, started before the subgraph is built here; from FRESH_PROCESS_NODES a new process (a
        # fork would keep every page this process rewrites meanwhile: up to 1.5 GB at 1M), below a fork
        # (it starts sooner)
        fresh = n >= kadabra.FRESH_PROCESS_NODES
        start = in_fresh_process if fresh else in_background
        s, t = _subgraph_ends(names, chosen, fc[tie], tc[tie], ids)
        # a new process, which has spare time (the table work here is longer), also computes the
        # effective size: the subgraph is then not built here (1M: 3 s for the subgraph, 3 s for the
        # effective size), unless a part only igraph gives is weighted
        whole = fresh and s is not None and len(s) > 0 and not any(cfg.parts.get(x, 0) for x in IGRAPH_PARTS)
        if s is not None:
            started = start(kadabra.kadabra_betweenness, n, s, t, size=n, effective_size=whole)
        if whole:
            return NetworkGraph(None, kept, started, names=vertices)
    if chosen is not None:
        g = graph.induced_subgraph(chosen)
    if g.ecount() == 0:
        return NetworkGraph(None, kept)
    if n >= kadabra.MIN_NODES:
        if started is None or _edge_count(s, t, n) != g.ecount():
            # the pairs do not give the subgraph's edges (a graph not made from the projection): its own
            started = start(kadabra.kadabra_betweenness, n, *kadabra.graph_ends(g), size=n)
        return NetworkGraph(g, kept, started, names=vertices)
    # sampled pivots split over the cores, each share in a forked child (inline on a small graph)
    return NetworkGraph(g, kept, in_background_parts(betweenness_values, g, size=g.vcount()), names=vertices)


def _subgraph_ends(names: pd.Index, chosen: np.ndarray | None, a: np.ndarray, b: np.ndarray, ids: pd.Index
                   ) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """The projection pairs ``a``-``b`` (codes into ``ids``) as vertex positions in the subgraph of the
    graph's vertices ``chosen`` (``names``: the graph's vertex names; ``None``: every vertex), with no
    edge list read back from igraph (millions of Python tuples); ``None`` where an end is not in it."""
    where = names.get_indexer(ids)
    if chosen is not None:
        position = np.full(len(names) + 1, -1)
        position[chosen] = np.arange(len(chosen))
        where = position[where]                  # (-1, not in the graph, reads the last slot: -1)
    s, t = where[a], where[b]
    if len(s) and min(s.min(), t.min()) < 0:
        return None, None
    return s, t


def _edge_count(s: np.ndarray, t: np.ndarray, n: int) -> int:
    """The number of distinct undirected edges among the pairs ``s``-``t`` (a pair given both ways, or
    twice, is one edge: one for :func:`~linkgraph.graph.kadabra.kadabra_betweenness`)."""
    return len(distinct(np.minimum(s, t).astype(np.int64) * n + np.maximum(s, t)))


def network(ctx: ScoringContext, cfg: NetworkFactor, known: pd.Index, top: int = 50,
            graph: ig.Graph | None = None, analysis: pd.DataFrame | None = None,
            prepared: NetworkGraph | None = None) -> tuple[pd.Series, EvidenceIndex, pd.DataFrame]:
    """Position in the person projection: a weighted sum of parts, each divided by its maximum —
    ``betweenness`` (unweighted: hops, on the normalized scale of
    :func:`~linkgraph.graph.analytics.analyse`; exact up to 5,000 nodes, 128 sampled pivots up to
    :data:`~linkgraph.graph.kadabra.MIN_NODES`, KADABRA's estimate within 0.005 above),
    ``effective_size`` (:func:`effective_size`), and, when weighted in ``cfg.parts``, ``brokerage``
    (1 − Burt's constraint) and ``fragmentation`` (share of the component's pairs a node's removal
    disconnects; the ``top`` best by betweenness).

    ``known``: the people the score is about when ``population`` is known (people with activity);
    others (hubs, relatives, lawyers) are left out of the network so they cannot broker it.
    ``graph``: the projection's igraph form when the caller has it (all persons, before the
    population restriction), so that it is built once per run; ``analysis``: ``analyse``'s table on
    that graph, whose betweenness is reused when the population is everybody (computed once);
    ``prepared``: :func:`network_graph`'s result when the caller started it earlier.
    """
    parts = pd.DataFrame(0.0, index=ctx.persons, columns=list(NETWORK_PARTS))
    prepared = prepared or network_graph(ctx, cfg, known, graph, analysis)
    g, kept = prepared.g, prepared.kept
    if prepared.empty:
        return pd.Series(0.0, index=ctx.persons), EvidenceIndex.empty(), parts
    names = prepared.names
    values = pd.DataFrame(0.0, index=names, columns=list(NETWORK_PARTS))
    # what needs no betweenness first: a forked betweenness goes on meanwhile
    if g is not None:
        values["effective_size"] = effective_size(g)
    if cfg.parts.get("brokerage", 0):
        values["brokerage"] = (1 - burt_constraint(g).fillna(1.0)).clip(0, 1).to_numpy()
    pos = np.flatnonzero(kept) if kept is not None else np.arange(len(ctx.projection))
    fc, tc, ids = _projection_codes(ctx)     # the pairs' ends as codes: no id hashed again
    ev = EvidenceIndex.of_pairs(np.concatenate([fc[pos], tc[pos]]), np.concatenate([pos, pos]), ctx.projection,
                                ctx.edges, uniques=ids)
    if prepared.betweenness is None:
        values["betweenness"] = analysis["betweenness"].reindex(names).fillna(0.0).to_numpy()
    elif g is None:     # the worker's: the betweenness, then the effective sizes
        both = prepared.betweenness()
        values["betweenness"], values["effective_size"] = both[:len(names)], both[len(names):]
    else:
        values["betweenness"] = prepared.betweenness()
    if cfg.parts.get("fragmentation", 0):
        # removing a node costs one components pass over the graph: fewer candidates on big graphs
        top = top if g.vcount() <= 50_000 else max(5, top // 5)
        cand = list(np.argsort(-values["betweenness"].to_numpy(), kind="stable")[:top])
        frag = _fragmentation(g, cand)
        values.iloc[list(frag), values.columns.get_loc("fragmentation")] = list(frag.values())
    shared = names.intersection(parts.index)
    parts.loc[shared] = values.loc[shared].to_numpy()
    normed = parts.apply(lambda c: c / c.max() if c.max() > 0 else c)
    raw = sum(normed[k] * w for k, w in cfg.parts.items())
    return raw.astype(float), ev, parts
