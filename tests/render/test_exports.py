"""Exports: GraphML / GEXF read back with networkx, i2 and Neo4j CSVs free of formula cells, a safe SVG."""
from __future__ import annotations

import csv
import math
import re
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import linkgraph
from linkgraph.graph.edges import edge_table
from linkgraph.render.exports import (
    I2_COLUMNS, csv_text, defuse_cells, export_all, export_gexf, export_graph, export_graphml, export_i2_csv,
    export_neo4j, export_png, export_svg, xml_text,
)

XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert('x')</script> & \"quoted\" 'single'"
CONTROL = "ACME\x00\x07 \x1b[31mRED\r\nline2\ttab\x0bend"


@pytest.fixture(scope="module")
def resolution():
    return linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])


@pytest.fixture(scope="module")
def fixture_tables(resolution):
    return resolution.entities, edge_table(resolution.relations)


@pytest.fixture
def hostile():
    """A tiny entity and edge table with hostile names, missing values and parallel edges."""
    entities = pd.DataFrame({
        "entity_id": ["P-1", "P-2", "T-1", "V-1", "C-1", "L-1"],
        "entity_type": ["person", "person", "phone", "vehicle", "company", "place"],
        "label": [XSS, '=HYPERLINK("http://evil.example/x","clic")', " =cmd|' /C calc'!A0", SCRIPT, CONTROL,
                  "\u00a0-2+3"],
        "agencies": ["police", "@SUM(1+1)", "douane;police", None, "registre", "+33 6 12 34 56 78"],
        "first_seen": ["2021-01-02", None, "2021-02-03", "2021-03-04", np.nan, "2021-05-06"],
        "last_seen": ["2021-06-02", None, "2021-07-03", "2021-03-04", np.nan, "2021-05-06"],
        "mentions": [3, 1, 2, np.nan, 1, 4],
    })
    edges = pd.DataFrame({
        "from_entity": ["P-1", "P-1", "P-1", "P-2", "V-1", "P-2"],
        "to_entity": ["T-1", "T-1", "P-2", "L-1", "L-1", "=1+2"],
        "type": ["uses", "called", "associated_with", "seen_at", "seen_at", "mentioned_with"],
        "count": [1, 12, 2, 1, 3, 1],
        "weight": [1.0, 30.5, 2.0, np.nan, 3.0, 1.0],
        "first_seen": ["2021-01-02", "2021-02-03T10:22:00", None, "2021-05-06", "2021-05-06 08:00", None],
        "last_seen": ["2021-01-02", "2021-06-01T09:00:00", None, "2021-05-06", "2021-05-07 08:00", None],
        "agencies": ["police", "police", "douane;police", "-gendarmerie", "police", None],
        "sources": ["pv", "fadet", "pv;saisie", "lapi", "lapi", "=src"],
        "classification": ["restricted", "confidential", None, "public", "public", None],
        "evidence": [["pv:1"], [f"fadet:{i}" for i in range(1, 13)], ["pv:2", "saisie:7"], ["lapi:4"], [],
                     ["=src:1", " @x:2"]],
    })
    return entities, edges


# --------------------------------------------------------------------------------------- helpers

