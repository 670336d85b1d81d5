"""The explorer's JSON API over the bundled fixtures (plus one hostile source), through TestClient."""
from __future__ import annotations

import json
import re

import networkx as nx
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import linkgraph
from linkgraph.normalize import fold
from linkgraph.service import ExplorerState, create_app
from linkgraph.service.state import JUDGMENT_COLUMNS, JudgmentStore

from hostile import (  # noqa: E402  (tests/hostile.py, shared with the other explorer tests)
    HOSTILE_CITY, HOSTILE_COMPANY, HOSTILE_FIRST, HOSTILE_NAME, hostile_source,
)


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    mapping, data = hostile_source(tmp_path_factory.mktemp("hostile"))
    return [(m, None) for m in linkgraph.load_mappings()] + [(mapping, data)]


@pytest.fixture(scope="module")
def state(sources, tmp_path_factory) -> ExplorerState:
    return ExplorerState(tmp_path_factory.mktemp("explorer"), sources)


@pytest.fixture(scope="module")
def client(state) -> TestClient:
    return TestClient(create_app(state))


def _ok(response, status=200) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def _ids(hits: dict) -> list[str]:
    return [h["entity_id"] for h in hits["results"]]


def _raw(m: pd.Series) -> dict:
    return json.loads(m["raw"])


# ---------------------------------------------------------------------------------- search

def test_openapi_lists_the_endpoints(client):
    paths = _ok(client.get("/openapi.json"))["paths"]
    for p in ("/api/search", "/api/entities/{entity_id}", "/api/entities/{entity_id}/neighbours",
              "/api/entities/{entity_id}/timeline", "/api/path", "/api/targets", "/api/review", "/api/judgments",
              "/api/reresolve"):
        assert p in paths


def test_search_finds_a_person_by_a_name_typed_without_accents(client, state):
    m = state.result.mentions
    persons = m[(m["entity_type"] == "person") & m["raw"].notna()]
    accented = None
    for _, row in persons.iterrows():
        raw = _raw(row)
        last, first = raw.get("last_name") or "", raw.get("first_name") or ""
        if last and first and not (last + first).isascii():
            accented = row
            break
    assert accented is not None, "the fixtures hold accented names"
    raw = _raw(accented)
    query = fold(f"{raw['first_name']} {raw['last_name']}")
    assert query.isascii()
    hits = _ok(client.get("/api/search", params={"q": query}))
    assert accented["entity_id"] in _ids(hits)[:5]
    hit = next(h for h in hits["results"] if h["entity_id"] == accented["entity_id"])
    assert hit["entity_type"] == "person" and hit["score"] >= 90


def test_search_finds_a_phone_written_another_way(client, state):
    e = state.result.entities
    phone = e[(e["entity_type"] == "phone") & e["number"].str.startswith("+336", na=False)].iloc[0]
    national = "0" + phone["number"][3:]
    spaced = ".".join(national[i:i + 2] for i in range(0, 10, 2))          # 06.46.02.41.27
    for q, kind in ((spaced, "auto"), (spaced, "phone"), ("+33 " + national[1:], "auto")):
        hits = _ok(client.get("/api/search", params={"q": q, "kind": kind}))
        assert _ids(hits)[0] == phone["entity_id"]
        assert hits["results"][0]["match"] == "phone (exact)"


def test_search_finds_a_vehicle_by_plate(client, state):
    e = state.result.entities
    plate = e[(e["entity_type"] == "vehicle") & e["plate"].str.fullmatch(r"[A-Z]{2}-\d{3}-[A-Z]{2}", na=False)].iloc[0]
    q = plate["plate"].replace("-", "").lower()                              # ab123cd
    hits = _ok(client.get("/api/search", params={"q": q}))
    assert _ids(hits)[0] == plate["entity_id"]
    hits = _ok(client.get("/api/search", params={"q": plate["plate"].replace("-", " "), "kind": "plate"}))
    assert _ids(hits)[0] == plate["entity_id"]


