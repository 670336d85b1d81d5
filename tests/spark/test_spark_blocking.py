"""Spark blocking gives exactly the local candidate pairs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linkgraph.api import load_mappings, read_sources
from linkgraph.match.blocking import candidate_pairs as local_pairs
from linkgraph.match.pipeline import DEFAULT_RULES, _type_table, _with_context
from linkgraph.match.settings import load_settings_dir
from linkgraph.match.spark.blocking import candidate_pairs
from linkgraph.match.spark.frames import records_frame, used_columns

pytestmark = pytest.mark.spark


def _pairs(frame) -> set[tuple[int, int]]:
    got = frame.toPandas()
    pairs = set(zip(got["i"].tolist(), got["j"].tolist()))
    assert len(pairs) == len(got)  # no duplicates across rules
    return pairs


def test_fixture_people_same_pairs_as_local(spark, repo):
    extraction = read_sources([(m, None) for m in load_mappings(repo / "rules" / "sources")])
    mentions = _with_context(extraction.mentions.copy(), extraction.relations)
    settings = load_settings_dir(DEFAULT_RULES)["person"]
    table = _type_table(mentions, "person")
    i, j = local_pairs(table, settings.blocking)
    got = _pairs(candidate_pairs(records_frame(spark, table, used_columns(settings, table)), settings.blocking))
    assert len(i) > 1000
    assert got == set(zip(i.tolist(), j.tolist()))


def test_missing_values_rules_and_link_only(spark):
    rng = np.random.default_rng(3)
    n = 400
    table = pd.DataFrame({"a": rng.choice(["x", "y", "z", None, ""], n), "b": rng.choice(["1", "2", None], n),
                          "source": rng.choice(["s1", "s2", "s3"], n)})
    rules = [["a"], ["a", "b"], ["b"], ["absent"]]
    records = records_frame(spark, table, ["a", "b", "source"])
    i, j = local_pairs(table, rules)
    assert _pairs(candidate_pairs(records, rules)) == set(zip(i.tolist(), j.tolist()))
    groups = pd.factorize(table["source"])[0]
    i, j = local_pairs(table, [["b"]], groups, within_groups=False)
    cross = _pairs(candidate_pairs(records, [["b"]], link_type="link_only"))
    assert cross == set(zip(i.tolist(), j.tolist())) and len(cross) > 0
