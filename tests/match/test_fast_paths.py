"""The faster matching helpers (issue 6, second round) give what a plain per-item computation gives."""
import itertools

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler, Levenshtein

from linkgraph.match.blocking import _group_codes, candidate_pairs, pairs_within_groups
from linkgraph.match.compare import Columns, comparison_levels
from linkgraph.match.settings import Comparison
from linkgraph.match.cluster import dates_compatible


def test_pairs_within_groups_order_is_group_by_group_then_rows():
    rng = np.random.default_rng(11)
    for _ in range(200):
        codes = rng.integers(-1, rng.integers(1, 12), size=rng.integers(0, 80))
        i, j = pairs_within_groups(codes)
        expected = [(a, b) for g in sorted(set(codes[codes >= 0].tolist()))
                    for a, b in itertools.combinations(np.flatnonzero(codes == g).tolist(), 2)]
        assert list(zip(i.tolist(), j.tolist())) == expected
        assert i.dtype == np.int64 and j.dtype == np.int64


def test_group_codes_and_shared_factorization_give_the_same_pairs():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"a": rng.choice(["x", "y", None], 400), "b": rng.choice(["p", "q", "r", None], 400)})
    rules = [["a"], ["b"], ["a", "b"]]
    for rule in rules:
        codes = _group_codes(df, rule)
        for r, s in itertools.combinations(range(len(df)), 2):
            same = all(df[c].iloc[r] is not None and df[c].iloc[r] == df[c].iloc[s] for c in rule)
            assert same == (codes[r] >= 0 and codes[r] == codes[s])
    cols = Columns(df)
    given = {c: (cols.codes(c), len(cols.uniques(c))) for c in ("a", "b")}
    i, j = candidate_pairs(df, rules, factorized=given)
    ri, rj = candidate_pairs(df, rules)
    assert np.array_equal(i, ri) and np.array_equal(j, rj)


def _reference_level(comp: Comparison, df: pd.DataFrame, r: int, s: int) -> int:
    """The level of one pair, computed value by value."""
    def val(col, k):
        v = df[col].iloc[k]
        return None if v is None or v != v else v

    if val(comp.column, r) is None or val(comp.column, s) is None:
        return -1
    for k, level in enumerate(comp.levels):
        col = level.column or comp.column
        a, b = val(col, r), val(col, s)
        if level.kind == "else":
            return k
        if level.kind == "exact" and a is not None and a == b:
            return k
        if level.kind == "swapped":
            oa, ob = val(comp.other_column, r), val(comp.other_column, s)
            if None not in (a, b, oa, ob) and a == ob and oa == b:
                return k
        if level.kind == "date_swap" and a is not None and b is not None and a != b and dates_compatible(a, b) \
                and a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
            return k
        if level.kind == "jaro_winkler" and a is not None and b is not None \
                and JaroWinkler.normalized_similarity(a, b) >= level.threshold:
            return k
        if level.kind == "levenshtein" and a is not None and b is not None \
                and Levenshtein.distance(a, b) <= level.threshold:
            return k
        if level.kind == "first_token" and a is not None and b is not None \
                and JaroWinkler.normalized_similarity(a.split(" ")[0], b.split(" ")[0]) >= level.threshold:
            return k
        if level.kind == "initial" and a is not None and b is not None and a[:1] == b[:1] \
                and (len(a) == 1 or len(b) == 1):
            return k
    raise AssertionError("the else level takes every pair")


