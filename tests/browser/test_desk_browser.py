"""The analyst's desk across surfaces: one entity looks the same in the offline chart, the
explorer and the SVG export; the explorer's choice list, agency filter and procedure search."""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from test_chart_browser import Opened
from test_explorer_browser import _node_point, explorer, ready, watched  # noqa: F401 (fixtures)

from linkgraph.render import chart_data, write_chart
from linkgraph.render.exports import export_svg
from linkgraph.render.style import entity_style

SVG = "{http://www.w3.org/2000/svg}"
PIXEL = """([sel, x, y]) => { const c = document.querySelector(sel); const b = c.getBoundingClientRect();
  const r = window.devicePixelRatio || 1; const d = c.getContext('2d').getImageData(Math.round((x - b.left) * r),
  Math.round((y - b.top) * r), 1, 1).data; return '#' + [d[0], d[1], d[2]].map(v => v.toString(16).padStart(2, '0')).join(''); }"""


# Move a node clear of every other node (physics off) so that the pixel sampled on its disc is its own,
# not a neighbour's drawn over it where the layout happened to overlap them.
ISOLATE = """id => { const n = NET; n.setOptions({physics: false});
  const pos = n.getPositions(); const xs = Object.keys(pos).filter(k => k !== id).map(k => pos[k].x);
  n.moveNode(id, Math.max(0, ...xs) + 600, pos[id].y); n.focus(id, {scale: 2.5, animation: false}); n.redraw(); }"""


def _close(a: str, b: str, tol: int = 24) -> bool:
    return all(abs(int(a[i:i + 2], 16) - int(b[i:i + 2], 16)) <= tol for i in (1, 3, 5))


def test_same_icon_and_colour_in_chart_explorer_and_svg(explorer, watched, browser, tmp_path, artifacts):  # noqa: F811
    base, state = explorer
    e = state.result.entities
    person = e[e["entity_type"] == "person"].sort_values("mentions", ascending=False)["entity_id"].iloc[0]
    data = chart_data(state.result, ego=person, depth=1)
    ids = {n["id"]: n["type"] for n in data["nodes"]}
    checked = [person] + sorted({t: i for i, t in ids.items() if i != person}.values())[:3]  # one per other type
    # 1. the offline chart: glyph drawn in the type's colour, vocabulary icon
    chart = write_chart(data, tmp_path / "ego.html", "Ego")
    offline_context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = offline_context.new_page()
    opened = Opened(page, chart)
    page.evaluate("() => window.chartNetwork.moveTo({scale: 2.5, animation: false})")
    offline = {}
    for i in checked:
        kind = page.evaluate("id => window.chartContext.byId[id].type", i)
        style = page.evaluate("k => window.chartContext.style(k)", kind)
        page.evaluate(ISOLATE.replace("NET", "window.chartNetwork"), i)
        x, y = opened.node_point(i)
        r = page.evaluate("id => window.chartNetwork.body.nodes[id].options.size * window.chartNetwork.getScale()", i)
        offline[i] = (style["icon"], style["colour"], page.evaluate(PIXEL, ["#chart canvas", x, y - 0.85 * r]))
    page.screenshot(path=str(artifacts / "desk_chart_glyphs.png"))
    opened.check_clean()
    offline_context.close()
    # 2. the explorer's chart around the same person
    watched.goto(f"{base}/chart?focus={person}")
    ready(watched)
    for i in checked:
        watched.wait_for_function("id => window.lgChart.nodes.get(id) !== null", arg=i)
    watched.evaluate("() => window.lgChart.network.moveTo({scale: 2.5, animation: false})")
    watched.wait_for_timeout(200)
    online = {}
    for i in checked:
        watched.evaluate(ISOLATE.replace("NET", "window.lgChart.network"), i)
        p = _node_point(watched, i)
        r = watched.evaluate("id => window.lgChart.network.body.nodes[id].options.size * window.lgChart.network.getScale()", i)
        style = watched.evaluate("id => window.LinkgraphGlyphs.entityStyle(JSON.parse(document.body.dataset.vocabulary), "
                                 "window.lgChart.info[id].entity_type)", i)
        online[i] = (style["icon"], style["colour"], watched.evaluate(PIXEL, ["#network canvas", p["x"], p["y"] - 0.85 * r]))
    watched.screenshot(path=str(artifacts / "desk_explorer_glyphs.png"))
    # 3. the SVG export of the same chart
    root = ET.parse(export_svg(data, tmp_path / "ego.svg")).getroot()
    svg = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node":
            nid = g.find(f"{SVG}title").text.rsplit(" ", 1)[-1]
            svg[nid] = (g.find(f"{SVG}g").get("data-icon"), g.find(f"{SVG}circle").get("fill"))
    for i in checked:
        want = entity_style(ids[i])
        assert offline[i][:2] == online[i][:2] == svg[i] == (want["icon"], want["colour"]), i
        # what a person sees: the disc is drawn in that colour on both pages
        assert _close(offline[i][2], want["colour"]) and _close(online[i][2], want["colour"]), (i, offline[i], online[i])
    assert len({offline[i][0] for i in checked}) == len(checked)  # one icon per type
    assert not watched.errors


