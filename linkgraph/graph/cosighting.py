"""LAPI co-sightings: two vehicles read by the same camera within a short window, repeatedly.

A *co-read* is two reads of two different vehicles by one camera at most ``window_seconds`` apart
(inclusive). The co-reads of a vehicle pair at one camera form *occasions*: a new occasion starts
when the next co-read comes more than ``window_seconds`` after the previous one (a convoy read twice
in one pass is one occasion; the same convoy at two cameras is two). A pair seen together on at
least ``min_times`` occasions becomes a ``seen_together`` edge. Vectorized: reads sorted by
(camera, time), windows found with ``searchsorted``; no Python loop over reads.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.graph._agg import joined_sets, lists_by_group
from linkgraph.graph.edges import EDGE_COLUMNS, edge_id
from linkgraph.graph.kinds import CLASSIFICATION_RANK, entity_types

READ_COLUMNS = ["vehicle", "camera", "time", "source", "row", "agency", "classification"]
COSIGHTING_COLUMNS = EDGE_COLUMNS + ["occasions", "co_reads", "n_cameras", "cameras"]


def reads_from_relations(relations: pd.DataFrame, entities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Plate reads from ``seen_at`` relations (vehicle → place) that carry a ``time`` (or ``start``)."""
    if len(relations) == 0 or "type" not in relations:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in READ_COLUMNS})
    rel = relations[relations["type"] == "seen_at"]
    time = pd.Series(pd.NA, index=rel.index, dtype="string")
    for col in ("time", "start"):
        if col in rel:
            time = time.fillna(rel[col].astype("string"))
    keep = ((entity_types(rel["from_entity"], entities).to_numpy() == "vehicle")
            & (entity_types(rel["to_entity"], entities).to_numpy() == "place") & time.notna().to_numpy())
    rel = rel[keep]
    out = pd.DataFrame({"vehicle": rel["from_entity"].to_numpy(), "camera": rel["to_entity"].to_numpy(),
                        "time": time[keep].astype(object).to_numpy(), "source": rel["source"].to_numpy(),
                        "row": rel["row"].to_numpy()})
    for col in ("agency", "classification"):
        out[col] = rel[col].to_numpy() if col in rel else None
    return out


def _seconds(times: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Epoch seconds (UTC when zoned) and a mask of unparseable times."""
    parsed = pd.to_datetime(times, format="ISO8601", errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.to_numpy().astype("datetime64[s]").astype(np.int64), parsed.isna().to_numpy()


def _co_reads(camera: np.ndarray, t: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j), i < j in (camera, time) order, of reads at one camera at most ``window`` s apart."""
    n = len(t)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    span = int(t.max() - t.min()) + window + 1
    key = camera.astype(np.int64) * span + (t - t.min())  # cameras never overlap in key space
    hi = np.searchsorted(key, key + window, side="right")
    counts = hi - np.arange(n) - 1
    i = np.repeat(np.arange(n), counts)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    j = i + 1 + (np.arange(len(i)) - offsets)
    return i, j


def _iso(seconds: np.ndarray) -> np.ndarray:
    return pd.to_datetime(seconds, unit="s").strftime("%Y-%m-%dT%H:%M:%S").to_numpy(dtype=object)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COSIGHTING_COLUMNS})


