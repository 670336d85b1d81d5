"""Real-time lookup for a user: candidates with probability, waterfall and the evidence they may see.

:class:`Matcher` holds a workspace's match index in memory (:func:`linkgraph.store.match_index.load`,
reloaded when the workspace has changed) and answers :meth:`Matcher.match` for one user: the
candidates are found among the mentions the user may see only (:func:`linkgraph.store.access.visible_mask`),
so a record of an agency they are not cleared for gives no candidate, no probability and no fact.
An entity holding mentions the user may not see is shown as their view shows it
(:mod:`linkgraph.store.view`): only the part of it that visible evidence links to the matched
mention, under the view's id. The audit record is the caller's (``Session.allow("match", …)``).
"""
from __future__ import annotations

import math
import threading

import numpy as np
import pandas as pd

from linkgraph.match.realtime import Pairs, best_per_entity, match_pairs, normalize_query, waterfall
from linkgraph.store.access import User, visible_mask

#: Provenance and values of a mention shown as evidence.
EVIDENCE = ["mention_id", "source", "agency", "file", "row", "date"]
#: Most evidence mentions listed per candidate (the count says how many there are).
MAX_EVIDENCE = 20


def _clean(value):
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


class Matcher:
    """Lookups against one workspace (thread-safe: the index is swapped whole when reloaded)."""

    def __init__(self, workspace, index=None) -> None:
        from linkgraph.store import match_index

        self.workspace = workspace
        self._lock = threading.Lock()
        self.index = index if index is not None else match_index.load(workspace)
        for ti in self.index.types.values():
            ti.warm()
        self._visible: dict[tuple[str, str], np.ndarray] = {}
        self._judgments = self._load_judgments()

    def _load_judgments(self) -> pd.DataFrame:
        from linkgraph.match.incremental import effective_judgments

        return effective_judgments(self.workspace.judgments())

    #: Seconds between two checks of the workspace's version by :meth:`refresh_if_due`.
    CHECK_EVERY = 2.0

    def refresh_if_due(self) -> bool:
        """:meth:`refresh` at most once every :attr:`CHECK_EVERY` seconds (the check opens the
        database: a busy explorer does not pay it on every request)."""
        import time

        now = time.monotonic()
        if now - getattr(self, "_checked", 0.0) < self.CHECK_EVERY:
            return False
        self._checked = now
        return self.refresh()

    def refresh(self) -> bool:
        """Reload the index when the workspace changed since it was loaded; whether it did."""
        from linkgraph.store import match_index
        from linkgraph.store import tables as T

        with self.workspace._reading() as con:
            version = T.version(con)
        if version == self.index.version:
            return False
        index = match_index.load(self.workspace)
        for ti in index.types.values():
            ti.warm()
        with self._lock:
            self.index = index
            self._visible = {}
            self._judgments = self._load_judgments()
        return True

    def visible(self, entity_type: str, user: User | None) -> np.ndarray | None:
        """The record rows of ``entity_type`` that ``user`` may see (None: every row, for deconfliction)."""
        if user is None:
            return None
        key = (entity_type, user.name)
        if key not in self._visible:
            self._visible[key] = visible_mask(self.index.types[entity_type].records, user)
        return self._visible[key]

    # ------------------------------------------------------------------ lookups
    def candidates(self, records: pd.DataFrame, user: User | None, *, min_probability: float = 0.0):
        """Per type: (type index, pairs, best pair per (query row, entity)); and the query errors."""
        queries, errors = normalize_query(records)
        out = {}
        index = self.index
        for entity_type, query in queries.items():
            ti = index.types.get(entity_type)
            if ti is None:
                continue
            pairs = match_pairs(ti, query, self.visible(entity_type, user), min_probability)
            # query row of the type's frame → row of the records
            pairs.q = query["q"].to_numpy(dtype=np.int64)[pairs.q]
            out[entity_type] = (ti, pairs, best_per_entity(ti, pairs))
        return out, errors

    def match(self, records: pd.DataFrame, user: User, *, top: int = 5, min_probability: float = 0.01,
              waterfalls: bool = True, evidence: bool = True) -> dict:
        """For each record: the candidate entities ``user`` may see, best first (at most ``top`` per
        type), each with its probability, whether it reaches the model's threshold, the explanation
        waterfall of its best mention and the evidence (visible mentions with their provenance)."""
        found, errors = self.candidates(records, user, min_probability=min_probability)
        results = [{"row": r + 1, "candidates": []} for r in range(len(records))]
        for entity_type, (ti, pairs, best) in found.items():
            seen = self.visible(entity_type, user)
            count = np.zeros(len(records), dtype=np.int64)
            for k in best:
                q = int(pairs.q[k])
                if count[q] >= top:
                    continue
                cand = self._candidate(ti, pairs, int(k), seen, user, waterfalls, evidence)
                if cand is None:
                    continue
                if any(c["entity_id"] == cand["entity_id"] for c in results[q]["candidates"]):
                    continue
                count[q] += 1
                results[q]["candidates"].append(cand)
        for res in results:
            res["candidates"].sort(key=lambda c: (-c["probability"], c["entity_type"], c["entity_id"]))
        return {"results": results, "errors": errors}

    def _candidate(self, ti, pairs: Pairs, k: int, seen: np.ndarray, user: User, waterfalls: bool,
                   evidence: bool) -> dict | None:
        row = int(pairs.row[k])
        code = int(ti.entity_codes[row])
        if code < 0:
            return None
        rows = ti.entity_rows(code)
        entity_id = ti.entity_ids[code]
        if not seen[rows].all():
            entity_id, rows = self._view_part(ti, code, rows[seen[rows]], row)
        prob = float(pairs.probability[k])
        arrays = self._arrays(ti)
        provenance = [c for c in EVIDENCE if c in arrays]
        cand = {"entity_id": entity_id, "entity_type": ti.entity_type, "probability": round(prob, 6),
                "match_weight": _clean(float(pairs.weight[k])), "threshold": ti.settings.threshold,
                "status": "match" if prob >= ti.settings.threshold else "possible",
                "matched_mention": {c: _clean(arrays[c][row]) for c in provenance},
                "mentions": int(len(rows)),
                "agencies": sorted({a for a in arrays["agency"][rows] if isinstance(a, str)})}
        if waterfalls:
            cand["waterfall"] = [{key: _clean(v) for key, v in step.items()} for step in waterfall(ti, pairs, k)]
        if evidence:
            values = [c for c in sorted(_shown_columns(ti)) if c in arrays]
            cand["evidence"] = [{**{c: _clean(arrays[c][r]) for c in provenance},
                                 "values": {c: arrays[c][r] for c in values if isinstance(arrays[c][r], str)}}
                                for r in rows[:MAX_EVIDENCE]]
        return cand

    def _arrays(self, ti) -> dict[str, np.ndarray]:
        """The provenance and shown columns of a type's records as arrays (cached per index)."""
        cache = self.__dict__.setdefault("_array_cache", {})
        key = (id(self.index), ti.entity_type)
        if key not in cache:
            cols = [c for c in EVIDENCE + sorted(_shown_columns(ti)) if c in ti.records]
            cache[key] = {c: ti.records[c].to_numpy(dtype=object) for c in dict.fromkeys(cols)}
        return cache[key]

    def _view_part(self, ti, code: int, rows: np.ndarray, matched: int) -> tuple[str, np.ndarray]:
        """The id and rows of the part of a partly hidden entity that visible evidence links to the
        matched row (:mod:`linkgraph.store.view`'s rule, applied to this entity's visible mentions)."""
        from linkgraph.store.view import _part_ids, _type_view, view_key

        table = ti.records.iloc[rows].drop(columns=["entity_id"]).reset_index(drop=True)
        ent_ids = np.full(len(rows), ti.entity_ids[code], dtype=object)
        labels, _ = _type_view(table, ent_ids, np.zeros(len(rows), dtype=bool), ti.settings, self._judgments)
        frame = pd.DataFrame({"mention_id": table["mention_id"].to_numpy(), "entity_type": ti.entity_type,
                              "entity_id": ent_ids, "part": labels})
        ids = _part_ids(frame, view_key(self.index.id_key))
        at = int(np.flatnonzero(rows == matched)[0])
        mine = labels == labels[at]
        return str(ids[at]), rows[mine]


def _shown_columns(ti) -> set[str]:
    """The normalized values shown with each evidence mention: the compared columns."""
    cols = set(ti.settings.identifiers)
    for c in ti.settings.comparisons:
        cols.add(c.column)
    return cols