def test_comparison_levels_match_a_pair_by_pair_reference():
    rng = np.random.default_rng(2)
    names = ["marie", "mari", "marie anne", "marieanne", "m", "anne", "annie", "jean", "li", "li xiaoping wang", None]
    dates = ["1990-01-02", "1990-02-01", "1990-01-03", "1991-01-02", "1990-13-01", None]
    n = 200
    df = pd.DataFrame({"first": rng.choice(np.array(names, dtype=object), n),
                       "last": rng.choice(np.array(names, dtype=object), n),
                       "dob": rng.choice(np.array(dates, dtype=object), n)})
    df["key"] = df["first"].str.replace(" ", "", regex=False)
    first = Comparison(name="first", column="first", other_column="last", levels=[
        {"kind": "exact"}, {"kind": "swapped"}, {"kind": "exact", "column": "key"},
        {"kind": "jaro_winkler", "threshold": 0.92}, {"kind": "jaro_winkler", "threshold": 0.8},
        {"kind": "first_token", "threshold": 0.92}, {"kind": "initial"}, {"kind": "else"}])
    dob = Comparison(name="dob", column="dob", levels=[
        {"kind": "exact"}, {"kind": "date_swap"}, {"kind": "levenshtein", "threshold": 1}, {"kind": "else"}])
    i, j = (np.array(x) for x in zip(*itertools.combinations(range(n), 2)))
    cols = Columns(df)
    for comp in (first, dob):
        got = comparison_levels(comp, cols, i, j)
        want = [_reference_level(comp, df, r, s) for r, s in zip(i.tolist(), j.tolist())]
        assert got.tolist() == want
        assert len(set(want)) == len(comp.levels) + 1  # every level (and missing) occurs


def test_tf_counts_count_each_value_once_per_entity():
    from linkgraph.match.model import _tf_counts

    rng = np.random.default_rng(9)
    codes = rng.integers(-1, 15, 2000)
    entities = rng.integers(0, 300, 2000) * 7  # labels need not be compact
    got = _tf_counts(codes, entities)
    want = [len({e for e, c in zip(entities.tolist(), codes.tolist()) if c == v}) for v in range(15)]
    assert got.tolist() == want
    assert _tf_counts(codes, None).tolist() == [int((codes == v).sum()) for v in range(15)]


def test_log2_ratios_sum_the_non_missing_levels():
    from linkgraph.match.em import log2_ratios

    rng = np.random.default_rng(4)
    bfs = [rng.normal(size=k) for k in (4, 2, 3)]
    levels = np.column_stack([rng.integers(-1, k, 500) for k in (4, 2, 3)]).astype(np.int8)
    want = [sum(bfs[c][lv] for c, lv in enumerate(row) if lv >= 0) for row in levels.tolist()]
    assert np.allclose(log2_ratios(levels, bfs), want, rtol=0, atol=1e-12)


def test_score_tf_adjustment_is_the_values_own_frequency():
    from linkgraph.match.model import TF_PSEUDO_RECORDS, score
    from linkgraph.match.settings import Settings

    rng = np.random.default_rng(8)
    n = 400
    df = pd.DataFrame({"name": rng.choice(np.array(["ana", "bob", "cy", "dee", None], dtype=object), n, p=[.5, .2, .15, .1, .05])})
    settings = Settings(entity_type="person", blocking=[["name"]], comparisons=[{"name": "name", "column": "name", "levels": [
        {"kind": "exact", "tf": True, "m": 0.9, "u": 0.2}, {"kind": "else", "m": 0.1, "u": 0.8}]}],
        probability_two_random_records_match=0.01)
    i, j = (np.array(x) for x in zip(*itertools.combinations(range(n), 2)))
    entities = rng.integers(0, 150, n)
    for ent in (None, entities):
        scored = score(settings, df, i, j, entities=ent)
        names = df["name"].tolist()
        bearers = {v: len({(ent[k] if ent is not None else k) for k in range(n) if names[k] == v}) for v in set(names) - {None}}
        total = sum(bearers.values())
        for k in rng.choice(len(i), 300, replace=False).tolist():
            a = names[i[k]]
            if a is not None and a == names[j[k]]:
                freq = (bearers[a] + TF_PSEUDO_RECORDS * 0.2) / (total + TF_PSEUDO_RECORDS)
                assert scored.tf_adjustment[k, 0] == np.log2(0.2 / max(freq, settings.tf_minimum))
            else:
                assert scored.tf_adjustment[k, 0] == 0


