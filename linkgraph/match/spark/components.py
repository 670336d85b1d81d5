"""Connected components in Spark DataFrames: alternating large-star / small-star (Kiveris et al., 2014).

Every round keeps the graph's connectivity and shrinks its depth; it ends when the edges form
disjoint stars (each node points to one centre, no centre points anywhere), the centre being
the smallest node id of its component. Lineage is cut every round by checkpointing (reliable
when the SparkContext has a checkpoint directory, local otherwise). No graphframes needed.
"""
from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def materialize(df: DataFrame) -> DataFrame:
    """``df`` computed once and its lineage cut (a reliable checkpoint when a directory is set)."""
    if df.sparkSession.sparkContext.getCheckpointDir():
        return df.checkpoint(eager=True)
    return df.localCheckpoint(eager=True)


def _large_star(edges: DataFrame) -> DataFrame:
    both = edges.union(edges.select(F.col("dst").alias("src"), F.col("src").alias("dst")))
    lowest = both.groupBy("src").agg(F.min("dst").alias("low")).select("src", F.least("low", "src").alias("m"))
    return (both.where(F.col("dst") > F.col("src")).join(lowest, "src")
            .select(F.col("dst").alias("src"), F.col("m").alias("dst")).distinct())


def _small_star(edges: DataFrame) -> DataFrame:
    down = edges.select(F.greatest("src", "dst").alias("src"), F.least("src", "dst").alias("dst"))
    lowest = down.groupBy("src").agg(F.min("dst").alias("m"))
    moved = (down.join(lowest, "src").where(F.col("dst") != F.col("m"))
             .select(F.col("dst").alias("src"), F.col("m").alias("dst")))
    return moved.union(lowest.select("src", F.col("m").alias("dst"))).distinct()


def _is_stars(edges: DataFrame) -> bool:
    centres_point = edges.alias("a").join(edges.alias("b"), F.col("a.dst") == F.col("b.src"), "left_semi")
    if not centres_point.isEmpty():
        return False
    return edges.groupBy("src").count().where(F.col("count") > 1).isEmpty()


def connected_components(edges: DataFrame, nodes: DataFrame | None = None, src: str = "i", dst: str = "j",
                         max_rounds: int = 200) -> DataFrame:
    """``node, component`` for every node of ``edges`` (and of ``nodes``' column ``node``, isolated
    ones labelled by themselves); ``component`` is the smallest node id of the component."""
    current = (edges.select(F.col(src).cast("long").alias("src"), F.col(dst).cast("long").alias("dst"))
               .where(F.col("src") != F.col("dst")).distinct())
    current = materialize(current)
    for _ in range(max_rounds):
        current = materialize(_small_star(_large_star(current)))
        if _is_stars(current):
            break
    else:
        raise RuntimeError(f"connected components did not converge in {max_rounds} rounds")
    labels = current.select(F.col("src").alias("node"), F.col("dst").alias("component"))
    labels = labels.union(current.select(F.col("dst").alias("node"), F.col("dst").alias("component"))).distinct()
    if nodes is not None:
        alone = nodes.select(F.col("node").cast("long")).distinct().join(labels, "node", "left_anti")
        labels = labels.union(alone.select("node", F.col("node").alias("component")))
    return labels
