"""The relational part of graph building and scoring on Spark against the local engine, side by
side in one run on ``graph_scale.py``'s generated data (issue 15, item 3).

For each stage — edge aggregation (``edge_table(relations, lists=False)``), the person projection
(``person_projection(edges, entities, lists=False)``), the factors' (person, row) table
(``factors._person_rows``) and the corroboration factor (``factors.corroboration``) — the local function and its Spark version
(:mod:`linkgraph.graph.spark`) run on the same input; the wall time, the driver's CPU and the
tables' equality (``pd.testing.assert_frame_equal``, plus the evidence and pair → edge indexes;
corroboration: the values, and the evidence of the first 1,000 persons)
are printed. The Spark figures include shipping the integer codes to Spark and collecting the
results; ``local[N]`` on one machine shows the engine's overhead, not its scale-out (a cluster).

    python benchmarks/graph_spark.py --nodes 100000 --edges 500000 [--master local[2]]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from graph_scale import generate  # noqa: E402

from linkgraph.graph.edge_refs import KEY as REFS_KEY  # noqa: E402
from linkgraph.graph.edges import edge_table  # noqa: E402
from linkgraph.graph.projection import person_projection  # noqa: E402
from linkgraph.graph.spark.edges import edge_table_spark  # noqa: E402
from linkgraph.graph.spark.factors import corroboration, person_rows  # noqa: E402
from linkgraph.graph.spark.projection import person_projection_spark  # noqa: E402
from linkgraph.match.spark import spark_session  # noqa: E402
from linkgraph.scoring import factors as F  # noqa: E402
from linkgraph.scoring.context import ScoringContext  # noqa: E402


def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def _same_edges(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    pd.testing.assert_frame_equal(a, b)
    ra, rb = a.attrs[REFS_KEY], b.attrs[REFS_KEY]
    return (np.array_equal(ra.offsets, rb.offsets) and np.array_equal(ra.sources, rb.sources)
            and np.array_equal(ra.rows.astype(str), rb.rows.astype(str)))


def _same_projection(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    pd.testing.assert_frame_equal(a, b)
    va, vb = a.attrs["via_index"], b.attrs["via_index"]
    return np.array_equal(va.offsets, vb.offsets) and np.array_equal(va.positions, vb.positions)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--edges", type=int, default=500_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="4g")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"command: python benchmarks/graph_spark.py {' '.join(sys.argv[1:])}", flush=True)
    data = generate(args.nodes, args.edges, args.seed)
    print("tables:", {k: len(v) for k, v in data.items()}, flush=True)
    spark, startup, _ = _timed(lambda: spark_session(args.master, conf={"spark.driver.memory": args.driver_memory}))
    print(f"Spark session start ({args.master}): {startup:.1f} s", flush=True)
    ent, rel = data["entities"], data["relations"]
    rows = data["rows"].loc[data["rows"]["status"] == "ok", ["source", "row", "agency", "date", "attributes"]]
    lines = []

    local, tl, cl = _timed(lambda: edge_table(rel, lists=False))
    spk, ts, cs = _timed(lambda: edge_table_spark(spark, rel, lists=False))
    lines.append(("edge_table", f"{len(rel):,} relation rows → {len(local):,} edges", tl, cl, ts, cs, _same_edges(local, spk)))
    edges = local
    local, tl, cl = _timed(lambda: person_projection(edges, ent, lists=False))
    spk, ts, cs = _timed(lambda: person_projection_spark(spark, edges, ent))
    lines.append(("person_projection", f"{len(edges):,} edges → {len(local):,} pairs", tl, cl, ts, cs,
                  _same_projection(local, spk)))
    persons = pd.Index(ent.loc[ent["entity_type"] == "person", "entity_id"], name="entity_id")
    ctx = ScoringContext(persons, ent, data["mentions"], rows, edges, local, pd.Timestamp("2025-01-01"))
    local, tl, cl = _timed(lambda: F._person_rows(ctx))
    spk, ts, cs = _timed(lambda: person_rows(spark, ctx.mentions, ctx.rows))
    pd.testing.assert_frame_equal(local, spk)
    lines.append(("factors: person rows", f"{len(ctx.mentions):,} mentions × {len(rows):,} rows → {len(local):,}",
                  tl, cl, ts, cs, True))
    local, tl, cl = _timed(lambda: F.corroboration(ctx))
    spk, ts, cs = _timed(lambda: corroboration(spark, ctx))
    pd.testing.assert_series_equal(local[0], spk[0])
    same = all(local[1][k] == spk[1][k] for k in local[1].keys_index()[:1000]) and len(local[1]) == len(spk[1])
    lines.append(("factors: corroboration", f"{len(ctx.mentions):,} mentions, {int((local[0] > 0).sum()):,} persons > 0",
                  tl, cl, ts, cs, same))

    print("\n| stage | size | local s (CPU) | spark s (driver CPU) | equal |\n|---|---|---:|---:|---|")
    for name, size, tl, cl, ts, cs, same in lines:
        print(f"| {name} | {size} | {tl:.1f} ({cl:.1f}) | {ts:.1f} ({cs:.1f}) | {'yes' if same else 'NO'} |")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    spark.stop()


if __name__ == "__main__":
    main()
