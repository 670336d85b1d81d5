"""The map of dealing points in Chromium, offline: it renders with no request leaving the page, and
a dealing point opens its chart."""
from __future__ import annotations

from pathlib import Path

import pytest
from test_chart_browser import Opened

import linkgraph
from linkgraph.render.mapview import write_map
from linkgraph.sources.mapping import load_mapping

MAP = Path(__file__).resolve().parents[2] / "fixtures" / "map"


@pytest.fixture(scope="module")
def map_page(tmp_path_factory):
    mapping = load_mapping(MAP / "plateforme_signalements.yaml")
    result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()]
                                       + [(mapping, MAP / "plateforme_signalements.csv")])
    return write_map(result, tmp_path_factory.mktemp("map"), ban=MAP / "ban_sample.csv")


class OpenedMap(Opened):
    """A map page opened offline (other file:// pages of its folder are allowed: the charts)."""

    def __init__(self, page, path):  # noqa: D107 - same watchers as a chart page, another ready flag
        self.page, self.url = page, path.resolve().as_uri()
        self.folder = path.resolve().parent.as_uri()
        self.requests, self.blocked, self.dialogs, self.errors = [], [], [], []
        from test_chart_browser import WATCH

        page.add_init_script(WATCH)
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.route("**/*", self._route)
        page.goto(self.url)
        page.wait_for_function("() => window.mapReady === true", timeout=30_000)

    def _route(self, route):
        if route.request.url.startswith(self.folder + "/"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def outside(self) -> list[str]:
        return sorted({u for u in self.requests + self.blocked if not u.startswith(self.folder + "/")})


def test_map_renders_offline_and_a_point_opens_its_chart(page, artifacts, map_page):
    opened = OpenedMap(page, map_page)
    data = page.evaluate("() => window.mapView.data.points")
    assert len(data) == 12 and all(p["lat"] is not None for p in data)
    assert page.evaluate("() => Object.keys(window.mapView.markers).length") == 12
    # what a person sees: the marker's fill colour (by status) drawn on the map's canvas
    first = data[0]
    page.evaluate("id => window.mapView.map.setView(window.mapView.markers[id].getLatLng(), 16, {animate: false})", first["id"])
    page.wait_for_timeout(300)
    colour = page.evaluate("""id => { const v = window.mapView, m = v.markers[id], p = v.map.latLngToContainerPoint(m.getLatLng());
        const c = document.querySelector('#map canvas'), r = c.getBoundingClientRect(), b = document.getElementById('map').getBoundingClientRect();
        const k = c.width / r.width, d = c.getContext('2d').getImageData(Math.round((p.x + b.left - r.left) * k),
        Math.round((p.y + b.top - r.top) * k), 1, 1).data; return [d[0], d[1], d[2]]; }""", first["id"])
    want = {"active": (0xc5, 0x30, 0x30), "moved": (0xd6, 0x9e, 0x2e), "dismantled": (0x71, 0x80, 0x96)}[first["status"]]
    assert all(abs(a - b) <= 40 for a, b in zip(colour, want)), (colour, first["status"])
    assert {p["precision"] for p in data} == {"coordinates", "address"}
    page.screenshot(path=str(artifacts / "map_dealing_points.png"))
    # the point with the most reports: its popup, then its chart
    point = max(data, key=lambda p: (p["count"], p["id"]))
    page.evaluate("id => { const m = window.mapView.markers[id]; window.mapView.map.setView(m.getLatLng(), 15); }", point["id"])
    page.wait_for_timeout(300)
    box = page.locator("#map").bounding_box()
    xy = page.evaluate("id => window.mapView.map.latLngToContainerPoint(window.mapView.markers[id].getLatLng())", point["id"])
    page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
    popup = page.locator(f".leaflet-popup .popup[data-point='{point['id']}']")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert point["label"] in text and f"{point['count']} report(s)" in text and point["reports"][-1]["record_id"] in text
    page.screenshot(path=str(artifacts / "map_point_popup.png"))
    opened.check_clean()
    popup.locator("a.open-chart").click()
    page.wait_for_function("() => window.chartReady === true", timeout=30_000)
    assert page.url.endswith(point["chart"])
    node = page.evaluate("id => window.chartContext.byId[id]", point["id"])
    assert node["type"] == "dealing_point"
    assert page.evaluate("() => window.chartStats.visibleNodes") > 3
    page.screenshot(path=str(artifacts / "map_point_chart.png"))
    assert opened.outside() == [] and opened.errors == []
    assert page.evaluate("window.__csp") == []
