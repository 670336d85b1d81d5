"""Resolve one type's records with Spark: the Spark counterpart of :func:`linkgraph.match.resolve_table.resolve_table`.

Blocking, comparison, training counts, scoring, term-frequency counts, thresholding and
connected components run as Spark jobs over pairs; the driver keeps the records table (one row
per mention, as the local engine does), the small pattern table EM runs on, and the results.
"""
from __future__ import annotations

from functools import reduce

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from linkgraph.match.compare import Columns
from linkgraph.match.keys_plate import near_identifier_edges
from linkgraph.match.model import ScoredPairs, content_groups, rarity_tables, tf_adjustments, tf_tables
from linkgraph.match.resolve_table import (PairProgress, TableResolution, _tf_bound, blocking_plan,
                                           rescore_kept_only, threshold_weight)
from linkgraph.match.settings import Settings
from linkgraph.match.spark import blocking, cluster as spark_cluster
from linkgraph.match.spark.compare import level_names, scored_pairs, tf_names
from linkgraph.match.spark.components import connected_components, materialize as _materialize
from linkgraph.match.spark.frames import RID, pairs_frame, records_frame, used_columns
from linkgraph.match.spark.progress import PairCounter, partitions_for
from linkgraph.match.spark.train import train

INF = float("inf")



def fixed_edges(records: DataFrame, settings: Settings, same: tuple[np.ndarray, np.ndarray] | None) -> DataFrame:
    """Judgment edges (analysts' "same") and identifier edges (a star to the first holder of each value)."""
    spark = records.sparkSession
    parts = []
    if same is not None and len(same[0]):
        k = np.arange(len(same[0]))
        pdf = pd.DataFrame({"i": np.asarray(same[0], np.int64), "j": np.asarray(same[1], np.int64), "weight": INF,
                            "origin": "judgment", "k0": 0, "k1": 0, "k2": k, "k3": 0})
        parts.append(spark.createDataFrame(pdf, spark_cluster.EDGE_SCHEMA))
    for x, col in enumerate(settings.identifiers):
        if col not in records.columns:
            continue
        held = records.select(RID, col).where(F.col(col).isNotNull())
        first = held.groupBy(col).agg(F.min(RID).alias("first"))
        parts.append(held.join(first, col).where(F.col(RID) != F.col("first"))
                     .select(F.col("first").alias("i"), F.col(RID).alias("j"), F.lit(INF).alias("weight"),
                             F.lit("identifier").alias("origin"), F.lit(1).cast("long").alias("k0"),
                             F.lit(x).cast("long").alias("k1"), F.col(RID).alias("k2"), F.lit(0).cast("long").alias("k3")))
    if not parts:
        return spark.createDataFrame([], spark_cluster.EDGE_SCHEMA)
    return reduce(DataFrame.union, parts)


def model_edges(scored: DataFrame, settings: Settings) -> DataFrame:
    """Scored pairs at or above the threshold (mutual best partners only with ``one_to_one``)."""
    keep = scored.where(F.col("probability") >= settings.threshold).select("i", "j", "weight")
    if settings.one_to_one:
        by_i = Window.partitionBy("i").orderBy(F.desc("weight"), F.asc("j"))
        by_j = Window.partitionBy("j").orderBy(F.desc("weight"), F.asc("i"))
        keep = (keep.withColumn("ri", F.row_number().over(by_i)).withColumn("rj", F.row_number().over(by_j))
                .where((F.col("ri") == 1) & (F.col("rj") == 1)).select("i", "j", "weight"))
    return keep.select("i", "j", "weight", F.lit("model").alias("origin"), F.lit(2).cast("long").alias("k0"),
                       F.lit(0).cast("long").alias("k1"), F.col("i").alias("k2"), F.col("j").alias("k3"))


def _collect_scored(scored: DataFrame, settings: Settings) -> ScoredPairs:
    pdf = scored.toPandas()
    pdf = pdf.iloc[np.lexsort([pdf["j"].to_numpy(), pdf["i"].to_numpy()])] if len(pdf) else pdf
    k = len(settings.comparisons)
    levels = pdf[level_names(settings)].to_numpy(dtype=np.int8).reshape(len(pdf), k)
    tf = pdf[tf_names(settings)].to_numpy(dtype=float).reshape(len(pdf), k)
    return ScoredPairs(pdf["i"].to_numpy(np.int64), pdf["j"].to_numpy(np.int64), levels,
                       pdf["weight"].to_numpy(float), pdf["probability"].to_numpy(float), tf)


def _kept_scores(pairs: DataFrame, n_pairs: int, records: DataFrame, trained: Settings, columns: list[str],
                 tables: dict[str, pd.Series], floor: float, counter: PairCounter | None, per_task: int) -> DataFrame:
    """The scores of ``pairs`` weighing at least ``floor``, computed once: as the local engine's
    streamed pass, only the kept pairs outlive their task (the others are never stored)."""
    spark = pairs.sparkSession
    with partitions_for(spark, n_pairs, per_task):
        if counter is None:
            return _materialize(scored_pairs(pairs, records, trained, columns, tables).where(F.col("weight") >= floor))
        with counter.running(n_pairs):
            scored = scored_pairs(pairs, records, trained, columns, tables, counter.accumulator)
            return _materialize(scored.where(F.col("weight") >= floor))


