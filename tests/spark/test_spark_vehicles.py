"""Plates one character dropped on Spark: the same vehicles, edges and refusals as the local engine."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from linkgraph.api import read_sources
from linkgraph.match.pipeline import DEFAULT_RULES, _type_table
from linkgraph.match.resolve_table import resolve_table
from linkgraph.match.settings import load_settings
from linkgraph.match.spark.resolve import resolve_table_spark

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from vehicles_data import generate  # noqa: E402

pytestmark = pytest.mark.spark
HERE = Path(__file__).resolve().parents[2] / "benchmarks" / "vehicles"


def test_near_plate_links_same_on_spark(spark, tmp_path):
    generate(1500, tmp_path, seed=8)
    ex = read_sources([(HERE / f"{s}.yaml", tmp_path / f"{s}.csv") for s in ("pv", "lapi", "controles")])
    table = _type_table(ex.mentions, "vehicle")
    settings = load_settings(DEFAULT_RULES / "vehicle.yaml")
    local = resolve_table(table, settings)
    remote = resolve_table_spark(spark, table, settings)
    assert (local.edges.origin == "one character dropped").sum() > 5
    same = pd.crosstab(local.labels, remote.labels)
    assert ((same > 0).sum(axis=1) == 1).all() and ((same > 0).sum(axis=0) == 1).all()
    assert len(local.clustering.refused) == len(remote.clustering.refused)
