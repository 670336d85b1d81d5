import itertools

import numpy as np
import pytest

from linkgraph.evaluate.metrics import pairwise_scores


def _pairs(labels):
    return {(a, b) for a, b in itertools.combinations(range(len(labels)), 2) if labels[a] == labels[b]}


@pytest.mark.parametrize("seed", range(20))
def test_pairwise_scores_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    pred, true = rng.integers(0, 8, 40), rng.integers(0, 8, 40)
    p, t = _pairs(pred), _pairs(true)
    s = pairwise_scores(pred, true)
    assert (s.tp, s.fp, s.fn) == (len(p & t), len(p - t), len(t - p))


def test_perfect_and_empty():
    s = pairwise_scores(["a", "a", "b"], ["x", "x", "y"])
    assert s.f1 == 1.0 and s.line("person") == "person precision=1.0000 recall=1.0000 f1=1.0000"
