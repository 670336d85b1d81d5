"""The offline map page of dealing points (measure 5): one HTML file with Leaflet 1.9.4 (BSD-2,
``third_party/leaflet.js``) and a France outline (Natural Earth 1:50m through npm ``world-atlas``
2.0.2, ISC: ``third_party/france-outline.geojson``) inlined; no request leaves the page unless
the cell's own tile server is set (``rules/map.yaml``: ``tiles.url``), and then only to it.

:func:`write_map` also writes one chart per dealing point (``charts/<id>.html``, the point and
everything within two links) that the point's popup opens.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from linkgraph.render.chart import _hash, chart_json, write_chart
from linkgraph.render.geo import BanIndex, dealing_points, located_places

__all__ = ["load_tiles", "render_map", "write_map"]

_HERE = Path(__file__).resolve().parent
DEFAULT_RULES = _HERE.parents[1] / "rules" / "map.yaml"


@lru_cache(maxsize=1)
def _leaflet() -> tuple[str, str]:
    js = (_HERE / "third_party" / "leaflet.js").read_text(encoding="utf-8")
    css = (_HERE / "third_party" / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"url\([^)]*\)", "none", css)  # marker and layer images are never used: nothing to load
    if "</script" in js.lower() or "</style" in css.lower():
        raise ValueError("leaflet cannot be inlined")
    return js, css


def load_tiles(path: str | Path | None = None) -> dict | None:
    """The tile server of ``rules/map.yaml`` (``tiles: {url, max_zoom}``), None when unset."""
    path = Path(path) if path else DEFAULT_RULES
    if not path.exists():
        return None
    rules = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    tiles = rules.get("tiles")
    if not tiles or not tiles.get("url"):
        return None
    url = str(tiles["url"])
    if not re.match(r"^https?://[^\s\"'<>]+$", url):
        raise ValueError(f"{path}: tiles.url must be an http(s) URL template")
    return {"url": url, "max_zoom": int(tiles.get("max_zoom", 18))}


def _origin(url: str) -> str:
    m = re.match(r"^(https?://[^/{}]+)", url)
    return m.group(1) if m else ""


def render_map(points: list[dict], title: str, *, places: list[dict] | None = None, tiles: dict | None = None) -> str:
    """The map page of ``points`` (:func:`linkgraph.render.geo.dealing_points`, each with an optional
    ``chart`` link) and other located ``places``."""
    js, css = _leaflet()
    app = (_HERE / "static" / "map.js").read_text(encoding="utf-8")
    outline = (_HERE / "third_party" / "france-outline.geojson").read_text(encoding="utf-8")
    import json

    data = {"points": points, "places": places or [], "outline": json.loads(outline), "tiles": tiles}
    img = "data:" + (f" {_origin(tiles['url'])}" if tiles else "")
    csp = (f"default-src 'none'; script-src {_hash(js)} {_hash(app)}; style-src 'unsafe-inline'; img-src {img}; "
           "font-src 'none'; connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")
    heading = html.escape(title, quote=True)
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{html.escape(csp, quote=True)}\">\n",
        "<meta name=\"referrer\" content=\"no-referrer\">\n",
        f"<title>{heading}</title>\n<style>\n{css}\n",
        "html,body{margin:0;height:100%;font:13px/1.35 system-ui,sans-serif}header{height:40px;display:flex;gap:12px;",
        "align-items:center;padding:0 12px;border-bottom:1px solid #ddd}header h1{font-size:16px;margin:0}",
        "#wrap{display:flex;height:calc(100% - 41px)}#map{flex:1;background:#dbe7f0}#side{width:300px;overflow:auto;",
        "border-left:1px solid #ddd;padding:6px}#side ol{padding-left:16px}#side button{border:none;background:none;",
        "text-align:left;cursor:pointer;color:#1a4f8a;padding:2px 0}.popup h3{margin:0 0 4px;font-size:14px}",
        ".popup ol{padding-left:16px;margin:4px 0}.status-active{color:#c53030}.status-moved{color:#b7791f}",
        ".status-dismantled{color:#4a5568}.open-chart{display:inline-block;margin-top:4px;font-weight:600}",
        "\n</style>\n</head>\n<body>\n",
        f"<header><h1>{heading}</h1><span id=\"map-status\" role=\"status\"></span></header>\n",
        "<div id=\"wrap\"><div id=\"map\" aria-label=\"map\"></div><aside id=\"side\"><b>Dealing points</b>",
        "<ol id=\"points\"></ol><p>Active points red, moved ones amber, dismantled ones grey; a dashed ring: ",
        "position known to the street or commune only.</p><p class=\"credits\">Leaflet 1.9.4 (BSD-2) \u00B7 outline: ",
        "Natural Earth 1:50m (public domain) via world-atlas (ISC)</p></aside></div>\n",
        f"<script type=\"application/json\" id=\"map-data\">{chart_json(data)}</script>\n",
        f"<script>{js}</script>\n<script>{app}</script>\n</body>\n</html>\n",
    ])


def _safe_name(entity_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", entity_id)[:80] + ".html"


def write_map(result: Any, folder: str | Path, *, ban: BanIndex | str | Path | None = None, tiles: dict | None = None,
              title: str = "Dealing points", charts: bool = True, depth: int = 2) -> Path:
    """Write ``map.html`` (and ``charts/<point>.html`` for each dealing point) in ``folder``."""
    from linkgraph.render.subgraph import chart_data

    folder = Path(folder)
    if ban is not None and not isinstance(ban, BanIndex):
        ban = BanIndex.read(ban)
    points = dealing_points(result, ban)
    if charts:
        for p in points:
            name = _safe_name(p["id"])
            write_chart(chart_data(result, ego=p["id"], depth=depth), folder / "charts" / name,
                        f"{p['label']} ({p['id']})")
            p["chart"] = f"charts/{name}"
    path = folder / "map.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_map(points, title, places=located_places(result), tiles=tiles), encoding="utf-8")
    tmp.replace(path)
    return path
