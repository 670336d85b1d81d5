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
CODES_KEY = "entity_codes"


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
    ``edges``' evidence store and entity codes: pandas drops ``attrs`` on a concat of frames whose
    attrs differ."""
    for key in (KEY, CODES_KEY):
        if key in edges.attrs:
            frame.attrs[key] = edges.attrs[key]
    return frame


class EntityCodes:
    """The edge table's endpoints as integer codes, made once by :func:`~linkgraph.graph.edges.edge_table`
    and read by the stages after it (attribution, projection) instead of hashing the same id strings
    again. ``names``: the distinct ids, sorted (so codes sort as the ids do); ``frm``/``to``: the codes of
    the table's first ``len(frm)`` rows; ``ids``: those rows' id arrays, to check that a table is still
    the one coded (rows appended after them are coded when read, see :func:`entity_codes`).

    >>> c = EntityCodes(np.array(["P-a", "T-b"], dtype=object), np.array([0]), np.array([1]),
    ...                 (np.array(["P-a"], dtype=object), np.array(["T-b"], dtype=object)))
    >>> t = pd.DataFrame({"from_entity": ["P-a", "P-c"], "to_entity": ["T-b", "T-b"]})
    >>> t.attrs[CODES_KEY] = c
    >>> codes, names = entity_codes(t)
    >>> codes.tolist(), names.tolist()
    ([0, 1, 2, 2], ['P-a', 'P-c', 'T-b'])
    """

    __slots__ = ("names", "frm", "to", "ids", "kinds")

    def __init__(self, names: np.ndarray, frm: np.ndarray, to: np.ndarray, ids: tuple[np.ndarray, np.ndarray]):
        self.names, self.frm, self.to, self.ids = names, frm, to, ids
        self.kinds: tuple | None = None    # (entities frame, its length, kinds of names): entity_types once

    def __deepcopy__(self, memo) -> "EntityCodes":
        return self

    def __copy__(self) -> "EntityCodes":
        return self

    def matches(self, edges: pd.DataFrame) -> bool:
        """``edges``' first rows are the coded ones (same id objects, in place)."""
        n = len(self.frm)
        if len(edges) < n or "from_entity" not in edges or "to_entity" not in edges:
            return False
        for col, ids in zip(("from_entity", "to_entity"), self.ids):
            now = edges[col].to_numpy()
            if now.dtype != object or not bool((now[:n] == ids).all()):   # (0.1 s for 5M ids: no hashing)
                return False
        return True


def entity_codes(edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``edges``' endpoints (``from`` codes then ``to`` codes, one array) and the sorted
    distinct ids they index: ``pd.factorize(np.concatenate([from, to]), sort=True)``, read from the
    table's :class:`EntityCodes` when it has them (rows appended after the coded ones are coded here)."""
    store = edges.attrs.get(CODES_KEY)
    frm, to = edges["from_entity"].to_numpy(dtype=object), edges["to_entity"].to_numpy(dtype=object)
    if store is None or not store.matches(edges):
        codes, names = pd.factorize(np.concatenate([frm, to]), sort=True)
        return codes.astype(np.int64), np.asarray(names, dtype=object)
    n, ne = len(store.frm), len(edges)
    if n == ne:
        return np.concatenate([store.frm, store.to]), store.names
    extra = np.concatenate([frm[n:], to[n:]])
    names = store.names
    at = pd.Index(names).get_indexer(extra)
    if (at < 0).any():    # ids the coded rows do not have: merged into the sorted names
        new = pd.unique(extra[at < 0])
        names = np.sort(np.concatenate([names, np.asarray(new, dtype=object)]))
        shift = np.searchsorted(names, store.names)
        at = pd.Index(names).get_indexer(extra)
        frm_c, to_c = shift[store.frm], shift[store.to]
    else:
        frm_c, to_c = store.frm, store.to
    k = ne - n
    return np.concatenate([frm_c, at[:k], to_c, at[k:]]).astype(np.int64), names


def used_names(codes: np.ndarray, names: np.ndarray) -> np.ndarray:
    """Which of ``names`` the ``codes`` of :func:`entity_codes` use (a table's endpoints among the
    ids coded with it), as a mask in the names' order."""
    used = np.zeros(len(names), dtype=bool)
    used[codes] = True
    return used


def coded_kinds(edges: pd.DataFrame, names: np.ndarray, entities: pd.DataFrame | None) -> np.ndarray:
    """``entity_types(names, entities)`` as an array, kept in the table's :class:`EntityCodes` for the
    next stage that asks with the same ``entities`` and names."""
    store = edges.attrs.get(CODES_KEY)
    if store is not None and store.kinds is not None:
        ents, size, kn, kinds = store.kinds
        if ents is entities and size == (len(entities) if entities is not None else -1) and kn is names:
            return kinds
    kinds = _kinds(names, entities)
    if store is not None and names is store.names:
        store.kinds = (entities, len(entities) if entities is not None else -1, names, kinds)
    return kinds


def _kinds(names: np.ndarray, entities: pd.DataFrame | None) -> np.ndarray:
    """``entity_types(names, entities)`` for distinct ids: the entity table's type by one index lookup,
    the id prefix read only for the ids it does not type."""
    from linkgraph.graph.kinds import entity_types

    if entities is None or len(entities) == 0 or "entity_id" not in entities:
        return entity_types(pd.Series(names, dtype=object), entities).to_numpy()
    index = pd.Index(entities["entity_id"])
    if not index.is_unique:
        return entity_types(pd.Series(names, dtype=object), entities).to_numpy()
    at = index.get_indexer(names)
    known = entities["entity_type"]
    known = (known.astype(object) if isinstance(known.dtype, pd.CategoricalDtype) else known).to_numpy(dtype=object)
    kinds = np.where(at >= 0, known[np.maximum(at, 0)] if len(known) else None, None)
    missing = pd.isna(kinds)
    if missing.any():
        kinds[missing] = entity_types(pd.Series(names[missing], dtype=object)).to_numpy()
    return kinds
