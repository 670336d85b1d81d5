"""The analyst's chart in Chromium, offline: a click opens the case record, the time bar's brush
filters the chart, a procedure number finds its people, the chart saves and prints itself."""
from __future__ import annotations

import json

import pytest
from test_chart_browser import Opened

import linkgraph
from linkgraph.render import chart_data, write_chart


@pytest.fixture(scope="module")
def fixtures_result():
    return linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])


@pytest.fixture(scope="module")
def procedure_chart(fixtures_result, tmp_path_factory):
    """An ego chart (2 hops) of the person of the fixtures' busiest police procedure row."""
    m = fixtures_result.mentions
    person = m[(m["source"] == "police_procedures") & (m["entity_type"] == "person")]
    seed = person["entity_id"].value_counts().index[0]
    data = chart_data(fixtures_result, ego=seed, depth=2)
    path = write_chart(data, tmp_path_factory.mktemp("records") / "ego.html", "Procedure chart")
    return seed, data, path


def test_click_opens_the_case_record(page, artifacts, procedure_chart):
    seed, data, path = procedure_chart
    opened = Opened(page, path)
    node = next(n for n in data["nodes"] if n["id"] == seed)
    record = next(p for p in node["provenance"] if p["source"] == "police_procedures")
    assert record["record_id"] and record["attributes"].get("offence")
    x, y = opened.node_point(seed)
    page.mouse.click(x, y)
    detail = page.locator("#detail")
    detail.wait_for(state="visible", timeout=5_000)
    text = page.locator("#detail-body").inner_text()
    assert node["label"] in text and seed in text
    assert record["record_id"] in text and record["attributes"]["offence"] in text
    assert page.locator(f"#detail-body .record[data-record-id='{record['record_id']}']").count() >= 1
    # the text is selectable (not a tooltip): select the record id with the mouse-free API and read it back
    selected = page.evaluate("""() => { const r = document.createRange();
        r.selectNodeContents(document.querySelector('#detail-body .record-id'));
        const s = window.getSelection(); s.removeAllRanges(); s.addRange(r); return s.toString(); }""")
    assert selected == page.locator("#detail-body .record-id").first.inner_text()
    page.screenshot(path=str(artifacts / "chart_detail_case_record.png"))
    opened.check_clean()


def test_search_by_procedure_number(page, procedure_chart):
    seed, data, path = procedure_chart
    opened = Opened(page, path)
    node = next(n for n in data["nodes"] if n["id"] == seed)
    number = next(p["record_id"] for p in node["provenance"] if p["source"] == "police_procedures")
    page.fill("#chart-search", number)
    page.press("#chart-search", "Enter")
    hits = page.evaluate("window.chartSearch")
    want = sorted(n["id"] for n in data["nodes"] if any(p["record_id"] == number for p in n["provenance"]))
    assert seed in hits and sorted(hits) == want
    opened.check_clean()


def test_brushing_the_time_bar_filters_the_chart(page, artifacts, procedure_chart):
    seed, data, path = procedure_chart
    opened = Opened(page, path)
    total = opened.stats()["visibleNodes"]
    assert total == len(data["nodes"]) and page.locator("#timeline-svg rect.bar").count() > 3
    box = page.locator("#timeline-svg svg").bounding_box()
    y = box["y"] + 30
    page.mouse.move(box["x"] + box["width"] * 0.55, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, y, steps=5)
    page.mouse.up()
    period = page.evaluate("[document.getElementById('date-from').value, document.getElementById('date-to').value]")
    assert period[0] and period[1] and period[0] <= period[1]
    want = {n["id"] for n in data["nodes"]
            if not ((n["last_seen"] or n["first_seen"]) and (n["last_seen"] or n["first_seen"])[:10] < period[0])
            and not (n["first_seen"] and n["first_seen"][:10] > period[1])}
    assert opened.stats()["visibleNodes"] == len(want) == opened.shown_nodes() < total
    assert set(page.evaluate("window.chartNetwork.body.data.nodes.getIds()")) == want
    assert page.locator("#timeline-svg rect.brush").count() == 1
    page.screenshot(path=str(artifacts / "chart_timeline_brushed.png"))
    # click a bar: its events listed; click an event: its row opens
    page.click("#timeline-clear")
    assert opened.stats()["visibleNodes"] == total
    bar = page.locator("#timeline-svg rect.bar").first
    bb = bar.bounding_box()
    page.mouse.click(bb["x"] + bb["width"] / 2, bb["y"] + bb["height"] - 1)
    page.locator("#detail-body button.event").first.click()
    assert page.locator("#detail").get_attribute("data-kind") == "event"
    assert "row" in page.locator("#detail-body .record").first.inner_text()
    opened.check_clean()


def test_save_print_and_reload_layout(page, artifacts, procedure_chart, tmp_path):
    seed, data, path = procedure_chart
    opened = Opened(page, path)
    x, y = opened.node_point(seed)
    page.mouse.click(x, y)
    page.fill("#note-text", "chef de réseau présumé")
    with page.expect_download() as png:
        page.click("#tool-png")
    png_path = tmp_path / "chart.png"
    png.value.save_as(png_path)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png_path.stat().st_size > 5000
    with page.expect_download() as saved:
        page.click("#tool-save")
    layout_path = tmp_path / "layout.json"
    saved.value.save_as(layout_path)
    layout = json.loads(layout_path.read_text(encoding="utf-8"))
    assert layout["format"] == "linkgraph-chart-layout" and layout["notes"] == {seed: "chef de réseau présumé"}
    assert set(layout["positions"]) == {n["id"] for n in data["nodes"]}
    # the page saved with its layout inside opens with the note and the moved node
    layout["positions"][seed] = [layout["positions"][seed][0] + 500, layout["positions"][seed][1]]
    with page.expect_download() as html:
        page.click("#tool-html")
    copy = tmp_path / "copy.html"
    html.value.save_as(copy)
    assert 'id="chart-layout">{' in copy.read_text(encoding="utf-8")
    # PDF: the print view (chart image + open record) through Chromium's PDF printer
    page.evaluate("window.__noPrintDialog = true")
    page.click("#tool-pdf")
    page.wait_for_function("() => !!document.getElementById('print-image') && document.getElementById('print-image').complete")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20000
    (artifacts / "chart_print.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    opened.check_clean()

    second = page.context.new_page()
    reopened = Opened(second, copy)
    assert reopened.page.evaluate(f"window.chartContext.notes[{json.dumps(seed)}]") == "chef de réseau présumé"
    # load the edited sidecar: the node moves
    layout_path.write_text(json.dumps(layout), encoding="utf-8")
    second.set_input_files("#tool-load", str(layout_path))
    second.wait_for_function("([id, x]) => Math.abs(window.chartNetwork.getPositions([id])[id].x - x) < 1",
                             arg=[seed, layout["positions"][seed][0]])
    second.screenshot(path=str(artifacts / "chart_layout_reloaded.png"))
    reopened.check_clean()
