"""Does the trained person model depend on the file size? m and u of every level, side by side.

    python benchmarks/person_model_stability.py --records 20000 100000 1000000

For each size, the realistic data (``benchmarks/persons_realistic.py``, same seed; cached
under ``out/bench/realistic-N``) is resolved by linkgraph with the default models
(``rules/matching/``, or ``--models``) in a child process — training included, exactly as
``linkgraph resolve`` does — and the child writes the trained person model (the
``models/person.yaml`` that ``save_resolution`` writes) to ``out/bench/stability/person-N.yaml``.
The parent prints every comparison level's m and u at each size, the spread of m (max − min)
per level, and exits with code 1 if any m spreads by more than ``--tolerance`` (0.05, the
acceptance bar of issue 11) or if a size could not be trained (the child's error is shown).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
OUT = ROOT / "out" / "bench" / "stability"


def train(folder: Path, models: Path, target: Path) -> None:
    """(child) Resolve the folder's files and write the trained person model to ``target``."""
    import json

    from linkgraph.api import resolve_sources
    from linkgraph.match.settings import save_settings

    files = json.loads((folder / "manifest.json").read_text())["files"]
    specs = [(str(folder / f"{name}.yaml"), folder / file) for name, file in files.items()]
    res = resolve_sources(specs, models, workers=2)
    save_settings(res.models["person"], target)


def levels(path: Path) -> tuple[dict[tuple[str, str], tuple[float | None, float | None]], float | None]:
    """{(comparison, level label): (m, u)} and the prior of a trained model file."""
    doc = yaml.safe_load(path.read_text())
    out = {}
    for c in doc["comparisons"]:
        for k, lvl in enumerate(c["levels"]):
            label = lvl.get("label") or f"{lvl['kind']}" + (f" {lvl['threshold']}" if "threshold" in lvl else "") \
                + (f" on {lvl['column']}" if lvl.get("column") else "")
            out[(c["name"], f"{k}: {label}")] = (lvl.get("m"), lvl.get("u"))
    return out, doc.get("probability_two_random_records_match")


def report(sizes: list[int], found: dict[int, Path], tolerance: float) -> tuple[str, float]:
    """The side-by-side table and the largest spread of m across sizes."""
    tables = {n: levels(found[n]) for n in sizes if n in found}
    ok = [n for n in sizes if n in tables]
    keys = list(tables[ok[0]][0]) if ok else []
    head = "| comparison | level | " + " | ".join(f"m @{n:,}" for n in ok) + " | spread m | " \
        + " | ".join(f"u @{n:,}" for n in ok) + " |"
    lines = [head, "|" + "---|" * (3 + 2 * len(ok))]
    worst = 0.0
    for key in keys:
        ms = [tables[n][0].get(key, (None, None))[0] for n in ok]
        us = [tables[n][0].get(key, (None, None))[1] for n in ok]
        vals = [m for m in ms if m is not None]
        spread = max(vals) - min(vals) if len(vals) > 1 else 0.0
        worst = max(worst, spread)
        flag = " **>tol**" if spread > tolerance else ""
        fmt = lambda v: "—" if v is None else f"{v:.4f}"  # noqa: E731
        lines.append(f"| {key[0]} | {key[1]} | " + " | ".join(fmt(m) for m in ms) + f" | {spread:.4f}{flag} | "
                     + " | ".join(fmt(u) for u in us) + " |")
    lines.append("")
    lines.append("prior (probability two random records match): "
                 + ", ".join(f"{n:,}: {tables[n][1]:.3g}" if tables[n][1] else f"{n:,}: —" for n in ok))
    return "\n".join(lines), worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, nargs="+", default=[20000, 100000, 1000000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--models", type=Path, default=ROOT / "rules" / "matching")
    ap.add_argument("--tolerance", type=float, default=0.05)
    ap.add_argument("--origins", default="national", help="origin mix of the generator (national, cells)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        train(Path(args.child[0]), args.models, Path(args.child[1]))
        return 0
    sys.path.insert(0, str(HERE))
    from persons_realistic import ensure

    OUT.mkdir(parents=True, exist_ok=True)
    found: dict[int, Path] = {}
    failures = []
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for n in args.records:
        tag = "" if args.origins == "national" else f"{args.origins}-"
        folder = ROOT / "out" / "bench" / f"realistic-{tag}{n}"
        ensure(folder, n, args.seed, origins=args.origins)
        target = OUT / f"person-{tag}{n}.yaml"
        target.unlink(missing_ok=True)
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--models", str(args.models),
                               "--child", str(folder), str(target)], env=env, cwd=ROOT, capture_output=True, text=True)
        took = time.perf_counter() - t
        if proc.returncode != 0 or not target.exists():
            tail = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
            failures.append(f"{n:,} records: training failed after {took:.0f} s, exit code {proc.returncode}: {tail}")
            print(failures[-1], flush=True)
            continue
        found[n] = target
        print(f"{n:,} records: trained in {took:.0f} s -> {target.relative_to(ROOT)}", flush=True)
    text, worst = report(args.records, found, args.tolerance) if found else ("", 0.0)
    print()
    print(text)
    print(f"\nlargest spread of m across sizes: {worst:.4f} (tolerance {args.tolerance})")
    for f in failures:
        print("FAILED:", f)
    return 1 if worst > args.tolerance or failures else 0


if __name__ == "__main__":
    sys.exit(main())
