"""Vehicle matching by cause: precision, recall and F1 overall and per cause, and sibling merges.

    python benchmarks/causes_vehicle.py --rows 20000
    python benchmarks/causes_vehicle.py --rows 20000 --append-results

Generates (seeded, ``benchmarks/vehicles_data.py``) plate-reader, police and roadside-check files
with ground truth, resolves them through the normal pipeline with the default models
(``linkgraph.api.resolve_sources`` over ``benchmarks/vehicles/*.yaml``, ``rules/matching``), then
scores the vehicle clusters pairwise against the truth: overall, and per cause (the pairs that
hold at least one record of that cause: ``ocr``, ``dropped``, ``ocr+dropped``, ``format``,
``fni``, ``foreign``, ``vin_only``, ``clean``), and counts the pairs of sibling vehicles (a
fleet's consecutive plates, one legitimate character apart) that share an entity.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from vehicles_data import generate  # noqa: E402

from linkgraph.api import resolve_sources  # noqa: E402
from linkgraph.evaluate.metrics import PairScores, pairwise_scores  # noqa: E402

SOURCES = ("pv", "lapi", "controles")


def scores_by_cause(predicted: np.ndarray, truth: np.ndarray, cause: np.ndarray) -> dict[str, PairScores]:
    """Pairwise scores overall and, per cause, over the pairs holding at least one record of it
    (all pairs minus the pairs among the other records, counted from cluster sizes)."""
    out = {"all": pairwise_scores(predicted, truth)}
    whole = out["all"]
    for c in sorted(set(cause)):
        rest = cause != c
        other = pairwise_scores(predicted[rest], truth[rest])
        out[c] = PairScores(whole.tp - other.tp, whole.fp - other.fp, whole.fn - other.fn)
    return out


def siblings_merged(predicted: np.ndarray, truth: np.ndarray, siblings: pd.DataFrame) -> int:
    """Pairs of sibling vehicles with at least one mention in one predicted entity."""
    pairs = pd.DataFrame({"entity": predicted, "vehicle": truth}).drop_duplicates()
    both = pairs.merge(pairs, on="entity")
    both = both[both["vehicle_x"] < both["vehicle_y"]][["vehicle_x", "vehicle_y"]].drop_duplicates()
    sib = siblings.rename(columns={"a": "vehicle_x", "b": "vehicle_y"})
    return int(len(both.merge(sib, on=["vehicle_x", "vehicle_y"])))


def run(rows: int, out: Path, seed: int) -> dict:
    counts = generate(rows, out, seed)
    t0 = time.perf_counter()
    result = resolve_sources([(HERE / "vehicles" / f"{s}.yaml", out / f"{s}.csv") for s in SOURCES])
    wall = time.perf_counter() - t0
    truth = pd.read_csv(out / "truth.csv", dtype={"source": str})
    truth["mention_id"] = truth["source"] + ":" + truth["row"].astype(str) + ":vehicle"
    ent = result.mentions.set_index("mention_id")["entity_id"]
    predicted = truth["mention_id"].map(ent).to_numpy(dtype=object)  # a rejected row: None, its own cluster
    scores = scores_by_cause(predicted, truth["truth"].to_numpy(), truth["cause"].to_numpy())
    merged = siblings_merged(truth["mention_id"].map(ent).fillna(truth["mention_id"]).to_numpy(dtype=object),
                             truth["truth"].to_numpy(), pd.read_csv(out / "siblings.csv"))
    return {"counts": counts, "scores": scores, "siblings_merged": merged, "wall": wall,
            "rejected_rows": int((result.rows["status"] != "ok").sum()),
            "per_cause_rows": truth["cause"].value_counts().to_dict()}


def table(report: dict, rows: int, seed: int) -> str:
    c = report["counts"]
    lines = [f"Vehicles by cause, {c['rows']:,} rows, {c['vehicles']:,} vehicles, {c['sibling_pairs']:,} sibling pairs "
             f"(seed {seed}); resolve {report['wall']:.1f} s; rows rejected {report['rejected_rows']}; "
             f"sibling pairs merged: **{report['siblings_merged']}**", "",
             "| cause | rows | precision | recall | F1 | true pairs found | wrong pairs | missed pairs |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for cause, s in report["scores"].items():
        n = c["rows"] if cause == "all" else report["per_cause_rows"].get(cause, 0)
        lines.append(f"| {cause} | {n:,} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | {s.tp:,} | {s.fp:,} | "
                     f"{s.fn:,} |")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--out", type=Path, default=Path("out/bench/vehicles"))
    ap.add_argument("--append-results", action="store_true")
    args = ap.parse_args()
    report = run(args.rows, args.out, args.seed)
    text = table(report, args.rows, args.seed)
    load = os.getloadavg()
    text += (f"\n\nCommand: `python benchmarks/causes_vehicle.py --rows {args.rows} --seed {args.seed}`; machine: "
             f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; load average "
             f"{load[0]:.2f}.\n")
    print(text)
    if args.append_results:
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
