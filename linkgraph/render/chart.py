"""Self-contained interactive link charts: one HTML file that needs no network at all.

Our own template, not pyvis's (pyvis loads vis-network and Bootstrap from CDNs in every mode and
renders titles as HTML: pyvis issues #228, #229). Only pyvis's *bundled copy* of vis-network is
used, inlined into the page.

Safety:

* the chart data sits in ``<script type="application/json" id="chart-data">`` as JSON whose ``<``,
  ``>``, ``&``, U+2028 and U+2029 are written ``\\u003c``... so no data string can close the element;
  the page script reads it with ``JSON.parse(textContent)`` and writes every string with
  ``textContent`` (tooltips are DOM elements, never HTML strings);
* the title is HTML-escaped;
* a Content-Security-Policy ``<meta>`` allows only the page's two scripts (by SHA-256 hash: any
  other inline script or event handler is refused), inline styles and ``data:`` images, and no
  fetch, frame, form or base URL of any kind.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
from functools import lru_cache
from pathlib import Path

from linkgraph.render.assets import CHART_CSS, chart_script
from linkgraph.render.layout import layout_positions
from linkgraph.render.style import vocabulary

__all__ = ["VIS_VERSION", "chart_json", "render_chart", "vis_network_js", "write_chart"]

VIS_VERSION = "9.1.2"
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@lru_cache(maxsize=1)
def vis_network_js() -> str:
    """The standalone vis-network bundle shipped inside the pyvis package (no CSS: the chart has its own)."""
    import pyvis

    path = Path(pyvis.__file__).resolve().parent / "lib" / f"vis-{VIS_VERSION}" / "vis-network.min.js"
    if not path.exists():
        raise FileNotFoundError(f"vis-network {VIS_VERSION} not found in the pyvis package ({path})")
    text = path.read_text(encoding="utf-8")
    lowered = text.lower()
    if "</script" in lowered or "<!--" in text:  # would end or confuse the inline <script> element
        raise ValueError(f"{path}: cannot be inlined in a <script> element")
    return text


def chart_json(data: dict) -> str:
    """``data`` as JSON safe inside a ``<script>`` element (``<``, ``>``, ``&``, U+2028/9 escaped)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escape in _JSON_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _with_layout(data: dict) -> dict:
    """A copy of ``data`` where every node has ``x`` and ``y`` (computed when any is missing)."""
    nodes = data.get("nodes") or []
    if all(isinstance(n.get("x"), (int, float)) and isinstance(n.get("y"), (int, float)) for n in nodes):
        return data
    data = copy.copy(data)
    pos = layout_positions([n["id"] for n in nodes], [(e["from"], e["to"]) for e in data.get("edges") or []])
    data["nodes"] = [{**n, "x": pos[n["id"]][0], "y": pos[n["id"]][1]} for n in nodes]
    return data


def render_chart(data: dict, title: str, *, layout: dict | None = None) -> str:
    """The HTML page of a link chart (``data`` as :func:`linkgraph.render.subgraph.chart_data` returns it;
    nodes without ``x``/``y`` are laid out here). ``layout``: a saved layout (positions, notes,
    period: the page's "Save layout" JSON) applied when the page opens."""
    data = _with_layout({"nodes": data.get("nodes") or [], "edges": data.get("edges") or [],
                         "meta": data.get("meta") or {}})
    library = vis_network_js()
    app = chart_script()
    csp = ("default-src 'none'; "
           f"script-src {_hash(library)} {_hash(app)}; "
           "style-src 'unsafe-inline'; img-src data: blob:; font-src 'none'; connect-src 'none'; "
           "frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")
    heading = html.escape(str(title), quote=True)
    agencies = sorted({str(a) for item in data["nodes"] + data["edges"] for a in item.get("agencies") or []})
    tool = '<button id="{0}" type="button" title="{2}">{1}</button>'
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{html.escape(csp, quote=True)}\">\n",
        "<meta name=\"referrer\" content=\"no-referrer\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        f"<title>{heading}</title>\n<style>\n{CHART_CSS}</style>\n</head>\n<body>\n",
        f"<header><h1>{heading}</h1><div id=\"chart-status\" role=\"status\"></div><div id=\"tools\">",
        tool.format("tool-fit", "Fit", "show the whole chart"),
        tool.format("tool-png", "PNG", "download the chart as a PNG image"),
        tool.format("tool-pdf", "PDF", "print the chart, its legend and the open record (save as PDF)"),
        tool.format("tool-save", "Save layout", "download positions, annotations and period as JSON"),
        "<label class=\"file\" title=\"apply a saved layout JSON\">Load layout"
        "<input id=\"tool-load\" type=\"file\" accept=\".json,application/json\"></label>",
        tool.format("tool-html", "Save chart", "download this page with the current layout inside"),
        "</div></header>\n",
        "<div id=\"main\">\n<aside id=\"panel\">\n",
        "<label for=\"chart-search\"><b>Search</b> (name, id or procedure number)</label>\n",
        "<input id=\"chart-search\" type=\"search\" autocomplete=\"off\" spellcheck=\"false\">\n",
        "<div id=\"search-result\" role=\"status\"></div>\n",
        "<fieldset id=\"filter-types\"><legend>Entity types</legend></fieldset>\n",
        "<fieldset id=\"filter-agencies\"><legend>Agencies</legend></fieldset>\n",
        "<fieldset id=\"filter-dates\"><legend>Seen between</legend>",
        "<input id=\"date-from\" type=\"date\" aria-label=\"from\"><input id=\"date-to\" type=\"date\" aria-label=\"to\">",
        "</fieldset>\n<button id=\"reset-filters\" type=\"button\">Show all</button>\n",
        "<div id=\"chart-meta\"></div>\n<div id=\"icon-source\"></div>\n",
        "<noscript>This chart needs JavaScript.</noscript>\n</aside>\n",
        "<div id=\"chart\"></div>\n</div>\n",
        "<aside id=\"detail\" hidden aria-label=\"details\"><div class=\"detail-bar\">",
        "<button id=\"detail-copy\" type=\"button\">Copy</button><button id=\"detail-close\" type=\"button\">Close</button>",
        "</div><div id=\"detail-body\"></div></aside>\n",
        "<section id=\"timeline\" aria-label=\"time bar\"><div id=\"timeline-head\"><b>Time</b>",
        "<select id=\"timeline-unit\" aria-label=\"bar width\"><option value=\"day\">per day</option>",
        "<option value=\"week\">per week</option><option value=\"month\">per month</option></select><button id=\"timeline-clear\" type=\"button\">All dates</button>",
        "<span id=\"timeline-info\"></span><span class=\"hint\">drag to keep a period, click a bar for its events</span></div>",
        "<div id=\"timeline-svg\"></div></section>\n",
        f"<div id=\"print-view\"><h2>{heading}</h2></div>\n",
        f"<script type=\"application/json\" id=\"chart-data\">{chart_json(data)}</script>\n",
        f"<script type=\"application/json\" id=\"chart-vocabulary\">{chart_json(vocabulary(agencies))}</script>\n",
        f"<script type=\"application/json\" id=\"chart-layout\">{chart_json(layout) if layout else 'null'}</script>\n",
        f"<script>{library}</script>\n",
        f"<script>{app}</script>\n",
        "</body>\n</html>\n",
    ])


def write_chart(data: dict, path: str | Path, title: str, *, layout: dict | None = None) -> Path:
    """Write :func:`render_chart` to ``path`` (UTF-8, parent folders created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_chart(data, title, layout=layout), encoding="utf-8")
    tmp.replace(path)
    return path
