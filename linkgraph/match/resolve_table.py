"""Resolve one table of records of one entity type: identifiers, model, clustering."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkgraph.match.blocking import candidate_pairs
from linkgraph.match.cluster import Clustering, ConstraintValues, Edges, cluster
from linkgraph.match.compare import Columns, comparison_matrix, positional
from linkgraph.match.model import ScoredPairs, _groups, score, train
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


def resolve_table(df: pd.DataFrame, settings: Settings, *, same: tuple[np.ndarray, np.ndarray] | None = None,
                  different: tuple[np.ndarray, np.ndarray] | None = None) -> TableResolution:
    """Link the records of ``df`` (index 0..n-1) as ``settings`` say.

    ``same`` / ``different`` are analysts' judgments as pairs of record positions; they win
    over the model.
    """
    df = positional(df)
    n = len(df)
    parts = []
    if same is not None and len(same[0]):
        parts.append(Edges(np.asarray(same[0]), np.asarray(same[1]), np.full(len(same[0]), np.inf),
                           np.full(len(same[0]), "judgment", dtype=object)))
    parts.append(identifier_edges(df, settings.identifiers))
    scored = None
    trained = settings
    tf_entities = None
    if settings.probabilistic and n > 1:
        groups, within = _groups(df, settings)
        cols = Columns(df)
        # blocking reuses the comparison columns' codes (one factorization per column)
        factorized = {c: (cols.codes(c), len(cols.uniques(c))) for rule in settings.blocking for c in rule if c in df}
        i, j = candidate_pairs(df, settings.blocking, groups, within, factorized)
        levels = comparison_matrix(settings.comparisons, cols, i, j)  # once: training and both passes
        if not settings.trained:
            known = Edges.concat(parts)
            known_same = cluster(n, known).labels if len(known.i) else None
            trained = train(settings, df, (i, j), known_same, cols=cols, levels=levels)
        scored = score(trained, df, i, j, cols, levels=levels)
        edges, clustering = _cluster(df, settings, parts, scored, different)
        if any(lvl.tf for c in settings.comparisons for lvl in c.levels):
            # second pass: term frequencies counted once per first-pass entity
            tf_entities = clustering.labels
            scored = score(trained, df, i, j, cols, entities=tf_entities, levels=levels)
            edges, clustering = _cluster(df, settings, parts, scored, different)
    else:
        edges, clustering = _cluster(df, settings, parts, None, different)
    return TableResolution(clustering.labels, trained, scored, edges, clustering, tf_entities)


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