def test_sorted_factorize_is_pandas_sorted_factorize():
    from linkgraph.match.entities import sorted_factorize

    rng = np.random.default_rng(6)
    words = np.array(["b", "a", "ab", "é", "Z", "a\x00", "", "zz", None, np.nan], dtype=object)
    for values in (rng.choice(words, 500), rng.choice(words[:5], 50), np.array([3, 1, None, 2], dtype=object),
                   np.array(["x", 1, "y", None], dtype=object), np.array([None, None], dtype=object)):
        series = pd.Series(values, dtype=object)
        codes, uniques = sorted_factorize(series)
        want_codes, want_uniques = pd.factorize(series, sort=True)
        assert codes.tolist() == want_codes.tolist()
        assert list(uniques) == list(want_uniques)
    dates = pd.Series(["2021-01-02", None, "2020-05-01", "2021-01-02"], dtype="string")
    codes, uniques = sorted_factorize(dates)
    assert codes.tolist() == [1, -1, 0, 1] and list(uniques) == ["2020-05-01", "2021-01-02"]


def test_resolve_leaves_the_extraction_as_it_was():
    from linkgraph.match.pipeline import resolve
    from linkgraph.sources.extract import Extraction

    base = {"source": "s", "agency": "a", "classification": "c", "file": "f.csv", "date": "2024-01-01"}
    mentions = pd.DataFrame([
        {**base, "mention_id": "s:1:p", "row": 1, "entity_type": "person", "first_name": "ana", "last_name": "roy",
         "dob": "1990-01-02", "phone": None},
        {**base, "mention_id": "s:2:p", "row": 2, "entity_type": "person", "first_name": "ana", "last_name": "roy",
         "dob": "1990-01-02", "phone": "0611"},
        {**base, "mention_id": "s:1:t", "row": 1, "entity_type": "phone", "number": "0600"},
        {**base, "mention_id": "s:2:t", "row": 2, "entity_type": "phone", "number": "0611"},
    ])
    relations = pd.DataFrame({"from_mention": ["s:1:p", "s:2:p"], "to_mention": ["s:1:t", "s:2:t"],
                              "type": ["uses", "uses"], "source": "s"})
    extraction = Extraction(rows=pd.DataFrame(), mentions=mentions, relations=relations)
    before = mentions.copy(deep=True)
    result = resolve(extraction)
    pd.testing.assert_frame_equal(extraction.mentions, before)
    assert "entity_id" not in extraction.mentions
    phones = result.mentions.set_index("mention_id")["phone"]
    assert phones["s:1:p"] == "0600" and phones["s:2:p"] == "0611"  # the context filled the empty one only


def test_hex16_is_format_016x():
    from linkgraph.match.ids import hex16

    rng = np.random.default_rng(12)
    values = np.r_[np.array([0, 1, 15, 16, 2**63, 2**64 - 1], dtype=np.uint64),
                   rng.integers(0, 2**63, 500, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)]
    assert hex16(values).tolist() == ["{:016x}".format(int(v)) for v in values]


def test_shared_codes_one_code_space_both_ways():
    df = pd.DataFrame({"a": ["x", "y", None, "z"], "b": ["y", "x", "x", None]})
    cols = Columns(df)
    ab_a, ab_b = cols.shared_codes("a", "b")
    ba_b, ba_a = cols.shared_codes("b", "a")
    assert np.array_equal(ab_a, ba_a) and np.array_equal(ab_b, ba_b)
    values = {k: df[k].tolist() for k in "ab"}
    for r, s in itertools.product(range(4), repeat=2):
        same = values["a"][r] is not None and values["a"][r] == values["b"][s]
        assert same == (ab_a[r] >= 0 and ab_a[r] == ab_b[s])