def test_search_finds_a_company_by_siren_and_filters_by_type(client, state):
    e = state.result.entities
    company = e[(e["entity_type"] == "company") & e["siren"].notna()].iloc[0]
    s = company["siren"]
    hits = _ok(client.get("/api/search", params={"q": f"{s[:3]} {s[3:6]} {s[6:]}", "kind": "siren"}))
    assert _ids(hits)[0] == company["entity_id"]
    hits = _ok(client.get("/api/search", params={"q": company["label"], "type": "company"}))
    assert company["entity_id"] in _ids(hits)
    assert {h["entity_type"] for h in hits["results"]} == {"company"}


@pytest.mark.parametrize("params, needle", [
    ({}, "q is required"),
    ({"q": ""}, "q"),
    ({"q": "x" * 201}, "q"),
    ({"q": "dupont", "kind": "shoe-size"}, "kind"),
    ({"q": "dupont", "limit": 0}, "limit"),
    ({"q": "dupont", "type": "<script>"}, "type"),
])
def test_search_refuses_bad_input_with_a_clear_message(client, params, needle):
    body = _ok(client.get("/api/search", params=params), 422)
    assert needle in body["detail"]
    assert "<script>" not in json.dumps(body)


# ---------------------------------------------------------------------------------- entities

def _multi_agency_person(state) -> str:
    e = state.result.entities
    persons = e[e["entity_type"] == "person"].sort_values(["sources", "mentions", "entity_id"], ascending=[False, False, True])
    return persons["entity_id"].iloc[0]


def test_entity_detail_lists_mentions_with_provenance_and_why(client, state):
    eid = _multi_agency_person(state)
    body = _ok(client.get(f"/api/entities/{eid}"))
    assert body["entity"]["entity_id"] == eid and body["entity"]["entity_type"] == "person"
    expected = state.result.mentions.loc[state.result.mentions["entity_id"] == eid, "mention_id"]
    assert {m["mention_id"] for m in body["mentions"]} == set(expected) and body["mentions_total"] == len(expected)
    assert len({m["agency"] for m in body["mentions"]}) >= 2
    for m in body["mentions"]:
        assert m["agency"] and m["file"] and m["row"] >= 1 and m["source"] and m["classification"]
        assert isinstance(m["raw"], dict) and m["raw"]
        assert "/" not in m["file"]                                  # the file name, not the server's path
    assert body["why"], "a multi-mention entity has the links that hold it together"
    members = set(expected)
    for link in body["why"]:
        assert link["mention_a"] in members and link["mention_b"] in members
        assert link["origin"] in {"model", "identifier", "judgment"}
    model = [link for link in body["why"] if link["origin"] == "model"]
    if model:
        steps = model[0]["waterfall"]
        assert steps[0]["step"] in ("prior",) or steps[0]["step"].startswith("identifier")
        assert steps[-1]["step"] == "total"


def test_mention_and_explain_endpoints(client, state):
    c = state.snapshot.candidates
    pair = c[c["entity_type"] == "person"].iloc[0]
    m = _ok(client.get(f"/api/mentions/{pair['mention_a']}"))
    assert m["mention_id"] == pair["mention_a"] and m["agency"]
    w = _ok(client.get("/api/explain", params={"a": pair["mention_a"], "b": pair["mention_b"]}))
    assert w["steps"][-1]["step"] == "total"
    person = pair["mention_a"]
    phone = state.result.mentions.loc[state.result.mentions["entity_type"] == "phone", "mention_id"].iloc[0]
    assert "one entity type" in _ok(client.get("/api/explain", params={"a": person, "b": phone}), 422)["detail"]


