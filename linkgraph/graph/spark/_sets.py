"""A group's distinct values, sorted and joined by ';', computed in Spark from integer codes.

The local engine's :func:`~linkgraph.graph._agg.joined_sets`: up to 62 distinct values, each row
carries ``1 << code`` and Spark ORs them per group (one long per group comes back; each distinct
combination is joined once on the driver); more values: Spark joins the names itself (codes are
in sorted order, so sorting codes sorts the names).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

MAX_BITS = 62


class CodedSet:
    """One text column to aggregate as a sorted ';'-joined set per group ('' and missing left out).

    >>> s = CodedSet("agency", pd.Series(["police", None, "douane", "police"]))
    >>> s.codes.tolist(), s.names.tolist(), s.bits
    ([1, -1, 0, 1], ['douane', 'police'], True)
    >>> s.decode(np.array([3, 2, 0]))
    (array(['douane;police', 'police', ''], dtype=object), array([2, 1, 0]))
    """

    def __init__(self, name: str, values: pd.Series):
        text = pd.Series(values, dtype=object).fillna("").astype(str).to_numpy()
        codes, uniques = pd.factorize(text, sort=True)
        uniques = np.asarray(uniques, dtype=object)
        keep = uniques != ""
        remap = np.full(len(uniques) + 1, -1, dtype=np.int64)   # '' → -1, others renumbered in order
        remap[np.flatnonzero(keep)] = np.arange(int(keep.sum()))
        self.name, self.codes, self.names = name, remap[codes], uniques[keep]
        self.bits = len(self.names) <= MAX_BITS

    def column(self) -> np.ndarray:
        """The per-row value shipped to Spark: a bit (0 for none), or the code."""
        if self.bits:
            return np.where(self.codes >= 0, np.left_shift(np.int64(1), np.maximum(self.codes, 0)), 0).astype(np.int64)
        return self.codes

    def aggregate(self):
        """The Spark aggregate expression (column ``name``): OR of the bits, or the joined names."""
        from pyspark.sql import functions as F

        col = F.col(self.name)
        if self.bits:
            return F.bit_or(col).alias(self.name)
        names = F.array(*[F.lit(str(n)) for n in self.names])
        named = F.when(col >= 0, F.element_at(names, (col + 1).cast("int")))
        return F.array_join(F.array_sort(F.collect_set(named)), ";").alias(self.name)

    def decode(self, collected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per group: the joined names and how many."""
        if not self.bits:
            joined = pd.Series(collected, dtype=object).fillna("").to_numpy(dtype=object)
            counts = np.array([len(s.split(";")) if s else 0 for s in pd.unique(joined)], dtype=np.int64)
            first = pd.Index(pd.unique(joined))
            return joined, counts[first.get_indexer(joined)]
        combos, inverse = np.unique(np.asarray(collected, dtype=np.int64), return_inverse=True)
        bits = (combos[:, None] >> np.arange(len(self.names))) & 1
        joined = np.array([";".join(self.names[row.astype(bool)]) for row in bits], dtype=object)
        return joined[inverse.reshape(-1)], bits.sum(axis=1).astype(np.int64)[inverse.reshape(-1)]
