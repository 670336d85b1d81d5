"""Pairwise precision, recall and F1 of a clustering against ground truth."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PairScores:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, label: str) -> str:
        return f"{label} precision={self.precision:.4f} recall={self.recall:.4f} f1={self.f1:.4f}"


def _pairs(sizes: np.ndarray) -> int:
    sizes = sizes.astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _singletons_for_missing(codes: np.ndarray) -> np.ndarray:
    """Factorized codes with each missing one (-1) turned into a cluster of its own."""
    missing = codes < 0
    if missing.any():
        codes = codes.copy()
        codes[missing] = codes.max(initial=-1) + 1 + np.arange(int(missing.sum()))
    return codes


def pairwise_scores(predicted: pd.Series | np.ndarray, truth: pd.Series | np.ndarray) -> PairScores:
    """Compare two labelings of the same records by the pairs each puts together.

    Counted from cluster sizes (no enumeration of pairs): TP = Σ C(|pred ∩ true|, 2). A record with
    no label (missing: e.g. its row was rejected, so it was never resolved) is a cluster of its own,
    so a true pair it belongs to counts as missed.

    >>> s = pairwise_scores(["a", "a", None], ["x", "x", "x"])
    >>> (s.tp, s.fp, s.fn)
    (1, 0, 2)
    """
    pred = _singletons_for_missing(pd.factorize(np.asarray(predicted, dtype=object))[0])
    true = _singletons_for_missing(pd.factorize(np.asarray(truth, dtype=object))[0])
    both = pd.DataFrame({"p": pred, "t": true})
    tp = _pairs(both.groupby(["p", "t"]).size().to_numpy())
    predicted_pairs = _pairs(np.bincount(pred))
    true_pairs = _pairs(np.bincount(true))
    return PairScores(tp, predicted_pairs - tp, true_pairs - tp)
