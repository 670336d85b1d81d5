"""EM recovers known Fellegi–Sunter parameters from unlabelled comparison vectors."""
import numpy as np
import pytest

from linkgraph.match.em import estimate_u, expectation_maximisation, random_pairs


def _simulate(rng, n_match, n_non, m, u):
    rows = []
    for probs, count in ((m, n_match), (u, n_non)):
        rows.append(np.column_stack([rng.choice(len(p), size=count, p=p) for p in probs]).astype(np.int8))
    return np.vstack(rows)


def test_em_recovers_m_and_prior_on_a_known_mixture():
    """With every pair observed, EM recovers the m probabilities and the prior that made the data."""
    rng = np.random.default_rng(0)
    m = [np.array([0.85, 0.10, 0.05]), np.array([0.9, 0.1]), np.array([0.7, 0.2, 0.1])]
    u = [np.array([0.01, 0.04, 0.95]), np.array([0.05, 0.95]), np.array([0.02, 0.08, 0.9])]
    levels = _simulate(rng, 3000, 1_000_000, m, u)
    params = expectation_maximisation(levels, u, len(levels), prior=1e-4, max_iterations=1000, tolerance=1e-10)
    for est, true in zip(params.m, m):
        assert est == pytest.approx(true, abs=0.02)  # 3,000 matches: sampling error ~0.006
    assert params.prior * len(levels) == pytest.approx(3000, rel=0.03)
    assert params.converged


def test_em_on_blocked_pairs_stays_close():
    """Blocking keeps pairs agreeing exactly on some field, as in use; pairs outside count as
    non-matches, which biases rare levels a little (documented in em.py) but not the main ones."""
    rng = np.random.default_rng(0)
    m = [np.array([0.85, 0.10, 0.05]), np.array([0.9, 0.1]), np.array([0.7, 0.2, 0.1])]
    u = [np.array([0.01, 0.04, 0.95]), np.array([0.05, 0.95]), np.array([0.02, 0.08, 0.9])]
    n_match, n_non = 3000, 1_000_000
    levels = _simulate(rng, n_match, n_non, m, u)
    candidates = levels[(levels == 0).any(axis=1)]
    params = expectation_maximisation(candidates, u, n_match + n_non, prior=1e-4, max_iterations=300,
                                      tolerance=1e-9)
    for est, true in zip(params.m, m):
        assert est[0] == pytest.approx(true[0], abs=0.04)
    assert params.prior == pytest.approx(n_match / (n_match + n_non), rel=0.05)


def test_em_ignores_missing_values():
    rng = np.random.default_rng(1)
    m = [np.array([0.9, 0.1]), np.array([0.8, 0.2]), np.array([0.85, 0.15])]
    u = [np.array([0.02, 0.98]), np.array([0.1, 0.9]), np.array([0.05, 0.95])]
    levels = _simulate(rng, 2000, 300_000, m, u)
    levels[rng.random(len(levels)) < 0.3, 1] = -1  # 30% missing on the second comparison
    candidates = levels[(levels == 0).any(axis=1)]
    params = expectation_maximisation(candidates, u, len(levels), prior=1e-3, max_iterations=1000, tolerance=1e-10)
    assert params.m[1] == pytest.approx(m[1], abs=0.03)


def test_u_estimate_counts_levels_and_floors_unseen_levels():
    levels = np.array([[0], [1], [1], [1], [-1]], dtype=np.int8)
    (u,) = estimate_u(levels, [3])
    assert u.sum() == pytest.approx(1.0)
    assert u[1] > u[0] > u[2] > 0  # level 2 never seen: small but not zero


def test_random_pairs_are_distinct_ordered_and_respect_groups():
    rng = np.random.default_rng(2)
    groups = np.array([0] * 50 + [1] * 50)
    i, j = random_pairs(100, 500, rng, groups, across_groups=True)
    assert len(i) == 500 and (i < j).all()
    assert len(set(zip(i.tolist(), j.tolist()))) == 500
    assert (groups[i] != groups[j]).all()
