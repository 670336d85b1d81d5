"""The workspace: one DuckDB file holding everything a cell ingested and resolved.

    ws = Workspace.create("case.lgw")                 # or Workspace.create(None): in memory
    ws.ingest("fadettes.csv", "rules/sources/fadettes.yaml")
    ws.add_judgment("police:3:suspect", "gendarmerie:17:person", "same", analyst="a.martin", case_number="2024/118")
    ws.erase_source("fadettes", reason="requisition annulled")
    ws.result()                                       # a linkgraph.match.pipeline.Resolution

Tables (see :data:`SCHEMA`; every id is text, every date an ISO string, JSON columns are text):

- ``meta``: schema version and a write counter.
- ``sources``: one row per ingested source: id, the mapping document (YAML text), the file path, its
  SHA-256, size, time of ingestion and row/mention/relation counts.
- ``rows``, ``rejects``: every record (kept or rejected) and the reject report, as
  :mod:`linkgraph.sources.extract` gives them (``attributes`` / ``record`` as JSON text).
- ``mentions``: provenance, ``raw`` (JSON text of the mapped raw values) and the normalized values
  as **wide columns**, one ``VARCHAR`` per normalized column (``first_name``, ``number``,
  ``plate_key``...), plus the person context columns ``phone`` and ``plate`` (the phone used and
  vehicle driven in the same row). A mapping that yields a new column adds it (``ALTER TABLE``
  inside the ingest transaction). ``mention_columns`` lists which columns each entity type uses.
- ``relations``: mention relations with provenance; their attributes are wide columns too
  (``start``, ``duration``, ``time``...). Entity ends are joined in at read time.
- ``mention_entity``: mention id → entity id (the resolution); ``entities``: one row per entity
  (as :func:`linkgraph.match.entities.entity_table` gives it).
- ``judgments``: analysts' verdicts (latest verdict of an unordered pair wins);
  ``id_changes``: merges, splits and renames with their reason, the operation and the time;
  ``models``: per entity type the trained settings document (YAML), the untrained template it was
  trained from, and how many mentions it was trained on.

Atomicity: every change is computed in memory first, then written in ONE DuckDB transaction
committed at the very end; a crash or ``kill -9`` before the commit leaves the previous state
(DuckDB's write-ahead log replays committed transactions only). Nothing is ever written beside
the database but the lock file. Concurrency: a writer holds an exclusive ``flock`` on
``<file>.lock`` for its whole operation (a second writer gets :class:`WorkspaceBusy` at once, or
waits ``wait`` seconds); DuckDB connections are opened per operation, so readers in other
processes can read between writes (when DuckDB's own file lock is held they retry, then raise
:class:`WorkspaceBusy`).

Incremental resolution (``ingest``): only the entity types present in the batch are resolved;
within a type, candidate pairs are those with at least one new mention (identifiers: the new
mention joins the first holder of its value; blocking rules: new mention × every mention of its
block), scored with the **stored** trained model (no EM); existing entities are kept whole (each
one is a star of unbreakable links) and only the entities touched by a kept link are
re-clustered with the new mentions under the type's constraints and the "not the same"
judgments. Term frequencies are counted once per stored entity (new mentions count alone), in one
pass. Ids stay stable; merges are recorded with the evidence that caused them. A type is
fully re-resolved (model retrained) when it has no stored entities yet, no trained model, or has
grown beyond ``retrain_growth`` times the mentions its model was trained on. ``rebuild()`` is
the full re-resolution (EM from the templates); erasure and retention end with it so that what
remains is exactly what the remaining data give.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pandas as pd
import yaml

from linkgraph.errors import LinkgraphError
from linkgraph.match.blocking import _group_codes
from linkgraph.match.cluster import ConstraintValues, Edges, cluster
from linkgraph.match.compare import Columns
from linkgraph.match.entities import MAIN_VALUES, entity_table
from linkgraph.match.ids import DEFAULT_ID_KEY, check_id_key, fresh_id, fresh_ids
from linkgraph.match.model import _groups, score
from linkgraph.match.pipeline import DEFAULT_RULES, Resolution, _judgment_positions, _with_context
from linkgraph.match.resolve_table import TableResolution, one_to_one, resolve_table
from linkgraph.match.settings import Settings, load_settings_dir, parse_settings
from linkgraph.sources.extract import REJECT_COLUMNS, Extraction, read_source
from linkgraph.sources.mapping import SourceMapping, load_mapping

SCHEMA_VERSION = "1"
#: Set to a file path (tests only): the write transaction creates it, then sleeps before committing.
TEST_PAUSE_ENV = "LINKGRAPH_WORKSPACE_TEST_PAUSE"

#: Normalized mention columns known in advance (others are added when a mapping yields them).
MENTION_VALUE_COLUMNS = [
    "first_name", "first_key", "first_phon", "last_name", "last_key", "last_phon", "names_key", "dob", "birth_year",
    "birthplace", "address", "postcode", "city", "sex", "alias", "id_number", "nationality", "phone", "plate",
    "plate_key", "plate_valid", "vin", "make", "model", "colour", "number", "imei", "name", "name_key", "siren",
    "siret", "code",
]
MENTION_BASE = ["mention_id", "source", "agency", "classification", "file", "row", "date", "entity_type", "slot", "raw"]
RELATION_BASE = ["from_mention", "to_mention", "source", "agency", "classification", "file", "row", "date", "type",
                 "from_slot", "to_slot"]
ROW_COLUMNS = ["source", "agency", "classification", "file", "row", "date", "record_id", "attributes", "status"]
ENTITY_BASE = ["entity_id", "entity_type", "label", "mentions", "sources", "agencies", "first_seen", "last_seen"]
ENTITY_VALUE_COLUMNS = sorted({c for cols in MAIN_VALUES.values() for c in cols})
JUDGMENT_COLUMNS = ["mention_a", "mention_b", "verdict", "analyst", "case_number", "justification", "at"]
CHANGE_COLUMNS = ["old_id", "new_id", "change", "mentions", "reason", "operation", "source_id", "at"]
VERDICTS = ("same", "different")
#: ``meta`` key of the workspace's secret entity-id hash key (never returned by :meth:`Workspace.table`).
ID_KEY = "id_key"


def new_id_key() -> str:
    """A random id hash key: 16 ASCII characters (64 random bits as hex)."""
    return secrets.token_hex(8)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _varchars(names: Iterable[str]) -> str:
    return ", ".join(f"{_q(c)} VARCHAR" for c in names)


SCHEMA = f"""
CREATE TABLE meta (key VARCHAR, value VARCHAR);
CREATE TABLE sources (seq BIGINT, source_id VARCHAR, agency VARCHAR, classification VARCHAR, mapping_yaml VARCHAR,
    mapping_path VARCHAR, file_path VARCHAR, sha256 VARCHAR, size_bytes BIGINT, ingested_at VARCHAR,
    rows_in BIGINT, rows_ok BIGINT, rows_rejected BIGINT, mentions BIGINT, relations BIGINT, retained_before VARCHAR);
CREATE TABLE rows (source VARCHAR, agency VARCHAR, classification VARCHAR, file VARCHAR, "row" BIGINT, date VARCHAR,
    record_id VARCHAR, attributes VARCHAR, status VARCHAR);
CREATE TABLE rejects (source VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR,
    record VARCHAR);
CREATE TABLE mentions (ord BIGINT, mention_id VARCHAR, source VARCHAR, agency VARCHAR, classification VARCHAR,
    file VARCHAR, "row" BIGINT, date VARCHAR, entity_type VARCHAR, slot VARCHAR, raw VARCHAR,
    {_varchars(MENTION_VALUE_COLUMNS)});
CREATE TABLE mention_columns (entity_type VARCHAR, column_name VARCHAR);
CREATE TABLE relations (ord BIGINT, from_mention VARCHAR, to_mention VARCHAR, source VARCHAR, agency VARCHAR,
    classification VARCHAR, file VARCHAR, "row" BIGINT, date VARCHAR, type VARCHAR, from_slot VARCHAR, to_slot VARCHAR);
CREATE TABLE mention_entity (mention_id VARCHAR, entity_id VARCHAR);
CREATE TABLE entities (entity_id VARCHAR, entity_type VARCHAR, label VARCHAR, mentions BIGINT, sources BIGINT,
    agencies VARCHAR, first_seen VARCHAR, last_seen VARCHAR, {_varchars(ENTITY_VALUE_COLUMNS)});
CREATE TABLE judgments (judgment_id BIGINT, mention_a VARCHAR, mention_b VARCHAR, verdict VARCHAR, analyst VARCHAR,
    case_number VARCHAR, justification VARCHAR, "at" VARCHAR);
