"""The resolution stage alone on the person benchmark files: wall and CPU time per step.

    python benchmarks/persons_resolve.py --records 1000000
    python benchmarks/persons_resolve.py --records 1000000 --save out/bench/ids-after.parquet
    python benchmarks/persons_resolve.py --records 1000000 --compare out/bench/ids-before.parquet

Reads the cached files of ``benchmarks/persons_scale.py`` (``out/bench/persons-N``, generate
them with that script first) once and keeps the extraction in ``out/bench/persons-N.pickle``
(``--fresh`` reads again), then times ``linkgraph.match.pipeline.resolve`` with the person model
of ``benchmarks/persons/matching`` — everything after reading: blocking, comparisons, training,
both scoring passes, clustering, ids, entity table — and each of its steps (wall and CPU seconds,
CPU counting every thread), and the process's peak RSS. ``--save`` writes mention_id → entity_id;
``--compare`` checks the result against such a file (same partition and same ids).

To measure another version of the code (e.g. before a change), run the same command with
``PYTHONPATH`` pointing at a checkout of it (``git archive <commit> linkgraph | tar -x -C DIR``).
"""
from __future__ import annotations

import argparse
import collections
import pickle
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [("police", "police.csv"), ("gendarmerie", "gendarmerie.csv"), ("bailleur", "bailleur.csv"),
           ("douane", "douane.jsonl")]
#: (module, function) pairs timed inside resolve; a step called twice (two scoring passes) is summed.
STEPS = [("linkgraph.match.pipeline", "_type_table"), ("linkgraph.match.resolve_table", "candidate_pairs"),
         ("linkgraph.match.resolve_table", "comparison_matrix"), ("linkgraph.match.resolve_table", "train"),
         ("linkgraph.match.resolve_table", "score"), ("linkgraph.match.resolve_table", "_cluster"),
         ("linkgraph.match.pipeline", "resolve_table"), ("linkgraph.match.pipeline", "assign_ids"),
         ("linkgraph.match.entities", "entity_table")]


def extraction(records: int, fresh: bool):
    """The Extraction of the cached benchmark files (read once, then pickled)."""
    from linkgraph.api import read_sources

    folder = ROOT / "out" / "bench" / f"persons-{records}"
    cache = ROOT / "out" / "bench" / f"persons-{records}.pickle"
    if cache.exists() and not fresh:
        with open(cache, "rb") as fh:
            return pickle.load(fh)
    if not folder.exists():
        raise SystemExit(f"{folder} does not exist: run benchmarks/persons_scale.py --records {records} first")
    ex = read_sources([(str(folder / f"{name}.yaml"), folder / file) for name, file in SOURCES])
    with open(cache, "wb") as fh:
        pickle.dump(ex, fh, protocol=5)
    return ex


def timed(step_times: dict, module, name: str) -> None:
    """Replace ``module.name`` by a wrapper adding its wall and CPU time to ``step_times[name]``."""
    inner = getattr(module, name)

    def wrapper(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            entry = step_times[name]
            entry[0] += time.perf_counter() - wall
            entry[1] += time.process_time() - cpu
            entry[2] += 1

    setattr(module, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--fresh", action="store_true", help="read the files again instead of the pickled extraction")
    ap.add_argument("--save", type=Path, help="write mention_id, entity_id (Parquet)")
    ap.add_argument("--compare", type=Path, help="check mention_id, entity_id against this file")
    args = ap.parse_args()

    import importlib

    import pandas as pd

    ex = extraction(args.records, args.fresh)
    step_times: dict = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for module, name in STEPS:
        timed(step_times, importlib.import_module(module), name)
    from linkgraph.match.pipeline import resolve

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    wall, cpu = time.perf_counter(), time.process_time()
    res = resolve(ex, ROOT / "benchmarks" / "persons" / "matching")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{args.records:,} records, {len(res.entities):,} entities: resolve wall {wall:.2f} s, CPU {cpu:.2f} s, "
          f"peak RSS {peak:.2f} GB (after reading: {rss_before:.2f} GB)")
    print("| step | calls | wall s | CPU s |\n|---|---:|---:|---:|")
    for module, name in STEPS:
        w, c, n = step_times[name]
        print(f"| {name} | {n} | {w:.2f} | {c:.2f} |")
    ids = res.mentions[["mention_id", "entity_id"]].reset_index(drop=True)
    if args.save:
        ids.to_parquet(args.save)
    if args.compare:
        want = pd.read_parquet(args.compare)
        same = want.equals(ids)
        print(f"same mention → entity table as {args.compare}: {same}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
