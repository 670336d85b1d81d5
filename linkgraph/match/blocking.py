"""Blocking: candidate pairs are records that agree exactly on every column of some rule."""
from __future__ import annotations

import numpy as np
import pandas as pd


def _group_codes(df: pd.DataFrame, columns: list[str], cache: dict | None = None) -> np.ndarray:
    """An integer code per row for its combination of values; -1 where any value is missing.

    ``cache`` (column -> factorized codes and count) saves factorizing a column again for the
    next rule that uses it.
    """
    codes = np.zeros(len(df), dtype=np.int64)
    valid = np.ones(len(df), dtype=bool)
    cache = {} if cache is None else cache
    for col in columns:
        if col not in cache:
            c, uniques = pd.factorize(df[col], use_na_sentinel=True)
            cache[col] = (c, len(uniques))
        c, n_uniques = cache[col]
        valid &= c >= 0
        codes = codes * (n_uniques + 1) + c
    if len(columns) == 1:
        return codes  # one column's codes are small already (-1 = missing)
    # re-factorize to keep codes small whatever the number of columns
    out = pd.factorize(codes)[0].astype(np.int64)
    out[~valid] = -1
    return out


def pairs_within_groups(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i < j) of rows sharing a non-negative code, without a Python loop over pairs.

    Pairs come group by group (groups in code order), each row of a group paired with every
    later row of it, in ascending order of both rows.
    """
    idx = np.flatnonzero(codes >= 0)
    if len(idx) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = idx[np.argsort(codes[idx], kind="stable")]  # ascending rows within each group
    grp = codes[order]
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    # each position of ``order`` pairs with the later positions of its group
    later = np.repeat(starts + sizes, sizes) - np.arange(1, len(order) + 1)
    first = np.flatnonzero(later)
    later = later[first]
    total = int(later.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    a = np.repeat(first, later)
    # b runs over a + 1, a + 2, ... within each run of one a
    b = np.arange(total, dtype=np.int64) + np.repeat(first + 1 - (np.cumsum(later) - later), later)
    return order[a].astype(np.int64, copy=False), order[b].astype(np.int64, copy=False)


def candidate_pairs(df: pd.DataFrame, rules: list[list[str]], groups: np.ndarray | None = None,
                    within_groups: bool = True, factorized: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The union of the pairs of every blocking rule, as two aligned index arrays (i < j).

    ``groups`` (e.g. the source of each record) with ``within_groups=False`` keeps only pairs
    across groups (link only). ``factorized``: column -> (codes, number of values) already
    computed (as ``pd.factorize`` gives them), filled as columns get factorized.
    """
    n = len(df)
    keys = []
    earlier: list[np.ndarray] = []
    factorized = {} if factorized is None else factorized
    for rule in rules:
        missing = [c for c in rule if c not in df.columns]
        if missing:
            continue
        codes = _group_codes(df, rule, factorized)
        i, j = pairs_within_groups(codes)
        if groups is not None and not within_groups:
            cross = groups[i] != groups[j]
            i, j = i[cross], j[cross]
        # a pair an earlier rule produced already is dropped here (as Splink does), so the
        # union needs one sort of distinct pairs rather than a unique over all of them
        for prev in earlier:
            fresh = (prev[i] != prev[j]) | (prev[i] < 0)
            i, j = i[fresh], j[fresh]
        earlier.append(codes)
        keys.append(i * n + j)
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key = np.sort(np.concatenate(keys))
    return key // n, key % n