CREATE TABLE id_changes (seq BIGINT, old_id VARCHAR, new_id VARCHAR, change VARCHAR, mentions BIGINT, reason VARCHAR,
    operation VARCHAR, source_id VARCHAR, "at" VARCHAR);
CREATE TABLE models (entity_type VARCHAR, settings_yaml VARCHAR, template_yaml VARCHAR, trained_mentions BIGINT,
    trained_at VARCHAR);
"""
TABLES = ["meta", "sources", "rows", "rejects", "mentions", "mention_columns", "relations", "mention_entity",
          "entities", "judgments", "id_changes", "models"]


# ------------------------------------------------------------------------------------------ errors
class WorkspaceError(LinkgraphError):
    """A workspace operation that cannot be done (the message says why)."""


class WorkspaceBusy(WorkspaceError):
    """Another process is writing to the workspace (or holds its database file open)."""


class WorkspaceReadOnly(WorkspaceError):
    """A write was asked of a workspace opened read-only."""


class SourceConflict(WorkspaceError):
    """A source id already ingested from a different file content."""


class JudgmentError(WorkspaceError, ValueError):
    """A judgment that cannot be stored."""


# ----------------------------------------------------------------------------------------- reports
@dataclass
class IngestReport:
    """What one ingested file did. ``status``: ``ingested``, ``unchanged`` (same content: nothing
    written) or ``replaced`` (the source had other content: erased and ingested again)."""

    source: str
    file: str
    sha256: str
    status: str
    rows_in: int = 0
    rows_ok: int = 0
    rows_rejected: int = 0
    mentions: int = 0
    relations: int = 0
    mode: str = ""
    types: dict[str, str] = field(default_factory=dict)  # entity type -> "incremental" | "full"
    entities_before: int = 0
    entities_after: int = 0
    new_entities: int = 0
    merged: int = 0
    split: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class ChangeReport:
    """What a judgment, an erasure, a retention run or a rebuild did."""

    operation: str
    reason: str
    removed: dict[str, int] = field(default_factory=dict)  # table -> rows removed
    types: dict[str, str] = field(default_factory=dict)
    entities_before: int = 0
    entities_after: int = 0
    merged: int = 0
    split: int = 0
    renamed: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------------- resolution core
@dataclass
class _TypeResult:
    """The new resolution of the mentions of one type that an operation touched."""

    entity_type: str
    mode: str                    # "incremental" | "full"
    assignments: pd.DataFrame    # mention_id, entity_id: every touched mention (new or re-labelled)
    old_ids: set[str]            # entity ids the touched mentions had (their entity rows are rewritten)
    entity_rows: pd.DataFrame    # rows of every entity holding a touched mention
    changes: pd.DataFrame        # id changes (CHANGE_COLUMNS but operation/source_id/at)
    model: Settings | None = None  # a newly trained model to store
    trained_mentions: int = 0
    table: tuple[pd.DataFrame, TableResolution] | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _settings_yaml(settings: Settings) -> str:
    data = settings.model_dump(exclude_none=True, exclude={"path"}, exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _settings_of(text: str, where: str) -> Settings:
    return parse_settings(yaml.safe_load(text), where)


def effective_judgments(judgments: pd.DataFrame) -> pd.DataFrame:
    """The verdicts to resolve with: the latest judgment of each unordered pair wins."""
    if judgments.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("mention_a", "mention_b", "verdict")})
    j = judgments.sort_values("judgment_id", kind="stable") if "judgment_id" in judgments else judgments
    a, b = j["mention_a"].astype(str), j["mention_b"].astype(str)
    key = np.where(a <= b, a + "\x1f" + b, b + "\x1f" + a)
    j = j.assign(_key=key).drop_duplicates("_key", keep="last")
    return j[["mention_a", "mention_b", "verdict"]].reset_index(drop=True)


def entity_rows(mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per entity (:func:`linkgraph.match.entities.entity_table`, vectorized)."""
    if mentions.empty:
        return pd.DataFrame(columns=ENTITY_BASE)
    return entity_table(mentions)


