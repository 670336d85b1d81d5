import itertools

import numpy as np
import pandas as pd

from linkgraph.match.blocking import candidate_pairs, pairs_within_groups


def test_pairs_within_groups_matches_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(200):
        codes = rng.integers(-1, rng.integers(1, 20), size=rng.integers(0, 120))
        i, j = pairs_within_groups(codes)
        expected = {(a, b) for a, b in itertools.combinations(range(len(codes)), 2) if codes[a] == codes[b] >= 0}
        assert set(zip(i.tolist(), j.tolist())) == expected
        assert len(i) == len(expected)


def test_candidate_pairs_union_of_rules_without_missing_keys():
    df = pd.DataFrame({"a": ["x", "x", None, "y"], "b": ["1", "2", "2", None]})
    i, j = candidate_pairs(df, [["a"], ["b"]])
    assert set(zip(i.tolist(), j.tolist())) == {(0, 1), (1, 2)}  # missing values never block together


def test_link_only_keeps_pairs_across_groups():
    df = pd.DataFrame({"a": ["x", "x", "x"]})
    i, j = candidate_pairs(df, [["a"]], groups=np.array([0, 0, 1]), within_groups=False)
    assert set(zip(i.tolist(), j.tolist())) == {(0, 2), (1, 2)}
