"""Blind deconfliction: a service learns, per identifier row, only hit / possible hit / no hit, the
agencies to contact and a contact reference — never a fact of another's file.

The rows are matched with the lookup of :mod:`linkgraph.service.realtime` against **every** mention
of the workspace (the requester may see none of them), then reduced to:

- ``status``: ``hit`` when an entity reaches its model's merge threshold (or shares a strong
  identifier), ``possible hit`` when the best reaches only ``possible`` (a probability below the
  threshold, shown as such), else ``no hit``;
- ``agencies``: the agencies holding the matched entities (whom to contact);
- ``contact``: a reference to quote when calling them (``DC-`` and 12 hex digits: an HMAC under
  the workspace's secret key of the requester, the case and the row's own values, so it says
  nothing about the hit), which the owner finds in its list of requests.

Nothing else leaves: no entity id, no probability, no name, no count of entities or mentions.

Both sides are audited in one ``deconflict`` record (user = the requester, their case): its
``object_ids`` are the matched entities, ``details`` the list's digest, the counts and, aligned
with ``object_ids``, each match's contact reference and status. :func:`requests_about` gives an
owner the requests that touched entities they may see (who asked, when, for which case, the
reference, the status and the owner's own mentions of the entity).
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from linkgraph.service.realtime import Matcher
from linkgraph.store.access import User, visible_mask

HIT, POSSIBLE, NONE = "hit", "possible hit", "no hit"
#: Default floor of a possible hit (match probability), below each model's merge threshold.
POSSIBLE_DEFAULT = 0.5


def contact_reference(workspace, user: str, case: str, record: dict) -> str:
    """The contact reference of one row: keyed digest of (requester, case, the row's values)."""
    text = json.dumps([user, case, sorted((k, str(v)) for k, v in record.items() if v is not None)])
    return "DC-" + workspace.query_digest("deconflict\x1f" + text)[-12:].upper()


def deconflict(matcher: Matcher, records: pd.DataFrame, session, *, possible: float = POSSIBLE_DEFAULT) -> dict:
    """The blind answer for ``records`` (one row per identifier set) and its audit record.

    Returns ``{"rows": [{"row", "status", "agencies", "contact"}], "errors": [...]}``: the errors
    name a row and a field whose value cannot be read (that value is not used), nothing else.
    """
    if not 0 < possible < 1:
        raise ValueError("--possible must be a probability between 0 and 1")
    found, errors = matcher.candidates(records, None, min_probability=possible)
    n = len(records)
    best = np.zeros(n)                       # best probability relative to the threshold: 1 = hit
    agencies: list[set[str]] = [set() for _ in range(n)]
    matched: list[list[tuple[str, str]]] = [[] for _ in range(n)]   # (entity id, status)
    for entity_type, (ti, pairs, top) in found.items():
        for k in top:
            q, row = int(pairs.q[k]), int(pairs.row[k])
            prob = float(pairs.probability[k])
            status = HIT if prob >= ti.settings.threshold else POSSIBLE
            rank = 2 if status == HIT else 1
            best[q] = max(best[q], rank)
            rows = ti.entity_rows(int(ti.entity_codes[row]))
            agencies[q] |= set(ti.records["agency"].iloc[rows].dropna())
            matched[q].append((str(ti.entity_ids[ti.entity_codes[row]]), status))
    out, refs, ids, statuses = [], [], [], []
    plain = records.reset_index(drop=True).astype(object)
    for q in range(n):
        status = HIT if best[q] == 2 else POSSIBLE if best[q] == 1 else NONE
        # agencies of hits only when there is a hit (a possible hit names the possible ones)
        record = {k: v for k, v in plain.iloc[q].items() if v is not None and v == v and str(v).strip()}
        ref = contact_reference(session.audit.workspace, session.user.name, session.case_number, record) \
            if status != NONE else ""
        out.append({"row": q + 1, "status": status, "agencies": sorted(agencies[q]) if status != NONE else [],
                    "contact": ref})
        for entity_id, st in matched[q]:
            ids.append(entity_id)
            refs.append(ref)
            statuses.append(st)
    digest = session.query_digest(plain.to_csv(index=False))
    session.allow("deconflict", ids, {"command": "deconflict", "rows": n, "list": digest,
                                      "hits": sum(r["status"] == HIT for r in out),
                                      "possible": sum(r["status"] == POSSIBLE for r in out),
                                      "refs": refs, "status": statuses})
    return {"rows": out, "errors": errors}


def requests_about(workspace, user: User, matcher: Matcher | None = None) -> list[dict]:
    """The deconfliction requests that matched an entity ``user`` may see part of: when, who asked,
    for which case, the contact reference, the status, and ``user``'s own mentions of the entity
    (at most 5). Oldest first."""
    with workspace._reading() as con:
        mine = con.execute("SELECT m.mention_id, m.agency, m.classification, e.entity_id FROM mentions m "
                           "JOIN mention_entity e USING (mention_id)").fetch_df()
        lines = [r[0] for r in con.execute("SELECT line FROM audit ORDER BY seq").fetchall()]
    mine = mine[visible_mask(mine, user)]
    by_entity = mine.sort_values("mention_id").groupby("entity_id")["mention_id"].apply(lambda s: list(s)[:5])
    out = []
    for rec in map(json.loads, lines):
        if rec.get("action") != "deconflict":
            continue
        details = rec.get("details", {})
        refs, statuses = details.get("refs", []), details.get("status", [])
        for k, entity_id in enumerate(rec.get("object_ids", [])):
            if entity_id in by_entity.index:
                out.append({"at": rec["at"], "requester": rec["user"], "case": rec["case_number"],
                            "contact": refs[k] if k < len(refs) else "", "status": statuses[k] if k < len(statuses) else "",
                            "your_mentions": list(by_entity[entity_id])})
    return out

