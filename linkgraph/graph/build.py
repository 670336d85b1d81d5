"""Graphs from edge tables: a networkx ``MultiDiGraph`` for exploration, igraph / CSR for analytics.

The analytic forms (:func:`to_igraph`, :func:`to_csr`) are simple graphs: parallel edges (several
relation types, both directions when undirected) are collapsed into one edge whose weight is the
sum of theirs, and self-loops are dropped. Vertex order: ``nodes`` first (in their order), then
endpoint ids not among them, in sorted order.
"""
from __future__ import annotations

from collections.abc import Iterable

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from linkgraph.graph.edge_refs import CODES_KEY, entity_codes, used_names
from linkgraph.graph.kinds import entity_types
from linkgraph.graph.projection import person_projection, projection_nodes

__all__ = ["entity_graph", "person_projection", "projection_nodes", "simple_edges", "to_csr", "to_igraph"]


def _clean(value: object) -> bool:
    return not (value is None or (isinstance(value, float) and np.isnan(value)))


def entity_graph(entities: pd.DataFrame | None, edges: pd.DataFrame) -> nx.MultiDiGraph:
    """One node per entity (its table columns as attributes, missing values left out) and one edge per
    (from, to, type) with ``key=type`` and every column of the edge table as attributes.

    Symmetric relations are one edge (smaller id first) with ``directed=False``; use
    ``G.to_undirected(as_view=True)`` to walk the graph without direction.
    Endpoints absent from ``entities`` are added with their type read from the id prefix.
    """
    graph = nx.MultiDiGraph()
    if entities is not None and len(entities):
        records = entities.set_index("entity_id").to_dict("index")
        graph.add_nodes_from((k, {a: v for a, v in attrs.items() if _clean(v)}) for k, attrs in records.items())
    if len(edges):
        ends = pd.Index(pd.concat([edges["from_entity"], edges["to_entity"]]).unique())
        missing = ends.difference(pd.Index(list(graph.nodes)))
        if len(missing):
            types = entity_types(pd.Series(missing))
            graph.add_nodes_from((n, {"entity_type": t} if isinstance(t, str) else {}) for n, t in zip(missing, types))
        attrs = edges.to_dict("records")
        graph.add_edges_from((a["from_entity"], a["to_entity"], a["type"], a) for a in attrs)
    return graph


def simple_edges(edges: pd.DataFrame, nodes: Iterable[str] | None = None, *, directed: bool = False,
                 weight: str | None = "weight") -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """Collapse an edge table to a simple graph: (vertex ids, source codes, target codes, summed weights).

    ``weight``: the column to sum (missing column or None: 1 per edge row). Self-loops are dropped;
    undirected: (a, b) and (b, a) are one edge with the smaller code first.
    """
    given = pd.Index(pd.unique(pd.Series(list(nodes), dtype=object))) if nodes is not None else pd.Index([])
    if len(edges) and edges.attrs.get(CODES_KEY) is not None:
        index, a, b = _coded_ends(edges, given)     # the table's ids coded by the stage that made it
    else:
        frm = edges["from_entity"].to_numpy(dtype=object) if len(edges) else np.array([], dtype=object)
        to = edges["to_entity"].to_numpy(dtype=object) if len(edges) else np.array([], dtype=object)
        ends = pd.Index(pd.unique(pd.Series(np.concatenate([frm, to]), dtype=object)))
        try:
            ends = ends.sort_values()
        except TypeError:  # mixed id types: keep first-seen order
            pass
        index = given.append(ends.difference(given, sort=False)) if len(given) else ends
        a, b = index.get_indexer(frm), index.get_indexer(to)
    w = (pd.to_numeric(edges[weight], errors="coerce").fillna(1.0).to_numpy(dtype=float)
         if weight is not None and weight in edges else np.ones(len(edges)))
    keep = a != b
    a, b, w = a[keep], b[keep], w[keep]
    if not directed:
        a, b = np.minimum(a, b), np.maximum(a, b)
    n = np.int64(len(index))
    key = a.astype(np.int64) * n + b
    uniq, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse, weights=w, minlength=len(uniq)) if len(uniq) else np.array([], dtype=float)
    return index, (uniq // n).astype(np.int64), (uniq % n).astype(np.int64), sums


def _coded_ends(edges: pd.DataFrame, given: pd.Index) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """:func:`simple_edges`' vertex index and endpoint positions from the table's
    :class:`~linkgraph.graph.edge_refs.EntityCodes` (codes into its sorted ids): no id hashed per edge
    row, the same vertex order (``given`` first, then the other endpoints in id order)."""
    codes, names = entity_codes(edges)
    at = given.get_indexer(names) if len(given) else np.full(len(names), -1)
    extra = used_names(codes, names) & (at < 0)
    position = np.where(at >= 0, at, len(given) + np.cumsum(extra) - 1)
    index = given.append(pd.Index(names[extra], dtype=object)) if len(given) else pd.Index(names[extra], dtype=object)
    ne = len(edges)
    return index, position[codes[:ne]], position[codes[ne:]]


def to_igraph(edges: pd.DataFrame, nodes: Iterable[str] | None = None, *, directed: bool = False,
              weight: str | None = "weight") -> ig.Graph:
    """An igraph ``Graph`` (vertex attribute ``name`` = entity id, edge attribute ``weight``)."""
    index, a, b, w = simple_edges(edges, nodes, directed=directed, weight=weight)
    # a list of int pairs is igraph's fast conversion path (an ndarray is read element by element,
    # about twice slower at millions of edges)
    graph = ig.Graph(n=len(index), edges=list(zip(a.tolist(), b.tolist())), directed=directed)
    graph.vs["name"] = index.tolist()
    graph.es["weight"] = w.tolist()
    return graph


def to_csr(edges: pd.DataFrame, nodes: Iterable[str] | None = None, *, directed: bool = False,
           weight: str | None = "weight") -> tuple[sp.csr_matrix, pd.Index]:
    """A weighted adjacency matrix (symmetric when undirected) and the entity id of each row."""
    index, a, b, w = simple_edges(edges, nodes, directed=directed, weight=weight)
    n = len(index)
    if not directed:
        a, b, w = np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([w, w])
    return sp.csr_matrix((w, (a, b)), shape=(n, n)), index
