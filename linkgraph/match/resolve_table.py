"""Resolve one table of records of one entity type: identifiers, model, clustering."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkgraph.match.blocking import BlockingPlan, plan_blocking
from linkgraph.match.cluster import Clustering, ConstraintValues, Edges, cluster
from linkgraph.match.compare import Columns, comparison_matrix, positional
from linkgraph.match.keys_plate import near_identifier_edges
from linkgraph.match.model import ScoredPairs, _groups, content_groups, score, tf_adjustments, train
from linkgraph.match.settings import Settings


@dataclass
class TableResolution:
    """Cluster labels per record plus everything needed to explain them."""

    labels: np.ndarray
    settings: Settings  # trained
    scored: ScoredPairs | None
    edges: Edges
    clustering: Clustering
    tf_entities: np.ndarray | None = None  # first-pass labels the term frequencies were counted over
    report: dict = field(default_factory=dict)  # blocking per rule, pairs compared and kept, passes


def identifier_edges(df: pd.DataFrame, identifiers: list[str], within: np.ndarray | None = None) -> Edges:
    """Records sharing a strong identifier value are linked (a star per value, not all pairs).

    ``within``: a group label per record (e.g. its stored entity); records are then linked only
    to records of their own group holding the same value.
    """
    parts = []
    for col in identifiers:
        if col not in df:
            continue
        codes = pd.factorize(df[col], use_na_sentinel=True)[0]
        ok = np.flatnonzero(codes >= 0)
        if len(ok) == 0:
            continue
        if within is not None:
            codes[ok] = pd.factorize(pd.MultiIndex.from_arrays([within[ok], codes[ok]]))[0]
        # link every record to the first record holding the same value
        first = pd.Series(ok).groupby(codes[ok]).transform("min").to_numpy()
        keep = first != ok
        i, j = first[keep], ok[keep]
        parts.append(Edges(i, j, np.full(len(i), np.inf), np.full(len(i), "identifier", dtype=object)))
    return Edges.concat(parts)


def one_to_one(scored_i: np.ndarray, scored_j: np.ndarray, weight: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Among kept pairs, only those that are each side's best partner (mutual best)."""
    idx = np.flatnonzero(keep)
    if len(idx) == 0:
        return keep
    frame = pd.DataFrame({"k": idx, "i": scored_i[idx], "j": scored_j[idx], "w": weight[idx]})
    best_i = frame.sort_values(["i", "w", "j"], ascending=[True, False, True]).drop_duplicates("i")["k"]
    best_j = frame.sort_values(["j", "w", "i"], ascending=[True, False, True]).drop_duplicates("j")["k"]
    mutual = np.intersect1d(best_i.to_numpy(), best_j.to_numpy())
    out = np.zeros_like(keep)
    out[mutual] = True
    return out


def model_edges(scored: ScoredPairs, settings: Settings) -> Edges:
    """The scored pairs the model keeps as links: at or above the threshold (one-to-one if set)."""
    keep = scored.probability >= settings.threshold
    if settings.one_to_one:
        keep = one_to_one(scored.i, scored.j, scored.weight, keep)
    return Edges(scored.i[keep], scored.j[keep], scored.weight[keep], np.full(int(keep.sum()), "model", dtype=object))


PairProgress = Callable[[int, int], None]  # (pairs generated so far, pairs to generate)


def blocking_plan(df: pd.DataFrame, settings: Settings, cols: Columns | None = None) -> BlockingPlan:
    """The blocking of ``settings`` over ``df`` within its pair budget (see :func:`plan_blocking`)."""
    df = positional(df)
    cols = cols or Columns(df)
    groups, within = _groups(df, settings)
    # blocking reuses the comparison columns' codes (one factorization per column)
    factorized = {c: (cols.codes(c), len(cols.uniques(c))) for rule in settings.blocking for c in rule if c in df}
    budget = settings.budget
    return plan_blocking(df, settings.blocking, budget=budget.pairs_per_rule, refine=budget.refine, groups=groups,
                         within_groups=within, factorized=factorized,
                         name=f"{settings.entity_type} ({settings.path or 'matching settings'})")


def threshold_weight(settings: Settings) -> float:
    """The match weight at which the probability reaches the threshold."""
    return float(np.log2(settings.threshold / (1 - settings.threshold)))


