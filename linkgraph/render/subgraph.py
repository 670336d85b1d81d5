"""Select the part of a resolution a link chart shows, as JSON-ready chart data.

:func:`chart_data` returns ``{"nodes": [...], "edges": [...], "meta": {...}}``:

* node: ``id``, ``label``, ``type``, ``agencies`` (list), ``first_seen``, ``last_seen``, ``mentions``,
  ``score`` and ``rank`` (priority score, when scores are given), ``attributes`` (main values:
  date of birth, number, plate, SIREN...), ``provenance`` (a few mentions: ``agency, source, file,
  row, date``) with ``provenance_total``, and ``x``, ``y`` (precomputed layout, pixels);
* edge: ``id``, ``from``, ``to``, ``type``, ``directed``, ``count`` (relation rows), ``weight``,
  ``agencies`` (list), ``classification``, ``first_seen``, ``last_seen``, ``evidence`` (up to
  ``max_evidence`` ``source:row`` references) with ``evidence_total``, ``on_path``;
* meta: the selection, counts, entity types and agencies present, the date span, the path.

Every value is a plain str / int / float / bool / None / list / dict (no NaN), so
``json.dumps(data, allow_nan=False)`` works.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from linkgraph.graph.analytics import ego_network, shortest_path
from linkgraph.graph.build import entity_graph
from linkgraph.graph.assemble import with_grades
from linkgraph.graph.edges import edge_table
from linkgraph.graph.kinds import entity_types
from linkgraph.render.layout import layout_positions
from linkgraph.render.records import RowIndex, chart_events, split_evidence
from linkgraph.render.style import edge_label
from linkgraph.sources.grading import describe as describe_grade

#: Relation types that are inferred, never stated by a file (drawn dashed).
INFERRED_TYPES = frozenset({"seen_together"})

__all__ = ["chart_data", "organisation_members", "score_table"]

#: Entity columns shown in a node's tooltip when present (``attributes``).
ATTRIBUTE_COLUMNS = ("dob", "birthplace", "id_number", "number", "plate", "vin", "make", "siren", "name", "code",
                     "city", "split_from")   # split_from: a part of an entity split at --min-merge-probability


def _clean(value: Any) -> Any:
    """A JSON-ready scalar: numpy → Python, NaN / NA / NaT → None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    return value


def _text(value: Any) -> str | None:
    value = _clean(value)
    return None if value is None or value == "" else str(value)


def _split(value: Any) -> list[str]:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value if _text(v)]
    text = _text(value)
    return [v for v in text.split(";") if v] if text else []


def score_table(scores: Any) -> pd.DataFrame:
    """Scores as a frame ``entity_id, score, rank`` from a :class:`~linkgraph.scoring.score.Scores`, a
    frame with ``entity_id`` and ``score`` (``rank`` optional), a Series or a dict id → score."""
    if scores is None:
        return pd.DataFrame(columns=["entity_id", "score", "rank"])
    frame = getattr(scores, "persons", scores)
    if isinstance(frame, Mapping):
        frame = pd.Series(frame, dtype=float)
    if isinstance(frame, pd.Series):
        frame = frame.rename("score").rename_axis("entity_id").reset_index()
    if not isinstance(frame, pd.DataFrame) or not {"entity_id", "score"} <= set(frame.columns):
        raise TypeError("scores: a Scores, a frame with entity_id and score, a Series or a dict id -> score")
    frame = frame[["entity_id", "score"] + (["rank"] if "rank" in frame else [])].copy()
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    frame = frame.dropna(subset=["score"]).sort_values(["score", "entity_id"], ascending=[False, True], kind="stable")
    if "rank" not in frame:
        frame["rank"] = np.arange(1, len(frame) + 1)
    return frame.drop_duplicates("entity_id").reset_index(drop=True)


