"""Exports of the entity graph for the analysts' tools: GraphML, GEXF, i2 Analyst's Notebook CSV,
Neo4j admin-import CSVs, SVG (and PNG through Chromium).

Every function takes the entity table (``Resolution.entities``) and the edge table
(:func:`linkgraph.graph.edges.edge_table`), or a ``Resolution`` for :func:`export_all`. Files are
written atomically (temporary file then rename).

Format decisions, shared by all exports:

* **Missing values** (None, NaN, NA, NaT, empty string) are *omitted*: GraphML and GEXF leave the
  attribute out of the node or edge (a reader sees no key, never "None" or "nan"); the CSV files
  leave the cell empty (Neo4j then sets no property). Present values keep one type per attribute
  (:data:`NODE_ATTRIBUTES`, :data:`EDGE_ATTRIBUTES`): ``mentions``/``count`` integers,
  ``weight``/``score`` floats, ``directed`` boolean, everything else text. Lists (``evidence``)
  are joined with ``;``.
* **XML text** (GraphML, GEXF, SVG) goes through :func:`xml_text`: characters that XML 1.0 cannot
  hold (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE, U+FFFF) are removed, and CR / CRLF
  become LF (an XML parser would turn them into LF anyway). Markup characters (``<``, ``&``,
  quotes) are escaped by the XML writer, never removed: ``<img src=x onerror=alert(1)>`` reads back
  unchanged.
* **CSV cells** (i2, Neo4j) go through :func:`csv_text`: every control character (C0 including
  tab/CR/LF, DEL, C1, U+2028/U+2029) becomes a space, so that one link is one line (i2 requires
  it; Neo4j would need ``--multiline-fields``). They are data for those tools, not spreadsheets:
  no formula guard, values carried verbatim (a phone number stays ``+33612345678``).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import networkx as nx
import numpy as np
import pandas as pd

from linkgraph.graph.kinds import entity_types, is_symmetric
from linkgraph.store.files import _atomic_write, defuse_formulas

__all__ = [
    "EDGE_ATTRIBUTES", "I2_COLUMNS", "I2_ENTITY_TYPES", "NODE_ATTRIBUTES", "csv_text", "defuse_cells",
    "export_all", "export_gexf", "export_graph", "export_graphml", "export_i2_csv", "export_neo4j",
    "export_png", "export_svg", "xml_text",
]

#: Node attributes written to GraphML / GEXF, with their type (missing values are left out).
NODE_ATTRIBUTES: dict[str, type] = {
    "entity_type": str, "label": str, "agencies": str, "first_seen": str, "last_seen": str,
    "mentions": int, "score": float,
}
#: Edge attributes written to GraphML / GEXF, with their type. In GEXF ``type`` is written as the
#: edge ``label`` and the ``relation`` attribute (GEXF reserves an edge's ``type`` for
#: directed/undirected/mutual).
EDGE_ATTRIBUTES: dict[str, type] = {
    "type": str, "directed": bool, "count": int, "weight": float, "first_seen": str, "last_seen": str,
    "agencies": str, "sources": str, "classification": str, "evidence": str,
}

#: i2 Analyst's Notebook entity types (standard palette names) for our entity types; others as is.
I2_ENTITY_TYPES: dict[str, str] = {
    "person": "Person", "phone": "Telephone", "vehicle": "Vehicle", "company": "Organisation",
    "container": "Container", "place": "Location",
}
#: The columns of :func:`export_i2_csv`, one row per link.
I2_COLUMNS: tuple[str, ...] = (
    "Entity 1 Type", "Entity 1 Identity", "Entity 1 Label",
    "Link Type", "Link Direction", "Link Date", "Link Time", "Link Last Seen", "Link Strength", "Link Count",
    "Link Label",
    "Entity 2 Type", "Entity 2 Identity", "Entity 2 Label",
    "Agencies", "Classification", "Source Reference",
)
#: i2 arrow styles: a directed relation points from entity 1 to entity 2; a symmetric one has none.
I2_DIRECTED, I2_SYMMETRIC = "Arrow on head", "No arrows"
#: i2 link strengths: "Confirmed" when at least this many distinct sources state the link.
I2_CONFIRMED, I2_UNCONFIRMED, CONFIRMED_MIN_SOURCES = "Confirmed", "Unconfirmed", 2

NEO4J_NODE_COLUMNS = ("entityId:ID", "label", "entity_type", ":LABEL", "agencies", "first_seen", "last_seen",
                      "mentions:int")
NEO4J_REL_COLUMNS = (":START_ID", ":END_ID", ":TYPE", "count:int", "first_seen", "last_seen", "agencies", "evidence",
                     "weight:float", "sources", "classification", "directed:boolean")

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CSV_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# --------------------------------------------------------------------------------------------- values

def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, str):
        return value == ""
    return False


def _joined(value: Any, sep: str = ";") -> Any:
    """Lists, tuples, sets and arrays joined with ``sep``; other values unchanged."""
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        items = [str(v) for v in value if not _missing(v)]
        return sep.join(items)
    if isinstance(value, set | frozenset):
        return sep.join(sorted(str(v) for v in value if not _missing(v)))
    return value


def _typed(value: Any, kind: type) -> Any:
    """``value`` as ``kind`` (None when missing or not convertible)."""
    value = _joined(value)
    if _missing(value):
        return None
    try:
        if kind is bool:
            if isinstance(value, str):
                return {"true": True, "false": False, "1": True, "0": False}.get(value.strip().lower())
            return bool(value)
        if kind is int:
            number = float(value)
            return int(number) if math.isfinite(number) else None
        if kind is float:
            number = float(value)
            return number if not math.isnan(number) else None
    except (TypeError, ValueError):
        return None
    return str(value)


def xml_text(value: Any) -> str:
    """``value`` as text XML 1.0 can hold: invalid characters removed, CR and CRLF turned into LF."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _XML_INVALID.sub("", text)