def test_neighbours_with_filters(client, state):
    edges = state.edges
    busy = pd.concat([edges["from_entity"], edges["to_entity"]]).value_counts()
    eid = next(e for e in busy.index if e.startswith("P-"))
    body = _ok(client.get(f"/api/entities/{eid}/neighbours"))
    assert body["edges"] and body["edges_total"] == len(body["edges"])
    node_ids = {n["entity_id"] for n in body["nodes"]}
    for edge in body["edges"]:
        assert eid in (edge["from_entity"], edge["to_entity"])
        assert edge["neighbour"] in node_ids
        assert edge["type"] and edge["count"] >= 1 and edge["evidence"] and edge["agencies"]
        assert edge["first_seen"] is None or edge["first_seen"] <= edge["last_seen"]
    kind = body["edges"][0]["type"]
    only = _ok(client.get(f"/api/entities/{eid}/neighbours", params={"type": kind}))
    assert only["edges"] and {e["type"] for e in only["edges"]} == {kind}
    agency = body["edges"][0]["agencies"].split(";")[0]
    by_agency = _ok(client.get(f"/api/entities/{eid}/neighbours", params={"agency": agency}))
    assert by_agency["edges"] and all(agency in e["agencies"].split(";") for e in by_agency["edges"])
    dated = [e for e in body["edges"] if e["first_seen"]]
    day = dated[0]["first_seen"][:10]
    window = _ok(client.get(f"/api/entities/{eid}/neighbours", params={"since": day, "until": day}))
    assert window["edges"]
    for e in window["edges"]:
        assert e["first_seen"][:10] <= day <= e["last_seen"][:10] or e["last_seen"][:10] >= day
    assert not _ok(client.get(f"/api/entities/{eid}/neighbours", params={"until": "1900-01-01"}))["edges"]
    assert "since" in _ok(client.get(f"/api/entities/{eid}/neighbours", params={"since": "yesterday-ish"}), 422)["detail"]
    assert "after" in _ok(client.get(f"/api/entities/{eid}/neighbours",
                                     params={"since": "2023-01-02", "until": "2023-01-01"}), 422)["detail"]


def test_path_between_two_connected_people(client, state):
    graph = state.snapshot.graph
    a = _multi_agency_person(state)
    lengths = nx.single_source_shortest_path_length(graph, a, cutoff=4)
    b = sorted(n for n, d in lengths.items() if d >= 2 and n.startswith("P-"))[0]
    body = _ok(client.get("/api/path", params={"from": a, "to": b}))
    assert body["found"] and body["nodes"][0]["entity_id"] == a and body["nodes"][-1]["entity_id"] == b
    ids = [n["entity_id"] for n in body["nodes"]]
    assert body["hops"] == len(ids) - 1 == lengths[b]
    for u, v in zip(ids, ids[1:]):
        step = [e for e in body["edges"] if {e["from_entity"], e["to_entity"]} == {u, v}]
        assert step and all(e["evidence"] for e in step)
    via = _ok(client.get("/api/path", params={"from": a, "to": b, "via": ["person", "phone"]}))
    if via["found"]:
        assert all(n["entity_type"] in ("person", "phone") for n in via["nodes"])


def test_path_without_connection_and_with_unknown_ends(client, state):
    hostile = state.result.entity_of("hostile_tips:1:person")
    top = _multi_agency_person(state)
    body = _ok(client.get("/api/path", params={"from": hostile, "to": top}))
    assert body == {"found": False, "nodes": [], "edges": [], "hops": None}
    r = client.get("/api/path", params={"from": top, "to": "P-<script>alert(1)</script>"})
    assert r.status_code == 404 and "<script>" not in r.text
    assert "from is required" in _ok(client.get("/api/path", params={"to": top}), 422)["detail"]


def test_timeline_is_sorted_and_holds_mentions_and_relations(client, state):
    eid = _multi_agency_person(state)
    body = _ok(client.get(f"/api/entities/{eid}/timeline"))
    kinds = {e["kind"] for e in body["events"]}
    assert kinds == {"mention", "relation"}
    dated = [e["when"] for e in body["events"] if e["when"]]
    assert dated == sorted(dated)
    assert sum(e["kind"] == "mention" for e in body["events"]) == int((state.result.mentions["entity_id"] == eid).sum())
    rel = next(e for e in body["events"] if e["kind"] == "relation")
    assert rel["other"]["entity_id"] and re.fullmatch(r"[a-z_]+:\d+", rel["evidence"])


