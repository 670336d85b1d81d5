"""edge_table: aggregation, evidence, symmetric normalization, self-loops, weights."""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.graph.edges import EDGE_COLUMNS, edge_table


def by_key(edges: pd.DataFrame) -> dict:
    return {(r.from_entity, r.to_entity, r.type): r for r in edges.itertuples()}


def test_calls_aggregate_with_evidence_dates_and_duration(rel):
    relations = pd.DataFrame([
        rel("T-1", "T-2", "called", "fadettes", 10, date="2023-10-02", start="2023-10-02T08:00:00", duration=30.0),
        rel("T-1", "T-2", "called", "fadettes", 2, date="2023-10-01", start="2023-10-01T09:00:00", duration=60.0),
        rel("T-1", "T-2", "called", "fadettes", 3, date=None, start="2023-09-30T23:59:00", duration=None),
        rel("T-2", "T-1", "called", "fadettes", 4, date="2023-10-05", duration=5.0),
    ])
    edges = by_key(edge_table(relations))
    assert set(edges) == {("T-1", "T-2", "called"), ("T-2", "T-1", "called")}  # directed: not merged
    e = edges[("T-1", "T-2", "called")]
    assert e.count == 3 and e.weight == 3.0
    assert e.evidence == ["fadettes:2", "fadettes:3", "fadettes:10"]  # row order, not string order
    assert e.first_seen == "2023-09-30T23:59:00"  # start used when the date is missing
    assert e.last_seen == "2023-10-02"
    assert e.total_duration == 90.0
    assert e.directed and not e.self_loop
    assert e.edge_id == "T-1|called|T-2"


def test_symmetric_relations_aggregate_both_directions_smaller_id_first(rel):
    relations = pd.DataFrame([
        rel("P-b", "P-a", "co_arrested", "police", 1, agency="police", classification="confidential"),
        rel("P-a", "P-b", "co_arrested", "gendarmerie", 7, agency="gendarmerie", classification="restricted"),
        rel("P-b", "P-a", "associated_with", "douane", 3, agency="douane"),
        rel("P-b", "C-x", "directs", "registre", 4, agency="registre"),
    ])
    edges = by_key(edge_table(relations))
    assert set(edges) == {("P-a", "P-b", "co_arrested"), ("P-a", "P-b", "associated_with"), ("P-b", "C-x", "directs")}
    e = edges[("P-a", "P-b", "co_arrested")]
    assert e.count == 2 and not e.directed
    assert e.agencies == "gendarmerie;police" and e.n_agencies == 2
    assert e.sources == "gendarmerie;police" and e.n_sources == 2
    assert e.classification == "confidential"  # the highest level of the evidence
    assert e.evidence == ["gendarmerie:7", "police:1"]
    assert edges[("P-b", "C-x", "directs")].directed  # directed relation keeps its direction


def test_self_loops_kept_and_flagged(rel):
    relations = pd.DataFrame([rel("P-a", "P-a", "associated_with", row=1), rel("P-a", "P-b", "associated_with", row=2)])
    edges = edge_table(relations).set_index("edge_id")
    assert bool(edges.loc["P-a|associated_with|P-a", "self_loop"])
    assert not bool(edges.loc["P-a|associated_with|P-b", "self_loop"])


def test_calls_attribute_weighs_and_evidence_deduplicated(rel):
    relations = pd.DataFrame([
        rel("T-1", "T-2", "called", "caviar", 1, calls="52"),
        rel("T-1", "T-2", "called", "caviar", 1, calls="52"),  # the same row stated twice
        rel("T-1", "T-3", "called", "caviar", 2, calls=None),
    ])
    edges = by_key(edge_table(relations))
    assert edges[("T-1", "T-2", "called")].weight == 104.0
    assert edges[("T-1", "T-2", "called")].evidence == ["caviar:1"]
    assert edges[("T-1", "T-3", "called")].weight == 1.0  # no count given: one per row
    assert np.isnan(edges[("T-1", "T-3", "called")].total_duration)


def test_empty_and_columns(rel):
    assert list(edge_table(pd.DataFrame()).columns) == EDGE_COLUMNS
    out = edge_table(pd.DataFrame([rel("P-a", "V-1", "drives")]))
    assert list(out.columns) == EDGE_COLUMNS and len(out) == 1


def test_many_agencies_fall_back_without_bitmasks(rel):
    relations = pd.DataFrame([rel("P-a", "P-b", "mentioned_with", f"s{i}", i, agency=f"a{i:02d}") for i in range(70)])
    e = edge_table(relations).iloc[0]
    assert e.n_agencies == 70 and e.agencies.split(";") == sorted(f"a{i:02d}" for i in range(70))


def test_integer_evidence_gives_every_edge_the_lists_references(rel):
    """lists=False keeps no list per edge; each edge's references, made into text on demand, are the
    lists=True column's (distinct, source then numeric row order), the other columns unchanged."""
    from linkgraph.graph.edge_refs import KEY, edge_evidence, evidence_lists

    relations = pd.DataFrame([
        rel("T-1", "T-2", "called", "fadettes", 10), rel("T-1", "T-2", "called", "fadettes", 2),
        rel("T-1", "T-2", "called", "fadettes", 2), rel("T-1", "T-2", "called", "douane", 30),
        rel("P-b", "P-a", "co_arrested", "police", 1), rel("P-a", "P-b", "co_arrested", "gendarmerie", 7),
        rel("P-b", "C-x", "directs", "registre", "A12"),
    ])
    full, lean = edge_table(relations), edge_table(relations, lists=False)
    assert "evidence" not in lean and KEY in lean.attrs
    pd.testing.assert_frame_equal(full.drop(columns="evidence"), lean)
    assert [edge_evidence(lean, [i]) for i in range(len(lean))] == [sorted(e) for e in full["evidence"]]
    assert list(evidence_lists(lean)) == list(full["evidence"])
    calls = full.index[full["type"] == "called"][0]
    assert full.at[calls, "evidence"] == ["douane:30", "fadettes:2", "fadettes:10"]
    # rows appended with their own cells (inferred uses) keep them; the store answers for the others
    extra = pd.concat([lean, pd.DataFrame({"edge_id": ["P-a|uses~inferred|T-1"], "evidence": [["x:1"]]})],
                      ignore_index=True)
    extra.attrs[KEY] = lean.attrs[KEY]
    assert edge_evidence(extra, [calls, len(lean)]) == ["douane:30", "fadettes:10", "fadettes:2", "x:1"]
