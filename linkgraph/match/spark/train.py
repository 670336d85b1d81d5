"""Training in Spark: level-pattern counts by ``groupBy``, then the local EM over the small pattern table.

The u sample is the local engine's: the same seeded :func:`linkgraph.match.em.random_pairs` on the
driver (at most ``u_sample_pairs`` pairs), joined to the records in Spark and compared there.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from linkgraph.match.em import estimate_u, expectation_maximisation, random_pairs
from linkgraph.match.model import _groups, total_pairs, with_parameters
from linkgraph.match.settings import Settings
from linkgraph.match.spark.compare import level_names, pair_levels
from linkgraph.match.spark.frames import pairs_frame


def pattern_counts(levels: DataFrame, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct level patterns (sorted as ``np.unique(axis=0)`` sorts them) and their pair counts."""
    got = levels.groupBy(*names).count().toPandas()
    if got.empty:
        return np.empty((0, len(names)), dtype=np.int8), np.empty(0)
    patterns = got[names].to_numpy(dtype=np.int8).reshape(len(got), len(names))
    counts = got["count"].to_numpy(dtype=np.int64)
    order = np.lexsort(patterns.T[::-1])  # row order of np.unique(axis=0): lexicographic
    return patterns[order], counts[order]


def train(settings: Settings, table: pd.DataFrame, records: DataFrame, columns: list[str], pairs: DataFrame,
          known: DataFrame | None = None) -> Settings:
    """u from random pairs, m and λ by EM over the candidate pairs' patterns: trained settings.

    ``known`` (``rid, entity``): records already known to be one entity; random pairs inside one
    are left out of the u sample (as locally).
    """
    spark = records.sparkSession
    n = len(table)
    groups, within = _groups(table.reset_index(drop=True), settings)
    rng = np.random.default_rng(settings.training.seed)
    ri, rj = random_pairs(n, settings.training.u_sample_pairs, rng, groups, across_groups=not within)
    sample = pairs_frame(spark, ri, rj)
    if known is not None:
        ki, kj = known.select(F.col("rid").alias("i"), F.col("entity").alias("ei")), \
            known.select(F.col("rid").alias("j"), F.col("entity").alias("ej"))
        sample = (sample.join(ki, "i", "left").join(kj, "j", "left")
                  .where(F.col("ei").isNull() | F.col("ej").isNull() | (F.col("ei") != F.col("ej"))).select("i", "j"))
    names = level_names(settings)
    n_levels = [len(c.levels) for c in settings.comparisons]
    u_patterns, u_counts = pattern_counts(pair_levels(sample, records, settings, columns), names)
    u = estimate_u(np.repeat(u_patterns, u_counts, axis=0), n_levels)  # at most u_sample_pairs rows
    patterns, counts = pattern_counts(pair_levels(pairs, records, settings, columns), names)
    n_total = max(total_pairs(n, groups, within), 1)
    prior0 = settings.probability_two_random_records_match or min(0.5, max(n, 1) / n_total)
    params = expectation_maximisation(patterns, u, n_total, prior0, settings.training.max_iterations,
                                      settings.training.tolerance, counts=counts)
    return with_parameters(settings, params)