def test_top_targets_are_explained(client, state):
    body = _ok(client.get("/api/targets", params={"n": 5}))
    assert len(body["targets"]) == 5 and "human decision" in body["notice"]
    assert [t["rank"] for t in body["targets"]] == [1, 2, 3, 4, 5]
    scores = [t["score"] for t in body["targets"]]
    assert scores == sorted(scores, reverse=True)
    first = body["targets"][0]
    assert set(first["factors"]) >= {"network", "activity", "corroboration"}
    assert abs(sum(f["contribution"] for f in first["factors"].values()) - first["score"]) < 1e-4
    assert _ok(client.get("/api/targets", params={"n": 0}), 422)["detail"].startswith("n")


def test_review_queue_returns_doubtful_pairs(client):
    body = _ok(client.get("/api/review", params={"limit": 20}))
    assert body["pairs"] and body["total"] >= len(body["pairs"])
    for p in body["pairs"]:
        assert 0.3 <= p["probability"] <= 0.95
        assert p["a"]["entity_type"] == p["b"]["entity_type"] == p["entity_type"]
        assert p["a"]["agency"] and p["b"]["row"] and isinstance(p["a"]["raw"], dict)
        assert p["together"] == (p["a"]["entity_id"] == p["b"]["entity_id"])
    doubt = [abs(p["probability"] - 0.5) for p in body["pairs"]]
    assert doubt == sorted(doubt)
    narrow = _ok(client.get("/api/review", params={"low": 0.6, "high": 0.7, "type": "person"}))
    assert all(0.6 <= p["probability"] <= 0.7 and p["entity_type"] == "person" for p in narrow["pairs"])
    assert "low" in _ok(client.get("/api/review", params={"low": 0.9, "high": 0.2}), 422)["detail"]


# ---------------------------------------------------------------------------------- hostile data, errors

