"""The link chart's own stylesheet and script (no template engine, no CDN).

The script is the concatenation of the files of ``static/`` (detail panel, time bar, save/print
tools, the chart itself) and the explorer's ``glyphs.js`` (icons, edge looks, label placement),
so the chart and the explorer draw entities alike. It reads the chart data from
``<script type="application/json" id="chart-data">`` with ``JSON.parse`` and writes every data
string with ``textContent``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["CHART_CSS", "chart_script", "glyphs_js"]

_HERE = Path(__file__).resolve().parent
_GLYPHS = _HERE.parent / "service" / "static" / "glyphs.js"
_PARTS = ("panel.js", "timeline.js", "tools.js", "chart.js")


@lru_cache(maxsize=1)
def glyphs_js() -> str:
    """The shared drawing code (also served to the explorer as ``/static/glyphs.js``)."""
    return _GLYPHS.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def chart_script() -> str:
    """The chart page's one application script."""
    text = "\n".join([glyphs_js()] + [(_HERE / "static" / name).read_text(encoding="utf-8") for name in _PARTS])
    if "</script" in text.lower() or "<!--" in text:
        raise ValueError("chart script: cannot be inlined in a <script> element")
    return text


CHART_CSS = (_HERE / "static" / "chart.css").read_text(encoding="utf-8")
