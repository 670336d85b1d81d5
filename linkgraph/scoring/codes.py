"""Integer codes for the scoring factors' group-bys: a column's values as codes ordered like the
sorted values (categoricals ranked once, non-negative integers as themselves, nothing else hashed
twice), and per-group minimum / maximum over dense group ids (no sort of the rows).

>>> import pandas as pd
>>> codes, values = sorted_codes(pd.Series(["b", "a", None, "b"], dtype="category"))
>>> codes.tolist(), values(codes[codes >= 0]).tolist()
([1, 0, -1, 1], ['b', 'a', 'b'])
>>> group_min(np.array([2, 0, 2]), np.array([7, 5, 3]), 3).tolist()   # group 1: none
[5, 9223372036854775807, 3]
>>> codes, ids = factorize_ids(np.array(["P-b", "P-a", "P-b"], dtype=object), min_size=0)
>>> codes.tolist(), ids.tolist()
([0, 1, 0], ['P-b', 'P-a'])
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from linkgraph.graph._agg import factorize_ids, first_rows, plain  # noqa: F401  (factorize_ids: re-exported)
from linkgraph.graph.edge_refs import CODES_KEY, entity_codes

NONE = np.iinfo(np.int64).max     # group_min of an empty group


def sorted_codes(values: pd.Series) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """``values`` as int64 codes in the order of the sorted distinct values (missing: −1), and a
    function turning codes (≥ 0) back into values — the order of ``pd.factorize(values, sort=True)``."""
    if pd.api.types.is_integer_dtype(values.dtype) and (len(values) == 0 or values.min() >= 0):
        return values.to_numpy(dtype=np.int64), lambda codes: codes    # row numbers sort as themselves
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = np.asarray(values.cat.categories, dtype=object)
        if all(isinstance(c, str) for c in cats):
            order = np.argsort(cats, kind="stable")
            rank = np.empty(len(cats), dtype=np.int64)
            rank[order] = np.arange(len(cats))
            raw = values.cat.codes.to_numpy()
            ranked = cats[order]
            return np.where(raw >= 0, rank[np.maximum(raw, 0)], -1), lambda codes: ranked[codes]
    codes, uniques = pd.factorize(plain(values), sort=True)
    uniques = np.asarray(uniques, dtype=object)
    return codes.astype(np.int64), lambda c: uniques[c]


def group_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Codes for grouping (missing: −1) in the order a pandas group-by sorts its keys (a categorical's
    category order, else the sorted values), and how many there are."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), len(values.cat.categories)
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), len(uniques)


def group_min(groups: np.ndarray, keys: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group id in 0..n_groups-1, the smallest int64 key (:data:`NONE` where the group is empty)."""
    out = np.full(n_groups, NONE, dtype=np.int64)
    np.minimum.at(out, groups, keys)
    return out


def group_max(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group id, the largest value (−inf where the group is empty)."""
    out = np.full(n_groups, -np.inf)
    np.maximum.at(out, groups, np.asarray(values, dtype=float))
    return out


def end_codes(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a table's ``from``/``to`` ids (one array, ``from`` first) and the ids they index: the
    table's own :class:`~linkgraph.graph.edge_refs.EntityCodes` when the stage that made it coded them
    (ids sorted, no id hashed again), else the ids hashed here once (order of first appearance)."""
    if table.attrs.get(CODES_KEY) is not None:
        return entity_codes(table)
    return factorize_ids(np.concatenate([table["from_entity"].to_numpy(dtype=object),
                                         table["to_entity"].to_numpy(dtype=object)]))
