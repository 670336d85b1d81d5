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
from linkgraph.render.style import ENTITY_STYLES, edge_label, edge_style, entity_style
from linkgraph.store.files import _atomic_write

#: Colour and icon name per entity type: the shared vocabulary (:mod:`linkgraph.render.style`).
SVG_STYLE: dict[str, tuple[str, str]] = {k: (v["colour"], v["icon"]) for k, v in ENTITY_STYLES.items()}
_SVG_NS = "http://www.w3.org/2000/svg"


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
            "importance": _typed(_first(n, "score", "mentions"), float),
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
            "first_seen": _typed(_first(e, "first_seen"), str), "last_seen": _typed(_first(e, "last_seen"), str),
            "inferred": bool(_typed(_first(e, "inferred"), bool)) or str(relation) == "seen_together"
            or "~inferred" in str(relation),
            "weak": bool(_typed(_first(e, "weak"), bool)),
        })
    known = {n["id"] for n in out_nodes}
    for e in out_edges:
        for end in (e["source"], e["target"]):
            if end not in known:
                known.add(end)
                out_nodes.append({"id": end, "label": end, "entity_type": None, "x": None, "y": None, "score": None})
    return out_nodes, out_edges


def _positions(nodes: list[dict], edges: list[dict]) -> dict[str, tuple[float, float]]:
    """Precomputed x, y when every node has them; else :func:`linkgraph.render.layout.layout_positions`
    (igraph Fruchterman–Reingold per component, seeded, components packed, nodes kept apart) when
    none has them; else networkx ``spring_layout`` (seed 0) with the given nodes fixed."""
    given = {n["id"]: (n["x"], n["y"]) for n in nodes if n["x"] is not None and n["y"] is not None
             and math.isfinite(n["x"]) and math.isfinite(n["y"])}
    if len(given) == len(nodes):
        return given
    pairs = [(e["source"], e["target"]) for e in edges if e["source"] != e["target"]]
    if not given:
        from linkgraph.render.layout import layout_positions

        return layout_positions([n["id"] for n in nodes], pairs, seed=0)
    simple = nx.Graph()
    simple.add_nodes_from(n["id"] for n in nodes)
    simple.add_edges_from(pairs)
    pos = nx.spring_layout(simple, seed=0, pos=given or None, fixed=list(given) or None)
    return {k: (float(v[0]), float(v[1])) for k, v in pos.items()}


