"""Relation kinds (directed or symmetric) and entity types read from stable id prefixes."""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.vocabulary import ID_PREFIX

#: Relations with a direction: ``from`` calls, uses, drives, owns, directs... ``to``.
DIRECTED_RELATIONS: frozenset[str] = frozenset({
    "called", "texted", "uses", "drives", "owns", "directs", "employs", "seen_at", "located_at", "lives_at",
})
#: Relations without one: (a, b) and (b, a) are the same fact, stored smaller id first.
SYMMETRIC_RELATIONS: frozenset[str] = frozenset({
    "co_arrested", "seized_with", "mentioned_with", "associated_with", "seen_together",
})
#: Classification levels, lowest first (an edge takes the highest level of its evidence).
CLASSIFICATION_RANK: dict[str, int] = {"public": 0, "restricted": 1, "confidential": 2, "secret": 3}

_TYPE_OF_PREFIX = {prefix: entity_type for entity_type, prefix in ID_PREFIX.items()}


def is_symmetric(types: pd.Series) -> np.ndarray:
    """True where the relation type is symmetric (unknown types count as directed)."""
    return types.isin(SYMMETRIC_RELATIONS).to_numpy()


def entity_types(ids: pd.Series | pd.Index, entities: pd.DataFrame | None = None) -> pd.Series:
    """Entity type of each id: from the entity table when it knows the id, else from the prefix (``P-`` person...)."""
    ids = pd.Series(ids, dtype=object)
    codes, uniques = pd.factorize(ids)  # one parse per distinct id
    prefixes = pd.Series(uniques, dtype=object).astype(str).str.split("-", n=1).str[0].map(_TYPE_OF_PREFIX)
    types = prefixes
    if entities is not None and len(entities):
        known = entities.drop_duplicates("entity_id").set_index("entity_id")["entity_type"]
        types = pd.Series(uniques, dtype=object).map(known).fillna(prefixes)
    values = np.append(types.to_numpy(dtype=object), None)
    return pd.Series(values[codes], index=ids.index, dtype=object)
