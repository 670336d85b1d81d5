"""Real-time lookup latency and file throughput against a workspace of person entities (issue 17).

    python benchmarks/realtime.py build --records 200000      # ~106k person entities (cached workspace)
    python benchmarks/realtime.py run --records 200000 --queries 300 --file-records 10000
    flock /tmp/bigbench.lock python benchmarks/realtime.py run --records 2000000 --proxy-of 200000

Data: ``benchmarks/persons_realistic.py --single-file`` (real French name frequencies, namesakes,
agency noise), generated once under ``out/bench/realistic-single-N``; the workspace (one ingest,
every person resolved with EM, the match index written by the ingest) is cached under
``out/bench/realtime-N/ws.lgw`` with a users file (``analyst``: every agency).

``--proxy-of M`` (for the 2M-record / 1.05M-person file, whose full workspace ingest does not fit
the time of a shared 2-core machine): the match index is built in memory from the file itself —
records read and normalized by the mapping as an ingest does (person context columns included),
the entity of each person mention taken from the generator's ground truth (``truth.csv``: 1.05M
persons), each phone line one entity, the trained person model of the M-record workspace — and
the same measurements run against it (audit records go to the M-record workspace). What this
leaves out of the measured path: nothing of a lookup (keys, candidates, scoring, waterfall,
evidence are the same code); only how the entities were formed.

``run`` measures, in one process, wall and CPU time (``time.process_time``: all threads of the
process) per call, with the load average before and after:

* index load (``Matcher``: the index and the mentions' columns into memory);
* p50/p95/max of ``Matcher.match`` for one record at a time, alone (``lookup``), then with the
  audit record each call writes (``api``),
  the records drawn at random from the file (every field of the record: names, date and place of
  birth, address, phone when there is one);
* the same through the explorer's ``POST /api/match`` (FastAPI app in-process over HTTP with
  ``TestClient``, session token, audit record per call);
* a file of N records in one call (``linkgraph match --file``'s path): records/s.
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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

USERS = """\
users:
  analyst: {role: analyst, agencies: "*", max_classification: secret}
  other: {role: analyst, agencies: [douane], max_classification: secret}
