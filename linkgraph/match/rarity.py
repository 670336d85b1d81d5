"""How many *other* entities bear a value: the term frequency of a rarity level (``rarity:``).

Splink's term-frequency adjustment replaces the u of an exact level by the value's frequency.
For a value borne by one entity only (a rare trade name), that frequency still counts the
entity itself, so two mentions of "Nettoyage Correia", one of them with the name alone, weigh
no more than two mentions of any name: with a prior of 1 in 8,000 pairs, a name-only match
never merges. What makes two mentions of a value *different* entities is another entity
bearing it, so a rarity level counts, once first-pass entities are known, the entities bearing
the value minus one. Only entities that say who or where they are count: the ``rarity`` columns
are tiers tried in order (``[siren, address, city]``: the entities known by a SIREN bearing the
value, else those with an address, else those with a town, else all); a mention with the name
alone is not evidence of another company. The counts are smoothed towards u like any term frequency
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
>>> siren = np.array([True, True, False, True, True, False, True])
>>> others, total = other_entities(codes, entities, [siren])
>>> others.tolist(), total                          # name 0: entity 1 has no SIREN; name 1: 2 and 3 have
([0, 1], 3)
>>> others, _ = other_entities(codes, entities, [np.zeros(7, bool), siren])   # no SIREN: the next tier
>>> others.tolist()
[0, 1]
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def other_entities(codes: np.ndarray, entities: np.ndarray, tiers: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """Per value code: the entities bearing it minus one (those with a record in the first tier —
    a boolean per record — that has any, else all), and the sum of the entity counts (the total
    the frequencies are taken over)."""
    ok = codes >= 0
    n_values = int(codes.max()) + 1 if ok.any() else 0
    if n_values == 0:
        return np.zeros(0, dtype=np.int64), 0
    ent, _ = pd.factorize(entities)
    ent = ent.astype(np.int64)
    pairs = pd.unique(ent[ok] * n_values + codes[ok])   # distinct (entity, value)
    value = pairs % n_values
    count = np.bincount(value, minlength=n_values)
    decided = np.zeros(n_values, dtype=bool)
    for tier in tiers:
        in_tier = np.zeros(int(ent.max()) + 1, dtype=bool)
        in_tier[ent[tier]] = True
        placed = np.bincount(value[in_tier[pairs // n_values]], minlength=n_values)
        take = ~decided & (placed > 0)
        count[take] = placed[take]
        decided |= take
    return np.maximum(count - 1, 0), int(count.sum())


def rarity_table(cols, col: str, context: list[str], entities: np.ndarray, m: float, u: float,
                 pseudo: float, shared: str = "negative") -> pd.Series:
    """:func:`rarity_adjustment` by value (the distinct values of ``col``), as engines pass it around."""
    return pd.Series(rarity_adjustment(cols, col, context, entities, m, u, pseudo, shared)[:-1],
                     index=cols.uniques(col))


def rarity_adjustment(cols, col: str, context: list[str], entities: np.ndarray, m: float, u: float,
                      pseudo: float, shared: str = "negative") -> np.ndarray:
    """The adjustment (log2) of each value code of ``col`` (one more entry: missing, 0), for a level
    of Bayes factor m/u: log2(u / f) with f = (others + pseudo·u) / (total + pseudo) for a value
    no other located entity bears; for one borne by k ≥ 2 located entities, ``shared="negative"``:
    −log2(m/u) − log2(k) (the level then weighs −log2(k)), ``shared="frequency"``: the same
    log2(u / f) with others = k − 1 — the chance that another entity bears the value, as a term
    frequency counted per entity says it (a name two companies bear still weighs about
    log2(m · total) bits: with an address or a SIREN's address it merges, alone it does not).

    >>> import pandas as pd
    >>> from linkgraph.match.compare import Columns
    >>> df = pd.DataFrame({"name": ["a", "a", "b", "b"], "city": ["x", "x", "y", "z"]})
    >>> adj = rarity_adjustment(Columns(df), "name", ["city"], np.array([0, 0, 1, 2]), 0.9, 0.01, 50)
    >>> [round(float(v), 2) for v in adj]            # "a": one entity; "b": two located entities
    [0.08, -7.49, 0.0]
    >>> adj = rarity_adjustment(Columns(df), "name", ["city"], np.array([0, 0, 1, 2]), 0.9, 0.01, 50, "frequency")
    >>> [round(float(v), 2) for v in adj]            # "b": one other entity in 2 (+ 50 pseudo-entities)
    [0.08, -1.5, 0.0]
    """
    others, total = other_entities(cols.codes(col), entities, [cols.codes(c) >= 0 for c in context])
    freq = (others + pseudo * u) / (total + pseudo)
    adjustment = np.log2(u / np.maximum(freq, 1e-300))
    if shared != "frequency":
        adjustment = np.where(others == 0, adjustment, -np.log2(m / u) - np.log2(others + 1.0))
    return np.append(adjustment, 0.0)