def csv_text(value: Any) -> str:
    """``value`` as a one-line CSV cell: control characters (tab, CR, LF included) replaced by spaces."""
    return _CSV_CONTROL.sub(" ", str(value))


def defuse_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`~linkgraph.store.files.defuse_formulas` on an object copy (non-text cells kept)."""
    return defuse_formulas(frame.astype(object))


def _scores(scores: Any) -> dict[str, float]:
    """Entity id → score from a mapping, a Series (indexed by id), a frame with ``entity_id`` and
    ``score`` columns or a ``Scores`` object (its ``persons`` frame)."""
    if scores is None:
        return {}
    if hasattr(scores, "persons"):
        scores = scores.persons
    if isinstance(scores, pd.DataFrame):
        scores = scores.set_index("entity_id")["score"]
    items = scores.items() if isinstance(scores, pd.Series | Mapping) else dict(scores).items()
    out = {}
    for k, v in items:
        v = _typed(v, float)
        if v is not None:
            out[str(k)] = v
    return out


# ------------------------------------------------------------------------------------------ tables

def _edge_frame(edges: pd.DataFrame) -> pd.DataFrame:
    """The edge table with the columns the exports read (``directed`` derived from the type when absent)."""
    edges = edges.reset_index(drop=True)
    if "directed" not in edges:
        edges = edges.assign(directed=~is_symmetric(edges["type"].astype(str)) if len(edges) else [])
    if "edge_id" not in edges:
        ids = edges["from_entity"].astype(str) + "|" + edges["type"].astype(str) + "|" + edges["to_entity"].astype(str)
        edges = edges.assign(edge_id=ids)
    if "n_sources" not in edges and "sources" in edges:
        edges = edges.assign(n_sources=[len({s for s in str(_joined(v)).split(";") if s}) if not _missing(_joined(v))
                                         else 0 for v in edges["sources"]])
    return edges


def _node_frame(entities: pd.DataFrame | None, edges: pd.DataFrame) -> pd.DataFrame:
    """One row per node: the entities, then edge endpoints absent from them (type read from the id
    prefix, label = id)."""
    base = (entities.reset_index(drop=True).copy() if entities is not None and len(entities)
            else pd.DataFrame({"entity_id": pd.Series(dtype=object), "entity_type": pd.Series(dtype=object)}))
    base["entity_id"] = base["entity_id"].astype(str)
    base = base.drop_duplicates("entity_id")
    if len(edges):
        ends = pd.Index(pd.unique(pd.concat([edges["from_entity"], edges["to_entity"]]).astype(str)))
        missing = ends.difference(pd.Index(base["entity_id"]), sort=False)
        if len(missing):
            extra = pd.DataFrame({"entity_id": list(missing),
                                  "entity_type": entity_types(pd.Series(list(missing), dtype=object)).to_numpy()})
            base = pd.concat([base, extra], ignore_index=True)
    if "label" not in base:
        base["label"] = None
    base["label"] = [lab if not _missing(lab) else eid for lab, eid in zip(base["label"], base["entity_id"])]
    return base


def _xml_attributes(rec: dict, schema: dict[str, type]) -> dict:
    """The typed, XML-safe attributes of one record; missing and empty values are left out."""
    attrs = {}
    for name, kind in schema.items():
        value = _typed(rec.get(name), kind)
        if kind is str and value is not None:
            value = xml_text(value)
        if value is not None and value != "":
            attrs[name] = value
    return attrs


def export_graph(entities: pd.DataFrame | None, edges: pd.DataFrame, scores: Any = None) -> nx.MultiDiGraph:
    """The graph the XML exports write: one node per entity (and per edge endpoint missing from
    ``entities``) with :data:`NODE_ATTRIBUTES`, one edge per edge-table row, keyed by its ``edge_id``
    (``from|type|to``), with :data:`EDGE_ATTRIBUTES`. Text goes through :func:`xml_text`; missing
    values are left out; ``score`` is set from ``scores`` (see :func:`_scores`) where given."""
    edges = _edge_frame(edges)
    nodes = _node_frame(entities, edges)
    score = _scores(scores)
    if score:
        nodes["score"] = nodes["entity_id"].map(score)
    graph = nx.MultiDiGraph()
    for rec in nodes.to_dict("records"):
        attrs = _xml_attributes(rec, NODE_ATTRIBUTES)
        for pos in ("x", "y"):  # precomputed chart positions travel with the node
            value = _typed(rec.get(pos), float)
            if value is not None and math.isfinite(value):
                attrs[pos] = value
        graph.add_node(xml_text(rec["entity_id"]), **attrs)
    for rec in edges.to_dict("records"):
        attrs = _xml_attributes(rec, EDGE_ATTRIBUTES)
        graph.add_edge(xml_text(rec["from_entity"]), xml_text(rec["to_entity"]), key=xml_text(rec["edge_id"]), **attrs)
    return graph


# -------------------------------------------------------------------------------------- XML formats

def export_graphml(entities: pd.DataFrame | None, edges: pd.DataFrame, path: str | Path, scores: Any = None) -> Path:
    """GraphML (yEd, Gephi, Cytoscape, ``nx.read_graphml``): a directed multigraph, edge ids = ``edge_id``.

    Read back with ``nx.read_graphml(path, force_multigraph=True)`` to keep a MultiDiGraph when no
    pair has two relation types. Numbers keep their type (``int``/``double``), booleans are booleans.
    """
    graph = export_graph(entities, edges, scores)
    path = Path(path)
    _atomic_write(path, lambda p: nx.write_graphml(graph, p, encoding="utf-8", infer_numeric_types=True))
    return path


def export_gexf(entities: pd.DataFrame | None, edges: pd.DataFrame, path: str | Path, scores: Any = None) -> Path:
    """GEXF 1.2 (Gephi): nodes with their ``label``; edges with id ``edge_id``, ``label`` = relation
    type, GEXF ``weight`` = weight, and attributes ``relation`` (the type) and the other
    :data:`EDGE_ATTRIBUTES`. All edges are directed (GEXF cannot mix directed and undirected edges
    in a networkx-readable file): symmetric relations carry ``directed=false``.
    networkx adds ``networkx_key`` (= ``edge_id``), which ``nx.read_gexf`` uses as the edge key.
    """
    graph = export_graph(entities, edges, scores)
    for _, _, data in graph.edges(data=True):
        if "type" in data:
            data["relation"] = data.pop("type")
            data["label"] = data["relation"]
    path = Path(path)
    _atomic_write(path, lambda p: nx.write_gexf(graph, p, encoding="utf-8"))
    return path


# -------------------------------------------------------------------------------------- CSV formats

def _write_csv(frame: pd.DataFrame, path: Path, *, bom: bool = False) -> Path:
    def cell(v: Any) -> Any:
        return None if _missing(v) else (csv_text(v) if isinstance(v, str) else v)

    # object columns throughout: an integer column with gaps must not turn into floats (2 → "2.0")
    clean = pd.DataFrame({c: pd.Series([cell(v) for v in frame[c].astype(object)], dtype=object)
                          for c in frame.columns}, columns=frame.columns)
    _atomic_write(path, lambda p: clean.to_csv(p, index=False, encoding="utf-8-sig" if bom else "utf-8",
                                              lineterminator="\r\n" if bom else "\n"))
    return path


def _text_column(frame: pd.DataFrame, column: str) -> list:
    if column not in frame:
        return [None] * len(frame)
    return [_typed(v, str) for v in frame[column]]


def _int_column(frame: pd.DataFrame, column: str) -> list:
    if column not in frame:
        return [None] * len(frame)
    return pd.array([_typed(v, int) for v in frame[column]], dtype="Int64")


def _split_seen(value: Any) -> tuple[str | None, str | None]:
    """An ISO timestamp as (date, time); other text as (text, None)."""
    text = _typed(value, str)
    if text is None:
        return None, None
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ](.+))?$", text.strip())
    if not match:
        return text, None
    return match.group(1), match.group(2)


def i2_table(entities: pd.DataFrame | None, edges: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`export_i2_csv` (before cleaning and defusing)."""
    edges = _edge_frame(edges)
    nodes = _node_frame(entities, edges).set_index("entity_id")
    kinds = nodes["entity_type"].map(lambda t: None if _missing(t) else I2_ENTITY_TYPES.get(str(t), str(t)))
    labels = nodes["label"].astype(object)
    frm, to = edges["from_entity"].astype(str), edges["to_entity"].astype(str)
    types = _text_column(edges, "type")
    counts = _int_column(edges, "count")
    directed = [_typed(v, bool) for v in edges["directed"]]
    n_sources = _int_column(edges, "n_sources")
    first = [_split_seen(v) for v in edges.get("first_seen", pd.Series([None] * len(edges)))]
    strength = [I2_CONFIRMED if (n is not pd.NA and n is not None and n >= CONFIRMED_MIN_SOURCES) else I2_UNCONFIRMED
                for n in n_sources]
    link_label = [None if t is None else (f"{t} ({c})" if c is not pd.NA and c is not None and c > 1 else t)
                  for t, c in zip(types, counts)]
    return pd.DataFrame({
        "Entity 1 Type": frm.map(kinds).to_numpy(), "Entity 1 Identity": frm.to_numpy(),
        "Entity 1 Label": frm.map(labels).to_numpy(),
        "Link Type": types,
        "Link Direction": [I2_SYMMETRIC if d is False else I2_DIRECTED for d in directed],
        "Link Date": [d for d, _ in first], "Link Time": [t for _, t in first],
        "Link Last Seen": _text_column(edges, "last_seen"),
        "Link Strength": strength, "Link Count": counts, "Link Label": link_label,
        "Entity 2 Type": to.map(kinds).to_numpy(), "Entity 2 Identity": to.to_numpy(),
        "Entity 2 Label": to.map(labels).to_numpy(),
        "Agencies": _text_column(edges, "agencies"), "Classification": _text_column(edges, "classification"),
        "Source Reference": _text_column(edges, "evidence"),
    }, columns=list(I2_COLUMNS))


