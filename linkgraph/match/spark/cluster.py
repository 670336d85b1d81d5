"""Clustering in Spark: components in DataFrames, then the local greedy re-clustering per suspect component.

Edges carry an order key (``k0..k3``: judgments, then identifiers column by column, then model
pairs by (i, j)) so that each suspect component is re-clustered by
:func:`linkgraph.match.cluster._greedy` over its edges in exactly the local engine's order, in a
``groupBy(component).cogroup(...).applyInPandas`` task.
"""
from __future__ import annotations

from functools import reduce

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType

from linkgraph.match.cluster import Clustering, ConstraintValues, Edges, _greedy
from linkgraph.match.settings import Constraint
from linkgraph.match.spark.components import connected_components, materialize as _materialize
from linkgraph.match.spark.frames import RID

KEYS = ["k0", "k1", "k2", "k3"]
EDGE_SCHEMA = "i long, j long, weight double, origin string, k0 long, k1 long, k2 long, k3 long"

_OUT = StructType([StructField("kind", StringType()), StructField("component", LongType()),
                   StructField("rid", LongType()), StructField("root", LongType())]
                  + [StructField(k, LongType()) for k in KEYS]
                  + [StructField("used", BooleanType()), StructField("seq", LongType()),
                     StructField("i", LongType()), StructField("j", LongType()), StructField("weight", DoubleType()),
                     StructField("origin", StringType()), StructField("reason", StringType())])


def _rows(kind: str, comp: int, size: int, **given) -> pd.DataFrame:
    """``size`` output rows of one kind, every column of :data:`_OUT` filled (plain numpy dtypes for Arrow)."""
    out = {"kind": np.full(size, kind, dtype=object), "component": np.full(size, comp, dtype=np.int64)}
    for field in _OUT.fields[2:]:
        if field.name in given:
            out[field.name] = given[field.name]
        elif isinstance(field.dataType, LongType):
            out[field.name] = np.full(size, -1, dtype=np.int64)
        elif isinstance(field.dataType, BooleanType):
            out[field.name] = np.zeros(size, dtype=bool)
        elif isinstance(field.dataType, DoubleType):
            out[field.name] = np.full(size, np.nan)
        else:
            out[field.name] = np.full(size, "", dtype=object)
    return pd.DataFrame(out)


