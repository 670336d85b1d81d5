"""Relations → the entity edge table on Spark: :func:`linkgraph.graph.edges.edge_table`'s table.

The driver codes the key columns (entity ids, types: sorted codes, so a code's order is the
id's), the seen times, agencies, sources and rows; Spark groups the rows by the integer key
``(from, to, type)`` (symmetric relations swapped smaller id first, on the codes) and finds the
distinct ``(source, row)`` references per edge with their first row; the driver gets one row of
numbers per edge and one per reference, sorts them on the key and decodes. Same columns, values
and order as the local engine (``lists=False``: evidence as integer arrays in
``attrs["evidence_refs"]``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.graph.edge_refs import EdgeRefs
from linkgraph.graph.edges import _LEVELS, _numbers, edge_table, finish_edges, seen_time
from linkgraph.graph.kinds import CLASSIFICATION_RANK, is_symmetric
from linkgraph.graph.spark._frames import collect, to_spark
from linkgraph.graph.spark._sets import CodedSet


def _coded(relations: pd.DataFrame, weight_column: str) -> tuple[dict[str, np.ndarray], dict]:
    """The per-row integer/number columns shipped to Spark, and what decodes them."""
    rel = relations.dropna(subset=["from_entity", "to_entity"])
    frm, to = rel["from_entity"].astype(str).to_numpy(), rel["to_entity"].astype(str).to_numpy()
    types = rel["type"].astype(str).to_numpy()
    ends, ids = pd.factorize(np.concatenate([frm, to]), sort=True)
    tcodes, tnames = pd.factorize(types, sort=True)
    n = len(rel)
    seen, seen_names = pd.factorize(seen_time(rel), sort=True)
    agencies, sources = CodedSet("agencies", rel["agency"]), CodedSet("sources", rel["source"])
    cs, source_names = pd.factorize(rel["source"].astype(str).to_numpy(), sort=True)
    raw, values = pd.factorize(rel["row"].to_numpy(), use_na_sentinel=False)
    text = np.asarray(pd.Index(values).astype(str), dtype=object)
    cr = pd.factorize(text)[0][raw]
    number = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").fillna(-1).to_numpy(dtype=float)[raw]
    level = rel["classification"].map(CLASSIFICATION_RANK).fillna(-1).to_numpy().astype(np.int64)
    columns = {
        "idx": np.arange(n, dtype=np.int64), "f": ends[:n].astype(np.int64), "t": ends[n:].astype(np.int64),
        "ty": tcodes.astype(np.int64), "sym": np.asarray(is_symmetric(pd.Series(tnames, dtype=object)))[tcodes],
        "unit": _numbers(rel, weight_column).fillna(1.0).to_numpy(dtype=float),
        "seen": seen.astype(np.int64), "agencies": agencies.column(), "sources": sources.column(),
        "level": level, "dur": _numbers(rel, "duration").to_numpy(dtype=float),
        "qty": _numbers(rel, "quantity").to_numpy(dtype=float), "cs": cs.astype(np.int64), "cr": cr.astype(np.int64),
    }
    decode = {"ids": np.asarray(ids, dtype=object), "types": np.asarray(tnames, dtype=object),
              "seen": np.append(np.asarray(seen_names, dtype=object), None), "agencies": agencies, "sources": sources,
              "source_names": np.asarray(source_names, dtype=object), "text": text[raw], "number": number}
    return columns, decode


def _aggregate(rows, agencies: CodedSet, sources: CodedSet):
    """Spark: one row per edge key with its counts, sums, span, sets and top level."""
    from pyspark.sql import functions as F

    def present_sum(name: str):   # the sum of the given values (NaN: not given), null when none
        given = F.when(~F.isnan(F.col(name)), F.col(name))
        return F.when(F.count(given) > 0, F.sum(given)).alias(name)
    seen = F.when(F.col("seen") >= 0, F.col("seen"))
    return rows.groupBy("key").agg(
        F.count(F.lit(1)).alias("count"), F.sum("unit").alias("weight"),
        F.coalesce(F.min(seen), F.lit(-1)).alias("lo"), F.coalesce(F.max(seen), F.lit(-1)).alias("hi"),
        agencies.aggregate(), sources.aggregate(), F.max("level").alias("level"),
        present_sum("dur"), present_sum("qty"))


def edge_table_spark(spark, relations: pd.DataFrame, *, weight_column: str = "calls", lists: bool = True) -> pd.DataFrame:
    """:func:`~linkgraph.graph.edges.edge_table` with the group-bys run by ``spark`` (same table).

    >>> # edge_table_spark(spark_session(), result.relations, lists=False)   # == edge_table(..., lists=False)
    """
    if relations is None or len(relations) == 0 or relations[["from_entity", "to_entity"]].dropna().empty:
        return edge_table(relations, weight_column=weight_column, lists=lists)   # nothing to group
    from pyspark.sql import functions as F

    columns, d = _coded(relations, weight_column)
    n_ids, n_types = len(d["ids"]), len(d["types"])
    rows = to_spark(spark, columns)
    swap = F.col("sym") & (F.col("f") > F.col("t"))
    a = F.when(swap, F.col("t")).otherwise(F.col("f"))
    b = F.when(swap, F.col("f")).otherwise(F.col("t"))
    rows = rows.withColumn("key", (a * F.lit(n_ids) + b) * F.lit(n_types) + F.col("ty")).cache()
    try:
        groups = collect(_aggregate(rows, d["agencies"], d["sources"]))
        refs = collect(rows.groupBy("key", "cs", "cr").agg(F.min("idx").alias("first")))
    finally:
        rows.unpersist()
    groups = groups.sort_values("key", kind="stable").reset_index(drop=True)
    key = groups["key"].to_numpy(dtype=np.int64)
    frm, rest = np.divmod(key, n_ids * n_types)
    to, ty = np.divmod(rest, n_types)
    out = pd.DataFrame({"from_entity": d["ids"][frm], "to_entity": d["ids"][to], "type": d["types"][ty]})
    out["directed"] = ~is_symmetric(out["type"])
    out["self_loop"] = (out["from_entity"] == out["to_entity"]).to_numpy()
    out["count"] = groups["count"].to_numpy(dtype=np.int64)
    out["weight"] = groups["weight"].to_numpy(dtype=float)
    out["first_seen"] = d["seen"][groups["lo"].to_numpy(dtype=np.int64)]
    out["last_seen"] = d["seen"][groups["hi"].to_numpy(dtype=np.int64)]
    out["agencies"], out["n_agencies"] = d["agencies"].decode(groups["agencies"].to_numpy())
    out["sources"], out["n_sources"] = d["sources"].decode(groups["sources"].to_numpy())
    top = groups["level"].to_numpy(dtype=np.int64)
    out["classification"] = np.where(top >= 0, _LEVELS[np.clip(top, 0, None)], None)
    out["total_duration"] = groups["dur"].to_numpy(dtype=float)
    out["total_quantity"] = groups["qty"].to_numpy(dtype=float)
    return finish_edges(out, _store(refs, key, d), lists)


def _store(refs: pd.DataFrame, keys: np.ndarray, d: dict) -> EdgeRefs:
    """The edges' distinct references in source then numeric row order (ties: first row), as CSR."""
    g = np.searchsorted(keys, refs["key"].to_numpy(dtype=np.int64))
    cs = refs["cs"].to_numpy(dtype=np.int64)
    first = refs["first"].to_numpy(dtype=np.int64)
    order = np.lexsort((first, d["number"][first], cs, g))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(g, minlength=len(keys)))]).astype(np.int64)
    return EdgeRefs(offsets, cs[order], d["text"][first[order]], d["source_names"])
