"""The explorer in real Chromium: search, chart expansion, path, review, hostile names.

A uvicorn server runs the explorer on 127.0.0.1 (free port) in a background thread for the
module, over the bundled fixtures plus one source whose names are HTML/JS payloads.
Screenshots of each page are kept in ``out/test-artifacts``.
"""
from __future__ import annotations

import socket
import threading
import time

import networkx as nx
import pandas as pd
import pytest

import linkgraph
from linkgraph.normalize import fold
from linkgraph.service import ExplorerState, create_app
from linkgraph.service.app import loopback_hosts

from hostile import (  # noqa: E402  (tests/hostile.py, shared with the other explorer tests)
    HOSTILE_CITY, HOSTILE_COMPANY, HOSTILE_FIRST, HOSTILE_NAME, hostile_source,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    """(base url, state): the explorer served by uvicorn in a background thread."""
    import uvicorn

    mapping, data = hostile_source(tmp_path_factory.mktemp("hostile"))
    sources = [(m, None) for m in linkgraph.load_mappings()] + [(mapping, data)]
    state = ExplorerState(tmp_path_factory.mktemp("explorer"), sources)
    port = free_port()
    app = create_app(state, allowed_hosts=loopback_hosts())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the explorer did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", state
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def watched(page):
    """The page, with every dialog and every console error / CSP report recorded."""
    page.dialogs = []
    page.errors = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def ready(page, timeout=20000):
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=timeout)


def _person_with_accent(state) -> tuple[str, str]:
    import json

    m = state.result.mentions
    for _, row in m[(m["entity_type"] == "person") & m["raw"].notna()].iterrows():
        raw = json.loads(row["raw"])
        last, first = raw.get("last_name") or "", raw.get("first_name") or ""
        if last and first and not (last + first).isascii() and "<" not in last:
            return row["entity_id"], fold(f"{first} {last}")
    raise AssertionError("no accented name in the fixtures")


def _busy_person(state) -> str:
    e = state.result.entities
    persons = e[e["entity_type"] == "person"].sort_values(["sources", "mentions", "entity_id"], ascending=[False, False, True])
    return persons["entity_id"].iloc[0]


def test_search_finds_an_entity(explorer, watched, artifacts):
    base, state = explorer
    eid, query = _person_with_accent(state)
    watched.goto(base + "/")
    watched.fill("#q", query)
    watched.click("#search-form button[type=submit]")
    watched.wait_for_selector(f"#results li[data-entity='{eid}']", timeout=10000)
    link = watched.locator(f"#results li[data-entity='{eid}'] a.entity-link")
    assert link.get_attribute("href") == f"/entity/{eid}"
    watched.screenshot(path=str(artifacts / "explorer-search.png"), full_page=True)
    link.click()
    ready(watched)
    assert watched.locator("#mentions tbody tr").count() == int((state.result.mentions["entity_id"] == eid).sum())
    assert watched.locator("#entity-summary").inner_text().startswith("person")
    watched.screenshot(path=str(artifacts / "explorer-entity.png"), full_page=True)
    assert not watched.dialogs and not watched.errors


def test_entity_page_shows_provenance_why_links_and_timeline(explorer, watched, artifacts):
    base, state = explorer
    eid = _busy_person(state)
    watched.goto(f"{base}/entity/{eid}")
    ready(watched)
    rows = watched.locator("#mentions tbody tr")
    assert rows.count() >= 2
    assert watched.locator("#why li").count() >= 1
    assert watched.locator("#neighbours tbody tr").count() >= 1
    assert watched.locator("#timeline tbody tr").count() >= 2
    first_type = watched.locator("#f-type option").nth(1).get_attribute("value")
    watched.select_option("#f-type", first_type)
    watched.click("#neighbour-filters button[type=submit]")
    watched.wait_for_function(
        "t => [...document.querySelectorAll('#neighbours tbody tr td:first-child')].every(td => td.textContent === t)",
        arg=first_type)
    watched.screenshot(path=str(artifacts / "explorer-entity-links.png"), full_page=True)
    assert not watched.dialogs and not watched.errors


def _node_point(page, node_id: str) -> dict:
    return page.evaluate("""id => {
        const net = window.lgChart.network;
        const pos = net.getPositions([id])[id];
        const dom = net.canvasToDOM(pos);
        const box = document.getElementById('network').getBoundingClientRect();
        return {x: box.left + dom.x, y: box.top + dom.y};
    }""", node_id)


