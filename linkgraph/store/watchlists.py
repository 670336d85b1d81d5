"""Watchlists and alerts on new data (issue 17, item 3), kept in the workspace.

A **watchlist** is one of:

* ``list``: named entities — the national priority list, a cell's own list (``entities``);
* ``top``: the first ``n`` of the priority score, as its owner sees it (refreshed after every ingest);
* ``second_agency``: any person newly known to another agency (cross-agency deconfliction);
* ``score_rise``: any person whose priority score (as the owner sees it) rose by more than ``rise``.

Every ingest checks the entities its new mentions and relation rows touch, **in the ingest's own
transaction** (an ingest without its alerts cannot exist): one alert per watchlist and entity,
naming what matched, the new rows (``source:row``, agency, classification, mention) and the
agencies they come from. Score-based watchlists are checked right after (the score needs the
committed data), in a transaction of their own with its audit record.

Reading alerts (:func:`read_alerts`) applies the reader's clearance: a row the reader may not see is
left out, an alert with no visible new row (or whose entity the reader does not see) is not shown,
the entity's label is made from the visible mentions only, the "already known to" agencies of a
second-agency alert are those of visible mentions, and score alerts (computed on their owner's view)
are shown to their owner only. The caller audits the read (``alerts`` action).

Tables (created on first use): ``watchlists``, ``watch_entries``, ``watch_scores``, ``alerts``.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pandas as pd

from linkgraph.store import tables as T
from linkgraph.store.schema import WorkspaceError, now

KINDS = ("list", "top", "second_agency", "score_rise")
DDL = """
CREATE TABLE IF NOT EXISTS watchlists (name VARCHAR, kind VARCHAR, owner VARCHAR, case_number VARCHAR,
    n BIGINT, rise DOUBLE, description VARCHAR, created_at VARCHAR);
CREATE TABLE IF NOT EXISTS watch_entries (watchlist VARCHAR, entity_id VARCHAR);
CREATE TABLE IF NOT EXISTS watch_scores (watchlist VARCHAR, entity_id VARCHAR, score DOUBLE);
CREATE TABLE IF NOT EXISTS alerts (alert_id BIGINT, "at" VARCHAR, watchlist VARCHAR, kind VARCHAR, owner VARCHAR,
    entity_id VARCHAR, rows_json VARCHAR, details_json VARCHAR);
