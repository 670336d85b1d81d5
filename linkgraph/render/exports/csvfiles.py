"""CSV exports: the i2 Analyst's Notebook link file and the Neo4j admin-import files."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from linkgraph.render.exports.tables import _edge_frame, _node_frame
from linkgraph.render.exports.values import _missing, _scores, _typed, csv_text
from linkgraph.store.files import _atomic_write

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
