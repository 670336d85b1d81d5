"""Stable entity ids.

A fresh entity's id is a keyed hash (SipHash-2-4, through pandas) of its type and its first
mention (``P-3f9a1c2b7d4e5f60``), so the same input and key always give the same ids; a phone,
vehicle or company with a strong identifier is named by that identifier instead
(:mod:`linkgraph.match.strong_ids`), so separate runs agree on it. A workspace
keeps its own secret key, so an id reveals nothing about the mention it was derived from (which may
be hidden from the user who sees the id). When a previous mention→entity table is given, each new
cluster inherits the previous id it shares most mentions with, so ids that investigators
wrote down survive new files; merges and splits are reported.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.vocabulary import ID_PREFIX


DEFAULT_ID_KEY = "linkgraph-ids-v2"
"""The hash key when none is given (files resolved outside a workspace): 16 ASCII characters."""


def check_id_key(key: str) -> str:
    """``key`` if it is a valid id key (16 ASCII characters), else a ValueError."""
    if not (isinstance(key, str) and len(key) == 16 and key.isascii()):
        raise ValueError("an id key is 16 ASCII characters")
    return key


def fresh_ids(entity_types, anchor_mentions, key: str | None = None) -> np.ndarray:
    """Fresh ids for many entities at once: prefix of the type, then 16 hex digits of the keyed hash."""
    types = pd.Series(np.asarray(entity_types, dtype=object))
    anchors = pd.Series(np.asarray(anchor_mentions, dtype=object))
    if len(types) == 0:
        return np.array([], dtype=object)
    text = types.astype(str) + "\x1f" + anchors.astype(str)
    digest = pd.util.hash_pandas_object(text, index=False, hash_key=check_id_key(key or DEFAULT_ID_KEY))
    hexes = pd.Series(hex16(digest.to_numpy()), index=types.index)
    prefix = types.map(ID_PREFIX).fillna("E")
    return (prefix + "-" + hexes).to_numpy(dtype=object)


def hex16(values: np.ndarray) -> np.ndarray:
    """Unsigned 64-bit integers as 16 lower-case hex digits each (``"{:016x}".format``), as str objects."""
    values = np.asarray(values).astype(np.uint64)
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    nibbles = (values[:, None] >> shifts[None, :]) & np.uint64(15)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles]
    return np.ascontiguousarray(digits).view("S16").ravel().astype(str).astype(object)


def fresh_id(entity_type: str, anchor_mention: str, key: str | None = None) -> str:
    """The fresh id of one entity (see :func:`fresh_ids`)."""
    return str(fresh_ids([entity_type], [anchor_mention], key)[0])


def assign_ids(mentions: pd.DataFrame, cluster_key: pd.Series,
               previous: pd.DataFrame | None = None, key: str | None = None,
               notes: list | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Entity id per mention, and the table of id changes against ``previous``.

    ``mentions`` has ``mention_id`` and ``entity_type``; ``cluster_key`` labels each mention's
    cluster (unique across types); ``previous`` has ``mention_id`` and ``entity_id``; ``key`` is
    the id hash key (a workspace's secret; :data:`DEFAULT_ID_KEY` when None). A cluster of a type
    with a strong identifier is named by it (:func:`~linkgraph.match.strong_ids.strong_anchors`,
    its fallbacks appended to ``notes`` when given).
    """
    frame = pd.DataFrame({"mention_id": mentions["mention_id"].to_numpy(),
                          "entity_type": mentions["entity_type"].to_numpy(),
                          "cluster": cluster_key.to_numpy()})
    anchors, codes = _anchors(frame)
    clusters = anchors.index  # in code order
    named = _named(mentions, codes, anchors, notes)
    ids = pd.Series(fresh_ids(anchors["entity_type"], named, key), index=anchors.index)
    changes = pd.DataFrame(columns=["old_id", "new_id", "change", "mentions"])
    if previous is not None and len(previous):
        anchors, ids = anchors.sort_index(), ids.sort_index()
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
    per_code = ids.reindex(clusters).to_numpy() if len(ids) else np.array([], dtype=object)
    if (codes < 0).any():
        raise ValueError("every mention needs a cluster key")
    out = per_code[codes] if len(codes) else np.array([], dtype=object)
    return pd.Series(out, index=mentions.index, name="entity_id"), changes


def _anchors(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Each cluster's first mention id (in string order) and type, without a Python-level group-by.

    Returns the anchors (index: the cluster keys in order of first appearance) and each row's
    cluster code (position in that index).
    """
    codes, uniques = pd.factorize(frame["cluster"], use_na_sentinel=True)
    mention_ids = frame["mention_id"].to_numpy()
    order = np.argsort(mention_ids.astype(str), kind="stable")  # code-point order, as str comparison
    ordered = codes[order]
    keep = ordered >= 0
    _, first = np.unique(ordered[keep], return_index=True)
    pos = order[keep][first]
    anchors = pd.DataFrame({"anchor": mention_ids[pos], "entity_type": frame["entity_type"].to_numpy()[pos]},
                           index=pd.Index(uniques, name="cluster"))
    return anchors, codes


def _named(mentions: pd.DataFrame, codes: np.ndarray, anchors: pd.DataFrame, notes: list | None) -> np.ndarray:
    """What each cluster's id hashes: its strong identifier's anchor, else its first mention id."""
    from linkgraph.match.strong_ids import strong_anchors

    strong, fallbacks = strong_anchors(mentions, codes, len(anchors))
    if notes is not None:
        notes.extend(fallbacks)
    return np.where(pd.notna(strong), strong, anchors["anchor"].to_numpy(dtype=object))