"""
ALERT_COLUMNS = ["alert_id", "at", "watchlist", "kind", "owner", "entity_id", "rows_json", "details_json"]


def ensure(con) -> None:
    """Create the watchlist tables if this workspace has none yet."""
    con.execute(DDL)


def _has_tables(con) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'watchlists'")
                .fetchone()[0])


def watchlists(con) -> pd.DataFrame:
    """Every watchlist with its number of entries."""
    if not _has_tables(con):
        return pd.DataFrame(columns=["name", "kind", "owner", "case_number", "n", "rise", "description",
                                     "created_at", "entries"])
    return T.df(con, "SELECT w.*, (SELECT count(*) FROM watch_entries e WHERE e.watchlist = w.name) AS entries "
                     "FROM watchlists w ORDER BY w.created_at, w.name")


# ----------------------------------------------------------------------------------- creating
def add_watchlist(ws, name: str, kind: str, *, owner: str, case_number: str, entities: Iterable[str] = (),
                  n: int | None = None, rise: float | None = None, description: str = "",
                  scores: pd.Series | None = None) -> dict:
    """Store a watchlist (audited ``watch``). ``entities``: entity ids of a ``list``; ``n``: size of a
    ``top``; ``rise``: the score rise of a ``score_rise``; ``scores``: the owner's current scores
    (entity id → score) for ``top`` and ``score_rise`` (the baseline)."""
    name = " ".join(str(name).split())
    if not name or len(name) > 64:
        raise WorkspaceError("a watchlist needs a name (at most 64 characters)")
    if kind not in KINDS:
        raise WorkspaceError(f"unknown watchlist kind {kind!r}; expected one of {', '.join(KINDS)}")
    entities = list(dict.fromkeys(str(e) for e in entities))
    if kind == "list" and not entities:
        raise WorkspaceError("a list watchlist needs at least one entity id")
    if kind == "top" and (n is None or n < 1):
        raise WorkspaceError("a top watchlist needs --top N (N >= 1)")
    if kind == "score_rise" and (rise is None or not rise > 0):
        raise WorkspaceError("a score_rise watchlist needs --rise X (X > 0, in score points, e.g. 0.1)")
    if kind in ("top", "score_rise") and scores is None:
        raise WorkspaceError(f"a {kind} watchlist needs the owner's scores")
    with ws._locked(None):
        with ws._reading() as con:
            version = T.version(con)
            if _has_tables(con) and con.execute("SELECT count(*) FROM watchlists WHERE name = ?", [name]).fetchone()[0]:
                raise WorkspaceError(f"a watchlist named {name!r} exists already")
            if entities:
                known = {r[0] for r in con.execute("SELECT entity_id FROM entities WHERE entity_id IN "
                                                   "(SELECT unnest(?::VARCHAR[]))", [entities]).fetchall()}
                unknown = [e for e in entities if e not in known]
                if unknown:
                    raise WorkspaceError(f"unknown entity id(s): {', '.join(unknown[:5])} (ids as `search` shows them)")
        with ws._transaction(version) as con:
            ensure(con)
            con.execute("INSERT INTO watchlists VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [name, kind, owner, case_number, n, rise, description, now()])
            if kind == "top":
                entities = list(scores.sort_values(ascending=False, kind="stable").head(int(n)).index)
            _set_entries(con, name, entities)
            if scores is not None:
                _set_scores(con, name, scores)
            ws._record(con, (owner, case_number), "watch", [name],
                       {"kind": kind, "entries": len(entities), **({"n": int(n)} if n else {}),
                        **({"rise": float(rise)} if rise else {})})
    return {"name": name, "kind": kind, "entries": len(entities)}


def _set_entries(con, name: str, entities: list[str]) -> None:
    con.execute("DELETE FROM watch_entries WHERE watchlist = ?", [name])
    T.insert(con, "watch_entries", pd.DataFrame({"watchlist": name, "entity_id": pd.Series(entities, dtype=object)}))


def _set_scores(con, name: str, scores: pd.Series) -> None:
    con.execute("DELETE FROM watch_scores WHERE watchlist = ?", [name])
    T.insert(con, "watch_scores", pd.DataFrame({"watchlist": name, "entity_id": scores.index.astype(str),
                                                "score": scores.to_numpy(dtype=float)}))


# ----------------------------------------------------------------------------------- checking
def follow_ids(con, changes: pd.DataFrame) -> None:
    """Entries whose entity was merged or renamed by this change (an ingest, a judgment, an erasure,
    a rebuild) follow it to its new id."""
    if changes is None or not len(changes) or not _has_tables(con):
        return
    moved = changes.dropna(subset=["old_id", "new_id"])
    moved = moved[moved["old_id"] != moved["new_id"]]
    for old, new in zip(moved["old_id"], moved["new_id"]):
        con.execute("UPDATE watch_entries SET entity_id = ? WHERE entity_id = ?", [new, old])


def last_alert(ws) -> int:
    """The number of the latest alert (0: none yet)."""
    with ws._reading() as con:
        if not _has_tables(con):
            return 0
        return int(con.execute("SELECT coalesce(max(alert_id), 0) FROM alerts").fetchone()[0])


def _next_id(con) -> int:
    return int(con.execute("SELECT coalesce(max(alert_id), 0) FROM alerts").fetchone()[0]) + 1


def _touched(con, mention_ids: list[str], relations: pd.DataFrame) -> pd.DataFrame:
    """(entity_id, mention_id, source, row, agency, classification, entity_type) of every new fact:
    the new mentions, and both ends of every new relation row."""
    con.register("_lg_new", pd.DataFrame({"mention_id": pd.Series(mention_ids, dtype=object)}))
    try:
        mine = T.df(con, """SELECT e.entity_id, m.mention_id, m.source, m."row", m.agency, m.classification,
            m.entity_type FROM mentions m JOIN mention_entity e USING (mention_id)
            WHERE m.mention_id IN (SELECT mention_id FROM _lg_new)""")
    finally:
        con.unregister("_lg_new")
    parts = [mine]
    if relations is not None and len(relations):
        ends = pd.concat([relations[["from_mention", "source", "row", "agency", "classification"]]
                          .rename(columns={"from_mention": "mention_id"}),
                          relations[["to_mention", "source", "row", "agency", "classification"]]
                          .rename(columns={"to_mention": "mention_id"})], ignore_index=True)
        con.register("_lg_ends", ends.astype({"row": np.int64}))
        try:
            parts.append(T.df(con, """SELECT e.entity_id, x.mention_id, x.source, x."row", x.agency, x.classification,
                m.entity_type FROM _lg_ends x JOIN mention_entity e USING (mention_id) JOIN mentions m USING (mention_id)"""))
        finally:
            con.unregister("_lg_ends")
    out = pd.concat(parts, ignore_index=True)
    return out.drop_duplicates(["entity_id", "source", "row", "mention_id"])


def _rows_json(facts: pd.DataFrame) -> str:
    facts = facts.sort_values(["source", "row", "mention_id"])
    return json.dumps([{"ref": f"{s}:{int(r)}", "source": s, "row": int(r), "agency": a, "classification": c,
                        "mention": m} for s, r, a, c, m in zip(facts["source"], facts["row"], facts["agency"],
                                                               facts["classification"], facts["mention_id"])],
                      ensure_ascii=False)


def check_ingest(con, mention_ids: list[str], relations: pd.DataFrame, changes: pd.DataFrame) -> int:
    """Raise the alerts of one ingest (inside its transaction): ``list``/``top`` entries touched by the
    new facts, and persons newly known to another agency. Returns the number of alerts raised."""
    if not _has_tables(con):
        return 0
    follow_ids(con, changes)
    lists = T.df(con, "SELECT name, kind, owner FROM watchlists")
    if lists.empty:
        return 0
    facts = _touched(con, mention_ids, relations)
    if facts.empty:
        return 0
    at, alerts = now(), []
    entries = T.df(con, "SELECT watchlist, entity_id FROM watch_entries")
    for name, kind, owner in lists[lists["kind"].isin(["list", "top"])].itertuples(index=False):
        watched = set(entries.loc[entries["watchlist"] == name, "entity_id"])
        for entity, group in facts[facts["entity_id"].isin(watched)].groupby("entity_id", sort=True):
            alerts.append((name, kind, owner, entity, _rows_json(group),
                           {"matched": "watched entity touched by new data",
                            "agencies": sorted(group["agency"].unique())}))
    rules = lists[lists["kind"] == "second_agency"]
    if len(rules):
        people = facts[facts["entity_type"] == "person"]
        new_ids = set(mention_ids)
        if len(people):
            con.register("_lg_people", pd.DataFrame({"entity_id": people["entity_id"].unique()}))
            try:
                before = T.df(con, """SELECT e.entity_id, m.mention_id, m.agency, m.classification FROM mentions m
                    JOIN mention_entity e USING (mention_id) WHERE e.entity_id IN (SELECT entity_id FROM _lg_people)""")
            finally:
                con.unregister("_lg_people")
            before = before[~before["mention_id"].isin(new_ids)]
            for entity, group in people.groupby("entity_id", sort=True):
                old = before[before["entity_id"] == entity]
                known = set(old["agency"])
                fresh = group[~group["agency"].isin(known) & group["mention_id"].isin(new_ids)]
                if known and len(fresh):
                    first = old.drop_duplicates("agency")
                    for name, kind, owner in rules.itertuples(index=False):
                        alerts.append((name, kind, owner, entity, _rows_json(fresh), {
                            "matched": "newly known to another agency",
                            "agencies": sorted(fresh["agency"].unique()),
                            "known_to": [{"agency": a, "classification": c}
                                         for a, c in zip(first["agency"], first["classification"])]}))
    _insert(con, alerts, at)
    return len(alerts)


def _insert(con, alerts: list[tuple], at: str) -> None:
    if not alerts:
        return
    start = _next_id(con)
    T.insert(con, "alerts", pd.DataFrame([{
        "alert_id": start + k, "at": at, "watchlist": a[0], "kind": a[1], "owner": a[2], "entity_id": a[3],
        "rows_json": a[4], "details_json": json.dumps(a[5], ensure_ascii=False)} for k, a in enumerate(alerts)],
        columns=ALERT_COLUMNS))


def score_watchlists(ws) -> pd.DataFrame:
    """The ``top`` and ``score_rise`` watchlists (name, kind, owner, n, rise)."""
    with ws._reading() as con:
        if not _has_tables(con):
            return pd.DataFrame(columns=["name", "kind", "owner", "case_number", "n", "rise"])
        return T.df(con, "SELECT name, kind, owner, case_number, n, rise FROM watchlists "
                         "WHERE kind IN ('top', 'score_rise') ORDER BY name")


def has_score_watchlists(ws) -> bool:
    """Whether any ``top`` or ``score_rise`` watchlist exists (cheap: no score computed otherwise)."""
    return len(score_watchlists(ws)) > 0


def check_scores(ws, name: str, scores: pd.Series, *, actor: tuple[str, str]) -> int:
    """After an ingest: a ``score_rise`` list alerts on each person whose score rose by more than its
    ``rise`` since the last check; a ``top`` list takes the new top ``n`` (an entity entering it is
    alerted). ``scores``: the owner's current scores. One transaction, audited ``watch``."""
    with ws._reading() as con:
        version = T.version(con)
        info = T.df(con, "SELECT kind, owner, n, rise FROM watchlists WHERE name = ?", [name]).iloc[0]
        old = T.df(con, "SELECT entity_id, score FROM watch_scores WHERE watchlist = ?", [name])
        before = old.set_index("entity_id")["score"]
        entries = set(T.df(con, "SELECT entity_id FROM watch_entries WHERE watchlist = ?", [name])["entity_id"])
    at, alerts = now(), []
    if info["kind"] == "score_rise":
        delta = scores - before.reindex(scores.index).fillna(0.0)
        for entity in delta[delta > float(info["rise"])].sort_values(ascending=False).index:
            alerts.append((name, "score_rise", info["owner"], str(entity), "[]", {
                "matched": f"score rose by more than {float(info['rise']):g}",
                "before": round(float(before.get(entity, 0.0)), 4), "after": round(float(scores[entity]), 4)}))
    top = list(scores.sort_values(ascending=False, kind="stable").head(int(info["n"] or 0)).index) \
        if info["kind"] == "top" else None
    if top is not None:
        for rank, entity in enumerate(top, 1):
            if entity not in entries:
                alerts.append((name, "top", info["owner"], str(entity), "[]", {
                    "matched": f"entered the top {int(info['n'])} of the priority score", "rank": rank,
                    "score": round(float(scores[entity]), 4)}))
    with ws._locked(None):
        with ws._transaction(version) as con:
            _insert(con, alerts, at)
            _set_scores(con, name, scores)
            if top is not None:
                _set_entries(con, name, top)
            ws._record(con, actor, "watch", [name], {"check": "scores", "alerts": len(alerts)})
    return len(alerts)