@pytest.mark.parametrize("path", [
    "/api/entities/<img src=x onerror=alert(1)>",
    "/api/entities/P-</script><script>alert(1)<%2Fscript>/neighbours",
    "/api/entities/\"><svg onload=alert(1)>/timeline",
    "/api/mentions/<img src=x onerror=alert(1)>",
])
def test_unknown_entity_is_a_404_that_does_not_echo_the_input(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["detail"].startswith("no such")
    assert "<" not in r.text and "alert" not in r.text


def test_unknown_entity_page_is_a_404_page_without_the_input(client):
    r = client.get("/entity/<img src=x onerror=alert(1)>")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "onerror" not in r.text and "alert" not in r.text


def test_hostile_names_come_back_as_plain_json_strings(client, state):
    eid = state.result.entity_of("hostile_tips:1:person")
    hits = _ok(client.get("/api/search", params={"q": "img src x onerror alert", "limit": 50}))
    assert eid in _ids(hits)
    body = _ok(client.get(f"/api/entities/{eid}"))
    raw = next(m["raw"] for m in body["mentions"] if m["mention_id"] == "hostile_tips:1:person")
    assert raw["last_name"] == HOSTILE_NAME and raw["first_name"] == HOSTILE_FIRST and raw["city"] == HOSTILE_CITY
    company = _ok(client.get("/api/search", params={"q": "123 456 782", "kind": "siren"}))["results"][0]
    assert company["entity_type"] == "company"
    assert company["entity_id"] == state.result.entity_of("hostile_tips:1:company")
    assert _ok(client.get(f"/api/entities/{company['entity_id']}"))["mentions"][0]["raw"]["name"] == HOSTILE_COMPANY


@pytest.mark.parametrize("path", ["/", "/chart", "/targets", "/review", "/entity/{eid}"])
def test_pages_are_shells_with_a_strict_policy_and_no_inline_script(client, state, path):
    r = client.get(path.format(eid=_multi_agency_person(state)))
    assert r.status_code == 200
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert re.findall(r"<script(?![^>]*\bsrc=)", r.text) == []            # no inline script
    assert not re.search(r"\son\w+\s*=", r.text)                            # no inline handlers
    js = client.get("/static/explorer.js").text
    assert not re.search(r"\.(inner|outer)HTML\s*[+]?=|insertAdjacentHTML|document\.write|\beval\(|new Function", js)


def test_static_route_serves_only_its_files(client):
    assert client.get("/static/vis-network.min.js").status_code == 200
    assert client.get("/static/explorer.js").headers["content-type"].startswith("text/javascript")
    for bad in ("/static/..%2Fstate.py", "/static/state.py", "/static/%2e%2e%2f%2e%2e%2fpyproject.toml"):
        assert client.get(bad).status_code == 404


# ---------------------------------------------------------------------------------- judgments

def _pair(client, together: bool) -> dict:
    pairs = _ok(client.get("/api/review", params={"type": "person", "limit": 500}))["pairs"]
    return next(p for p in pairs if p["together"] is together)


@pytest.mark.parametrize("payload, status, needle", [
    ({"verdict": "same"}, 422, "case_number is required"),
    ({"verdict": "same", "case_number": ""}, 422, "case_number"),
    ({"verdict": "same", "case_number": "   "}, 422, "case_number"),
    ({"verdict": "maybe", "case_number": "PV 2023/145"}, 422, "verdict"),
    ({"verdict": "same", "case_number": "<script>alert(1)</script>"}, 422, "case_number may hold"),
    ({"verdict": "same", "case_number": "PV 1", "extra": 1}, 422, "extra is not an accepted field"),
])
def test_bad_judgments_are_refused_clearly(client, payload, status, needle):
    pair = _pair(client, together=False)
    body = {"mention_a": pair["a"]["mention_id"], "mention_b": pair["b"]["mention_id"], **payload}
    out = _ok(client.post("/api/judgments", json=body), status)
    assert needle in out["detail"]
    assert "<script>" not in json.dumps(out)


def test_judgment_on_unknown_or_mixed_mentions(client, state):
    pair = _pair(client, together=False)
    a = pair["a"]["mention_id"]
    r = client.post("/api/judgments", json={"mention_a": a, "mention_b": "<img src=x onerror=alert(1)>",
                                            "verdict": "same", "case_number": "PV 1"})
    assert r.status_code == 404 and "<img" not in r.text
    r = client.post("/api/judgments", json={"mention_a": a, "mention_b": a, "verdict": "same", "case_number": "PV 1"})
    assert r.status_code == 422 and "two different mentions" in r.json()["detail"]
    phone = state.result.mentions.loc[state.result.mentions["entity_type"] == "phone", "mention_id"].iloc[0]
    r = client.post("/api/judgments", json={"mention_a": a, "mention_b": phone, "verdict": "different", "case_number": "PV 1"})
    assert r.status_code == 422 and "same entity type" in r.json()["detail"]
    r = client.post("/api/judgments", content="mention_a=x", headers={"content-type": "text/plain"})
    assert r.status_code == 422
    r = client.post("/api/judgments", json={"mention_a": a, "mention_b": pair["b"]["mention_id"], "verdict": "same",
                                            "case_number": "PV 1"}, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert not (state.folder / "judgments.csv").exists() or "PV 1" not in (state.folder / "judgments.csv").read_text()


def test_judgments_persist_and_the_next_resolution_honours_them(state, sources, tmp_path):
    """'different' splits two mentions that were together; 'same' joins two that were apart."""
    local = ExplorerState(tmp_path / "cell", sources, result=state.result)   # same resolution, own judgments file
    client = TestClient(create_app(local))
    apart, together = _pair(client, together=False), _pair(client, together=True)
    a1, b1 = together["a"]["mention_id"], together["b"]["mention_id"]
    a2, b2 = apart["a"]["mention_id"], apart["b"]["mention_id"]
    assert local.result.entity_of(a1) == local.result.entity_of(b1)
    assert local.result.entity_of(a2) != local.result.entity_of(b2)

    r1 = _ok(client.post("/api/judgments", json={"mention_a": a1, "mention_b": b1, "verdict": "different",
                                                 "case_number": "PV 2023/00145", "analyst": "cross-13",
                                                 "justification": "=HYPERLINK(\"x\") different dates of birth"}), 201)
    assert r1["saved"]["verdict"] == "different" and r1["applied"] is False and r1["currently_together"] is True
    _ok(client.post("/api/judgments", json={"mention_a": a2, "mention_b": b2, "verdict": "same",
                                            "case_number": "PV 2023/00146", "analyst": "cross-13"}), 201)

    path = tmp_path / "cell" / "judgments.csv"
    stored = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(stored.columns) == JUDGMENT_COLUMNS and len(stored) == 2
    assert stored.iloc[0][["mention_a", "mention_b", "verdict", "case_number"]].tolist() == [a1, b1, "different", "PV 2023/00145"]
    assert stored.iloc[0]["justification"].startswith("'=")               # a spreadsheet will not run it
    assert stored.iloc[1]["verdict"] == "same" and stored.iloc[1]["at"]
    assert not list(path.parent.glob(".judgments.csv.*"))                  # no temporary file left behind
    assert len(_ok(client.get("/api/judgments"))["judgments"]) == 2

    queued = {(p["a"]["mention_id"], p["b"]["mention_id"])
              for p in _ok(client.get("/api/review", params={"limit": 500}))["pairs"]}
    assert (a1, b1) not in queued and (a2, b2) not in queued               # judged pairs leave the queue

    summary = _ok(client.post("/api/reresolve"))
    assert summary["version"] == 2 and summary["judgments"] == 2 and summary["mentions_changed"] >= 1
    result = local.result
    assert result.entity_of(a1) != result.entity_of(b1)
    assert result.entity_of(a2) == result.entity_of(b2)
    assert _ok(client.get("/api/status"))["version"] == 2
    why = _ok(client.get(f"/api/entities/{result.entity_of(a2)}"))["why"]
    assert any(link["origin"] == "judgment" for link in why)

    # a fresh store on the same folder reads them back (latest verdict per pair wins)
    store = JudgmentStore(path)
    store.add(b1, a1, "same", case_number="PV 2023/00147")
    effective = store.effective()
    assert len(effective) == 2
    assert effective.set_index("mention_a").loc[b1, "verdict"] == "same"


def test_judgment_store_refuses_incomplete_verdicts(tmp_path):
    store = JudgmentStore(tmp_path / "judgments.csv")
    with pytest.raises(ValueError, match="case_number"):
        store.add("a", "b", "same", case_number=" ")
    with pytest.raises(ValueError, match="verdict"):
        store.add("a", "b", "perhaps", case_number="PV 1")
    assert not (tmp_path / "judgments.csv").exists()


# ---------------------------------------------------------------------------------- serving

def test_loopback_host_check_refuses_foreign_host_headers(state):
    from linkgraph.service.app import loopback_hosts

    local = TestClient(create_app(state, allowed_hosts=loopback_hosts()), base_url="http://127.0.0.1:8765")
    assert local.get("/api/status").status_code == 200
    assert local.get("/api/status", headers={"host": "rebind.evil.example"}).status_code == 400


def test_run_serves_on_loopback_by_default(state, monkeypatch):
    import inspect

    import uvicorn

    from linkgraph.service import app as service_app

    assert inspect.signature(service_app.run).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(service_app.run).parameters["port"].default == 8765
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    service_app.run(state=state, port=9999)
    assert seen["host"] == "127.0.0.1" and seen["port"] == 9999
    client = TestClient(seen["app"], base_url="http://localhost:9999")
    assert client.get("/api/status").status_code == 200
    assert client.get("/api/status", headers={"host": "evil.example"}).status_code == 400
