"""The vectorized helpers of the matching stage give what the straightforward computation gives."""
import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from linkgraph.match.blocking import _group_codes, candidate_pairs, pairs_within_groups
from linkgraph.match.cluster import _split_by
from linkgraph.match.compare import pair_similarity
from linkgraph.match.em import _patterns


def test_patterns_are_the_distinct_rows_with_counts_in_row_order():
    rng = np.random.default_rng(3)
    levels = np.column_stack([rng.integers(-1, k, 5000) for k in (9, 4, 2, 1)]).astype(np.int8)
    levels[:, 3] = -1  # a comparison that is always missing
    patterns, counts = _patterns(levels)
    expected, expected_counts = np.unique(levels, axis=0, return_counts=True)
    assert np.array_equal(patterns, expected)
    assert patterns.dtype == np.int8
    assert np.array_equal(counts, expected_counts)
    assert counts.sum() == len(levels)


def test_patterns_of_no_pairs():
    patterns, counts = _patterns(np.empty((0, 3), dtype=np.int8))
    assert patterns.shape == (0, 3) and len(counts) == 0


def test_pair_similarity_matches_one_call_per_pair():
    uniques = np.array(["mohamed", "mohammed", "karim", "kareem", "dupont", "dupond"], dtype=object)
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, len(uniques), 400), rng.integers(0, len(uniques), 400)
    got = pair_similarity("jaro_winkler", a, b, uniques)
    want = process.cpdist(list(uniques[a]), list(uniques[b]), scorer=JaroWinkler.normalized_similarity)
    assert np.array_equal(got, want)
    dist = pair_similarity("levenshtein", a, b, uniques)
    assert np.array_equal(dist, process.cpdist(list(uniques[a]), list(uniques[b]), scorer=Levenshtein.distance))
    assert dist[a == b].max() == 0 and dist[a != b].min() > 0


def test_candidate_pairs_is_the_sorted_union_of_every_rule():
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"a": rng.choice(["x", "y", "z", None], 300), "b": rng.choice(["p", "q", None], 300),
                       "c": rng.choice(list("abcdefgh"), 300)})
    rules = [["a"], ["a", "b"], ["b", "c"], ["c"]]
    i, j = candidate_pairs(df, rules)
    union = set()
    for rule in rules:
        ri, rj = pairs_within_groups(_group_codes(df, rule))
        union |= set(zip(ri.tolist(), rj.tolist()))
    assert list(zip(i.tolist(), j.tolist())) == sorted(union)
    groups = rng.integers(0, 2, 300)
    li, lj = candidate_pairs(df, rules, groups, within_groups=False)
    assert set(zip(li.tolist(), lj.tolist())) == {p for p in union if groups[p[0]] != groups[p[1]]}


def test_split_by_groups_items_in_ascending_order():
    key = np.array([2, 0, 2, 1, 5, 2, 1])
    parts = _split_by(np.array([0, 2, 3, 5, 6]), key, np.array([1, 2, 5]))
    assert [p.tolist() for p in parts] == [[3, 6], [0, 2, 5], []]
