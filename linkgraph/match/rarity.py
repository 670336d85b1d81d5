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
(:func:`linkgraph.match.model.tf_adjustments`), so a value borne by one entity weighs
log2((total + 50) / 50) bits more than u says, one borne by two about as much as plain tf.

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
