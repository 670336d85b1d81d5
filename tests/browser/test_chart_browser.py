"""Link charts in real Chromium: offline rendering, hostile names, search and filters.

Every page is opened from a file with every other request aborted (and counted); a listener
installed before any page script records Content-Security-Policy violations, and console errors
and page errors are collected: none is allowed. Screenshots go to ``out/test-artifacts``.
"""
from __future__ import annotations

import unicodedata
from types import SimpleNamespace

import pandas as pd
import pytest

import linkgraph
from linkgraph.render import chart_data, write_chart
from linkgraph.render.synthetic import synthetic_chart_data

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI), true);
"""

HOSTILE_IMG = "<img src=x onerror=\"window.pwned='img';alert(1)\">"
HOSTILE_SCRIPT = ("Zoé </script><script>window.pwned='script';alert(2)</script>"
                  "<a href=\"javascript:window.pwned='href'\">href</a>")
HOSTILE_AGENCY = "\"><svg onload=\"window.pwned='agency'\">"
HOSTILE_TYPE = "<iframe srcdoc=\"<script>parent.pwned='type'</script>\">"
HOSTILE_TITLE = "</title><script>window.pwned='title'</script><a href=\"x\">href</a> <img src=x onerror=alert(3)>"


class Opened:
    """A chart page opened offline: the requests it tried outside its file, dialogs, errors."""

    def __init__(self, page, path):
        self.page, self.url = page, path.resolve().as_uri()
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(WATCH)
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", self._dialog)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.route("**/*", self._route)
        page.goto(self.url)
        page.wait_for_function("window.chartReady === true", timeout=30_000)

    def _route(self, route):
        if route.request.url == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def outside(self) -> list[str]:
        return sorted({u for u in self.requests + self.blocked if u != self.url})

    def check_clean(self):
        assert self.outside() == []
        assert self.dialogs == []
        assert self.errors == []
        assert self.page.evaluate("window.__csp") == []
        assert self.page.evaluate("typeof window.pwned") == "undefined"

    def stats(self) -> dict:
        return self.page.evaluate("window.chartStats")

    def shown_nodes(self) -> int:
        return self.page.evaluate("window.chartNetwork.body.data.nodes.getIds().length")

    def node_point(self, node_id: str) -> tuple[float, float]:
        return self.page.evaluate("""id => {
            const net = window.chartNetwork, p = net.canvasToDOM(net.getPositions([id])[id]);
            const box = document.querySelector('#chart canvas').getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""", node_id)

    def drawn_pixels(self) -> int:
        return self.page.evaluate("""() => {
            const c = document.querySelector('#chart canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) { n++; } }
            return n;
        }""")


@pytest.fixture(scope="module")
def fixtures_result():
    return linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])


def test_offline_chart_of_the_fixtures(page, artifacts, tmp_path, fixtures_result):
    data = chart_data(fixtures_result)
    path = write_chart(data, tmp_path / "fixtures.html", "Fixtures: every entity")
    opened = Opened(page, path)
    stats = opened.stats()
    assert stats["nodes"] == len(data["nodes"]) > 2000 and stats["edges"] == len(data["edges"]) > 4000
    assert stats["visibleNodes"] == stats["nodes"] and opened.shown_nodes() == stats["nodes"]
    assert opened.drawn_pixels() > 5000  # the canvas holds a drawing, not a blank page
    assert page.title() == "Fixtures: every entity"
    # legend: one entry per entity type with its count
    legend = page.locator("#filter-types label").all_inner_texts()
    assert len(legend) == len(data["meta"]["types"]) and any("person (" in t for t in legend)
    page.screenshot(path=str(artifacts / "chart_offline_fixtures.png"))
    opened.check_clean()
    assert opened.requests == [opened.url]


def hostile_resolution() -> SimpleNamespace:
    entities = pd.DataFrame([
        {"entity_id": "P-img", "entity_type": "person", "label": HOSTILE_IMG, "agencies": HOSTILE_AGENCY,
         "mentions": 1, "first_seen": "2023-01-01", "last_seen": "2023-01-01"},
        {"entity_id": "P-script", "entity_type": "person", "label": HOSTILE_SCRIPT, "agencies": "police",
         "mentions": 1, "first_seen": "2023-01-02", "last_seen": "2023-01-02", "city": HOSTILE_IMG},
        {"entity_id": "T-1", "entity_type": "phone", "label": "+33611223344", "agencies": "police", "mentions": 2,
         "first_seen": "2023-01-01", "last_seen": "2023-01-02"},
    ])
    rel = {"source": "tips", "classification": "restricted", "file": "tips.csv", "date": "2023-01-01"}
    relations = pd.DataFrame([
        {**rel, "from_mention": "tips:1:a", "to_mention": "tips:1:b", "from_entity": "P-img", "to_entity": "T-1",
         "type": HOSTILE_TYPE, "agency": HOSTILE_AGENCY, "row": 1},
        {**rel, "from_mention": "tips:2:a", "to_mention": "tips:2:b", "from_entity": "P-script", "to_entity": "T-1",
         "type": "uses", "agency": "police", "row": 2},
    ])
    mentions = pd.DataFrame([
        {"mention_id": "tips:1:a", "entity_id": "P-img", "agency": HOSTILE_AGENCY, "source": "tips",
         "file": f"/data/{HOSTILE_IMG}.csv", "row": 1, "date": "2023-01-01"},
        {"mention_id": "tips:2:a", "entity_id": "P-script", "agency": "police", "source": "tips",
         "file": "/data/tips.csv", "row": 2, "date": "2023-01-02"},
    ])
    return SimpleNamespace(entities=entities, relations=relations, mentions=mentions)


def test_hostile_names_run_nothing(page, artifacts, tmp_path):
    data = chart_data(hostile_resolution())
    path = write_chart(data, tmp_path / "hostile.html", HOSTILE_TITLE)
    opened = Opened(page, path)
    assert page.title() == HOSTILE_TITLE and page.locator("h1").inner_text() == HOSTILE_TITLE
    assert opened.stats()["nodes"] == 3
    assert page.evaluate("document.querySelectorAll('img, svg:not(#timeline-svg > svg), iframe, a').length") == 0
    # the hostile agency is a filter entry, as text
    assert HOSTILE_AGENCY in page.locator("#filter-agencies").inner_text()

    for node, text in (("P-img", HOSTILE_IMG), ("P-script", HOSTILE_SCRIPT)):
        x, y = opened.node_point(node)
        page.mouse.click(x, y)
        page.locator("#detail").wait_for(state="visible", timeout=5_000)
        page.wait_for_function("t => document.getElementById('detail-body').textContent.includes(t)", arg=text)
        assert page.evaluate("document.querySelectorAll('#detail-body *').length") > 3
        assert page.evaluate("document.querySelectorAll('img, svg:not(#timeline-svg > svg), iframe, a').length") == 0
        assert page.evaluate("document.scripts.length") == 5
        page.screenshot(path=str(artifacts / f"chart_hostile_detail_{node}.png"))
    # the edge with the hostile relation type: click its middle
    (ax, ay), (bx, by) = opened.node_point("P-img"), opened.node_point("T-1")
    page.mouse.click((ax + bx) / 2, (ay + by) / 2)
    page.wait_for_function("t => document.getElementById('detail-body').textContent.includes(t)", arg=HOSTILE_TYPE)
    page.screenshot(path=str(artifacts / "chart_hostile_detail_edge.png"))
    # search with the payload itself as the query
    page.fill("#chart-search", "<img src=x")
    page.press("#chart-search", "Enter")
    assert page.evaluate("window.chartSearch") == ["P-img"]
    page.wait_for_timeout(300)
    assert page.evaluate("document.querySelectorAll('img, svg:not(#timeline-svg > svg), iframe, a').length") == 0
    opened.check_clean()


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def test_search_and_filters(page, artifacts, tmp_path):
    data = synthetic_chart_data(400, 800, seed=5)
    path = write_chart(data, tmp_path / "synthetic.html", "Synthetic chart")
    opened = Opened(page, path)
    total = len(data["nodes"])
    assert opened.stats()["visibleNodes"] == total

    # search: accent- and case-insensitive, on label or id
    page.fill("#chart-search", "lefevre")
    page.press("#chart-search", "Enter")
    hits = page.evaluate("window.chartSearch")
    want = [n["id"] for n in data["nodes"] if "lefevre" in fold(n["label"])]
    assert want and hits == want
    assert sorted(page.evaluate("window.chartNetwork.getSelectedNodes()")) == sorted(want)
    assert "match" in page.locator("#search-result").inner_text()
    page.screenshot(path=str(artifacts / "chart_search.png"))
    page.fill("#chart-search", data["nodes"][7]["id"].lower())
    page.press("#chart-search", "Enter")
    assert page.evaluate("window.chartSearch") == [data["nodes"][7]["id"]]

    # entity type filter (the legend)
    vehicles = sum(n["type"] == "vehicle" for n in data["nodes"])
    page.locator("#filter-types input[value=vehicle]").uncheck()
    assert opened.stats()["visibleNodes"] == total - vehicles == opened.shown_nodes()
    assert str(total - vehicles) in page.locator("#chart-status").inner_text()

    # agency filter: keep douane only
    for box in page.locator("#filter-agencies input").all():
        if box.get_attribute("value") != "douane":
            box.uncheck()
    want = sum(n["type"] != "vehicle" and "douane" in n["agencies"] for n in data["nodes"])
    assert opened.stats()["visibleNodes"] == want == opened.shown_nodes()

    # date range: seen (first..last) overlapping 2020
    page.fill("#date-from", "2020-01-01")
    page.fill("#date-to", "2020-12-31")
    page.dispatch_event("#date-to", "change")
    want_ids = {n["id"] for n in data["nodes"] if n["type"] != "vehicle" and "douane" in n["agencies"]
                and n["last_seen"] >= "2020-01-01" and n["first_seen"] <= "2020-12-31"}
    assert opened.stats()["visibleNodes"] == len(want_ids) == opened.shown_nodes()
    assert set(page.evaluate("window.chartNetwork.body.data.nodes.getIds()")) == want_ids
    shown_edges = page.evaluate("window.chartNetwork.body.data.edges.get()")
    assert all(e["from"] in want_ids and e["to"] in want_ids for e in shown_edges)
    page.screenshot(path=str(artifacts / "chart_filters.png"))

    page.click("#reset-filters")
    assert opened.stats()["visibleNodes"] == total == opened.shown_nodes()
    assert opened.stats()["visibleEdges"] == len(data["edges"])
    opened.check_clean()
