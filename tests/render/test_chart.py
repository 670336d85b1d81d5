"""Link charts without a browser: subgraph selections, self-contained HTML, escaping of hostile data."""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from types import SimpleNamespace

import networkx as nx
import pandas as pd
import pytest

import linkgraph
from linkgraph.graph.build import entity_graph
from linkgraph.graph.edges import edge_table
from linkgraph.render import chart_data, layout_positions, render_chart, write_chart
from linkgraph.render.chart import chart_json, vis_network_js
from linkgraph.render.synthetic import synthetic_chart_data

IMG = "<img src=x onerror=alert(1)>"
SCRIPT_TITLE = 'Zoé </script><script>window.pwned=1</script> <a href="javascript:window.pwned=1">href</a>'
FORMULA = '=HYPERLINK("http://evil.example/x","clic")'
HOSTILE_TITLE = '<img src=x onerror=alert(1)></title><script>window.pwned=1</script> href="x"'


def _relation(frm, to, type_, row, agency="police", date="2023-01-01", source="police_pv"):
    return {"from_mention": f"{source}:{row}:a", "to_mention": f"{source}:{row}:b", "from_entity": frm,
            "to_entity": to, "source": source, "agency": agency, "classification": "restricted",
            "file": f"/data/{source}.csv", "row": row, "date": date, "type": type_}


def small_resolution() -> SimpleNamespace:
    """P-a – T-1 – T-2 – P-b – V-1 – P-c, V-1 – L-1; P-d alone. Hostile labels on P-a, P-b, P-c."""
    entities = pd.DataFrame([
        {"entity_id": "P-a", "entity_type": "person", "label": IMG, "agencies": "police", "mentions": 1,
         "first_seen": "2023-01-01", "last_seen": "2023-01-01", "dob": "1990-04-03"},
        {"entity_id": "P-b", "entity_type": "person", "label": SCRIPT_TITLE, "agencies": "douane;police",
         "mentions": 2, "first_seen": "2021-05-02", "last_seen": "2023-02-01"},
        {"entity_id": "P-c", "entity_type": "person", "label": FORMULA, "agencies": "gendarmerie", "mentions": 1,
         "first_seen": "2019-03-01", "last_seen": "2019-03-01"},
        {"entity_id": "P-d", "entity_type": "person", "label": "Léa\u2028DURAND", "agencies": "police",
         "mentions": 1, "first_seen": "2022-01-01", "last_seen": "2022-01-01"},
        {"entity_id": "T-1", "entity_type": "phone", "label": "+33611223344", "agencies": "police", "mentions": 2,
         "first_seen": "2023-01-01", "last_seen": "2023-01-03", "number": "+33611223344"},
        {"entity_id": "T-2", "entity_type": "phone", "label": "+33699887766", "agencies": "police", "mentions": 2,
         "first_seen": "2023-01-02", "last_seen": "2023-01-03"},
        {"entity_id": "V-1", "entity_type": "vehicle", "label": "AB-123-CD", "agencies": "douane;gendarmerie",
         "mentions": 2, "first_seen": "2019-03-01", "last_seen": "2021-05-02", "plate": "AB123CD"},
        {"entity_id": "L-1", "entity_type": "place", "label": "A7 PÉAGE", "agencies": "lapi", "mentions": 1,
         "first_seen": "2021-05-03", "last_seen": "2021-05-03"},
    ])
    relations = pd.DataFrame([
        _relation("P-a", "T-1", "uses", 1),
        _relation("P-b", "T-2", "uses", 2),
        _relation("T-1", "T-2", "called", 3, date="2023-01-02"),
        _relation("T-1", "T-2", "called", 4, date="2023-01-03"),
        _relation("T-1", "T-2", "called", 5, date="2023-01-03"),
        _relation("P-b", "V-1", "drives", 6, agency="douane", date="2021-05-02", source="douane_saisies"),
        _relation("P-c", "V-1", "drives", 7, agency="gendarmerie", date="2019-03-01", source="gendarmerie"),
        _relation("V-1", "L-1", "seen_at", 8, agency="lapi", date="2021-05-03", source="lapi"),
    ])
    mentions = pd.DataFrame([
        {"mention_id": f"police_pv:{i}:x", "entity_id": e, "agency": "police", "source": "police_pv",
         "file": "/data/police_pv.csv", "row": i, "date": f"2023-01-0{1 + i % 3}"}
        for i, e in enumerate(["P-a", "P-b", "P-b", "T-1", "T-1", "T-2", "T-2", "P-d"], start=1)
    ])
    return SimpleNamespace(entities=entities, relations=relations, mentions=mentions)


