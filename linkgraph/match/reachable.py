"""Which comparison levels no pair can ever reach.

Levels are tested strongest first and a pair takes the first level it meets, so a level is
dead when an earlier level on the same column accepts every pair it would accept:

* the same measure with a looser band before a stricter one (``jaro_winkler 0.52`` before
  ``jaro_winkler 0.8``; ``levenshtein 3`` before ``levenshtein 1``), or the same band twice;
* ``jaro`` after a ``jaro_winkler`` band at most as high (Jaro–Winkler is never below Jaro);
* ``exact`` after any band or ``first_token`` level of its column, or twice on one column
  (equal values score 1 on every similarity and 0 on every distance).

Such a model is an error (:class:`~linkgraph.match.settings.Comparison` refuses it): the dead
level's m and u are floors, and the looser band takes pairs meant for the stricter one.

>>> from types import SimpleNamespace as L
>>> levels = [L(kind="exact", column=None, threshold=None),
...           L(kind="jaro_winkler", column=None, threshold=0.52),
...           L(kind="jaro_winkler", column=None, threshold=0.8), L(kind="else", column=None, threshold=None)]
>>> unreachable(levels, "name")
[(2, 1)]
"""
from __future__ import annotations

from typing import Any, Sequence

SIMILARITIES = ("jaro_winkler", "jaro")
DISTANCES = ("levenshtein", "damerau_levenshtein")


def _takes_all_of(prev: Any, level: Any) -> bool:
    """Whether every pair meeting ``level`` meets ``prev`` (both on one column)."""
    if level.kind == "exact":
        return prev.kind in ("exact", "first_token", *SIMILARITIES, *DISTANCES)
    if prev.kind == level.kind and level.kind in DISTANCES:
        return prev.threshold >= level.threshold
    if prev.kind == level.kind and level.kind in (*SIMILARITIES, "first_token"):
        return prev.threshold <= level.threshold
    if prev.kind == "jaro_winkler" and level.kind == "jaro":
        return prev.threshold <= level.threshold
    return False


def unreachable(levels: Sequence[Any], column: str) -> list[tuple[int, int]]:
    """(dead level, the earlier level that takes its pairs) for each level no pair can reach.

    ``levels`` are the comparison's levels (``kind``, ``column``, ``threshold``), ``column`` the
    comparison's own column (a level without a ``column`` uses it).
    """
    out = []
    for k, level in enumerate(levels):
        if level.kind == "else":
            continue
        col = level.column or column
        for j, prev in enumerate(levels[:k]):
            if (prev.column or column) == col and _takes_all_of(prev, level):
                out.append((k, j))
                break
    return out
