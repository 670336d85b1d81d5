"""The workspace's match index: blocking keys and term frequencies for real-time lookup.

Two tables in the workspace's database, written in the transaction of the change that makes them
stale, so the index always describes the committed mentions:

- ``match_keys (entity_type, rule, key, mention_id)``: for every mention, one 64-bit key per
  lookup rule whose columns it fills. The rules of a type are its ``identifiers`` (one column
  each) then its ``blocking`` rules (:func:`rules_of`); a key is the stable hash
  (:func:`pandas.util.hash_array`, fixed key) of the rule's normalized values joined by ``\\x1f``,
  so the query side computes the same key from a record's normalized values.
- ``match_tf (entity_type, column_name, value, entities)``: for each column with a
  term-frequency level in the type's trained model, how many entities bear each value (a value
  counts once per entity, as :func:`linkgraph.match.model.tf_tables` counts with first-pass
  entities).

``meta.match_index`` holds the workspace version the index was written at. An ingest adds the
keys of its new mentions and recounts the term frequencies of the types it touched
(:func:`update`); an erasure, a retention and a rebuild rewrite the whole index (:func:`rebuild`);
a judgment recounts the term frequencies of its type. :func:`load` reads the index into memory
(:class:`MatchIndex`: per type, sorted key arrays and the mentions' columns), or computes it from
the mentions when the stored one is missing or stale (a workspace written before the index).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"last_key": ["MARTIN", None], "first_key": ["JEAN", "ANNE"]})
    >>> keys = rule_keys(frame, ["last_key", "first_key"])
    >>> bool(keys[0] != 0), int(keys[1])          # a rule whose column is missing gives key 0 (none)
    (True, 0)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkgraph.match.settings import Settings
from linkgraph.store import tables as T
from linkgraph.store.schema import _q

INDEX_SCHEMA = """
CREATE TABLE IF NOT EXISTS match_keys (entity_type VARCHAR, rule INTEGER, key UBIGINT, mention_id VARCHAR);
CREATE TABLE IF NOT EXISTS match_tf (entity_type VARCHAR, column_name VARCHAR, value VARCHAR, entities BIGINT);
"""
INDEX_VERSION = "match_index"
#: Up to this many rows, keys are computed in plain Python (a lookup's few records).
SMALL = 64
#: Provenance columns kept in memory with every indexed mention (the evidence a lookup may show).
PROVENANCE = ["mention_id", "source", "agency", "classification", "file", "row", "date"]


def rules_of(settings: Settings) -> list[list[str]]:
    """The lookup rules of a type: each identifier alone, then each blocking rule."""
    return [[c] for c in settings.identifiers] + [list(r) for r in settings.blocking]


def rule_keys(frame: pd.DataFrame, rule: list[str]) -> np.ndarray:
    """The uint64 key of every row of ``frame`` for ``rule`` (0 where a column is missing or empty)."""
    n = len(frame)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    if any(col not in frame for col in rule):
        return np.zeros(n, dtype=np.uint64)
    if n <= SMALL:  # a few query records: plain Python beats pandas' per-call overhead (same keys)
        columns = [frame[col].to_numpy(dtype=object) for col in rule]
        joined = np.array(["\x1f".join(str(v) for v in vals) for vals in zip(*columns)], dtype=object)
        ok = np.array([all(v is not None and v == v and str(v) != "" for v in vals) for vals in zip(*columns)])
        keys = pd.util.hash_array(joined, categorize=False)
        keys = np.where(ok, keys, np.uint64(0)).astype(np.uint64)
        keys[ok & (keys == 0)] = 1
        return keys
    ok = np.ones(n, dtype=bool)
    parts = []
    for col in rule:
        if col not in frame:
            return np.zeros(n, dtype=np.uint64)
        s = frame[col]
        ok &= s.notna().to_numpy(dtype=bool) & (s.astype(str) != "").to_numpy(dtype=bool)
        parts.append(s.astype(str))
    joined = parts[0]
    for p in parts[1:]:
        joined = joined + "\x1f" + p
    keys = pd.util.hash_array(joined.to_numpy(dtype=object), categorize=False)
    keys = np.where(ok, keys, np.uint64(0)).astype(np.uint64)
    keys[ok & (keys == 0)] = 1  # 0 means "no key"
    return keys


def _key_rows(frame: pd.DataFrame, entity_type: str, settings: Settings) -> pd.DataFrame:
    out = []
    for r, rule in enumerate(rules_of(settings)):
        keys = rule_keys(frame, rule)
        has = keys != 0
        if has.any():
            out.append(pd.DataFrame({"entity_type": entity_type, "rule": np.int32(r), "key": keys[has],
                                     "mention_id": frame["mention_id"].to_numpy(dtype=object)[has]}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=["entity_type", "rule", "key", "mention_id"])


def _settings(con) -> dict[str, Settings]:
    """Per type, the model lookups use: the trained one when there is one, else the template."""
    return {t: trained if trained is not None else template for t, (trained, template, _) in T.models(con).items()}


def tf_columns(settings: Settings) -> list[str]:
    """The columns with a term-frequency level in ``settings``."""
    return sorted({lvl.column or c.column for c in settings.comparisons for lvl in c.levels if lvl.tf})


def _tf_rows(con, entity_type: str, settings: Settings) -> pd.DataFrame:
    have = set(T.columns(con, "mentions"))
    parts = []
    for col in tf_columns(settings):
        if col not in have:
            continue
        parts.append(T.df(con, f"SELECT ? AS entity_type, ? AS column_name, m.{_q(col)} AS value, "
                               f"count(DISTINCT e.entity_id) AS entities FROM mentions m JOIN mention_entity e "
                               f"USING (mention_id) WHERE m.entity_type = ? AND m.{_q(col)} IS NOT NULL GROUP BY 3",
                          [entity_type, col, entity_type]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _write_tf(con, types: list[str], models: dict[str, Settings]) -> None:
    for t in types:
        con.execute("DELETE FROM match_tf WHERE entity_type = ?", [t])
        if t in models:
            T.insert(con, "match_tf", _tf_rows(con, t, models[t]))


def _stamp(con) -> None:
    T.set_meta(con, INDEX_VERSION, str(T.version(con)))


def update(con, new: pd.DataFrame, types: list[str]) -> None:
    """After an ingest's results are written (same transaction): the keys of the new mentions
    ``new`` (normalized columns, ``entity_type``) and the term frequencies of ``types``."""
    con.execute(INDEX_SCHEMA)
    if T.meta(con, INDEX_VERSION) is None and con.execute("SELECT count(*) FROM mentions").fetchone()[0] > len(new):
        rebuild(con)  # a workspace written before the index: index everything once
        return
    models = _settings(con)
    for t, part in new.groupby("entity_type") if len(new) else []:
        if t in models:
            T.insert(con, "match_keys", _key_rows(part, str(t), models[str(t)]))
    _write_tf(con, sorted(set(types) | set(new["entity_type"].unique() if len(new) else [])), models)
    _stamp(con)


def recount(con, types: list[str]) -> None:
    """Term frequencies of ``types`` counted again (entities changed, mentions did not)."""
    con.execute(INDEX_SCHEMA)
    if T.meta(con, INDEX_VERSION) is None:
        return rebuild(con)
    _write_tf(con, types, _settings(con))
    _stamp(con)


def rebuild(con) -> None:
    """The whole index computed again from the stored mentions (after an erasure, a retention, a rebuild)."""
    con.execute(INDEX_SCHEMA)
    con.execute("DELETE FROM match_keys")
    con.execute("DELETE FROM match_tf")
    models = _settings(con)
    columns = T.type_columns(con)
    for t, settings in models.items():
        cols = sorted({c for rule in rules_of(settings) for c in rule} & set(columns.get(t, [])))
        if cols:
            frame = T.df(con, "SELECT mention_id, " + ", ".join(_q(c) for c in cols) +
                         " FROM mentions WHERE entity_type = ?", [t])
            T.insert(con, "match_keys", _key_rows(frame, t, settings))
    _write_tf(con, sorted(models), models)
    _stamp(con)


# ------------------------------------------------------------------------------------ in memory
@dataclass
class TypeIndex:
    """One entity type's index in memory.

    ``records``: the type's mentions (provenance, every normalized column, ``entity_id``), in
    mention-id order; ``rules``: the lookup rules; ``keys[r]`` / ``rows[r]``: rule ``r``'s keys,
    sorted, and the record row of each; ``tf``: value counts per tf column.
    """

    entity_type: str
    settings: Settings
    records: pd.DataFrame
    rules: list[list[str]]
    keys: list[np.ndarray]
    rows: list[np.ndarray]
    tf: dict[str, pd.Series]
    entity_codes: np.ndarray = field(init=False)
    entity_ids: np.ndarray = field(init=False)
    by_entity: np.ndarray = field(init=False)
    entity_start: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        codes, uniques = pd.factorize(self.records["entity_id"], use_na_sentinel=True)
        self.entity_codes = codes.astype(np.int64)
        self.entity_ids = np.asarray(uniques, dtype=object)
        self.by_entity = np.argsort(codes, kind="stable")
        sorted_codes = codes[self.by_entity]
        self.entity_start = np.searchsorted(sorted_codes, np.arange(len(uniques) + 1))

    def lookup(self, r: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query position, record row) of every record sharing rule ``r``'s key with a query key
        (key 0: none), vectorized over the queries."""
        keys = np.asarray(keys, dtype=np.uint64)
        lo = np.searchsorted(self.keys[r], keys, side="left")
        hi = np.searchsorted(self.keys[r], keys, side="right")
        hi = np.where(keys == 0, lo, hi)
        counts = hi - lo
        total = int(counts.sum())
        q = np.repeat(np.arange(len(keys)), counts)
        starts = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        return q, self.rows[r][starts + np.arange(total)]

    def refinement(self, r: int) -> tuple[np.ndarray, list[str]] | None:
        """How a resolution of these records refines blocking rule ``r`` within the type's pair
        budget (:func:`linkgraph.match.blocking.refinement_masks`): per record row, the bit mask of
        the refine keys its block is split by, and those keys; None when the rule fits (or is an
        identifier). Computed once per index (:meth:`warm`)."""
        cache = self.__dict__.setdefault("_refinement", {})
        if r not in cache:
            cache[r] = _refinement(self.records, self.rules[r], self.settings) \
                if r >= len(self.settings.identifiers) else None
        return cache[r]

    def warm(self) -> None:
        """Compute every rule's refinement now (an index load pays it, not the first lookup)."""
        for r in range(len(self.rules)):
            self.refinement(r)

    def entity_rows(self, code: int) -> np.ndarray:
        """Record rows of the entity with code ``code``."""
        return self.by_entity[self.entity_start[code]:self.entity_start[code + 1]]


