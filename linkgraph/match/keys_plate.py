"""Plates one character apart: a plate read with one character dropped joins the vehicle it came from.

A plate reader that loses a character (``KY548V`` for ``KY-548-VE``) gives a value no identifier
matches. Candidates come from **deletion neighbourhoods** of the OCR key (``plate_key``: OCR
look-alikes already merged): every distinct key of length L gives its L one-deletion variants, and
a variant equal to another distinct key (of length L-1) makes a candidate pair of keys (the
"one character dropped" level). Keys, not records, are paired: records sharing a key are one
vehicle already (the key is an identifier), so one edge per pair of keys links them, and the
candidates number at most L per distinct key — never more than the blocking budget of
:mod:`linkgraph.match.blocking` (checked), and nothing grows with the square of the input.

A candidate becomes a link only when all of these hold (the **sibling guard**):

- the shorter key's records hold no valid French plate (``valid``: a plate the registration
  system issues is taken as written — two fleet vehicles registered the same day, ``FB-123-KD`` and
  ``FB-124-KD``, never merge this way, and the ``plate_valid`` constraint keeps them apart anyway);
- none of the ``agree`` columns conflicts: where both sides have values (VIN, make, model,
  colour), they share one;
- the shorter key has exactly one such candidate: a read that is one drop away from two
  plates (``FB12KD`` from ``FB-123-KD`` or ``FB-124-KD``) stays alone — it cannot be told apart.
- both keys are at least ``min_length`` characters long.

Example::

    >>> import pandas as pd
    >>> from linkgraph.match.settings import NearIdentifier
    >>> df = pd.DataFrame({"plate_key": ["KY548VE", "KY548V", "FA123KD", "FA124KD", "FA12KD"],
    ...                    "plate_valid": ["KY-548-VE", None, "FA-123-KD", "FA-124-KD", None]})
    >>> e = near_identifier_edges(df, [NearIdentifier(column="plate_key", valid="plate_valid")])
    >>> list(zip(e.i.tolist(), e.j.tolist()))
    [(0, 1)]
    >>> one_dropped("KY548VE", "KY548V"), one_dropped("FA123KD", "FA124KD")
    (True, False)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.errors import BudgetError
from linkgraph.match.cluster import Edges

ORIGIN = "one character dropped"
#: the weight of a near-identifier edge: weaker than an identifier (inf), stronger than any model edge
WEIGHT = 1e6
MAX_KEY = 16


def one_dropped(long: str | None, short: str | None) -> bool:
    """Whether ``short`` is ``long`` with exactly one character removed."""
    if not isinstance(long, str) or not isinstance(short, str) or len(long) != len(short) + 1:
        return False
    k = next((p for p, (a, b) in enumerate(zip(long, short)) if a != b), len(short))
    return long[k + 1:] == short[k:]


def deletion_pairs(keys: np.ndarray, min_length: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (long, short) of positions in ``keys`` (distinct strings) where ``short`` is ``long``
    with one character dropped; vectorized over the keys, one numpy pass per character position."""
    keys = np.asarray(keys, dtype=object)
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    ok = (lengths >= min_length + 1) & (lengths <= MAX_KEY)
    if not ok.any():
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pos = np.flatnonzero(ok)
    width = int(lengths[pos].max())
    chars = np.frombuffer(np.asarray(keys[pos].astype(str), dtype=f"U{width}").tobytes(), dtype=np.uint32)
    chars = chars.reshape(len(pos), width)
    variants, owners = [], []
    for p in range(width):
        has = lengths[pos] > p
        cut = np.concatenate([chars[has, :p], chars[has, p + 1:], np.zeros((int(has.sum()), 1), np.uint32)], axis=1)
        variants.append(np.ascontiguousarray(cut).view(f"U{width}").ravel())
        owners.append(pos[has])
    variant = pd.Series(np.concatenate(variants).astype(object))
    owner = np.concatenate(owners)
    index = pd.Series(np.arange(len(keys)), index=pd.Index(keys))
    short = variant.map(index).to_numpy()
    found = ~pd.isna(short)
    pairs = pd.DataFrame({"long": owner[found], "short": short[found].astype(np.int64)}).drop_duplicates()
    return pairs["long"].to_numpy(np.int64), pairs["short"].to_numpy(np.int64)


def _conflicts(df: pd.DataFrame, codes: np.ndarray, long: np.ndarray, short: np.ndarray, column: str) -> np.ndarray:
    """Per key pair: both keys' records hold values of ``column`` and share none."""
    if column not in df:
        return np.zeros(len(long), dtype=bool)
    raw, spelt = pd.factorize(df[column], use_na_sentinel=True)
    folded = pd.factorize(pd.Series(np.asarray(spelt, dtype=object)).astype(str).str.upper())[0]  # per distinct
    vals = np.where(raw >= 0, folded[np.maximum(raw, 0)] if len(folded) else -1, -1)
    ok = (vals >= 0) & (codes >= 0)
    held = pd.DataFrame({"key": codes[ok], "value": vals[ok]}).drop_duplicates()
    has = np.zeros(int(codes.max()) + 1 if len(codes) else 0, dtype=bool)
    has[held["key"].to_numpy()] = True
    pairs = pd.DataFrame({"long": long, "short": short, "n": np.arange(len(long))})
    shared = pairs.merge(held.rename(columns={"key": "long"}), on="long").merge(
        held.rename(columns={"key": "short"}), on=["short", "value"])
    agree = np.zeros(len(long), dtype=bool)
    agree[shared["n"].to_numpy()] = True
    return has[long] & has[short] & ~agree


def near_identifier_edges(df: pd.DataFrame, rules, budget: int | None = None) -> Edges:
    """Links between records whose key is another record's key with one character dropped, under
    the guard of the module docstring; ``rules``: the settings' ``near_identifiers``. One edge per
    pair of keys (first record of each), origin :data:`ORIGIN`."""
    parts = []
    for rule in rules:
        if rule.column not in df:
            continue
        codes, uniques = pd.factorize(df[rule.column], use_na_sentinel=True)
        if len(uniques) < 2:
            continue
        long, short = deletion_pairs(np.asarray(uniques, dtype=object), rule.min_length)
        if budget is not None and len(long) > budget:  # at most MAX_KEY per distinct key
            raise BudgetError(f"{rule.column}: {len(long):,} pairs of values one character apart exceed the pair "
                              f"budget of {budget:,} (budget.pairs_per_rule); raise it or drop near_identifiers")
        if rule.valid and rule.valid in df:
            valid_key = np.zeros(len(uniques), dtype=bool)
            valid_key[codes[(codes >= 0) & df[rule.valid].notna().to_numpy()]] = True
            keep = ~valid_key[short]
            long, short = long[keep], short[keep]
        for column in rule.agree:
            keep = ~_conflicts(df, codes, long, short, column)
            long, short = long[keep], short[keep]
        unique = np.bincount(short, minlength=len(uniques))[short] == 1  # one candidate only
        long, short = long[unique], short[unique]
        first = np.full(len(uniques), len(df), dtype=np.int64)
        np.minimum.at(first, codes[codes >= 0], np.flatnonzero(codes >= 0))
        i, j = first[long], first[short]
        parts.append(Edges(np.minimum(i, j), np.maximum(i, j), np.full(len(i), WEIGHT),
                           np.full(len(i), ORIGIN, dtype=object)))
    return Edges.concat(parts)
