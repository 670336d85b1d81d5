"""Link charts: choose a subgraph of a resolution (:mod:`.subgraph`) and write it as one
self-contained, air-gapped HTML page (:mod:`.chart`)."""
from __future__ import annotations

from linkgraph.render.chart import render_chart, write_chart
from linkgraph.render.layout import layout_positions
from linkgraph.render.subgraph import chart_data

__all__ = ["chart_data", "layout_positions", "render_chart", "write_chart"]
