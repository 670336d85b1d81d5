"""Comparison levels and match weights of record pairs in Spark, computed by the local engine's own code.

Each pair gets both records' columns joined in; batches of pairs go through ``mapInPandas`` into
:func:`linkgraph.match.compare.comparison_matrix` / :func:`linkgraph.match.model.score` over a
two-sided batch table (left records, then right records), so levels and weights are those of the
local engine (every level is decided by the two values alone).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ByteType, DoubleType, LongType, StructField, StructType

from linkgraph.match.compare import Columns, comparison_matrix
from linkgraph.match.model import score
from linkgraph.match.settings import Settings
from linkgraph.match.spark.frames import RID


def level_names(settings: Settings) -> list[str]:
    return [f"l{c}" for c in range(len(settings.comparisons))]


def tf_names(settings: Settings) -> list[str]:
    return [f"t{c}" for c in range(len(settings.comparisons))]


def with_records(pairs: DataFrame, records: DataFrame, columns: list[str]) -> DataFrame:
    """``pairs`` (i, j) with ``a_<col>`` from record i and ``b_<col>`` from record j."""
    left = records.select(F.col(RID).alias("i"), *[F.col(c).alias(f"a_{c}") for c in columns])
    right = records.select(F.col(RID).alias("j"), *[F.col(c).alias(f"b_{c}") for c in columns])
    return pairs.join(left, "i").join(right, "j")


def _two_sided(batch: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    n = len(batch)
    left = pd.DataFrame({c: batch[f"a_{c}"].to_numpy(dtype=object) for c in columns})
    right = pd.DataFrame({c: batch[f"b_{c}"].to_numpy(dtype=object) for c in columns})
    table = pd.concat([left, right], ignore_index=True)
    return table, np.arange(n, dtype=np.int64), np.arange(n, 2 * n, dtype=np.int64)


def pair_levels(pairs: DataFrame, records: DataFrame, settings: Settings, columns: list[str]) -> DataFrame:
    """``i, j, l0..lk``: the comparison level of every pair (-1 = a value is missing)."""
    comparisons = settings.comparisons
    names = level_names(settings)
    schema = StructType([StructField("i", LongType()), StructField("j", LongType())]
                        + [StructField(n, ByteType()) for n in names])

    def levels_of(batches):
        for batch in batches:
            table, i, j = _two_sided(batch, columns)
            matrix = comparison_matrix(comparisons, Columns(table), i, j)
            out = pd.DataFrame({"i": batch["i"].to_numpy(), "j": batch["j"].to_numpy()})
            for c, name in enumerate(names):
                out[name] = matrix[:, c].astype(np.int8)
            yield out

    return with_records(pairs, records, columns).mapInPandas(levels_of, schema)


def scored_pairs(pairs: DataFrame, records: DataFrame, trained: Settings, columns: list[str],
                 tables: dict[str, pd.Series], counter=None) -> DataFrame:
    """``i, j, weight, probability, l0..lk, t0..tk`` by :func:`linkgraph.match.model.score`.

    ``tables``: the term-frequency counts of the whole table (broadcast with the function).
    ``counter``: a Spark accumulator the pairs compared are added to (for progress).
    """
    lnames, tnames = level_names(trained), tf_names(trained)
    schema = StructType([StructField("i", LongType()), StructField("j", LongType()),
                         StructField("weight", DoubleType()), StructField("probability", DoubleType())]
                        + [StructField(n, ByteType()) for n in lnames] + [StructField(n, DoubleType()) for n in tnames])

    def score_of(batches):
        for batch in batches:
            table, i, j = _two_sided(batch, columns)
            s = score(trained, table, i, j, Columns(table), tables=tables)
            if counter is not None:
                counter.add(len(i))
            out = pd.DataFrame({"i": batch["i"].to_numpy(), "j": batch["j"].to_numpy(),
                                "weight": s.weight, "probability": s.probability})
            for c, name in enumerate(lnames):
                out[name] = s.levels[:, c].astype(np.int8)
            for c, name in enumerate(tnames):
                out[name] = s.tf_adjustment[:, c]
            yield out

    return with_records(pairs, records, columns).mapInPandas(score_of, schema)


def tf_counts(records: DataFrame, settings: Settings, entities: DataFrame | None = None) -> dict[str, pd.Series]:
    """Term-frequency counts by Spark ``groupBy`` (as :func:`linkgraph.match.model.tf_tables`).

    ``entities`` (``rid, entity``): count a value once per first-pass entity.
    """
    out = {}
    for comp in settings.comparisons:
        for lvl in comp.levels:
            if not lvl.tf:
                continue
            col = lvl.column or comp.column
            if col not in records.columns:
                out[col] = pd.Series([], dtype=np.int64)
                continue
            values = records.select(RID, F.col(col).alias("v")).where(F.col("v").isNotNull())
            if entities is not None:
                values = values.join(entities, RID).select("entity", "v").distinct()
            got = values.groupBy("v").count().toPandas()
            counts = pd.Series(got["count"].to_numpy(np.int64), index=pd.Index(got["v"].to_numpy(object)))
            # value_counts order: most frequent first (sums are exact either way)
            out[col] = counts.sort_values(ascending=False, kind="stable")
    return out