def test_comparison_matrix_in_threads_equals_one_at_a_time(monkeypatch):
    from linkgraph.match import compare

    rng = np.random.default_rng(13)
    names = np.array(["marie", "mari", "anne", "annie", "jean", "li xiaoping", "li", None], dtype=object)
    n = 300
    df = pd.DataFrame({"first": rng.choice(names, n), "last": rng.choice(names, n)})
    comps = [Comparison(name=c, column=c, other_column=o, levels=[
        {"kind": "exact"}, {"kind": "swapped"}, {"kind": "jaro_winkler", "threshold": 0.9},
        {"kind": "jaro_winkler", "threshold": 0.7}, {"kind": "else"}]) for c, o in (("first", "last"), ("last", "first"))]
    i, j = (np.array(x) for x in zip(*itertools.combinations(range(n), 2)))
    monkeypatch.setattr(compare, "WORKERS", 1)
    serial = compare.comparison_matrix(comps, Columns(df), i, j)
    monkeypatch.setattr(compare, "WORKERS", 2)
    monkeypatch.setattr(compare, "THREADED_PAIRS", 0)
    threaded = compare.comparison_matrix(comps, Columns(df), i, j)
    assert np.array_equal(serial, threaded)
    assert [comparison_levels(c, Columns(df), i, j).tolist() for c in comps] == threaded.T.tolist()


def test_edge_order_is_the_stable_sort_by_origin_then_falling_weight():
    from linkgraph.match.cluster import Edges, edge_order

    rng = np.random.default_rng(14)
    m = 400
    origin = rng.choice(np.array(["model", "identifier", "judgment", "other"], dtype=object), m)
    weight = np.where(origin == "model", rng.integers(0, 6, m).astype(float), np.inf)
    edges = Edges(np.arange(m), np.arange(m) + 1, weight, origin)
    sel = np.sort(rng.choice(m, 250, replace=False))
    rank = {"judgment": 0, "identifier": 1, "model": 2}
    want = sorted(sel.tolist(), key=lambda e: (rank.get(origin[e], 3), -weight[e]))
    assert edge_order(edges, sel).tolist() == want


def test_pair_similarity_distance_cutoff_keeps_exact_distances_up_to_it():
    from linkgraph.match.compare import pair_similarity

    rng = np.random.default_rng(15)
    uniques = np.array(["1990-01-02", "1990-01-03", "1991-02-01", "2001-12-30", "marie", "mari", "maria anne",
                        "jean", "jeanne", "anne"], dtype=object)
    a, b = rng.integers(0, len(uniques), 3000), rng.integers(0, len(uniques), 3000)
    for cut in (1, 2):
        full = pair_similarity("levenshtein", a, b, uniques)
        got = pair_similarity("levenshtein", a, b, uniques, cut)
        assert np.array_equal(got[full <= cut], full[full <= cut]) and (got[full > cut] == cut + 1).all()


def test_mode_per_entity_is_the_most_frequent_then_smallest_value():
    from collections import Counter

    from linkgraph.match.entities import _mode_per_entity

    rng = np.random.default_rng(16)
    words = np.array(["b", "a", "c", "ab", None], dtype=object)
    entity = rng.integers(0, 60, 700)
    values = pd.Series(rng.choice(words, 700), dtype=object)
    got = _mode_per_entity(entity, 62, values)  # entities 60 and 61 have no mention
    for e in range(62):
        seen = Counter(v for k, v in zip(entity.tolist(), values.tolist()) if k == e and v is not None)
        if not seen:
            assert got[e] != got[e]  # NaN
        else:
            top = max(seen.values())
            assert got[e] == min(v for v, c in seen.items() if c == top)


def test_suspect_components_hold_two_values_or_a_cannot_link_pair():
    from linkgraph.match.cluster import ConstraintValues, _suspect_components

    rng = np.random.default_rng(17)
    labels = rng.integers(0, 40, 300)
    values = rng.choice(np.array(["x", "y", None, np.nan], dtype=object), 300, p=[.6, .05, .2, .15])
    a, b = np.array([0, 1]), np.array([5, 9])
    got = _suspect_components(labels, [ConstraintValues("v", values)], (a, b))
    for comp in range(40):
        seen = {v for k, v in zip(labels.tolist(), values.tolist()) if k == comp and v is not None and v == v}
        linked = any(labels[x] == comp and labels[y] == comp for x, y in zip(a, b))
        assert got[comp] == (len(seen) > 1 or linked)
