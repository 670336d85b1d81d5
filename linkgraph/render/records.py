"""Case records: the source row behind every mention and edge (record id such as a procedure or
seizure number, offence, the mapped attributes), and the dated events a chart's timeline shows.

The rows come from ``Resolution.rows`` (one per kept source row: ``source, agency, file, row, date,
record_id, attributes`` as JSON text); only the rows a chart needs are decoded.

>>> import pandas as pd
>>> rows = pd.DataFrame({"source": ["police"], "agency": ["police"], "file": ["/x/p.csv"], "row": [7],
...                      "date": ["2021-03-02"], "record_id": ["2021/001676"],
...                      "attributes": ['{"offence":"ILS - trafic","comment":"saisie de 11 900 €"}']})
>>> RowIndex(rows).record("police", 7)["attributes"]["offence"]
'ILS - trafic'
>>> RowIndex(rows).record("police", 8) is None
True
"""
from __future__ import annotations

import json
import math
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["EVENT_KINDS", "RowIndex", "chart_events", "split_evidence"]

#: Relation type → timeline event kind (other relation types keep their own name).
EVENT_KINDS = {"called": "call", "texted": "call", "seen_at": "sighting", "located_at": "sighting",
               "reported_at": "report"}
#: Attribute names shown first in a record (the offence or nature of the facts).
KEY_ATTRIBUTES = ("procedure", "offence", "nature", "drug", "quantity_kg", "status", "comment", "observations")


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    text = str(value)
    return text or None