def _norm(value):
    """Numbers compare as numbers (int 3 == float 3.0), everything else as is."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return value


def _edges_of(graph: nx.Graph, type_attr: str) -> list[tuple[str, str, str, dict]]:
    return [(u, v, d[type_attr], d) for u, v, d in graph.edges(data=True)]


def _expected_nodes(entities: pd.DataFrame, edges: pd.DataFrame) -> dict[str, dict]:
    """What the XML exports should hold for each node, straight from the tables."""
    out = {}
    for rec in entities.to_dict("records"):
        attrs = {}
        for col in ("entity_type", "label", "agencies", "first_seen", "last_seen", "mentions"):
            v = rec.get(col)
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or v == "":
                continue
            attrs[col] = xml_text(v) if isinstance(v, str) else _norm(v)
        out[xml_text(rec["entity_id"])] = attrs
    for end in pd.concat([edges["from_entity"], edges["to_entity"]]).astype(str):
        if xml_text(end) not in out:
            out[xml_text(end)] = {"label": xml_text(end)}  # entity type from the id prefix, when it has one
    return out


def _expected_edges(edges: pd.DataFrame) -> Counter:
    return Counter((xml_text(f), xml_text(t), ty) for f, t, ty in zip(edges["from_entity"], edges["to_entity"], edges["type"]))


def _expected_edge_attrs(edges: pd.DataFrame) -> dict[tuple, dict]:
    out = {}
    for rec in edges.to_dict("records"):
        attrs = {"count": float(rec["count"])}
        if not (isinstance(rec["weight"], float) and math.isnan(rec["weight"])):
            attrs["weight"] = float(rec["weight"])
        for col in ("first_seen", "last_seen", "agencies", "sources", "classification"):
            v = rec.get(col)
            if isinstance(v, str) and v:
                attrs[col] = xml_text(v)
        if len(rec["evidence"]):
            attrs["evidence"] = ";".join(rec["evidence"])
        out[(xml_text(rec["from_entity"]), xml_text(rec["to_entity"]), rec["type"])] = attrs
    return out


def _check_round_trip(graph: nx.Graph, entities: pd.DataFrame, edges: pd.DataFrame, type_attr: str) -> None:
    expected_nodes = _expected_nodes(entities, edges)
    assert set(graph.nodes) == set(expected_nodes)
    for node, attrs in expected_nodes.items():
        got = graph.nodes[node]
        for key, value in attrs.items():
            assert _norm(got.get(key)) == value, (node, key, got.get(key), value)
        for key in ("entity_type", "agencies", "first_seen", "last_seen", "mentions"):
            if key not in attrs and key != "entity_type":
                assert key not in got, (node, key, got.get(key))  # missing values are left out, never "nan"
        assert all(v not in ("nan", "None", "NaN") for v in got.values())
    got_edges = _edges_of(graph, type_attr)
    assert Counter((u, v, t) for u, v, t, _ in got_edges) == _expected_edges(edges)
    expected = _expected_edge_attrs(edges)
    for u, v, t, data in got_edges:
        for key, value in expected[(u, v, t)].items():
            assert _norm(data.get(key)) == _norm(value), (u, v, t, key, data.get(key), value)
        if "weight" not in expected[(u, v, t)]:
            assert "weight" not in data
        assert isinstance(data["directed"], bool)


def _rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, newline="", encoding=encoding) as fh:
        return list(csv.reader(fh))


def _assert_clean(rows: list[list[str]]) -> None:
    """i2 and Neo4j files are data for those tools, not spreadsheets: values verbatim (no ``'`` added
    by a formula guard), one line per record (no control character)."""
    for row in rows:
        for cell in row:
            assert not cell.startswith("'"), cell
            assert not re.search(r"[\x00-\x1f\x7f]", cell), cell


# ----------------------------------------------------------------------------------- text helpers

def test_xml_text_strips_invalid_characters_and_keeps_markup():
    assert xml_text(CONTROL) == "ACME \x1b[31mRED\nline2\ttabend".replace("\x1b", "")
    assert xml_text(XSS) == XSS
    assert xml_text("a\rb\ud800c\uffff") == "a\nbc"


def test_defuse_cells_catches_leading_whitespace_and_keeps_numbers():
    frame = pd.DataFrame({"a": ["=1+1", " =cmd", "\u00a0+A1", "\u200b@x", "\t-1", "ok", "a=b", None],
                          "n": [-1, 2, 3, 4, 5, 6, 7, 8]})
    out = defuse_cells(frame)
    assert out["a"].tolist()[:6] == ["'=1+1", "' =cmd", "'\u00a0+A1", "'\u200b@x", "'\t-1", "ok"]
    assert out["a"].iloc[6] == "a=b" and out["a"].iloc[7] is None
    assert out["n"].tolist() == [-1, 2, 3, 4, 5, 6, 7, 8]
    assert csv_text("a\r\nb\tc\x00") == "a  b c "


# ---------------------------------------------------------------------------------- GraphML / GEXF

def test_graphml_round_trip_hostile(tmp_path, hostile):
    entities, edges = hostile
    path = export_graphml(entities, edges, tmp_path / "g.graphml", scores={"P-1": 0.75, "P-2": float("nan")})
    graph = nx.read_graphml(path, force_multigraph=True)
    assert isinstance(graph, nx.MultiDiGraph)
    _check_round_trip(graph, entities, edges, "type")
    assert graph.nodes["P-1"]["label"] == XSS
    assert graph.nodes["V-1"]["label"] == SCRIPT
    assert graph.nodes["C-1"]["label"] == "ACME [31mRED\nline2\ttabend"
    assert graph.nodes["P-1"]["score"] == 0.75 and "score" not in graph.nodes["P-2"]
    assert graph.nodes["=1+2"] == {"label": "=1+2"}
    assert graph.nodes["T-1"]["mentions"] == 2 and isinstance(graph.nodes["T-1"]["mentions"], int)
    called = [d for _, _, d in graph.edges(data=True) if d["type"] == "called"][0]
    assert called["evidence"] == ";".join(f"fadet:{i}" for i in range(1, 13)) and called["directed"] is True
    assoc = [d for _, _, d in graph.edges(data=True) if d["type"] == "associated_with"][0]
    assert assoc["directed"] is False
    raw = path.read_text(encoding="utf-8")
    assert "<img" not in raw and "&lt;img src=x onerror=alert(1)&gt;" in raw


def test_gexf_round_trip_hostile(tmp_path, hostile):
    entities, edges = hostile
    path = export_gexf(entities, edges, tmp_path / "g.gexf", scores=pd.Series({"T-1": 0.5}))
    graph = nx.read_gexf(path)
    assert graph.is_directed() and graph.is_multigraph()
    _check_round_trip(graph, entities, edges, "relation")
    for _, _, d in graph.edges(data=True):
        assert d["label"] == d["relation"]
    assert graph.nodes["P-1"]["label"] == XSS and graph.nodes["V-1"]["label"] == SCRIPT
    assert graph.nodes["T-1"]["score"] == 0.5 and "score" not in graph.nodes["P-1"]
    assert "<script" not in path.read_text(encoding="utf-8")


def test_graphml_and_gexf_round_trip_fixtures(tmp_path, fixture_tables):
    entities, edges = fixture_tables
    graphml = nx.read_graphml(export_graphml(entities, edges, tmp_path / "f.graphml"), force_multigraph=True)
    _check_round_trip(graphml, entities, edges, "type")
    gexf = nx.read_gexf(export_gexf(entities, edges, tmp_path / "f.gexf"))
    _check_round_trip(gexf, entities, edges, "relation")
    assert graphml.number_of_nodes() == len(entities) and graphml.number_of_edges() == len(edges)


def test_export_graph_types_are_consistent(fixture_tables):
    graph = export_graph(*fixture_tables)
    types = {}
    for _, d in graph.nodes(data=True):
        for k, v in d.items():
            types.setdefault(("node", k), set()).add(type(v))
    for _, _, d in graph.edges(data=True):
        for k, v in d.items():
            types.setdefault(("edge", k), set()).add(type(v))
    assert all(len(t) == 1 for t in types.values()), types
    assert types[("node", "mentions")] == {int} and types[("edge", "weight")] == {float}


# ------------------------------------------------------------------------------------ i2 and Neo4j

def test_i2_csv_hostile(tmp_path, hostile):
    entities, edges = hostile
    path = export_i2_csv(entities, edges, tmp_path / "i2.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _rows(path, encoding="utf-8-sig")
    assert rows[0] == list(I2_COLUMNS) and len(rows) == len(edges) + 1
    _assert_clean(rows)
    by = [dict(zip(rows[0], r)) for r in rows[1:]]
    called = next(r for r in by if r["Link Type"] == "called")
    assert called["Entity 1 Type"] == "Person" and called["Entity 2 Type"] == "Telephone"
    assert called["Entity 1 Label"] == XSS and called["Entity 2 Label"] == " =cmd|' /C calc'!A0"
    assert called["Link Direction"] == "Arrow on head" and called["Link Strength"] == "Unconfirmed"
    assert called["Link Date"] == "2021-02-03" and called["Link Time"] == "10:22:00"
    assert called["Link Count"] == "12" and called["Link Label"] == "called (12)"
    assert called["Source Reference"].split(";")[:2] == ["fadet:1", "fadet:2"]
    assoc = next(r for r in by if r["Link Type"] == "associated_with")
    assert assoc["Link Direction"] == "No arrows" and assoc["Link Strength"] == "Confirmed"
    assert assoc["Link Date"] == "" and assoc["Entity 2 Label"].startswith("=HYPERLINK")
    odd = next(r for r in by if r["Link Type"] == "mentioned_with")
    assert odd["Entity 2 Identity"] == "=1+2" and odd["Entity 2 Type"] == ""
    assert odd["Source Reference"] == "=src:1; @x:2"
    company = [r for r in by if r["Entity 1 Identity"] == "V-1"][0]
    assert company["Entity 1 Label"] == SCRIPT and company["Source Reference"] == ""


def test_i2_csv_fixtures(tmp_path, fixture_tables):
    entities, edges = fixture_tables
    rows = _rows(export_i2_csv(entities, edges, tmp_path / "i2.csv"), encoding="utf-8-sig")
    assert len(rows) == len(edges) + 1
    _assert_clean(rows)
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    assert set(frame["Link Direction"]) <= {"Arrow on head", "No arrows"}
    assert set(frame["Link Strength"]) <= {"Confirmed", "Unconfirmed"}
    assert (frame["Link Count"].astype(int) >= 1).all()


def test_neo4j_hostile(tmp_path, hostile):
    entities, edges = hostile
    nodes_path, rels_path = export_neo4j(entities, edges, tmp_path / "neo4j", scores={"P-1": 0.9})
    nodes, rels = _rows(nodes_path), _rows(rels_path)
    assert nodes[0][:4] == ["entityId:ID", "label", "entity_type", ":LABEL"] and nodes[0][-1] == "score:float"
    assert rels[0][:8] == [":START_ID", ":END_ID", ":TYPE", "count:int", "first_seen", "last_seen", "agencies",
                           "evidence"]
    _assert_clean(nodes)
    _assert_clean(rels)
    ids = [r[0] for r in nodes[1:]]
    assert len(ids) == len(set(ids)) == 7
    assert {r[0] for r in rels[1:]} | {r[1] for r in rels[1:]} <= set(ids)
    assert {r[2] for r in rels[1:]} == {"USES", "CALLED", "ASSOCIATED_WITH", "SEEN_AT", "MENTIONED_WITH"}
    node = {r[0]: dict(zip(nodes[0], r)) for r in nodes[1:]}
    assert node["P-1"][":LABEL"] == "Entity;Person" and node["P-1"]["label"] == XSS
    assert node["P-1"]["score:float"] == "0.9" and node["P-2"]["score:float"] == ""
    assert node["V-1"]["mentions:int"] == "" and node["T-1"]["mentions:int"] == "2"
    assert node["=1+2"][":LABEL"] == "Entity"
    assert node["C-1"]["label"] == "ACME    [31mRED  line2 tab end"
    called = next(dict(zip(rels[0], r)) for r in rels[1:] if r[2] == "CALLED")
    assert called["count:int"] == "12" and called["weight:float"] == "30.5" and called["directed:boolean"] == "true"


def test_neo4j_fixtures(tmp_path, fixture_tables):
    entities, edges = fixture_tables
    nodes_path, rels_path = export_neo4j(entities, edges, tmp_path / "neo4j")
    nodes, rels = _rows(nodes_path), _rows(rels_path)
    assert len(nodes) == len(entities) + 1 and len(rels) == len(edges) + 1
    _assert_clean(nodes)
    _assert_clean(rels)
    assert {r[2] for r in rels[1:]} == {t.upper() for t in edges["type"]}
    ids = {r[0] for r in nodes[1:]}
    assert {r[0] for r in rels[1:]} | {r[1] for r in rels[1:]} <= ids


# ------------------------------------------------------------------------------------------- SVG

_SVG = "{http://www.w3.org/2000/svg}"
_ALLOWED = {f"{_SVG}{t}" for t in ("svg", "title", "defs", "marker", "path", "rect", "g", "line", "circle",
                                    "polygon", "text")}


def _check_svg(path: Path) -> ET.Element:
    raw = path.read_text(encoding="utf-8")
    root = ET.fromstring(raw.encode("utf-8"))  # parses as XML
    assert root.tag == f"{_SVG}svg"
    for el in root.iter():
        assert el.tag in _ALLOWED, el.tag
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), name
            assert "href" not in name.lower(), name
            assert "url(" not in value or value == "url(#arrow)", value
            assert "://" not in value, value  # no external reference in any attribute
    low = raw.lower()
    assert "<script" not in low and "href=" not in low and "<foreignobject" not in low
    return root


def test_svg_hostile(tmp_path, hostile):
    entities, edges = hostile
    path = export_svg((entities, edges), tmp_path / "chart.svg")
    root = _check_svg(path)
    raw = path.read_text(encoding="utf-8")
    assert "<img" not in raw and "&lt;img src=x onerror=alert(1)&gt;" in raw
    texts = [t.text for t in root.iter(f"{_SVG}text")]
    assert XSS in texts and SCRIPT[:39] + "…" in texts
    assert len(root.findall(f".//{_SVG}g[@class='nodes']/{_SVG}g")) == 7
    lines = root.findall(f".//{_SVG}line")
    assert len(lines) == len(edges)
    assert sum(1 for ln in lines if ln.get("marker-end") == "url(#arrow)") == 4  # uses, called, seen_at ×2
    assert sum(1 for ln in lines if ln.get("stroke-dasharray")) == 2  # associated_with, mentioned_with


def test_svg_uses_precomputed_positions(tmp_path):
    chart = {"nodes": [{"data": {"id": "P-1", "label": "A & B", "entity_type": "person"}, "position": {"x": 0, "y": 0}},
                       {"id": "T-1", "label": "06", "entity_type": "phone", "x": 100, "y": 50}],
             "edges": [{"source": "P-1", "target": "T-1", "type": "uses"}]}
    root = _check_svg(export_svg(chart, tmp_path / "c.svg", width=400, height=300))
    person, phone = (g.find(f"{_SVG}circle") for g in root.findall(f".//{_SVG}g[@class='nodes']/{_SVG}g"))
    assert float(person.get("cx")) < float(phone.get("cx"))  # x = 0 drawn left of x = 100
    assert [t.text for t in root.iter(f"{_SVG}text")][:2] == ["A & B", "06"]


def test_svg_from_chart_data(tmp_path, resolution):
    from linkgraph.render import chart_data

    person = resolution.entities.loc[resolution.entities["entity_type"] == "person", "entity_id"].iloc[0]
    chart = chart_data(resolution, ego=person, depth=2)
    root = _check_svg(export_svg(chart, tmp_path / "ego.svg"))
    assert len(root.findall(f".//{_SVG}g[@class='nodes']/{_SVG}g")) == len(chart["nodes"])
    drawn = [t.text for t in root.iter(f"{_SVG}title")]
    assert any(person in (t or "") for t in drawn)


def test_svg_is_deterministic(tmp_path, hostile):
    a = export_svg(export_graph(*hostile), tmp_path / "a.svg").read_text()
    b = export_svg(export_graph(*hostile), tmp_path / "b.svg").read_text()
    assert a == b


# ------------------------------------------------------------------------------------------- all

def test_export_all(tmp_path, resolution):
    scores = {resolution.entities["entity_id"].iloc[0]: 1.0}
    paths = export_all(resolution, tmp_path / "out", scores=scores)
    assert set(paths) == {"graphml", "gexf", "i2", "anx", "neo4j_nodes", "neo4j_relationships", "svg"}
    assert all(p.exists() and p.stat().st_size > 0 for p in paths.values())
    root = _check_svg(paths["svg"])
    assert len(root.findall(f".//{_SVG}g[@class='nodes']/{_SVG}g")) == len(resolution.entities)
    graph = nx.read_graphml(paths["graphml"], force_multigraph=True)
    assert graph.nodes[resolution.entities["entity_id"].iloc[0]]["score"] == 1.0
    # coordinates and dates travel with the nodes (GraphML and GEXF), the same as the ANX chart's
    from linkgraph.render.exports import read_anx

    gexf = nx.read_gexf(paths["gexf"])
    anx = read_anx(paths["anx"])[0].set_index("identity")
    for eid, first in resolution.entities[["entity_id", "first_seen"]].head(50).itertuples(index=False):
        node, other = graph.nodes[eid], gexf.nodes[eid]
        assert isinstance(node["x"], float) and isinstance(node["y"], float)
        assert (other["x"], other["y"]) == (node["x"], node["y"])
        assert (round(node["x"]), round(node["y"])) == (anx.loc[eid, "x"], anx.loc[eid, "y"])
        assert node["first_seen"] == other["first_seen"] == str(first)
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.browser
def test_png_with_chromium(tmp_path, hostile):
    svg = export_svg((hostile[0], hostile[1]), tmp_path / "chart.svg", width=600, height=400)
    png = export_png(svg, tmp_path / "chart.png")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(data[16:20], "big") == 600 and int.from_bytes(data[20:24], "big") == 400  # IHDR size
