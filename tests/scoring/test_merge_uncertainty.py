"""Match uncertainty carried into the graph (issue 17, item 5): entities resting on merges below a
probability are flagged, and ``--min-merge-probability`` shows the network without those merges."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import linkgraph
from linkgraph.errors import LinkgraphError
from linkgraph.graph.assemble import resolution_edges
from linkgraph.match.uncertain import merge_probability, merge_report, split_uncertain


@pytest.fixture(scope="module")
def fixtures_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / "run"
    result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])
    linkgraph.save_resolution(result, folder)
    return result, folder


def test_probability_of_a_link():
    p = merge_probability(np.array([0.0, 1.0, -1.0, np.inf]))
    assert p.tolist() == pytest.approx([0.5, 2 / 3, 1 / 3, 1.0])


def test_splitting_drops_exactly_the_links_below_the_threshold(fixtures_run):
    result, _ = fixtures_run
    split, report = split_uncertain(result, 0.99)
    flagged = report[report["uncertain"]]
    assert len(flagged) > 0                                     # the fixtures hold merges below 0.99
    assert len(split.entities) == len(result.entities) + int((flagged["parts"] - 1).sum())
    # every part is held together by links at or above 0.99, and no such link joins two parts
    for entity_type, (table, res) in result.tables.items():
        ids = table["mention_id"].to_numpy()
        used = np.asarray(res.clustering.used, dtype=bool)
        e = res.edges
        p = merge_probability(e.weight[used])
        new = split.mentions.set_index("mention_id")["entity_id"]
        a, b = new.loc[ids[e.i[used]]].to_numpy(), new.loc[ids[e.j[used]]].to_numpy()
        assert (a[p >= 0.99] == b[p >= 0.99]).all()
        old = result.mentions.set_index("mention_id")["entity_id"]
        weak = p < 0.99
        # a weak link joins two parts unless stronger links hold its two ends together anyway
        assert ((a[weak] != b[weak]) | (old.loc[ids[e.i[used]]].to_numpy()[weak] == a[weak])).all()
    # the largest part keeps the id; others are ID~k with split_from, all flagged
    parts = split.entities[split.entities["split_from"].notna()]
    assert set(parts["split_from"]) == set(flagged["entity_id"])
    assert parts["entity_id"].str.contains("~").all() and split.entities.loc[parts.index, "uncertain_merge"].all()
    assert set(flagged["entity_id"]) <= set(split.entities["entity_id"])
    # relations follow the mentions: the network drops the uncertain merges
    edges = resolution_edges(split)
    assert edges["from_entity"].isin(split.entities["entity_id"]).all()
    moved = split.relations["from_entity"] != result.relations["from_entity"]
    assert moved.any() and split.relations.loc[moved, "from_entity"].str.contains("~").all()


def test_a_threshold_below_every_link_changes_nothing(fixtures_run):
    result, _ = fixtures_run
    low = merge_report(result, 0.01)
    split, _ = split_uncertain(result, low["weakest_probability"].min() / 2)
    assert len(split.entities) == len(result.entities) and not low["uncertain"].any()
    pd.testing.assert_series_equal(split.mentions["entity_id"], result.mentions["entity_id"])


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.2])
def test_threshold_must_be_a_probability(fixtures_run, bad):
    with pytest.raises(LinkgraphError, match="between 0 and 1"):
        split_uncertain(fixtures_run[0], bad)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "linkgraph.cli", *args], capture_output=True, text=True)


@pytest.mark.slow
def test_score_and_chart_with_min_merge_probability(fixtures_run, tmp_path):
    _, run = fixtures_run
    proc = _cli("score", str(run), "--min-merge-probability", "0.99", "--top", "400", "-o", str(tmp_path / "s"))
    assert proc.returncode == 0, proc.stderr
    assert "merges below probability 0.99" in proc.stdout
    merges = pd.read_csv(tmp_path / "s" / "uncertain_merges.csv")
    assert len(merges) and (merges["parts"] > 1).all() and (merges["weakest_probability"] < 0.99).all()
    ranked = pd.read_csv(tmp_path / "s" / "ranked.csv", dtype=str)
    assert "split_from" in ranked and ranked["split_from"].notna().sum() >= 1
    plain = _cli("score", str(run), "--top", "400", "-o", str(tmp_path / "p"))
    assert plain.returncode == 0 and not (tmp_path / "p" / "uncertain_merges.csv").exists()
    proc = _cli("chart", str(run), "--top", "5", "--min-merge-probability", "0.99", "-o", str(tmp_path / "c.html"))
    assert proc.returncode == 0, proc.stderr
    assert "merges below probability 0.99" in proc.stdout


@pytest.mark.parametrize("value", ["1.5", "abc", "0"])
def test_cli_errors_are_clear_without_a_traceback(fixtures_run, value, tmp_path):
    _, run = fixtures_run
    proc = _cli("score", str(run), "--min-merge-probability", value, "-o", str(tmp_path / "s"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "min-merge-probability" in proc.stderr + proc.stdout
