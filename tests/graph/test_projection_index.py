"""person_projection without Python lists per pair: the same pairs, weights and rules, and each
pair's evidence, read through the edge index, equal to the list the default projection keeps."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import linkgraph
from linkgraph.graph.assemble import resolution_edges
from linkgraph.graph.attribution import attribute_lines, home_towns, inferred_uses
from linkgraph.graph.projection import pair_evidence, person_projection
from linkgraph.scoring.config import load_scoring


@pytest.fixture(scope="module")
def fixture_edges():
    result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])
    edges = resolution_edges(result)
    attributed = attribute_lines(edges, result.entities, load_scoring().attribution.rules(), home_towns(result.mentions))
    edges = pd.concat([edges.assign(inferred=False), inferred_uses(attributed)], ignore_index=True)
    return edges, result.entities


def test_index_projection_equals_the_list_projection(fixture_edges):
    edges, entities = fixture_edges
    full = person_projection(edges, entities)
    lean = person_projection(edges, entities, lists=False)
    assert "evidence" not in lean and "via" not in lean and (full["rules"].str.contains("calls:inferred")).any()
    pd.testing.assert_frame_equal(lean, full.drop(columns=["via", "evidence"]))
    index = lean.attrs["via_index"]
    ids = edges["edge_id"].to_numpy()
    for i in range(len(full)):
        assert sorted(ids[index.of(i)]) == sorted(full["via"].iat[i])
        assert pair_evidence(lean, edges, np.array([i])) == sorted(full["evidence"].iat[i])
    some = np.array([0, 3, 5])
    assert pair_evidence(lean, edges, some) == sorted({r for i in some for r in full["evidence"].iat[i]})


def test_index_survives_pandas_operations(fixture_edges):
    edges, entities = fixture_edges
    lean = person_projection(edges, entities, lists=False)
    both = pd.concat([lean[["from_entity"]], lean[["to_entity"]]])       # attrs compared: no error
    assert len(both) == 2 * len(lean)
    assert lean[lean["weight"] > 1].attrs["via_index"] is lean.attrs["via_index"]   # not copied


@pytest.mark.parametrize("with_nodes", [False, True])
def test_igraph_build_reads_the_projections_codes(fixture_edges, with_nodes):
    """The projection keeps its ends' codes; the igraph build reads them instead of hashing the ids and
    gives the same graph (vertex order, edges, weights) as from the same table without them."""
    from linkgraph.graph.build import to_igraph
    from linkgraph.graph.edge_refs import CODES_KEY
    from linkgraph.graph.projection import projection_nodes

    edges, entities = fixture_edges
    lean = person_projection(edges, entities, lists=False)
    assert CODES_KEY in lean.attrs
    plain = lean[["from_entity", "to_entity", "weight"]].copy()
    plain.attrs = {}
    # nodes: every person (some without a pair) in the entity table's order, not the id order
    nodes = projection_nodes(lean, entities)["entity_id"].tolist()[::-1] if with_nodes else None
    coded, hashed = to_igraph(lean[["from_entity", "to_entity", "weight"]], nodes), to_igraph(plain, nodes)
    assert coded.vs["name"] == hashed.vs["name"] and coded.vcount() > 0
    assert coded.get_edgelist() == hashed.get_edgelist() and coded.es["weight"] == hashed.es["weight"]
    # a table whose rows changed is not read through stale codes
    shuffled = lean.iloc[::-1].reset_index(drop=True)
    assert shuffled.attrs[CODES_KEY] is lean.attrs[CODES_KEY]
    bare = shuffled.copy()
    bare.attrs = {}
    assert to_igraph(shuffled).get_edgelist() == to_igraph(bare).get_edgelist()
    assert to_igraph(shuffled).es["weight"] == to_igraph(bare).es["weight"]
