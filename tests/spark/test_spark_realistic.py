"""A realistic person file (real name frequencies, namesakes, agency noise) through both engines:
the same entities, by the same plan — with the default budget and with one small enough that
oversized blocks are refined."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from linkgraph.api import read_sources
from linkgraph.match.pipeline import DEFAULT_RULES, resolve
from linkgraph.match.settings import load_settings_dir
from linkgraph.match.spark import table_resolver

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from persons_realistic import generate  # noqa: E402

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def extraction(tmp_path_factory):
    folder = tmp_path_factory.mktemp("realistic")
    manifest = generate(folder, 5000, seed=7, single_file=True)
    return read_sources([(str(folder / f"{name}.yaml"), folder / file) for name, file in manifest["files"].items()])


def _settings(budget: int | None):
    settings = load_settings_dir(DEFAULT_RULES)
    if budget is not None:
        person = settings["person"]
        settings["person"] = person.model_copy(update={"budget": person.budget.model_copy(
            update={"pairs_per_rule": budget, "chunk_pairs": 1500})})
    return settings


def _same(local, on_spark) -> None:
    assert on_spark.mentions["mention_id"].tolist() == local.mentions["mention_id"].tolist()
    assert on_spark.mentions["entity_id"].tolist() == local.mentions["entity_id"].tolist()
    for entity_type, (_, res) in local.tables.items():
        other = on_spark.tables[entity_type][1]
        assert other.settings == res.settings, entity_type  # the same training result
        assert other.report == res.report, entity_type  # the same plan, pairs compared and kept, second pass
        assert np.array_equal(other.labels, res.labels)
        assert np.array_equal(other.clustering.used, res.clustering.used)
        if res.scored is not None:
            for f in ("i", "j", "levels", "weight", "tf_adjustment"):
                assert np.array_equal(getattr(other.scored, f), getattr(res.scored, f)), (entity_type, f)


@pytest.mark.parametrize("budget", [None, 4000])
def test_realistic_file_same_entities(spark, extraction, budget):
    settings = _settings(budget)
    local = resolve(extraction, settings)
    on_spark = resolve(extraction, settings, table_resolver=table_resolver("spark", spark=spark))
    _same(local, on_spark)
    person = local.tables["person"][1]
    refined = [r for r in person.report["blocking"] if r["refined_blocks"]]
    if budget is None:
        assert not refined
    else:
        # the budget split the oversized blocks of some rules, and only those rules changed
        assert refined and all(r["pairs_after_refinement"] <= budget < r["pairs_counted"] for r in refined)
        assert all(r["pairs_after_refinement"] == r["pairs_counted"] for r in person.report["blocking"]
                   if not r["refined_blocks"])
    assert len(person.scored.i) > 1000 and person.labels.max() + 1 < len(person.labels)  # people were linked
