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


def planned_pairs(spark, plan) -> DataFrame:
    """The pairs of a :class:`linkgraph.match.blocking.BlockingPlan` (its refined block codes, computed
    on the driver) as Spark equi-joins on those codes: the pairs the local engine streams."""
    import numpy as np
    import pandas as pd
    from pyspark.sql.types import LongType, StructField, StructType

    if not plan.rules:
        return spark.createDataFrame([], "i long, j long")
    names = [f"b{k}" for k in range(len(plan.rules))]
    pdf = pd.DataFrame({RID: np.arange(plan.n, dtype=np.int64)})
    for name, rule in zip(names, plan.rules):
        pdf[name] = rule.codes.astype(np.int64)
    cross = plan.groups is not None and not plan.within_groups
    if cross:
        pdf["g"] = np.asarray(plan.groups, dtype=np.int64)
    schema = StructType([StructField(c, LongType(), False) for c in pdf.columns])
    codes = spark.createDataFrame(pdf, schema=schema)
    parts = []
    for name in names:
        side = codes.select(RID, name, *(["g"] if cross else [])).where(F.col(name) >= 0)
        a, b = side.alias("a"), side.alias("b")
        cond = (F.col(f"a.{name}") == F.col(f"b.{name}")) & (F.col(f"a.{RID}") < F.col(f"b.{RID}"))
        if cross:
            cond = cond & (F.col("a.g") != F.col("b.g"))
        parts.append(a.join(b, cond).select(F.col(f"a.{RID}").alias("i"), F.col(f"b.{RID}").alias("j")))
    return reduce(DataFrame.union, parts).distinct()
