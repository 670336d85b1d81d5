"""Mention-level relations → entity-level edges, one row per (from_entity, to_entity, type).

Symmetric relation types (:data:`~linkgraph.graph.kinds.SYMMETRIC_RELATIONS`) are stored with
the smaller entity id first so that (a, b) and (b, a) aggregate together. Every edge keeps its
evidence: the ``source:row`` references of the rows that state it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.graph._agg import joined_sets, lists_by_group
from linkgraph.graph.kinds import CLASSIFICATION_RANK, is_symmetric

EDGE_KEY = ["from_entity", "to_entity", "type"]
EDGE_COLUMNS = [
    "edge_id", "from_entity", "to_entity", "type", "directed", "self_loop", "count", "weight",
    "first_seen", "last_seen", "agencies", "n_agencies", "sources", "n_sources", "classification",
    "total_duration", "total_quantity", "evidence",
]
_LEVELS = np.array(sorted(CLASSIFICATION_RANK, key=CLASSIFICATION_RANK.get), dtype=object)


def empty_edges() -> pd.DataFrame:
    """An edge table with no rows (the columns of :func:`edge_table`)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in EDGE_COLUMNS})


def _numbers(relations: pd.DataFrame, column: str) -> pd.Series:
    if column not in relations:
        return pd.Series(np.nan, index=relations.index)
    return pd.to_numeric(relations[column], errors="coerce")


def seen_time(relations: pd.DataFrame) -> pd.Series:
    """When the fact was seen: ``date``, else the ``start`` or ``time`` attribute (ISO strings)."""
    seen = pd.Series(pd.NA, index=relations.index, dtype="string")
    for col in ("date", "start", "time"):
        if col in relations:
            seen = seen.fillna(relations[col].astype("string"))
    return seen


def _span(groups: np.ndarray, seen: pd.Series, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest ``seen`` string per group (None when none), through sorted integer codes."""
    codes, uniques = pd.factorize(seen, sort=True)
    has = codes >= 0
    uniques = np.append(np.asarray(uniques, dtype=object), None)
    frame = pd.Series(codes[has]).groupby(groups[has])
    lo = frame.min().reindex(range(n), fill_value=-1).to_numpy()
    hi = frame.max().reindex(range(n), fill_value=-1).to_numpy()
    return uniques[lo], uniques[hi]


def edge_id(from_entity: pd.Series, type_: pd.Series, to_entity: pd.Series) -> pd.Series:
    """The reference of an edge: ``from|type|to``."""
    return from_entity.astype(str) + "|" + type_.astype(str) + "|" + to_entity.astype(str)


def edge_table(relations: pd.DataFrame, *, weight_column: str = "calls") -> pd.DataFrame:
    """Aggregate relations (``Resolution.relations``) into one row per (from_entity, to_entity, type).

    Columns: ``edge_id``, the key, ``directed``, ``self_loop`` (from == to, kept), ``count`` (relation
    rows), ``weight`` (sum of the numeric ``weight_column`` attribute where present, 1 per row
    otherwise: a phone-records file giving a number of calls per line weighs by calls),
    ``first_seen``/``last_seen`` (``date``, else ``start``/``time``), ``agencies``/``sources``
    (sorted, ';'-joined) with their counts, ``classification`` (highest level of the evidence),
    ``total_duration``/``total_quantity`` (sums where present, NaN when never given) and
    ``evidence`` (list of distinct ``source:row``, in source then row order).
    """
    if relations is None or len(relations) == 0:
        return empty_edges()
    rel = relations.dropna(subset=["from_entity", "to_entity"])
    frm, to = rel["from_entity"].astype(str).to_numpy(), rel["to_entity"].astype(str).to_numpy()
    swap = is_symmetric(rel["type"]) & (frm > to)
    frm, to = np.where(swap, to, frm), np.where(swap, frm, to)
    key = pd.DataFrame({"from_entity": frm, "to_entity": to, "type": rel["type"].astype(str).to_numpy()})
    groups = key.groupby(EDGE_KEY, sort=True).ngroup().to_numpy()
    n = int(groups.max()) + 1 if len(groups) else 0

    unit = _numbers(rel, weight_column).fillna(1.0).to_numpy()
    work = pd.DataFrame({
        "g": groups, "w": unit,
        "duration": _numbers(rel, "duration").to_numpy(), "quantity": _numbers(rel, "quantity").to_numpy(),
        "level": rel["classification"].map(CLASSIFICATION_RANK).fillna(-1).to_numpy(),
    })
    g = work.groupby("g", sort=True)
    out = key.iloc[np.unique(groups, return_index=True)[1]].reset_index(drop=True)
    out["directed"] = ~is_symmetric(out["type"])
    out["self_loop"] = (out["from_entity"] == out["to_entity"]).to_numpy()
    out["count"] = g.size().to_numpy()
    out["weight"] = g["w"].sum().to_numpy()
    out["first_seen"], out["last_seen"] = _span(groups, seen_time(rel), n)
    out["agencies"], out["n_agencies"] = joined_sets(groups, rel["agency"], n)
    out["sources"], out["n_sources"] = joined_sets(groups, rel["source"], n)
    level = g["level"].max().to_numpy().astype(int)
    out["classification"] = np.where(level >= 0, _LEVELS[np.clip(level, 0, None)], None)
    out["total_duration"] = g["duration"].sum(min_count=1).to_numpy()
    out["total_quantity"] = g["quantity"].sum(min_count=1).to_numpy()
    refs = rel["source"].astype(str) + ":" + rel["row"].astype(str)
    order = np.lexsort((pd.to_numeric(rel["row"], errors="coerce").fillna(-1).to_numpy(), rel["source"].astype(str).to_numpy()))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    out["evidence"] = lists_by_group(groups, refs.to_numpy(), n, order=rank).to_numpy()
    out.insert(0, "edge_id", edge_id(out["from_entity"], out["type"], out["to_entity"]))
    return out[EDGE_COLUMNS]