def export_i2_csv(entities: pd.DataFrame | None, edges: pd.DataFrame, path: str | Path) -> Path:
    """An i2 Analyst's Notebook import file: one row per link, columns :data:`I2_COLUMNS`.

    * Entity types map through :data:`I2_ENTITY_TYPES` (person → Person, phone → Telephone,
      company → Organisation, place → Location...); identity = entity id; label = entity label.
    * Link Direction: ``Arrow on head`` (entity 1 → entity 2) for directed relations, ``No arrows``
      for symmetric ones (i2's arrow-style names).
    * Link Date / Link Time: ``first_seen`` split into ISO date and time (time empty for a date);
      Link Last Seen: ``last_seen`` as is.
    * Link Strength: ``Confirmed`` when :data:`CONFIRMED_MIN_SOURCES` (2) distinct sources state the
      link, else ``Unconfirmed``; Link Count: the number of relation rows behind it.
    * Link Label: the relation type, with the count in brackets when above 1 (``called (12)``).
    * Source Reference: the evidence rows ``source:row`` joined with ``;``.

    UTF-8 with a byte-order mark and CRLF line ends (what Windows tools expect); cells cleaned by
    :func:`csv_text`, values verbatim (no formula guard: this is data for i2).
    """
    return _write_csv(i2_table(entities, edges), Path(path), bom=True)