def ids(data: dict) -> set[str]:
    return {n["id"] for n in data["nodes"]}


# ---------------------------------------------------------------- subgraph selections

def test_whole_graph_and_fields():
    data = chart_data(small_resolution())
    assert ids(data) == {"P-a", "P-b", "P-c", "P-d", "T-1", "T-2", "V-1", "L-1"}
    assert len(data["edges"]) == 6
    call = next(e for e in data["edges"] if e["type"] == "called")
    assert (call["from"], call["to"], call["count"]) == ("T-1", "T-2", 3)
    assert call["evidence"] == ["police_pv:3", "police_pv:4", "police_pv:5"] and call["evidence_total"] == 3
    assert (call["first_seen"], call["last_seen"], call["agencies"]) == ("2023-01-02", "2023-01-03", ["police"])
    node = {n["id"]: n for n in data["nodes"]}
    assert node["P-b"]["agencies"] == ["douane", "police"] and node["P-b"]["mentions"] == 2
    assert node["P-a"]["attributes"] == {"dob": "1990-04-03"}
    assert node["V-1"]["attributes"] == {"plate": "AB123CD"}
    prov = node["T-1"]["provenance"]
    assert node["T-1"]["provenance_total"] == 2
    assert prov[0] == {"agency": "police", "source": "police_pv", "file": "police_pv.csv", "row": 4, "date": "2023-01-02",
                       "record_id": None, "attributes": {}}  # the toy resolution has no rows table
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])
    assert data["meta"]["counts"] == {"nodes": 8, "edges": 6}
    assert data["meta"]["types"] == {"person": 4, "phone": 2, "place": 1, "vehicle": 1}
    assert data["meta"]["date_min"] == "2019-03-01" and data["meta"]["date_max"] == "2023-02-01"
    json.dumps(data, allow_nan=False)


def test_ego_depth():
    res = small_resolution()
    assert ids(chart_data(res, ego="P-a", depth=1)) == {"P-a", "T-1"}
    assert ids(chart_data(res, ego="P-a", depth=2)) == {"P-a", "T-1", "T-2"}
    assert ids(chart_data(res, ego="V-1", depth=1)) == {"V-1", "P-b", "P-c", "L-1"}
    assert ids(chart_data(res, ego="P-d", depth=3)) == {"P-d"}
    one = chart_data(res, ego="P-a", depth=2)
    assert {(e["from"], e["to"]) for e in one["edges"]} == {("P-a", "T-1"), ("T-1", "T-2")}
    with pytest.raises(ValueError, match="unknown entity"):
        chart_data(res, ego="P-zz")


def test_path():
    data = chart_data(small_resolution(), path=("P-a", "P-c"))
    assert data["meta"]["path"] == ["P-a", "T-1", "T-2", "P-b", "V-1", "P-c"]
    assert ids(data) == set(data["meta"]["path"])
    assert all(e["on_path"] for e in data["edges"]) and len(data["edges"]) == 5
    assert all(n["on_path"] for n in data["nodes"])
    with pytest.raises(ValueError, match="no chain"):
        chart_data(small_resolution(), path=("P-a", "P-d"))


