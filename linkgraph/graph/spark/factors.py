"""The per-person group-bys of scoring on Spark: the (person, row) table the factors read.

:func:`person_rows` is :func:`linkgraph.scoring.factors._person_rows`'s table — one line per
distinct (person, source, row) mention joined with the row's agency, date, attributes (and
grade) — made by a Spark distinct and join on integer codes: only the pairs of positions
(mention line, row line) come back, the driver takes the columns from its own tables in the local
engine's order (mention order). :func:`prime` puts it in the scoring context's cache, where
activity, the financial factor and the known population read it.
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
    """Fill ``ctx``'s cache with the Spark-made tables the factors read (``person_rows``)."""
    ctx.cache["person_rows"] = (ctx.mentions, ctx.rows, person_rows(spark, ctx.mentions, ctx.rows))
