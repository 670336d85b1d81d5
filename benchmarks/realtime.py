"""Real-time lookup latency and file throughput against a workspace of person entities (issue 17).

    python benchmarks/realtime.py build --records 200000      # ~105k person entities (cached)
    python benchmarks/realtime.py build --records 2000000     # ~1.05M person entities (cached; heavy: flock)
    python benchmarks/realtime.py run --records 200000 --queries 300 --file-records 10000

Data: ``benchmarks/persons_realistic.py --single-file`` (real French name frequencies, namesakes,
agency noise), generated once under ``out/bench/realistic-single-N``; the workspace (one ingest,
every person resolved with EM, the match index written by the ingest) is cached under
``out/bench/realtime-N/ws.lgw`` with a users file (``analyst``: every agency; ``other``: an agency
holding nothing here).

``run`` measures, in one process:

* index load (``Matcher``: the index and the mentions' columns into memory);
* p50/p95/max latency of ``Matcher.match`` for one record at a time (in-process API), the records
  drawn from the file (the same people, written by another record: its noise) — half of them
  with the person's phone when the record has one;
* the same through the explorer's ``POST /api/match`` (FastAPI app in-process over HTTP with
  ``TestClient``, session token, audit record per call);
* a file of N records in one call (``linkgraph match --file``'s path): records/s;
* recall: share of queries whose true person (from ``truth.csv``) is the first candidate.
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


def queries(records: int, n: int, seed: int = 17) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` records of the file as queries (renamed to the lookup's fields) and their true person."""
    data = data_dir(records)
    rng = np.random.default_rng(seed)
    frame = pd.read_csv(data / "persons.csv", sep=";", dtype=str, keep_default_na=False)
    truth = pd.read_csv(data / "truth.csv", dtype=str)
    take = np.sort(rng.choice(len(frame), size=n, replace=False))
    q = frame.iloc[take][list(FIELDS)].rename(columns=FIELDS).replace("", None)
    true = truth.set_index(truth.columns[0]).iloc[:, -1] if "mention_id" in truth.columns else None
    return q.reset_index(drop=True), (frame["id_fiche"].iloc[take].to_numpy() if true is None else take), truth


def _pct(values: list[float]) -> dict:
    a = np.asarray(values) * 1000
    return {"n": len(a), "p50_ms": round(float(np.percentile(a, 50)), 1), "p95_ms": round(float(np.percentile(a, 95)), 1),
            "max_ms": round(float(a.max()), 1), "mean_ms": round(float(a.mean()), 1)}


def run(records: int, n_queries: int, file_records: int) -> dict:
    from fastapi.testclient import TestClient

    from linkgraph.service.app import TOKEN_HEADER, create_app
    from linkgraph.service.realtime import Matcher
    from linkgraph.service.session import Session
    from linkgraph.service.workspace_state import WorkspaceState
    from linkgraph.store.workspace import Workspace

    work = work_dir(records)
    info = json.loads((work / "build.json").read_text())
    ws = Workspace.open(work / "ws.lgw")
    session = Session.open(ws, "analyst", CASE, token=True)
    t0 = time.perf_counter()
    matcher = Matcher(ws)
    load = time.perf_counter() - t0
    user = session.user
    q, _, truth = queries(records, max(n_queries, file_records))
    single = q.iloc[:n_queries]
    matcher.match(single.iloc[:1], user)  # warm-up (imports, first index touches)
    api, found = [], 0
    data = data_dir(records)
    ids = pd.read_csv(data / "persons.csv", sep=";", dtype=str, usecols=["id_fiche"])["id_fiche"]
    del ids
    for k in range(len(single)):
        rec = single.iloc[[k]]
        t = time.perf_counter()
        session.allow("match", [], {"command": "match", "records": 1})
        res = matcher.match(rec, user)
        api.append(time.perf_counter() - t)
        found += bool(res["results"][0]["candidates"])
    state = WorkspaceState.__new__(WorkspaceState)  # the app needs a state; the match route reads the matcher only
    state.workspace, state.user, state.matcher = ws, user, matcher
    app = create_app(state, session=session)
    client = TestClient(app)
    client.headers[TOKEN_HEADER] = session.token
    http = []
    for k in range(len(single)):
        body = {"record": {c: v for c, v in single.iloc[k].items() if v is not None}}
        t = time.perf_counter()
        r = client.post("/api/match", json=body)
        http.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text
    batch = q.iloc[:file_records]
    t = time.perf_counter()
    session.allow("match", [], {"command": "match", "records": len(batch)})
    res = matcher.match(batch, user)
    file_seconds = time.perf_counter() - t
    with_candidates = sum(bool(r["candidates"]) for r in res["results"])
    return {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "load_before": os.getloadavg(), "build": info, "index_load_s": round(load, 1),
            "api": _pct(api), "http": _pct(http), "queries_with_candidates": found / len(single),
            "file": {"records": len(batch), "seconds": round(file_seconds, 2),
                     "records_per_s": round(len(batch) / file_seconds), "with_candidates": with_candidates},
            "load_after": os.getloadavg()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("step", choices=["build", "run"])
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--file-records", type=int, default=10_000)
    a = p.parse_args()
    if a.step == "build":
        print(json.dumps(build(a.records), indent=1))
    else:
        print(json.dumps(run(a.records, a.queries, a.file_records), indent=1, default=str))


if __name__ == "__main__":
    main()
