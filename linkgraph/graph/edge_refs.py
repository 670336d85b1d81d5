"""An edge table's evidence as flat integer arrays, made into ``source:row`` text only when looked at.

:func:`~linkgraph.graph.edges.edge_table` with ``lists=False`` keeps no Python list per edge:
edge ``i``'s references are the slice ``offsets[i]:offsets[i + 1]`` of two parallel arrays (a source
code and a row value), already distinct and in source then row order. The store travels in the
table's ``attrs["evidence_refs"]``; rows appended later with their own ``evidence`` cells (inferred
``uses`` edges of attributed lines) are read from that column. :func:`edge_evidence` reads either.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

KEY = "evidence_refs"


class EdgeRefs:
    """Per edge position, its distinct ``source:row`` references (CSR over integer source codes).

    >>> refs = EdgeRefs(np.array([0, 2, 3]), np.array([0, 1, 1]), np.array([4, 2, 7], dtype=object),
    ...                 np.array(["fadettes", "police"], dtype=object))
    >>> refs.of(0), refs.of(1), len(refs)
    (['fadettes:4', 'police:2'], ['police:7'], 2)
    """

    __slots__ = ("offsets", "sources", "rows", "names")

    def __init__(self, offsets: np.ndarray, sources: np.ndarray, rows: np.ndarray, names: np.ndarray):
        self.offsets, self.sources, self.rows, self.names = offsets, sources, rows, names

    def __len__(self) -> int:
        return len(self.offsets) - 1

    # pandas deep-copies and compares ``attrs`` on most operations: copy as itself, compare by identity
    def __deepcopy__(self, memo) -> "EdgeRefs":
        return self

    def __copy__(self) -> "EdgeRefs":
        return self

    def of(self, edge: int) -> list[str]:
        lo, hi = self.offsets[edge], self.offsets[edge + 1]
        return [f"{s}:{r}" for s, r in zip(self.names[self.sources[lo:hi]], self.rows[lo:hi])]

    def lists(self) -> np.ndarray:
        """Every edge's list (the ``evidence`` column of ``lists=True``): for small tables and the API edge."""
        text = pd.Series(self.names[self.sources], dtype=object) + ":" + pd.Series(self.rows).astype(str)
        parts = np.split(text.to_numpy(dtype=object), self.offsets[1:-1])
        out = np.empty(len(self), dtype=object)
        out[:] = [p.tolist() for p in parts] if len(self) else []
        return out


def _cell(cell) -> list[str]:
    if isinstance(cell, str):
        return cell.split(";") if cell else []
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    return list(cell)


def edge_evidence(edges: pd.DataFrame, positions: np.ndarray) -> list[str]:
    """The sorted distinct references behind the edge rows ``positions`` of ``edges``: a row's own
    ``evidence`` cell when it has one (a list, or ';'-joined text read back from a file), else the
    table's :class:`EdgeRefs` (``attrs["evidence_refs"]``, edges by position)."""
    positions = np.unique(np.asarray(positions, dtype=np.int64))
    store = edges.attrs.get(KEY)
    cells = edges["evidence"].to_numpy() if "evidence" in edges else None
    refs: set[str] = set()
    for p in positions:
        cell = cells[p] if cells is not None else None
        has_cell = isinstance(cell, (list, tuple, np.ndarray, str))
        if has_cell or store is None or p >= len(store):
            refs.update(_cell(cell))
        else:
            refs.update(store.of(p))
    return sorted(refs)


def evidence_lists(edges: pd.DataFrame) -> np.ndarray:
    """Every row's evidence as a list (its own cell, else the store's): for small tables only."""
    store = edges.attrs.get(KEY)
    out = np.empty(len(edges), dtype=object)
    cells = edges["evidence"].to_numpy() if "evidence" in edges else np.full(len(edges), None, dtype=object)
    made = store.lists() if store is not None else np.empty(0, dtype=object)
    for i, cell in enumerate(cells):
        own = isinstance(cell, (list, tuple, np.ndarray, str))
        out[i] = _cell(cell) if own or i >= len(made) else made[i]
    return out


def carry(frame: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (built from ``edges`` keeping its first rows in place, e.g. a concat after it) with
    ``edges``' evidence store: pandas drops ``attrs`` on a concat of frames whose attrs differ."""
    if KEY in edges.attrs:
        frame.attrs[KEY] = edges.attrs[KEY]
    return frame
