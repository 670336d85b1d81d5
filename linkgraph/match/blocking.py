"""Blocking: candidate pairs are records that agree exactly on every column of some rule.

Pairs are counted before they are made (a block of s records holds s(s-1)/2 pairs). A rule over
its pair budget has its largest blocks refined by one more key at a time (``refine``), blocks
within budget stay as they are; the plan then yields its pairs chunk by chunk, a pair that an
earlier rule already gave dropped, so no step holds all candidate pairs at once.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkgraph.errors import BudgetError


def _group_codes(df: pd.DataFrame, columns: list[str], cache: dict | None = None) -> np.ndarray:
    """An integer code per row for its combination of values; -1 where any value is missing.

    ``cache`` (column -> factorized codes and count) saves factorizing a column again for the
    next rule that uses it.
    """
    codes = np.zeros(len(df), dtype=np.int64)
    valid = np.ones(len(df), dtype=bool)
    cache = {} if cache is None else cache
    for col in columns:
        if col not in cache:
            c, uniques = pd.factorize(df[col], use_na_sentinel=True)
            cache[col] = (c, len(uniques))
        c, n_uniques = cache[col]
        valid &= c >= 0
        codes = codes * (n_uniques + 1) + c
    if len(columns) == 1:
        return codes  # one column's codes are small already (-1 = missing)
    # re-factorize to keep codes small whatever the number of columns
    out = pd.factorize(codes)[0].astype(np.int64)
    out[~valid] = -1
    return out


def pairs_within_groups(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i < j) of rows sharing a non-negative code, without a Python loop over pairs.

    Pairs come group by group (groups in code order), each row of a group paired with every
    later row of it, in ascending order of both rows.
    """
    idx = np.flatnonzero(codes >= 0)
    if len(idx) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = idx[np.argsort(codes[idx], kind="stable")]  # ascending rows within each group
    grp = codes[order]
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    # each position of ``order`` pairs with the later positions of its group
    later = np.repeat(starts + sizes, sizes) - np.arange(1, len(order) + 1)
    first = np.flatnonzero(later)
    later = later[first]
    total = int(later.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    a = np.repeat(first, later)
    # b runs over a + 1, a + 2, ... within each run of one a
    b = np.arange(total, dtype=np.int64) + np.repeat(first + 1 - (np.cumsum(later) - later), later)
    return order[a].astype(np.int64, copy=False), order[b].astype(np.int64, copy=False)


def block_pair_counts(codes: np.ndarray) -> np.ndarray:
    """Pairs per block code (``codes`` ≥ 0; -1 = not blocked): s(s-1)/2 for a block of s records.

    >>> block_pair_counts(np.array([0, 0, 0, 1, -1, 1, 2])).tolist()
    [3, 1, 0]
    """
    sizes = np.bincount(codes[codes >= 0]).astype(np.int64)
    return sizes * (sizes - 1) // 2


def refine_blocks(codes: np.ndarray, keys: list[tuple[str, np.ndarray]], budget: int
                  ) -> tuple[np.ndarray, int, list[str]]:
    """Split the largest blocks of ``codes`` by one more key at a time until at most ``budget`` pairs.

    Each round takes the fewest largest blocks whose removal leaves at most 80 % of the budget and
    splits them by the next key (its codes per row; a missing key value is a value of its own);
    every other block keeps its rows (codes are renumbered). Returns the new codes, the number of blocks
    split and the keys used; raises :class:`BudgetError` when the keys run out first.

    >>> codes = np.array([0, 0, 0, 0, 1, 1])
    >>> out, split, used = refine_blocks(codes, [("year", np.array([5, 5, 6, 6, 7, 8]))], 3)
    >>> out.tolist(), split, used
    ([0, 0, 1, 1, 2, 2], 1, ['year'])
    """
    codes, split, used, _ = _refine(codes, keys, budget)
    return codes, split, used


def refinement_masks(codes: np.ndarray, keys: list[tuple[str, np.ndarray]], budget: int) -> np.ndarray:
    """Per row, which of ``keys`` :func:`refine_blocks` applies to its block (bit ``k``: ``keys[k]``).

    Two rows of one block stay together after refinement when they agree on every key of their
    mask (a missing value is a value of its own). The real-time lookup uses this to compare a
    record only with the rows a resolution of the same data would compare it with.

    >>> codes = np.array([0, 0, 0, 0, 1, 1])
    >>> refinement_masks(codes, [("year", np.array([5, 5, 6, 6, 7, 8]))], 3).tolist()
    [1, 1, 1, 1, 0, 0]
    """
    if int(block_pair_counts(codes).sum()) <= budget:
        return np.zeros(len(codes), dtype=np.uint8)
    return _refine(codes, keys, budget, strict=False)[3]


def _refine(codes: np.ndarray, keys: list[tuple[str, np.ndarray]], budget: int, strict: bool = True
            ) -> tuple[np.ndarray, int, list[str], np.ndarray]:
    codes = codes.astype(np.int64, copy=True)
    masks = np.zeros(len(codes), dtype=np.uint8)
    pairs = block_pair_counts(codes)
    split, used = 0, []
    for bit, (name, key) in enumerate(keys):
        total = int(pairs.sum())
        if total <= budget:
            break
        order = np.argsort(-pairs, kind="stable")
        rest = total - np.cumsum(pairs[order])
        take = order[: int(np.searchsorted(-rest, -(budget * 4 // 5), side="left")) + 1]
        take = take[pairs[take] > 0]
        chosen = np.zeros(len(pairs), dtype=bool)
        chosen[take] = True
        rows = np.flatnonzero((codes >= 0) & chosen[np.maximum(codes, 0)])
        masks[rows] |= np.uint8(1 << bit)
        k = key[rows].astype(np.int64) + 1  # missing (-1) is a value of its own
        sub = pd.factorize(codes[rows] * (int(k.max()) + 1) + k)[0].astype(np.int64)
        codes[rows] = len(pairs) + sub
        codes = _compact(codes)
        before = total
        pairs = block_pair_counts(codes)
        if int(pairs.sum()) < before:
            split += len(take)
            used.append(name)
    if strict and int(pairs.sum()) > budget:
        raise BudgetError(f"{int(pairs.sum()):,} pairs after refining by {', '.join(used) or 'no key'}")
    return codes, split, used, masks


def _compact(codes: np.ndarray) -> np.ndarray:
    """Codes renumbered 0..k-1 in order of first appearance (-1 kept)."""
    out = np.full(len(codes), -1, dtype=np.int64)
    ok = codes >= 0
    out[ok] = pd.factorize(codes[ok])[0]
    return out


@dataclass
class RulePlan:
    """One blocking rule as it will run: its block code per record after refinement."""

    rule: list[str]
    codes: np.ndarray
    pairs_counted: int  # on the rule's own keys
    pairs: int  # after refinement (an upper bound of what the rule adds to the union)
    refined_blocks: int = 0
    keys_added: list[str] = field(default_factory=list)

    def report(self) -> dict:
        return {"rule": list(self.rule), "pairs_counted": self.pairs_counted, "pairs_after_refinement": self.pairs,
                "refined_blocks": self.refined_blocks, "keys_added": list(self.keys_added)}


@dataclass
class BlockingPlan:
    """Every rule's block codes; yields the union of their pairs chunk by chunk."""

    n: int
    rules: list[RulePlan]
    groups: np.ndarray | None = None
    within_groups: bool = True

    @property
    def total(self) -> int:
        """Pairs to generate: the sum over rules (pairs two rules share are counted twice)."""
        return sum(r.pairs for r in self.rules)

    def chunks(self, size: int) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        """``(i, j, generated)`` per chunk of at most ``size`` generated pairs: the chunk's pairs
        (i < j) that no earlier rule gave (and across groups only, for link only) and how many
        were generated before those were dropped (for progress against :attr:`total`)."""
        for r, plan in enumerate(self.rules):
            for i, j in pairs_in_chunks(plan.codes, size):
                generated = len(i)
                if self.groups is not None and not self.within_groups:
                    cross = self.groups[i] != self.groups[j]
                    i, j = i[cross], j[cross]
                # a pair an earlier rule produced already is dropped here (as Splink does)
                for prev in self.rules[:r]:
                    ci = prev.codes[i]
                    fresh = (ci != prev.codes[j]) | (ci < 0)
                    i, j = i[fresh], j[fresh]
                yield i, j, generated

    def report(self) -> list[dict]:
        return [r.report() for r in self.rules]


def plan_blocking(df: pd.DataFrame, rules: list[list[str]], *, budget: int | None = None,
                  refine: list[str] = (), groups: np.ndarray | None = None, within_groups: bool = True,
                  factorized: dict | None = None, name: str = "") -> BlockingPlan:
    """Count each rule's pairs and refine the rules over ``budget`` (None: no budget).

    ``refine``: columns tried in order as extra keys of an oversized rule (those the rule already
    has or ``df`` lacks are skipped). ``name`` (entity type, settings file) heads the error raised
    when a rule cannot be brought within budget. Rules naming a column ``df`` lacks are skipped.
    """
    factorized = {} if factorized is None else factorized
    plans = []
    for rule in rules:
        if any(c not in df.columns for c in rule):
            continue
        codes = _group_codes(df, rule, factorized)
        counted = int(block_pair_counts(codes).sum())
        plan = RulePlan(list(rule), codes, counted, counted)
        if budget is not None and counted > budget:
            keys = []
            for col in refine:
                if col in rule or col not in df.columns:
                    continue
                if col not in factorized:
                    c, uniques = pd.factorize(df[col], use_na_sentinel=True)
                    factorized[col] = (c, len(uniques))
                keys.append((col, factorized[col][0]))
            try:
                codes, split, used = refine_blocks(codes, keys, budget)
            except BudgetError as exc:
                raise BudgetError(
                    f"{name}: blocking rule [{', '.join(rule)}] gives {counted:,} candidate pairs, over the budget "
                    f"of {budget:,} per rule, and still {exc} (keys tried: {', '.join(k for k, _ in keys) or 'none'}). "
                    "Make the rule more selective (add a key to it), add keys to budget.refine, or raise "
                    "budget.pairs_per_rule in the matching settings (more pairs take more time, not more memory)."
                ) from None
            plan = RulePlan(list(rule), codes, counted, int(block_pair_counts(codes).sum()), split, used)
        plans.append(plan)
    return BlockingPlan(len(df), plans, groups, within_groups)


def pairs_in_chunks(codes: np.ndarray, size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs of :func:`pairs_within_groups`, in the same order, at most ``size`` at a time
    (a chunk ends between two rows; one row's pairs, fewer than its block's size, never split)."""
    idx = np.flatnonzero(codes >= 0)
    if len(idx) == 0:
        return
    order = idx[np.argsort(codes[idx], kind="stable")]
    grp = codes[order]
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    later = np.repeat(starts + sizes, sizes) - np.arange(1, len(order) + 1)  # pairs each position starts
    end = np.cumsum(later)
    size = max(int(size), 1)
    p0 = 0
    while p0 < len(order):
        before = int(end[p0 - 1]) if p0 else 0
        p1 = max(int(np.searchsorted(end, before + size, side="right")), p0 + 1)
        pos = np.arange(p0, p1)
        cnt = later[p0:p1]
        total = int(cnt.sum())
        p0 = p1
        if total == 0:
            continue
        a = np.repeat(pos, cnt)
        b = a + 1 + (np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        yield order[a].astype(np.int64, copy=False), order[b].astype(np.int64, copy=False)


def candidate_pairs(df: pd.DataFrame, rules: list[list[str]], groups: np.ndarray | None = None,
                    within_groups: bool = True, factorized: dict | None = None, *,
                    budget: int | None = None, refine: list[str] = ()) -> tuple[np.ndarray, np.ndarray]:
    """The union of the pairs of every blocking rule, as two aligned index arrays (i < j), sorted.

    ``groups`` (e.g. the source of each record) with ``within_groups=False`` keeps only pairs
    across groups (link only). ``factorized``: column -> (codes, number of values) already
    computed (as ``pd.factorize`` gives them), filled as columns get factorized. ``budget`` and
    ``refine``: as :func:`plan_blocking` (all the pairs are held here: for small tables; large
    ones stream :meth:`BlockingPlan.chunks`).
    """
    n = len(df)
    plan = plan_blocking(df, rules, budget=budget, refine=list(refine), groups=groups, within_groups=within_groups,
                         factorized=factorized)
    keys = [i * n + j for i, j, _ in plan.chunks(1 << 62)]
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key = np.sort(np.concatenate(keys))
    return key // n, key % n
