"""Person matching at scale: linkgraph and Splink 5 (DuckDB) side by side on the same files.

    python benchmarks/persons_scale.py --records 100000
    python benchmarks/persons_scale.py --records 2000000 --single-file
    python benchmarks/persons_scale.py --records 1000000 --data synthetic --model scale --append-results

1. generates (once, cached under ``out/bench/realistic-N`` / ``realistic-single-N`` /
   ``persons-N``, seeded) N person records with ground truth: ``--data realistic`` (the
   headline: ``benchmarks/persons_realistic.py``, real French name frequencies, four agency
   files or ``--single-file`` one file) or ``--data synthetic`` (the old
   ``benchmarks/persons_data.py`` case, four files);
2. runs each tool in its own process on those files: linkgraph end to end
   (``linkgraph.api.resolve_sources`` over the mappings with ``--model default`` — the
   models of ``rules/matching/``, person.yaml as a user gets it, the headline — or ``--model
   scale``, the old benchmark model of ``benchmarks/persons/matching/``: reading,
   normalizing, blocking, comparing, EM training,
   clustering, entity ids and table; the files are read two at a time, ``workers=2``) and Splink
   (``benchmarks/splink_persons.py --model ...``, blocking on the same rules as the linkgraph
   model: reading, cleaning, training, prediction, clustering);
3. measures each process's wall time from the parent — from its start (interpreter and imports
   included) to the moment it reports its clusters ready (a ``READY`` line on stdout); the
   scoring against the truth that each child then does (P/R/F1 over final clusters, same
   code, about 4 s at 1M) is not the tool's work and is left out of both times — and its peak
   RSS by polling the process tree with psutil (every 50 ms, until the process exits);
4. prints a markdown table (``--append-results`` appends it to ``benchmarks/RESULTS.md``).

``--only linkgraph`` / ``--only splink`` runs one tool (profiling: ``--profile`` writes a
pyinstrument HTML report of the linkgraph run to ``out/bench/``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PY = sys.executable
WORKERS = 2  # linkgraph reads two files at a time (read_sources(workers=2)); DuckDB uses both cores too
SOURCES = [("police", "police.csv"), ("gendarmerie", "gendarmerie.csv"), ("bailleur", "bailleur.csv"),
           ("douane", "douane.jsonl")]


READY = "READY"  # printed by a child when its clusters are computed, before it scores them


def measure(cmd: list[str], env: dict) -> tuple[str, float, float, float]:
    """Run ``cmd``; return (stdout, wall seconds until the child printed ``READY``, peak RSS in MB
    of the process and its children over its whole life, wall seconds until it exited).
    A child that fails raises :class:`Failed` with its exit code, times, peak and last stderr lines."""
    import threading

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    lines: list[str] = []
    errors: list[str] = []
    ready: list[float] = []

    def read() -> None:
        for line in proc.stdout:
            if line.strip() == READY and not ready:
                ready.append(time.perf_counter() - t0)
            lines.append(line)

    def read_err() -> None:
        for line in proc.stderr:
            sys.stderr.write(line)
            errors.append(line)
            del errors[:-20]

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    err_reader = threading.Thread(target=read_err, daemon=True)
    err_reader.start()
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    reader.join()
    err_reader.join()
    total = time.perf_counter() - t0
    if proc.returncode != 0 or not ready:
        tail = [e.strip() for e in errors if e.strip()]
        raise Failed(proc.returncode, total, peak / 2**20, tail[-1] if tail else "(no message on stderr)")
    return "".join(lines), ready[0], peak / 2**20, total


class Failed(Exception):
    """A tool's process that did not finish: exit code, seconds, peak RSS MB, its last stderr line."""

    def __init__(self, code: int, seconds: float, peak: float, message: str) -> None:
        super().__init__(f"exit code {code} after {seconds:.0f} s, peak RSS {peak:,.0f} MB: {message}")
        self.code, self.seconds, self.peak, self.message = code, seconds, peak, message


