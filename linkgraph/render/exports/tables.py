"""The node and edge tables the exports read, and the networkx graph the XML exports write."""
from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pandas as pd

from linkgraph.graph.kinds import entity_types, is_symmetric
from linkgraph.render.exports.values import _joined, _missing, _scores, _typed, xml_text

#: Node attributes written to GraphML / GEXF, with their type (missing values are left out).
NODE_ATTRIBUTES: dict[str, type] = {
    "entity_type": str, "label": str, "agencies": str, "first_seen": str, "last_seen": str,
    "mentions": int, "score": float,
}
#: Edge attributes written to GraphML / GEXF, with their type. In GEXF ``type`` is written as the
#: edge ``label`` and the ``relation`` attribute (GEXF reserves an edge's ``type`` for
#: directed/undirected/mutual).
EDGE_ATTRIBUTES: dict[str, type] = {
    "type": str, "directed": bool, "count": int, "weight": float, "first_seen": str, "last_seen": str,
    "agencies": str, "sources": str, "classification": str, "evidence": str,
}



def _edge_frame(edges: pd.DataFrame) -> pd.DataFrame:
    """The edge table with the columns the exports read (``directed`` derived from the type when absent)."""
    edges = edges.reset_index(drop=True)
    if "directed" not in edges:
        edges = edges.assign(directed=~is_symmetric(edges["type"].astype(str)) if len(edges) else [])
    if "edge_id" not in edges:
        ids = edges["from_entity"].astype(str) + "|" + edges["type"].astype(str) + "|" + edges["to_entity"].astype(str)
        edges = edges.assign(edge_id=ids)
    if "n_sources" not in edges and "sources" in edges:
        edges = edges.assign(n_sources=[len({s for s in str(_joined(v)).split(";") if s}) if not _missing(_joined(v))
                                         else 0 for v in edges["sources"]])
    return edges


def _node_frame(entities: pd.DataFrame | None, edges: pd.DataFrame) -> pd.DataFrame:
    """One row per node: the entities, then edge endpoints absent from them (type read from the id
    prefix, label = id)."""
    base = (entities.reset_index(drop=True).copy() if entities is not None and len(entities)
            else pd.DataFrame({"entity_id": pd.Series(dtype=object), "entity_type": pd.Series(dtype=object)}))
    base["entity_id"] = base["entity_id"].astype(str)
    base = base.drop_duplicates("entity_id")
    if len(edges):
        ends = pd.Index(pd.unique(pd.concat([edges["from_entity"], edges["to_entity"]]).astype(str)))
        missing = ends.difference(pd.Index(base["entity_id"]), sort=False)
        if len(missing):
            extra = pd.DataFrame({"entity_id": list(missing),
                                  "entity_type": entity_types(pd.Series(list(missing), dtype=object)).to_numpy()})
            base = pd.concat([base, extra], ignore_index=True)
    if "label" not in base:
        base["label"] = None
    base["label"] = [lab if not _missing(lab) else eid for lab, eid in zip(base["label"], base["entity_id"])]
    return base


def _xml_attributes(rec: dict, schema: dict[str, type]) -> dict:
    """The typed, XML-safe attributes of one record; missing and empty values are left out."""
    attrs = {}
    for name, kind in schema.items():
        value = _typed(rec.get(name), kind)
        if kind is str and value is not None:
            value = xml_text(value)
        if value is not None and value != "":
            attrs[name] = value
    return attrs


def export_graph(entities: pd.DataFrame | None, edges: pd.DataFrame, scores: Any = None) -> nx.MultiDiGraph:
    """The graph the XML exports write: one node per entity (and per edge endpoint missing from
    ``entities``) with :data:`NODE_ATTRIBUTES`, one edge per edge-table row, keyed by its ``edge_id``
    (``from|type|to``), with :data:`EDGE_ATTRIBUTES`. Text goes through :func:`xml_text`; missing
    values are left out; ``score`` is set from ``scores`` (see :func:`_scores`) where given."""
    edges = _edge_frame(edges)
    nodes = _node_frame(entities, edges)
    score = _scores(scores)
    if score:
        nodes["score"] = nodes["entity_id"].map(score)
    graph = nx.MultiDiGraph()
    for rec in nodes.to_dict("records"):
        attrs = _xml_attributes(rec, NODE_ATTRIBUTES)
        for pos in ("x", "y"):  # precomputed chart positions travel with the node
            value = _typed(rec.get(pos), float)
            if value is not None and math.isfinite(value):
                attrs[pos] = value
        graph.add_node(xml_text(rec["entity_id"]), **attrs)
    for rec in edges.to_dict("records"):
        attrs = _xml_attributes(rec, EDGE_ATTRIBUTES)
        graph.add_edge(xml_text(rec["from_entity"]), xml_text(rec["to_entity"]), key=xml_text(rec["edge_id"]), **attrs)
    return graph

