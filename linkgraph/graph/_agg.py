"""Vectorized group aggregations shared by the graph modules."""
from __future__ import annotations

import ctypes

import numpy as np
import pandas as pd


def plain(values: pd.Series) -> pd.Series:
    """``values`` with a categorical dtype (a compact loader's) as plain objects; others as they are."""
    return values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) else values


def _categorical_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """For a categorical of at most 61 distinct texts: codes into ``""`` (missing) followed by the
    categories in sorted order; None otherwise (the caller hashes the values)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return None
    cats = np.asarray(values.cat.categories, dtype=object)
    if len(cats) > 61 or not all(isinstance(c, str) and c for c in cats):
        return None
    order = np.array(sorted(range(len(cats)), key=lambda i: cats[i]), dtype=np.int64)
    rank = np.zeros(max(len(cats), 1), dtype=np.int64)
    rank[order] = np.arange(1, len(cats) + 1)
    c = values.cat.codes.to_numpy().astype(np.int64)
    return np.where(c < 0, 0, rank[np.maximum(c, 0)]), np.concatenate([np.array([""], dtype=object), cats[order]])


def joined_sets(groups: np.ndarray, values: pd.Series, n_groups: int, sep: str = ";") -> tuple[np.ndarray, np.ndarray]:
    """Per group (codes 0..n_groups-1): its distinct values sorted and joined by ``sep``, and how many.

    Up to 62 distinct values are handled as bit masks (one ``bitwise_or`` per group, then one join
    per distinct combination); more fall back to a pandas groupby.
    """
    values = pd.Series(values)
    coded = _categorical_codes(values)
    if coded is not None:          # a categorical of text: its codes, no string hashed
        codes, uniques = coded
    else:
        values = plain(values).fillna("").astype(str).to_numpy()
        codes, uniques = pd.factorize(values, sort=True)   # hashing, then only the distinct values sorted
        uniques = np.asarray(uniques, dtype=object)
    if len(uniques) <= 62:
        masks = np.zeros(n_groups, dtype=np.int64)
        if len(uniques) <= 8:     # a few values: one count per value (faster than an unbuffered ufunc.at)
            for j in range(len(uniques)):
                at = codes == j
                if at.any():
                    masks |= (np.bincount(groups[at], minlength=n_groups) > 0).astype(np.int64) << j
        else:
            np.bitwise_or.at(masks, groups, np.left_shift(np.int64(1), codes.astype(np.int64)))
        inverse, combos = pd.factorize(masks)      # few distinct combinations: hashed, not sorted
        combos = np.asarray(combos, dtype=np.int64)
        bits = (combos[:, None] >> np.arange(len(uniques))) & 1
        names = np.array([sep.join(v for v in uniques[row.astype(bool)] if v) for row in bits], dtype=object)
        counts = np.array([sum(1 for v in uniques[row.astype(bool)] if v) for row in bits], dtype=np.int64)
        return names[inverse], counts[inverse]
    frame = pd.DataFrame({"g": groups, "v": values}).drop_duplicates()
    frame = frame[frame["v"] != ""].sort_values(["g", "v"])
    joined = frame.groupby("g")["v"].agg(sep.join).reindex(range(n_groups), fill_value="")
    counts = frame.groupby("g").size().reindex(range(n_groups), fill_value=0)
    return joined.to_numpy(dtype=object), counts.to_numpy(dtype=np.int64)


def lists_by_group(groups: np.ndarray, values: np.ndarray, n_groups: int, order: np.ndarray | None = None) -> pd.Series:
    """Per group (codes 0..n_groups-1), the list of its distinct values, sorted by ``order`` (default:
    the values themselves); empty list for a group without values.

    One sort and one ``np.split``: the only per-group Python work is making each list.
    """
    groups = np.asarray(groups, dtype=np.int64)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), sort=order is None)
    key = groups * max(len(uniques), 1) + codes
    first = np.unique(key, return_index=True)[1]  # one row per (group, value)
    rank = codes[first] if order is None else np.asarray(order)[first]
    pick = first[np.lexsort((rank, groups[first]))]
    g, v = groups[pick], np.asarray(values, dtype=object)[pick]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, dtype=np.int64)
    out = np.empty(n_groups, dtype=object)
    if len(g):
        out[g[starts]] = pd.Series([part.tolist() for part in np.split(v, starts[1:])], dtype=object).to_numpy()
    for missing in np.flatnonzero(pd.isna(out)):
        out[missing] = []
    return pd.Series(out, dtype=object)


def group_keys(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_index=True, return_inverse=True)[1:]`` for integer keys: the first row of
    each distinct key (keys in ascending order) and each row's group, by hashing the keys and sorting
    only the distinct ones.

    >>> first, groups = group_keys(np.array([7, 3, 7, 5, 3]))
    >>> first.tolist(), groups.tolist()
    ([1, 3, 0], [2, 0, 2, 1, 0])
    """
    codes, uniques = pd.factorize(key)
    uniques = np.asarray(uniques)
    first = first_rows(codes)
    order = np.argsort(uniques)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return first[order], rank[codes]


def first_rows(codes: np.ndarray) -> np.ndarray:
    """The row where each code first appears, for codes numbered in order of first appearance (as
    ``pd.factorize`` gives them): a row is its code's first where the running maximum of the codes grows.

    >>> first_rows(pd.factorize(np.array(["b", "a", "b", "c"]))[0]).tolist()
    [0, 1, 3]
    """
    if len(codes) == 0:
        return np.zeros(0, dtype=np.intp)
    top = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, top[1:] > top[:-1]])


def factorize_ids(values, min_size: int = 100_000) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values)`` of an object column of ids (codes in order of first appearance,
    uniques), hashing each distinct id once instead of once per row where it can.

    A table's millions of id cells usually hold a few hundred thousand distinct string objects, each
    referenced many times (the loader or a ``take`` made them). The cells are first grouped by object
    (their addresses: integer hashing), then the distinct objects by value; when as many values as
    objects come out (no two objects hold the same id) and none is missing, the grouping by object is
    the grouping by value — else ``pd.factorize`` runs as usual. The result is the same either way."""
    arr = np.ascontiguousarray(np.asarray(values, dtype=object))
    if len(arr) < max(min_size, 1) or arr.itemsize != np.dtype(np.intp).itemsize:
        codes, uniques = pd.factorize(arr)
        return codes, np.asarray(uniques, dtype=object)
    address = np.frombuffer((ctypes.c_char * arr.nbytes).from_address(arr.ctypes.data), dtype=np.intp).copy()
    codes, _ = pd.factorize(address)
    objects = arr[first_rows(codes)]              # codes count up from 0 in order of first appearance
    if pd.isna(objects).any() or len(pd.unique(objects)) != len(objects):
        codes, uniques = pd.factorize(arr)
        return codes, np.asarray(uniques, dtype=object)
    return codes, objects
