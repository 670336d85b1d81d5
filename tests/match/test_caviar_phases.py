"""CAVIAR per phase through ``linkgraph resolve`` with the default models: one person per participant.

In each phase file a participant is one name on one line; the organiser n1 of phase 2 is on 25 of
its 35 rows. Counted per row in the first pass, his own name looked "common" (a term-frequency
penalty of about one bit): his rows fell below the threshold and became 25 entities. The first
pass now counts a value once per group of records identical on every compared column
(``model.content_groups``).
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from linkgraph.graph.datasets import NETWORKS, caviar_calls_csv, caviar_mapping
from linkgraph.match.compare import Columns
from linkgraph.match.model import content_groups, tf_adjustments
from linkgraph.match.resolve_table import blocking_plan, first_pass, threshold_weight
from linkgraph.match.settings import parse_settings
from linkgraph.run_folder import load_run


@pytest.fixture(scope="module")
def mapping(tmp_path_factory):
    path = tmp_path_factory.mktemp("caviar") / "caviar.yaml"
    path.write_text(yaml.safe_dump(caviar_mapping()), encoding="utf-8")
    return path


def _resolve_phase(k: int, mapping, tmp_path) -> pd.DataFrame:
    calls = tmp_path / f"phase{k}_calls.csv"
    caviar_calls_csv(NETWORKS / f"phase{k}.csv", calls)
    out = tmp_path / f"run{k}"
    proc = subprocess.run([sys.executable, "-m", "linkgraph", "resolve", "-m", f"{mapping}:{calls}", "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    mentions = pd.read_parquet(out / "mentions.parquet")
    return mentions[mentions["entity_type"] == "person"].assign(run=str(out))


def test_phase2_organiser_is_one_entity(mapping, tmp_path):
    people = _resolve_phase(2, mapping, tmp_path)
    organiser = people[people["last_name"] == "n1"]
    assert len(organiser) == 25
    assert organiser["entity_id"].nunique() == 1
    # and nobody else is merged with him or split
    assert people.groupby("entity_id")["last_name"].nunique().max() == 1
    assert people["entity_id"].nunique() == people["last_name"].nunique() == 24
    # not by a hair: in the first pass (before any entity is known) his pairs clear the threshold
    # by more than half a bit (they cleared it by 0.04 bits when his rows were counted one by one)
    table, saved = load_run(people["run"].iloc[0]).tables["person"]
    cols = Columns(table)
    scored, _, _ = first_pass(blocking_plan(table, saved.settings, cols), saved.settings, table, cols)
    names = table["last_name"].to_numpy()
    his = (names[scored.i] == "n1") & (names[scored.j] == "n1")
    assert his.sum() == 25 * 24 // 2
    assert scored.weight[his].min() > threshold_weight(saved.settings) + 0.5


@pytest.mark.slow
@pytest.mark.parametrize("k", [1, 3, 5, 8, 11])
def test_other_phases_one_entity_per_participant(k, mapping, tmp_path):
    people = _resolve_phase(k, mapping, tmp_path)
    assert people.groupby("last_name")["entity_id"].nunique().max() == 1
    assert people.groupby("entity_id")["last_name"].nunique().max() == 1


def test_first_pass_counts_repeated_rows_once():
    """A person repeated on many identical rows is not a common name; namesakes that differ count apart."""
    trained = parse_settings({
        "entity_type": "person", "blocking": [["last_name"]], "probability_two_random_records_match": 0.01,
        "comparisons": [
            {"name": "last_name", "column": "last_name",
             "levels": [{"kind": "exact", "tf": True, "m": 0.9, "u": 0.05}, {"kind": "else", "m": 0.1, "u": 0.95}]},
            {"name": "phone", "column": "phone",
             "levels": [{"kind": "exact", "m": 0.8, "u": 0.01}, {"kind": "else", "m": 0.2, "u": 0.99}]}]})
    rows = [("n1", "+33610000001")] * 25 + [(f"n{k}", f"+336100000{k:02d}") for k in range(2, 25)]
    rows += [("martin", "+33611111111"), ("martin", "+33622222222"), ("martin", None)]
    df = pd.DataFrame(rows, columns=["last_name", "phone"])
    cols = Columns(df)
    groups = content_groups(trained, cols)
    assert len(set(groups[:25])) == 1
    assert len(set(groups[-3:])) == 3 and len(set(groups)) == 24 + 3
    per_row = tf_adjustments(trained, cols)[(0, 0)]
    per_group = tf_adjustments(trained, cols, groups)[(0, 0)]
    n1, n2, martin = (cols.codes("last_name")[r] for r in (0, 25, -1))
    assert per_row[n1] < per_row[n2] - 1         # counted per row, his own name looks common
    assert np.isclose(per_group[n1], per_group[n2])  # counted per group, like anyone's
    assert per_group[martin] < per_group[n2]     # three different Martins still make a commoner name
