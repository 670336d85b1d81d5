"""All entity edges of a resolution: lifted relations plus derived LAPI co-sightings."""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.graph.cosighting import co_sightings, reads_from_relations
from linkgraph.graph.edge_refs import carry
from linkgraph.graph.edges import edge_id, edge_table
from linkgraph.graph.kinds import is_symmetric
from linkgraph.sources.grading import best_grade_per_group, strong


def with_grades(edges: pd.DataFrame, relations: pd.DataFrame) -> pd.DataFrame:
    """``edges`` with ``grade`` (the best intelligence grade among the rows stating the edge; None:
    ungraded or derived) and ``weak`` (True when that grade weighs under the strong threshold:
    drawn dashed). A fact stated by a graded and an ungraded row is ungraded (weighs fully)."""
    edges = edges.assign(grade=None, weak=False)
    if relations is None or "grade" not in relations or len(edges) == 0:
        return edges
    rel = relations.dropna(subset=["from_entity", "to_entity"])
    frm, to = rel["from_entity"].astype(str).to_numpy(), rel["to_entity"].astype(str).to_numpy()
    swap = is_symmetric(rel["type"]) & (frm > to)
    ids = edge_id(pd.Series(np.where(swap, to, frm)), rel["type"].astype(str).reset_index(drop=True),
                  pd.Series(np.where(swap, frm, to)))
    codes, uniques = pd.factorize(ids)
    best = pd.Series(best_grade_per_group(codes, rel["grade"].reset_index(drop=True), len(uniques)), index=uniques)
    grade = edges["edge_id"].map(best)
    return edges.assign(grade=grade.where(grade.notna(), None), weak=~strong(grade))


def resolution_edges(result, *, cosighting_window: float | None = 120, cosighting_min_times: int = 3,
                     lists: bool = True) -> pd.DataFrame:
    """``edge_table(result.relations)`` plus ``seen_together`` edges between vehicles read by the
    same camera within ``cosighting_window`` seconds on at least ``cosighting_min_times``
    occasions (``cosighting_window=None`` leaves them out). ``lists=False``: the lifted relations'
    evidence as integer arrays (``edge_table(lists=False)``), co-sightings keep theirs as lists."""
    edges = edge_table(result.relations, lists=lists) if len(result.relations) else edge_table(None, lists=lists)
    edges = with_grades(edges, result.relations)
    return with_cosightings(edges, result, cosighting_window, cosighting_min_times)


def with_cosightings(edges: pd.DataFrame, result, window: float | None, min_times: int) -> pd.DataFrame:
    """``edges`` plus the ``seen_together`` edges of ``result``'s plate reads (``window=None``: none)."""
    if window is None or len(result.relations) == 0:
        return edges
    together = co_sightings(reads_from_relations(result.relations, result.entities),
                            window_seconds=window, min_times=min_times)
    if together.empty:
        return edges
    return carry(pd.concat([edges, together[[c for c in together.columns if c in edges.columns or c in (
        "occasions", "co_reads", "n_cameras", "cameras", "evidence")]]], ignore_index=True), edges)
