"""Reading and writing the workspace's tables inside an open DuckDB connection or transaction.

Every function takes the connection ``con`` first; none commits (the caller's transaction does).
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from linkgraph.match.ids import DEFAULT_ID_KEY, check_id_key
from linkgraph.match.incremental import TypeResult
from linkgraph.match.settings import Settings
from linkgraph.store.schema import CHANGE_COLUMNS, ID_KEY, _q, now, settings_of, settings_yaml


# ------------------------------------------------------------------------------------ reading
def id_key(con) -> str:
    """The workspace's secret id key (a workspace created before keys existed: the default key)."""
    row = con.execute("SELECT value FROM meta WHERE key = ?", [ID_KEY]).fetchone()
    return check_id_key(row[0]) if row else DEFAULT_ID_KEY


def meta(con, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(con, key: str, value: str) -> None:
    con.execute("DELETE FROM meta WHERE key = ?", [key])
    con.execute("INSERT INTO meta VALUES (?, ?)", [key, value])


def version(con) -> int:
    return int(con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0])


def columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def df(con, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).fetch_df()


def type_columns(con) -> dict[str, list[str]]:
    rows = con.execute("SELECT entity_type, column_name FROM mention_columns ORDER BY 1, 2").fetchall()
    out: dict[str, list[str]] = {}
    for t, c in rows:
        out.setdefault(t, []).append(c)
    return out


def load_type(con, entity_type: str, cols: list[str], where: str = "", params: list | None = None) -> pd.DataFrame:
    """The stored mentions of one type (``cols``, provenance) with their ``entity_id``."""
    base = ("mention_id", "entity_type", "source", "agency", "date")
    names = list(base) + [c for c in cols if c not in base]
    select = ", ".join(f"m.{_q(c)}" for c in names)
    sql = (f"SELECT {select}, e.entity_id FROM mentions m LEFT JOIN mention_entity e USING (mention_id) "
           f"WHERE m.entity_type = ? {('AND ' + where) if where else ''} ORDER BY m.mention_id")
    out = df(con, sql, [entity_type] + list(params or []))
    return out.astype({c: object for c in out.columns if c != "entity_id" and out[c].dtype != object})


def load_neighbourhood(con, entity_type: str, cols: list[str], fresh: pd.DataFrame,
                       identifiers: list[str]) -> pd.DataFrame:
    """The stored mentions of every entity holding an identifier value of the new mentions ``fresh``
    (a deterministic type needs no other: identifier links are all it resolves with)."""
    values = [pd.DataFrame({"c": col, "v": fresh[col].dropna().astype(str).unique()})
              for col in identifiers if col in fresh and col in cols]
    values = [v for v in values if len(v)]
    if not values:
        return load_type(con, entity_type, cols, "FALSE")
    con.register("_lg_values", pd.concat(values, ignore_index=True))
    try:
        names = sorted({str(v["c"].iloc[0]) for v in values})
        hits = " OR ".join(f"(m2.{_q(c)} IN (SELECT v FROM _lg_values WHERE c = ?))" for c in names)
        where = (f"e.entity_id IN (SELECT e2.entity_id FROM mentions m2 JOIN mention_entity e2 USING (mention_id) "
                 f"WHERE m2.entity_type = ? AND ({hits}))")
        return load_type(con, entity_type, cols, where, [entity_type, *names])
    finally:
        con.unregister("_lg_values")


def judgments(con) -> pd.DataFrame:
    return df(con, "SELECT * FROM judgments ORDER BY judgment_id")


def taken(con) -> set[str]:
    """Every entity id ever used (current, or named by an id change): never given again."""
    rows = con.execute("SELECT entity_id FROM entities UNION SELECT old_id FROM id_changes WHERE old_id IS NOT NULL "
                       "UNION SELECT new_id FROM id_changes WHERE new_id IS NOT NULL").fetchall()
    return {r[0] for r in rows}


def models(con) -> dict[str, tuple[Settings | None, Settings, int]]:
    """Per type: (trained model or None, template, mentions it was trained on)."""
    out = {}
    for t, trained, template, n in con.execute(
            "SELECT entity_type, settings_yaml, template_yaml, trained_mentions FROM models").fetchall():
        out[t] = (settings_of(trained, f"workspace:models/{t}") if trained else None,
                  settings_of(template, f"workspace:templates/{t}") if template else Settings(entity_type=t),
                  int(n or 0))
    return out