@dataclass
class _Kept:
    """Scored pairs kept while streaming (weight at or above a floor), in chunks until joined."""

    parts: list[ScoredPairs] = field(default_factory=list)
    size: int = 0

    def add(self, scored: ScoredPairs, keep: np.ndarray) -> None:
        if keep.any():
            self.parts.append(ScoredPairs(scored.i[keep], scored.j[keep], scored.levels[keep], scored.weight[keep],
                                          scored.probability[keep], scored.tf_adjustment[keep]))
            self.size += int(keep.sum())

    def joined(self, n: int, n_comparisons: int) -> ScoredPairs:
        """All kept pairs sorted by (i, j), as the unchunked run orders them."""
        if not self.parts:
            e = np.empty(0, np.int64)
            return ScoredPairs(e, e, np.empty((0, n_comparisons), np.int8), np.empty(0), np.empty(0),
                               np.empty((0, n_comparisons)))
        cat = {f: np.concatenate([getattr(p, f) for p in self.parts]) for f in
               ("i", "j", "levels", "weight", "probability", "tf_adjustment")}
        order = np.argsort(cat["i"] * np.int64(n) + cat["j"], kind="stable")
        return ScoredPairs(**{f: v[order] for f, v in cat.items()})


def stream_scores(plan: BlockingPlan, settings: Settings, df: pd.DataFrame, cols: Columns, floor: float,
                  adjustments: dict | None, progress: PairProgress | None = None) -> tuple[ScoredPairs, int]:
    """Compare and score every candidate pair of ``plan``, ``budget.chunk_pairs`` at a time, keeping
    those weighing at least ``floor``: (kept pairs sorted by (i, j), pairs compared)."""
    kept = _Kept()
    done = compared = 0
    total = plan.total
    for i, j, generated in plan.chunks(settings.budget.chunk_pairs):
        if len(i):
            levels = comparison_matrix(settings.comparisons, cols, i, j)
            scored = score(settings, df, i, j, cols, levels=levels, adjustments=adjustments)
            kept.add(scored, scored.weight >= floor)
            compared += len(i)
        done += generated
        if progress:
            progress(done, total)
    return kept.joined(len(df), len(settings.comparisons)), compared


def _tf_bound(before: dict, after: dict) -> float:
    """The most a pair's weight can rise from ``before`` to ``after`` term frequencies: per
    comparison, the largest rise of any value at any tf level (a pair sits at one level each)."""
    rise: dict[int, float] = {}
    for (c, k), adj in after.items():
        if callable(adj):    # a fuzzy rarity level (none in the first pass): its largest adjustment
            up = adj.max()
        else:
            up = float(np.max(adj - before[(c, k)])) if len(adj) else 0.0
        rise[c] = max(rise.get(c, 0.0), up, 0.0)
    return float(sum(rise.values()))


def train_model(df: pd.DataFrame, settings: Settings, known: Edges, cols: Columns) -> Settings:
    """Trained settings (training draws its own bounded samples, :mod:`linkgraph.match.training`).
    ``known``: deterministic links (their records are one entity)."""
    known_same = cluster(len(df), known).labels if len(known.i) else None
    return train(settings, df, known_same=known_same, cols=cols)


def rescore_kept_only(trained: Settings, rise: float) -> bool:
    """Whether the second pass may rescore the kept pairs only: no pair dropped below the floor
    (threshold weight - ``keep_margin``) can rise by ``rise`` to the threshold."""
    threshold = threshold_weight(trained)
    return threshold - trained.budget.keep_margin + rise < threshold


def first_pass(plan: BlockingPlan, trained: Settings, df: pd.DataFrame, cols: Columns,
               progress: PairProgress | None = None) -> tuple[ScoredPairs, dict | None, int]:
    """Score every candidate pair of ``plan`` with term frequencies counted once per group of records
    identical on every compared column (:func:`~linkgraph.match.model.content_groups`), keeping those
    at most ``budget.keep_margin`` bits below the threshold weight: (kept pairs, the term-frequency
    adjustments used — None when no level has one —, pairs compared)."""
    floor = threshold_weight(trained) - trained.budget.keep_margin
    has_tf = any(lvl.tf for c in trained.comparisons for lvl in c.levels)
    # a value counts once per group of records identical on every compared column (content_groups)
    first_adj = tf_adjustments(trained, cols, content_groups(trained, cols), rarity=False) if has_tf else None
    scored, compared = stream_scores(plan, trained, df, cols, floor, first_adj, progress)
    return scored, first_adj, compared


