"""i2 Analyst's Notebook ANX charts: valid XML in i2's structure, icon types, and a round trip of
the entities and links (with dates, strengths, directions and record ids)."""
from __future__ import annotations

from collections import Counter
from xml.etree import ElementTree as ET

import pandas as pd
import pytest

import linkgraph
from linkgraph.graph.edges import edge_table
from linkgraph.render.exports import ANX_TYPES, export_i2_anx, read_anx

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def resolution():
    return linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])


@pytest.fixture(scope="module")
def anx(resolution, tmp_path_factory):
    edges = edge_table(resolution.relations)
    path = export_i2_anx(resolution.entities, edges, tmp_path_factory.mktemp("anx") / "chart.anx",
                         rows=resolution.rows, mentions=resolution.mentions)
    return path, edges


def test_structure_follows_the_anx_schema(anx, resolution):
    path, edges = anx
    root = ET.parse(path).getroot()
    assert root.tag == "Chart"
    order = [child.tag for child in root]
    want = ["ApplicationVersion", "StrengthCollection", "AttributeClassCollection", "EntityTypeCollection",
            "LinkTypeCollection", "ChartItemCollection", "Summary"]
    assert order == want
    assert {s.get("Name") for s in root.iter("Strength")} == {"Confirmed", "Unconfirmed", "Inferred"}
    types = {e.get("Name"): e for e in root.iter("EntityType")}
    for kind in resolution.entities["entity_type"].unique():
        name, icon = ANX_TYPES[kind]
        assert types[name].get("IconFile") == icon and types[name].get("PreferredRepresentation") == "RepresentAsIcon"
        assert types[name].get("Colour").isdigit()
    ids = {e.get("Id") for e in root.iter("EntityType")} | {e.get("Id") for e in root.iter("LinkType")}
    classes = {c.get("Id"): c.get("Name") for c in root.iter("AttributeClass")}
    items = root.find("ChartItemCollection")
    entity_ids = set()
    for item in items:
        assert item.tag == "ChartItem" and item.get("Id") and item.get("Label") is not None
        entity = item.find("End/Entity")
        if entity is not None:
            style = entity.find("Icon/IconStyle")
            assert style.get("EntityTypeReference") in ids
            entity_ids.add(entity.get("EntityId"))
        else:
            link = item.find("Link")
            style = link.find("LinkStyle")
            assert style.get("LinkTypeReference") in ids and style.get("Strength") in {"Confirmed", "Unconfirmed", "Inferred"}
            assert style.get("ArrowStyle") in {"ArrowOnHead", "ArrowNone"}
            assert {link.get("End1Id"), link.get("End2Id")} <= entity_ids  # entities come first
        for att in item.iter("Attribute"):
            assert classes[att.get("AttributeClassReference")] == att.get("AttributeClass")
        if item.get("DateSet") == "true":
            pd.Timestamp(item.get("DateTime"))  # parses


def test_round_trip_of_entities_and_links(anx, resolution):
    path, edges = anx
    ents, links = read_anx(path)
    want = resolution.entities.set_index("entity_id")
    assert sorted(ents["identity"]) == sorted(want.index)
    got = ents.set_index("identity")
    assert (got["label"] == want.loc[got.index, "label"]).all()
    assert (got["type"] == want.loc[got.index, "entity_type"].map(lambda k: ANX_TYPES[k][0])).all()
    assert got[["x", "y"]].drop_duplicates().shape[0] >= 0.99 * len(got)  # laid out, not stacked (whole pixels)
    assert len(links) == len(edges)
    pairs = Counter(zip(links["from"], links["type"], links["to"]))
    assert pairs == Counter(zip(edges["from_entity"], edges["type"], edges["to_entity"]))
    merged = links.merge(edges, left_on=["from", "type", "to"], right_on=["from_entity", "type", "to_entity"])
    assert (merged["arrow"] == merged["directed"].map({True: "ArrowOnHead", False: "ArrowNone"})).all()
    assert (merged["strength"] == merged["n_sources"].map(lambda n: "Confirmed" if n >= 2 else "Unconfirmed")).all()
    assert (merged["date"].str[:10] == merged["first_seen"].astype(str).str[:10]).all()
    # record ids: the procedure numbers of the police rows behind a link travel with it
    police = resolution.rows[(resolution.rows["source"] == "police_procedures")].dropna(subset=["record_id"])
    number = str(police["record_id"].iloc[0])
    assert links["Record ids"].fillna("").str.contains(number, regex=False).any()
    assert ents["Record ids"].fillna("").str.contains(number, regex=False).any()


def test_hostile_values_stay_text(tmp_path):
    entities = pd.DataFrame({"entity_id": ["P-1", "T-1"], "entity_type": ["person", "phone"],
                             "label": [XSS, "06\x00\x07 12"]})
    edges = pd.DataFrame({"from_entity": ["P-1"], "to_entity": ["T-1"], "type": ["uses"], "count": [3],
                          "first_seen": ["2023-01-02T10:20"], "evidence": [["police:4", "douane:5"]], "n_sources": [2]})
    path = export_i2_anx(entities, edges, tmp_path / "h.anx", positions={"P-1": (0, 0), "T-1": (100, 20)})
    raw = path.read_text(encoding="utf-8")
    assert "<img" not in raw and "&lt;img src=x onerror=alert(1)&gt;" in raw
    ents, links = read_anx(path)
    assert ents.set_index("identity").loc["P-1", "label"] == XSS
    assert ents.set_index("identity").loc["T-1", "label"] == "06 12"  # control characters removed
    assert links.iloc[0]["date"] == "2023-01-02T10:20:00" and links.iloc[0]["strength"] == "Confirmed"
    assert links.iloc[0]["label"] == "uses (3)" and links.iloc[0]["Evidence"] == "police:4;douane:5"