# ------------------------------------------------------------------------------------ writing
def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns with NaN → None; object columns holding only numbers → float."""
    out = frame.copy()
    for c in out.columns:
        s = out[c]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            kind = pd.api.types.infer_dtype(s, skipna=True)
            if kind in ("floating", "integer", "mixed-integer-float", "decimal"):
                out[c] = pd.to_numeric(s, errors="coerce").astype(float)
            elif s.hasnans:
                out[c] = s.astype(object).where(s.notna(), None)
    return out


def insert(con, table: str, frame: pd.DataFrame) -> None:
    """Append ``frame`` to ``table`` (a column the table lacks is added first)."""
    if frame is None or frame.empty:
        return
    frame = prepare(frame)
    have = set(columns(con, table))
    for c in frame.columns:
        if c not in have:
            dtype = frame[c].dtype
            sql_type = ("BIGINT" if pd.api.types.is_integer_dtype(dtype) else
                        "DOUBLE" if pd.api.types.is_float_dtype(dtype) else
                        "BOOLEAN" if pd.api.types.is_bool_dtype(dtype) else "VARCHAR")
            con.execute(f"ALTER TABLE {table} ADD COLUMN {_q(c)} {sql_type}")
    name = f"_lg_{table}"
    con.register(name, frame)
    try:
        cols = ", ".join(_q(c) for c in frame.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {name}")
    finally:
        con.unregister(name)


def delete_in(con, table: str, column: str, values: Iterable[str]) -> None:
    keys = pd.DataFrame({"v": sorted(set(values))})
    if keys.empty:
        return
    con.register("_lg_keys", keys)
    try:
        con.execute(f"DELETE FROM {table} WHERE {_q(column)} IN (SELECT v FROM _lg_keys)")
    finally:
        con.unregister("_lg_keys")


def write_results(con, results: list[TypeResult], operation: str, source_id: str | None,
                  replace_all: bool = False) -> pd.DataFrame:
    """mention_entity, entities, models and id_changes from per-type results (inside a transaction)."""
    at = now()
    assignments = pd.concat([r.assignments for r in results], ignore_index=True) if results else pd.DataFrame()
    if replace_all:
        con.execute("DELETE FROM entities")
    if len(assignments):
        delete_in(con, "mention_entity", "mention_id", assignments["mention_id"])
        insert(con, "mention_entity", assignments[["mention_id", "entity_id"]])
    if not replace_all:
        stale = set().union(*[r.old_ids for r in results]) if results else set()
        stale |= {i for r in results for i in r.entity_rows["entity_id"]} if results else set()
        delete_in(con, "entities", "entity_id", stale)
    for r in results:
        insert(con, "entities", r.entity_rows)
        if r.model is not None:
            con.execute("UPDATE models SET settings_yaml = ?, trained_mentions = ?, trained_at = ? "
                        "WHERE entity_type = ?", [settings_yaml(r.model), r.trained_mentions, at, r.entity_type])
            if con.execute("SELECT count(*) FROM models WHERE entity_type = ?", [r.entity_type]).fetchone()[0] == 0:
                con.execute("INSERT INTO models VALUES (?, ?, ?, ?, ?)",
                            [r.entity_type, settings_yaml(r.model), settings_yaml(Settings(entity_type=r.entity_type)),
                             r.trained_mentions, at])
    changes = pd.concat([r.changes for r in results if len(r.changes)], ignore_index=True) \
        if any(len(r.changes) for r in results) else pd.DataFrame(columns=CHANGE_COLUMNS[:5])
    if len(changes):
        seq = con.execute("SELECT coalesce(max(seq), 0) FROM id_changes").fetchone()[0]
        changes = changes.assign(seq=np.arange(seq + 1, seq + 1 + len(changes)), operation=operation,
                                 source_id=source_id, at=at)
        insert(con, "id_changes", changes[["seq"] + CHANGE_COLUMNS])
    return changes