def resolve_table_spark(spark, table: pd.DataFrame, settings: Settings, *,
                        same: tuple[np.ndarray, np.ndarray] | None = None,
                        different: tuple[np.ndarray, np.ndarray] | None = None,
                        collect_pairs: bool = True, progress: PairProgress | None = None) -> TableResolution:
    """Link the records of ``table`` as ``settings`` say, in Spark; the result equals the local engine's.

    The blocking plan (counted and refined within ``settings.budget``), the training, the floor of
    the kept pairs and the second pass are the local engine's own functions and rules
    (:mod:`linkgraph.match.resolve_table`); Spark joins the plan's block codes, compares and scores
    the pairs with the local code, keeps those at or above the floor and clusters them.
    ``progress(done, total)``: pairs compared so far, as the tasks end.
    ``collect_pairs=False`` leaves the kept pairs in Spark (``scored`` is then None);
    the explorer's review queue reads them, so keep the default unless they do not fit the driver.
    """
    table = table.reset_index(drop=True)
    n = len(table)
    columns = used_columns(settings, table)
    records = _materialize(records_frame(spark, table, columns))
    cannot = pairs_frame(spark, *different) if different is not None and len(different[0]) else None
    fixed = fixed_edges(records, settings, same)
    if settings.near_identifiers:  # keys one character apart: O(distinct keys), on the driver as locally
        near = near_identifier_edges(table, settings.near_identifiers, settings.budget.pairs_per_rule)
        pdf = pd.DataFrame({"i": near.i, "j": near.j, "weight": near.weight, "origin": near.origin, "k0": 3, "k1": 0,
                            "k2": np.arange(len(near.i), dtype=np.int64), "k3": 0})
        fixed = fixed.union(spark.createDataFrame(pdf, spark_cluster.EDGE_SCHEMA))
    fixed = _materialize(fixed)
    trained, scored, tf_entities, report = settings, None, None, {}
    if settings.probabilistic and n > 1:
        # counting and refining the blocks is O(records) on the driver: the same plan as locally
        cols = Columns(table)
        plan = blocking_plan(table, settings, cols)
        report = {"blocking": plan.report(), "pairs_to_generate": plan.total}
        if progress:
            progress(0, plan.total)  # the bar shows while the blocks are joined
        pairs = _materialize(blocking.planned_pairs(spark, plan))
        compared = pairs.count()  # distinct pairs: those the local engine compares
        if not settings.trained:
            known = None
            if not fixed.isEmpty():
                known = connected_components(fixed).select(F.col("node").alias(RID), F.col("component").alias("entity"))
            trained = train(settings, table, records, columns, pairs, known)
        floor = threshold_weight(trained) - settings.budget.keep_margin
        counter = PairCounter(spark, progress)
        per_task = max(settings.budget.chunk_pairs // 4, 1)
        # term-frequency counts by the local function on the driver's table (O(records), as the plan);
        # the first pass counts a value once per group of identical records, as resolve_table does
        content = content_groups(trained, cols)
        kept = _kept_scores(pairs, compared, records, trained, columns, tf_tables(trained, table, content), floor,
                            counter, per_task)
        report.update({"pairs_compared": compared, "pairs_kept": kept.count(), "keep_floor_weight": floor})
        edges, clustering = spark_cluster.cluster(records, n, fixed.union(model_edges(kept, settings)),
                                                  settings.constraints, cannot)
        if any(lvl.tf for c in settings.comparisons for lvl in c.levels):
            # second pass: term frequencies counted once per first-pass entity
            tf_entities = clustering.labels
            rise = _tf_bound(tf_adjustments(trained, cols, content, rarity=False), tf_adjustments(trained, cols, tf_entities))
            tables = {**tf_tables(trained, table, tf_entities), **rarity_tables(trained, cols, tf_entities)}
            if rescore_kept_only(trained, rise):
                report["second_pass"] = "kept pairs rescored"
                kept = _kept_scores(kept.select("i", "j"), report["pairs_kept"], records, trained, columns, tables,
                                    floor, None, per_task)
            else:  # every pair again, as the local engine streams them again (with progress)
                report["second_pass"] = "all pairs scored again"
                kept = _kept_scores(pairs, compared, records, trained, columns, tables, floor, counter, per_task)
            report["second_pass_max_rise"] = rise
            edges, clustering = spark_cluster.cluster(records, n, fixed.union(model_edges(kept, settings)),
                                                      settings.constraints, cannot)
        scored = _collect_scored(kept, trained) if collect_pairs else None
    else:
        edges, clustering = spark_cluster.cluster(records, n, fixed, settings.constraints, cannot)
    return TableResolution(clustering.labels, trained, scored, edges, clustering, tf_entities, report)


class SparkTableResolver:
    """A ``table_resolver`` for :func:`linkgraph.match.pipeline.resolve` running every type in Spark."""

    def __init__(self, spark, collect_pairs: bool = True) -> None:
        self.spark = spark
        self.collect_pairs = collect_pairs

    def __call__(self, table: pd.DataFrame, settings: Settings, *, same=None, different=None,
                 progress=None) -> TableResolution:
        return resolve_table_spark(self.spark, table, settings, same=same, different=different,
                                   collect_pairs=self.collect_pairs, progress=progress)
