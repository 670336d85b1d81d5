"""The person–person projection on Spark: :func:`linkgraph.graph.projection.person_projection`'s
table (``lists=False``: pair → edge positions in ``attrs["via_index"]``).

The driver codes the edge table (entity ids in sorted order, their kinds, relation types, each
rule as a small integer); Spark makes the pair rows of the three rules — direct person–person
edges; calls between the holders of two phones (a join with the ``uses`` edges; a phone nobody
holds stands for itself); people sharing an asset (a self-join per asset, assets with 2 to
``max_sharers`` people) — and groups them per pair: the weight of each rule family, the rules
(bits), and the distinct edge positions behind the pair. The driver gets one row per pair and
one per (pair, edge), sorts on the pair key and decodes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.graph.kinds import entity_types
from linkgraph.graph.projection import (CALL_TYPES, PROJECTION_COLUMNS, SHARE_VIA, SHARED_ASSETS, ViaIndex,
                                        person_projection)
from linkgraph.graph.spark._frames import collect, to_spark
from linkgraph.graph.spark._sets import MAX_BITS

FAMILIES = ("direct", "calls", "shared")


def _coded(edges: pd.DataFrame, entities: pd.DataFrame | None) -> tuple[dict[str, np.ndarray], dict]:
    """Edge rows (self-loops left out) as integer columns, and what decodes them."""
    position = np.arange(len(edges), dtype=np.int64)
    loops = edges["self_loop"].to_numpy(dtype=bool) if "self_loop" in edges else \
        (edges["from_entity"] == edges["to_entity"]).to_numpy()
    e = edges[~loops]
    codes, names = pd.factorize(np.concatenate([e["from_entity"].to_numpy(dtype=object),
                                                e["to_entity"].to_numpy(dtype=object)]), sort=True)
    names = np.asarray(names, dtype=object)
    kinds = entity_types(pd.Series(names, dtype=object), entities).to_numpy()
    kind_codes, kind_names = pd.factorize(kinds)            # None (unknown kind) → -1
    types = e["type"].astype(str).to_numpy()
    tcodes, tnames = pd.factorize(types, sort=True)
    tnames = np.asarray(tnames, dtype=object)
    # rules: direct:TYPE (one per type), calls, calls:inferred, shared:KIND (one per kind)
    rules = np.concatenate([("direct:" + pd.Series(tnames, dtype=object)).to_numpy(dtype=object),
                            np.array(["calls", "calls:inferred"], dtype=object),
                            ("shared:" + pd.Series(kind_names, dtype=object).astype(str)).to_numpy(dtype=object)])
    family = np.concatenate([np.zeros(len(tnames)), [1, 1], np.full(len(kind_names), 2)]).astype(np.int64)
    ne = len(e)
    weight = pd.to_numeric(e["weight"], errors="coerce").fillna(1.0).to_numpy(dtype=float) if "weight" in e \
        else np.ones(ne)
    inferred = e["inferred"].eq(True).to_numpy() if "inferred" in e else np.zeros(ne, dtype=bool)
    columns = {"pos": position[~loops], "f": codes[:ne].astype(np.int64), "t": codes[ne:].astype(np.int64),
               "fk": kind_codes[codes[:ne]].astype(np.int64), "tk": kind_codes[codes[ne:]].astype(np.int64),
               "ty": tcodes.astype(np.int64), "w": weight, "inf": inferred}
    kind_of = {k: i for i, k in enumerate(kind_names)}
    type_of = {t: i for i, t in enumerate(tnames)}
    decode = {"names": names, "kinds": kinds, "rules": rules, "family": family, "n_types": len(tnames),
              "person": kind_of.get("person", -9), "phone": kind_of.get("phone", -9),
              "uses": type_of.get("uses", -9), "calls": [type_of[t] for t in CALL_TYPES if t in type_of],
              "share_via": [type_of[t] for t in SHARE_VIA if t in type_of],
              "assets": [kind_of[k] for k in SHARED_ASSETS if k in kind_of]}
    return columns, decode


def _pair(a, b, rule, w, via0, via1, via2):
    from pyspark.sql import functions as F

    return [F.least(a, b).alias("a"), F.greatest(a, b).alias("b"), rule.cast("long").alias("rule"),
            w.cast("double").alias("w"), via0.cast("long").alias("via0"), via1.cast("long").alias("via1"),
            via2.cast("long").alias("via2")]


def _pair_rows(e, d: dict, max_sharers: int):
    """Spark: the rows of the three rules, each ``a < b, rule, w, via0..2`` (-1: no edge)."""
    from pyspark.sql import functions as F

    c, none = F.col, F.lit(-1)
    person, phone = d["person"], d["phone"]
    is_direct = (c("fk") == person) & (c("tk") == person)
    direct = e.filter(is_direct).select(*_pair(c("f"), c("t"), c("ty"), c("w"), c("pos"), none, none))

    calls = e.filter(c("ty").isin(d["calls"]) & (c("fk") == phone) & (c("tk") == phone))
    held = e.filter((c("ty") == d["uses"]) & (c("fk") == person) & (c("tk") == phone))
    # per (phone, holder): a stated use first, else an attributed line (whose edge is the pair's via)
    held = held.groupBy(c("t").alias("phone"), c("f").alias("holder")).agg(F.min(F.struct("inf", "pos")).alias("m"))
    held = held.select("phone", "holder", c("m.inf").alias("hinf"),
                       F.when(c("m.inf"), c("m.pos")).otherwise(F.lit(-1)).alias("hvia"))
    for end in ("f", "t"):
        h = held.select(*(c(x).alias(f"{x}_{end}") for x in ("phone", "holder", "hinf", "hvia")))
        calls = calls.join(h, calls[end] == h[f"phone_{end}"], "left")
    via_inferred = F.coalesce(c("hinf_f"), F.lit(False)) | F.coalesce(c("hinf_t"), F.lit(False))
    rule = F.when(via_inferred, F.lit(d["n_types"] + 1)).otherwise(F.lit(d["n_types"]))
    calls = calls.select(*_pair(F.coalesce(c("holder_f"), c("f")), F.coalesce(c("holder_t"), c("t")), rule, c("w"),
                                c("pos"), F.coalesce(c("hvia_f"), none), F.coalesce(c("hvia_t"), none)))

    from_person = c("fk") == person
    asset_kind = F.when(from_person, c("tk")).when(c("tk") == person, c("fk"))
    tie = e.filter(c("ty").isin(d["share_via"]) & asset_kind.isin(d["assets"]) & ~is_direct & ~c("inf"))
    tie = tie.select(F.when(from_person, c("f")).otherwise(c("t")).alias("person"),
                     F.when(from_person, c("t")).otherwise(c("f")).alias("asset"),
                     asset_kind.alias("kind"), c("pos"))
    sharers = tie.groupBy("asset").agg(F.countDistinct("person").alias("n"))
    sharers = sharers.filter((c("n") >= 2) & (c("n") <= max_sharers)).select("asset")
    first = tie.join(sharers, "asset").groupBy("asset", "kind", "person").agg(F.min("pos").alias("via"))
    other = first.select(c("asset"), c("kind"), c("person").alias("person_b"), c("via").alias("via_b"))
    shared = first.join(other, ["asset", "kind"]).filter(c("person") < c("person_b"))
    shared = shared.select(*_pair(c("person"), c("person_b"), F.lit(d["n_types"] + 2) + c("kind"), F.lit(1.0),
                                  c("via"), c("via_b"), none))
    return direct.unionByName(calls).unionByName(shared).filter(c("a") != c("b"))


def person_projection_spark(spark, edges: pd.DataFrame, entities: pd.DataFrame | None = None, *,
                            max_sharers: int = 50) -> pd.DataFrame:
    """:func:`~linkgraph.graph.projection.person_projection` (``lists=False``) with the joins and
    group-bys run by ``spark``: the same table and ``attrs["via_index"]``.

    >>> # person_projection_spark(spark, edges, entities)   # == person_projection(edges, entities, lists=False)
    """
    if len(edges) == 0:
        return person_projection(edges, entities, lists=False)
    from pyspark.sql import functions as F

    columns, d = _coded(edges, entities)
    if len(d["rules"]) > MAX_BITS:   # rules as bits: one per relation type and kind, never near 62 in practice
        return person_projection(edges, entities, max_sharers=max_sharers, lists=False)
    family = F.element_at(F.array(*[F.lit(int(x)) for x in d["family"]]), (F.col("rule") + 1).cast("int"))
    rows = _pair_rows(to_spark(spark, columns), d, max_sharers).withColumn("fam", family).cache()
    try:
        pairs = collect(rows.groupBy("a", "b").agg(
            *(F.sum(F.when(F.col("fam") == i, F.col("w")).otherwise(F.lit(0.0))).alias(name)
              for i, name in enumerate(FAMILIES)),
            F.bit_or(F.expr("shiftleft(cast(1 as bigint), cast(rule as int))")).alias("rules")))
        via = collect(rows.select("a", "b", F.explode(F.array("via0", "via1", "via2")).alias("v"))
                      .filter(F.col("v") >= 0).distinct())
    finally:
        rows.unpersist()
    if pairs.empty:
        return person_projection(edges.iloc[:0], entities, lists=False)
    return _decode(pairs, via, d)


def _decode(pairs: pd.DataFrame, via: pd.DataFrame, d: dict) -> pd.DataFrame:
    n_names = np.int64(len(d["names"]))
    key = pairs["a"].to_numpy(dtype=np.int64) * n_names + pairs["b"].to_numpy(dtype=np.int64)
    order = np.argsort(key, kind="stable")
    pairs, key = pairs.iloc[order].reset_index(drop=True), key[order]
    a, b = pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({"from_entity": d["names"][a], "to_entity": d["names"][b],
                        "from_type": d["kinds"][a], "to_type": d["kinds"][b]})
    for name in FAMILIES:
        out[name] = pairs[name].to_numpy(dtype=float)
    out["weight"] = out["direct"] + out["calls"] + out["shared"]
    masks, inverse = np.unique(pairs["rules"].to_numpy(dtype=np.int64), return_inverse=True)
    bits = (masks[:, None] >> np.arange(len(d["rules"]))) & 1
    rule_names = pd.Series(d["rules"], dtype=object)
    joined = np.array([";".join(sorted(rule_names[row.astype(bool)])) for row in bits], dtype=object)
    out["rules"] = joined[inverse.reshape(-1)]
    g = np.searchsorted(key, via["a"].to_numpy(dtype=np.int64) * n_names + via["b"].to_numpy(dtype=np.int64))
    v = via["v"].to_numpy(dtype=np.int64)
    pick = np.lexsort((v, g))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(g, minlength=len(out)))]).astype(np.int64)
    out = out[[c for c in PROJECTION_COLUMNS if c not in ("via", "evidence")]]
    out.attrs["via_index"] = ViaIndex(offsets, v[pick])
    return out