def test_explorer_choice_list_for_namesakes(explorer, watched, artifacts):  # noqa: F811
    base, state = explorer
    e = state.result.entities
    persons = e[(e["entity_type"] == "person") & ~e["label"].str.contains("<", regex=False)]
    counts = persons["label"].value_counts()
    name = counts[counts >= 2].index[0]
    wanted = sorted(persons.loc[persons["label"] == name, "entity_id"])
    watched.goto(f"{base}/chart?focus={wanted[0]}")
    ready(watched)
    watched.click("#clear-chart")
    watched.fill("#focus", name)
    watched.click("#focus-form button[type=submit]")
    watched.wait_for_selector("#choices button.choice", timeout=10000)
    offered = watched.locator("#choices button.choice").evaluate_all("bs => bs.map(b => b.dataset.entity)")
    assert set(wanted) <= set(offered) and len(offered) >= 2
    assert watched.evaluate("window.lgChart.nodes.length") == 0  # nothing added before the analyst chooses
    watched.screenshot(path=str(artifacts / "explorer-choices.png"), full_page=True)
    watched.click(f"#choices button.choice[data-entity='{wanted[1]}']")
    watched.wait_for_function("id => window.lgChart.nodes.get(id) !== null", arg=wanted[1])
    assert watched.locator("#choices").is_hidden()
    assert not watched.errors


def test_explorer_agency_filter_and_non_overlapping_expansion(explorer, watched, artifacts):  # noqa: F811
    base, state = explorer
    e = state.result.entities
    person = e[e["entity_type"] == "person"].sort_values(["sources", "mentions"], ascending=False)["entity_id"].iloc[0]
    watched.goto(f"{base}/chart?focus={person}")
    ready(watched)
    pos = watched.evaluate("() => Object.values(window.lgChart.network.getPositions())")
    assert len(pos) >= 3
    gaps = [((a["x"] - b["x"]) ** 2 + (a["y"] - b["y"]) ** 2) ** 0.5 for i, a in enumerate(pos) for b in pos[i + 1:]]
    assert min(gaps) >= 60  # new entities never on top of each other
    options = watched.locator("#c-agency option").evaluate_all("os => os.map(o => o.value).filter(v => v)")
    assert options
    total = watched.evaluate("window.lgChart.view.edges.length")
    agency = options[0]
    watched.select_option("#c-agency", agency)
    watched.click("#chart-filters button[type=submit]")
    shown = watched.evaluate("() => window.lgChart.view.edges.getIds()")
    assert 0 < len(shown) <= total
    raw = {r["edge_id"]: r for r in state.snapshot.edges.to_dict("records")}
    assert all(agency in str(raw[i]["agencies"]).split(";") for i in shown)
    watched.screenshot(path=str(artifacts / "explorer-agency-filter.png"), full_page=True)
    assert not watched.errors


def test_explorer_search_by_procedure_number(explorer, watched, artifacts):  # noqa: F811
    base, state = explorer
    rows = state.result.rows
    police = rows[(rows["source"] == "police_procedures")].dropna(subset=["record_id"])
    number = str(police["record_id"].iloc[0])
    watched.goto(base + "/?q=" + number)
    watched.wait_for_selector("#results li.record-result", timeout=10000)
    first = watched.locator("#results li.record-result").first
    assert first.get_attribute("data-record-id") == number
    text = first.inner_text()
    assert re.search("offence", text) and first.locator("a.entity-link").count() >= 1
    watched.screenshot(path=str(artifacts / "explorer-procedure-search.png"), full_page=True)
    assert not watched.errors


def test_entity_timeline_histogram_filters_its_rows(explorer, watched, artifacts):  # noqa: F811
    base, state = explorer
    e = state.result.entities
    person = e[e["entity_type"] == "person"].sort_values(["sources", "mentions"], ascending=False)["entity_id"].iloc[0]
    watched.goto(f"{base}/entity/{person}")
    ready(watched)
    bars = watched.locator("#timeline-bars rect.bar")
    assert bars.count() >= 2
    month = bars.nth(1).get_attribute("data-month")
    bars.nth(1).click()
    shown = watched.locator("#timeline tbody tr:not([hidden])")
    assert shown.count() >= 1
    assert all(d.startswith(month) for d in shown.locator("td:first-child").all_inner_texts())
    # case record ids in the timeline rows (police procedures of this person)
    assert watched.locator("#mentions .case-record .record-id").count() >= 1
    watched.screenshot(path=str(artifacts / "explorer-entity-timeline.png"), full_page=True)
    assert not watched.errors