def _neo4j_label(entity_type: Any) -> str:
    words = re.findall(r"[A-Za-z0-9]+", "" if _missing(entity_type) else str(entity_type))
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if not name or not name[0].isalpha() or name == "Entity":
        return "Entity"
    return f"Entity;{name}"


def _neo4j_type(relation: Any) -> str:
    name = re.sub(r"[^A-Z0-9_]", "_", "" if _missing(relation) else str(relation).upper()).strip("_")
    if not name:
        return "RELATED"
    return name if name[0].isalpha() else f"R_{name}"


def neo4j_tables(entities: pd.DataFrame | None, edges: pd.DataFrame,
                 scores: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (nodes, relationships) frames of :func:`export_neo4j` (before cleaning and defusing)."""
    edges = _edge_frame(edges)
    nodes = _node_frame(entities, edges)
    node_out = pd.DataFrame({
        "entityId:ID": nodes["entity_id"].to_numpy(), "label": _text_column(nodes, "label"),
        "entity_type": _text_column(nodes, "entity_type"), ":LABEL": [_neo4j_label(t) for t in nodes["entity_type"]],
        "agencies": _text_column(nodes, "agencies"), "first_seen": _text_column(nodes, "first_seen"),
        "last_seen": _text_column(nodes, "last_seen"), "mentions:int": _int_column(nodes, "mentions"),
    }, columns=list(NEO4J_NODE_COLUMNS))
    score = _scores(scores)
    if score:
        node_out["score:float"] = nodes["entity_id"].map(score).to_numpy()
    rel_out = pd.DataFrame({
        ":START_ID": edges["from_entity"].astype(str).to_numpy(), ":END_ID": edges["to_entity"].astype(str).to_numpy(),
        ":TYPE": [_neo4j_type(t) for t in edges["type"]], "count:int": _int_column(edges, "count"),
        "first_seen": _text_column(edges, "first_seen"), "last_seen": _text_column(edges, "last_seen"),
        "agencies": _text_column(edges, "agencies"), "evidence": _text_column(edges, "evidence"),
        "weight:float": [_typed(v, float) for v in edges["weight"]] if "weight" in edges else None,
        "sources": _text_column(edges, "sources"), "classification": _text_column(edges, "classification"),
        "directed:boolean": [None if (d := _typed(v, bool)) is None else str(d).lower() for v in edges["directed"]],
    }, columns=list(NEO4J_REL_COLUMNS))
    return node_out, rel_out


def export_neo4j(entities: pd.DataFrame | None, edges: pd.DataFrame, folder: str | Path,
                 scores: Any = None) -> tuple[Path, Path]:
    """``nodes.csv`` and ``relationships.csv`` for ``neo4j-admin database import full``::

        neo4j-admin database import full --nodes=nodes.csv --relationships=relationships.csv

    Nodes: ``entityId:ID,label,entity_type,:LABEL,agencies,first_seen,last_seen,mentions:int``
    (``score:float`` appended when scores are given); ``:LABEL`` is ``Entity;Person``,
    ``Entity;Phone``... Relationships: ``:START_ID,:END_ID,:TYPE,count:int,first_seen,last_seen,
    agencies,evidence,weight:float,sources,classification,directed:boolean`` with the type
    uppercased (``CALLED``, ``SEEN_AT``; characters outside ``A-Z0-9_`` become ``_``).
    ``agencies``, ``sources`` and ``evidence`` are ``;``-joined strings (declare ``evidence:string[]``
    to get a list: ``;`` is the importer's default array delimiter). UTF-8 without BOM; cells
    cleaned by :func:`csv_text`, values verbatim (no formula guard: this is data for Neo4j).
    """
    folder = Path(folder)
    nodes, rels = neo4j_tables(entities, edges, scores)
    return _write_csv(nodes, folder / "nodes.csv"), _write_csv(rels, folder / "relationships.csv")


# ---------------------------------------------------------------------------------------------- SVG

#: Colour and shape per entity type (others: grey circle).
SVG_STYLE: dict[str, tuple[str, str]] = {
    "person": ("#1f77b4", "circle"), "phone": ("#2ca02c", "square"), "vehicle": ("#ff7f0e", "diamond"),
    "company": ("#9467bd", "hexagon"), "container": ("#8c564b", "rect"), "place": ("#d62728", "triangle"),
}
_OTHER_STYLE = ("#7f7f7f", "circle")
_SVG_NS = "http://www.w3.org/2000/svg"
_SPRING_MAX_NODES = 500


def _first(d: Mapping, *keys: str, default: Any = None) -> Any:
    for key in keys:
        if key in d and not _missing(d[key]):
            return d[key]
    return default


def _chart(chart: Any) -> tuple[list[dict], list[dict]]:
    """Nodes (id, label, entity_type, x, y, score) and edges (source, target, type, directed, count)
    from a networkx graph, a chart dict (``nodes`` and ``edges``/``links``, flat or Cytoscape-style
    ``{"data": ..., "position": ...}``), an (entities, edges) pair or a Resolution."""
    if hasattr(chart, "entities") and hasattr(chart, "relations"):
        from linkgraph.graph.edges import edge_table
        chart = export_graph(chart.entities, edge_table(chart.relations))
    elif isinstance(chart, tuple) and len(chart) == 2 and isinstance(chart[1], pd.DataFrame):
        chart = export_graph(chart[0], chart[1])
    if isinstance(chart, nx.Graph):
        nodes = [{**d, "id": n} for n, d in chart.nodes(data=True)]
        if chart.is_multigraph():
            edges = [{"key": k, **d, "source": u, "target": v} for u, v, k, d in chart.edges(keys=True, data=True)]
        else:
            edges = [{**d, "source": u, "target": v} for u, v, d in chart.edges(data=True)]
    elif isinstance(chart, Mapping):
        def flat(item: Mapping) -> dict:
            out = dict(item.get("data", {})) if isinstance(item.get("data"), Mapping) else {}
            out.update({k: v for k, v in item.items() if k not in ("data", "position")})
            if isinstance(item.get("position"), Mapping):
                out.update(item["position"])
            return out
        nodes = [flat(n) for n in chart.get("nodes", [])]
        edges = [flat(e) for e in chart.get("edges", chart.get("links", []))]
    else:
        raise TypeError(f"cannot draw a {type(chart).__name__}: give a networkx graph, a chart dict "
                        "(nodes, edges), an (entities, edges) pair or a Resolution")
    out_nodes = []
    for n in nodes:
        nid = str(_first(n, "id", "entity_id", "name"))
        out_nodes.append({
            "id": nid, "label": str(_first(n, "label", default=nid)),
            "entity_type": _first(n, "entity_type", "type", "group"),
            "x": _typed(_first(n, "x"), float), "y": _typed(_first(n, "y"), float),
            "score": _typed(_first(n, "score"), float),
        })
    out_edges = []
    for e in edges:
        relation = _first(e, "type", "relation", "label", "key", default="")
        directed = _typed(_first(e, "directed"), bool)
        if directed is None:
            directed = not bool(is_symmetric(pd.Series([str(relation)]))[0])
        out_edges.append({
            "source": str(_first(e, "source", "from", "from_entity")), "target": str(_first(e, "target", "to", "to_entity")),
            "type": str(relation), "directed": directed, "count": _typed(_first(e, "count"), int),
        })
    known = {n["id"] for n in out_nodes}
    for e in out_edges:
        for end in (e["source"], e["target"]):
            if end not in known:
                known.add(end)
                out_nodes.append({"id": end, "label": end, "entity_type": None, "x": None, "y": None, "score": None})
    return out_nodes, out_edges


def _positions(nodes: list[dict], edges: list[dict]) -> dict[str, tuple[float, float]]:
    """Precomputed x, y when every node has them; else networkx ``spring_layout`` (seed 0; nodes that
    have x, y stay fixed). Above 500 nodes without positions, :func:`linkgraph.render.layout.layout_positions`
    (igraph Fruchterman–Reingold per component, seeded, components packed) replaces it:
    spring_layout takes ~20 s on the 3,000 fixture entities."""
    given = {n["id"]: (n["x"], n["y"]) for n in nodes if n["x"] is not None and n["y"] is not None
             and math.isfinite(n["x"]) and math.isfinite(n["y"])}
    if len(given) == len(nodes):
        return given
    pairs = [(e["source"], e["target"]) for e in edges if e["source"] != e["target"]]
    if len(nodes) > _SPRING_MAX_NODES and not given:
        from linkgraph.render.layout import layout_positions

        return layout_positions([n["id"] for n in nodes], pairs, seed=0)
    simple = nx.Graph()
    simple.add_nodes_from(n["id"] for n in nodes)
    simple.add_edges_from(pairs)
    pos = nx.spring_layout(simple, seed=0, pos=given or None, fixed=list(given) or None)
    return {k: (float(v[0]), float(v[1])) for k, v in pos.items()}


def _shape(kind: str, x: float, y: float, r: float, colour: str) -> ET.Element:
    common = {"fill": colour, "stroke": "#333333", "stroke-width": "1"}
    if kind == "circle":
        return ET.Element("circle", cx=f"{x:.2f}", cy=f"{y:.2f}", r=f"{r:.2f}", **common)
    if kind in ("square", "rect"):
        w = r * (2.6 if kind == "rect" else 1.8)
        h = r * (1.4 if kind == "rect" else 1.8)
        return ET.Element("rect", x=f"{x - w / 2:.2f}", y=f"{y - h / 2:.2f}", width=f"{w:.2f}", height=f"{h:.2f}",
                          rx="2", **common)
    corners = {"diamond": 4, "hexagon": 6, "triangle": 3}[kind]
    start = -math.pi / 2
    points = " ".join(f"{x + r * 1.15 * math.cos(start + 2 * math.pi * i / corners):.2f},"
                      f"{y + r * 1.15 * math.sin(start + 2 * math.pi * i / corners):.2f}" for i in range(corners))
    return ET.Element("polygon", points=points, **common)


def svg_document(chart: Any, *, width: int | None = None, height: int | None = None, max_label: int = 40,
                 title: str = "linkgraph chart") -> str:
    """The SVG text of :func:`export_svg`."""
    nodes, edges = _chart(chart)
    pos = _positions(nodes, edges)
    margin, legend_w = 40.0, 150.0
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    if width is None or height is None:  # about 60 px per node on the side of a square, 900 to 8000 px
        side = min(max(900.0, 60.0 * math.sqrt(len(nodes))), 8000.0)
        aspect = min(max(span_x / span_y, 0.5), 2.0)
        width = width or int(side * math.sqrt(aspect) + legend_w + 2 * margin)
        height = height or int(side / math.sqrt(aspect) + 2 * margin)
    scale = min((width - 2 * margin - legend_w) / span_x, (height - 2 * margin) / span_y)
    x0, y0 = min(xs), min(ys)

    def at(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return margin + legend_w + (x - x0) * scale, margin + (y - y0) * scale

    radius = {n["id"]: 7.0 + 9.0 * min(max(n["score"], 0.0), 1.0) if n["score"] is not None else 7.0 for n in nodes}
    svg = ET.Element("svg", xmlns=_SVG_NS, width=str(width), height=str(height), viewBox=f"0 0 {width} {height}",
                     role="img")
    ET.SubElement(svg, "title").text = xml_text(title)
    defs = ET.SubElement(svg, "defs")
    marker = ET.SubElement(defs, "marker", id="arrow", viewBox="0 0 10 10", refX="10", refY="5", markerWidth="6",
                           markerHeight="6", orient="auto-start-reverse")
    ET.SubElement(marker, "path", d="M 0 0 L 10 5 L 0 10 z", fill="#666666")
    ET.SubElement(svg, "rect", x="0", y="0", width=str(width), height=str(height), fill="#ffffff")

    layer = ET.SubElement(svg, "g", {"class": "edges", "stroke": "#999999", "stroke-width": "1.2", "fill": "none"})
    for e in edges:
        (x1, y1), (x2, y2) = at(e["source"]), at(e["target"])
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        if length < 1e-6:
            continue  # self-loop or overlapping nodes: nothing to draw
        ux, uy = dx / length, dy / length
        r1, r2 = radius[e["source"]], radius[e["target"]] + 2
        attrs = {"x1": f"{x1 + ux * r1:.2f}", "y1": f"{y1 + uy * r1:.2f}", "x2": f"{x2 - ux * r2:.2f}",
                 "y2": f"{y2 - uy * r2:.2f}"}
        if e["directed"]:
            attrs["marker-end"] = "url(#arrow)"
        else:
            attrs["stroke-dasharray"] = "4 3"
        line = ET.SubElement(layer, "line", attrs)
        count = f" ({e['count']})" if e["count"] is not None and e["count"] > 1 else ""
        ET.SubElement(line, "title").text = xml_text(f"{e['source']} {e['type']}{count} {e['target']}")

    layer = ET.SubElement(svg, "g", {"class": "nodes", "font-family": "sans-serif", "font-size": "10"})
    for n in nodes:
        x, y = at(n["id"])
        colour, kind = SVG_STYLE.get(str(n["entity_type"]), _OTHER_STYLE)
        group = ET.SubElement(layer, "g", {"class": "node"})
        kind_text = "" if n["entity_type"] is None else f" ({n['entity_type']})"
        ET.SubElement(group, "title").text = xml_text(f"{n['label']}{kind_text} {n['id']}")
        group.append(_shape(kind, x, y, radius[n["id"]], colour))
        label = xml_text(n["label"])
        if len(label) > max_label:
            label = label[: max_label - 1] + "…"
        text = ET.SubElement(group, "text", {"x": f"{x:.2f}", "y": f"{y + radius[n['id']] + 11:.2f}",
                                              "text-anchor": "middle", "fill": "#222222"})
        text.text = label

    legend = ET.SubElement(svg, "g", {"class": "legend", "font-family": "sans-serif", "font-size": "12"})
    present = sorted({str(n["entity_type"]) for n in nodes if n["entity_type"] is not None})
    for i, kind_name in enumerate(present):
        colour, kind = SVG_STYLE.get(kind_name, _OTHER_STYLE)
        y = margin + 22 * i
        legend.append(_shape(kind, margin, y, 7, colour))
        ET.SubElement(legend, "text", x=f"{margin + 14:.2f}", y=f"{y + 4:.2f}", fill="#222222").text = xml_text(kind_name)
    return ET.tostring(svg, encoding="unicode", xml_declaration=False)


def export_svg(chart_data_or_graph: Any, path: str | Path, *, width: int | None = None, height: int | None = None,
               max_label: int = 40, title: str = "linkgraph chart") -> Path:
    """The chart as a standalone SVG: one shape per entity (colour and shape by type: person circle,
    phone square, vehicle diamond, company hexagon, container rectangle, place triangle, other grey
    circle; size grows with ``score`` in [0, 1]), one line per edge (arrow for directed relations,
    dashed for symmetric ones), labels under the shapes (cut at ``max_label`` characters, full label
    and id in a ``<title>`` tooltip), a legend of the types present.

    Size: ``width`` x ``height`` pixels; by default about 60 px per node on the side of a square
    (900 to 8000 px) following the layout's aspect ratio.

    Positions: the nodes' ``x``/``y`` when all have them, else :func:`_positions` (networkx
    ``spring_layout`` seed 0). Text is XML-escaped by the writer and cleaned by :func:`xml_text`;
    the document has no script, no link, no external reference (the only ``url()`` is the arrow
    marker ``#arrow`` in the same file).

    ``chart_data_or_graph``: a networkx graph (e.g. :func:`export_graph` or
    ``linkgraph.entity_graph_of``), a chart dict ``{"nodes": [...], "edges": [...]}`` such as
    :func:`linkgraph.render.subgraph.chart_data` returns (flat dicts with id/label/type or
    entity_type/x/y and from/to or source/target/type, or Cytoscape's data/position form), an
    (entities, edges) pair of frames, or a Resolution.
    """
    doc = svg_document(chart_data_or_graph, width=width, height=height, max_label=max_label, title=title)
    path = Path(path)
    _atomic_write(path, lambda p: Path(p).write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + doc + "\n",
                                                     encoding="utf-8"))
    return path


def export_png(svg_path: str | Path, path: str | Path, *, chromium: str | None = None, scale: float = 1.0) -> Path:
    """Render an SVG written by :func:`export_svg` to PNG with Debian's Chromium (``/usr/bin/chromium``
    or ``$CHROMIUM``) driven by playwright (a dev dependency; no browser is downloaded). JavaScript
    is disabled in the page."""
    import os
    import shutil

    from playwright.sync_api import sync_playwright

    svg_path, path = Path(svg_path).resolve(), Path(path)
    root = ET.parse(svg_path).getroot()
    width, height = int(float(root.get("width", 1200))), int(float(root.get("height", 900)))
    executable = chromium or os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    flags = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]

    def shoot() -> bytes:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, headless=True, args=flags)
            try:
                context = browser.new_context(viewport={"width": width, "height": height},
                                              java_script_enabled=False, device_scale_factor=scale)
                page = context.new_page()
                page.goto(svg_path.as_uri())
                return page.screenshot(full_page=False, type="png")
            finally:
                browser.close()

    # playwright's sync API refuses to start inside a running event loop (a server, a notebook, a
    # caller's own playwright session): run it in a thread of its own
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        png = pool.submit(shoot).result()
    _atomic_write(path, lambda t: Path(t).write_bytes(png))
    return path


# ---------------------------------------------------------------------------------------------- all

def export_all(result: Any, folder: str | Path, scores: Any = None, *, svg: bool = True,
               png: bool = False) -> dict[str, Path]:
    """Every format for a Resolution, in ``folder``: ``graph.graphml``, ``graph.gexf``,
    ``i2_links.csv``, ``neo4j/nodes.csv`` + ``neo4j/relationships.csv``, ``chart.svg`` (and
    ``chart.png`` with ``png=True``). Edges: ``edge_table(result.relations)``; ``scores``: see
    :func:`export_graph`. Returns format name → path."""
    from linkgraph.graph.edges import edge_table

    folder = Path(folder)
    entities, edges = result.entities, edge_table(result.relations)
    paths: dict[str, Path] = {
        "graphml": export_graphml(entities, edges, folder / "graph.graphml", scores),
        "gexf": export_gexf(entities, edges, folder / "graph.gexf", scores),
        "i2": export_i2_csv(entities, edges, folder / "i2_links.csv"),
    }
    paths["neo4j_nodes"], paths["neo4j_relationships"] = export_neo4j(entities, edges, folder / "neo4j", scores)
    if svg or png:
        paths["svg"] = export_svg(export_graph(entities, edges, scores), folder / "chart.svg")
    if png:
        paths["png"] = export_png(paths["svg"], folder / "chart.png")
    return paths