# ----------------------------------------------------------------------------------- reading
def read_alerts(ws, user, *, since: int = 0, watchlist: str | None = None) -> list[dict]:
    """The alerts ``user`` may see (see the module), oldest first; ``since``: only alert ids above it."""
    from linkgraph.store.access import visible_entities

    with ws._reading() as con:
        if not _has_tables(con):
            return []
        alerts = T.df(con, "SELECT * FROM alerts WHERE alert_id > ? ORDER BY alert_id", [int(since)])
        if watchlist is not None:
            alerts = alerts[alerts["watchlist"] == watchlist]
        ids = alerts["entity_id"].dropna().unique().tolist()
        con.register("_lg_ids", pd.DataFrame({"entity_id": pd.Series(ids, dtype=object)}))
        try:
            members = T.df(con, """SELECT e.entity_id, m.* EXCLUDE (ord) FROM mentions m
                JOIN mention_entity e USING (mention_id) WHERE e.entity_id IN (SELECT entity_id FROM _lg_ids)""")
        finally:
            con.unregister("_lg_ids")
    visible = visible_entities(None, members, user) if len(members) else pd.DataFrame(columns=["entity_id", "label"])
    label = visible.set_index("entity_id")["label"] if len(visible) else pd.Series(dtype=object)
    out = []
    for a in alerts.to_dict("records"):
        if a["kind"] in ("top", "score_rise") and a["owner"] != user.name:
            continue                             # computed on the owner's view: the owner's only
        if a["entity_id"] not in label.index:
            continue                             # an entity the reader does not see
        rows = [r for r in json.loads(a["rows_json"]) if user.sees(r["agency"], r["classification"])]
        details = json.loads(a["details_json"])
        if a["kind"] in ("list", "top", "second_agency") and a["rows_json"] != "[]" and not rows:
            continue                             # nothing new the reader may see
        if "agencies" in details:
            details["agencies"] = sorted({r["agency"] for r in rows})
        if "known_to" in details:
            known = sorted({k["agency"] for k in details.pop("known_to") if user.sees(k["agency"], k["classification"])})
            if not known:
                continue
            details["known_to"] = known
        out.append({"alert_id": int(a["alert_id"]), "at": a["at"], "watchlist": a["watchlist"], "kind": a["kind"],
                    "entity_id": a["entity_id"], "label": label.get(a["entity_id"]),
                    "rows": [{k: r[k] for k in ("ref", "agency", "classification", "mention")} for r in rows],
                    **details})
    return out


def owner_scores(ws, owner: str) -> pd.Series:
    """The priority score of every person as ``owner`` sees the workspace (its users file; an
    in-memory workspace, which has none, is seen whole)."""
    from linkgraph.scoring.score import score
    from linkgraph.store.access import load_users
    from linkgraph.store.view import workspace_view

    if ws.users_path is not None and ws.users_path.exists():
        users = load_users(ws.users_path)
        if owner not in users:
            raise WorkspaceError(f"{owner!r} is not a user of this workspace")
        result = workspace_view(ws, users[owner])
    else:
        result = ws.result()
    persons = score(result).persons
    persons = persons[persons["entity_id"].astype(str).str.startswith("P-")]
    return persons.set_index("entity_id")["score"].astype(float)


def after_ingest(ws, actor: tuple[str, str]) -> int:
    """Check the score-based watchlists after an ingest committed (see :func:`check_scores`)."""
    raised = 0
    for w in score_watchlists(ws).itertuples(index=False):
        raised += check_scores(ws, w.name, owner_scores(ws, w.owner), actor=actor)
    return raised
