"""The fixtures through both engines: the same entities, ids, trained models and pair weights."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from linkgraph.api import load_mappings, read_sources, resolve_sources
from linkgraph.cli import app
from linkgraph.match.pipeline import resolve
from linkgraph.match.resolve_table import resolve_table
from linkgraph.match.spark.resolve import resolve_table_spark

pytestmark = pytest.mark.spark
REPO = Path(__file__).resolve().parents[2]


def _partition(mentions) -> dict[str, set[frozenset[str]]]:
    out = {}
    for entity_type, group in mentions.groupby("entity_type"):
        out[entity_type] = {frozenset(g) for g in group.groupby("entity_id")["mention_id"]
                            .apply(lambda s: frozenset(s.tolist()))}
    return out


@pytest.fixture(scope="module")
def both(spark):
    specs = [(m, None) for m in load_mappings(REPO / "rules" / "sources")]
    local = resolve(read_sources(specs))
    on_spark = resolve_sources(specs, engine="spark")  # reuses the test session (no master given)
    return local, on_spark


def test_fixtures_same_clusters_and_ids(both):
    local, on_spark = both
    assert _partition(on_spark.mentions) == _partition(local.mentions)
    assert set(_partition(local.mentions)) == {"company", "container", "person", "phone", "place", "vehicle"}
    assert on_spark.mentions["mention_id"].tolist() == local.mentions["mention_id"].tolist()
    assert on_spark.mentions["entity_id"].tolist() == local.mentions["entity_id"].tolist()
    assert on_spark.entities.equals(local.entities)


def test_fixtures_same_models_pairs_and_refusals(both):
    local, on_spark = both
    for entity_type, (table, res) in local.tables.items():
        other = on_spark.tables[entity_type][1]
        assert np.array_equal(other.labels, res.labels)
        assert other.settings == res.settings  # trained m, u and prior identical
        assert np.array_equal(other.edges.i, res.edges.i) and np.array_equal(other.edges.j, res.edges.j)
        assert np.array_equal(other.clustering.used, res.clustering.used)
        assert other.clustering.refused[["i", "j", "reason"]].values.tolist() == \
            res.clustering.refused[["i", "j", "reason"]].values.tolist()
        if res.scored is not None:
            assert np.array_equal(other.scored.i, res.scored.i) and np.array_equal(other.scored.j, res.scored.j)
            assert np.array_equal(other.scored.levels, res.scored.levels)
            assert np.array_equal(other.scored.weight, res.scored.weight)
            assert np.array_equal(other.tf_entities, res.tf_entities)
    # the constraints did refuse merges, so the re-clustering ran in Spark
    assert len(local.tables["person"][1].clustering.refused) > 0


def test_judgments_same_result(spark, both):
    """Analysts' "same" and "not the same" verdicts (judgment edges, cannot-link) agree across engines."""
    local, _ = both
    table, res = local.tables["person"]
    settings = res.settings  # trained: this run skips training
    labels = res.labels
    sizes = np.bincount(labels)
    big = np.flatnonzero(labels == np.argmax(sizes))
    different = (np.array([big[0]]), np.array([big[-1]]))
    alone = np.flatnonzero(sizes[labels] == 1)
    same = (np.array([alone[0], big[1]]), np.array([alone[1], alone[2]]))
    expected = resolve_table(table, settings, same=same, different=different)
    got = resolve_table_spark(spark, table, settings, same=same, different=different)
    assert np.array_equal(got.labels, expected.labels)
    assert np.array_equal(got.clustering.used, expected.clustering.used)
    assert got.labels[big[0]] != got.labels[big[-1]]
    assert got.labels[alone[0]] == got.labels[alone[1]]
    assert any(expected.clustering.refused["reason"].str.contains("analyst"))


def test_refined_blocking_and_kept_pairs_same_result(spark, both):
    """A pair budget small enough to refine blocks: both engines block, keep and score the same pairs."""
    local, _ = both
    table, res = local.tables["person"]
    settings = res.settings.model_copy(update={"budget": res.settings.budget.model_copy(
        update={"pairs_per_rule": 1000, "chunk_pairs": 500})})
    expected = resolve_table(table, settings)
    assert sum(r["refined_blocks"] for r in expected.report["blocking"]) > 0
    calls = []
    got = resolve_table_spark(spark, table, settings, progress=lambda done, total: calls.append((done, total)))
    assert got.report == expected.report  # plan, pairs compared and kept, floor, second pass
    # progress: the bar appears at 0 of the pairs to generate, then counts the pairs compared up to all of them
    assert calls[0] == (0, expected.report["pairs_to_generate"])
    done = [d for d, t in calls[1:]]
    assert done == sorted(done) and calls[-1] == (expected.report["pairs_compared"],) * 2
    assert np.array_equal(got.labels, expected.labels)
    for f in ("i", "j", "levels", "weight", "tf_adjustment"):
        assert np.array_equal(getattr(got.scored, f), getattr(expected.scored, f)), f
    assert got.report["second_pass"] == expected.report["second_pass"]


def test_cli_rejects_unknown_engine():
    result = CliRunner().invoke(app, ["resolve", "--engine", "hadoop"])
    assert result.exit_code != 0 and "engine" in result.output
