"""Pair budget: counting, refinement of oversized blocks only, streaming in chunks = all at once."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from linkgraph.errors import BudgetError
from linkgraph.match.blocking import (_group_codes, block_pair_counts, candidate_pairs, pairs_in_chunks,
                                      pairs_within_groups, plan_blocking)
from linkgraph.match.cluster import Edges
from linkgraph.match.compare import Columns
from linkgraph.match.model import score
from linkgraph.match.resolve_table import _cluster, identifier_edges, resolve_table
from linkgraph.match.settings import load_settings

REPO = Path(__file__).resolve().parents[2]


def _set(i, j) -> set:
    return set(zip(i.tolist(), j.tolist()))


def test_counts_equal_the_pairs_made():
    rng = np.random.default_rng(1)
    for _ in range(50):
        codes = rng.integers(-1, rng.integers(1, 15), size=rng.integers(2, 90))
        assert int(block_pair_counts(codes).sum()) == len(pairs_within_groups(codes)[0])


def test_chunks_give_the_pairs_in_the_same_order():
    rng = np.random.default_rng(2)
    for size in (1, 3, 17, 1000):
        codes = rng.integers(-1, 6, size=70)
        got = list(pairs_in_chunks(codes, size))
        assert all(len(i) <= max(size, 69) for i, _ in got)
        i = np.concatenate([c[0] for c in got])
        j = np.concatenate([c[1] for c in got])
        ri, rj = pairs_within_groups(codes)
        assert np.array_equal(i, ri) and np.array_equal(j, rj)


def _people() -> pd.DataFrame:
    # one large block of "martin" (60 records over 6 birth years) and small blocks of rarer names
    last = ["martin"] * 60 + [f"name{k // 3}" for k in range(45)]
    year = [str(1970 + k % 6) for k in range(60)] + [str(1980 + k % 2) for k in range(45)]
    return pd.DataFrame({"last": last, "year": year})


def test_only_the_oversized_block_is_refined():
    df = _people()
    before = _set(*candidate_pairs(df, [["last"]]))
    assert len(before) == 60 * 59 // 2 + 15 * 3
    plan = plan_blocking(df, [["last"]], budget=600, refine=["last", "year"])
    rule = plan.rules[0]
    assert rule.pairs_counted == len(before)
    assert rule.keys_added == ["year"] and rule.refined_blocks == 1
    after = _set(*candidate_pairs(df, [["last"]], budget=600, refine=["year"]))
    assert rule.pairs == len(after) <= 600
    small = {(a, b) for a, b in before if df["last"][a] != "martin"}
    big = {(a, b) for a, b in before if df["last"][a] == "martin"}
    assert small <= after  # the blocks within budget keep every pair
    assert after - small == {(a, b) for a, b in big if df["year"][a] == df["year"][b]}  # the large one split by year


def test_within_budget_nothing_changes():
    df = _people()
    plan = plan_blocking(df, [["last"], ["year"]], budget=10**6, refine=["year"])
    assert [r.refined_blocks for r in plan.rules] == [0, 0]
    assert np.array_equal(plan.rules[0].codes, _group_codes(df, ["last"]))


def test_a_budget_that_cannot_be_met_stops_with_what_to_change():
    df = pd.DataFrame({"dob": ["2000-01-01"] * 50, "year": ["2000"] * 50})
    with pytest.raises(BudgetError) as err:
        plan_blocking(df, [["dob"]], budget=100, refine=["year"], name="person (rules/matching/person.yaml)")
    msg = str(err.value)
    assert "person" in msg and "[dob]" in msg and "1,225" in msg
    assert "budget.pairs_per_rule" in msg and "budget.refine" in msg


@pytest.fixture(scope="module")
def people_table() -> pd.DataFrame:
    from linkgraph.api import load_mappings, read_sources
    from linkgraph.match.pipeline import _type_table, _with_context

    ex = read_sources([(m, None) for m in load_mappings(REPO / "rules" / "sources")])
    return _type_table(_with_context(ex.mentions.copy(deep=False), ex.relations), "person")


def _with_budget(settings, **kw):
    return settings.model_copy(update={"budget": settings.budget.model_copy(update=kw)})


def test_chunked_scoring_equals_unchunked(people_table):
    settings = load_settings(REPO / "rules" / "matching" / "person.yaml")
    whole = resolve_table(people_table, _with_budget(settings, chunk_pairs=10**9))
    small = resolve_table(people_table, _with_budget(settings, chunk_pairs=37))
    assert whole.report["pairs_compared"] > 20 * 37  # many chunks
    assert small.settings.model_copy(update={"budget": whole.settings.budget}) == whole.settings  # same model
    assert np.array_equal(small.labels, whole.labels)
    for f in ("i", "j", "levels", "weight", "probability", "tf_adjustment"):
        assert np.array_equal(getattr(small.scored, f), getattr(whole.scored, f)), f
    assert np.array_equal(small.edges.i, whole.edges.i) and np.array_equal(small.clustering.used, whole.clustering.used)


def test_streaming_keeps_the_result_of_scoring_every_pair(people_table):
    """Every candidate pair scored at once (both passes, as before streaming) gives the same entities,
    and the same weights on the pairs kept."""
    settings = load_settings(REPO / "rules" / "matching" / "person.yaml")
    res = resolve_table(people_table, settings)
    trained = res.settings
    df = people_table
    i, j = candidate_pairs(df, settings.blocking)
    cols = Columns(df)
    fixed = [identifier_edges(df, settings.identifiers)]
    first = score(trained, df, i, j, cols)
    _, clustering = _cluster(df, trained, fixed, first, None)
    second = score(trained, df, i, j, cols, entities=clustering.labels)
    _, clustering = _cluster(df, trained, fixed, second, None)
    assert np.array_equal(clustering.labels, res.labels)
    key = pd.Index(i * len(df) + j)
    at = key.get_indexer(res.scored.i * len(df) + res.scored.j)
    assert (at >= 0).all()
    assert np.array_equal(second.weight[at], res.scored.weight)
    # what was dropped lies below the floor, far from the threshold
    dropped = np.ones(len(i), dtype=bool)
    dropped[at] = False
    assert (second.weight[dropped] < res.report["keep_floor_weight"] + res.report["second_pass_max_rise"]).all()
    assert (second.probability[dropped] < trained.threshold).all()
    assert len(res.scored.i) < len(i)


def test_progress_counts_pairs_up_to_the_total(people_table):
    settings = load_settings(REPO / "rules" / "matching" / "person.yaml")
    calls = []
    res = resolve_table(people_table, _with_budget(settings, chunk_pairs=50), progress=lambda d, t: calls.append((d, t)))
    done = [d for d, _ in calls]
    assert len(calls) > 10 and done == sorted(done)
    total = res.report["pairs_to_generate"]
    assert calls[-1] == (total, total) and {t for _, t in calls} == {total}
