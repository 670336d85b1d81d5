"""The Spark engine against the local engine: wall time and equality of the clusters.

Runs (1) the bundled fixtures through `resolve` with each engine and (2) FEBRL3 and FEBRL4
(5,000 / 10,000 records) through `resolve_table` / `resolve_table_spark`, then checks that the
labels are identical. Spark runs in `local[N]` (default 2) on this machine: the figures show the
engine's fixed overhead on small data, not its scale-out (that needs a cluster).

Usage: python benchmarks/spark_engine.py [--master local[2]]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from linkgraph.api import load_mappings, read_sources
from linkgraph.evaluate.datasets import febrl
from linkgraph.match.pipeline import resolve
from linkgraph.match.resolve_table import resolve_table
from linkgraph.match.settings import load_settings
from linkgraph.match.spark import spark_session, table_resolver
from linkgraph.match.spark.resolve import resolve_table_spark

ROOT = Path(__file__).resolve().parents[1]


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    spark, startup = _timed(lambda: spark_session(args.master))
    print(f"Spark session start ({args.master}): {startup:.1f} s")
    print("| data | records | local s | spark s | identical clusters |")
    print("|---|---|---|---|---|")
    extraction = read_sources([(m, None) for m in load_mappings(ROOT / "rules" / "sources")])
    local, t_local = _timed(lambda: resolve(extraction))
    on_spark, t_spark = _timed(lambda: resolve(extraction, table_resolver=table_resolver("spark", spark=spark)))
    same = local.mentions["entity_id"].tolist() == on_spark.mentions["entity_id"].tolist()
    print(f"| fixtures (6 entity types) | {len(local.mentions):,} mentions | {t_local:.1f} | {t_spark:.1f} | {same} |")
    for name in ("febrl3", "febrl4"):
        df, _ = febrl(name)
        settings = load_settings(ROOT / "rules" / "matching" / "benchmarks" / f"{name}.yaml")
        a, t_a = _timed(lambda: resolve_table(df, settings))
        b, t_b = _timed(lambda: resolve_table_spark(spark, df, settings))
        print(f"| {name} | {len(df):,} | {t_a:.1f} | {t_b:.1f} | {bool(np.array_equal(a.labels, b.labels))} |")


if __name__ == "__main__":
    main()