def organisation_members(result, scores: Any = None) -> pd.Series:
    """Organisation (community of the person projection) of each person, numbered as
    ``Scores.organisations.organisation`` numbers them: the scores' own communities when given,
    else rebuilt from the same context and Leiden seed as scoring."""
    if getattr(scores, "communities", None) is not None:
        return scores.communities
    from linkgraph.graph.analytics import communities
    from linkgraph.scoring.config import load_scoring
    from linkgraph.scoring.context import ScoringContext

    settings = getattr(scores, "settings", None) or load_scoring()
    ctx = ScoringContext.of(result, settings.reference_date, settings.cosightings.window_seconds,
                            settings.cosightings.min_times, settings.attribution.rules())
    if ctx.projection.empty:
        return pd.Series(dtype=object, name="community")
    return communities(ctx.projection[["from_entity", "to_entity", "weight"]], seed=0)


def _within(graph: nx.MultiDiGraph, seeds: Iterable[str], depth: int) -> set[str]:
    """Every node at most ``depth`` hops (direction ignored) from one of ``seeds``."""
    frontier = {s for s in seeds if s in graph}
    seen = set(frontier)
    for _ in range(max(depth, 0)):
        nxt = set()
        for node in frontier:
            nxt.update(graph.successors(node))
            nxt.update(graph.predecessors(node))
        frontier = nxt - seen
        seen |= frontier
        if not frontier:
            break
    return seen


def _require(universe: set[str], ids: Iterable[str], what: str) -> None:
    missing = [i for i in ids if i not in universe]
    if missing:
        raise ValueError(f"{what}: unknown entity id(s) {', '.join(map(str, missing[:5]))}")


def _provenance(mentions: pd.DataFrame, ids: set[str], limit: int,
                rows: RowIndex | None = None) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """Up to ``limit`` mentions per entity (earliest first): agency, source, file name, row, date, and
    the row's case record (``record_id``, ``attributes``) when ``rows`` knows it."""
    if mentions is None or mentions.empty or not ids:
        return {}, {}
    cols = [c for c in ("entity_id", "agency", "source", "file", "row", "date", "mention_id") if c in mentions]
    m = mentions.loc[mentions["entity_id"].isin(ids), cols].copy()
    if m.empty:
        return {}, {}
    totals = m.groupby("entity_id").size().to_dict()
    m["_date"] = m["date"].astype("string").fillna("9999") if "date" in m else "9999"
    m["_row"] = pd.to_numeric(m["row"], errors="coerce") if "row" in m else 0
    m = m.sort_values(["entity_id", "_date", "source", "_row"], kind="stable").groupby("entity_id").head(limit)
    out: dict[str, list[dict]] = {}
    names = {f: PurePath(f).name for f in m["file"].dropna().unique()} if "file" in m else {}
    for rec in m.to_dict("records"):
        file = _text(rec.get("file"))
        row = _clean(rec.get("row"))
        item = {
            "agency": _text(rec.get("agency")), "source": _text(rec.get("source")),
            "file": names.get(file, PurePath(file).name) if file else None,
            "row": int(row) if isinstance(row, (int, float)) and not isinstance(row, bool) else _text(row),
            "date": _text(rec.get("date")), "record_id": None, "attributes": {},
        }
        case = rows.record(item["source"], item["row"]) if rows is not None else None
        if case is not None:
            item["record_id"], item["attributes"] = case["record_id"], case["attributes"]
        out.setdefault(rec["entity_id"], []).append(item)
    return out, {k: int(v) for k, v in totals.items()}


