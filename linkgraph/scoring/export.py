"""Write ranked scores as CSV and JSON, with each factor's contribution and evidence."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from linkgraph.scoring.score import FACTORS, Scores
from linkgraph.store.files import write_table


def ranked_table(scores: Scores, top: int | None = None, max_evidence: int = 50,
                 ids: set[str] | None = None) -> pd.DataFrame:
    """The ranked lines written (the first ``top``, or those of ``ids``), each factor's evidence made
    into text for them only."""
    table = scores.persons if top is None else scores.persons.head(top)
    if ids is not None:
        table = table[table["entity_id"].isin(ids)]
    out = table.copy()
    for f in FACTORS:
        ev = scores.evidence[f]   # text made for the lines written only
        out[f"evidence_{f}"] = [";".join(ev.get(e, [])[:max_evidence]) for e in out["entity_id"]]
    out["notice"] = scores.notice
    return out


def write_scores(scores: Scores, out_dir: Path, top: int | None = 20, targets: pd.DataFrame | None = None) -> list[Path]:
    out_dir = Path(out_dir)
    if targets is not None:
        wanted = {e for cell in targets["entities"] for e in cell.split(";") if e}
        table = ranked_table(scores, ids=wanted)
    else:
        table = ranked_table(scores, top)
    paths = write_table(table, out_dir, "ranked", ("csv",))
    lines = [scores.explain(e) for e in table["entity_id"]]
    doc = {"notice": scores.notice, "targets": lines,
           "unresolved": [] if targets is None else targets[targets["status"] != "resolved"].to_dict("records"),
           "organisations": scores.organisations.head(20).to_dict("records")}
    (out_dir / "ranked.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    paths.append(out_dir / "ranked.json")
    if targets is not None:
        paths += write_table(targets, out_dir, "targets", ("csv",))
    return paths
