"""Blocking as Spark equi-joins: the same candidate pairs (i < j) as :func:`linkgraph.match.blocking.candidate_pairs`."""
from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from linkgraph.match.spark.frames import RID


def candidate_pairs(records: DataFrame, rules: list[list[str]], link_type: str = "dedupe_only") -> DataFrame:
    """Pairs ``(i, j)`` of record ids, i < j, agreeing exactly on every column of at least one rule.

    Rules naming a column the records lack are skipped (as locally); ``link_only`` keeps pairs
    across sources only.
    """
    cross = link_type == "link_only"
    parts = []
    for rule in rules:
        if any(c not in records.columns for c in rule):
            continue
        keep = [RID, *rule] + (["source"] if cross and "source" not in rule else [])
        side = records.select(*keep).where(reduce(lambda a, b: a & b, [F.col(c).isNotNull() for c in rule]))
        a, b = side.alias("a"), side.alias("b")
        cond = [F.col(f"a.{c}") == F.col(f"b.{c}") for c in rule] + [F.col(f"a.{RID}") < F.col(f"b.{RID}")]
        if cross:
            cond.append(F.col("a.source") != F.col("b.source"))
        parts.append(a.join(b, reduce(lambda x, y: x & y, cond)).select(F.col(f"a.{RID}").alias("i"),
                                                                          F.col(f"b.{RID}").alias("j")))
    if not parts:
        spark = records.sparkSession
        return spark.createDataFrame([], "i long, j long")
    return reduce(DataFrame.union, parts).distinct()
