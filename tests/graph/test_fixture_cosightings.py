"""LAPI co-sightings on the fixtures: repeated convoys become seen_together edges, one-offs do not."""
import pandas as pd

import linkgraph
from linkgraph.evaluate.runs import true_entity_of


def test_planted_convoys_are_seen_together(repo):
    data = repo / "fixtures" / "data"
    result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])
    graph = linkgraph.entity_graph_of(result)
    together = [(a, b, d) for a, b, k, d in graph.edges(keys=True, data=True) if k == "seen_together"]
    assert together, "no co-sighting found"
    truth = pd.read_csv(data / "truth_mentions.csv", dtype=str)
    roles = pd.read_csv(data / "truth_roles.csv", dtype=str)
    true_of = true_entity_of(result.mentions, truth)
    org_of = roles[roles["entity_id"].str.startswith("V")].groupby("entity_id")["organisation"].agg(set)
    planted = 0
    for a, b, d in together:
        assert d["count"] >= 3 and d["evidence"]
        oa, ob = org_of.get(true_of.get(a), set()), org_of.get(true_of.get(b), set())
        planted += bool(oa & ob)
    assert planted / len(together) >= 0.9
    # every edge keeps its evidence rows
    assert all(d.get("evidence") for _, _, d in graph.edges(data=True))