def _row_number(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def split_evidence(item: str) -> tuple[str, int | str]:
    """``"source:row"`` → (source, row); the row as an int when it is one."""
    source, _, row = str(item).rpartition(":")
    return source, int(row) if row.isdigit() else row


class RowIndex:
    """The source rows of a resolution, looked up by (source, row); attributes decoded on demand."""

    def __init__(self, rows: pd.DataFrame | None) -> None:
        self._rows = rows if rows is not None and len(rows) else pd.DataFrame()
        self._pos: dict[tuple[str, Any], int] = {}
        if len(self._rows):
            keys = zip(self._rows["source"].astype(str), (_row_number(r) for r in self._rows["row"]))
            self._pos = {k: i for i, k in enumerate(keys)}
        self._cache: dict[int, dict] = {}
        # plain lists: one row looked up is a list index, not a pandas row (0.5 ms each)
        self._cols = {c: (self._rows[c].tolist() if c in self._rows else [None] * len(self._rows))
                      for c in ("agency", "file", "row", "date", "record_id", "attributes")}
        self._names: dict[str, str] = {}

    def record(self, source: str, row: Any) -> dict | None:
        """``{source, agency, file, row, date, record_id, attributes}`` of one row (None when unknown)."""
        i = self._pos.get((str(source), _row_number(row)))
        if i is None:
            return None
        if i not in self._cache:
            rec = {c: values[i] for c, values in self._cols.items()}
            try:
                attrs = json.loads(rec["attributes"]) if _text(rec.get("attributes")) else {}
            except (TypeError, ValueError):
                attrs = {}
            attrs = {str(k): str(v) for k, v in (attrs or {}).items() if _text(v) and str(v).strip()}
            ordered = {k: attrs[k] for k in KEY_ATTRIBUTES if k in attrs}
            ordered.update({k: v for k, v in attrs.items() if k not in ordered})
            file = _text(rec.get("file"))
            if file and file not in self._names:
                self._names[file] = PurePath(file).name
            self._cache[i] = {
                "source": str(source), "agency": _text(rec.get("agency")), "file": self._names[file] if file else None,
                "row": _row_number(rec["row"]), "date": _text(rec.get("date")), "record_id": _text(rec.get("record_id")),
                "attributes": ordered,
            }
        return self._cache[i]

    def frame(self) -> pd.DataFrame:
        """``source, row, date, record_id`` of every row (row numbers as ints)."""
        if not len(self._rows):
            return pd.DataFrame(columns=["source", "row", "date", "record_id"])
        if not hasattr(self, "_frame"):
            f = self._rows[["source", "row", "date", "record_id"]].copy()
            f["source"] = f["source"].astype(str)
            f["row"] = f["row"].map(_row_number)
            self._frame = f.drop_duplicates(["source", "row"])
        return self._frame

    def records(self, keys: list[tuple[str, Any]]) -> list[dict]:
        """The records of ``keys`` that exist, in order, without repeats."""
        out, seen = [], set()
        for source, row in keys:
            rec = self.record(source, row)
            if rec is not None and (rec["source"], rec["row"]) not in seen:
                seen.add((rec["source"], rec["row"]))
                out.append(rec)
        return out


def chart_events(result: Any, node_ids: set[str], edge_ids: dict[tuple[str, str, str], str],
                 rows: RowIndex, *, limit: int = 20000) -> list[dict]:
    """The dated facts of a chart, oldest first: one event per relation row between two charted
    entities (calls, sightings...: ``kind`` from :data:`EVENT_KINDS`) and one per source row with a
    record id that mentions a charted entity (procedures, seizures: ``kind`` = the source).

    Each event: ``t`` (ISO date or date-time), ``kind``, ``source``, ``row``, ``record_id``,
    ``nodes`` (the charted entities involved), ``edge`` (the chart edge id, relation events only).
    At most ``limit`` events (the most recent kept) so a page stays small. Vectorized (merges on
    ``(source, row)``), no loop over relation rows.
    """
    parts: list[pd.DataFrame] = []
    ids = pd.Index(sorted(node_ids))
    table = rows.frame()
    rel = getattr(result, "relations", None)
    if rel is not None and len(rel) and len(ids):
        r = rel[rel["from_entity"].isin(ids) & rel["to_entity"].isin(ids)]
        when = pd.Series(None, index=r.index, dtype=object)
        for col in ("start", "time", "date"):
            if col in r:
                when = when.where(when.notna(), r[col].astype(object))
        r = r.assign(t=when.astype("string")).dropna(subset=["t"])
        if len(r):
            f, k, to = r["from_entity"].astype(str), r["type"].astype(str), r["to_entity"].astype(str)
            forward = (f + "|" + k + "|" + to).map({"|".join(key): v for key, v in edge_ids.items()})
            backward = (to + "|" + k + "|" + f).map({"|".join(key): v for key, v in edge_ids.items()})
            parts.append(pd.DataFrame({
                "t": r["t"].astype(object), "kind": k.map(EVENT_KINDS).fillna(k),
                "source": r["source"].astype(str), "row": r["row"].map(_row_number),
                "nodes": [[a, b] for a, b in zip(f, to)],
                "edge": forward.where(forward.notna(), backward).astype(object),
            }))
    men = getattr(result, "mentions", None)
    if men is not None and len(men) and len(ids) and len(table):
        m = men.loc[men["entity_id"].isin(ids), ["entity_id", "source", "row"]].astype({"source": str})
        m["row"] = m["row"].map(_row_number)
        with_id = table.dropna(subset=["record_id", "date"])
        m = m.merge(with_id[["source", "row", "date"]], on=["source", "row"])
        if len(m):
            g = m.groupby(["source", "row"], sort=False)
            nodes = g["entity_id"].agg(lambda s: sorted(set(map(str, s))))
            parts.append(pd.DataFrame({"t": g["date"].first().astype(str), "kind": nodes.index.get_level_values(0),
                                       "source": nodes.index.get_level_values(0),
                                       "row": nodes.index.get_level_values(1), "nodes": nodes.to_numpy(),
                                       "edge": None}).reset_index(drop=True))
    if not parts:
        return []
    ev = pd.concat(parts, ignore_index=True).sort_values("t", kind="stable").tail(limit)
    ev = ev.merge(table[["source", "row", "record_id"]], on=["source", "row"], how="left") if len(table) else \
        ev.assign(record_id=None)
    ev["record_id"] = ev["record_id"].astype(object).where(ev["record_id"].notna(), None)
    ev["edge"] = ev["edge"].astype(object).where(ev["edge"].notna(), None)
    return ev[["t", "kind", "source", "row", "record_id", "nodes", "edge"]].to_dict("records")
