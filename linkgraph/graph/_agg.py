"""Vectorized group aggregations shared by the graph modules."""
from __future__ import annotations

import numpy as np
import pandas as pd


def joined_sets(groups: np.ndarray, values: pd.Series, n_groups: int, sep: str = ";") -> tuple[np.ndarray, np.ndarray]:
    """Per group (codes 0..n_groups-1): its distinct values sorted and joined by ``sep``, and how many.

    Up to 62 distinct values are handled as bit masks (one ``bitwise_or`` per group, then one join
    per distinct combination); more fall back to a pandas groupby.
    """
    values = pd.Series(values).fillna("").astype(str).to_numpy()
    uniques, codes = np.unique(values, return_inverse=True)
    if len(uniques) <= 62:
        masks = np.zeros(n_groups, dtype=np.int64)
        np.bitwise_or.at(masks, groups, np.left_shift(np.int64(1), codes.astype(np.int64)))
        combos, inverse = np.unique(masks, return_inverse=True)
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
    """Per group, the list of its distinct values (in ``order``, default the values' own order)."""
    frame = pd.DataFrame({"g": groups, "v": values, "o": values if order is None else order})
    frame = frame.drop_duplicates(["g", "v"]).sort_values(["g", "o"], kind="stable")
    lists = frame.groupby("g", sort=True)["v"].agg(list)
    if len(lists) == n_groups:
        return lists.reset_index(drop=True)
    lists = lists.reindex(range(n_groups))
    missing = lists.isna()
    lists[missing] = pd.Series([[] for _ in range(int(missing.sum()))], index=lists.index[missing], dtype=object)
    return lists