MODELS = {"default": ROOT / "rules" / "matching", "scale": HERE / "persons" / "matching"}


def sources(folder: Path) -> list[tuple[str, str]]:
    """(mapping name, file) of the data folder, from its manifest."""
    manifest = json.loads((folder / "manifest.json").read_text())
    return list(manifest["files"].items())


def run_linkgraph(folder: Path, profile: Path | None = None, model: str = "scale") -> dict:
    """Resolve the files with linkgraph and score against the truth (runs in the child)."""
    import pandas as pd

    t0 = time.perf_counter()
    prof = None
    if profile is not None:
        from pyinstrument import Profiler

        prof = Profiler(interval=0.01)
        prof.start()
    from linkgraph.api import resolve_sources

    specs = [(str(folder / f"{name}.yaml"), folder / file) for name, file in sources(folder)]
    timings: dict[str, float] = {}
    last = [t0, "start"]

    def progress(msg: str) -> None:
        now = time.perf_counter()
        timings[last[1]] = round(now - last[0], 2)
        last[:] = [now, msg]

    res = resolve_sources(specs, MODELS[model], workers=WORKERS, progress=progress)
    progress("done")
    seconds = time.perf_counter() - t0
    print(READY, flush=True)
    if prof is not None:
        prof.stop()
        profile.write_text(prof.output_html())
    from linkgraph.evaluate.metrics import pairwise_scores

    truth = pd.read_csv(folder / "truth.csv", dtype=str).set_index("mention_id")["entity_id"]
    labels = res.mentions.set_index("mention_id")["entity_id"].reindex(truth.index)
    # a truth mention linkgraph does not hold (its row was rejected) is scored as a singleton
    s = pairwise_scores(labels.to_numpy(), truth.to_numpy())
    return {"precision": s.precision, "recall": s.recall, "f1": s.f1, "tp": s.tp, "fp": s.fp, "fn": s.fn,
            "seconds": seconds, "timings": timings, "rejects": int(len(res.rejects)), "unresolved": int(labels.isna().sum()),
            "entities": int(len(res.entities))}


