"""CAVIAR (Morselli) through the whole chain: phone-records CSV → mapping → resolution → edges →
person projection → analytics. The matrix is in fixtures/networks/ (source and citation there)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import linkgraph
from linkgraph.graph.analytics import analyse, weighted_degree
from linkgraph.graph.datasets import CAVIAR_MATRIX, CALLS_COLUMNS, caviar_calls_csv, caviar_mapping, caviar_number
from linkgraph.graph.edges import edge_table
from linkgraph.graph.projection import person_projection, projection_nodes
from linkgraph.match.pipeline import DEFAULT_RULES
from linkgraph.match.settings import load_settings_dir
from linkgraph.sources.mapping import parse_mapping

MATRIX = CAVIAR_MATRIX
N_NODES, N_LINES, N_CALLS = 110, 295, 3546


@pytest.fixture(scope="module")
def calls_csv(tmp_path_factory) -> Path:
    if not MATRIX.exists():
        pytest.fail(f"CAVIAR matrix missing: expected {MATRIX} (fixtures/networks/)")
    out = tmp_path_factory.mktemp("caviar") / "caviar_calls.csv"
    caviar_calls_csv(MATRIX, out)
    return out


def person_settings_by_line():
    """The default models, with a person's phone line as a strong identifier: in CAVIAR one line is
    one participant. (With the default model the hub n1, on 91 of 295 lines, gets a term-frequency
    penalty on his own name and is split: see test_default_model_keeps_the_hub_whole.)"""
    settings = load_settings_dir(DEFAULT_RULES)
    person = settings["person"]
    settings["person"] = person.model_copy(update={"identifiers": [*person.identifiers, "phone"]})
    return settings


@pytest.fixture(scope="module")
def resolution(calls_csv):
    return linkgraph.resolve_sources([(parse_mapping(caviar_mapping(), "caviar_mapping()"), calls_csv)],
                                     settings=person_settings_by_line())


def test_calls_csv(calls_csv):
    table = pd.read_csv(calls_csv, dtype=str)
    assert list(table.columns) == CALLS_COLUMNS
    assert len(table) == N_LINES and table["nb_appels"].astype(int).sum() == N_CALLS
    assert caviar_number(1) == "+33610000001" and caviar_number(110) == "+33610000110"
    first = table[(table["appelant_nom"] == "n1") & (table["appele_nom"] == "n3")].iloc[0]
    assert first["appelant"] == "+33610000001" and first["appele"] == "+33610000003" and first["nb_appels"] == "337"
    assert set(table["appelant_nom"]) | set(table["appele_nom"]) == {f"n{k}" for k in range(1, N_NODES + 1)}


def test_resolution_projection_and_mastermind(resolution):
    assert len(resolution.rejects) == 0
    assert resolution.entities["entity_type"].value_counts().to_dict() == {"person": N_NODES, "phone": N_NODES}
    edges = edge_table(resolution.relations)
    calls = edges[edges["type"] == "called"]
    assert len(calls) == N_LINES and calls["weight"].sum() == N_CALLS  # weighted by the calls attribute
    assert calls["evidence"].map(len).eq(1).all()

    projection = person_projection(edges, resolution.entities)
    assert set(projection["from_type"]) | set(projection["to_type"]) == {"person"}
    nodes = projection_nodes(projection, resolution.entities)
    assert (nodes["entity_type"] == "person").sum() == N_NODES and len(nodes) == N_NODES
    assert projection["calls"].sum() == N_CALLS and (projection["rules"] == "calls").all()

    label = resolution.entities.set_index("entity_id")["last_name"]
    strength = weighted_degree(projection).rename(index=label)
    assert strength.idxmax() == "n1" and strength["n1"] == 2047  # n1, Serero, the mastermind
    metrics = analyse(projection, nodes).assign(name=lambda f: f.index.map(label)).set_index("name")
    assert metrics["weighted_degree"].idxmax() == "n1" and metrics["betweenness"].idxmax() == "n1"
    assert set(metrics.nlargest(5, "weighted_degree").index) >= {"n1", "n3", "n12"}


def test_default_model_keeps_the_hub_whole(calls_csv):
    """Term frequencies shrunk towards u and counted per entity keep the hub n1 whole."""
    result = linkgraph.resolve_sources([(parse_mapping(caviar_mapping()), calls_csv)])
    assert (result.entities["entity_type"] == "person").sum() == N_NODES
