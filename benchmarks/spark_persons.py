"""One person file through `linkgraph resolve` with each engine: wall time, peak RSS of the whole
process tree (Python driver + Spark's JVM + its Python workers), identical entities, F1.

    python benchmarks/spark_persons.py --data out/bench/realistic-single-2000000 --out out/bench/spark-2m

Each engine runs the real command (`python -m linkgraph resolve -m DATA/persons.yaml -o OUT/ENGINE`,
`--engine spark --spark-master local[2]` for Spark) as a child process; every 0.5 s the resident
memory of the child and all its descendants is summed (shared pages of forked processes are
counted once per process: an upper bound). With ``--tty`` the command runs under ``script`` so
that rich draws its progress bars as a user sees them; the last frame of each bar is printed.
Then the two run folders' mention → entity tables are compared: the same partition of mentions
(and the same entity ids), per entity type, and pairwise precision/recall/F1 of person mentions
against the generator's ``truth.csv``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]


def _tree_rss(proc: psutil.Process) -> dict[str, int]:
    """Resident bytes of ``proc`` and its descendants, by kind (java, python, other)."""
    out = {"java": 0, "python": 0, "other": 0}
    for p in [proc, *proc.children(recursive=True)]:
        try:
            name = p.name()
            rss = p.memory_info().rss
        except psutil.Error:
            continue
        kind = "java" if "java" in name else "python" if "python" in name else "other"
        out[kind] += rss
    return out


def _kill_tree(proc: psutil.Process) -> None:
    """End ``proc`` and every process it started (by their ids)."""
    tree = [*proc.children(recursive=True), proc]
    for p in tree:
        try:
            p.kill()
        except psutil.Error:
            pass


def run_measured(cmd: list[str], log: Path, tty: bool, timeout: float | None = None) -> dict:
    """Run ``cmd``; wall seconds, exit code and peak RSS of its process tree (total and by kind).

    After ``timeout`` seconds the whole tree is ended and the exit code is ``"timeout"``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    if tty:
        cmd = ["script", "-q", "-e", "-c", shlex.join(cmd), str(log)]
        out = subprocess.DEVNULL
    else:
        out = open(log, "w")  # noqa: SIM115
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    proc = psutil.Process(child.pid)
    peak = {"total": 0, "java": 0, "python": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            got = _tree_rss(proc)
            peak["total"] = max(peak["total"], sum(got.values()))
            peak["java"] = max(peak["java"], got["java"])
            peak["python"] = max(peak["python"], got["python"])
            stop.wait(0.5)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        code = child.wait(timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        child.wait()
        code = "timeout"
    wall = time.perf_counter() - start
    stop.set()
    thread.join()
    return {"exit": code, "wall_s": round(wall, 1), **{f"peak_{k}_mb": v // 2**20 for k, v in peak.items()}}


def last_frames(log: Path) -> list[str]:
    """The last state of every progress line rich drew (the log of a ``script`` session)."""
    text = log.read_text(errors="replace")
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # colours
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "\n", text).replace("\r", "\n")  # cursor moves
    lines = [x.strip() for x in text.split("\n") if x.strip()]
    seen: dict[str, str] = {}
    for line in lines:
        key = re.split(r"[━╸╺ ]{3,}|\s\d", line)[0].strip(" ⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
        seen[key] = line
    return list(seen.values())


def partitions(run: Path) -> pd.DataFrame:
    return pd.read_parquet(run / "mentions.parquet", columns=["mention_id", "entity_id", "entity_type"])


def same_partition(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether the two tables group the same mentions together (whatever the ids)."""
    a, b = a.sort_values("mention_id").reset_index(drop=True), b.sort_values("mention_id").reset_index(drop=True)
    if not a["mention_id"].equals(b["mention_id"]):
        return False
    ca, cb = pd.factorize(a["entity_id"])[0], pd.factorize(b["entity_id"])[0]
    # the same partition iff the map code_a -> code_b is one to one both ways
    pairs = pd.DataFrame({"a": ca, "b": cb}).drop_duplicates()
    return pairs["a"].is_unique and pairs["b"].is_unique


def f1(mentions: pd.DataFrame, truth: Path) -> dict:
    from linkgraph.evaluate.metrics import pairwise_scores

    t = pd.read_csv(truth, usecols=["mention_id", "entity_id"]).rename(columns={"entity_id": "truth"})
    m = t.merge(mentions[mentions["entity_type"] == "person"], on="mention_id", how="left")  # rejected: alone
    got = pairwise_scores(m["entity_id"].to_numpy(), m["truth"].to_numpy())
    return {"precision": round(got.precision, 4), "recall": round(got.recall, 4), "f1": round(got.f1, 4),
            "tp": got.tp, "fp": got.fp, "fn": got.fn}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="a persons_realistic.py --single-file folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--engines", nargs="+", default=["local", "spark"])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--tty", action="store_true", help="run under `script` to record the progress bars")
    parser.add_argument("--timeout", type=float, default=None, help="seconds an engine may run before it is ended")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    saved = args.out / "results.json"
    results = json.loads(saved.read_text()) if saved.exists() else {}  # engines run before, by other calls
    for engine in args.engines:
        cmd = [sys.executable, "-m", "linkgraph", "resolve", "-m", str(args.data / "persons.yaml"),
               "-o", str(args.out / engine), "--format", "parquet"]
        if engine == "spark":
            cmd += ["--engine", "spark", "--spark-master", args.master]
        log = args.out / f"{engine}.log"
        load = os.getloadavg()[0]
        print(f"[{time.strftime('%H:%M:%S')}] {engine}: {shlex.join(cmd)} (load {load:.2f})", flush=True)
        got = run_measured(cmd, log, args.tty, args.timeout)
        got["load_before"] = round(load, 2)
        got["load_after"] = round(os.getloadavg()[0], 2)
        results[engine] = got
        print(json.dumps(got), flush=True)
        if args.tty:
            print("\n".join(last_frames(log)[-12:]), flush=True)
        if got["exit"] != 0:
            print(log.read_text(errors="replace")[-3000:], flush=True)
    done = [e for e in ("local", "spark") if e in results and results[e]["exit"] == 0
            and (args.out / e / "mentions.parquet").exists()]
    tables = {e: partitions(args.out / e) for e in done}
    truth = args.data / "truth.csv"
    for e in done:
        if truth.exists():
            results[e]["person_pairwise"] = f1(tables[e], truth)
    if len(done) == 2:
        a, b = (tables[e] for e in done)
        results["identical"] = {t: same_partition(a[a["entity_type"] == t], b[b["entity_type"] == t])
                                for t in sorted(a["entity_type"].unique())}
        merged = a.merge(b, on="mention_id", suffixes=("_a", "_b"))
        results["same_entity_ids"] = bool(len(merged) == len(a) == len(b)
                                          and (merged["entity_id_a"] == merged["entity_id_b"]).all())
        results["entities"] = {e: int(tables[e]["entity_id"].nunique()) for e in done}
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