def test_top_and_explicit_ids_and_community():
    res = small_resolution()
    scores = {"P-c": 0.9, "P-a": 0.5, "P-b": 0.1}
    top = chart_data(res, top=1, depth=0, scores=scores)
    assert ids(top) == {"P-c"} and top["nodes"][0]["score"] == 0.9 and top["nodes"][0]["rank"] == 1
    assert ids(chart_data(res, top=1, depth=1, scores=scores)) == {"P-c", "V-1"}
    assert ids(chart_data(res, top=2, depth=1, scores=pd.DataFrame({"entity_id": list(scores), "score": list(scores.values())}))) \
        == {"P-c", "V-1", "P-a", "T-1"}
    chosen = chart_data(res, ["P-a", "T-1", "P-d"])
    assert ids(chosen) == {"P-a", "T-1", "P-d"} and [(e["from"], e["to"]) for e in chosen["edges"]] == [("P-a", "T-1")]
    assert ids(chart_data(res, community=["P-a", "P-b"], depth=1)) == {"P-a", "P-b", "T-1", "T-2", "V-1"}
    # several selections: their union
    assert ids(chart_data(res, ["P-d"], ego="P-a", depth=1)) == {"P-a", "T-1", "P-d"}


def test_evidence_is_capped():
    res = small_resolution()
    many = pd.DataFrame([_relation("T-1", "T-2", "called", 100 + i) for i in range(45)])
    res.relations = pd.concat([res.relations, many], ignore_index=True)
    call = next(e for e in chart_data(res, max_evidence=20)["edges"] if e["type"] == "called")
    assert len(call["evidence"]) == 20 and call["evidence_total"] == 48 and call["count"] == 48


@pytest.fixture(scope="module")
def fixtures():
    result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])
    from linkgraph.scoring.score import score

    return result, score(result)


def test_selections_on_fixtures(fixtures):
    result, scores = fixtures
    edges = edge_table(result.relations)
    graph = entity_graph(None, edges).to_undirected(as_view=False)
    head = scores.persons["entity_id"].iloc[0]
    ego = chart_data(result, ego=head, depth=2, scores=scores)
    assert ids(ego) == set(nx.ego_graph(graph, head, radius=2).nodes)
    by_id = {n["id"]: n for n in ego["nodes"]}
    assert by_id[head]["score"] == pytest.approx(float(scores.persons["score"].iloc[0])) and by_id[head]["rank"] == 1
    assert by_id[head]["provenance"] and all(p["agency"] and p["file"] for p in by_id[head]["provenance"])
    want_edges = edges[edges["from_entity"].isin(ids(ego)) & edges["to_entity"].isin(ids(ego))]
    assert len(ego["edges"]) == len(want_edges)

    top = chart_data(result, top=5, depth=0, scores=scores)
    assert ids(top) == set(scores.persons["entity_id"].head(5))

    far = next(n for n in nx.ego_graph(graph, head, radius=3).nodes if nx.shortest_path_length(graph, head, n) == 3)
    path = chart_data(result, path=(head, far))
    assert len(path["meta"]["path"]) == 4 and path["meta"]["path"][0] == head and path["meta"]["path"][-1] == far
    steps = {frozenset(p) for p in zip(path["meta"]["path"], path["meta"]["path"][1:])}
    assert {frozenset((e["from"], e["to"])) for e in path["edges"] if e["on_path"]} == steps

    org = scores.organisations.iloc[0]
    community = chart_data(result, community=org["organisation"], depth=0, scores=scores)
    assert set(org["top_members"].split(";")) <= ids(community)
    assert len(ids(community)) == org["members"]


# ---------------------------------------------------------------- the HTML page

def scripts(page: str) -> list[tuple[str, str]]:
    """(attributes, content) of every <script> element."""
    return re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)


def without_library(page: str) -> str:
    return page.replace(vis_network_js(), "")


