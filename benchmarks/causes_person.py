"""Person matching errors by cause: wrong (fp) and missed (fn) pairs, and F1 per cause.

    python benchmarks/causes_person.py --records 20000
    python benchmarks/causes_person.py --records 1000000     # under flock /tmp/bigbench.lock

Resolves the realistic files (``benchmarks/persons_realistic.py``, cached under
``out/bench/realistic-N``) with the default model (``rules/matching/person.yaml``), then
classifies every wrong pair (two people merged) and every missed pair (one person split) by
what the two mentions look like:

* fp ``chain``: the two mentions are not linked by an edge of their own (another mention
  joins them); else by the direct edge's pair: ``swapped names``, ``namesake, dob missing``,
  ``namesake, dob one digit``, ``namesake, same dob``, ``namesake, other dob``,
  ``same dob, names alike``, ``other``;
* fn ``refused by constraint`` (an edge between their clusters refused), ``dob year typo``
  (year differs, day and month equal), ``swapped names``, ``dob other``, ``names differ``,
  ``other``.

For each cause: its fp and fn pairs and the F1 the run would have without them ("F1 if
fixed"), so the table says which cause costs most. The pair counts add up to the run's
fp and fn.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler, Levenshtein

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from linkgraph.match.blocking import pairs_within_groups  # noqa: E402


def _alike(a: np.ndarray, b: np.ndarray, threshold: float = 0.88) -> np.ndarray:
    return np.array([x is not None and y is not None and x == x and y == y
                     and JaroWinkler.normalized_similarity(str(x), str(y)) >= threshold for x, y in zip(a, b)], bool)


def _one_digit(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.array([isinstance(x, str) and isinstance(y, str) and x != y and Levenshtein.distance(x, y) <= 1
                     for x, y in zip(a, b)], bool)


def _missing(v: np.ndarray) -> np.ndarray:
    return pd.isna(pd.Series(v, dtype=object)).to_numpy()


def classify_fp(t: pd.DataFrame, i: np.ndarray, j: np.ndarray, direct: np.ndarray) -> np.ndarray:
    """A cause per wrong pair (see the module docstring)."""
    fi, fj, li, lj = (t["first_key"].to_numpy()[i], t["first_key"].to_numpy()[j],
                      t["last_key"].to_numpy()[i], t["last_key"].to_numpy()[j])
    di, dj = t["dob"].to_numpy()[i], t["dob"].to_numpy()[j]
    namesake = _alike(fi, fj, 0.95) & _alike(li, lj, 0.95)
    swapped = ~namesake & _alike(fi, lj) & _alike(li, fj)
    missing = _missing(di) | _missing(dj)
    same_dob = ~missing & (di == dj)
    digit = _one_digit(di, dj)
    out = np.full(len(i), "other", dtype=object)
    out[same_dob & (_alike(fi, fj) | _alike(li, lj))] = "same dob, names alike"
    out[namesake & ~missing] = "namesake, other dob"
    out[namesake & same_dob] = "namesake, same dob"
    out[namesake & digit] = "namesake, dob one digit"
    out[namesake & missing] = "namesake, dob missing"
    out[swapped] = "swapped names"
    out[~direct] = "chain"
    return out


def classify_fn(t: pd.DataFrame, i: np.ndarray, j: np.ndarray, refused: np.ndarray) -> np.ndarray:
    """A cause per missed pair (see the module docstring)."""
    fi, fj, li, lj = (t["first_key"].to_numpy()[i], t["first_key"].to_numpy()[j],
                      t["last_key"].to_numpy()[i], t["last_key"].to_numpy()[j])
    di, dj = t["dob"].to_numpy()[i], t["dob"].to_numpy()[j]
    both = ~(_missing(di) | _missing(dj))
    year = np.array([isinstance(x, str) and isinstance(y, str) and x[4:] == y[4:] and x[:4] != y[:4]
                     for x, y in zip(di, dj)], bool)
    swapped = ~(_alike(fi, fj) & _alike(li, lj)) & (_alike(fi, lj, 0.8) | _alike(li, fj, 0.8))
    names_alike = _alike(fi, fj, 0.8) & _alike(li, lj, 0.8)
    out = np.full(len(i), "other", dtype=object)
    out[~names_alike] = "names differ"
    out[both & (di != dj)] = "dob other"
    out[swapped] = "swapped names"
    out[year] = "dob year typo"
    out[refused] = "refused by constraint"
    return out


def _pair_keys(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    a, b = np.minimum(i, j), np.maximum(i, j)
    return a.astype(np.int64) * n + b


def causes(folder: Path) -> tuple[pd.DataFrame, dict]:
    """(per cause: fp, fn, F1 if fixed; totals) of the default model on ``folder``."""
    from linkgraph.api import resolve_sources
    from persons_scale import MODELS, sources

    specs = [(str(folder / f"{name}.yaml"), folder / file) for name, file in sources(folder)]
    t0 = time.perf_counter()
    res = resolve_sources(specs, MODELS["default"], workers=2)
    seconds = time.perf_counter() - t0
    table, tr = res.tables["person"]
    table = table.reset_index(drop=True)
    n = len(table)
    truth = pd.read_csv(folder / "truth.csv", dtype=str).set_index("mention_id")["entity_id"]
    true_labels = pd.factorize(truth.reindex(table["mention_id"]).to_numpy())[0]  # -1: not in truth
    labels = np.asarray(tr.labels)
    pi, pj = pairs_within_groups(labels)
    ti, tj = pairs_within_groups(true_labels)
    pk, tk = _pair_keys(pi, pj, n), _pair_keys(ti, tj, n)
    fp = ~np.isin(pk, tk)
    fn = ~np.isin(tk, pk)
    tp = int((~fp).sum())
    used = tr.clustering.used
    e = tr.edges
    edge_keys = _pair_keys(e.i[used], e.j[used], n)
    direct = np.isin(pk[fp], edge_keys)
    refused = tr.clustering.refused
    if len(refused):
        ri, rj = refused["i"].to_numpy(np.int64), refused["j"].to_numpy(np.int64)
        cl = _pair_keys(labels[ri], labels[rj], n)  # cluster pairs an edge between them was refused
        fn_refused = np.isin(_pair_keys(labels[ti[fn]], labels[tj[fn]], n), cl)
    else:
        fn_refused = np.zeros(int(fn.sum()), bool)
    fp_cause = classify_fp(table, pi[fp], pj[fp], direct)
    fn_cause = classify_fn(table, ti[fn], tj[fn], fn_refused)
    n_fp, n_fn = int(fp.sum()), int(fn.sum())

    def f1(tp_: int, fp_: int, fn_: int) -> float:
        return 2 * tp_ / (2 * tp_ + fp_ + fn_) if tp_ else 0.0

    rows = []
    for cause in sorted(set(fp_cause) | set(fn_cause)):
        a, b = int((fp_cause == cause).sum()), int((fn_cause == cause).sum())
        rows.append({"cause": cause, "fp": a, "fn": b, "F1 if fixed": round(f1(tp + b, n_fp - a, n_fn - b), 4)})
    frame = pd.DataFrame(rows).sort_values(["fp", "fn"], ascending=False, key=lambda s: s)
    return frame, {"records": n, "tp": tp, "fp": n_fp, "fn": n_fn, "f1": round(f1(tp, n_fp, n_fn), 4),
                   "seconds": round(seconds, 1)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    from persons_realistic import ensure

    folder = ROOT / "out" / "bench" / f"realistic-{args.records}"
    ensure(folder, args.records, args.seed)
    frame, totals = causes(folder)
    print(f"{args.records:,} realistic records: {totals}")
    print("| cause | fp | fn | F1 if fixed |\n|---|---:|---:|---:|")
    for r in frame.itertuples(index=False):
        print(f"| {r.cause} | {r.fp:,} | {r.fn:,} | {r[3]:.4f} |")


if __name__ == "__main__":
    main()
