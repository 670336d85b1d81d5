"""Fellegi–Sunter parameter estimation: u from random pairs, m and the prior by EM.

u (how often non-matches fall in each level) is counted on random record pairs, which are
almost all non-matches. m (the same for matches) and λ (the probability that two random
records match) are estimated by expectation–maximisation over the candidate pairs, treating
pairs that no blocking rule produced as non-matches. No labels are used.

Assumption: blocking rules together find (nearly) every match. Matches that no rule finds are
missing from the m estimate, which slightly under-weights rare disagreement levels; several
blocking rules on different fields keep that small (tests/match/test_em.py measures it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linkgraph.match.compare import NULL

FLOOR = 1e-9


@dataclass
class Parameters:
    """m and u per comparison (one array of level probabilities each) and the prior λ."""

    m: list[np.ndarray]
    u: list[np.ndarray]
    prior: float
    iterations: int = 0
    converged: bool = False

    def log2_bayes_factors(self) -> list[np.ndarray]:
        return [np.log2(np.maximum(m, FLOOR) / np.maximum(u, FLOOR)) for m, u in zip(self.m, self.u)]


def random_pairs(n: int, size: int, rng: np.random.Generator, groups: np.ndarray | None = None,
                 across_groups: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``size`` distinct random pairs i < j (across groups only, if asked)."""
    total = n * (n - 1) // 2
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    draw = min(size, total)
    eligible = total
    if groups is not None and across_groups:
        sizes = np.bincount(groups).astype(np.int64)
        eligible = max(int((sizes.sum() ** 2 - (sizes ** 2).sum()) // 2), 1)
        draw = min(draw, eligible)
    accept = eligible / total  # share of random i != j draws that are eligible pairs
    key = np.empty(0, np.int64)
    for _ in range(20):  # one round draws enough but for a few duplicates
        want = draw - len(key)
        k = int(want / accept * 1.15) + 16
        i = rng.integers(0, n, size=k)
        j = rng.integers(0, n, size=k)
        keep = i != j
        if groups is not None and across_groups:
            keep &= groups[i] != groups[j]
        i, j = np.minimum(i[keep], j[keep]), np.maximum(i[keep], j[keep])
        key = np.concatenate([key, i * n + j])
        key.sort()
        key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
        if len(key) >= draw:
            break
    key = rng.permutation(key)[:draw]
    key.sort()
    return key // n, key % n


def estimate_u(levels: np.ndarray, n_levels: list[int]) -> list[np.ndarray]:
    """u per level from the level matrix of random pairs (nulls ignored; unseen levels floored)."""
    out = []
    for c, k in enumerate(n_levels):
        col = levels[:, c]
        col = col[col != NULL]
        counts = np.bincount(col, minlength=k).astype(float)
        total = max(counts.sum(), 1.0)
        out.append(np.maximum(counts, 0.5) / total)  # an unseen level counts half a pair
    return [u / u.sum() for u in out]


#: Pattern keys are counted with one bincount when there are at most this many possible patterns.
BINCOUNT_PATTERNS = 1 << 24


def _patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the level matrix, in lexicographic order, and how often each occurs.

    Each row is read as one mixed-radix number (level + 1 per column, first column most
    significant), so rows are counted as integers (a bincount, or a 1-D unique) rather than
    sorted as rows; the order and counts are those of ``np.unique(levels, axis=0)``.
    """
    if levels.shape[0] == 0:
        return levels, np.empty(0)
    radix = levels.max(axis=0).astype(np.int64) + 2  # levels run from NULL (-1) to max
    if levels.shape[1] == 0 or float(np.prod(radix.astype(float))) >= 2.0 ** 62:
        uniq, counts = np.unique(levels, axis=0, return_counts=True)
        return uniq, counts.astype(float)
    place = np.ones(len(radix), dtype=np.int64)
    for c in range(len(radix) - 2, -1, -1):
        place[c] = place[c + 1] * radix[c + 1]
    key = np.zeros(levels.shape[0], dtype=np.int64)
    for c in range(levels.shape[1]):
        key += (levels[:, c].astype(np.int64) + 1) * place[c]
    total = int(place[0] * radix[0])
    if total <= BINCOUNT_PATTERNS:
        counts = np.bincount(key, minlength=total)
        uniq_keys = np.flatnonzero(counts)
        counts = counts[uniq_keys]
    else:
        uniq_keys, counts = np.unique(key, return_counts=True)
    patterns = ((uniq_keys[:, None] // place[None, :]) % radix[None, :] - 1).astype(levels.dtype)
    return patterns, counts.astype(float)


def log2_ratios(levels: np.ndarray, bfs: list[np.ndarray]) -> np.ndarray:
    """Σ log2(m/u) per row of a level matrix (null levels contribute 0)."""
    total = np.zeros(levels.shape[0])
    for c, bf in enumerate(bfs):
        total += np.append(bf, 0.0)[levels[:, c]]  # NULL (-1) reads the appended 0
    return total


def expectation_maximisation(levels: np.ndarray, u: list[np.ndarray], n_total_pairs: int,
                             prior: float, max_iterations: int = 40, tolerance: float = 1e-5,
                             counts: np.ndarray | None = None, *, m_start: list[np.ndarray] | None = None,
                             max_prior: float = 0.5) -> Parameters:
    """Estimate m and λ over candidate pairs (u fixed); pairs outside the candidates count as non-matches.

    ``counts``: ``levels`` already holds distinct patterns (as ``_patterns`` sorts them), this many pairs each.
    ``m_start``: start values of m (default: strongest level most likely); ``max_prior``: λ's upper bound
    (a training session over one rule's pairs may hold mostly matches).
    """
    patterns, weights = _patterns(levels) if counts is None else (levels, np.asarray(counts, dtype=float))
    n_levels = [len(x) for x in u]
    m = []
    for k in n_levels:  # start: strongest level most likely among matches
        init = np.geomspace(1.0, 0.05, k) if k > 1 else np.ones(1)
        m.append(init / init.sum())
    # a Dirichlet pseudo-count of one match spread as the start values: a level no candidate
    # pair reaches keeps a small m instead of zero (which would veto it outright)
    pseudo = [x.copy() for x in m]
    if m_start is not None:
        m = [np.asarray(x, dtype=float) / np.sum(x) for x in m_start]
    converged = False
    it = 0
    for it in range(1, max_iterations + 1):
        params = Parameters(m, u, prior)
        w = log2_ratios(patterns, params.log2_bayes_factors()) + np.log2(prior / (1 - prior))
        post = 1.0 / (1.0 + np.exp2(-np.clip(w, -60, 60)))
        pw = post * weights
        new_m = []
        for c, k in enumerate(n_levels):
            col = patterns[:, c]
            ok = col != NULL
            counts = np.bincount(col[ok], weights=pw[ok], minlength=k) + pseudo[c]
            new_m.append(np.maximum(counts / counts.sum(), FLOOR))
        new_prior = float(np.clip(pw.sum() / n_total_pairs, 1e-12, max_prior))
        delta = max(max(np.abs(a - b).max() for a, b in zip(new_m, m)), abs(new_prior - prior) / prior)
        m, prior = new_m, new_prior
        if delta < tolerance:
            converged = True
            break
    return Parameters(m, u, prior, iterations=it, converged=converged)
