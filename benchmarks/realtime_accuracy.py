"""Does the real-time lookup find the entity a record belongs to? Leave-one-out on a workspace.

    python benchmarks/realtime.py build --records 200000          # the workspace (cached)
    python benchmarks/realtime_accuracy.py --records 200000 --queries 1000

Each query is a person record of the workspace's file whose entity has other mentions; its own
mention is hidden from the lookup (the ``visible`` mask), so the lookup must find the entity
through the *other* mentions, as for a new record of the same person. Counted: the top candidate
is the entity the workspace's resolution gave the record (hit@1), it is among the candidates
(hit@5), and how many candidate pairs were scored. Two arms in one process, same queries:
blocking rules refined within the pair budget as the resolution refines them (the lookup's
behaviour) and every record of each block compared (no refinement).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--seed", type=int, default=5)
    a = p.parse_args()

    import realtime as R

    from linkgraph.match.realtime import best_per_entity, match_pairs, normalize_query
    from linkgraph.service.realtime import Matcher
    from linkgraph.store.workspace import Workspace

    ws = Workspace.open(R.work_dir(a.records) / "ws.lgw")
    matcher = Matcher(ws)
    ti = matcher.index.types["person"]
    records = ti.records
    size = np.bincount(ti.entity_codes[ti.entity_codes >= 0])
    rng = np.random.default_rng(a.seed)
    eligible = np.flatnonzero((ti.entity_codes >= 0) & (size[np.maximum(ti.entity_codes, 0)] > 1))
    rows = np.sort(rng.choice(eligible, size=min(a.queries, len(eligible)), replace=False))
    fields = {"last_name": "last_name", "first_name": "first_name", "dob": "dob", "birthplace": "birthplace",
              "address": "address", "postcode": "postcode", "city": "city", "phone": "phone"}
    raw = pd.DataFrame({f: records[c].to_numpy(dtype=object)[rows] for f, c in fields.items() if c in records})
    queries, _ = normalize_query(raw.where(raw.notna(), None))
    query = queries["person"]
    refined = dict(ti.__dict__.get("_refinement", {}))
    out = {"records": a.records, "person_mentions": int(len(records)), "queries": int(len(rows)),
           "load_before": os.getloadavg()}
    for arm in ("refined", "unrefined"):
        ti.__dict__["_refinement"] = refined if arm == "refined" else {r: None for r in range(len(ti.rules))}
        hit1 = hit5 = pairs = 0
        cpu = time.process_time()
        for k, row in enumerate(rows):
            visible = np.ones(len(records), dtype=bool)
            visible[row] = False
            pr = match_pairs(ti, query.iloc[[k]].reset_index(drop=True), visible, 0.01)
            pairs += len(pr.q)
            best = best_per_entity(ti, pr)
            found = ti.entity_codes[pr.row[best]]
            want = ti.entity_codes[row]
            hit1 += bool(len(found) and found[0] == want)
            hit5 += bool(want in found[:5])
        out[arm] = {"hit_at_1": round(hit1 / len(rows), 4), "hit_at_5": round(hit5 / len(rows), 4),
                    "pairs_kept_per_query": round(pairs / len(rows), 1),
                    "cpu_ms_per_query": round((time.process_time() - cpu) / len(rows) * 1e3, 1)}
        print(arm, out[arm], flush=True)
    ti.__dict__["_refinement"] = refined
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
