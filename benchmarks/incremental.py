"""Incremental ingest vs full re-resolution in a workspace of ~1M mentions (issue 4).

    python benchmarks/incremental.py                      # scale 36: ~990k mentions, 10 % batch
    python benchmarks/incremental.py --scale 4 --work /tmp/lg-inc-small

Data: ``fixtures.generate.generate(work/data, seed=7, scale=S)`` (eight agency files with ground
truth). Every file is split by records: the first 90 % are the base (same source ids, same row
numbers, so ``truth_mentions.csv`` applies as is), the last 10 % the batch, ingested under the
source id ``<source>_b`` (row ``k`` of the batch is row ``n_base + k`` of the original file).

Steps, each in a fresh process (wall time of the call and the process's peak RSS,
``benchmarks/febrl_common.measure``):

1. build: ``Workspace.create`` + ``ingest_many(base)``: every type resolved in full, models trained (EM);
2. (a) incremental: ``ingest_many(batch)`` on a copy of the base workspace (stored models, new
   mentions against the stored entities, touched entities only);
3. (b) full, stored models: ``ingest_many(batch, mode="full")`` on another copy: every type
   re-resolved over all mentions with the stored models (no EM), ids kept;
4. (c) full, retrained: ``rebuild(retrain=True)`` on a copy of (a)'s result: every type re-resolved
   over all mentions with EM from the templates (the files are not read again);
5. (d) from scratch: ``Workspace.create`` + ``ingest_many(base + batch)``: every file read, every type
   resolved with EM, everything written (what ``linkgraph resolve`` over all the files costs, plus the
   database writes).

Then the partitions of (a), (b), (c) are compared with one another and with the ground truth
(pairwise precision / recall / F1 per entity type). Results: ``work/results.json`` and a markdown
table on stdout.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from febrl_common import measure  # noqa: E402


def _mappings():
    from linkgraph.api import load_mappings
    return load_mappings(ROOT / "rules" / "sources")


def split_files(data: Path, out: Path, batch: float) -> dict:
    """Split every mapped file of ``data`` into ``out/base`` and ``out/batch`` (last ``batch`` share)."""
    from linkgraph.sources.readers import decode

    (out / "base").mkdir(parents=True, exist_ok=True)
    (out / "batch").mkdir(parents=True, exist_ok=True)
    info = {}
    for m in _mappings():
        src = data / Path(m.file).name
        raw = src.read_bytes()
        text, enc = decode(raw, m.encoding, str(src))
        if m.format == "csv":
            df = pd.read_csv(io.StringIO(text), sep=m.delimiter, dtype=str, keep_default_na=False, na_filter=False)
            n_base = len(df) - int(round(len(df) * batch))
            for part, frame in (("base", df.iloc[:n_base]), ("batch", df.iloc[n_base:])):
                frame.to_csv(out / part / src.name, sep=m.delimiter, index=False, encoding=enc)
            n = len(df)
        else:
            records = json.loads(text)
            n = len(records)
            n_base = n - int(round(n * batch))
            for part, recs in (("base", records[:n_base]), ("batch", records[n_base:])):
                (out / part / src.name).write_text(json.dumps(recs, ensure_ascii=False, indent=1), encoding="utf-8")
        info[m.source] = {"file": src.name, "rows": n, "base_rows": n_base}
    return info


def _specs(folder: str, suffix: str = ""):
    out = []
    for m in _mappings():
        mapping = m.model_copy(update={"source": m.source + suffix}) if suffix else m
        out.append((mapping, Path(folder) / Path(m.file).name))
    return out


def step_build(ws_path: str, base: str) -> dict:
    from linkgraph.store.workspace import Workspace

    ws = Workspace.create(ws_path)
    reports = ws.ingest_many(_specs(base))
    counts = ws.counts()
    return {"timings": reports[0].timings, "counts": counts, "entities": reports[0].entities_after,
            "mentions": sum(r.mentions for r in reports), "rows": sum(r.rows_in for r in reports)}


def step_ingest(ws_path: str, batch: str, mode: str) -> dict:
    from linkgraph.store.workspace import Workspace

    ws = Workspace.open(ws_path)
    reports = ws.ingest_many(_specs(batch, "_b"), mode=mode)
    r = reports[0]
    return {"timings": r.timings, "types": r.types, "entities_before": r.entities_before,
            "entities_after": r.entities_after, "new_entities": r.new_entities, "merged": r.merged, "split": r.split,
            "mentions": sum(x.mentions for x in reports), "rows": sum(x.rows_in for x in reports)}


def step_scratch(ws_path: str, base: str, batch: str) -> dict:
    from linkgraph.store.workspace import Workspace

    ws = Workspace.create(ws_path)
    reports = ws.ingest_many(_specs(base) + _specs(batch, "_b"))
    return {"timings": reports[0].timings, "entities_after": reports[0].entities_after,
            "mentions": sum(r.mentions for r in reports)}


def step_rebuild(ws_path: str) -> dict:
    from linkgraph.store.workspace import Workspace

    r = Workspace.open(ws_path).rebuild(retrain=True)
    return {"timings": r.timings, "entities_after": r.entities_after, "merged": r.merged, "split": r.split}


def _partition(ws_path: str) -> pd.DataFrame:
    from linkgraph.store.workspace import Workspace

    ws = Workspace.open(ws_path, read_only=True)
    with ws._reading() as con:
        return con.execute("SELECT m.mention_id, m.entity_type, e.entity_id FROM mentions m JOIN mention_entity e "
                           "USING (mention_id)").fetch_df()


def _truth_ids(mention_ids: pd.Series, info: dict) -> pd.Series:
    """Batch mention ids (``src_b:k:slot``) → the original file's ids (``src:n_base+k:slot``)."""
    parts = mention_ids.str.split(":", n=2, expand=True)
    src, row, slot = parts[0], parts[1].astype(int), parts[2]
    is_batch = src.str.endswith("_b")
    base_src = src.where(~is_batch, src.str[:-2])
    offset = base_src.map({k: v["base_rows"] for k, v in info.items()}).fillna(0).astype(int)
    row = row.where(~is_batch, row + offset)
    return base_src + ":" + row.astype(str) + ":" + slot