def co_sightings(reads: pd.DataFrame, window_seconds: float = 120, min_times: int = 3) -> pd.DataFrame:
    """``seen_together`` edges between vehicles co-read on at least ``min_times`` occasions.

    ``reads``: ``vehicle``, ``camera`` (entity ids), ``time`` (ISO datetime), ``source``, ``row``
    (and optionally ``agency``, ``classification``). Output: the columns of
    :func:`~linkgraph.graph.edges.edge_table` (``count`` = ``weight`` = occasions, ``evidence`` = the
    ``source:row`` of every read involved, ``first_seen``/``last_seen`` = first and last co-read
    time) plus ``occasions``, ``co_reads`` (read pairs), ``n_cameras`` and ``cameras`` (';').
    """
    window = int(window_seconds)
    reads = reads.dropna(subset=["vehicle", "camera", "time"])
    t, bad = _seconds(reads["time"])
    reads, t = reads[~bad], t[~bad]
    if len(reads) == 0:
        return _empty()
    vcode, vehicles = pd.factorize(reads["vehicle"].astype(str), sort=True)
    ccode, cameras = pd.factorize(reads["camera"].astype(str), sort=True)
    order = np.lexsort((t, ccode))
    vcode, ccode, t = vcode[order], ccode[order], t[order]
    reads = reads.iloc[order].reset_index(drop=True)
    i, j = _co_reads(ccode, t, window)
    differ = vcode[i] != vcode[j]
    i, j = i[differ], j[differ]
    if len(i) == 0:
        return _empty()
    a, b = np.minimum(vcode[i], vcode[j]), np.maximum(vcode[i], vcode[j])
    pairs = pd.DataFrame({"a": a, "b": b, "cam": ccode[i], "t0": t[i], "t1": t[j], "i": i, "j": j})
    pairs = pairs.sort_values(["a", "b", "cam", "t0", "t1"], kind="stable").reset_index(drop=True)
    same = ((pairs[["a", "b", "cam"]].to_numpy()[1:] == pairs[["a", "b", "cam"]].to_numpy()[:-1]).all(axis=1))
    gap = np.diff(pairs["t0"].to_numpy()) > window
    pairs["new"] = np.concatenate([[True], ~same | gap])
    pair_key = pairs["a"].to_numpy(dtype=np.int64) * len(vehicles) + pairs["b"].to_numpy(dtype=np.int64)
    occasions = pd.Series(pairs["new"].to_numpy(dtype=np.int64)).groupby(pair_key).sum()
    pairs = pairs[np.isin(pair_key, occasions.index[occasions.to_numpy() >= min_times])]
    if len(pairs) == 0:
        return _empty()
    groups = pairs.groupby(["a", "b"], sort=True).ngroup().to_numpy()
    n = int(groups.max()) + 1
    g = pairs.groupby(groups)
    first = np.unique(groups, return_index=True)[1]
    out = pd.DataFrame({"from_entity": np.asarray(vehicles, dtype=object)[pairs["a"].to_numpy()[first]],
                        "to_entity": np.asarray(vehicles, dtype=object)[pairs["b"].to_numpy()[first]]})
    out["type"] = "seen_together"
    out["directed"] = False
    out["self_loop"] = False
    out["occasions"] = g["new"].sum().to_numpy().astype(int)
    out["count"] = out["occasions"]
    out["weight"] = out["occasions"].astype(float)
    out["co_reads"] = g.size().to_numpy()
    out["first_seen"] = _iso(g["t0"].min().to_numpy())
    out["last_seen"] = _iso(g["t1"].max().to_numpy())
    # the reads involved: both ends of every co-read
    read_idx = np.concatenate([pairs["i"].to_numpy(), pairs["j"].to_numpy()])
    read_grp = np.concatenate([groups, groups])
    involved = reads.iloc[read_idx]
    for col, name in (("agency", "agencies"), ("source", "sources")):
        values = involved[col].reset_index(drop=True) if col in involved else pd.Series([""] * len(involved))
        out[name], out["n_" + name] = joined_sets(read_grp, values, n)
    if "classification" in involved:
        level = pd.Series(involved["classification"].map(CLASSIFICATION_RANK).fillna(-1).to_numpy()).groupby(read_grp).max()
        levels = np.array(sorted(CLASSIFICATION_RANK, key=CLASSIFICATION_RANK.get), dtype=object)
        out["classification"] = np.where(level.to_numpy() >= 0, levels[np.clip(level.to_numpy(), 0, None).astype(int)], None)
    else:
        out["classification"] = None
    out["total_duration"] = np.nan
    out["total_quantity"] = np.nan
    refs = (involved["source"].astype(str) + ":" + involved["row"].astype(str)).to_numpy()
    rank = np.lexsort((pd.to_numeric(involved["row"], errors="coerce").fillna(-1).to_numpy(),
                       involved["source"].astype(str).to_numpy()))
    position = np.empty(len(rank), dtype=np.int64)
    position[rank] = np.arange(len(rank))
    out["evidence"] = lists_by_group(read_grp, refs, n, order=position).to_numpy()
    out["n_cameras"] = g["cam"].nunique().to_numpy()
    out["cameras"], _ = joined_sets(groups, pd.Series(cameras[pairs["cam"].to_numpy()]), n)
    out.insert(0, "edge_id", edge_id(out["from_entity"], out["type"], out["to_entity"]))
    return out[COSIGHTING_COLUMNS].sort_values(["occasions", "edge_id"], ascending=[False, True]).reset_index(drop=True)
