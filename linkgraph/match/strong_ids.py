"""Entity ids named by a strong identifier: the same phone, vehicle or company gets the same id in
separate runs, whatever the files, their order or their mention ids.

A fresh id is a keyed hash of an **anchor** (:func:`linkgraph.match.ids.fresh_ids`: SipHash-2-4, a
keyed pseudo-random function, under :data:`~linkgraph.match.ids.DEFAULT_ID_KEY` outside a
workspace and under the workspace's secret ``id_key`` inside one, so an id reveals nothing
without the key and two workspaces do not share ids). For the types of :data:`STRONG` the anchor
is the entity's strong identifier instead of its first mention id:

- phone: its E.164 number, else its IMEI;
- vehicle: its valid French plate (``plate_valid``: most records carry the plate, and a misread
  is never a valid plate), else its VIN, else its plate as read (a foreign plate);
- company: its SIREN.

**Several values** (a vehicle re-registered, a line with two IMEIs): the first column of that
order the entity has a value in, and in it the value most of its mentions carry (ties: the
smallest), so that more records of the same vehicle do not move its id. **Two entities with the
same anchor** (a cloned plate on two VINs, a judgment "not the same" splitting one number): the
anchor would give them one id, which must never happen, so each of them tries its next column,
and when none is left falls back to today's scheme (its first mention id); every fallback is
reported (:class:`Fallback`). Persons, places and containers keep the first-mention scheme.

Example::

    >>> import pandas as pd
    >>> m = pd.DataFrame({"mention_id": ["b:1:t", "a:7:t", "a:2:v"], "entity_type": ["phone", "phone", "vehicle"],
    ...                   "number": ["+33601020304", "+33601020304", None], "plate_valid": [None, None, None],
    ...                   "vin": [None, None, None], "plate": [None, None, "1234BCD"]})
    >>> anchors, notes = strong_anchors(m, pd.Series([0, 0, 1]).to_numpy(), 2)
    >>> anchors.tolist()
    ['strong\\x1fnumber\\x1f+33601020304', 'strong\\x1fplate\\x1f1234BCD']
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkgraph.match.entities import _mode_per_entity

#: Per entity type, the columns whose value names the entity, in order of preference, with the label
#: the anchor gives them (a valid plate and a plate as read name one thing).
STRONG: dict[str, list[tuple[str, str]]] = {
    "phone": [("number", "number"), ("imei", "imei")],
    "vehicle": [("plate_valid", "plate"), ("vin", "vin"), ("plate", "plate")],
    "company": [("siren", "siren")],
}
PREFIX = "strong\x1f"


@dataclass(frozen=True)
class Fallback:
    """Entities that shared an anchor value and could not be named by it."""

    entity_type: str
    column: str
    value: str
    entities: int

    def message(self) -> str:
        return (f"{self.entities} {self.entity_type} entities share {self.column} {self.value}: "
                f"none is named by it (next identifier, else first mention)")


def strong_anchors(mentions: pd.DataFrame, codes: np.ndarray, n_clusters: int) -> tuple[np.ndarray, list[Fallback]]:
    """The anchor of each cluster (``codes``: each mention's cluster code 0..n_clusters-1, -1 none)
    or None where the type has no strong identifier or the cluster no usable value; and the
    fallbacks."""
    anchors = np.full(n_clusters, None, dtype=object)
    notes: list[Fallback] = []
    types = mentions["entity_type"].to_numpy(dtype=object)
    for entity_type, columns in STRONG.items():
        rows = np.flatnonzero((types == entity_type) & (codes >= 0))
        if not len(rows):
            continue
        clusters = np.unique(codes[rows])
        open_ = np.zeros(n_clusters, dtype=bool)
        open_[clusters] = True
        given = np.zeros(n_clusters, dtype=bool)
        for column, label in columns:
            if column not in mentions or not open_.any():
                continue
            sel = rows[open_[codes[rows]]]
            values = mentions[column].iloc[sel].reset_index(drop=True)
            mode = _mode_per_entity(codes[sel], n_clusters, values)
            has = np.flatnonzero(pd.notna(mode) & open_)
            if not len(has):
                continue
            text = PREFIX + label + "\x1f" + pd.Series(mode[has], dtype=object).astype(str)
            taken = pd.Series(anchors[given], dtype=object)
            clash = (text.duplicated(keep=False) | text.isin(set(taken))).to_numpy()
            for value, count in pd.Series(mode[has][clash], dtype=object).value_counts().sort_index().items():
                notes.append(Fallback(entity_type, label, str(value), int(count)))
            ok = has[~clash]
            anchors[ok] = text.to_numpy(dtype=object)[~clash]
            given[ok] = True
            open_[ok] = False
    return anchors, notes