def test_clicking_a_chart_node_adds_its_neighbours(explorer, watched, artifacts):
    base, state = explorer
    focus = _busy_person(state)
    graph = state.snapshot.graph
    around = set(graph.neighbors(focus)) | {focus}
    # the neighbour that brings the most new entities (and few enough to keep the chart readable)
    target = max(sorted(graph.neighbors(focus)), key=lambda n: min(len(set(graph.neighbors(n)) - around), 30))
    assert set(graph.neighbors(target)) - around
    watched.goto(f"{base}/chart?focus={focus}")
    ready(watched)
    watched.wait_for_function("id => window.lgChart.nodes.get(id) !== null", arg=target)
    before = watched.evaluate("window.lgChart.nodes.length")
    assert before == int(watched.locator("#node-count").inner_text())
    point = _node_point(watched, target)
    watched.mouse.click(point["x"], point["y"])
    watched.wait_for_function("n => window.lgChart.nodes.length > n", arg=before, timeout=10000)
    after = watched.evaluate("window.lgChart.nodes.length")
    assert after > before
    watched.wait_for_function("n => document.getElementById('node-count').textContent === String(n)", arg=after)
    assert target in watched.locator("#selection").inner_text()
    watched.screenshot(path=str(artifacts / "explorer-chart-expanded.png"), full_page=True)
    assert not watched.dialogs and not watched.errors


def test_path_query_draws_and_lists_the_path(explorer, watched, artifacts):
    base, state = explorer
    a = _busy_person(state)
    types = state.result.entities.set_index("entity_id")["entity_type"]
    view = nx.subgraph_view(state.snapshot.graph, filter_node=lambda n: types.get(n) != "place")
    lengths = nx.single_source_shortest_path_length(view, a, cutoff=4)
    b = sorted(n for n, d in lengths.items() if d >= 3 and n.startswith("P-"))[0]
    watched.goto(f"{base}/chart?focus={a}")
    ready(watched)
    watched.fill("#path-from", a)
    watched.fill("#path-to", b)
    watched.click("#path-form button[type=submit]")
    watched.wait_for_selector("#path-list li", timeout=10000)
    items = watched.locator("#path-list li.path-node")
    assert items.count() == lengths[b] + 1
    assert items.first.get_attribute("data-entity") == a and items.last.get_attribute("data-entity") == b
    listed = [items.nth(i).get_attribute("data-entity") for i in range(items.count())]
    rings = watched.evaluate("ids => ids.map(id => window.lgChart.ring(id))", listed)
    assert rings == ["#d62828"] * len(listed)                              # every path node highlighted
    assert "hop" in watched.locator("#status").inner_text()
    watched.screenshot(path=str(artifacts / "explorer-path.png"), full_page=True)
    assert not watched.dialogs and not watched.errors


def test_targets_page_lists_ranked_people(explorer, watched, artifacts):
    base, state = explorer
    watched.goto(base + "/targets")
    ready(watched)
    rows = watched.locator("#targets tbody tr.target")
    assert rows.count() == 20
    assert rows.first.get_attribute("data-entity") == state.scores.persons["entity_id"].iloc[0]
    assert "human decision" in watched.locator("#notice").inner_text()
    watched.screenshot(path=str(artifacts / "explorer-targets.png"), full_page=True)
    assert not watched.dialogs and not watched.errors


def test_a_review_decision_is_saved(explorer, watched, artifacts):
    base, state = explorer
    path = state.folder / "judgments.csv"
    watched.goto(base + "/review")
    ready(watched)
    pair = watched.locator("article.pair").first
    a, b = pair.get_attribute("data-a"), pair.get_attribute("data-b")
    pair.locator("button.reject").click()                                 # no case number yet: refused
    watched.wait_for_function("el => el.textContent.includes('case number')",
                              arg=pair.locator(".result").element_handle())
    assert not path.exists()
    watched.fill("#case-number", "PV 2024/00321")
    watched.fill("#analyst", "cross-13")
    watched.fill("#justification", "dates de naissance différentes")
    pair.locator("button.reject").click()
    watched.wait_for_selector("article.pair[data-verdict='different'] .result.saved", timeout=10000)
    stored = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert stored[["mention_a", "mention_b", "verdict", "case_number", "analyst"]].values.tolist() == [
        [a, b, "different", "PV 2024/00321", "cross-13"]]
    assert stored["justification"].iloc[0] == "dates de naissance différentes"
    second = watched.locator("article.pair").nth(1)
    second.locator("details.explain summary").click()
    second.locator("details.explain table.waterfall").wait_for(timeout=10000)
    watched.screenshot(path=str(artifacts / "explorer-review.png"), full_page=True)
    assert not watched.dialogs and not watched.errors


