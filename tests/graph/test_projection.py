"""person_projection: direct links, calls through the phones people use, shared assets."""
from __future__ import annotations

import networkx as nx
import pandas as pd

from linkgraph.graph.build import entity_graph, to_csr, to_igraph
from linkgraph.graph.edges import edge_table
from linkgraph.graph.projection import person_projection, projection_nodes

ENTITIES = pd.DataFrame({
    "entity_id": ["P-a", "P-b", "P-c", "P-d", "P-e", "T-1", "T-2", "T-3", "T-4", "V-1", "C-1", "L-1"],
    "entity_type": ["person"] * 5 + ["phone"] * 4 + ["vehicle", "company", "place"],
    "label": ["A", "B", "C", "D", "E", "0601", "0602", "0603", "0604", "AB123CD", "ACME", "cell"],
})


def relations(rel) -> pd.DataFrame:
    rows = [
        rel("P-a", "T-1", "uses", "police", 1), rel("P-b", "T-2", "uses", "gendarmerie", 1, agency="gendarmerie"),
        rel("P-e", "T-2", "uses", "police", 9),                        # T-2 shared by B and E
        rel("T-1", "T-2", "called", "fadettes", 1), rel("T-1", "T-2", "called", "fadettes", 2),
        rel("T-2", "T-1", "called", "fadettes", 3),
        rel("T-1", "T-3", "called", "fadettes", 4),                    # T-3: nobody known uses it
        rel("T-3", "T-4", "texted", "fadettes", 5),                    # two unknown holders
        rel("P-c", "V-1", "drives", "police", 2), rel("P-d", "V-1", "drives", "douane", 2, agency="douane"),
        rel("P-c", "C-1", "directs", "registre", 1), rel("P-a", "C-1", "directs", "registre", 2),
        rel("P-c", "P-d", "co_arrested", "police", 3),
        rel("P-a", "L-1", "seen_at", "pm", 1), rel("P-b", "L-1", "seen_at", "pm", 2),  # places link nobody
        rel("T-1", "L-1", "located_at", "fadettes", 1),
    ]
    return pd.DataFrame(rows)


def pairs(proj: pd.DataFrame) -> dict:
    return {(r.from_entity, r.to_entity): r for r in proj.itertuples()}


def test_projection_rules(rel):
    edges = edge_table(relations(rel))
    p = pairs(person_projection(edges, ENTITIES))
    ab = p[("P-a", "P-b")]
    assert ab.calls == 3 and ab.weight == 3 and ab.rules == "calls"  # both directions, three calls
    assert sorted(ab.via) == ["T-1|called|T-2", "T-2|called|T-1"]
    assert ab.evidence == ["fadettes:1", "fadettes:2", "fadettes:3"]
    assert p[("P-a", "P-e")].calls == 3  # every user of a shared phone
    assert p[("P-b", "P-e")].shared == 1 and p[("P-b", "P-e")].rules == "shared:phone"  # sharing T-2
    assert p[("P-a", "T-3")].calls == 1  # unknown holder stays a phone node
    assert p[("T-3", "T-4")].calls == 1 and p[("T-3", "T-4")].from_type == "phone"
    cd = p[("P-c", "P-d")]
    assert cd.direct == 1 and cd.shared == 1 and cd.weight == 2
    assert cd.rules == "direct:co_arrested;shared:vehicle"
    assert sorted(cd.via) == ["P-c|co_arrested|P-d", "P-c|drives|V-1", "P-d|drives|V-1"]
    assert cd.evidence == ["douane:2", "police:2", "police:3"]
    assert p[("P-a", "P-c")].rules == "shared:company"
    assert ("P-a", "L-1") not in p and ("P-a", "P-a") not in p
    assert all(a < b for a, b in p)


def test_phone_records_only_project_to_phones(rel):
    edges = edge_table(pd.DataFrame([rel("T-1", "T-2", "called", "f", 1), rel("T-2", "T-3", "called", "f", 2)]))
    proj = person_projection(edges)
    assert set(pairs(proj)) == {("T-1", "T-2"), ("T-2", "T-3")}
    assert set(projection_nodes(proj)["entity_type"]) == {"phone"}


def test_two_phones_of_one_person_give_no_self_loop(rel):
    edges = edge_table(pd.DataFrame([rel("P-a", "T-1", "uses", "p", 1), rel("P-a", "T-2", "uses", "p", 2),
                                     rel("T-1", "T-2", "called", "f", 1)]))
    assert len(person_projection(edges)) == 0


def test_crowded_asset_is_skipped(rel):
    rows = [rel(f"P-{i:02d}", "V-rental", "drives", "p", i) for i in range(5)]
    edges = edge_table(pd.DataFrame(rows))
    assert len(person_projection(edges, max_sharers=4)) == 0
    assert len(person_projection(edges, max_sharers=5)) == 10


def test_projection_nodes_keep_isolated_people_and_unknown_phones(rel):
    proj = person_projection(edge_table(relations(rel)), ENTITIES)
    nodes = projection_nodes(proj, ENTITIES)
    assert set(nodes["entity_id"]) == {"P-a", "P-b", "P-c", "P-d", "P-e", "T-3", "T-4"}


def test_entity_graph_and_analytic_forms(rel):
    edges = edge_table(relations(rel))
    g = entity_graph(ENTITIES, edges)
    assert isinstance(g, nx.MultiDiGraph)
    assert g.nodes["P-a"]["label"] == "A" and g.nodes["P-a"]["entity_type"] == "person"
    data = g.get_edge_data("T-1", "T-2", key="called")
    assert data["count"] == 2 and data["evidence"] == ["fadettes:1", "fadettes:2"]
    assert g.has_edge("P-c", "P-d", key="co_arrested") and not g.has_edge("P-d", "P-c")
    assert g.number_of_edges() == len(edges)
    ig_graph = to_igraph(edges, ENTITIES["entity_id"])
    assert ig_graph.vcount() == len(ENTITIES) and not ig_graph.is_directed()
    t1, t2 = ig_graph.vs.find(name="T-1").index, ig_graph.vs.find(name="T-2").index
    assert ig_graph.es[ig_graph.get_eid(t1, t2)]["weight"] == 3.0  # both directions summed
    csr, index = to_csr(edges, ENTITIES["entity_id"])
    assert list(index[: len(ENTITIES)]) == list(ENTITIES["entity_id"])
    assert csr[index.get_loc("T-1"), index.get_loc("T-2")] == 3.0 == csr[index.get_loc("T-2"), index.get_loc("T-1")]
    directed, index = to_csr(edges, directed=True)
    assert directed[index.get_loc("T-1"), index.get_loc("T-2")] == 2.0
