"""Stable entity ids.

A fresh entity's id is derived from its type and its first mention (``P-3f9a1c2b7d``), so the
same input always gives the same ids. When a previous mention→entity table is given, each new
cluster inherits the previous id it shares most mentions with, so ids that investigators
wrote down survive new files; merges and splits are reported.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from linkgraph.vocabulary import ID_PREFIX


def fresh_id(entity_type: str, anchor_mention: str) -> str:
    digest = hashlib.sha1(f"{entity_type}\x1f{anchor_mention}".encode()).hexdigest()[:10]
    return f"{ID_PREFIX.get(entity_type, 'E')}-{digest}"


def assign_ids(mentions: pd.DataFrame, cluster_key: pd.Series,
               previous: pd.DataFrame | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Entity id per mention, and the table of id changes against ``previous``.

    ``mentions`` has ``mention_id`` and ``entity_type``; ``cluster_key`` labels each mention's
    cluster (unique across types); ``previous`` has ``mention_id`` and ``entity_id``.
    """
    frame = pd.DataFrame({"mention_id": mentions["mention_id"].to_numpy(),
                          "entity_type": mentions["entity_type"].to_numpy(),
                          "cluster": cluster_key.to_numpy()})
    anchors = frame.groupby("cluster").agg(anchor=("mention_id", "min"), entity_type=("entity_type", "first"))
    ids = pd.Series([fresh_id(t, a) for t, a in zip(anchors["entity_type"], anchors["anchor"])],
                    index=anchors.index)
    changes = pd.DataFrame(columns=["old_id", "new_id", "change", "mentions"])
    if previous is not None and len(previous):
        prev = frame.merge(previous[["mention_id", "entity_id"]], on="mention_id", how="inner")
        overlap = prev.groupby(["cluster", "entity_id"]).size().rename("n").reset_index()
        overlap["anchor"] = anchors["anchor"].reindex(overlap["cluster"]).to_numpy()
        # most shared mentions first; ties go to the older id, then to the cluster's first mention
        overlap = overlap.sort_values(["n", "entity_id", "anchor"], ascending=[False, True, True], kind="stable")
        inherit = overlap.drop_duplicates("cluster").drop_duplicates("entity_id")
        ids.loc[inherit["cluster"].to_numpy()] = inherit["entity_id"].to_numpy()
        # a fresh id must never collide with an id handed out before
        taken = set(previous["entity_id"])
        clash = ids.isin(taken) & ~ids.index.isin(inherit["cluster"])
        ids[clash] = [f"{i}-{k}" for k, i in enumerate(ids[clash], start=1)]
        overlap["new_id"] = ids.loc[overlap["cluster"].to_numpy()].to_numpy()
        moved = overlap[overlap["entity_id"] != overlap["new_id"]]
        kept = set(inherit["entity_id"])
        kind = np.where(moved["entity_id"].isin(kept), "split", "merged")
        changes = pd.DataFrame({"old_id": moved["entity_id"].to_numpy(), "new_id": moved["new_id"].to_numpy(),
                                "change": kind, "mentions": moved["n"].to_numpy()})
    return pd.Series(ids.loc[frame["cluster"]].to_numpy(), index=mentions.index, name="entity_id"), changes
