"""How many *other* entities bear a value: the term frequency of a rarity level (``rarity:``).

Splink's term-frequency adjustment replaces the u of an exact level by the value's frequency.
For a value borne by one entity only (a rare trade name), that frequency still counts the
entity itself, so two mentions of "Nettoyage Correia", one of them with the name alone, weigh
no more than two mentions of any name: with a prior of 1 in 8,000 pairs, a name-only match
never merges. What makes two mentions of a value *different* entities is another entity
bearing it, so a rarity level counts, once first-pass entities are known, the entities bearing
the value minus one. Only entities that say where or who they are count (one of their mentions
has a value in a ``rarity`` column: SIREN, address, city...); a mention with the name alone is
not evidence of another company, unless no located entity bears the name at all, then every
entity bearing it counts. The counts are smoothed towards u like any term frequency
(:func:`linkgraph.match.model.tf_adjustments`): a value borne by one located entity weighs
log2((total + 50) / 50) bits more than u says. A value borne by k ≥ 2 located entities is
ambiguous: a mention that agrees with one of them on it agrees with the others as well, so
the agreement is worth at most 1 in k; the level then weighs −log2(k) (its Bayes factor is
cancelled): with a ``name_town`` column, two companies of one name in one town make "same name,
same town" a negative — the town-level negative for homonymous firms — and the address or the
SIREN decides.

>>> import numpy as np
>>> codes = np.array([0, 0, 0, 1, 1, 1, -1])        # two names; record 6 has none
>>> entities = np.array([0, 0, 1, 2, 3, 4, 5])       # name 0: entities 0 and 1; name 1: entities 2, 3, 4
>>> located = np.array([True, True, False, True, True, False, True])
>>> others, total = other_entities(codes, entities, located)
>>> others.tolist(), total                          # name 0: entity 1 is not located; name 1: 2 and 3 are
([0, 1], 3)
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def other_entities(codes: np.ndarray, entities: np.ndarray, located: np.ndarray) -> tuple[np.ndarray, int]:
    """Per value code: the entities bearing it minus one (located entities, or all when none is
    located), and the sum of the entity counts (the total the frequencies are taken over)."""
    ok = codes >= 0
    n_values = int(codes.max()) + 1 if ok.any() else 0
    if n_values == 0:
        return np.zeros(0, dtype=np.int64), 0
    ent, _ = pd.factorize(entities)
    ent = ent.astype(np.int64)
    is_located = np.zeros(int(ent.max()) + 1, dtype=bool)
    is_located[ent[located]] = True
    pairs = pd.unique(ent[ok] * n_values + codes[ok])   # distinct (entity, value)
    value = pairs % n_values
    every = np.bincount(value, minlength=n_values)
    placed = np.bincount(value[is_located[pairs // n_values]], minlength=n_values)
    count = np.where(placed > 0, placed, every)
    return np.maximum(count - 1, 0), int(count.sum())


def rarity_adjustment(cols, col: str, context: list[str], entities: np.ndarray, m: float, u: float,
                      pseudo: float) -> np.ndarray:
    """The adjustment (log2) of each value code of ``col`` (one more entry: missing, 0), for a level
    of Bayes factor m/u: log2(u / f) with f = (others + pseudo·u) / (total + pseudo) for a value
    no other located entity bears, −log2(m/u) − log2(k) for one borne by k ≥ 2 located entities.

    >>> import pandas as pd
    >>> from linkgraph.match.compare import Columns
    >>> df = pd.DataFrame({"name": ["a", "a", "b", "b"], "city": ["x", "x", "y", "z"]})
    >>> adj = rarity_adjustment(Columns(df), "name", ["city"], np.array([0, 0, 1, 2]), 0.9, 0.01, 50)
    >>> [round(float(v), 2) for v in adj]            # "a": one entity; "b": two located entities
    [0.08, -7.49, 0.0]
    """
    located = np.zeros(len(cols.df), dtype=bool)
    for c in context:
        located |= cols.codes(c) >= 0
    others, total = other_entities(cols.codes(col), entities, located)
    freq = pseudo * u / (total + pseudo)
    adjustment = np.where(others == 0, np.log2(u / max(freq, 1e-300)), -np.log2(m / u) - np.log2(others + 1.0))
    return np.append(adjustment, 0.0)
