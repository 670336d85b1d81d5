"""Erasure inside the open transaction: delete a source's or a period's rows and everything derived
from them, and re-derive every entity id that came from an erased mention (no id keeps a trace)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.match.ids import fresh_id, fresh_ids
from linkgraph.store import tables as T
from linkgraph.store.schema import now


def forget_models(con) -> None:
    """A type with no mention left keeps its template only: no model trained on erased data."""
    con.execute("UPDATE models SET settings_yaml = NULL, trained_mentions = 0, trained_at = NULL "
                "WHERE entity_type NOT IN (SELECT DISTINCT entity_type FROM mentions)")

def erase_where(con, where: str, params: list, sources: list[str], cutoff: str | None = None, *,
                keep_judged: list[str] = (), keep_links: list[str] = ()) -> dict[str, int]:
    """Delete the rows matching ``where`` and everything derived from them (in the open transaction).

    ``ingest --replace`` passes ``keep_judged`` (mentions the new content holds unchanged: their
    judgments stay) and ``keep_links`` (mentions the new content holds again, changed or not: their
    entity link stays, so that their entity keeps its id)."""
    removed: dict[str, int] = {}
    con.register("_lg_keep", pd.DataFrame({"j": pd.Series(list(keep_judged), dtype=object)}))
    con.register("_lg_link", pd.DataFrame({"l": pd.Series(list(keep_links), dtype=object)}))
    con.execute(f"CREATE TEMP TABLE _lg_gone AS SELECT mention_id FROM mentions WHERE {where}", params)
    try:
        removed["judgments"] = con.execute(
            "DELETE FROM judgments WHERE (mention_a IN (SELECT mention_id FROM _lg_gone) AND mention_a NOT IN "
            "(SELECT j FROM _lg_keep)) OR (mention_b IN (SELECT mention_id FROM _lg_gone) AND mention_b NOT IN "
            "(SELECT j FROM _lg_keep))").fetchone()[0]
        removed["mention_entity"] = con.execute(
            "DELETE FROM mention_entity WHERE mention_id IN (SELECT mention_id FROM _lg_gone) "
            "AND mention_id NOT IN (SELECT l FROM _lg_link)").fetchone()[0]
    finally:
        con.execute("DROP TABLE _lg_gone")
        con.unregister("_lg_keep")
        con.unregister("_lg_link")
    if cutoff is not None:
        con.execute("CREATE TEMP TABLE _lg_rows AS SELECT source, \"row\" FROM rows WHERE date IS NOT NULL AND date < ?",
                    [cutoff])
        try:
            removed["rejects"] = con.execute(
                "DELETE FROM rejects WHERE EXISTS (SELECT 1 FROM _lg_rows g WHERE g.source = rejects.source "
                "AND g.\"row\" = rejects.\"row\")").fetchone()[0]
        finally:
            con.execute("DROP TABLE _lg_rows")
    else:
        removed["rejects"] = con.execute(f"DELETE FROM rejects WHERE {where}", params).fetchone()[0]
    for table in ("relations", "mentions", "rows"):
        removed[table] = con.execute(f"DELETE FROM {table} WHERE {where}", params).fetchone()[0]
    if sources:
        removed["id_changes"] = con.execute(
            "DELETE FROM id_changes WHERE source_id IN (SELECT unnest(?::VARCHAR[]))", [sources]).fetchone()[0]
        removed["sources"] = con.execute(
            "DELETE FROM sources WHERE source_id IN (SELECT unnest(?::VARCHAR[]))", [sources]).fetchone()[0]
    if cutoff is not None:
        con.execute("""UPDATE sources SET retained_before = ?,
            rows_in = (SELECT count(*) FROM rows r WHERE r.source = sources.source_id),
            rows_ok = (SELECT count(*) FROM rows r WHERE r.source = sources.source_id AND r.status = 'ok'),
            rows_rejected = (SELECT count(*) FROM rows r WHERE r.source = sources.source_id AND r.status <> 'ok'),
            mentions = (SELECT count(*) FROM mentions m WHERE m.source = sources.source_id),
            relations = (SELECT count(*) FROM relations x WHERE x.source = sources.source_id)""", [cutoff])
    con.execute("DELETE FROM mention_columns WHERE NOT EXISTS (SELECT 1 FROM mentions m WHERE "
                "m.entity_type = mention_columns.entity_type)")
    return removed

def rename_erased(con, erased: set[tuple[str, str]], operation: str,
                   reason: str = "") -> int:
    """Entity ids derived from an erased mention (``fresh_id(type, mention)``) are re-derived from
    the remaining mentions, and id changes naming them are dropped: no id keeps a trace."""
    if not erased:
        return 0
    key = T.id_key(con)
    derived = set(fresh_ids([t for t, _ in erased], [m for _, m in erased], key))
    current = T.df(con, "SELECT entity_id, entity_type FROM entities")
    base = current["entity_id"].str.split("-").str[:2].str.join("-")
    bad = current[base.isin(derived)]
    old_changes = T.df(con, "SELECT seq, old_id, new_id FROM id_changes")
    stale = [int(s) for s, o, n in zip(old_changes["seq"], old_changes["old_id"], old_changes["new_id"])
             if ("-".join(str(o).split("-")[:2]) in derived) or ("-".join(str(n).split("-")[:2]) in derived)]
    if stale:
        con.register("_lg_seq", pd.DataFrame({"s": stale}))
        con.execute("DELETE FROM id_changes WHERE seq IN (SELECT s FROM _lg_seq)")
        con.unregister("_lg_seq")
    if bad.empty:
        return 0
    taken = T.taken(con) | derived
    members = T.df(con, "SELECT e.entity_id, e.mention_id FROM mention_entity e WHERE e.entity_id IN "
                            "(SELECT unnest(?::VARCHAR[]))", [list(bad["entity_id"])])
    anchor = members.groupby("entity_id")["mention_id"].min()
    renames = []
    for old, t in zip(bad["entity_id"], bad["entity_type"]):
        b = fresh_id(t, anchor[old], key)
        new, k = b, 0
        while new in taken:
            k += 1
            new = f"{b}-{k}"
        taken.add(new)
        renames.append((old, new))
    frame = pd.DataFrame(renames, columns=["old", "new"])
    con.register("_lg_ren", frame)
    try:
        con.execute("UPDATE mention_entity SET entity_id = r.new FROM _lg_ren r WHERE mention_entity.entity_id = r.old")
        con.execute("UPDATE entities SET entity_id = r.new, label = CASE WHEN entities.label = r.old THEN r.new "
                    "ELSE entities.label END FROM _lg_ren r WHERE entities.entity_id = r.old")
    finally:
        con.unregister("_lg_ren")
    seq = con.execute("SELECT coalesce(max(seq), 0) FROM id_changes").fetchone()[0]
    log = pd.DataFrame({"seq": np.arange(seq + 1, seq + 1 + len(frame)), "old_id": None, "new_id": frame["new"],
                        "change": "renamed", "mentions": None,
                        "reason": f"{reason}: id re-derived (the former id came from erased data)",
                        "operation": operation, "source_id": None, "at": now()})
    T.insert(con, "id_changes", log.astype({"old_id": object, "mentions": object}))
    return len(frame)