class _Space:
    """Rectangles already taken on the page (a grid of 4 px cells): labels never overlap."""

    def __init__(self) -> None:
        self.cells: set[tuple[int, int]] = set()

    def _cells(self, x0: float, y0: float, x1: float, y1: float) -> list[tuple[int, int]]:
        return [(i, j) for i in range(int(x0 // 4), int(x1 // 4) + 1) for j in range(int(y0 // 4), int(y1 // 4) + 1)]

    def take(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """Reserve the rectangle if it is free; False (nothing reserved) when it overlaps."""
        cells = self._cells(x0, y0, x1, y1)
        if any(c in self.cells for c in cells):
            return False
        self.cells.update(cells)
        return True


def _icon(parent: ET.Element, kind: Any, x: float, y: float, r: float) -> None:
    """The vocabulary's pictogram: a disc of the type's colour, the white Tabler icon inside."""
    style = entity_style(kind)
    ET.SubElement(parent, "circle", cx=f"{x:.2f}", cy=f"{y:.2f}", r=f"{r:.2f}", fill=style["colour"],
                  stroke="#ffffff", **{"stroke-width": "1"})
    k = r * 1.3 / 24
    icon = ET.SubElement(parent, "g", {"transform": f"translate({x - 12 * k:.2f},{y - 12 * k:.2f}) scale({k:.4f})",
                                       "fill": "none", "stroke": "#ffffff", "stroke-width": "2",
                                       "stroke-linecap": "round", "stroke-linejoin": "round", "class": "icon",
                                       "data-icon": style["icon"]})
    for d in style["paths"]:
        ET.SubElement(icon, "path", d=d)


def _text_width(text: str, size: float) -> float:
    return 0.58 * size * len(text)


def svg_document(chart: Any, *, width: int | None = None, height: int | None = None, max_label: int = 40,
                 title: str = "linkgraph chart") -> str:
    """The SVG text of :func:`export_svg`."""
    nodes, edges = _chart(chart)
    pos = _positions(nodes, edges)
    margin, legend_w = 40.0, 170.0
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    if len(pos) > 1:  # readable: neighbours at least ~56 px apart on the page (median nearest node)
        from scipy.spatial import cKDTree

        pts = [pos[n["id"]] for n in nodes]
        gaps = [g for g in cKDTree(pts).query(pts, k=2)[0][:, 1] if g > 0]
        want = 56.0 / (sorted(gaps)[len(gaps) // 2] if gaps else 1.0)
    else:
        want = 1.0
    if width is None or height is None:
        scale0 = min(want, 12000.0 / max(span_x, span_y))
        width = width or int(min(max(span_x * scale0, 500.0) + legend_w + 2 * margin + 110, 12000))
        height = height or int(min(max(span_y * scale0, 400.0) + 2 * margin + 20, 12000))
    scale = min((width - 2 * margin - legend_w) / span_x, (height - 2 * margin - 20) / span_y)
    x0, y0 = min(xs), min(ys)

    def at(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return margin + legend_w + (x - x0) * scale, margin + (y - y0) * scale

    degree: dict[str, int] = {}
    for e in edges:
        degree[e["source"]] = degree.get(e["source"], 0) + 1
        degree[e["target"]] = degree.get(e["target"], 0) + 1
    radius = {n["id"]: 8.0 + 8.0 * min(max(n["score"], 0.0), 1.0) if n["score"] is not None
              else 8.0 + min(6.0, 1.5 * math.log1p(degree.get(n["id"], 0))) for n in nodes}
    svg = ET.Element("svg", xmlns=_SVG_NS, width=str(width), height=str(height), viewBox=f"0 0 {width} {height}",
                     role="img")
    ET.SubElement(svg, "title").text = xml_text(title)
    defs = ET.SubElement(svg, "defs")
    marker = ET.SubElement(defs, "marker", id="arrow", viewBox="0 0 10 10", refX="10", refY="5", markerWidth="6",
                           markerHeight="6", orient="auto-start-reverse")
    ET.SubElement(marker, "path", d="M 0 0 L 10 5 L 0 10 z", fill="#555555")
    ET.SubElement(svg, "rect", x="0", y="0", width=str(width), height=str(height), fill="#ffffff")

    space = _Space()
    for n in nodes:  # node discs are taken first: labels go around them
        x, y = at(n["id"])
        r = radius[n["id"]]
        space.cells.update(space._cells(x - r, y - r, x + r, y + r))

    layer = ET.SubElement(svg, "g", {"class": "edges", "stroke-width": "1.4", "fill": "none"})
    midpoints = []
    for e in edges:
        (x1, y1), (x2, y2) = at(e["source"]), at(e["target"])
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        if length < 1e-6:
            continue  # self-loop or overlapping nodes: nothing to draw
        ux, uy = dx / length, dy / length
        r1, r2 = radius[e["source"]], radius[e["target"]] + 2
        look = edge_style(e["type"], e["inferred"], e.get("weak", False))
        attrs = {"x1": f"{x1 + ux * r1:.2f}", "y1": f"{y1 + uy * r1:.2f}", "x2": f"{x2 - ux * r2:.2f}",
                 "y2": f"{y2 - uy * r2:.2f}", "stroke": look["colour"], "data-relation": xml_text(e["type"])}
        if e["directed"]:
            attrs["marker-end"] = "url(#arrow)"
        if look["dash"]:
            attrs["stroke-dasharray"] = " ".join(str(v) for v in look["dash"])
        line = ET.SubElement(layer, "line", attrs)
        label = edge_label({**e, "type": xml_text(e["type"])})
        ET.SubElement(line, "title").text = xml_text(f"{e['source']} {label} {e['target']}")
        midpoints.append(((x1 + x2) / 2, (y1 + y2) / 2, label, length))

    layer = ET.SubElement(svg, "g", {"class": "nodes", "font-family": "sans-serif", "font-size": "11"})
    order = sorted(range(len(nodes)), key=lambda i: (-(nodes[i]["score"] if nodes[i]["score"] is not None else -1),
                                                     -degree.get(nodes[i]["id"], 0), i))
    placed: dict[int, tuple[float, float, str]] = {}
    for i in order:  # labels by importance: score, then links; below, above, right or left of the
        n = nodes[i]  # node, and left out (the <title> keeps it) when every place would overlap
        x, y = at(n["id"])
        r = radius[n["id"]]
        label = xml_text(n["label"])
        label = label[: max_label - 1] + "…" if len(label) > max_label else label
        w = _text_width(label, 11)
        for tx, ty, anchor, x0_ in ((x, y + r + 11, "middle", x - w / 2), (x, y - r - 4, "middle", x - w / 2),
                                    (x + r + 3, y + 4, "start", x + r + 3), (x - r - 3, y + 4, "end", x - r - 3 - w)):
            if space.take(x0_, ty - 10, x0_ + w, ty + 2):
                placed[i] = (tx, ty, anchor)
                break
    for i, n in enumerate(nodes):
        x, y = at(n["id"])
        group = ET.SubElement(layer, "g", {"class": "node", "data-type": str(n["entity_type"] or "other"),
                                           "data-colour": entity_style(n["entity_type"])["colour"]})
        kind_text = "" if n["entity_type"] is None else f" ({n['entity_type']})"
        ET.SubElement(group, "title").text = xml_text(f"{n['label']}{kind_text} {n['id']}")
        _icon(group, n["entity_type"], x, y, radius[n["id"]])
        if i in placed:
            label = xml_text(n["label"])
            label = label[: max_label - 1] + "…" if len(label) > max_label else label
            tx, ty, anchor = placed[i]
            text = ET.SubElement(group, "text", {"x": f"{tx:.2f}", "y": f"{ty:.2f}",
                                                  "text-anchor": anchor, "fill": "#1b1b1b", "stroke": "#ffffff",
                                                  "stroke-width": "3", "paint-order": "stroke"})
            text.text = label

    layer = ET.SubElement(svg, "g", {"class": "edge-labels", "font-family": "sans-serif", "font-size": "9",
                                     "fill": "#4a5560"})
    for x, y, label, length in sorted(midpoints, key=lambda m: -m[3]):
        w = _text_width(label, 9)
        if w < length * 0.8 and space.take(x - w / 2, y - 6, x + w / 2, y + 4):
            ET.SubElement(layer, "text", {"x": f"{x:.2f}", "y": f"{y + 3:.2f}", "text-anchor": "middle",
                                          "stroke": "#ffffff", "stroke-width": "3", "paint-order": "stroke"}).text = label

    legend = ET.SubElement(svg, "g", {"class": "legend", "font-family": "sans-serif", "font-size": "12"})
    present = sorted({str(n["entity_type"]) for n in nodes if n["entity_type"] is not None})
    for i, kind_name in enumerate(present):
        y = margin + 24 * i
        _icon(legend, kind_name, margin, y, 9)
        ET.SubElement(legend, "text", x=f"{margin + 16:.2f}", y=f"{y + 4:.2f}", fill="#222222").text = \
            xml_text(entity_style(kind_name)["name"])
    y = margin + 24 * len(present) + 10
    if any(e["inferred"] for e in edges):
        ET.SubElement(legend, "line", x1=f"{margin - 9:.2f}", y1=f"{y:.2f}", x2=f"{margin + 9:.2f}", y2=f"{y:.2f}",
                      stroke="#553c9a", **{"stroke-dasharray": "8 5", "stroke-width": "1.4"})
        ET.SubElement(legend, "text", x=f"{margin + 16:.2f}", y=f"{y + 4:.2f}", fill="#222222").text = "inferred link"
    return ET.tostring(svg, encoding="unicode", xml_declaration=False)


def export_svg(chart_data_or_graph: Any, path: str | Path, *, width: int | None = None, height: int | None = None,
               max_label: int = 40, title: str = "linkgraph chart") -> Path:
    """The chart as a standalone SVG in the shared visual vocabulary (:mod:`linkgraph.render.style`):
    one pictogram per entity (the type's Tabler icon in white on a disc of the type's colour; size
    grows with ``score`` in [0, 1], else with the number of links), one line per edge in its
    relation's colour (arrow for directed relations, dashed for inferred and loose ones), labels
    placed by importance (score, then links) and left out rather than overlapping (the full label
    and id stay in each node's ``<title>``; cut at ``max_label`` characters), edge labels with
    their count and dates where they fit, a legend of the types present.

    Size: ``width`` x ``height`` pixels; by default the layout scaled so that neighbours are about
    56 px apart (at most 12,000 px a side).

    Positions: the nodes' ``x``/``y`` when all have them, else :func:`_positions`. Text is XML-escaped by the writer and cleaned by :func:`xml_text`;
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