def _recluster(constraints: list[Constraint]):
    """The per-component task: members and edges of one suspect component in, labels/used/refused rows out."""
    columns = [_OUT[k].name for k in range(len(_OUT))]

    def run(edges: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
        if members.empty:
            return _rows("member", -1, 0)
        comp = int(members["component"].iloc[0])
        members = members.sort_values(RID)
        rids = members[RID].to_numpy(dtype=np.int64)
        local = pd.Index(rids)
        cannot = edges[edges["origin"] == "cannot"]
        edges = edges[edges["origin"] != "cannot"].sort_values(KEYS)
        e = Edges(local.get_indexer(edges["i"]), local.get_indexer(edges["j"]),
                  edges["weight"].to_numpy(dtype=float), edges["origin"].to_numpy(dtype=object))
        values = [ConstraintValues(c.column, members[f"c{x}"].astype(object).where(members[f"c{x}"].notna(), None)
                                   .to_numpy(dtype=object), c.tolerance) for x, c in enumerate(constraints)]
        cannot_link = (local.get_indexer(cannot["i"]), local.get_indexer(cannot["j"]))
        labels, used, refused = _greedy(np.arange(len(rids)), e, np.arange(len(edges)), values, cannot_link)
        parts = [_rows("member", comp, len(rids), rid=rids, root=rids[labels]),
                 _rows("edge", comp, len(edges), used=used, **{k: edges[k].to_numpy(np.int64) for k in KEYS})]
        if refused:
            r = pd.DataFrame(refused)
            parts.append(_rows("refused", comp, len(r), seq=np.arange(len(r)), i=rids[r["i"].to_numpy(np.int64)],
                               j=rids[r["j"].to_numpy(np.int64)], weight=r["weight"].to_numpy(float),
                               origin=r["origin"].astype(str).to_numpy(object), reason=r["reason"].astype(str).to_numpy(object)))
        return pd.concat(parts, ignore_index=True)[columns]

    return run


def _suspects(records: DataFrame, comp: DataFrame, constraints: list[Constraint], cannot: DataFrame | None) -> DataFrame:
    """Components holding two values of a constraint column, or both sides of a cannot-link pair."""
    spark = records.sparkSession
    parts = []
    for c in constraints:
        if c.column not in records.columns:
            continue
        values = records.select(F.col(RID).alias("node"), F.col(c.column).alias("v")).where(F.col("v").isNotNull())
        parts.append(values.join(comp, "node").groupBy("component").agg(F.countDistinct("v").alias("d"))
                     .where(F.col("d") > 1).select("component"))
    if cannot is not None:
        ci = comp.select(F.col("node").alias("i"), F.col("component").alias("ci"))
        cj = comp.select(F.col("node").alias("j"), F.col("component").alias("cj"))
        parts.append(cannot.join(ci, "i").join(cj, "j").where(F.col("ci") == F.col("cj"))
                     .select(F.col("ci").alias("component")))
    if not parts:
        return spark.createDataFrame([], "component long")
    return reduce(DataFrame.union, parts).distinct()


def cluster(records: DataFrame, n: int, edges: DataFrame, constraints: list[Constraint],
            cannot: DataFrame | None = None) -> tuple[Edges, Clustering]:
    """Cluster ``n`` records linked by ``edges`` (:data:`EDGE_SCHEMA`), as :func:`linkgraph.match.cluster.cluster`.

    Returns the edges (collected, in local order) and the clustering (labels numbered as locally).
    """
    spark = records.sparkSession
    nodes = spark.range(n).select(F.col("id").alias("node"))
    comp = connected_components(edges, nodes)
    comp = _materialize(comp)
    suspects = _suspects(records, comp, constraints, cannot)
    labels = np.empty(n, dtype=np.int64)
    got = comp.toPandas()
    labels[got["node"].to_numpy()] = got["component"].to_numpy()
    collected = edges.toPandas()
    order = np.lexsort([collected[k].to_numpy() for k in reversed(KEYS)])
    collected = collected.iloc[order].reset_index(drop=True)
    all_edges = Edges(collected["i"].to_numpy(np.int64), collected["j"].to_numpy(np.int64),
                      collected["weight"].to_numpy(float), collected["origin"].to_numpy(object))
    used = np.ones(len(collected), dtype=bool)
    refused = pd.DataFrame(columns=["i", "j", "weight", "origin", "reason"])
    if not suspects.isEmpty():
        cols = [F.col(c.column).alias(f"c{x}") if c.column in records.columns else F.lit(None).cast("string").alias(f"c{x}")
                for x, c in enumerate(constraints)]
        members = (comp.join(suspects, "component").select("component", F.col("node").alias(RID))
                   .join(records.select(RID, *cols), RID))
        in_comp = edges.join(comp.select(F.col("node").alias("i"), "component"), "i").join(suspects, "component")
        if cannot is not None:
            ci = comp.select(F.col("node").alias("i"), F.col("component"))
            cj = comp.select(F.col("node").alias("j"), F.col("component").alias("cj"))
            blocked = (cannot.join(ci, "i").join(cj, "j").where(F.col("component") == F.col("cj"))
                       .join(suspects, "component")
                       .select("component", "i", "j", F.lit(float("nan")).alias("weight"), F.lit("cannot").alias("origin"),
                               *[F.lit(0).cast("long").alias(k) for k in KEYS]))
            in_comp = in_comp.select(blocked.columns).union(blocked)
        # fresh lineage on both sides: they share ``comp``, which the cogroup would find ambiguous
        members, in_comp = _materialize(members), _materialize(in_comp)
        out = (in_comp.groupBy("component").cogroup(members.groupBy("component"))
               .applyInPandas(_recluster(constraints), _OUT).toPandas())
        member_rows = out[out["kind"] == "member"]
        labels[member_rows["rid"].to_numpy(np.int64)] = n + member_rows["root"].to_numpy(np.int64)
        edge_rows = out[out["kind"] == "edge"]
        if len(edge_rows):
            flags = collected[KEYS].merge(edge_rows[KEYS + ["used"]].astype({k: np.int64 for k in KEYS}),
                                          on=KEYS, how="left")["used"]
            used = ~flags.eq(False).to_numpy(dtype=bool)  # edges outside suspect components stay used
        ref = out[out["kind"] == "refused"].sort_values(["component", "seq"])
        if len(ref):
            refused = pd.DataFrame({"i": ref["i"].to_numpy(np.int64), "j": ref["j"].to_numpy(np.int64),
                                    "weight": ref["weight"].to_numpy(float), "origin": ref["origin"].to_numpy(object),
                                    "reason": ref["reason"].to_numpy(object)})
    return all_edges, Clustering(pd.factorize(labels)[0], used, refused)