def second_pass(plan: BlockingPlan, trained: Settings, df: pd.DataFrame, cols: Columns, scored: ScoredPairs,
                first_adj: dict, tf_entities: np.ndarray,
                progress: PairProgress | None = None) -> tuple[ScoredPairs, dict]:
    """The first pass's kept pairs scored again with term frequencies counted once per first-pass
    entity (``tf_entities``); every pair is streamed again when a dropped pair could rise to the
    threshold. Returns (kept pairs, a report of how)."""
    floor = threshold_weight(trained) - trained.budget.keep_margin
    second_adj = tf_adjustments(trained, cols, tf_entities)
    rise = _tf_bound(first_adj, second_adj)
    if rescore_kept_only(trained, rise):
        again = score(trained, df, scored.i, scored.j, cols, levels=scored.levels, adjustments=second_adj)
        kept = _Kept()
        kept.add(again, again.weight >= floor)
        return kept.joined(len(df), len(trained.comparisons)), {"second_pass": "kept pairs rescored",
                                                                 "second_pass_max_rise": rise}
    scored, _ = stream_scores(plan, trained, df, cols, floor, second_adj, progress)
    return scored, {"second_pass": "all pairs scored again", "second_pass_max_rise": rise}


def resolve_table(df: pd.DataFrame, settings: Settings, *, same: tuple[np.ndarray, np.ndarray] | None = None,
                  different: tuple[np.ndarray, np.ndarray] | None = None,
                  progress: PairProgress | None = None) -> TableResolution:
    """Link the records of ``df`` (index 0..n-1) as ``settings`` say.

    ``same`` / ``different`` are analysts' judgments as pairs of record positions; they win
    over the model. ``progress(done, total)`` is called as candidate pairs are compared.

    Memory does not grow with the number of candidate pairs: blocking is counted and refined
    within ``settings.budget`` first, then pairs stream through comparison and scoring in chunks;
    only pairs at most ``budget.keep_margin`` bits below the threshold weight are kept (``scored``).
    The second pass (term frequencies counted per first-pass entity) rescores the kept pairs; it
    is exact when no dropped pair can rise to the threshold (the largest possible rise of a weight
    between the passes is computed), else every pair is streamed again.
    """
    df = positional(df)
    n = len(df)
    parts = []
    if same is not None and len(same[0]):
        parts.append(Edges(np.asarray(same[0]), np.asarray(same[1]), np.full(len(same[0]), np.inf),
                           np.full(len(same[0]), "judgment", dtype=object)))
    parts.append(identifier_edges(df, settings.identifiers))
    if settings.near_identifiers:
        parts.append(near_identifier_edges(df, settings.near_identifiers, settings.budget.pairs_per_rule))
    scored = None
    trained = settings
    tf_entities = None
    report: dict = {}
    if settings.probabilistic and n > 1:
        cols = Columns(df)
        plan = blocking_plan(df, settings, cols)
        report = {"blocking": plan.report(), "pairs_to_generate": plan.total}
        if not settings.trained:
            trained = train_model(df, settings, Edges.concat(parts), cols)
        scored, first_adj, compared = first_pass(plan, trained, df, cols, progress)
        report.update({"pairs_compared": compared, "pairs_kept": int(len(scored.i)),
                       "keep_floor_weight": threshold_weight(trained) - trained.budget.keep_margin})
        edges, clustering = _cluster(df, trained, parts, scored, different)
        if first_adj is not None:
            # second pass: term frequencies counted once per first-pass entity
            tf_entities = clustering.labels
            scored, second = second_pass(plan, trained, df, cols, scored, first_adj, tf_entities, progress)
            report.update(second)
            edges, clustering = _cluster(df, settings, parts, scored, different)
    else:
        edges, clustering = _cluster(df, settings, parts, None, different)
    return TableResolution(clustering.labels, trained, scored, edges, clustering, tf_entities, report)


def _cluster(df: pd.DataFrame, settings: Settings, fixed: list[Edges], scored: ScoredPairs | None,
             different) -> tuple[Edges, Clustering]:
    parts = list(fixed)
    if scored is not None:
        parts.append(model_edges(scored, settings))
    edges = Edges.concat(parts)
    n = len(df)
    constraints = [ConstraintValues(c.column, df[c.column].astype(object).where(df[c.column].notna(), None).to_numpy()
                                    if c.column in df else np.full(n, None, dtype=object), c.tolerance)
                   for c in settings.constraints]
    return edges, cluster(n, edges, constraints, different)
