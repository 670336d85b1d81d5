"""linkgraph and Splink 5 side by side on FEBRL3 (dedupe) and FEBRL4 (link), in one run.

    python benchmarks/febrl.py            # both datasets
    python benchmarks/febrl.py febrl4     # one

Each tool runs in its own fresh process (``febrl_common.measure``): wall time of the run and
that process's own peak RSS. Both are scored by the same code (``febrl_common``), pairwise
over final clusters (FEBRL4 Splink: its predicted links, its headline view). No labels are
used by either tool for training.
"""
from __future__ import annotations

import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from febrl_common import cluster_pairs, load_dataset, measure, pairwise_scores  # noqa: E402


def run_linkgraph(dataset: str) -> dict:
    """Resolve FEBRL with the bundled linkgraph settings; score pairwise over clusters."""
    from linkgraph.evaluate.datasets import febrl
    from linkgraph.evaluate.runs import BENCHMARK_RULES
    from linkgraph.match.resolve_table import resolve_table
    from linkgraph.match.settings import load_settings

    loaded = load_dataset(dataset)
    truth = loaded[-1]
    t0 = time.perf_counter()
    df, _ = febrl(dataset)
    res = resolve_table(df, load_settings(BENCHMARK_RULES / f"{dataset}.yaml"))
    seconds = time.perf_counter() - t0
    import pandas as pd

    clusters = pd.Series(res.labels, index=df["record_id"].to_numpy())
    return {"dataset": dataset, **pairwise_scores(cluster_pairs(clusters), truth), "seconds": seconds}


def run_splink(dataset: str) -> dict:
    from splink_febrl import run_splink as _run

    return _run(dataset)


def main(datasets: list[str]) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    header = "| dataset | tool | precision | recall | F1 | tp | fp | fn | wall s | peak RSS MB |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for ds in datasets:
        for tool, fn in (("linkgraph", run_linkgraph), ("Splink 5 (DuckDB)", run_splink)):
            r, wall, peak = measure(fn, ds)
            print(f"| {ds} | {tool} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | {r['tp']} | "
                  f"{r['fp']} | {r['fn']} | {wall:.1f} | {peak:.0f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["febrl3", "febrl4"])
