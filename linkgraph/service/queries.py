"""The explorer's answers as plain JSON-ready dicts, computed from a :class:`Snapshot`.

Every function raises ``KeyError`` for an unknown entity or mention and ``ValueError`` for a
bad argument; the web layer turns them into 404 and 422 without echoing the input.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from linkgraph.graph.edges import seen_time
from linkgraph.render.records import RowIndex
from linkgraph.service.state import Snapshot, pair_key

PROVENANCE = ["mention_id", "entity_id", "entity_type", "source", "agency", "classification", "file", "row", "date",
              "slot", "grade"]
EDGE_FIELDS = ["edge_id", "from_entity", "to_entity", "type", "directed", "count", "weight", "first_seen",
               "last_seen", "agencies", "sources", "classification", "total_duration", "total_quantity", "grade", "weak"]
MAX_EVIDENCE = 50


def clean(value):
    """``value`` with NaN/NA → None, ±inf → None, numpy scalars and arrays → Python (recursively)."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [clean(v) for v in list(value)]
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else v
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _entity(snap: Snapshot, entity_id: str) -> pd.Series:
    if entity_id not in snap.entities.index:
        raise KeyError("no such entity")
    return snap.entities.loc[entity_id]


def entity_brief(snap: Snapshot, entity_id: str) -> dict:
    """Id, type and label of an entity (of an unknown id: type from its prefix, label = id)."""
    if entity_id in snap.entities.index:
        row = snap.entities.loc[entity_id]
        return {"entity_id": entity_id, "entity_type": row["entity_type"], "label": str(row["label"]),
                "mentions": int(row["mentions"])}
    return {"entity_id": entity_id, "entity_type": None, "label": entity_id, "mentions": 0}


def _raw(text) -> dict:
    if not isinstance(text, str) or not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"raw": value}


_ROW_INDEX: dict[int, RowIndex] = {}


def row_index(snap: Snapshot) -> RowIndex:
    """The case records of the snapshot's source rows (record id, attributes), built once per snapshot."""
    key = id(snap.result.rows)
    if key not in _ROW_INDEX:
        _ROW_INDEX.clear()  # one live snapshot at a time: the previous index is dropped
        _ROW_INDEX[key] = RowIndex(snap.result.rows)
    return _ROW_INDEX[key]


def case_record(snap: Snapshot, source, row) -> dict:
    """``record_id`` (procedure or seizure number) and ``record`` (offence, observations... the
    mapped attributes) of one source row; both empty when the row has none."""
    rec = row_index(snap).record(str(source), clean(row)) if source is not None else None
    return {"record_id": rec["record_id"] if rec else None, "record": rec["attributes"] if rec else {}}


def mention_record(snap: Snapshot, row: pd.Series) -> dict:
    out = {c: clean(row.get(c)) for c in PROVENANCE}
    out["file"] = Path(str(out["file"])).name if out.get("file") else None
    out["raw"] = clean(_raw(row.get("raw")))
    out.update(case_record(snap, out.get("source"), out.get("row")))
    return out


def records(snap: Snapshot, q: str, *, limit: int = 50) -> dict:
    """The source rows whose record id (procedure, seizure, report number) is ``q`` (case, spaces
    and leading zeros of the parts ignored), each with its case record and the entities it mentions."""
    text = str(q or "").strip()
    if not text:
        raise ValueError("a record id is needed")
    rows = snap.result.rows
    if not len(rows) or "record_id" not in rows:
        return {"query": text, "records": [], "records_total": 0}

    def key(values: pd.Series) -> pd.Series:
        return (values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
                .str.replace(r"(?<![0-9])0+(?=[0-9])", "", regex=True))

    wanted = key(pd.Series([text])).iloc[0]
    hit = rows[(key(rows["record_id"]) == wanted).fillna(False).to_numpy()]
    men = snap.result.mentions
    out = []
    for r in hit.head(limit).to_dict("records"):
        rec = row_index(snap).record(str(r["source"]), clean(r["row"])) or {}
        ids = men.loc[(men["source"] == r["source"]) & (men["row"] == r["row"]), "entity_id"]
        out.append({**clean(rec), "entities": [entity_brief(snap, e) for e in dict.fromkeys(ids.astype(str))]})
    return {"query": text, "records": out, "records_total": int(len(hit))}


def mention(snap: Snapshot, mention_id: str) -> dict:
    if mention_id not in snap.mentions.index:
        raise KeyError("no such mention")
    return mention_record(snap, snap.mentions.loc[mention_id])


def waterfall(snap: Snapshot, mention_a: str, mention_b: str) -> list[dict]:
    """The match waterfall of two mentions of one type (prior, each comparison, total)."""
    for m in (mention_a, mention_b):
        if m not in snap.mentions.index:
            raise KeyError("no such mention")
    if snap.mentions.loc[mention_a, "entity_type"] != snap.mentions.loc[mention_b, "entity_type"]:
        raise ValueError("only two mentions of one entity type can be compared")
    steps = snap.result.explain_pair(mention_a, mention_b)
    return [{**clean(s), "weight": clean(s.get("weight")),
             "infinite": isinstance(s.get("weight"), float) and math.isinf(s["weight"])} for s in steps]


