"""All entity edges of a resolution: lifted relations plus derived LAPI co-sightings."""
from __future__ import annotations

import pandas as pd

from linkgraph.graph.cosighting import co_sightings, reads_from_relations
from linkgraph.graph.edge_refs import carry
from linkgraph.graph.edges import edge_table


def resolution_edges(result, *, cosighting_window: float | None = 120, cosighting_min_times: int = 3,
                     lists: bool = True) -> pd.DataFrame:
    """``edge_table(result.relations)`` plus ``seen_together`` edges between vehicles read by the
    same camera within ``cosighting_window`` seconds on at least ``cosighting_min_times``
    occasions (``cosighting_window=None`` leaves them out). ``lists=False``: the lifted relations'
    evidence as integer arrays (``edge_table(lists=False)``), co-sightings keep theirs as lists."""
    edges = edge_table(result.relations, lists=lists) if len(result.relations) else edge_table(None, lists=lists)
    if cosighting_window is None or len(result.relations) == 0:
        return edges
    together = co_sightings(reads_from_relations(result.relations, result.entities),
                            window_seconds=cosighting_window, min_times=cosighting_min_times)
    if together.empty:
        return edges
    return carry(pd.concat([edges, together[[c for c in together.columns if c in edges.columns or c in (
        "occasions", "co_reads", "n_cameras", "cameras", "evidence")]]], ignore_index=True), edges)
