"""The real-time lookup compares a record with what a resolution of the same records would compare:
a blocking rule over the pair budget is refined the same way (its largest blocks split by the
refine keys), so a lookup does not score every namesake of a large block."""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.match.blocking import plan_blocking
from linkgraph.match.realtime import _within_refined_blocks
from linkgraph.match.settings import Budget, Settings
from linkgraph.store.match_index import TypeIndex, rule_keys


def _settings(budget: int) -> Settings:
    return Settings(entity_type="person", identifiers=[], blocking=[["dob"]],
                    budget=Budget(pairs_per_rule=budget, refine=["first_phon", "city"]))


def _index(records: pd.DataFrame, settings: Settings) -> TypeIndex:
    rules = [["dob"]]
    keys = rule_keys(records, rules[0])
    order = np.argsort(keys, kind="stable")
    return TypeIndex("person", settings, records, rules, [keys[order]], [order.astype(np.int64)], {})


def _records(rng: np.random.Generator, n: int) -> pd.DataFrame:
    # a few crowded birth dates (the large blocks) and many rare ones
    dob = np.where(rng.random(n) < 0.5, rng.choice(["1990-01-01", "1985-06-15"], n),
                   rng.choice([f"19{y:02d}-03-{d:02d}" for y in range(50, 99) for d in range(1, 28)], n))
    first = rng.choice(["JN", "MR", "PR", "SF", None], n, p=[0.3, 0.3, 0.2, 0.1, 0.1])
    city = rng.choice(["PARIS", "LYON", None], n)
    return pd.DataFrame({"mention_id": [f"m{k}" for k in range(n)], "entity_id": [f"e{k}" for k in range(n)],
                         "dob": dob, "first_phon": first, "city": city}).astype(object)


def _resolution_pairs(records: pd.DataFrame, settings: Settings) -> set[tuple[int, int]]:
    plan = plan_blocking(records, settings.blocking, budget=settings.budget.pairs_per_rule,
                         refine=settings.budget.refine)
    codes = plan.rules[0].codes
    out = set()
    for c in np.unique(codes[codes >= 0]):
        rows = np.flatnonzero(codes == c)
        out |= {(int(a), int(b)) for a in rows for b in rows if a < b}
    return out


def _lookup_pairs(ti: TypeIndex, records: pd.DataFrame) -> set[tuple[int, int]]:
    """Every record looked up against the index (itself excluded), as unordered pairs."""
    q, row = ti.lookup(0, rule_keys(records, ["dob"]))
    q, row = _within_refined_blocks(ti, 0, records, q, row)
    return {(int(min(a, b)), int(max(a, b))) for a, b in zip(q, row) if a != b}


def test_a_lookup_compares_the_pairs_a_resolution_would_compare():
    records = _records(np.random.default_rng(3), 600)
    settings = _settings(budget=4_000)  # the two crowded dates hold ~22,000 pairs: refined
    ti = _index(records, settings)
    assert ti.refinement(0) is not None
    expected = _resolution_pairs(records, settings)
    got = _lookup_pairs(ti, records)
    assert got == expected
    unrefined = {(int(min(a, b)), int(max(a, b))) for a, b in zip(*ti.lookup(0, rule_keys(records, ["dob"]))) if a != b}
    assert len(got) < len(unrefined) / 2  # the crowded blocks were split


def test_a_rule_within_budget_is_not_refined():
    records = _records(np.random.default_rng(4), 300)
    settings = _settings(budget=10_000_000)
    ti = _index(records, settings)
    assert ti.refinement(0) is None
    assert _lookup_pairs(ti, records) == _resolution_pairs(records, settings)


def test_a_query_missing_the_refine_key_pairs_with_the_records_missing_it():
    records = _records(np.random.default_rng(5), 600)
    settings = _settings(budget=4_000)
    ti = _index(records, settings)
    query = pd.DataFrame({"dob": ["1990-01-01"], "first_phon": [None], "city": ["PARIS"]}).astype(object)
    q, row = ti.lookup(0, rule_keys(query, ["dob"]))
    q, row = _within_refined_blocks(ti, 0, query, q, row)
    masks, keys = ti.refinement(0)
    assert keys == ["first_phon", "city"] and len(row)
    matched = records.iloc[row]
    assert matched["first_phon"].isna().all()  # split by first name: only those without one
    if (masks[row] & 2).any():  # split further by city: only the Parisians among them
        assert (matched["city"][(masks[row] & 2) != 0] == "PARIS").all()