def pair_reason(snap: Snapshot, mention_a: str, mention_b: str, judgments: pd.DataFrame | None) -> dict:
    """Why two mentions are, or are not, one entity (:mod:`linkgraph.match.why`), JSON-ready."""
    from linkgraph.match.incremental import effective_judgments
    from linkgraph.match.why import explain_pair

    for m in (mention_a, mention_b):
        if m not in snap.mentions.index:
            raise KeyError("no such mention")
    verdicts = effective_judgments(judgments) if judgments is not None and len(judgments) else None
    out = explain_pair(snap.result, mention_a, mention_b, verdicts).to_dict()
    out.pop("steps")  # the waterfall is answered beside it
    return clean(out)


def entity_detail(snap: Snapshot, entity_id: str, *, max_mentions: int = 500, max_links: int = 200,
                  max_waterfalls: int = 25) -> dict:
    """The entity row, its mentions with provenance, and why its mentions were merged."""
    row = _entity(snap, entity_id)
    positions = snap.mentions_of.get(entity_id, np.array([], dtype=int))
    members = snap.result.mentions.iloc[positions]
    mentions = [mention_record(snap, r) for _, r in members.head(max_mentions).iterrows()]
    why = snap.result.why(entity_id) if len(members) > 1 else pd.DataFrame(
        columns=["mention_a", "mention_b", "origin", "weight"])
    links = []
    explained = 0
    for rec in why.head(max_links).to_dict("records"):
        link = {"mention_a": rec["mention_a"], "mention_b": rec["mention_b"], "origin": rec["origin"],
                "weight": clean(rec["weight"]), "infinite": bool(np.isinf(rec["weight"]))}
        if rec["origin"] == "model" and explained < max_waterfalls:
            link["waterfall"] = waterfall(snap, rec["mention_a"], rec["mention_b"])
            explained += 1
        links.append(link)
    score = None
    if snap.scores is not None and entity_id in set(snap.scores.persons["entity_id"]):
        score = clean(snap.scores.explain(entity_id))
    return {"entity": clean(row.to_dict()), "mentions": mentions, "mentions_total": int(len(members)),
            "why": links, "why_total": int(len(why)), "score": score,
            "degree": int(len(snap.edges_of.get(entity_id, ())))}


def _edge_record(snap: Snapshot, row: dict, entity_id: str | None = None) -> dict:
    out = {c: clean(row.get(c)) for c in EDGE_FIELDS}
    evidence = list(row.get("evidence") or [])
    out["evidence"] = evidence[:MAX_EVIDENCE]
    out["evidence_total"] = len(evidence)
    if entity_id is not None:
        other = row["to_entity"] if row["from_entity"] == entity_id else row["from_entity"]
        out["neighbour"] = other
        out["direction"] = ("both" if not row.get("directed") else
                            "self" if row["from_entity"] == row["to_entity"] else
                            "out" if row["from_entity"] == entity_id else "in")
    return out


