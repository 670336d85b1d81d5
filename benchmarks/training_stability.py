"""Training stability: the default person model trained on the same realistic population at several sizes.

    python benchmarks/training_stability.py --records 20000 100000 1000000

For each size: the realistic files (``benchmarks/persons_realistic.py``, same seed, cached under
``out/bench/realistic-N``) are read through their mappings, the person mentions (with their
context phone) made into the table the resolution trains on, and the default model
``rules/matching/person.yaml`` trained on it (:func:`linkgraph.match.model.train`: EM sessions
per rule over bounded samples). Each size runs in its own process (training time and peak RSS
of that process are printed). Then every level's m is printed side by side with the largest
difference between sizes; ``--max-diff`` (default 0.05) is the acceptance bound (exit 1 above).
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
SOURCES = [("police", "police.csv"), ("gendarmerie", "gendarmerie.csv"), ("bailleur", "bailleur.csv"),
           ("douane", "douane.jsonl")]


def person_table(folder: Path):
    """The person table resolution trains on (mentions with their context phone)."""
    from linkgraph.api import read_sources
    from linkgraph.match.pipeline import _type_table, _with_context

    extraction = read_sources([(str(folder / f"{name}.yaml"), folder / file) for name, file in SOURCES], workers=2)
    mentions = _with_context(extraction.mentions.copy(deep=False), extraction.relations)
    table = _type_table(mentions, "person")
    return table


def child(n: int, seed: int, rules: Path) -> dict:
    sys.path.insert(0, str(HERE))
    from persons_realistic import ensure

    from linkgraph.match.cluster import cluster
    from linkgraph.match.compare import Columns
    from linkgraph.match.model import train
    from linkgraph.match.resolve_table import identifier_edges
    from linkgraph.match.settings import load_settings

    folder = ROOT / "out" / "bench" / f"realistic-{n}"
    ensure(folder, n, seed=seed)
    t0 = time.perf_counter()
    table = person_table(folder)
    read = time.perf_counter() - t0
    settings = load_settings(rules)
    known = identifier_edges(table, settings.identifiers)
    known_same = cluster(len(table), known).labels if len(known.i) else None
    t1 = time.perf_counter()
    trained = train(settings, table, known_same=known_same, cols=Columns(table))
    seconds = time.perf_counter() - t1
    return {"records": n, "mentions": len(table), "read_seconds": round(read, 1), "train_seconds": round(seconds, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "prior": trained.probability_two_random_records_match,
            "m": {c.name: [lvl.m for lvl in c.levels] for c in trained.comparisons},
            "u": {c.name: [lvl.u for lvl in c.levels] for c in trained.comparisons},
            "levels": {c.name: [lvl.describe(c.column) for lvl in c.levels] for c in trained.comparisons},
            "report": trained.training_report}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, nargs="+", default=[20000, 100000, 1000000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rules", type=Path, default=ROOT / "rules" / "matching" / "person.yaml")
    ap.add_argument("--max-diff", type=float, default=0.05)
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path, help="write every run's figures and training report here")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.seed, args.rules)))
        return 0
    runs = []
    for n in args.records:
        out = subprocess.run([sys.executable, __file__, "--child", str(n), "--seed", str(args.seed),
                              "--rules", str(args.rules)], capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            sys.stderr.write(out.stderr)
            return out.returncode
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = runs[-1]
        print(f"{n:>9,} records: {r['mentions']:,} person mentions, training {r['train_seconds']} s, "
              f"process peak RSS {r['peak_rss_mb']:,} MB, λ={r['prior']:.3g}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))
    head = "| comparison | level | " + " | ".join(f"m at {r['records']:,}" for r in runs) + " | max diff |"
    print("\n" + head + "\n|" + "---|" * (len(runs) + 3))
    worst = 0.0
    for name, descs in runs[0]["levels"].items():
        for k, desc in enumerate(descs):
            ms = [r["m"][name][k] for r in runs]
            diff = max(ms) - min(ms)
            worst = max(worst, diff)
            print(f"| {name} | {desc} | " + " | ".join(f"{m:.3f}" for m in ms) + f" | {diff:.3f} |")
    lam = [r["prior"] * (r["mentions"] - 1) / 2 for r in runs]
    print("\nλ × (mentions - 1) / 2 (matching pairs per record, free of size): " + ", ".join(f"{x:.3f}" for x in lam))
    print(f"largest m difference between sizes: {worst:.3f} (bound {args.max_diff})")
    return 0 if worst <= args.max_diff else 1


if __name__ == "__main__":
    sys.exit(main())
