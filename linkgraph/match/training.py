"""Training that does not depend on file size: one EM session per rule over a bounded pair sample.

EM over the union of every blocking rule's pairs fails on real name distributions: namesake
pairs grow with the square of the file and true pairs linearly, so past some size the latent
"match" class becomes "same name". Training here follows Splink's method instead:

* **u** from random pairs (almost all non-matches), pairs inside one known entity left out;
* **m seeds**: pairs sharing a strong identifier (``training.seed_rules``, default one rule per
  identifier) are near-certain matches; their level counts start EM (each comparison from the
  seed rules that do not use its own columns);
* **one EM session per training rule** (``training.rules``, default the blocking rules), over a
  uniform sample of at most ``training.session_pairs`` of that rule's pairs, drawn without
  generating them (a block is drawn with probability proportional to its pair count, then a pair
  inside it). The comparisons that use the rule's own columns (or columns derived from the same
  field: ``birth_year`` from ``dob``, ``last_phon`` from ``last_name``) are left out of the
  session: inside the rule's block they agree by construction;
* **m** of each comparison = the mean over the sessions that estimated it (as Splink averages
  them), sessions holding fewer than ``training.min_session_matches`` expected matches left out;
* **λ** (probability that two random records match) = the matches expected among the union of
  the rules' pairs / ``training.recall`` / all pairs. Each session gives its rule's expected
  matches (its λ × the rule's pair count); a pair an earlier rule also finds counts once (the
  session's posterior-weighted share of pairs no earlier rule finds). Every quantity is a share
  of a sample times an exact count, so none drifts with the size of the file.

>>> import pandas as pd
>>> from linkgraph.match.settings import parse_settings
>>> s = parse_settings({"entity_type": "person", "blocking": [["name"], ["dob"]],
...     "comparisons": [{"name": "name", "column": "name", "levels": [{"kind": "exact"}, {"kind": "else"}]},
...                     {"name": "dob", "column": "dob", "levels": [{"kind": "exact"}, {"kind": "else"}]}]})
>>> df = pd.DataFrame({"name": ["ana", "ana", "bo", "bo", "cy", "ana"],
...                    "dob": ["1990", "1990", "1980", "1980", "1990", "1970"]})
>>> params, report = train_sessions(s, df)
>>> [x["rule"] for x in report["sessions"]]
[['name'], ['dob']]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.match.blocking import _group_codes, pairs_within_groups
from linkgraph.match.compare import NULL, Columns, comparison_matrix, positional
from linkgraph.match.em import (FLOOR, Parameters, estimate_u, expectation_maximisation, log2_ratios,
                                random_pairs)
from linkgraph.match.settings import Comparison, Settings

#: Columns derived from another field (besides each field's own outputs in ``FIELD_OUTPUTS``).
DERIVED = {"birth_year": ("dob",), "names_key": ("first_name", "last_name"), "name_key": ("name",),
           "plate_valid": ("plate",), "plate_key": ("plate",), "siren": ("siren", "siret"),
           "name_pfx": ("name",), "name_sfx": ("name",), "name_glued": ("name",),
           "name_rest": ("name",), "name_long": ("name",), "name_short": ("name",), "name_letters": ("name",), "name_bare": ("name",),
           "name_town": ("name", "city"), "name_form": ("name",), "name_form_town": ("name", "city"), "name_glued_town": ("name", "city")}
#: Seed counts below this many pairs say too little: the default start values are kept.
MIN_SEED_PAIRS = 20
#: A rule with at most this many times the budget of pairs has them all listed, then subsampled.
ENUMERATE_FACTOR = 4
#: Start value of λ inside a session (EM moves it to the session's share of matches).
SESSION_PRIOR = 0.1


def _field_of() -> dict[str, tuple[str, ...]]:
    from linkgraph.normalize.fields import FIELD_OUTPUTS

    out: dict[str, tuple[str, ...]] = {}
    for (_, field), outputs in FIELD_OUTPUTS.items():
        for col, _ in outputs:
            out[col] = tuple(sorted(set(out.get(col, ())) | {field}))
    for col, fields in DERIVED.items():
        out[col] = tuple(sorted(set(out.get(col, ())) | set(fields)))
    return out


FIELD_OF = _field_of()


def fields(columns) -> set[str]:
    """The source fields behind ``columns`` (a column counts as its own field too)."""
    out: set[str] = set()
    for c in columns:
        out |= {c, *FIELD_OF.get(c, ())}
    return out


def uses_rule(comparison: Comparison, rule: list[str]) -> bool:
    """Whether ``comparison`` reads a column of ``rule`` or one derived from the same field."""
    return bool(fields(comparison.columns()) & fields(rule))


def groups_of(df: pd.DataFrame, settings: Settings) -> tuple[np.ndarray | None, bool]:
    """The source of each record when only pairs across sources count, and whether pairs within one count."""
    if settings.link_type == "dedupe_only":
        return None, True
    return pd.factorize(df["source"])[0], settings.link_type == "link_and_dedupe"


def block_pair_counts(codes: np.ndarray, groups: np.ndarray | None = None, within: bool = True) -> np.ndarray:
    """Pairs per block code (index = code): all pairs, or only pairs across ``groups`` unless ``within``.

    >>> block_pair_counts(np.array([0, 0, 0, 1, -1, 1]))
    array([3, 1])
    """
    ok = codes >= 0
    if not ok.any():
        return np.zeros(0, dtype=np.int64)
    sizes = np.bincount(codes[ok]).astype(np.int64)
    if groups is None or within:
        return sizes * (sizes - 1) // 2
    n_groups = int(groups.max()) + 1
    per = np.bincount(codes[ok].astype(np.int64) * n_groups + groups[ok], minlength=len(sizes) * n_groups)
    same = (per.astype(np.int64) ** 2).reshape(len(sizes), n_groups).sum(axis=1)
    return (sizes ** 2 - same) // 2


def sample_block_pairs(codes: np.ndarray, budget: int, rng: np.random.Generator,
                       groups: np.ndarray | None = None, within: bool = True) -> tuple[np.ndarray, np.ndarray, int]:
    """A uniform sample (without replacement) of at most ``budget`` pairs of rows sharing a code.

    Returns ``(i, j, total)``: pairs ``i < j`` sorted, and how many pairs the blocks hold in all.
    When they hold at most ``budget``, every pair is returned; up to ``ENUMERATE_FACTOR × budget``,
    a random subset of all of them. Beyond, no pair list is built: a block is drawn with probability proportional to its pair count, then a pair inside it (across
    ``groups`` unless ``within``), in vectorized rounds until ``budget`` distinct pairs are drawn.
    """
    counts = block_pair_counts(codes, groups, within)
    total = int(counts.sum())
    empty = np.empty(0, np.int64)
    if total == 0:
        return empty, empty, 0
    if total <= ENUMERATE_FACTOR * budget:
        # few pairs beyond the budget: list them all (at most ENUMERATE_FACTOR × budget) and keep a
        # random subset; drawing would mostly redraw pairs already drawn
        i, j = pairs_within_groups(codes)
        if groups is not None and not within:
            keep = groups[i] != groups[j]
            i, j = i[keep], j[keep]
        key = i * len(codes) + j
        if len(key) > budget:
            key = rng.choice(key, size=budget, replace=False)
        key = np.sort(key)
        return key // len(codes), key % len(codes), total
    n = len(codes)
    idx = np.flatnonzero(codes >= 0)
    order = idx[np.argsort(codes[idx], kind="stable")]
    sizes = np.bincount(codes[idx], minlength=len(counts)).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    cum = np.cumsum(counts)
    key = empty
    for _ in range(50):  # more than budget / total < 1 / ENUMERATE_FACTOR of the draws are new each round
        want = budget - len(key)
        k = int(want * 1.3) + 16
        block = np.searchsorted(cum, rng.random(k) * total, side="right")
        block = np.minimum(block, len(cum) - 1)
        a, b = _two_members(block, sizes, starts, order, rng, groups, within)
        key = np.sort(np.concatenate([key, np.minimum(a, b) * n + np.maximum(a, b)]))
        key = key[np.r_[True, key[1:] != key[:-1]]]
        if len(key) >= budget:
            break
    if len(key) > budget:
        key = np.sort(rng.choice(key, size=budget, replace=False))
    return key // n, key % n, total


def _two_members(block: np.ndarray, sizes: np.ndarray, starts: np.ndarray, order: np.ndarray,
                 rng: np.random.Generator, groups: np.ndarray | None, within: bool) -> tuple[np.ndarray, np.ndarray]:
    """Two distinct random rows of each drawn block (of different groups unless ``within``)."""
    s, st = sizes[block], starts[block]
    a = np.empty(len(block), np.int64)
    b = np.empty(len(block), np.int64)
    todo = np.arange(len(block))
    for _ in range(200):  # redraw the members (never the block) of a pair inside one group
        x = (rng.random(len(todo)) * s[todo]).astype(np.int64)
        y = (rng.random(len(todo)) * (s[todo] - 1)).astype(np.int64)
        y += y >= x
        a[todo], b[todo] = order[st[todo] + x], order[st[todo] + y]
        if groups is None or within:
            return a, b
        todo = todo[groups[a[todo]] == groups[b[todo]]]
        if len(todo) == 0:
            break
    return a, b


def _seed_m(settings: Settings, df: pd.DataFrame, cols: Columns, factorized: dict, groups, within,
            report: dict) -> list[np.ndarray | None]:
    """Start values of m from pairs sharing a strong identifier (None where too few pairs say)."""
    t = settings.training
    rules = t.seed_rules if t.seed_rules is not None else [[c] for c in settings.identifiers]
    counts = [np.zeros(len(c.levels)) for c in settings.comparisons]
    for k, rule in enumerate(rules):
        if any(c not in df.columns for c in rule):
            continue
        rng = np.random.default_rng([t.seed, 1, k])
        i, j, total = sample_block_pairs(_group_codes(df, rule, factorized), t.session_pairs, rng, groups, within)
        report["seeds"].append({"rule": rule, "pairs_in_rule": total, "pairs_sampled": int(len(i))})
        if len(i) == 0:
            continue
        levels = comparison_matrix(settings.comparisons, cols, i, j)
        for c, comp in enumerate(settings.comparisons):
            if uses_rule(comp, rule):
                continue
            col = levels[:, c]
            counts[c] += np.bincount(col[col != NULL], minlength=len(comp.levels))
    out: list[np.ndarray | None] = []
    for c in counts:
        if c.sum() < MIN_SEED_PAIRS:
            out.append(None)
            continue
        out.append((c + 0.5) / (c + 0.5).sum())
    return out


def _default_m(k: int) -> np.ndarray:
    init = np.geomspace(1.0, 0.05, k) if k > 1 else np.ones(1)
    return init / init.sum()


def train_sessions(settings: Settings, df: pd.DataFrame, known_same: np.ndarray | None = None,
                   cols: Columns | None = None) -> tuple[Parameters, dict]:
    """Trained parameters of ``settings`` on ``df`` and a report of how they were estimated."""
    df = positional(df)
    cols = cols or Columns(df)
    t = settings.training
    n = len(df)
    groups, within = groups_of(df, settings)
    comparisons = settings.comparisons
    n_levels = [len(c.levels) for c in comparisons]
    report: dict = {"entity_type": settings.entity_type, "records": n, "seeds": [], "sessions": [], "warnings": []}

    rng = np.random.default_rng(t.seed)
    ri, rj = random_pairs(n, t.u_sample_pairs, rng, groups, across_groups=not within)
    if known_same is not None:
        apart = known_same[ri] != known_same[rj]
        ri, rj = ri[apart], rj[apart]
    u = estimate_u(comparison_matrix(comparisons, cols, ri, rj), n_levels)
    report["u_pairs"] = int(len(ri))

    factorized: dict = {}
    seeds = _seed_m(settings, df, cols, factorized, groups, within, report)
    m_start = [s if s is not None else _default_m(k) for s, k in zip(seeds, n_levels)]

    estimates: list[list[np.ndarray]] = [[] for _ in comparisons]
    rules = t.rules if t.rules is not None else settings.blocking
    earlier: list[np.ndarray] = []
    union_matches = 0.0
    for k, rule in enumerate(rules):
        if any(c not in df.columns for c in rule):
            report["sessions"].append({"rule": rule, "skipped": "a column is missing from the data"})
            continue
        codes = _group_codes(df, rule, factorized)
        i, j, total = sample_block_pairs(codes, t.session_pairs, np.random.default_rng([t.seed, 2, k]), groups, within)
        session = {"rule": rule, "pairs_in_rule": total, "pairs_sampled": int(len(i))}
        report["sessions"].append(session)
        if len(i) == 0:
            earlier.append(codes)
            continue
        levels = comparison_matrix(comparisons, cols, i, j)
        fixed = [c for c, comp in enumerate(comparisons) if uses_rule(comp, rule)]
        levels[:, fixed] = NULL
        params = expectation_maximisation(levels, u, len(i), SESSION_PRIOR, t.max_iterations, t.tolerance,
                                          m_start=m_start, max_prior=0.999)
        w = log2_ratios(levels, params.log2_bayes_factors()) + np.log2(params.prior / (1 - params.prior))
        post = 1.0 / (1.0 + np.exp2(-np.clip(w, -60, 60)))
        fresh = np.ones(len(i), dtype=bool)
        for prev in earlier:  # a pair an earlier rule finds is counted by that rule's session
            fresh &= (prev[i] != prev[j]) | (prev[i] < 0)
        earlier.append(codes)
        union_matches += total * float((post * fresh).mean())
        expected = float(post.sum())
        used = expected >= t.min_session_matches
        estimated = [comp.name for c, comp in enumerate(comparisons) if c not in fixed]
        session.update({"fixed": [comparisons[c].name for c in fixed], "estimated": estimated,
                        "lambda_in_rule": params.prior, "expected_matches_in_sample": round(expected, 1),
                        "expected_matches_in_rule": round(total * float(post.mean()), 1),
                        "new_matches_in_rule": round(total * float((post * fresh).mean()), 1),
                        "iterations": params.iterations, "converged": params.converged, "used_for_m": used})
        if not used:
            report["warnings"].append(f"session {rule}: {expected:.1f} expected matches in its sample "
                                      f"(< {t.min_session_matches:g}); its m estimates are not used")
            continue
        for c in range(len(comparisons)):
            if c not in fixed:
                estimates[c].append(params.m[c])

    m = []
    for c, comp in enumerate(comparisons):
        if estimates[c]:
            m.append(np.maximum(np.mean(estimates[c], axis=0), FLOOR))
            continue
        m.append(m_start[c])
        source = "identifier seeds" if seeds[c] is not None else "default start values"
        report["warnings"].append(f"comparison {comp.name!r}: no training session estimated it; m from {source}")
    n_total = max(_total_pairs(n, groups, within), 1)
    if settings.probability_two_random_records_match is not None:
        prior, method = float(settings.probability_two_random_records_match), "given in the settings"
    else:
        prior = float(np.clip(union_matches / t.recall / n_total, 1e-12, 0.5))
        method = f"expected matches among the training rules' pairs / recall {t.recall:g} / all pairs"
    report.update({"total_pairs": n_total, "expected_matches": round(union_matches / t.recall, 1),
                   "prior": prior, "prior_method": method})
    return Parameters(m, u, prior), report


def _total_pairs(n: int, groups: np.ndarray | None, within: bool) -> int:
    if groups is None or within:
        return n * (n - 1) // 2
    sizes = np.bincount(groups).astype(np.int64)
    return int((sizes.sum() ** 2 - (sizes ** 2).sum()) // 2)


def describe(settings: Settings, report: dict) -> dict:
    """``report`` with each comparison's m, u and log2 weight per level (the trained ``settings``)."""
    from linkgraph.match.monotone import band_warnings, shadowed, weight

    out = dict(report)
    out["warnings"] = list(report["warnings"]) + [
        f"comparison {comp.name!r}: level {k + 1} ({lvl.describe(comp.column)}) can never be reached: a looser "
        f"band of the same measure comes before it" for comp in settings.comparisons
        for k, lvl in enumerate(comp.levels) if shadowed(k, comp)] + band_warnings(settings)
    out["comparisons"] = [{
        "name": comp.name,
        "estimated_in": [s["rule"] for s in report["sessions"] if comp.name in s.get("estimated", ())
                         and s.get("used_for_m")],
        "levels": [{"level": lvl.describe(comp.column), "m": lvl.m, "u": lvl.u, "log2_weight": round(weight(lvl), 3)}
                   for lvl in comp.levels]} for comp in settings.comparisons]
    return out