def _assign(frame: pd.DataFrame, taken: set[str], key: str | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Entity ids for clusters: ``frame`` has mention_id, entity_type, cluster, old_id (None = new).

    Like :func:`linkgraph.match.ids.assign_ids`: the cluster sharing most mentions with an old
    entity inherits its id (ties: the smaller id, then the cluster's first mention); other clusters
    get a fresh id from their first mention, never one in ``taken`` (updated in place).
    Returns the id per row of ``frame`` and the changes (old_id, new_id, change, mentions).
    """
    first = frame.sort_values(["cluster", "mention_id"], kind="stable").drop_duplicates("cluster")
    anchors = first.set_index("cluster")[["mention_id", "entity_type"]].rename(columns={"mention_id": "anchor"})
    ids = pd.Series(None, index=anchors.index, dtype=object)
    changes = pd.DataFrame(columns=["old_id", "new_id", "change", "mentions"])
    prev = frame.dropna(subset=["old_id"])
    overlap = None
    if len(prev):
        overlap = prev.groupby(["cluster", "old_id"]).size().rename("n").reset_index()
        overlap["anchor"] = anchors["anchor"].reindex(overlap["cluster"]).to_numpy()
        overlap = overlap.sort_values(["n", "old_id", "anchor"], ascending=[False, True, True], kind="stable")
        inherit = overlap.drop_duplicates("cluster").drop_duplicates("old_id")
        ids.loc[inherit["cluster"].to_numpy()] = inherit["old_id"].to_numpy()
    fresh = ids.index[ids.isna()]
    bases = fresh_ids(anchors.loc[fresh, "entity_type"], anchors.loc[fresh, "anchor"], key)
    clash = pd.Series(bases).isin(taken).to_numpy() | pd.Series(bases).duplicated().to_numpy()
    for i in np.flatnonzero(clash):  # 64-bit hashes: almost never more than none
        new, k = bases[i], 0
        while new in taken or new in bases[:i]:
            k += 1
            new = f"{bases[i]}-{k}"
        bases[i] = new
    taken.update(bases)
    ids.loc[fresh] = bases
    if overlap is not None:
        overlap["new_id"] = ids.loc[overlap["cluster"].to_numpy()].to_numpy()
        moved = overlap[overlap["old_id"] != overlap["new_id"]]
        kept = set(ids.to_numpy())
        kind = np.where(moved["old_id"].isin(kept), "split", "merged")
        changes = pd.DataFrame({"old_id": moved["old_id"].to_numpy(), "new_id": moved["new_id"].to_numpy(),
                                "change": kind, "mentions": moved["n"].to_numpy().astype(np.int64)})
    return pd.Series(ids.loc[frame["cluster"].to_numpy()].to_numpy(), index=frame.index), changes


def _constraints(settings: Settings, df: pd.DataFrame) -> list[ConstraintValues]:
    n = len(df)
    return [ConstraintValues(c.column, df[c.column].astype(object).where(df[c.column].notna(), None).to_numpy()
                             if c.column in df else np.full(n, None, dtype=object), c.tolerance)
            for c in settings.constraints]


def _pairs_touching(df: pd.DataFrame, rules: list[list[str]], is_new: np.ndarray, groups: np.ndarray | None,
                    within: bool) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs (i < j) of ``rules`` that hold at least one new record: new × its block."""
    n = len(df)
    keys = []
    for rule in rules:
        if any(c not in df.columns for c in rule):
            continue
        codes = _group_codes(df, rule)
        new_codes = np.unique(codes[is_new & (codes >= 0)])
        if len(new_codes) == 0:
            continue
        members = np.flatnonzero(np.isin(codes, new_codes))
        order = members[np.argsort(codes[members], kind="stable")]
        grp = codes[order]
        starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
        sizes = np.diff(np.r_[starts, len(order)])
        group_of = np.repeat(np.arange(len(starts)), sizes)
        at = np.flatnonzero(is_new[order])          # positions in `order` of the new records
        reps = sizes[group_of[at]]
        a = np.repeat(order[at], reps)
        offs = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
        b = order[np.repeat(starts[group_of[at]], reps) + offs]
        keep = a != b
        a, b = a[keep], b[keep]
        i, j = np.minimum(a, b), np.maximum(a, b)
        if groups is not None and not within:
            cross = groups[i] != groups[j]
            i, j = i[cross], j[cross]
        keys.append(i.astype(np.int64) * n + j)
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key = np.unique(np.concatenate(keys))
    return key // n, key % n


def _incremental_type(table: pd.DataFrame, n_old: int, settings: Settings, judgments: pd.DataFrame,
                      taken: set[str], reason: str, key: str | None = None) -> _TypeResult:
    """Resolve the new mentions of one type (rows ``n_old:`` of ``table``) against the stored ones.

    ``table``: stored mentions (with ``entity_id``) first, then the new ones (``entity_id`` None).
    """
    entity_type = str(table["entity_type"].iloc[0])
    n = len(table)
    is_new = np.arange(n) >= n_old
    old_ids = table["entity_id"].to_numpy(dtype=object)
    ent_codes, ent_uniques = pd.factorize(pd.Series(old_ids[:n_old]))
    labels = np.concatenate([ent_codes, len(ent_uniques) + np.arange(n - n_old)]).astype(np.int64)
    mention_ids = table["mention_id"].to_numpy(dtype=object)
    parts: list[Edges] = []
    details: list[np.ndarray] = []

    def add(i: np.ndarray, j: np.ndarray, weight: np.ndarray, origin: str, detail: str) -> None:
        if len(i):
            parts.append(Edges(i.astype(np.int64), j.astype(np.int64), weight, np.full(len(i), origin, dtype=object)))
            details.append(np.full(len(i), detail, dtype=object))

    same = _judgment_positions(judgments, table, "same")
    if same is not None:
        ja, jb = same
        keep = labels[ja] != labels[jb]
        add(ja[keep], jb[keep], np.full(int(keep.sum()), np.inf), "judgment", "analyst judgment")
    for col in settings.identifiers:
        if col not in table:
            continue
        codes = pd.factorize(table[col], use_na_sentinel=True)[0]
        ok = np.flatnonzero(codes >= 0)
        if not len(ok):
            continue
        first = pd.Series(ok).groupby(codes[ok]).transform("min").to_numpy()
        sel = is_new[ok] & (first != ok)
        add(first[sel], ok[sel], np.full(int(sel.sum()), np.inf), "identifier", f"same {col}")
    if settings.probabilistic and n > 1:
        groups, within = _groups(table, settings)
        i, j = _pairs_touching(table, settings.blocking, is_new, groups, within)
        if len(i):
            scored = score(settings, table, i, j, Columns(table), entities=labels)
            keep = scored.probability >= settings.threshold
            if settings.one_to_one:
                keep = one_to_one(scored.i, scored.j, scored.weight, keep)
            add(scored.i[keep], scored.j[keep], scored.weight[keep], "model", "model match")
    edges = Edges.concat(parts)
    detail = np.concatenate(details) if details else np.empty(0, dtype=object)
    touched = np.unique(labels[np.concatenate([edges.i, edges.j])]) if len(edges.i) else np.empty(0, np.int64)
    work = np.flatnonzero(np.isin(labels, touched) | is_new)
    local = np.full(n, -1, dtype=np.int64)
    local[work] = np.arange(len(work))
    # existing entities stay whole: a star of unbreakable links per touched entity
    old_work = work[work < n_old]
    star_parts = []
    if len(old_work):
        wl = labels[old_work]
        first = pd.Series(old_work).groupby(wl).transform("min").to_numpy()
        sel = first != old_work
        star_parts.append(Edges(local[first[sel]], local[old_work[sel]], np.full(int(sel.sum()), np.inf),
                                np.full(int(sel.sum()), "judgment", dtype=object)))
    new_edges = Edges(local[edges.i], local[edges.j], edges.weight, edges.origin)
    all_edges = Edges.concat([new_edges] + star_parts)
    sub = table.iloc[work].reset_index(drop=True)
    different = _judgment_positions(judgments, sub, "different")
    clustering = cluster(len(work), all_edges, _constraints(settings, sub), different)
    frame = pd.DataFrame({"mention_id": mention_ids[work], "entity_type": entity_type,
                          "cluster": clustering.labels, "old_id": old_ids[work]})
    ids, changes = _assign(frame, taken, key)
    # the evidence behind each merge: the kinds of new links used inside the merged cluster
    used = clustering.used[: len(new_edges.i)]
    why = pd.DataFrame({"cluster": clustering.labels[new_edges.i[used]], "detail": detail[used]}).drop_duplicates()
    why = why.sort_values(["cluster", "detail"]).groupby("cluster")["detail"].agg(", ".join)
    if len(changes):
        cl_of = pd.Series(frame["cluster"].to_numpy(), index=ids.to_numpy())
        cl_of = cl_of[~cl_of.index.duplicated()]
        evidence = why.reindex(cl_of.reindex(changes["new_id"]).to_numpy()).fillna("").to_numpy()
        changes["reason"] = [f"{reason}: {e}" if e else reason for e in evidence]
    result = sub.assign(entity_id=ids.to_numpy())
    moved = result["entity_id"].to_numpy() != frame["old_id"].to_numpy()
    return _TypeResult(entity_type, "incremental", result.loc[moved, ["mention_id", "entity_id"]].reset_index(drop=True),
                       set(frame["old_id"].dropna()), entity_rows(result), changes)


def _full_type(table: pd.DataFrame, settings: Settings, judgments: pd.DataFrame, taken: set[str],
               reason: str, keep_table: bool = False, key: str | None = None) -> _TypeResult:
    """Resolve every mention of one type from scratch (EM if ``settings`` is not trained), keeping
    the ids of ``table['entity_id']`` where clusters overlap them."""
    entity_type = str(table["entity_type"].iloc[0])
    table = table.sort_values("mention_id", kind="stable").reset_index(drop=True)
    old_ids = table["entity_id"].to_numpy(dtype=object)
    work = table.drop(columns=["entity_id"]).dropna(axis=1, how="all")
    res = resolve_table(work, settings, same=_judgment_positions(judgments, work, "same"),
                        different=_judgment_positions(judgments, work, "different"))
    frame = pd.DataFrame({"mention_id": table["mention_id"].to_numpy(), "entity_type": entity_type,
                          "cluster": res.labels, "old_id": old_ids})
    ids, changes = _assign(frame, taken, key)
    if len(changes):
        changes["reason"] = reason
    result = table.assign(entity_id=ids.to_numpy())
    moved = result["entity_id"].to_numpy() != old_ids
    return _TypeResult(entity_type, "full", result.loc[moved, ["mention_id", "entity_id"]].reset_index(drop=True),
                       {i for i in old_ids if i is not None}, entity_rows(result), changes, res.settings, len(table),
                       (work, res) if keep_table else None)


# ------------------------------------------------------------------------------------------- locks
class _FileLock:
    """An exclusive ``flock`` on ``<workspace>.lock`` (released by the kernel if the process dies)."""

    def __init__(self, path: Path, target: str):
        self.path, self.target = path, target
        self.fd: int | None = None

    def acquire(self, wait: float = 0.0) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = ""
                    try:
                        holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                    except OSError:
                        pass
                    os.close(fd)
                    who = f" (process {holder})" if holder.isdigit() else ""
                    raise WorkspaceBusy(f"another process{who} is writing to {self.target}; try again when it is "
                                        "done, or pass wait=SECONDS to wait for it") from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
                os.close(self.fd)
                self.fd = None


def _busy_message(exc: Exception, path: str) -> str | None:
    text = str(exc)
    if "lock" in text.lower() and ("Could not set lock" in text or "Conflicting lock" in text):
        return (f"{path} is open by another process (DuckDB allows one writing process per file): "
                f"{text.splitlines()[0]}")
    if "different configuration" in text:
        return f"{path} is already open in this process with another mode (read-only vs read-write)"
    return None


# --------------------------------------------------------------------------------------- workspace
class Workspace:
    """An embedded workspace over one DuckDB file (``path=None``: in memory, for tests and scripts)."""

    def __init__(self, path: str | Path | None, *, read_only: bool = False, wait: float = 0.0,
                 read_wait: float = 30.0, settings: dict[str, Settings] | str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self.wait = wait
        self.read_wait = read_wait
        self._memory: duckdb.DuckDBPyConnection | None = None
        self._thread_lock = threading.RLock()
        self._default_settings = settings

    # ---------------------------------------------------------------- creation
    @classmethod
    def create(cls, path: str | Path | None = None, *, settings: dict[str, Settings] | str | Path | None = None,
               wait: float = 0.0) -> "Workspace":
        """A new, empty workspace. ``settings``: matching templates by type or a folder of them
        (default ``rules/matching``); they are stored in the workspace and used for (re)training."""
        ws = cls(path, wait=wait)
        if settings is None or isinstance(settings, (str, Path)):
            settings = load_settings_dir(settings or DEFAULT_RULES)
        if ws.path is not None:
            if ws.path.exists() and ws.path.stat().st_size > 0:
                raise WorkspaceError(f"{ws.path} already exists: open it with Workspace.open")
            ws.path.parent.mkdir(parents=True, exist_ok=True)
        with ws._locked(), ws._transaction() as con:
            con.execute(SCHEMA)
            con.executemany("INSERT INTO meta VALUES (?, ?)", [("schema_version", SCHEMA_VERSION), ("version", "0"),
                                                              ("created_at", _now()), (ID_KEY, new_id_key())])
            con.executemany("INSERT INTO models VALUES (?, NULL, ?, 0, NULL)",
                            [(t, _settings_yaml(s)) for t, s in sorted(settings.items())])
        return ws

    @classmethod
    def open(cls, path: str | Path, read_only: bool = False, *, wait: float = 0.0, read_wait: float = 30.0) -> "Workspace":
        """An existing workspace. ``wait``: seconds a write waits for another writer (0: fail at
        once with WorkspaceBusy); ``read_wait``: seconds a read waits for a writer's commit."""
        p = Path(path)
        if not p.exists():
            raise WorkspaceError(f"no workspace at {p}: create it first (Workspace.create / linkgraph init)")
        ws = cls(p, read_only=read_only, wait=wait, read_wait=read_wait)
        with ws._reading() as con:
            try:
                version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            except duckdb.Error:
                version = None
        if version is None:
            raise WorkspaceError(f"{p} is not a linkgraph workspace")
        if version[0] != SCHEMA_VERSION:
            raise WorkspaceError(f"{p} has workspace schema {version[0]}, this linkgraph reads {SCHEMA_VERSION}")
        return ws

    def close(self) -> None:
        if self._memory is not None:
            self._memory.close()
            self._memory = None

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path) if self.path else ':memory:'}{', read-only' if self.read_only else ''})"

    # ---------------------------------------------------------------- connections
    def _connect(self, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
        if self.path is None:
            if self._memory is None:
                self._memory = duckdb.connect(":memory:")
            return self._memory
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.Error as exc:
                message = _busy_message(exc, str(self.path))
                if message is None:
                    raise
                if time.monotonic() >= deadline:
                    raise WorkspaceBusy(message) from None
                time.sleep(0.1)

    def _release(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.path is not None:
            con.close()

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._thread_lock:
            con = self._connect(self.read_only, self.read_wait)
            try:
                yield con
            finally:
                self._release(con)

    @contextmanager
    def _locked(self, wait: float | None = None) -> Iterator[None]:
        """The writer's lock for a whole operation (read state, compute, write)."""
        if self.read_only:
            raise WorkspaceReadOnly(f"{self.path} was opened read-only")
        with self._thread_lock:
            if self.path is None:
                yield
                return
            lock = _FileLock(Path(str(self.path) + ".lock"), str(self.path))
            lock.acquire(self.wait if wait is None else wait)
            try:
                yield
            finally:
                lock.release()

    @contextmanager
    def _transaction(self, expect_version: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction, committed at the end (rolled back on any error)."""
        con = self._connect(False, self.read_wait)
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                if expect_version is not None:
                    now = int(con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0])
                    if now != expect_version:
                        raise WorkspaceBusy(f"{self.path or 'the workspace'} changed while this operation was "
                                            "computing (a writer ignored the lock); nothing was written")
                    con.execute("UPDATE meta SET value = ? WHERE key = 'version'", [str(now + 1)])
                yield con
                con.execute("COMMIT")
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise
        finally:
            self._release(con)

    # ---------------------------------------------------------------- reading helpers
    @staticmethod
    def _id_key(con) -> str:
        """The workspace's secret id key (a workspace created before keys existed: the default key)."""
        row = con.execute("SELECT value FROM meta WHERE key = ?", [ID_KEY]).fetchone()
        return check_id_key(row[0]) if row else DEFAULT_ID_KEY

    @staticmethod
    def _version(con) -> int:
        return int(con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0])

    @staticmethod
    def _columns(con, table: str) -> list[str]:
        return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]

    @staticmethod
    def _df(con, sql: str, params: list | None = None) -> pd.DataFrame:
        return con.execute(sql, params or []).fetch_df()

    def _type_columns(self, con) -> dict[str, list[str]]:
        rows = con.execute("SELECT entity_type, column_name FROM mention_columns ORDER BY 1, 2").fetchall()
        out: dict[str, list[str]] = {}
        for t, c in rows:
            out.setdefault(t, []).append(c)
        return out

    def _load_type(self, con, entity_type: str, columns: list[str], where: str = "", params: list | None = None) -> pd.DataFrame:
        cols = ["mention_id", "entity_type", "source", "agency", "date"] + [c for c in columns if c not in
                                                                             ("mention_id", "entity_type", "source",
                                                                              "agency", "date")]
        select = ", ".join(f"m.{_q(c)}" for c in cols)
        sql = (f"SELECT {select}, e.entity_id FROM mentions m LEFT JOIN mention_entity e USING (mention_id) "
               f"WHERE m.entity_type = ? {('AND ' + where) if where else ''} ORDER BY m.mention_id")
        df = self._df(con, sql, [entity_type] + list(params or []))
        return df.astype({c: object for c in df.columns if c != "entity_id" and df[c].dtype != object})

    def _judgments(self, con) -> pd.DataFrame:
        return self._df(con, "SELECT * FROM judgments ORDER BY judgment_id")

    def _taken(self, con) -> set[str]:
        rows = con.execute("SELECT entity_id FROM entities UNION SELECT old_id FROM id_changes WHERE old_id IS NOT NULL "
                           "UNION SELECT new_id FROM id_changes WHERE new_id IS NOT NULL").fetchall()
        return {r[0] for r in rows}

    def _models(self, con) -> dict[str, tuple[Settings | None, Settings, int]]:
        out = {}
        for t, trained, template, n in con.execute(
                "SELECT entity_type, settings_yaml, template_yaml, trained_mentions FROM models").fetchall():
            out[t] = (_settings_of(trained, f"workspace:models/{t}") if trained else None,
                      _settings_of(template, f"workspace:templates/{t}") if template else Settings(entity_type=t),
                      int(n or 0))
        return out

    # ---------------------------------------------------------------- writing helpers
    @staticmethod
    def _prepare(df: pd.DataFrame) -> pd.DataFrame:
        """Object columns with NaN → None; object columns holding only numbers → float."""
        out = df.copy()
        for c in out.columns:
            s = out[c]
            if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
                kind = pd.api.types.infer_dtype(s, skipna=True)
                if kind in ("floating", "integer", "mixed-integer-float", "decimal"):
                    out[c] = pd.to_numeric(s, errors="coerce").astype(float)
                elif s.hasnans:
                    out[c] = s.astype(object).where(s.notna(), None)
        return out

    def _insert(self, con, table: str, df: pd.DataFrame) -> None:
        if df is None or df.empty:
            return
        df = self._prepare(df)
        have = set(self._columns(con, table))
        for c in df.columns:
            if c not in have:
                dtype = df[c].dtype
                sql_type = ("BIGINT" if pd.api.types.is_integer_dtype(dtype) else
                            "DOUBLE" if pd.api.types.is_float_dtype(dtype) else
                            "BOOLEAN" if pd.api.types.is_bool_dtype(dtype) else "VARCHAR")
                con.execute(f"ALTER TABLE {table} ADD COLUMN {_q(c)} {sql_type}")
        name = f"_lg_{table}"
        con.register(name, df)
        try:
            cols = ", ".join(_q(c) for c in df.columns)
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {name}")
        finally:
            con.unregister(name)

    def _delete_in(self, con, table: str, column: str, values: Iterable[str]) -> None:
        values = pd.DataFrame({"v": sorted(set(values))})
        if values.empty:
            return
        con.register("_lg_keys", values)
        try:
            con.execute(f"DELETE FROM {table} WHERE {_q(column)} IN (SELECT v FROM _lg_keys)")
        finally:
            con.unregister("_lg_keys")

    @staticmethod
    def _test_pause() -> None:
        marker = os.environ.get(TEST_PAUSE_ENV)
        if marker:
            Path(marker).write_text(str(os.getpid()))
            time.sleep(600)

    def _write_results(self, con, results: list[_TypeResult], operation: str, source_id: str | None,
                       replace_all: bool = False) -> pd.DataFrame:
        """mention_entity, entities, models and id_changes from per-type results (inside a transaction)."""
        at = _now()
        assignments = pd.concat([r.assignments for r in results], ignore_index=True) if results else pd.DataFrame()
        if replace_all:
            con.execute("DELETE FROM entities")
        if len(assignments):
            self._delete_in(con, "mention_entity", "mention_id", assignments["mention_id"])
        if len(assignments):
            self._insert(con, "mention_entity", assignments[["mention_id", "entity_id"]])
        if not replace_all:
            stale = set().union(*[r.old_ids for r in results]) if results else set()
            stale |= {i for r in results for i in r.entity_rows["entity_id"]} if results else set()
            self._delete_in(con, "entities", "entity_id", stale)
        for r in results:
            self._insert(con, "entities", r.entity_rows)
            if r.model is not None:
                con.execute("UPDATE models SET settings_yaml = ?, trained_mentions = ?, trained_at = ? "
                            "WHERE entity_type = ?", [_settings_yaml(r.model), r.trained_mentions, at, r.entity_type])
                if con.execute("SELECT count(*) FROM models WHERE entity_type = ?", [r.entity_type]).fetchone()[0] == 0:
                    con.execute("INSERT INTO models VALUES (?, ?, ?, ?, ?)",
                                [r.entity_type, _settings_yaml(r.model), _settings_yaml(Settings(entity_type=r.entity_type)),
                                 r.trained_mentions, at])
        changes = pd.concat([r.changes for r in results if len(r.changes)], ignore_index=True) \
            if any(len(r.changes) for r in results) else pd.DataFrame(columns=CHANGE_COLUMNS[:5])
        if len(changes):
            seq = con.execute("SELECT coalesce(max(seq), 0) FROM id_changes").fetchone()[0]
            changes = changes.assign(seq=np.arange(seq + 1, seq + 1 + len(changes)), operation=operation,
                                     source_id=source_id, at=at)
            self._insert(con, "id_changes", changes[["seq"] + CHANGE_COLUMNS])
        return changes

    # ---------------------------------------------------------------- resolving
    def _resolve(self, con, new: pd.DataFrame | None, types: list[str], mode: str, reason: str,
                 where: str = "", params: list | None = None, retrain_growth: float = 2.0,
                 retrain: bool = False, new_columns: dict[str, list[str]] | None = None,
                 timings: dict[str, float] | None = None) -> list[_TypeResult]:
        """Per-type results for ``types``: new mentions (``new``, may be None) against the stored ones
        (restricted by ``where``), incrementally or in full."""
        timings = timings if timings is not None else {}
        judgments = effective_judgments(self._judgments(con))
        taken = self._taken(con)
        models = self._models(con)
        columns = self._type_columns(con)
        loaded: dict[str, pd.DataFrame] = {}
        partial: set[str] = set()
        t0 = time.perf_counter()
        have = set(self._columns(con, "mentions"))
        for t in types:
            cols = [c for c in sorted(set(columns.get(t, [])) | set((new_columns or {}).get(t, []))) if c in have]
            trained = models.get(t, (None, None, 0))[0]
            if (mode == "incremental" and not retrain and not where and new is not None and trained is not None
                    and not trained.probabilistic and trained.identifiers):
                loaded[t] = self._load_neighbourhood(con, t, cols, new[new["entity_type"] == t], trained.identifiers)
                partial.add(t)
            else:
                loaded[t] = self._load_type(con, t, cols, where, params)
        timings["load"] = timings.get("load", 0.0) + time.perf_counter() - t0
        return self._compute(loaded, new, types, mode, reason, judgments, taken, models, retrain_growth, retrain,
                             timings, self._id_key(con), partial)

    def _load_neighbourhood(self, con, entity_type: str, columns: list[str], fresh: pd.DataFrame,
                            identifiers: list[str]) -> pd.DataFrame:
        """The stored mentions of every entity holding an identifier value of the new mentions ``fresh``
        (a deterministic type needs no other: identifier links are all it resolves with)."""
        values = [pd.DataFrame({"c": col, "v": fresh[col].dropna().astype(str).unique()})
                  for col in identifiers if col in fresh and col in columns]
        values = [v for v in values if len(v)]
        if not values:
            return self._load_type(con, entity_type, columns, "FALSE")
        con.register("_lg_values", pd.concat(values, ignore_index=True))
        try:
            cols = sorted({str(v["c"].iloc[0]) for v in values})
            hits = " OR ".join(f"(m2.{_q(c)} IN (SELECT v FROM _lg_values WHERE c = ?))" for c in cols)
            where = (f"e.entity_id IN (SELECT e2.entity_id FROM mentions m2 JOIN mention_entity e2 USING (mention_id) "
                     f"WHERE m2.entity_type = ? AND ({hits}))")
            return self._load_type(con, entity_type, columns, where, [entity_type, *cols])
        finally:
            con.unregister("_lg_values")

    def _compute(self, loaded, new, types, mode, reason, judgments, taken, models, retrain_growth, retrain,
                 timings, key: str | None = None, partial: set[str] = frozenset()) -> list[_TypeResult]:
        """Per-type results. ``partial``: types whose ``loaded`` table holds only the stored entities
        the new mentions can join (deterministic types in incremental mode)."""
        results = []
        for t in types:
            t0 = time.perf_counter()
            stored = loaded[t]
            fresh = new[new["entity_type"] == t] if new is not None and len(new) else None
            if fresh is not None and len(fresh):
                # one column set (the type's), one dtype (object): a cheap concatenation
                columns = list(stored.columns) + [c for c in fresh.columns if c not in stored.columns
                                                  and c not in MENTION_BASE and fresh[c].notna().any()]
                fresh = fresh.sort_values("mention_id", kind="stable").assign(entity_id=None)
                fresh = fresh.reindex(columns=columns).astype(object)
                stored = stored.reindex(columns=columns).astype(object)
                fresh = fresh.where(fresh.notna(), None)
                table = pd.concat([stored, fresh], ignore_index=True)
            else:
                table = stored.reset_index(drop=True)
            if table.empty:
                continue
            trained, template, n_trained = models.get(t, (None, Settings(entity_type=t), 0))
            grown = template.probabilistic and len(table) > retrain_growth * max(n_trained, 1)
            usable = trained is not None and (trained.trained or not trained.probabilistic)
            if t in partial and usable and not grown:
                r = _incremental_type(table, len(stored), trained, judgments, taken, reason, key)
            elif retrain or stored.empty or not usable or grown:
                why = ("model retrained" if template.probabilistic else "deterministic")
                r = _full_type(table, template, judgments, taken, f"{reason} (full re-resolution of {t}, {why})",
                               key=key)
            elif mode == "full":
                r = _full_type(table, trained, judgments, taken, f"{reason} (full re-resolution of {t}, stored model)",
                               key=key)
                r.model = None
            else:
                r = _incremental_type(table, len(stored), trained, judgments, taken, reason, key)
            results.append(r)
            timings[f"resolve {t}"] = time.perf_counter() - t0
        return results

    # ---------------------------------------------------------------- ingest
    def ingest(self, file: str | Path | None, mapping: SourceMapping | str | Path, *, replace: bool = False,
               mode: Literal["incremental", "full"] = "incremental", wait: float | None = None,
               retrain_growth: float = 2.0) -> IngestReport:
        """Ingest one file through its mapping (``file`` None: the mapping's ``file:``).

        Same content already ingested for this source: a no-op (``status='unchanged'``). Other
        content for an ingested source: :class:`SourceConflict`, unless ``replace`` (the old
        content is erased and the workspace re-resolved in full, in the same transaction).
        ``mode='full'`` re-resolves every type over all stored mentions (stored models, no EM).
        """
        return self.ingest_many([(mapping, file)], replace=replace, mode=mode, wait=wait,
                                retrain_growth=retrain_growth)[0]

    def ingest_many(self, specs: Iterable[tuple[SourceMapping | str | Path, str | Path | None]], *,
                    replace: bool = False, mode: Literal["incremental", "full"] = "incremental",
                    wait: float | None = None, retrain_growth: float = 2.0) -> list[IngestReport]:
        """Ingest several files as one batch, in one transaction (``(mapping, file)`` pairs)."""
        start = time.perf_counter()
        timings: dict[str, float] = {}
        with self._locked(wait):
            with self._reading() as con:
                version = self._version(con)
                known = {r[0]: r[1] for r in con.execute("SELECT source_id, sha256 FROM sources").fetchall()}
            reports: list[IngestReport] = []
            batch: list[tuple[SourceMapping, Path, str, int, Extraction, IngestReport]] = []
            replaced: list[str] = []
            seen: set[str] = set()
            t0 = time.perf_counter()
            for mapping, file in specs:
                mapping = mapping if isinstance(mapping, SourceMapping) else load_mapping(mapping)
                path = Path(file) if file is not None else mapping.default_file()
                if path is None:
                    raise WorkspaceError(f"{mapping.source}: no file given and the mapping has no 'file:' key")
                if mapping.source in seen:
                    raise WorkspaceError(f"source {mapping.source!r} given twice in one batch")
                seen.add(mapping.source)
                data = path.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                report = IngestReport(mapping.source, str(path), sha, "ingested", mode=mode)
                reports.append(report)
                if known.get(mapping.source) == sha:
                    report.status = "unchanged"
                    continue
                if mapping.source in known:
                    if not replace:
                        raise SourceConflict(f"source {mapping.source!r} was ingested from other content; erase it "
                                             "first (erase_source), ingest under another source id, or pass replace=True")
                    replaced.append(mapping.source)
                    report.status = "replaced"
                extraction = read_source(mapping, path)
                if hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                    raise WorkspaceError(f"{path} changed while it was being read; nothing was ingested")
                rows = extraction.rows
                report.rows_in = int(len(rows))
                report.rows_ok = int((rows["status"] == "ok").sum()) if len(rows) else 0
                report.rows_rejected = report.rows_in - report.rows_ok
                report.mentions = int(len(extraction.mentions))
                report.relations = int(len(extraction.relations))
                batch.append((mapping, path, sha, len(data), extraction, report))
            timings["read"] = time.perf_counter() - t0
            if not batch:
                return reports
            t0 = time.perf_counter()
            new = pd.concat([_with_context(b[4].mentions.copy(), b[4].relations) for b in batch if len(b[4].mentions)],
                            ignore_index=True) if any(len(b[4].mentions) for b in batch) else pd.DataFrame(columns=MENTION_BASE)
            new_columns: dict[str, list[str]] = {}
            for t, g in new.groupby("entity_type"):
                new_columns[str(t)] = [c for c in g.columns if c not in MENTION_BASE and g[c].notna().any()]
            timings["context"] = time.perf_counter() - t0
            sources = ", ".join(b[0].source for b in batch)
            reason = f"ingest of {sources}"
            with self._reading() as con:
                entities_before = con.execute("SELECT count(*) FROM entities").fetchone()[0]
                stored_types = [r[0] for r in con.execute("SELECT DISTINCT entity_type FROM mentions").fetchall()]
                if replaced:
                    where = "m.source NOT IN (SELECT unnest(?::VARCHAR[]))"
                    params = [replaced]
                    types = sorted(set(stored_types) | set(new_columns))
                    results = self._resolve(con, new, types, "full", reason, where, params, retrain=True,
                                            new_columns=new_columns, timings=timings)
                else:
                    types = sorted(set(stored_types) | set(new_columns)) if mode == "full" else sorted(new_columns)
                    results = self._resolve(con, new, types, mode, reason, new_columns=new_columns,
                                            retrain_growth=retrain_growth, timings=timings)
            t0 = time.perf_counter()
            with self._transaction(version) as con:
                if replaced:
                    self._erase_where(con, "source IN (SELECT unnest(?::VARCHAR[]))", [replaced], sources=replaced)
                seq = con.execute("SELECT coalesce(max(seq), 0) FROM sources").fetchone()[0]
                for k, (mapping, path, sha, size, extraction, report) in enumerate(batch):
                    self._store_extraction(con, mapping, path, sha, size, extraction, seq + k + 1)
                if len(new):
                    self._insert(con, "mentions", new.assign(ord=np.arange(len(new))))
                    pairs = [(t, c) for t, cols in new_columns.items() for c in cols]
                    con.executemany("INSERT INTO mention_columns SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM "
                                    "mention_columns WHERE entity_type = ? AND column_name = ?)",
                                    [(t, c, t, c) for t, c in pairs])
                self._test_pause()
                changes = self._write_results(con, results, "ingest", batch[0][0].source if len(batch) == 1 else None,
                                              replace_all=bool(replaced))
                if replaced:
                    self._forget_models(con)
                entities_after = con.execute("SELECT count(*) FROM entities").fetchone()[0]
            timings["write"] = time.perf_counter() - t0
        seconds = time.perf_counter() - start
        merged = int((changes["change"] == "merged").sum()) if len(changes) else 0
        split = int((changes["change"] == "split").sum()) if len(changes) else 0
        for *_, report in batch:
            report.types = {r.entity_type: r.mode for r in results}
            report.mode = "full" if replaced else mode
            report.entities_before, report.entities_after = int(entities_before), int(entities_after)
            report.new_entities = int(entities_after) - int(entities_before) + merged
            report.merged, report.split = merged, split
            report.seconds = seconds
            report.timings = dict(timings)
        return reports

    def _store_extraction(self, con, mapping: SourceMapping, path: Path, sha: str, size: int,
                          extraction: Extraction, seq: int) -> None:
        rows = extraction.rows
        mapping_text = Path(mapping.path).read_text(encoding="utf-8") if mapping.path and Path(mapping.path).exists() \
            else yaml.safe_dump(mapping.model_dump(by_alias=True, exclude={"path"}, exclude_none=True), sort_keys=False,
                                allow_unicode=True)
        ok = int((rows["status"] == "ok").sum()) if len(rows) else 0
        con.execute("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    [seq, mapping.source, mapping.agency, mapping.classification, mapping_text, mapping.path,
                     str(path), sha, size, _now(), len(rows), ok, len(rows) - ok, len(extraction.mentions),
                     len(extraction.relations)])
        if len(rows):
            self._insert(con, "rows", rows[[c for c in ROW_COLUMNS if c in rows]])
        if len(extraction.rejects):
            rej = extraction.rejects.copy()
            rej["row"] = pd.to_numeric(rej["row"]).astype(np.int64)
            self._insert(con, "rejects", rej[REJECT_COLUMNS])
        rel = extraction.relations
        if len(rel):
            self._insert(con, "relations", rel.assign(ord=np.arange(len(rel))))

    # ---------------------------------------------------------------- judgments
    def add_judgment(self, mention_a: str, mention_b: str, verdict: str, analyst: str, case_number: str,
                     justification: str = "", *, wait: float | None = None) -> ChangeReport:
        """Store an analyst's verdict on two mentions and re-resolve the entities it concerns.

        ``same``: the two entities are merged (the judgment wins over the model and constraints);
        ``different``: if they share an entity, that entity's mentions are re-clustered with the
        stored model and every "not the same" judgment (the part with most mentions keeps the id).
        The verdict holds on every later ingest (latest verdict of a pair wins).
        """
        start = time.perf_counter()
        if verdict not in VERDICTS:
            raise JudgmentError("verdict must be 'same' or 'different'")
        if not case_number or not str(case_number).strip():
            raise JudgmentError("case_number is required: every judgment is tied to a case")
        if not analyst or not str(analyst).strip():
            raise JudgmentError("analyst is required")
        if mention_a == mention_b:
            raise JudgmentError("a judgment needs two different mentions")
        clean = {k: " ".join(str(v).split()) for k, v in
                 {"analyst": analyst, "case_number": case_number, "justification": justification}.items()}
        reason = f"analyst judgment '{verdict}' by {clean['analyst']} (case {clean['case_number']})"
        with self._locked(wait):
            with self._reading() as con:
                version = self._version(con)
                found = self._df(con, "SELECT m.mention_id, m.entity_type, e.entity_id FROM mentions m JOIN "
                                      "mention_entity e USING (mention_id) WHERE m.mention_id IN (?, ?)",
                                 [mention_a, mention_b]).set_index("mention_id")
                if len(found) < 2:
                    raise JudgmentError("unknown mention: both mentions must be in the workspace")
                ta, tb = found.at[mention_a, "entity_type"], found.at[mention_b, "entity_type"]
                if ta != tb:
                    raise JudgmentError(f"a {ta} and a {tb} cannot be the same: judge mentions of one type")
                ea, eb = found.at[mention_a, "entity_id"], found.at[mention_b, "entity_id"]
                jid = con.execute("SELECT coalesce(max(judgment_id), 0) FROM judgments").fetchone()[0] + 1
                row = pd.DataFrame([{"judgment_id": jid, "mention_a": mention_a, "mention_b": mention_b,
                                     "verdict": verdict, **clean, "at": _now()}])
                judgments = effective_judgments(pd.concat([self._judgments(con), row], ignore_index=True))
                results: list[_TypeResult] = []
                need = (verdict == "same" and ea != eb) or (verdict == "different" and ea == eb)
                if need:
                    columns = self._type_columns(con).get(ta, [])
                    table = self._load_type(con, ta, columns, "e.entity_id IN (?, ?)", [ea, eb])
                    models = self._models(con)
                    trained, template, _ = models.get(ta, (None, Settings(entity_type=ta), 0))
                    settings = trained if trained is not None and (trained.trained or not trained.probabilistic) \
                        else template
                    taken = self._taken(con)
                    if verdict == "same":
                        results = [self._merge(table, ea, eb, reason)]
                    else:
                        results = [self._split(con, table, ta, columns, settings, judgments, taken, reason)]
            with self._transaction(version) as con:
                self._insert(con, "judgments", row)
                self._write_results(con, results, "judgment", None)
                after = con.execute("SELECT count(*) FROM entities").fetchone()[0]
        changes = results[0].changes if results else pd.DataFrame(columns=["change"])
        return ChangeReport("judgment", reason, types={r.entity_type: r.mode for r in results},
                            entities_after=int(after),
                            merged=int((changes["change"] == "merged").sum()) if len(changes) else 0,
                            split=int((changes["change"] == "split").sum()) if len(changes) else 0,
                            seconds=time.perf_counter() - start)

    @staticmethod
    def _merge(table: pd.DataFrame, ea: str, eb: str, reason: str) -> _TypeResult:
        sizes = table.groupby("entity_id").size()
        keep = sorted([ea, eb], key=lambda e: (-int(sizes.get(e, 0)), e))[0]
        gone = eb if keep == ea else ea
        result = table.assign(entity_id=keep)
        moved = table["entity_id"].to_numpy() == gone
        changes = pd.DataFrame({"old_id": [gone], "new_id": [keep], "change": ["merged"],
                                "mentions": [int(moved.sum())], "reason": [reason]})
        return _TypeResult(str(table["entity_type"].iloc[0]), "judgment",
                           result.loc[moved, ["mention_id", "entity_id"]].reset_index(drop=True), {ea, eb},
                           entity_rows(result), changes)

    def _split(self, con, table: pd.DataFrame, entity_type: str, columns: list[str], settings: Settings,
               judgments: pd.DataFrame, taken: set[str], reason: str) -> _TypeResult:
        """Re-cluster one entity's mentions: its identifier links and model matches (scored with the
        term frequencies of the whole type), every judgment, the constraints."""
        table = table.reset_index(drop=True)
        n = len(table)
        parts = []
        same = _judgment_positions(judgments, table, "same")
        if same is not None and len(same[0]):
            parts.append(Edges(same[0], same[1], np.full(len(same[0]), np.inf), np.full(len(same[0]), "judgment", dtype=object)))
        from linkgraph.match.resolve_table import identifier_edges
        parts.append(identifier_edges(table, settings.identifiers))
        if settings.probabilistic and settings.trained and n > 1:
            everything = self._load_type(con, entity_type, columns)
            inside = everything["mention_id"].isin(table["mention_id"]).to_numpy()
            pos = np.flatnonzero(inside)
            i, j = np.triu_indices(len(pos), k=1)
            ids = everything["mention_id"].to_numpy()
            labels = pd.factorize(everything["entity_id"])[0]
            scored = score(settings, everything, pos[i], pos[j], Columns(everything), entities=labels)
            keep = scored.probability >= settings.threshold
            local = pd.Series(np.arange(n), index=table["mention_id"])
            parts.append(Edges(local[ids[scored.i[keep]]].to_numpy(), local[ids[scored.j[keep]]].to_numpy(),
                               scored.weight[keep], np.full(int(keep.sum()), "model", dtype=object)))
        clustering = cluster(n, Edges.concat(parts), _constraints(settings, table),
                             _judgment_positions(judgments, table, "different"))
        frame = pd.DataFrame({"mention_id": table["mention_id"], "entity_type": entity_type,
                              "cluster": clustering.labels, "old_id": table["entity_id"]})
        ids, changes = _assign(frame, taken, self._id_key(con))
        if len(changes):
            changes["reason"] = reason
        result = table.assign(entity_id=ids.to_numpy())
        moved = result["entity_id"].to_numpy() != table["entity_id"].to_numpy()
        return _TypeResult(entity_type, "judgment", result.loc[moved, ["mention_id", "entity_id"]].reset_index(drop=True),
                           set(table["entity_id"]), entity_rows(result), changes)

    def judgments(self) -> pd.DataFrame:
        """Every stored judgment, oldest first."""
        with self._reading() as con:
            return self._judgments(con)

    # ---------------------------------------------------------------- erasure
    def erase_source(self, source_id: str, reason: str, *, wait: float | None = None) -> ChangeReport:
        """Remove a source and everything derived from it (rows, rejects, mentions, relations,
        judgments on its mentions, the id changes its ingest caused), then re-resolve in full with
        models retrained on what remains: the result is what the remaining data give."""
        if not reason or not reason.strip():
            raise WorkspaceError("a reason is required to erase a source")
        with self._reading() as con:
            if not con.execute("SELECT count(*) FROM sources WHERE source_id = ?", [source_id]).fetchone()[0]:
                raise WorkspaceError(f"no source {source_id!r} in the workspace")
        return self._erase("erase_source", f"erasure of source '{source_id}' ({' '.join(reason.split())})",
                           "source = ?", "m.source = ?", [source_id], [source_id], wait)

    def apply_retention(self, before: date | datetime | str, reason: str, *, wait: float | None = None) -> ChangeReport:
        """Remove every row dated before ``before`` (and its mentions, relations, rejects and the
        judgments on its mentions), then re-resolve in full. Undated rows are kept."""
        if not reason or not reason.strip():
            raise WorkspaceError("a reason is required to apply retention")
        cutoff = before.date().isoformat() if isinstance(before, datetime) else \
            before.isoformat() if isinstance(before, date) else date.fromisoformat(str(before)).isoformat()
        return self._erase("retention", f"retention: rows before {cutoff} removed ({' '.join(reason.split())})",
                           "date IS NOT NULL AND date < ?", "m.date IS NOT NULL AND m.date < ?", [cutoff], [], wait,
                           cutoff=cutoff)

    def _erase(self, operation: str, reason: str, where: str, load_where: str, params: list, sources: list[str],
               wait: float | None, cutoff: str | None = None) -> ChangeReport:
        start = time.perf_counter()
        timings: dict[str, float] = {}
        with self._locked(wait):
            with self._reading() as con:
                version = self._version(con)
                before = con.execute("SELECT count(*) FROM entities").fetchone()[0]
                erased = self._df(con, f"SELECT mention_id, entity_type FROM mentions WHERE {where}", params)
                types = [r[0] for r in con.execute("SELECT DISTINCT entity_type FROM mentions").fetchall()]
                results = self._resolve(con, None, sorted(types), "full", reason, f"NOT ({load_where})", params,
                                        retrain=True, timings=timings)
            t0 = time.perf_counter()
            with self._transaction(version) as con:
                removed = self._erase_where(con, where, params, sources=sources, cutoff=cutoff)
                changes = self._write_results(con, results, operation, None, replace_all=True)
                self._forget_models(con)
                renamed = self._rename_erased(con, results, set(zip(erased["entity_type"], erased["mention_id"])),
                                              operation, reason)
                after = con.execute("SELECT count(*) FROM entities").fetchone()[0]
            timings["write"] = time.perf_counter() - t0
        return ChangeReport(operation, reason, removed, {r.entity_type: r.mode for r in results}, int(before), int(after),
                            int((changes["change"] == "merged").sum()) if len(changes) else 0,
                            int((changes["change"] == "split").sum()) if len(changes) else 0, renamed,
                            time.perf_counter() - start, timings)

    @staticmethod
    def _forget_models(con) -> None:
        """A type with no mention left keeps its template only: no model trained on erased data."""
        con.execute("UPDATE models SET settings_yaml = NULL, trained_mentions = 0, trained_at = NULL "
                    "WHERE entity_type NOT IN (SELECT DISTINCT entity_type FROM mentions)")

    def _erase_where(self, con, where: str, params: list, sources: list[str], cutoff: str | None = None) -> dict[str, int]:
        """Delete the rows matching ``where`` and everything derived from them (in the open transaction)."""
        removed: dict[str, int] = {}
        con.execute(f"CREATE TEMP TABLE _lg_gone AS SELECT mention_id FROM mentions WHERE {where}", params)
        try:
            removed["judgments"] = con.execute(
                "DELETE FROM judgments WHERE mention_a IN (SELECT mention_id FROM _lg_gone) "
                "OR mention_b IN (SELECT mention_id FROM _lg_gone)").fetchone()[0]
            removed["mention_entity"] = con.execute(
                "DELETE FROM mention_entity WHERE mention_id IN (SELECT mention_id FROM _lg_gone)").fetchone()[0]
        finally:
            con.execute("DROP TABLE _lg_gone")
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

    def _rename_erased(self, con, results: list[_TypeResult], erased: set[tuple[str, str]], operation: str,
                       reason: str = "") -> int:
        """Entity ids derived from an erased mention (``fresh_id(type, mention)``) are re-derived from
        the remaining mentions, and id changes naming them are dropped: no id keeps a trace."""
        if not erased:
            return 0
        key = self._id_key(con)
        derived = set(fresh_ids([t for t, _ in erased], [m for _, m in erased], key))
        current = self._df(con, "SELECT entity_id, entity_type FROM entities")
        base = current["entity_id"].str.split("-").str[:2].str.join("-")
        bad = current[base.isin(derived)]
        old_changes = self._df(con, "SELECT seq, old_id, new_id FROM id_changes")
        stale = [int(s) for s, o, n in zip(old_changes["seq"], old_changes["old_id"], old_changes["new_id"])
                 if ("-".join(str(o).split("-")[:2]) in derived) or ("-".join(str(n).split("-")[:2]) in derived)]
        if stale:
            con.register("_lg_seq", pd.DataFrame({"s": stale}))
            con.execute("DELETE FROM id_changes WHERE seq IN (SELECT s FROM _lg_seq)")
            con.unregister("_lg_seq")
        if bad.empty:
            return 0
        taken = self._taken(con) | derived
        members = self._df(con, "SELECT e.entity_id, e.mention_id FROM mention_entity e WHERE e.entity_id IN "
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
                            "operation": operation, "source_id": None, "at": _now()})
        self._insert(con, "id_changes", log.astype({"old_id": object, "mentions": object}))
        return len(frame)

    # ---------------------------------------------------------------- full re-resolution
    def rebuild(self, *, retrain: bool = True, settings: dict[str, Settings] | str | Path | None = None,
                wait: float | None = None) -> ChangeReport:
        """Re-resolve every type over every stored mention, keeping ids where clusters overlap.

        ``retrain``: models re-estimated from the templates (EM), else the stored trained models.
        ``settings``: new templates (a folder or a dict) to store and use.
        """
        start = time.perf_counter()
        timings: dict[str, float] = {}
        reason = "full re-resolution" + (" (models retrained)" if retrain else "")
        with self._locked(wait):
            with self._reading() as con:
                version = self._version(con)
                before = con.execute("SELECT count(*) FROM entities").fetchone()[0]
                types = sorted(r[0] for r in con.execute("SELECT DISTINCT entity_type FROM mentions").fetchall())
                if settings is not None:
                    templates = load_settings_dir(settings) if isinstance(settings, (str, Path)) else settings
                    judgments = effective_judgments(self._judgments(con))
                    taken = self._taken(con)
                    models = {t: (None, templates.get(t) or Settings(entity_type=t), 0) for t in types}
                    cols = self._type_columns(con)
                    loaded = {t: self._load_type(con, t, cols.get(t, [])) for t in types}
                    results = self._compute(loaded, None, types, "full", reason, judgments, taken, models, 2.0, True,
                                            timings, self._id_key(con))
                else:
                    results = self._resolve(con, None, types, "full", reason, retrain=retrain, timings=timings)
            t0 = time.perf_counter()
            with self._transaction(version) as con:
                if settings is not None:
                    con.execute("DELETE FROM models")
                    con.executemany("INSERT INTO models VALUES (?, NULL, ?, 0, NULL)",
                                    [(t, _settings_yaml(s)) for t, s in sorted(templates.items())])
                changes = self._write_results(con, results, "rebuild", None, replace_all=True)
                after = con.execute("SELECT count(*) FROM entities").fetchone()[0]
            timings["write"] = time.perf_counter() - t0
        return ChangeReport("rebuild", reason, {}, {r.entity_type: r.mode for r in results}, int(before), int(after),
                            int((changes["change"] == "merged").sum()) if len(changes) else 0,
                            int((changes["change"] == "split").sum()) if len(changes) else 0, 0,
                            time.perf_counter() - start, timings)

    # ---------------------------------------------------------------- reading
    def sources(self) -> pd.DataFrame:
        with self._reading() as con:
            return self._df(con, "SELECT * EXCLUDE (mapping_yaml) FROM sources ORDER BY seq")

    def view_key(self) -> str:
        """The id key of the parts a user view splits off (:func:`linkgraph.store.view.view_key`):
        derived one-way from the secret id key, which itself never leaves the workspace."""
        from linkgraph.store.view import view_key

        with self._reading() as con:
            return view_key(self._id_key(con))

    def id_changes(self) -> pd.DataFrame:
        with self._reading() as con:
            return self._df(con, "SELECT * FROM id_changes ORDER BY seq")

    def models(self) -> dict[str, Settings]:
        """The trained model of each type (the template where none was trained yet)."""
        with self._reading() as con:
            return {t: trained or template for t, (trained, template, _) in self._models(con).items()}

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        with self._reading() as con:
            return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}

    def table(self, name: str) -> pd.DataFrame:
        """One stored table as is (for inspection and tests)."""
        if name not in TABLES:
            raise WorkspaceError(f"no table {name!r}; tables: {', '.join(TABLES)}")
        with self._reading() as con:
            if name == "meta":  # the id key stays inside the workspace
                return self._df(con, "SELECT * FROM meta WHERE key <> ?", [ID_KEY])
            return self._df(con, f"SELECT * FROM {name}")

    def mention_entities(self) -> pd.DataFrame:
        """mention_id → entity_id (the table :func:`linkgraph.mention_table` gives for a resolution)."""
        with self._reading() as con:
            return self._df(con, "SELECT mention_id, entity_id FROM mention_entity ORDER BY mention_id")

    def result(self, *, tables: bool = False) -> Resolution:
        """The workspace as a :class:`~linkgraph.match.pipeline.Resolution` (mentions with entity ids and
        provenance, entities, relations lifted to entities, rows, rejects, id changes, models), for the
        scoring, charts, exports and the explorer. ``tables=True`` also re-scores each type with its
        stored model (no EM) so that ``explain_pair`` and ``why`` work; it costs a resolution."""
        with self._reading() as con:
            mentions = self._df(con, """SELECT m.mention_id, e.entity_id, m.* EXCLUDE (ord, mention_id)
                FROM mentions m JOIN mention_entity e USING (mention_id) JOIN sources s ON s.source_id = m.source
                ORDER BY s.seq, m.ord""")
            entities = self._df(con, "SELECT * FROM entities ORDER BY entity_id")
            relations = self._df(con, """SELECT r.from_mention, r.to_mention, a.entity_id AS from_entity,
                b.entity_id AS to_entity, r.* EXCLUDE (ord, from_mention, to_mention)
                FROM relations r JOIN sources s ON s.source_id = r.source
                LEFT JOIN mention_entity a ON a.mention_id = r.from_mention
                LEFT JOIN mention_entity b ON b.mention_id = r.to_mention ORDER BY s.seq, r.ord""")
            rows = self._df(con, "SELECT r.* FROM rows r JOIN sources s ON s.source_id = r.source ORDER BY s.seq, r.\"row\"")
            rejects = self._df(con, "SELECT r.* FROM rejects r JOIN sources s ON s.source_id = r.source "
                                    "ORDER BY s.seq, r.\"row\", r.\"column\"")
            changes = self._df(con, "SELECT old_id, new_id, change, mentions, reason, operation, \"at\" FROM id_changes "
                                    "ORDER BY seq")
            models = {t: trained or template for t, (trained, template, _) in self._models(con).items()}
            judgments = effective_judgments(self._judgments(con))
        value_cols = [c for c in mentions.columns if c not in MENTION_BASE and c != "entity_id"]
        mentions = mentions.drop(columns=[c for c in value_cols if mentions[c].isna().all()])
        mentions = mentions.astype({c: object for c in mentions.columns if mentions[c].dtype != object and c != "row"})
        entity_values = [c for c in entities.columns if c not in ENTITY_BASE]
        entities = entities.drop(columns=[c for c in entity_values if entities[c].isna().all()])
        rel_attrs = [c for c in relations.columns if c not in RELATION_BASE + ["from_entity", "to_entity"]]
        relations = relations.drop(columns=[c for c in rel_attrs if relations[c].isna().all()])
        used = set(mentions["entity_type"].unique()) if len(mentions) else set()
        models = {t: s for t, s in models.items() if t in used}
        result_tables: dict[str, tuple[pd.DataFrame, TableResolution]] = {}
        if tables:
            for t in sorted(used):
                table = mentions[mentions["entity_type"] == t].dropna(axis=1, how="all")
                table = table.drop(columns=["entity_id"]).sort_values("mention_id", kind="stable").reset_index(drop=True)
                res = resolve_table(table, models[t], same=_judgment_positions(judgments, table, "same"),
                                    different=_judgment_positions(judgments, table, "different"))
                result_tables[t] = (table, res)
        return Resolution(mentions, entities, relations, rows, rejects, changes, models, result_tables)