def table(n: int, manifest: dict, rows: list[tuple[str, dict, float, float]]) -> str:
    gen = "realistic (benchmarks/persons_realistic.py)" if manifest.get("generator") == "realistic" \
        else "synthetic (benchmarks/persons_data.py)"
    lines = [f"Data: {gen}, {manifest['records']:,} person records ({manifest['persons']:,} persons, "
             f"{manifest['true_pairs']:,} true pairs), seed {manifest['seed']}, files {manifest['rows']}. "
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
             f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM, Python {platform.python_version()}.",
             "", "| records | tool | precision | recall | F1 | tp | fp | fn | wall s | peak RSS MB |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for tool, r, wall, peak in rows:
        if isinstance(r, Failed):
            lines.append(f"| {n:,} | {tool} | failed | | | | | | {wall:.1f} | {peak:,.0f} |")
            continue
        lines.append(f"| {n:,} | {tool} | {r['precision']:.4f} | {r['recall']:.4f} | {r['f1']:.4f} | {r['tp']:,} | "
                     f"{r['fp']:,} | {r['fn']:,} | {wall:.1f} | {peak:,.0f} |")
    for tool, r, _, _ in rows:
        if isinstance(r, Failed):
            lines.append(f"{tool} FAILED: {r}")
    ok = [row for row in rows if not isinstance(row[1], Failed)]
    if len(ok) == 2:
        lg, sp = ok[0], ok[1]
        lines += ["", f"Ratio linkgraph / Splink: wall time {lg[2] / sp[2]:.2f}, peak RSS {lg[3] / sp[3]:.2f}; "
                  f"F1 linkgraph − Splink {lg[1]['f1'] - sp[1]['f1']:+.4f}."]
    for tool, r, _, _ in ok:
        lines.append(f"{tool} stages (s): {r['timings']}")
    return "\n".join(lines)


def run_tool(tool: str, cmd: list[str], env: dict, totals: dict) -> tuple:
    """(tool, scores or :class:`Failed`, wall s, peak MB) of one measured child run."""
    try:
        out, wall, peak, total = measure(cmd, env)
    except Failed as f:
        print(f"{tool}: FAILED, {f}", flush=True)
        return tool, f, f.seconds, f.peak
    totals[tool] = total
    scores = json.loads(out.strip().splitlines()[-1])
    print(f"{tool}: {wall:.1f}s, {peak:.0f} MB, F1 {scores['f1']:.4f}", flush=True)
    return tool, scores, wall, peak


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", choices=["realistic", "synthetic"], default="realistic",
                    help="realistic name frequencies (headline) or the old synthetic data")
    ap.add_argument("--model", choices=["default", "scale"], default="default",
                    help="rules/matching/person.yaml (headline) or the old benchmark scale model")
    ap.add_argument("--single-file", action="store_true", help="realistic data in ONE file (persons.csv)")
    ap.add_argument("--origins", choices=["national", "cells"], default="national",
                    help="origin mix of the realistic data (persons_realistic.py --origins)")
    ap.add_argument("--only", choices=["linkgraph", "splink"])
    ap.add_argument("--profile", action="store_true", help="pyinstrument report of the linkgraph run")
    ap.add_argument("--append-results", action="store_true", help="append the table to benchmarks/RESULTS.md")
    ap.add_argument("--child", choices=["linkgraph"], help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child == "linkgraph":
        print(json.dumps(run_linkgraph(args.folder, args.profile_out, args.model)))
        return
    sys.path.insert(0, str(HERE))
    t = time.perf_counter()
    if args.data == "synthetic":
        if args.single_file:
            ap.error("--single-file needs --data realistic")
        from persons_data import ensure

        folder = ROOT / "out" / "bench" / f"persons-{args.records}"
        manifest = ensure(folder, args.records, args.seed)
    else:
        from persons_realistic import ensure as ensure_realistic

        tag = ("single-" if args.single_file else "") + ("" if args.origins == "national" else f"{args.origins}-")
        folder = ROOT / "out" / "bench" / f"realistic-{tag}{args.records}"
        manifest = ensure_realistic(folder, args.records, args.seed, args.single_file, args.origins)
    print(f"data: {folder} ({time.perf_counter() - t:.1f}s)", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rows = []
    totals: dict[str, float] = {}
    if args.only in (None, "linkgraph"):
        cmd = [PY, str(Path(__file__).resolve()), "--records", str(args.records), "--child", "linkgraph",
               "--folder", str(folder), "--model", args.model]
        if args.profile:
            cmd += ["--profile-out", str(ROOT / "out" / "bench" / f"profile-linkgraph-{args.records}.html")]
        rows.append(run_tool("linkgraph", cmd, env, totals))
    if args.only in (None, "splink"):
        cmd = [PY, str(HERE / "splink_persons.py"), str(folder), "--model", args.model]
        rows.append(run_tool("Splink 5 (DuckDB)", cmd, env, totals))
    text = f"Model: {args.model} ({MODELS[args.model].relative_to(ROOT)}/person.yaml; Splink blocks on the same rules)\n"
    text += table(args.records, manifest, rows)
    text += "\nWhole process wall time, truth scoring included (s): " + ", ".join(
        f"{tool} {t:.1f}" for tool, t in totals.items())
    if len(totals) == 2:
        lg, sp = totals.values()
        text += f" (ratio {lg / sp:.2f})"
    print()
    print(text)
    if args.append_results:
        cmd = (f"python benchmarks/persons_scale.py --records {args.records} --data {args.data} --model {args.model}"
               + (" --single-file" if args.single_file else "")
               + (f" --origins {args.origins}" if args.origins != "national" else ""))
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write(f"\n### {args.records:,} records\n\nCommand: `{cmd}` ({time.strftime('%Y-%m-%d')})\n\n{text}\n")


if __name__ == "__main__":
    main()