def _check_date(value: str | None, name: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return pd.Timestamp(value).date().isoformat()
    except (ValueError, TypeError):
        raise ValueError(f"{name}: expected a date such as 2023-01-31") from None


def neighbours(snap: Snapshot, entity_id: str, *, types: list[str] | None = None, agency: str | None = None,
               since: str | None = None, until: str | None = None, limit: int = 100) -> dict:
    """The edges of an entity and the entities at their other end, optionally filtered."""
    _entity(snap, entity_id)
    since, until = _check_date(since, "since"), _check_date(until, "until")
    if since and until and since > until:
        raise ValueError("since is after until")
    pos = snap.edges_of.get(entity_id, np.array([], dtype=int))
    edges = snap.edges.iloc[pos]
    available = sorted(edges["type"].unique().tolist()) if len(edges) else []
    if types:
        edges = edges[edges["type"].isin(types)]
    if agency:
        edges = edges[edges["agencies"].fillna("").str.split(";").map(lambda a: agency in a)]
    if since:
        edges = edges[edges["last_seen"].notna() & (edges["last_seen"].astype(str) >= since)]
    if until:
        edges = edges[edges["first_seen"].notna() & (edges["first_seen"].astype(str).str[:10] <= until)]
    edges = edges.sort_values(["count", "edge_id"], ascending=[False, True])
    total = len(edges)
    records = [_edge_record(snap, r, entity_id) for r in edges.head(limit).to_dict("records")]
    ids = list(dict.fromkeys(r["neighbour"] for r in records))
    return {"entity": entity_brief(snap, entity_id), "edges": records, "edges_total": int(total),
            "nodes": [entity_brief(snap, n) for n in ids], "relation_types": available}


def path(snap: Snapshot, a: str, b: str, *, via: list[str] | None = None) -> dict:
    """A fewest-hops path between two entities (direction ignored), with the edges on it.

    ``via``: entity types allowed as intermediate nodes (default all).
    """
    _entity(snap, a)
    _entity(snap, b)
    graph = snap.graph
    if via:
        allowed = set(via)
        types = snap.entities["entity_type"]
        graph = nx.subgraph_view(graph, filter_node=lambda n: n in (a, b) or types.get(n) in allowed)
    try:
        nodes = nx.shortest_path(graph, a, b)
    except nx.NetworkXNoPath:
        return {"found": False, "nodes": [], "edges": [], "hops": None}
    edges = []
    for u, v in zip(nodes, nodes[1:]):
        pos = np.intersect1d(snap.edges_of.get(u, []), snap.edges_of.get(v, []))
        for r in snap.edges.iloc[pos].to_dict("records"):
            if {r["from_entity"], r["to_entity"]} == {u, v}:
                edges.append(_edge_record(snap, r))
    return {"found": True, "nodes": [entity_brief(snap, n) for n in nodes], "edges": edges, "hops": len(nodes) - 1}


def timeline(snap: Snapshot, entity_id: str, *, limit: int = 500) -> dict:
    """An entity's events in date order: its mentions and the relations it takes part in."""
    _entity(snap, entity_id)
    events = []
    members = snap.result.mentions.iloc[snap.mentions_of.get(entity_id, np.array([], dtype=int))]
    for r in members.to_dict("records"):
        events.append({"when": clean(r.get("date")), "kind": "mention", "type": r.get("slot"),
                       "source": r["source"], "row": clean(r["row"]), "agency": r["agency"],
                       "evidence": f"{r['source']}:{r['row']}", "other": None, "direction": None,
                       "mention_id": r["mention_id"], "details": clean(_raw(r.get("raw"))),
                       **case_record(snap, r["source"], r["row"])})
    rel = snap.result.relations
    if len(rel):
        part = rel.iloc[snap.relations_of.get(entity_id, np.array([], dtype=int))]
        when = seen_time(part)
        attrs = [c for c in ("duration", "quantity", "drug", "comment") if c in part]
        for (_, r), w in zip(part.iterrows(), when):
            out = r["from_entity"] == entity_id
            other = r["to_entity"] if out else r["from_entity"]
            events.append({"when": clean(w), "kind": "relation", "type": r["type"], "source": r["source"],
                           "row": clean(r["row"]), "agency": r["agency"], "evidence": f"{r['source']}:{r['row']}",
                           "other": entity_brief(snap, other), "direction": "out" if out else "in",
                           "mention_id": None, "details": {c: clean(r[c]) for c in attrs if clean(r[c]) is not None},
                           **case_record(snap, r["source"], r["row"])})
    events.sort(key=lambda e: (e["when"] is None, str(e["when"] or ""), e["kind"], e["evidence"]))
    return {"entity": entity_brief(snap, entity_id), "events": events[:limit], "events_total": len(events)}


def targets(snap: Snapshot, n: int = 20) -> dict:
    """The top ``n`` priority targets, each with its explanation (factors and evidence)."""
    if snap.scores is None:
        raise LookupError(snap.scores_error or "scores are not available")
    head = snap.scores.persons.head(n)
    return {"notice": snap.scores.notice,
            "targets": [{**clean(snap.scores.explain(eid)), "subject": r["subject"]}
                        for eid, r in zip(head["entity_id"], head.to_dict("records"))]}


def review_queue(snap: Snapshot, judged: set[tuple[str, str]], *, low: float = 0.3, high: float = 0.95,
                 entity_type: str | None = None, limit: int = 50, offset: int = 0) -> dict:
    """Doubtful pairs: scored mention pairs with ``low <= probability <= high``, not yet judged,
    the most uncertain (closest to 0.5) first."""
    if not (0.0 <= low <= high <= 1.0):
        raise ValueError("expected 0 <= low <= high <= 1")
    c = snap.candidates
    c = c[(c["probability"] >= low) & (c["probability"] <= high)]
    if entity_type:
        c = c[c["entity_type"] == entity_type]
    if judged and len(c):
        keys = [pair_key(a, b) for a, b in zip(c["mention_a"], c["mention_b"])]
        c = c[[k not in judged for k in keys]]
    c = c.assign(doubt=(c["probability"] - 0.5).abs()).sort_values(["doubt", "mention_a", "mention_b"])
    total = len(c)
    pairs = []
    for r in c.iloc[offset:offset + limit].to_dict("records"):
        pairs.append({"entity_type": r["entity_type"], "probability": clean(r["probability"]),
                      "weight": clean(r["weight"]), "together": bool(r["together"]),
                      "a": mention(snap, r["mention_a"]), "b": mention(snap, r["mention_b"])})
    return {"low": low, "high": high, "pairs": pairs, "total": int(total), "offset": offset}