def chart_data(result, entity_ids: list[str] | None = None, *, ego: str | None = None, depth: int = 1,
               path: tuple[str, str] | None = None, top: int | None = None, scores: Any = None,
               community: Any = None, edges: pd.DataFrame | None = None, max_evidence: int = 20,
               max_provenance: int = 10, layout: bool = True, seed: int = 0, events: bool = True,
               max_events: int = 20000) -> dict:
    """The nodes and edges of a chart of ``result`` (a :class:`~linkgraph.match.pipeline.Resolution`).

    Selections (their union when several are given; the whole graph when none is):

    * ``entity_ids``: exactly these entities;
    * ``ego``: everything within ``depth`` hops of this entity (direction ignored);
    * ``path=(a, b)``: the entities of a fewest-hops path from ``a`` to ``b`` (``ValueError`` when
      none); its nodes and edges are flagged ``on_path``;
    * ``top=N``: the N highest-scored persons (``scores``, computed when not given) and everything
      within ``depth`` hops of them (``depth=0``: the persons alone);
    * ``community``: an organisation number (as in ``Scores.organisations``) or a list of entity
      ids, with everything within ``depth`` hops of its members.

    Edges are those of the edge table (default ``edge_table(result.relations)``; pass ``edges`` to
    chart e.g. ``resolution_edges(result)`` with co-sightings) joining two selected entities.
    ``scores`` (a ``Scores``, a frame ``entity_id, score`` or a dict) size the nodes.

    Case records: each provenance item and each edge's ``records`` carry the source row's record
    id (procedure or seizure number) and attributes (offence, observations...); ``meta.events``
    lists the dated facts for the timeline (:func:`linkgraph.render.records.chart_events`).
    """
    edges = with_grades(edge_table(result.relations), result.relations) if edges is None else edges
    entities = result.entities
    universe = set(entities["entity_id"].astype(str)) if len(entities) else set()
    if len(edges):
        universe |= set(edges["from_entity"].astype(str)) | set(edges["to_entity"].astype(str))
    built: list[nx.MultiDiGraph] = []

    def graph() -> nx.MultiDiGraph:  # built only for the selections that walk links
        if not built:
            g = entity_graph(None, edges)
            g.add_nodes_from(universe - set(g.nodes))
            built.append(g)
        return built[0]

    table = score_table(scores)
    if top is not None and scores is None:
        from linkgraph.scoring.score import score as compute_scores

        scores = compute_scores(result)
        table = score_table(scores)

    selection: dict[str, Any] = {"depth": depth}
    chosen: set[str] | None = None
    path_nodes: list[str] = []

    def add(ids: Iterable[str]) -> None:
        nonlocal chosen
        chosen = set(ids) if chosen is None else chosen | set(ids)

    if entity_ids is not None:
        ids = [str(i) for i in entity_ids]
        _require(universe, ids, "entity_ids")
        add(ids)
        selection["entity_ids"] = ids
    if ego is not None:
        _require(universe, [ego], "ego")
        add(ego_network(graph(), ego, radius=depth).nodes)
        selection["ego"] = ego
    if path is not None:
        a, b = path
        _require(universe, [a, b], "path")
        try:
            path_nodes = list(shortest_path(graph(), a, b).nodes)
        except nx.NetworkXNoPath:
            raise ValueError(f"path: no chain of links joins {a} and {b}") from None
        add(path_nodes)
        selection["path"] = [a, b]
    if top is not None:
        seeds = table["entity_id"].head(int(top)).tolist()
        add(_within(graph(), seeds, depth))
        selection["top"] = int(top)
        selection["top_ids"] = seeds
    if community is not None:
        if isinstance(community, (str, bytes)) or not isinstance(community, Iterable):
            members_of = organisation_members(result, scores)
            try:
                match = pd.to_numeric(members_of, errors="coerce") == float(community)
            except (TypeError, ValueError):
                match = members_of.astype(str) == str(community)
            seeds = sorted(members_of.index[match.to_numpy()])
            if not seeds:
                raise ValueError(f"community: no organisation {community!r}")
            selection["community"] = _clean(community)
        else:
            seeds = [str(i) for i in community]
            _require(universe, seeds, "community")
            selection["community"] = seeds
        add(_within(graph(), seeds, depth))
    if chosen is None:
        chosen = set(universe)
        selection["all"] = True

    node_ids = sorted(chosen)
    sel = edges[edges["from_entity"].isin(chosen) & edges["to_entity"].isin(chosen)] if len(edges) else edges
    if path_nodes:
        steps = {frozenset(p) for p in zip(path_nodes, path_nodes[1:])}
        on_path = [frozenset((f, t)) in steps for f, t in zip(sel["from_entity"], sel["to_entity"])]
    else:
        on_path = [False] * len(sel)

    info = entities.drop_duplicates("entity_id").set_index("entity_id") if len(entities) else pd.DataFrame()
    info = info.reindex(node_ids) if len(info) else pd.DataFrame(index=node_ids)
    fallback_types = entity_types(pd.Series(node_ids, dtype=object)).to_numpy()
    score_of = table.set_index("entity_id") if len(table) else None
    rows = RowIndex(getattr(result, "rows", None))
    prov, prov_total = _provenance(getattr(result, "mentions", None), set(node_ids), max_provenance, rows)
    positions = layout_positions(node_ids, zip(sel["from_entity"], sel["to_entity"]), seed=seed) if layout else {}
    attr_cols = [c for c in ATTRIBUTE_COLUMNS if c in info.columns]
    men = getattr(result, "mentions", None)
    dealing = set(men.loc[men["slot"] == "dealing_point", "entity_id"]) if men is not None and "slot" in men else set()

    nodes = []
    for i, (node, row) in enumerate(zip(node_ids, info.to_dict("records"))):
        kind = _text(row.get("entity_type")) or _text(fallback_types[i]) or "other"
        if kind == "place" and node in dealing:  # a place reported as a dealing point: its own pictogram
            kind = "dealing_point"
        s = score_of.loc[node] if score_of is not None and node in score_of.index else None
        item = {
            "id": node, "label": _text(row.get("label")) or node, "type": kind,
            "agencies": _split(row.get("agencies")),
            "first_seen": _text(row.get("first_seen")), "last_seen": _text(row.get("last_seen")),
            "mentions": int(_clean(row.get("mentions")) or 0),
            "score": float(s["score"]) if s is not None else None,
            "rank": int(s["rank"]) if s is not None and _clean(s["rank"]) is not None else None,
            "attributes": {c: _text(row.get(c)) for c in attr_cols if _text(row.get(c))},
            "provenance": prov.get(node, []), "provenance_total": prov_total.get(node, 0),
            "on_path": node in path_nodes,
        }
        if node in positions:
            item["x"], item["y"] = positions[node]
        nodes.append(item)

    out_edges = []
    for k, (rec, flag) in enumerate(zip(sel.to_dict("records"), on_path)):
        evidence = list(rec.get("evidence") or []) if not isinstance(rec.get("evidence"), str) else [rec["evidence"]]
        inferred = bool(_clean(rec.get("inferred"))) or "~inferred" in str(rec.get("type")) or \
            str(rec.get("type")) in INFERRED_TYPES
        out_edges.append({
            "id": f"e{k}", "from": str(rec["from_entity"]), "to": str(rec["to_entity"]), "type": _text(rec.get("type")),
            "directed": bool(_clean(rec.get("directed"))) if _clean(rec.get("directed")) is not None else True,
            "count": int(_clean(rec.get("count")) or 1), "weight": _clean(rec.get("weight")),
            "agencies": _split(rec.get("agencies")), "classification": _text(rec.get("classification")),
            "first_seen": _text(rec.get("first_seen")), "last_seen": _text(rec.get("last_seen")),
            "evidence": [str(e) for e in evidence[:max_evidence]], "evidence_total": len(evidence),
            "on_path": bool(flag), "inferred": inferred,
            "grade": _text(rec.get("grade")) or None, "grade_text": describe_grade(_text(rec.get("grade")) or None),
            "weak": bool(_clean(rec.get("weak"))) and not inferred,
            "records": rows.records([split_evidence(e) for e in evidence[:max_evidence]]),
        })
        out_edges[-1]["label"] = edge_label(out_edges[-1])

    dates = [d for n in nodes for d in (n["first_seen"], n["last_seen"]) if d]
    dates += [d for e in out_edges for d in (e["first_seen"], e["last_seen"]) if d]
    types = pd.Series([n["type"] for n in nodes], dtype=object).value_counts()
    meta = {
        "selection": selection,
        "counts": {"nodes": len(nodes), "edges": len(out_edges)},
        "types": {str(k): int(v) for k, v in types.sort_index().items()},
        "agencies": sorted({a for n in nodes for a in n["agencies"]} | {a for e in out_edges for a in e["agencies"]}),
        "date_min": min(dates)[:10] if dates else None, "date_max": max(dates)[:10] if dates else None,
        "path": path_nodes, "scored": score_of is not None,
    }
    if events:
        keys = {(e["from"], str(e["type"]), e["to"]): e["id"] for e in out_edges}
        meta["events"] = chart_events(result, set(node_ids), keys, rows, limit=max_events)
    return {"nodes": nodes, "edges": out_edges, "meta": meta}
