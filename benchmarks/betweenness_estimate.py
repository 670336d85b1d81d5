"""Does the ranking depend on how the network factor's betweenness is estimated? KADABRA (scoring's
estimator from ``linkgraph.graph.kadabra.MIN_NODES`` nodes up; used here whatever the size) against
128 sampled pivots, over seeds, on ``graph_scale.py``'s generated data: the time of ``score(ctx)``
and who is in the score's top N.

    python benchmarks/betweenness_estimate.py --nodes 1000000 --edges 5000000
    python benchmarks/betweenness_estimate.py --nodes 200000 --edges 1000000 --runs kadabra:0,kadabra:1

Each run scores the same context (built once, as ``graph_scale.py`` builds it) in this process; a
run is ``kadabra:SEED`` or ``pivots:SEED``. Prints one line per run (wall seconds, CPU of this process
and of its forked children) and, per pair of runs, how many people their top 5/10/20/100 share.
"""
from __future__ import annotations

import argparse
import functools
import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import graph_scale as G  # noqa: E402

TOPS = (5, 10, 20, 100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=5_000_000)
    ap.add_argument("--seed", type=int, default=0, help="the data's seed")
    ap.add_argument("--runs", default="kadabra:0,kadabra:1,kadabra:2,pivots:0,pivots:1")
    args = ap.parse_args()
    runs = [r.split(":") for r in args.runs.split(",")]
    if not runs or any(len(r) != 2 or r[0] not in ("kadabra", "pivots") or not r[1].isdigit() for r in runs):
        ap.error("--runs: a comma-separated list of kadabra:SEED or pivots:SEED")

    import pandas as pd

    from linkgraph.graph import kadabra
    from linkgraph.graph.analytics import analyse, as_igraph
    from linkgraph.graph.edges import edge_table
    from linkgraph.graph.projection import person_projection, projection_nodes
    from linkgraph.scoring import network as N
    from linkgraph.scoring.context import ScoringContext
    from linkgraph.scoring.score import ANALYSIS_METRICS, score

    print(f"command: python benchmarks/betweenness_estimate.py {' '.join(sys.argv[1:])}", flush=True)
    data = G._reload(G.generate(args.nodes, args.edges, args.seed))
    ent = data["entities"]
    # as graph_scale.py builds them (its line attribution attributes no line on this data: left out)
    edges = edge_table(data["relations"], lists=False)
    projection = person_projection(edges, ent, lists=False)
    nodes = projection_nodes(projection, ent)[["entity_id", "entity_type", "label"]]
    graph = as_igraph(projection[["from_entity", "to_entity", "weight"]], nodes=nodes["entity_id"].tolist())
    analysis = analyse(graph, nodes, metrics=ANALYSIS_METRICS)
    persons = pd.Index(ent.loc[ent["entity_type"] == "person", "entity_id"], name="entity_id")
    rows = data["rows"].loc[data["rows"]["status"] == "ok", ["source", "row", "agency", "date", "attributes"]]
    estimate, pivots, min_nodes = kadabra.kadabra_betweenness, N.betweenness_values, kadabra.MIN_NODES
    tops: dict[str, list] = {}
    for kind, seed in runs:
        name = f"{kind}:{seed}"
        if kind == "kadabra":
            kadabra.MIN_NODES, kadabra.kadabra_betweenness = 0, functools.partial(estimate, seed=int(seed))
        else:
            kadabra.MIN_NODES, N.betweenness_values = sys.maxsize, functools.partial(pivots, seed=int(seed))
        ctx = ScoringContext(persons=persons, entities=ent, mentions=data["mentions"], rows=rows,
                             edges=edges, projection=projection, reference_date=pd.Timestamp("2025-01-01"),
                             graph=graph, analysis=analysis)
        t, c0 = time.perf_counter(), os.times()
        result = score(ctx)
        c1 = os.times()
        kadabra.kadabra_betweenness, N.betweenness_values, kadabra.MIN_NODES = estimate, pivots, min_nodes
        tops[name] = result.persons["entity_id"].head(max(TOPS)).tolist()
        print(f"{name}: score(ctx) {time.perf_counter() - t:.1f} s, this process CPU "
              f"{c1.user + c1.system - c0.user - c0.system:.1f} s, forked children CPU "
              f"{c1.children_user + c1.children_system - c0.children_user - c0.children_system:.1f} s", flush=True)
    print("\n| pair | " + " | ".join(f"top {n}" for n in TOPS) + " |")
    print("|---|" + "---:|" * len(TOPS))
    for a, b in itertools.combinations(tops, 2):
        shared = [len(set(tops[a][:n]) & set(tops[b][:n])) for n in TOPS]
        print(f"| {a} / {b} | " + " | ".join(map(str, shared)) + " |")


if __name__ == "__main__":
    main()
