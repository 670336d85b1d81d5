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


def test_swapped_level_compares_values_across_columns():
    import numpy as np

    from linkgraph.match.compare import Columns, comparison_levels
    from linkgraph.match.settings import Comparison

    df = pd.DataFrame({"first": ["hamza", "guerroudj", "ali", "x"], "last": ["guerroudj", "hamza", "ben", "y"]})
    comp = Comparison(name="first", column="first", other_column="last",
                      levels=[{"kind": "exact"}, {"kind": "swapped"}, {"kind": "else"}])
    levels = comparison_levels(comp, Columns(df), np.array([0, 0, 2]), np.array([1, 2, 3]))
    assert levels.tolist() == [1, 2, 2]


def test_initial_and_first_token_levels():
    import numpy as np

    from linkgraph.match.compare import Columns, comparison_levels
    from linkgraph.match.settings import Comparison

    df = pd.DataFrame({"first": ["ludovic", "l", "anthony sebastien", "anthony", "karim", "k"]})
    comp = Comparison(name="first", column="first", levels=[
        {"kind": "exact"}, {"kind": "first_token", "threshold": 0.92}, {"kind": "initial"}, {"kind": "else"}])
    i, j = np.array([0, 2, 0, 4, 1]), np.array([1, 3, 4, 5, 5])
    assert comparison_levels(comp, Columns(df), i, j).tolist() == [2, 1, 3, 2, 3]