"""
CASE = "BENCH-17"
FIELDS = {"nom": "last_name", "prenom": "first_name", "date_naissance": "dob", "commune_naissance": "birthplace",
          "adresse": "address", "code_postal": "postcode", "commune": "city", "telephone": "phone"}


def data_dir(records: int) -> Path:
    return ROOT / "out" / "bench" / f"realistic-single-{records}"


def work_dir(records: int) -> Path:
    return ROOT / "out" / "bench" / f"realtime-{records}"


def build(records: int) -> dict:
    from linkgraph.store.workspace import Workspace

    data = data_dir(records)
    if not (data / "persons.csv").exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "persons_realistic.py"), "--records", str(records),
                        "--single-file", "--out", str(data)], check=True)
    work = work_dir(records)
    ws_path = work / "ws.lgw"
    if ws_path.exists():
        return json.loads((work / "build.json").read_text())
    work.mkdir(parents=True, exist_ok=True)
    users = work / "users.yaml"
    users.write_text(USERS)
    t0 = time.perf_counter()
    ws = Workspace.create(ws_path)
    ws.bind_users(users)
    report = ws.ingest(data / "persons.csv", data / "persons.yaml", actor=("analyst", CASE))
    seconds = time.perf_counter() - t0
    with ws._reading() as con:
        people = con.execute("SELECT count(*) FROM entities WHERE entity_type = 'person'").fetchone()[0]
        keys = con.execute("SELECT count(*) FROM match_keys").fetchone()[0]
    info = {"records": records, "seconds": round(seconds, 1), "person_entities": int(people), "index_keys": int(keys),
            "timings": {k: round(v, 1) for k, v in report.timings.items()}, "rows": report.rows_in}
    (work / "build.json").write_text(json.dumps(info, indent=1))
    return info


def queries(records: int, n: int, seed: int = 17) -> pd.DataFrame:
    """``n`` records of the file drawn at random, as lookup records."""
    data = data_dir(records)
    rng = np.random.default_rng(seed)
    frame = pd.read_csv(data / "persons.csv", sep=";", dtype=str, keep_default_na=False)
    take = np.sort(rng.choice(len(frame), size=n, replace=False))
    q = frame.iloc[take][list(FIELDS)].rename(columns=FIELDS)
    return q.where(q != "", None).reset_index(drop=True)


def proxy_index(records: int, model_of: int):
    """The match index of the ``records`` file built in memory (see the module docstring)."""
    from linkgraph.match.pipeline import _with_context
    from linkgraph.sources.extract import read_source
    from linkgraph.sources.mapping import load_mapping
    from linkgraph.store import match_index as MI
    from linkgraph.store import tables as T
    from linkgraph.store.workspace import Workspace

    data = data_dir(records)
    ws = Workspace.open(work_dir(model_of) / "ws.lgw")
    with ws._reading() as con:
        models = MI._settings(con)
        version, id_key = T.version(con), T.id_key(con)
    extraction = read_source(load_mapping(data / "persons.yaml"), data / "persons.csv")
    mentions = _with_context(extraction.mentions, extraction.relations)
    truth = pd.read_csv(data / "truth.csv", dtype=str).set_index("mention_id")["entity_id"]
    types = {}
    for t, part in mentions.groupby("entity_type"):
        part = part.sort_values("mention_id").reset_index(drop=True)
        part = part.dropna(axis=1, how="all")
        part["entity_id"] = (part["mention_id"].map(truth) if t == "person" else "T-" + part["number"].astype(str))
        part = part.astype({c: object for c in part.columns if part[c].dtype != object})
        settings = models[t]
        rules = MI.rules_of(settings)
        keys, rows = [], []
        for rule in rules:
            k = MI.rule_keys(part, rule)
            sel = np.flatnonzero(k != 0)
            order = np.argsort(k[sel], kind="stable")
            keys.append(k[sel][order])
            rows.append(sel[order].astype(np.int64))
        types[t] = MI.TypeIndex(t, settings, part, rules, keys, rows, MI._tf_memory(part, settings))
    return MI.MatchIndex(types, version, False, id_key), ws


def _pct(values: list[float]) -> dict:
    a = np.asarray(values) * 1000
    return {"n": len(a), "p50_ms": round(float(np.percentile(a, 50)), 1), "p95_ms": round(float(np.percentile(a, 95)), 1),
            "max_ms": round(float(a.max()), 1), "mean_ms": round(float(a.mean()), 1)}


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def run(records: int, n_queries: int, file_records: int, proxy_of: int | None = None,
        lookup_only: bool = False, linger: bool = True) -> dict:
    from fastapi.testclient import TestClient

    from linkgraph.service.app import TOKEN_HEADER, create_app
    from linkgraph.service.realtime import Matcher
    from linkgraph.service.session import Session
    from linkgraph.service.workspace_state import WorkspaceState
    from linkgraph.store.workspace import Workspace

    load_before = os.getloadavg()
    if proxy_of:
        (index, ws), load_wall, load_cpu = _timed(lambda: proxy_index(records, proxy_of))
        matcher = Matcher(ws, index)
        info = {"records": records, "proxy_of": proxy_of,
                "person_entities": int(index.types["person"].records["entity_id"].nunique()),
                "person_mentions": int(len(index.types["person"].records)),
                "index_keys": int(sum(len(k) for ti in index.types.values() for k in ti.keys))}
    else:
        info = json.loads((work_dir(records) / "build.json").read_text())
        ws = Workspace.open(work_dir(records) / "ws.lgw")
        matcher, load_wall, load_cpu = _timed(lambda: Matcher(ws))
    if linger:
        ws.linger()  # as the explorer (`linkgraph serve --workspace`) keeps the file open between requests
    session = Session.open(ws, "analyst", CASE, token=True)
    user = session.user
    q = queries(records, n_queries + file_records)
    single, batch = q.iloc[:n_queries], q.iloc[n_queries:]
    matcher.match(single.iloc[:1], user)  # warm-up (first touches of the arrays)
    bare_wall, bare_cpu = [], []
    for k in range(len(single)):  # the lookup alone, without its audit record
        _, w, c = _timed(lambda: matcher.match(single.iloc[[k]], user))
        bare_wall.append(w)
        bare_cpu.append(c)
    if lookup_only:
        return {"load_before": load_before, "build": info, "lookup_wall": _pct(bare_wall),
                "lookup_cpu": _pct(bare_cpu), "load_after": os.getloadavg()}
    api_wall, api_cpu, found = [], [], 0

    def one(rec):
        session.allow("match", [], {"command": "match", "records": 1})
        return matcher.match(rec, user)

    for k in range(len(single)):
        res, w, c = _timed(lambda: one(single.iloc[[k]]))
        api_wall.append(w)
        api_cpu.append(c)
        found += bool(res["results"][0]["candidates"])
    state = WorkspaceState.__new__(WorkspaceState)  # the match route reads the workspace and the matcher only
    state.workspace, state.user, state.matcher = ws, user, matcher
    client = TestClient(create_app(state, session=session))
    client.headers[TOKEN_HEADER] = session.token
    http_wall, http_cpu = [], []
    for k in range(len(single)):
        body = {"record": {c: v for c, v in single.iloc[k].items() if v is not None}}
        r, w, c = _timed(lambda: client.post("/api/match", json=body))
        assert r.status_code == 200, r.text
        http_wall.append(w)
        http_cpu.append(c)

    def whole():
        session.allow("match", [], {"command": "match", "records": len(batch)})
        return matcher.match(batch, user)

    res, file_wall, file_cpu = _timed(whole)
    return {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "load_before": load_before, "build": info,
            "lookup_wall": _pct(bare_wall), "lookup_cpu": _pct(bare_cpu),
            "index_load": {"wall_s": round(load_wall, 1), "cpu_s": round(load_cpu, 1)},
            "api_wall": _pct(api_wall), "api_cpu": _pct(api_cpu), "http_wall": _pct(http_wall),
            "http_cpu": _pct(http_cpu), "queries_with_candidates": found / len(single),
            "file": {"records": len(batch), "wall_s": round(file_wall, 2), "cpu_s": round(file_cpu, 2),
                     "records_per_s_wall": round(len(batch) / file_wall),
                     "records_per_s_cpu": round(len(batch) / file_cpu),
                     "with_candidates": sum(bool(r["candidates"]) for r in res["results"])},
            "load_after": os.getloadavg()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("step", choices=["build", "run"])
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--file-records", type=int, default=10_000)
    p.add_argument("--proxy-of", type=int, default=None, help="index built from the file, model of this workspace")
    p.add_argument("--lookup-only", action="store_true", help="only the lookups, without audit, HTTP or file")
    p.add_argument("--no-linger", action="store_true",
                   help="open the workspace file per audit record (the library's default) instead of keeping it "
                        "open between requests as the explorer does")
    a = p.parse_args()
    if a.step == "build":
        print(json.dumps(build(a.records), indent=1))
    else:
        print(json.dumps(run(a.records, a.queries, a.file_records, a.proxy_of, a.lookup_only, not a.no_linger), indent=1, default=str))


if __name__ == "__main__":
    main()
