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

from pathlib import Path
from typing import Any

from linkgraph.render.exports.anx import ANX_ICONS, ANX_TYPES, export_i2_anx, read_anx
from linkgraph.render.exports.csvfiles import (
    CONFIRMED_MIN_SOURCES, I2_COLUMNS, I2_CONFIRMED, I2_DIRECTED, I2_ENTITY_TYPES, I2_SYMMETRIC, I2_UNCONFIRMED,
    NEO4J_NODE_COLUMNS, NEO4J_REL_COLUMNS, export_i2_csv, export_neo4j, i2_table, neo4j_tables,
)
from linkgraph.render.exports.svg import SVG_STYLE, export_png, export_svg, svg_document
from linkgraph.render.exports.tables import EDGE_ATTRIBUTES, NODE_ATTRIBUTES, export_graph
from linkgraph.render.exports.values import csv_text, defuse_cells, xml_text
from linkgraph.render.exports.xmlfiles import export_gexf, export_graphml

__all__ = [
    "ANX_ICONS", "ANX_TYPES", "CONFIRMED_MIN_SOURCES", "EDGE_ATTRIBUTES", "I2_COLUMNS", "I2_CONFIRMED", "I2_DIRECTED", "I2_ENTITY_TYPES",
    "I2_SYMMETRIC", "I2_UNCONFIRMED", "NEO4J_NODE_COLUMNS", "NEO4J_REL_COLUMNS", "NODE_ATTRIBUTES", "SVG_STYLE",
    "csv_text", "defuse_cells", "export_all", "export_gexf", "export_graph", "export_graphml", "export_i2_anx",
    "export_i2_csv", "export_neo4j", "export_png", "export_svg", "i2_table", "neo4j_tables", "read_anx", "svg_document",
    "xml_text",
]


def export_all(result: Any, folder: str | Path, scores: Any = None, *, svg: bool = True,
               png: bool = False) -> dict[str, Path]:
    """Every format for a Resolution, in ``folder``: ``graph.graphml``, ``graph.gexf``,
    ``i2_links.csv`` and the i2 chart ``chart.anx`` (with record ids), ``neo4j/nodes.csv`` + ``neo4j/relationships.csv``, ``chart.svg`` (and
    ``chart.png`` with ``png=True``). Edges: ``edge_table(result.relations)``; ``scores``: see
    :func:`export_graph`. Returns format name → path."""
    from linkgraph.graph.edges import edge_table

    from linkgraph.render.layout import layout_positions

    folder = Path(folder)
    entities, edges = result.entities, edge_table(result.relations)
    # one layout for every format: GraphML/GEXF nodes keep x, y (and their dates), the ANX chart
    # places its icons there
    pos = layout_positions(entities["entity_id"].astype(str).tolist(),
                           zip(edges["from_entity"].astype(str), edges["to_entity"].astype(str)))
    entities = entities.assign(x=[pos[i][0] for i in entities["entity_id"].astype(str)],
                               y=[pos[i][1] for i in entities["entity_id"].astype(str)])
    paths: dict[str, Path] = {
        "graphml": export_graphml(entities, edges, folder / "graph.graphml", scores),
        "gexf": export_gexf(entities, edges, folder / "graph.gexf", scores),
        "i2": export_i2_csv(entities, edges, folder / "i2_links.csv"),
        "anx": export_i2_anx(entities, edges, folder / "chart.anx", rows=getattr(result, "rows", None),
                             mentions=getattr(result, "mentions", None), positions=pos),
    }
    paths["neo4j_nodes"], paths["neo4j_relationships"] = export_neo4j(entities, edges, folder / "neo4j", scores)
    if svg or png:
        paths["svg"] = export_svg(export_graph(entities, edges, scores), folder / "chart.svg")
    if png:
        paths["png"] = export_png(paths["svg"], folder / "chart.png")
    return paths