def _refinement(records: pd.DataFrame, rule: list[str], settings: Settings) -> tuple[np.ndarray, list[str]] | None:
    from linkgraph.match.blocking import _group_codes, block_pair_counts, refinement_masks

    budget = settings.budget
    if any(c not in records for c in rule):
        return None
    factorized: dict = {}
    codes = _group_codes(records, rule, factorized)
    if int(block_pair_counts(codes).sum()) <= budget.pairs_per_rule:
        return None
    keys = []
    for col in budget.refine:
        if col in rule or col not in records:
            continue
        keys.append((col, pd.factorize(records[col], use_na_sentinel=True)[0]))
    masks = refinement_masks(codes, keys, budget.pairs_per_rule)
    return (masks, [k for k, _ in keys]) if masks.any() else None


@dataclass
class MatchIndex:
    """The match index of a workspace in memory: per type a :class:`TypeIndex`, and the workspace
    version it describes (``stored``: read from the index tables, else computed from the mentions)."""

    types: dict[str, TypeIndex]
    version: int
    stored: bool
    id_key: str


def load(workspace, types: list[str] | None = None) -> MatchIndex:
    """The match index of ``workspace`` (a :class:`~linkgraph.store.workspace.Workspace`) in memory."""
    with workspace._reading() as con:
        version = T.version(con)
        have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        stamp = T.meta(con, INDEX_VERSION) if "match_keys" in have else None
        stored = stamp is not None and int(stamp) == version
        models = _settings(con)
        columns = T.type_columns(con)
        present = [r[0] for r in con.execute("SELECT DISTINCT entity_type FROM mentions").fetchall()]
        out: dict[str, TypeIndex] = {}
        mention_cols = set(T.columns(con, "mentions"))
        for t in sorted(present):
            if types is not None and t not in types or t not in models:
                continue
            settings = models[t]
            cols = [c for c in columns.get(t, []) if c in mention_cols and c not in PROVENANCE]
            select = ", ".join(f"m.{_q(c)}" for c in PROVENANCE + cols)
            records = T.df(con, f"SELECT {select}, e.entity_id FROM mentions m JOIN mention_entity e "
                                f"USING (mention_id) WHERE m.entity_type = ? ORDER BY m.mention_id", [t])
            records = records.astype({c: object for c in cols if records[c].dtype != object})
            rules = rules_of(settings)
            keys, rows = [], []
            if stored:
                # record rows numbered in SQL, in the records' order (no mention id crosses to Python)
                got = T.df(con, "WITH r AS (SELECT m.mention_id, row_number() OVER (ORDER BY m.mention_id) - 1 AS pos "
                                "FROM mentions m JOIN mention_entity e USING (mention_id) WHERE m.entity_type = ?) "
                                "SELECT k.rule, k.key, r.pos FROM match_keys k JOIN r USING (mention_id) "
                                "WHERE k.entity_type = ?", [t, t])
                row = got["pos"].to_numpy(dtype=np.int64)
                rule = got["rule"].to_numpy()
                key = got["key"].to_numpy(dtype=np.uint64)
                for r in range(len(rules)):
                    sel = (rule == r) & (row >= 0)
                    keys.append(key[sel])
                    rows.append(row[sel])
                tf_rows = T.df(con, "SELECT column_name, value, entities FROM match_tf WHERE entity_type = ?", [t])
                tf = {c: g.set_index("value")["entities"].astype(float) for c, g in tf_rows.groupby("column_name")}
            else:
                for rule in rules:
                    k = rule_keys(records, rule)
                    sel = np.flatnonzero(k != 0)
                    keys.append(k[sel])
                    rows.append(sel)
                tf = _tf_memory(records, settings)
            for r in range(len(rules)):
                order = np.argsort(keys[r], kind="stable")
                keys[r], rows[r] = keys[r][order], rows[r][order].astype(np.int64)
            out[t] = TypeIndex(t, settings, records, rules, keys, rows, tf)
        id_key = T.id_key(con)
    return MatchIndex(out, version, stored, id_key)


def _tf_memory(records: pd.DataFrame, settings: Settings) -> dict[str, pd.Series]:
    out = {}
    for col in tf_columns(settings):
        if col in records:
            frame = records[["entity_id", col]].dropna().drop_duplicates()
            out[col] = frame[col].value_counts().astype(float)
    return out
