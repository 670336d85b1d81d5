"""A readable standalone SVG of a chart, and its PNG through Chromium."""
from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import networkx as nx
import pandas as pd

from linkgraph.graph.kinds import is_symmetric
from linkgraph.render.exports.tables import export_graph
from linkgraph.render.exports.values import _missing, _typed, xml_text
from linkgraph.store.files import _atomic_write

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

