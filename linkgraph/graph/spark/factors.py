"""The per-person group-bys of scoring on Spark: the (person, row) table the factors read.

:func:`person_rows` is :func:`linkgraph.scoring.factors._person_rows`'s table — one line per
distinct (person, source, row) mention joined with the row's agency, date, attributes (and
grade) — made by a Spark distinct and join on integer codes: only the pairs of positions
(mention line, row line) come back, the driver takes the columns from its own tables in the local
engine's order (mention order). :func:`corroboration` is the corroboration factor with its
per (person, agency) group-bys in Spark. :func:`prime` puts both in the scoring context's cache,
where the factors read them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.graph.spark._frames import collect, to_spark

KEY = ["source", "row"]


def _joint_codes(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of two columns in one numbering (missing values a value of their own, as a merge matches them)."""
    codes, _ = pd.factorize(np.concatenate([left.to_numpy(dtype=object), right.to_numpy(dtype=object)]),
                            use_na_sentinel=False)
    return codes[:len(left)].astype(np.int64), codes[len(left):].astype(np.int64)


def person_rows(spark, mentions: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """``mentions``' person lines (distinct entity, source, row) inner-joined with ``rows`` on
    (source, row), in Spark: the local ``drop_duplicates().merge(rows, how="inner")`` table.

    >>> # person_rows(spark, ctx.mentions, ctx.rows)   # == factors._person_rows(ctx)
    """
    from pyspark.sql import functions as F

    mine = mentions[mentions["entity_type"] == "person"][["entity_id", *KEY]]
    entity = pd.factorize(mine["entity_id"].to_numpy(dtype=object), use_na_sentinel=False)[0].astype(np.int64)
    ms, rs = _joint_codes(mine["source"], rows["source"])
    mr, rr = _joint_codes(mine["row"], rows["row"])
    left = to_spark(spark, {"lpos": np.arange(len(mine), dtype=np.int64), "e": entity, "s": ms, "r": mr})
    right = to_spark(spark, {"rpos": np.arange(len(rows), dtype=np.int64), "s": rs, "r": rr})
    first = left.groupBy("e", "s", "r").agg(F.min("lpos").alias("lpos"))      # drop_duplicates: first line kept
    pairs = collect(first.join(right, ["s", "r"]).select("lpos", "rpos"))
    order = np.lexsort((pairs["rpos"].to_numpy(), pairs["lpos"].to_numpy()))
    lpos = pairs["lpos"].to_numpy(dtype=np.int64)[order]
    rpos = pairs["rpos"].to_numpy(dtype=np.int64)[order]
    out = mine.iloc[lpos].reset_index(drop=True)
    extra = rows.drop(columns=KEY).iloc[rpos].reset_index(drop=True)
    return pd.concat([out, extra], axis=1)


def prime(spark, ctx) -> None:
    """Fill ``ctx``'s cache with what the factors read, made by Spark: ``person_rows`` (activity,
    financial, the known population) and ``corroboration`` (the factor's value and evidence)."""
    ctx.cache["person_rows"] = (ctx.mentions, ctx.rows, person_rows(spark, ctx.mentions, ctx.rows))
    ctx.cache["corroboration"] = (ctx.mentions, ctx.edges, corroboration(spark, ctx))


def _factorize(values: pd.Series | np.ndarray, sort: bool = True) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object).to_numpy(dtype=object), sort=sort)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def corroboration(spark, ctx):
    """:func:`linkgraph.scoring.factors.corroboration` with its group-bys run by Spark: per (person,
    agency) the best weight and the first reporting row, over the person's own mentions and those
    of the phones and vehicles they use (each agency once per asset: its first row, its best
    weight, at most the tie's). The per (person, agency) rows come back; the sums, the evidence and
    their order are made on the driver as locally (same floats, same references).

    >>> # corroboration(spark, ctx)   # == factors.corroboration(ctx)
    """
    from pyspark.sql import functions as F

    from linkgraph.scoring.evidence import EvidenceIndex
    from linkgraph.sources.grading import grade_weight

    def weights(frame: pd.DataFrame) -> np.ndarray:
        return grade_weight(frame["grade"]) if "grade" in frame else np.ones(len(frame))

    m, e = ctx.mentions, ctx.edges
    stated = ~e["inferred"].eq(True).to_numpy() if "inferred" in e else np.ones(len(e), dtype=bool)
    owned = e[(e["type"].isin(["uses", "drives"]).to_numpy() & e["from_entity"].isin(ctx.persons).to_numpy() & stated)]
    ids, names = _factorize(np.concatenate([m["entity_id"].to_numpy(dtype=object), owned["from_entity"].to_numpy(dtype=object),
                                            owned["to_entity"].to_numpy(dtype=object)]))
    nm, no = len(m), len(owned)
    agency, agencies = _factorize(m["agency"])
    source, sources = _factorize(m["source"])
    row, row_values = _factorize(m["row"])
    mentions = to_spark(spark, {"e": ids[:nm], "a": agency, "s": source, "r": row, "w": weights(m).astype(float),
                                "person": (m["entity_type"] == "person").to_numpy()})
    ties = to_spark(spark, {"p": ids[nm:nm + no], "e": ids[nm + no:], "link": weights(owned).astype(float)})
    mentions = mentions.withColumn("a", F.when(F.col("a") >= 0, F.col("a")))   # no agency: null
    first = F.min(F.struct("s", "r")).alias("sr")
    own = mentions.filter("person").select(F.col("e").alias("p"), "a", F.struct("s", "r").alias("sr"), "w")
    assets = mentions.join(ties.select("e").distinct(), "e").filter(F.col("a").isNotNull())
    assets = assets.groupBy("e", "a").agg(F.max("w").alias("w"), first).join(ties, "e")
    assets = assets.select("p", "a", "sr", F.least("w", "link").alias("w"))
    per_agency = collect(own.unionByName(assets).groupBy("p", "a").agg(F.max("w").alias("w"), F.min("sr").alias("sr"))
                         .select("p", F.coalesce("a", F.lit(-1)).alias("a"), "w", F.col("sr.s").alias("s"),
                                 F.col("sr.r").alias("r")))
    a = per_agency["a"].to_numpy(dtype=np.int64)
    table = pd.DataFrame({"entity_id": names[per_agency["p"].to_numpy(dtype=np.int64)],
                          "agency": np.where(a >= 0, agencies[np.maximum(a, 0)], None),
                          "source": sources[per_agency["s"].to_numpy(dtype=np.int64)],
                          "row": row_values[per_agency["r"].to_numpy(dtype=np.int64)],
                          "w": per_agency["w"].to_numpy(dtype=float)})
    counted = table[a >= 0].set_index(["entity_id", "agency"])["w"].sort_index()
    by_person = counted.groupby(level=0)
    raw = (by_person.sum() - by_person.max()).clip(lower=0).reindex(ctx.persons, fill_value=0).astype(float)
    shown = table.sort_values(["entity_id", "agency", "source", "row"])
    shown = shown[shown["entity_id"].isin(raw.index[raw > 0])]
    return raw, EvidenceIndex.of_rows(shown["entity_id"], shown["source"], shown["row"])
