"""Evidence per person held as flat integer arrays, turned into text only for the lines looked at.

A factor's evidence is, per person, a set of ``source:row`` references. At national scale a
Python list per person (or per edge, per pair) costs minutes and gigabytes, while a user reads
the evidence of the top of the list only. :class:`EvidenceIndex` keeps, per person, a slice of
integer item ids (CSR: sorted keys, offsets, items) and a ``resolve`` function that turns a few
items into references when one person's evidence is asked for.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np
import pandas as pd

from linkgraph.scoring.codes import factorize_ids

Resolve = Callable[[np.ndarray], "list[str] | np.ndarray"]


class EvidenceIndex(Mapping):
    """Read-only mapping key → sorted distinct references, built from parallel arrays.

    >>> refs = np.array(["fadettes:2", "police:1", "fadettes:1"], dtype=object)
    >>> ev = EvidenceIndex(np.array(["P-a", "P-b", "P-a"]), np.array([0, 1, 2]), lambda items: refs[items])
    >>> ev["P-a"], len(ev), "P-c" in ev
    (['fadettes:1', 'fadettes:2'], 2, False)
    """

    def __init__(self, keys: np.ndarray | pd.Series, items: np.ndarray, resolve: Resolve,
                 uniques: pd.Index | None = None):
        """``uniques``: ``keys`` are integer codes into it (−1: no key), so no key is hashed again; the
        index is the same as from the keys themselves (keys in order of first appearance)."""
        items = np.asarray(items)
        if uniques is None:
            keys = np.asarray(keys, dtype=object)
            keep = ~pd.isna(keys)
            codes, uniques = factorize_ids(keys[keep])
        else:
            keys = np.asarray(keys, dtype=np.int64)
            keep = keys >= 0
            codes, uniques = _first_appearance(keys[keep], uniques)
        order = np.argsort(codes, kind="stable")
        self._keys = pd.Index(uniques)
        self._items = items[keep][order]
        self._offsets = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(uniques)))]).astype(np.int64)
        self._resolve = resolve

    @staticmethod
    def empty() -> "EvidenceIndex":
        return EvidenceIndex(np.array([], dtype=object), np.array([], dtype=np.int64), lambda items: [])

    @staticmethod
    def of_rows(keys: np.ndarray | pd.Series, source: np.ndarray | pd.Series, row: np.ndarray | pd.Series) -> "EvidenceIndex":
        """Evidence given as (key, source, row) lines: the (source, row) pairs are coded once."""
        cs, sources = pd.factorize(np.asarray(source, dtype=object))
        cr, rows = pd.factorize(np.asarray(row, dtype=object))
        width = max(len(rows), 1)

        def resolve(items: np.ndarray) -> list[str]:
            items = np.unique(items)
            return [f"{s}:{r}" for s, r in zip(sources[items // width], rows[items % width])]
        return EvidenceIndex(keys, cs.astype(np.int64) * width + cr, resolve)

    @staticmethod
    def of_lists(keys: np.ndarray | pd.Series, positions: np.ndarray, lists: np.ndarray | pd.Series) -> "EvidenceIndex":
        """Evidence as the union of list cells (an edge table's or projection's ``evidence`` column):
        ``positions`` index ``lists``; only the cells of the person asked for are read."""
        cells = np.asarray(lists, dtype=object)

        def resolve(items: np.ndarray) -> list[str]:
            out: list[str] = []
            for cell in cells[np.unique(items)]:
                if isinstance(cell, str):
                    out.extend(cell.split(";"))
                elif cell is not None and not (isinstance(cell, float) and np.isnan(cell)):
                    out.extend(cell)
            return out
        return EvidenceIndex(keys, np.asarray(positions, dtype=np.int64), resolve)

    @staticmethod
    def of_edges(keys: np.ndarray | pd.Series, positions: np.ndarray, edges: pd.DataFrame) -> "EvidenceIndex":
        """Evidence as the references behind edge rows (``positions`` in ``edges``), read from the
        edge's ``evidence`` cell or the table's integer store
        (:func:`~linkgraph.graph.edge_refs.edge_evidence`) for the person asked for only."""
        from linkgraph.graph.edge_refs import edge_evidence

        return EvidenceIndex(keys, np.asarray(positions, dtype=np.int64), lambda items: edge_evidence(edges, items))

    @staticmethod
    def of_pairs(keys: np.ndarray | pd.Series, pairs: np.ndarray, projection: pd.DataFrame,
                 edges: pd.DataFrame, uniques: pd.Index | None = None) -> "EvidenceIndex":
        """Evidence as the references behind projection rows (``pairs``: positions), read from the
        projection's lists or through its edge index (:func:`~linkgraph.graph.projection.pair_evidence`);
        ``uniques``: ``keys`` are codes into it."""
        from linkgraph.graph.projection import pair_evidence

        return EvidenceIndex(keys, np.asarray(pairs, dtype=np.int64),
                             lambda items: pair_evidence(projection, edges, np.unique(items)), uniques)

    def items_of(self, key) -> np.ndarray:
        """The integer items behind ``key`` (empty when none)."""
        loc = self._keys.get_indexer([key])[0]
        if loc < 0:
            return self._items[:0]
        return self._items[self._offsets[loc]:self._offsets[loc + 1]]

    def __getitem__(self, key) -> list[str]:
        loc = self._keys.get_indexer([key])[0]
        if loc < 0:
            raise KeyError(key)
        refs = self._resolve(self._items[self._offsets[loc]:self._offsets[loc + 1]])
        return sorted({str(r) for r in refs if r is not None and r == r})

    def __contains__(self, key) -> bool:
        return self._keys.get_indexer([key])[0] >= 0

    def __iter__(self) -> Iterator:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def keys_index(self) -> pd.Index:
        return self._keys


def _first_appearance(codes: np.ndarray, uniques: pd.Index) -> tuple[np.ndarray, pd.Index]:
    """Codes (≥ 0) into ``uniques`` renumbered as ``pd.factorize`` of the keys would number them (in
    order of first appearance): (the new codes, their uniques) — integer work only."""
    first = np.full(len(uniques), len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    present = np.flatnonzero(first < len(codes))
    present = present[np.argsort(first[present], kind="stable")]
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[present] = np.arange(len(present))
    return rank[codes], uniques[present]


def merge(*parts: EvidenceIndex) -> EvidenceIndex:
    """Several indexes as one: a key's references are the union of its references in each."""
    parts = tuple(p for p in parts if len(p))
    if not parts:
        return EvidenceIndex.empty()
    if len(parts) == 1:
        return parts[0]
    keys = np.concatenate([np.repeat(np.asarray(p._keys, dtype=object), np.diff(p._offsets)) for p in parts])
    which = np.concatenate([np.full(len(p._items), i, dtype=np.int64) for i, p in enumerate(parts)])
    local = np.concatenate([np.asarray(p._items, dtype=np.int64) for p in parts])
    items = np.arange(len(local), dtype=np.int64)

    def resolve(picked: np.ndarray) -> list[str]:
        out: list[str] = []
        for i, p in enumerate(parts):
            mine = local[picked[which[picked] == i]]
            if len(mine):
                out.extend(p._resolve(mine))
        return out
    return EvidenceIndex(keys, items, resolve)