def agreement(paths: dict[str, str], truth_file: Path, info: dict) -> list[dict]:
    from linkgraph.evaluate.metrics import pairwise_scores

    truth = pd.read_csv(truth_file, dtype=str).set_index("mention_id")["entity_id"]
    parts = {k: _partition(p).set_index("mention_id") for k, p in paths.items()}
    first = next(iter(parts.values()))
    ids = first.index
    truth_of = truth.reindex(_truth_ids(pd.Series(ids, index=ids), info).to_numpy())
    rows = []
    for t in sorted(first["entity_type"].unique()):
        mask = (first["entity_type"] == t).to_numpy()
        tr = truth_of.to_numpy()[mask]
        line = {"type": t, "mentions": int(mask.sum())}
        for k, frame in parts.items():
            pred = frame["entity_id"].reindex(ids).to_numpy()[mask]
            s = pairwise_scores(pred, tr)
            line[f"{k}_precision"], line[f"{k}_recall"], line[f"{k}_f1"] = s.precision, s.recall, s.f1
        base = parts["incremental"]["entity_id"].reindex(ids).to_numpy()[mask]
        for k in parts:
            if k != "incremental":
                # the scratch workspace names batch mentions the same way (same split files)
                s = pairwise_scores(base, parts[k]["entity_id"].reindex(ids).to_numpy()[mask])
                line[f"incremental_vs_{k}_f1"] = s.f1
        rows.append(line)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=36.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--batch", type=float, default=0.1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/linkgraph-incremental"))
    args = ap.parse_args()
    work = args.work
    data = work / "data"
    manifest = data / "manifest.json"
    if not manifest.exists() or json.loads(manifest.read_text())["scale"] != args.scale:
        from fixtures.generate import generate

        shutil.rmtree(data, ignore_errors=True)
        t = time.perf_counter()
        generate(data, seed=args.seed, scale=args.scale)
        print(f"generated scale {args.scale} in {time.perf_counter() - t:.1f}s", flush=True)
    info = split_files(data, work / "split", args.batch)
    for name in ("base", "inc", "full", "rebuild", "scratch"):
        for suffix in ("", ".wal", ".lock"):
            Path(f"{work}/{name}.duckdb{suffix}").unlink(missing_ok=True)
    results: dict = {"scale": args.scale, "seed": args.seed, "batch_share": args.batch, "files": info,
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform()}}
    base = str(work / "base.duckdb")
    out, secs, rss = measure(step_build, base, str(work / "split" / "base"))
    results["build"] = {**out, "seconds": secs, "peak_rss_mb": rss}
    print(f"build: {secs:.1f}s, {rss:.0f} MB, {out['mentions']} mentions, {out['entities']} entities", flush=True)
    results["base_file_mb"] = Path(base).stat().st_size / 1e6
    def copy_ws(src, dst):  # a workspace travels with its audit log (its chain is checked at each write)
        shutil.copy(src, dst)
        for suffix in (".audit.jsonl", ".audit.jsonl.head"):
            shutil.copy(str(src) + suffix, str(dst) + suffix)

    for name in ("inc", "full"):
        copy_ws(base, work / f"{name}.duckdb")
    out, secs, rss = measure(step_ingest, str(work / "inc.duckdb"), str(work / "split" / "batch"), "incremental")
    results["incremental"] = {**out, "seconds": secs, "peak_rss_mb": rss}
    print(f"(a) incremental: {secs:.1f}s, {rss:.0f} MB, {out['mentions']} new mentions", flush=True)
    out, secs, rss = measure(step_ingest, str(work / "full.duckdb"), str(work / "split" / "batch"), "full")
    results["full_stored_models"] = {**out, "seconds": secs, "peak_rss_mb": rss}
    print(f"(b) full, stored models: {secs:.1f}s, {rss:.0f} MB", flush=True)
    copy_ws(work / "inc.duckdb", work / "rebuild.duckdb")
    out, secs, rss = measure(step_rebuild, str(work / "rebuild.duckdb"))
    results["full_retrained"] = {**out, "seconds": secs, "peak_rss_mb": rss}
    print(f"(c) full, retrained: {secs:.1f}s, {rss:.0f} MB", flush=True)
    out, secs, rss = measure(step_scratch, str(work / "scratch.duckdb"), str(work / "split" / "base"),
                             str(work / "split" / "batch"))
    results["from_scratch"] = {**out, "seconds": secs, "peak_rss_mb": rss}
    print(f"(d) from scratch: {secs:.1f}s, {rss:.0f} MB", flush=True)
    results["final_file_mb"] = (work / "inc.duckdb").stat().st_size / 1e6
    results["input_mb"] = {part: sum(f.stat().st_size for f in (work / "split" / part).iterdir()) / 1e6
                           for part in ("base", "batch")}
    results["agreement"] = agreement({"incremental": str(work / "inc.duckdb"), "full": str(work / "full.duckdb"),
                                      "retrained": str(work / "rebuild.duckdb"), "scratch": str(work / "scratch.duckdb")},
                                     data / "truth_mentions.csv", info)
    (work / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print()
    print("| step | wall s | peak RSS MB |")
    print("|---|---:|---:|")
    for key, label in (("build", "build: ingest_many(base), full + EM"), ("incremental", "(a) ingest batch, incremental"),
                       ("full_stored_models", "(b) ingest batch, mode=full (stored models)"),
                       ("full_retrained", "(c) rebuild(retrain=True)"),
                       ("from_scratch", "(d) from scratch: create + ingest_many(base + batch)")):
        print(f"| {label} | {results[key]['seconds']:.1f} | {results[key]['peak_rss_mb']:.0f} |")
    print()
    print("| type | mentions | F1 (a) vs truth | F1 (b) | F1 (c) | F1 (d) | (a) vs (b) | (a) vs (c) | (a) vs (d) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results["agreement"]:
        print(f"| {r['type']} | {r['mentions']} | {r['incremental_f1']:.4f} | {r['full_f1']:.4f} | "
              f"{r['retrained_f1']:.4f} | {r['scratch_f1']:.4f} | {r['incremental_vs_full_f1']:.4f} | "
              f"{r['incremental_vs_retrained_f1']:.4f} | {r['incremental_vs_scratch_f1']:.4f} |")
    print("input MB", {k: round(v, 1) for k, v in results["input_mb"].items()}, "workspace MB",
          round(results["base_file_mb"], 1), "->", round(results["final_file_mb"], 1))
    for key in ("build", "incremental", "full_stored_models", "full_retrained", "from_scratch"):
        print(key, {k: round(v, 2) for k, v in results[key]["timings"].items()})


if __name__ == "__main__":
    main()