def _assert_inert(page):
    assert page.dialogs == [], page.dialogs
    assert page.evaluate("typeof window.__canary") == "undefined"
    assert page.locator("img[src='x'], svg[onload], script:not([src])").count() == 0
    assert page.evaluate("[...document.querySelectorAll('a')].every(a => !a.href.startsWith('javascript:'))")


def test_hostile_names_trigger_nothing(explorer, watched, artifacts):
    base, state = explorer
    person = state.result.entity_of("hostile_tips:1:person")
    company = state.result.entity_of("hostile_tips:1:company")

    watched.goto(f"{base}/entity/{person}")
    ready(watched)
    text = watched.locator("#mentions").inner_text()
    assert HOSTILE_NAME in text and HOSTILE_FIRST in text and HOSTILE_CITY in text   # shown, as text
    _assert_inert(watched)
    watched.screenshot(path=str(artifacts / "explorer-hostile-entity.png"), full_page=True)

    watched.goto(f"{base}/entity/{company}")
    ready(watched)
    assert HOSTILE_COMPANY in watched.locator("#mentions").inner_text()
    _assert_inert(watched)

    watched.goto(base + "/?q=" + "img src x onerror alert")
    watched.wait_for_selector(f"#results li[data-entity='{person}']", timeout=10000)
    _assert_inert(watched)
    watched.screenshot(path=str(artifacts / "explorer-hostile-search.png"), full_page=True)

    watched.goto(f"{base}/chart?focus={person}")
    ready(watched)
    watched.wait_for_function("window.lgChart.nodes.length >= 3")
    point = _node_point(watched, person)
    watched.mouse.click(point["x"], point["y"])
    watched.wait_for_function("id => document.getElementById('selection').textContent.includes(id)", arg=person)
    _assert_inert(watched)
    watched.screenshot(path=str(artifacts / "explorer-hostile-chart.png"), full_page=True)

    # the fixtures' own hostile free text and the 404 page for a hostile id
    watched.goto(base + "/entity/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert "Not found" in watched.locator("h1").inner_text()
    _assert_inert(watched)
    watched.goto(base + "/review")
    ready(watched)
    _assert_inert(watched)
    csp = [e for e in watched.errors if "Content Security Policy" in e]
    assert not csp, csp


def test_workspace_session_in_chromium_shows_only_what_the_user_may_see(tmp_path, watched, artifacts):
    """`linkgraph serve --workspace` as user ax: the printed address signs the page in (the token in its
    fragment, kept by the page's script and sent as a header, never a cookie), search and entity pages
    work, hidden agencies' markers appear nowhere, a request without the token is refused."""
    import uvicorn

    from access_world import build_world
    from linkgraph.service.session import Session
    from linkgraph.service.workspace_state import WorkspaceState
    from linkgraph.store.workspace import Workspace

    world = build_world(tmp_path / "w")
    session = Session.open(world.path, "ax", "PV-2024-0042", users=world.users_file, token=True)
    state = WorkspaceState(Workspace.open(world.path), session.user)
    port = free_port()
    app = create_app(state, allowed_hosts=loopback_hosts(), session=session)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the explorer did not start"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        refused = watched.request.get(base + "/api/status")
        assert refused.status == 401
        watched.goto(f"{base}/#token={session.token}")
        assert watched.url == base + "/"  # the script took the token out of the address
        assert not watched.context.cookies()  # nothing another local service could receive
        watched.fill("#q", "Dupontel")
        watched.click("#search-form button[type=submit]")
        watched.wait_for_selector("#results li[data-entity]", timeout=10000)
        watched.locator("#results li[data-entity] a.entity-link").first.click()
        ready(watched)
        assert watched.locator("#mentions tbody tr").count() == 1
        text = watched.content().lower()
        for marker in world.hidden_markers("ax"):
            assert marker.lower() not in text, marker
        watched.screenshot(path=str(artifacts / "explorer-workspace-session.png"), full_page=True)
        assert not watched.dialogs
    finally:
        server.should_exit = True
        thread.join(timeout=10)
