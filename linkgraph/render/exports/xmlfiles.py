"""GraphML and GEXF files (yEd, Gephi, Cytoscape, networkx)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from linkgraph.render.exports.tables import export_graph
from linkgraph.store.files import _atomic_write


def export_graphml(entities: pd.DataFrame | None, edges: pd.DataFrame, path: str | Path, scores: Any = None) -> Path:
    """GraphML (yEd, Gephi, Cytoscape, ``nx.read_graphml``): a directed multigraph, edge ids = ``edge_id``.

    Read back with ``nx.read_graphml(path, force_multigraph=True)`` to keep a MultiDiGraph when no
    pair has two relation types. Numbers keep their type (``int``/``double``), booleans are booleans.
    """
    graph = export_graph(entities, edges, scores)
    path = Path(path)
    _atomic_write(path, lambda p: nx.write_graphml(graph, p, encoding="utf-8", infer_numeric_types=True))
    return path


def export_gexf(entities: pd.DataFrame | None, edges: pd.DataFrame, path: str | Path, scores: Any = None) -> Path:
    """GEXF 1.2 (Gephi): nodes with their ``label``; edges with id ``edge_id``, ``label`` = relation
    type, GEXF ``weight`` = weight, and attributes ``relation`` (the type) and the other
    :data:`EDGE_ATTRIBUTES`. All edges are directed (GEXF cannot mix directed and undirected edges
    in a networkx-readable file): symmetric relations carry ``directed=false``.
    networkx adds ``networkx_key`` (= ``edge_id``), which ``nx.read_gexf`` uses as the edge key.
    """
    graph = export_graph(entities, edges, scores)
    for _, _, data in graph.edges(data=True):
        if "type" in data:
            data["relation"] = data.pop("type")
            data["label"] = data["relation"]
    path = Path(path)
    _atomic_write(path, lambda p: nx.write_gexf(graph, p, encoding="utf-8"))
    return path