def test_page_is_self_contained():
    page = render_chart(chart_data(small_resolution()), "Chart")
    assert not re.search(r"""(?:src|href|action|data|poster)\s*=\s*["']?\s*(?:https?:)?//""", page, flags=re.I)
    assert not re.search(r"<(?:link|iframe|object|embed|img|base)\b", page, flags=re.I)
    assert "@import" not in page and "url(http" not in page
    # the only scripts: the JSON data, vocabulary and saved layout, the inlined vis-network and the
    # page script, none with src
    found = scripts(page)
    assert [a.strip() for a, _ in found] == ['type="application/json" id="chart-data"',
                                             'type="application/json" id="chart-vocabulary"',
                                             'type="application/json" id="chart-layout"', "", ""]
    assert found[3][1] == vis_network_js() and "vis-network" in found[3][1][:200]
    head = page[:page.index("</head>")]
    assert head.index("Content-Security-Policy") < head.index("<style>") and "<script" not in head
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1))
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp and "unsafe-eval" not in csp
    script_src = re.search(r"script-src ([^;]*)", csp).group(1).split()
    hashes = ["'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
              for _, body in found[3:]]
    assert script_src == hashes  # no 'unsafe-inline': only these two scripts may run


def test_data_json_round_trips():
    data = chart_data(small_resolution())
    page = render_chart(data, "Chart")
    body = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, flags=re.S).group(1)
    assert json.loads(body) == json.loads(json.dumps(data))
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in body
    labels = {n["id"]: n["label"] for n in json.loads(body)["nodes"]}
    assert labels["P-a"] == IMG and labels["P-b"] == SCRIPT_TITLE and labels["P-c"] == FORMULA
    assert labels["P-d"] == "Léa\u2028DURAND"
    assert chart_json({"a": "</script>&\u2029"}) == '{"a":"\\u003c/script\\u003e\\u0026\\u2029"}'


def test_hostile_strings_only_escaped():
    page = render_chart(chart_data(small_resolution()), HOSTILE_TITLE)
    rest = without_library(page)
    assert "<img" not in rest.lower()
    assert rest.lower().count("<script") == 5 and rest.lower().count("</script") == 5
    escaped = html.escape(HOSTILE_TITLE, quote=True)
    # the payloads appear only inside the JSON block and the escaped heading
    outside = re.sub(r'(id="chart-data">).*?(</script>)', r"\1\2", rest, flags=re.S).replace(escaped, "")
    assert "pwned" not in outside and "javascript:" not in outside and "onerror" not in outside
    assert f"<title>{escaped}</title>" in page and f"<h1>{escaped}</h1>" in page
    # the data JSON holds the hostile strings, escaped
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    assert "\\u003c/script\\u003e\\u003cscript\\u003ewindow.pwned=1" in page
    assert 'HYPERLINK(\\"http://evil.example/x\\"' in page
    # the page script never writes HTML
    script = scripts(page)[4][1]
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script
    assert "eval(" not in script and "new Function" not in script


def test_layout_is_deterministic_and_fills_missing_positions(tmp_path):
    data = synthetic_chart_data(300, 600, seed=3)
    a = layout_positions([n["id"] for n in data["nodes"]], [(e["from"], e["to"]) for e in data["edges"]])
    b = layout_positions([n["id"] for n in data["nodes"]], [(e["from"], e["to"]) for e in data["edges"]])
    assert a == b and len(a) == 300
    assert len(set(a.values())) == 300  # no two nodes on one spot
    page = write_chart(data, tmp_path / "sub" / "chart.html", "Synthetic").read_text(encoding="utf-8")
    body = re.search(r'id="chart-data">(.*?)</script>', page, flags=re.S).group(1)
    nodes = json.loads(body)["nodes"]
    assert all("x" in n and "y" in n for n in nodes) and "x" not in data["nodes"][0]  # input untouched
    assert layout_positions([], []) == {}
    assert layout_positions(["a"], [("a", "a"), ("a", "zz")]) == {"a": (0.0, 0.0)}
