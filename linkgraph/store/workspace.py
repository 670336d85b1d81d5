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

import hashlib
import os
import secrets
import time
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pandas as pd
import yaml

from linkgraph.match.incremental import (MENTION_BASE, TypeResult, compute_types, effective_judgments, entity_rows,
                                         merge_entities, split_entity)
from linkgraph.match.pipeline import DEFAULT_RULES, _with_context
from linkgraph.match.settings import Settings, load_settings_dir
from linkgraph.sources.extract import REJECT_COLUMNS, Extraction, read_source
from linkgraph.sources.mapping import SourceMapping, load_mapping
from linkgraph.store import match_index
from linkgraph.store import tables as T
from linkgraph.store.audit import head_path, query_digest
from linkgraph.store.base import Actor, WorkspaceBase, default_actor
from linkgraph.store.erasure import erase_where, forget_models, rename_erased
from linkgraph.store.ledger import USERS_DIGEST, WORKSPACE_ID, Ledger, create_key
from linkgraph.store.reads import WorkspaceReads
from linkgraph.store.watchlists import after_ingest, check_ingest, follow_ids, has_score_watchlists
from linkgraph.store.schema import (  # noqa: F401 - re-exported: the workspace's public names
    CHANGE_COLUMNS, ENTITY_BASE, ENTITY_VALUE_COLUMNS, ID_KEY, JUDGMENT_COLUMNS, MENTION_VALUE_COLUMNS, RELATION_BASE,
    ROW_COLUMNS, SCHEMA, SCHEMA_VERSION, TABLES, TEST_PAUSE_ENV, VERDICTS, ChangeReport, IngestReport, JudgmentError,
    SourceConflict, WorkspaceBusy, WorkspaceError, WorkspaceReadOnly, new_id_key, now, settings_yaml,
)

__all__ = ["ChangeReport", "IngestReport", "JudgmentError", "SourceConflict", "Workspace", "WorkspaceBusy",
           "WorkspaceError", "WorkspaceReadOnly", "effective_judgments", "entity_rows", "TABLES", "TEST_PAUSE_ENV"]


def mapping_digest(mapping: SourceMapping) -> str:
    """SHA-256 of a mapping's content (agency, classification, fields...; not where it was read from):
    the same file under a changed mapping is not "unchanged"."""
    data = mapping.model_dump(mode="json", by_alias=True, exclude={"path"}, exclude_none=True)
    return hashlib.sha256(yaml.safe_dump(data, sort_keys=True, allow_unicode=True).encode("utf-8")).hexdigest()


def _test_pause() -> None:
    marker = os.environ.get(TEST_PAUSE_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()))
        time.sleep(600)


# --------------------------------------------------------------------------------------- workspace
class Workspace(WorkspaceReads, WorkspaceBase):
    """An embedded workspace over one DuckDB file (``path=None``: in memory, for tests and scripts)."""

    # ---------------------------------------------------------------- creation
    @classmethod
    def create(cls, path: str | Path | None = None, *, settings: dict[str, Settings] | str | Path | None = None,
               wait: float = 0.0, actor: Actor | None = None) -> "Workspace":
        """A new, empty workspace. ``settings``: matching templates by type or a folder of them
        (default ``rules/matching``); they are stored in the workspace and used for (re)training."""
        ws = cls(path, wait=wait)
        if settings is None or isinstance(settings, (str, Path)):
            settings = load_settings_dir(settings or DEFAULT_RULES)
        wid = secrets.token_hex(16)
        if ws.path is not None:
            if ws.path.exists() and ws.path.stat().st_size > 0:
                raise WorkspaceError(f"{ws.path} already exists: open it with Workspace.open")
            for leftover in (ws.audit_path, head_path(ws.audit_path)):
                if leftover.exists() and leftover.stat().st_size > 0:
                    raise WorkspaceError(f"{leftover} already exists: a workspace's audit log is never overwritten")
            ws.path.parent.mkdir(parents=True, exist_ok=True)
            ws.ledger = Ledger(ws.audit_path, create_key(wid))
        else:
            ws.ledger = Ledger(None, secrets.token_bytes(32))
        old_umask = os.umask(0o077)  # the database, its WAL, lock and audit files: owner only
        try:
            with ws._locked(preflight=False), ws._transaction(0, fresh=True) as con:
                con.execute(SCHEMA)
                con.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("schema_version", SCHEMA_VERSION), ("version", "1"), ("created_at", now()),
                    (ID_KEY, new_id_key()), (WORKSPACE_ID, wid)])
                con.executemany("INSERT INTO models VALUES (?, NULL, ?, 0, NULL)",
                                [(t, settings_yaml(s)) for t, s in sorted(settings.items())])
                ws._record(con, actor, "init", [wid], {"schema": int(SCHEMA_VERSION)})
        finally:
            os.umask(old_umask)
        if ws.path is not None:
            os.chmod(ws.path, 0o600)
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
        with ws._reading() as con:
            ws._load_ledger(con)
        return ws

    def query_digest(self, text: str) -> str:
        """The digest of a search text for the audit log: HMAC-SHA-256 under a key derived from the
        workspace's audit key (kept outside the workspace folder), so the log cannot be read back by
        trying names."""
        import hmac as _hmac

        key = _hmac.new(self.ledger.key, b"linkgraph-search-digest", hashlib.sha256).digest()
        return query_digest(text, key)

    # ---------------------------------------------------------------- users bound to the workspace
    @property
    def users_path(self) -> Path | None:
        """The workspace's users file: ``<real workspace path>.users.yaml`` (bound by its digest)."""
        return Path(str(self.path) + ".users.yaml") if self.path is not None else None

    def users_digest(self) -> str | None:
        """SHA-256 of the users file bound at ``init`` or by ``linkgraph users set`` (None: none bound)."""
        with self._reading() as con:
            return T.meta(con, USERS_DIGEST)

    def bind_users(self, source: str | Path, *, actor: Actor | None = None, wait: float | None = None) -> str:
        """Install ``source`` (checked first) as the workspace's users file and store its digest, with
        a ``manage_users`` audit record; the only way the users of a workspace change. Returns the digest."""
        from linkgraph.store.access import load_users

        if self.path is None:
            raise WorkspaceError("an in-memory workspace has no users file")
        users = load_users(source)
        data = Path(source).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        target = self.users_path
        tmp = Path(str(target) + f".{os.getpid()}.tmp")
        with self._locked(wait):
            with self._reading() as con:
                version = T.version(con)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                with self._transaction(version) as con:
                    T.set_meta(con, USERS_DIGEST, digest)
                    self._record(con, actor, "manage_users", sorted(users)[:50],
                                 {"users_sha256": digest, "users": len(users)})
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
        return digest

    # ---------------------------------------------------------------- resolving
    def _resolve(self, con, new: pd.DataFrame | None, types: list[str], mode: str, reason: str,
                 where: str = "", params: list | None = None, retrain_growth: float = 2.0,
                 retrain: bool = False, new_columns: dict[str, list[str]] | None = None,
                 timings: dict[str, float] | None = None, prior_ids: pd.Series | None = None,
                 drop_judged: set[str] = frozenset()) -> list[TypeResult]:
        """Per-type results for ``types``: new mentions (``new``, may be None) against the stored ones
        (restricted by ``where``), incrementally or in full."""
        timings = timings if timings is not None else {}
        judged = T.judgments(con)
        if drop_judged:
            judged = judged[~(judged["mention_a"].isin(drop_judged) | judged["mention_b"].isin(drop_judged))]
        judgments = effective_judgments(judged)
        taken = T.taken(con)
        models = T.models(con)
        columns = T.type_columns(con)
        loaded: dict[str, pd.DataFrame] = {}
        partial: set[str] = set()
        t0 = time.perf_counter()
        have = set(T.columns(con, "mentions"))
        for t in types:
            cols = [c for c in sorted(set(columns.get(t, [])) | set((new_columns or {}).get(t, []))) if c in have]
            trained = models.get(t, (None, None, 0))[0]
            if (mode == "incremental" and not retrain and not where and new is not None and trained is not None
                    and not trained.probabilistic and trained.identifiers and not trained.near_identifiers):
                loaded[t] = T.load_neighbourhood(con, t, cols, new[new["entity_type"] == t], trained.identifiers)
                partial.add(t)
            else:
                loaded[t] = T.load_type(con, t, cols, where, params)
        timings["load"] = timings.get("load", 0.0) + time.perf_counter() - t0
        return compute_types(loaded, new, types, mode, reason, judgments, taken, models, retrain_growth, retrain,
                             timings, T.id_key(con), partial, prior_ids)

    def ingest(self, file: str | Path | None, mapping: SourceMapping | str | Path, *, replace: bool = False,
               mode: Literal["incremental", "full"] = "incremental", wait: float | None = None,
               retrain_growth: float = 2.0, actor: Actor | None = None) -> IngestReport:
        """Ingest one file through its mapping (``file`` None: the mapping's ``file:``).

        Same content already ingested for this source: a no-op (``status='unchanged'``). Other
        content for an ingested source: :class:`SourceConflict`, unless ``replace`` (the old
        content is erased and the workspace re-resolved in full, in the same transaction).
        ``mode='full'`` re-resolves every type over all stored mentions (stored models, no EM).
        """
        return self.ingest_many([(mapping, file)], replace=replace, mode=mode, wait=wait,
                                retrain_growth=retrain_growth, actor=actor)[0]

    def ingest_many(self, specs: Iterable[tuple[SourceMapping | str | Path, str | Path | None]], *,
                    replace: bool = False, mode: Literal["incremental", "full"] = "incremental",
                    wait: float | None = None, retrain_growth: float = 2.0,
                    actor: Actor | None = None) -> list[IngestReport]:
        """Ingest several files as one batch, in one transaction (``(mapping, file)`` pairs), with
        its ``ingest`` audit record (``actor``: who and for which case; default :func:`default_actor`)."""
        start = time.perf_counter()
        timings: dict[str, float] = {}
        with self._locked(wait):
            with self._reading() as con:
                version = T.version(con)
                known = {r[0]: (r[1], r[2]) for r in
                         con.execute("SELECT source_id, sha256, mapping_sha256 FROM sources").fetchall()}
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
                digest = mapping_digest(mapping)
                if known.get(mapping.source) == (sha, digest):
                    report.status = "unchanged"
                    continue
                if mapping.source in known:
                    if not replace:
                        what = ("with another mapping (agency, classification or fields changed)"
                                if known[mapping.source][0] == sha else "from other content")
                        raise SourceConflict(f"source {mapping.source!r} was ingested {what}; erase it first "
                                             "(erase), ingest under another source id, or replace it (--replace)")
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
                user, case = actor or default_actor()
                self.audit(user, "ingest", case_number=case, object_ids=[r.source for r in reports],
                           details={"status": [r.status for r in reports]})
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
                    # what the new content holds again (same mention id) keeps its entity's id; what it
                    # holds unchanged (same values, agency, classification) keeps its judgments
                    old = T.df(con, "SELECT m.mention_id, m.raw, m.agency, m.classification, e.entity_id FROM mentions m "
                                    "LEFT JOIN mention_entity e USING (mention_id) "
                                    "WHERE m.source IN (SELECT unnest(?::VARCHAR[]))", [replaced])
                    fresh = new[["mention_id", "raw", "agency", "classification"]].astype(str)
                    again = old[old["mention_id"].isin(new["mention_id"])]
                    same = again.merge(fresh, on=["mention_id", "raw", "agency", "classification"])["mention_id"]
                    keep_links, keep_judged = list(again["mention_id"]), list(same)
                    dropped = set(old["mention_id"]) - set(keep_judged)
                    prior = again.dropna(subset=["entity_id"]).set_index("mention_id")["entity_id"]
                    results = self._resolve(con, new, types, "full", reason, where, params, retrain=True,
                                            new_columns=new_columns, timings=timings, prior_ids=prior,
                                            drop_judged=dropped)
                else:
                    types = sorted(set(stored_types) | set(new_columns)) if mode == "full" else sorted(new_columns)
                    results = self._resolve(con, new, types, mode, reason, new_columns=new_columns,
                                            retrain_growth=retrain_growth, timings=timings)
            t0 = time.perf_counter()
            with self._transaction(version) as con:
                if replaced:
                    erase_where(con, "source IN (SELECT unnest(?::VARCHAR[]))", [replaced], sources=replaced,
                                keep_judged=keep_judged, keep_links=keep_links)
                seq = con.execute("SELECT coalesce(max(seq), 0) FROM sources").fetchone()[0]
                for k, (mapping, path, sha, size, extraction, report) in enumerate(batch):
                    self._store_extraction(con, mapping, path, sha, size, extraction, seq + k + 1)
                if len(new):
                    T.insert(con, "mentions", new.assign(ord=np.arange(len(new))))
                    pairs = [(t, c) for t, cols in new_columns.items() for c in cols]
                    con.executemany("INSERT INTO mention_columns SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM "
                                    "mention_columns WHERE entity_type = ? AND column_name = ?)",
                                    [(t, c, t, c) for t, c in pairs])
                _test_pause()
                changes = T.write_results(con, results, "ingest", batch[0][0].source if len(batch) == 1 else None,
                                              replace_all=bool(replaced))
                match_index.rebuild(con) if replaced else match_index.update(con, new, [r.entity_type for r in results])
                if replaced:
                    forget_models(con)
                entities_after = con.execute("SELECT count(*) FROM entities").fetchone()[0]
                new_relations = [b[4].relations for b in batch if len(b[4].relations)]
                alerts = check_ingest(con, list(new["mention_id"]) if len(new) else [],   # watchlists: same transaction
                                      pd.concat(new_relations, ignore_index=True) if new_relations else None, changes)
                self._record(con, actor, "ingest", [r.source for r in reports], {
                    "status": [r.status for r in reports], "rows": [r.rows_in for r in reports],
                    "rejected": [r.rows_rejected for r in reports], "sha256": [r.sha256 for r in reports],
                    **({"alerts": alerts} if alerts else {})})
            if replaced:
                self._compact_or_say("replacement")  # the replaced content leaves no byte behind
            timings["write"] = time.perf_counter() - t0
        seconds = time.perf_counter() - start
        merged = int((changes["change"] == "merged").sum()) if len(changes) else 0
        split = int((changes["change"] == "split").sum()) if len(changes) else 0
        for *_, report in batch:
            report.alerts = alerts
            report.types = {r.entity_type: r.mode for r in results}
            report.mode = "full" if replaced else mode
            report.entities_before, report.entities_after = int(entities_before), int(entities_after)
            report.new_entities = int(entities_after) - int(entities_before) + merged
            report.merged, report.split = merged, split
            report.seconds = seconds
            report.timings = dict(timings)
        if has_score_watchlists(self):   # top-N and score rises: on the committed data, audited apart
            raised = after_ingest(self, actor or default_actor())
            for *_, report in batch:
                report.alerts += raised
        return reports

    def _store_extraction(self, con, mapping: SourceMapping, path: Path, sha: str, size: int,
                          extraction: Extraction, seq: int) -> None:
        rows = extraction.rows
        mapping_text = Path(mapping.path).read_text(encoding="utf-8") if mapping.path and Path(mapping.path).exists() \
            else yaml.safe_dump(mapping.model_dump(by_alias=True, exclude={"path"}, exclude_none=True), sort_keys=False,
                                allow_unicode=True)
        ok = int((rows["status"] == "ok").sum()) if len(rows) else 0
        con.execute("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                    [seq, mapping.source, mapping.agency, mapping.classification, mapping_text, mapping.path,
                     str(path), sha, size, now(), len(rows), ok, len(rows) - ok, len(extraction.mentions),
                     len(extraction.relations), mapping_digest(mapping)])
        if len(rows):
            T.insert(con, "rows", rows[[c for c in ROW_COLUMNS + ["grade"] if c in rows]])   # grade: graded sources
        if len(extraction.rejects):
            rej = extraction.rejects.copy()
            rej["row"] = pd.to_numeric(rej["row"]).astype(np.int64)
            T.insert(con, "rejects", rej[REJECT_COLUMNS])
        rel = extraction.relations
        if len(rel):
            T.insert(con, "relations", rel.assign(ord=np.arange(len(rel))))

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
                version = T.version(con)
                found = T.df(con, "SELECT m.mention_id, m.entity_type, e.entity_id FROM mentions m JOIN "
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
                                     "verdict": verdict, **clean, "at": now()}])
                judgments = effective_judgments(pd.concat([T.judgments(con), row], ignore_index=True))
                results: list[TypeResult] = []
                need = (verdict == "same" and ea != eb) or (verdict == "different" and ea == eb)
                if need:
                    columns = T.type_columns(con).get(ta, [])
                    table = T.load_type(con, ta, columns, "e.entity_id IN (?, ?)", [ea, eb])
                    models = T.models(con)
                    trained, template, _ = models.get(ta, (None, Settings(entity_type=ta), 0))
                    settings = trained if trained is not None and (trained.trained or not trained.probabilistic) \
                        else template
                    taken = T.taken(con)
                    if verdict == "same":
                        results = [merge_entities(table, ea, eb, reason)]
                    else:
                        everything = T.load_type(con, ta, columns) if settings.probabilistic and settings.trained else None
                        results = [split_entity(table, everything, ta, settings, judgments, taken, reason,
                                                T.id_key(con))]
            with self._transaction(version) as con:
                T.insert(con, "judgments", row)
                follow_ids(con, T.write_results(con, results, "judgment", None))   # watched ids follow merges
                match_index.recount(con, [r.entity_type for r in results])
                after = con.execute("SELECT count(*) FROM entities").fetchone()[0]
                self._record(con, (clean["analyst"], clean["case_number"]), "judgment", [mention_a, mention_b],
                             {"verdict": verdict, "judgment_id": int(jid)})
        changes = results[0].changes if results else pd.DataFrame(columns=["change"])
        return ChangeReport("judgment", reason, types={r.entity_type: r.mode for r in results},
                            entities_after=int(after),
                            merged=int((changes["change"] == "merged").sum()) if len(changes) else 0,
                            split=int((changes["change"] == "split").sum()) if len(changes) else 0,
                            seconds=time.perf_counter() - start)

    # ---------------------------------------------------------------- erasure
    def erase_source(self, source_id: str, reason: str, *, wait: float | None = None,
                     actor: Actor | None = None) -> ChangeReport:
        """Remove a source and everything derived from it (rows, rejects, mentions, relations,
        judgments on its mentions, the id changes its ingest caused), then re-resolve in full with
        models retrained on what remains: the result is what the remaining data give."""
        if not reason or not reason.strip():
            raise WorkspaceError("a reason is required to erase a source")
        with self._reading() as con:
            if not con.execute("SELECT count(*) FROM sources WHERE source_id = ?", [source_id]).fetchone()[0]:
                raise WorkspaceError(f"no source {source_id!r} in the workspace")
        return self._erase("erase_source", f"erasure of source '{source_id}' ({' '.join(reason.split())})",
                           "source = ?", "m.source = ?", [source_id], [source_id], wait, actor=actor)

    def apply_retention(self, before: date | datetime | str, reason: str, *, wait: float | None = None,
                        actor: Actor | None = None) -> ChangeReport:
        """Remove every row dated before ``before`` (and its mentions, relations, rejects and the
        judgments on its mentions), then re-resolve in full. Undated rows are kept."""
        if not reason or not reason.strip():
            raise WorkspaceError("a reason is required to apply retention")
        cutoff = before.date().isoformat() if isinstance(before, datetime) else \
            before.isoformat() if isinstance(before, date) else date.fromisoformat(str(before)).isoformat()
        return self._erase("retention", f"retention: rows before {cutoff} removed ({' '.join(reason.split())})",
                           "date IS NOT NULL AND date < ?", "m.date IS NOT NULL AND m.date < ?", [cutoff], [], wait,
                           cutoff=cutoff, actor=actor)

    def _erase(self, operation: str, reason: str, where: str, load_where: str, params: list, sources: list[str],
               wait: float | None, cutoff: str | None = None, actor: Actor | None = None) -> ChangeReport:
        start = time.perf_counter()
        timings: dict[str, float] = {}
        with self._locked(wait):
            with self._reading() as con:
                version = T.version(con)
                before = con.execute("SELECT count(*) FROM entities").fetchone()[0]
                erased = T.df(con, f"SELECT mention_id, entity_type FROM mentions WHERE {where}", params)
                types = [r[0] for r in con.execute("SELECT DISTINCT entity_type FROM mentions").fetchall()]
                results = self._resolve(con, None, sorted(types), "full", reason, f"NOT ({load_where})", params,
                                        retrain=True, timings=timings)
            t0 = time.perf_counter()
            with self._transaction(version) as con:
                removed = erase_where(con, where, params, sources=sources, cutoff=cutoff)
                changes = T.write_results(con, results, operation, None, replace_all=True)
                follow_ids(con, changes)
                forget_models(con)
                match_index.rebuild(con)
                renamed = rename_erased(con, set(zip(erased["entity_type"], erased["mention_id"])),
                                              operation, reason)
                after = con.execute("SELECT count(*) FROM entities").fetchone()[0]
                self._record(con, actor, "erase" if cutoff is None else "retention", sources,
                             {**({"before": cutoff} if cutoff else {}), **{k: int(v) for k, v in removed.items()}})
            self._compact_or_say("erasure")  # no erased byte left in the file
            timings["write"] = time.perf_counter() - t0
        return ChangeReport(operation, reason, removed, {r.entity_type: r.mode for r in results}, int(before), int(after),
                            int((changes["change"] == "merged").sum()) if len(changes) else 0,
                            int((changes["change"] == "split").sum()) if len(changes) else 0, renamed,
                            time.perf_counter() - start, timings)

    # ---------------------------------------------------------------- full re-resolution
    def rebuild(self, *, retrain: bool = True, settings: dict[str, Settings] | str | Path | None = None,
                wait: float | None = None, actor: Actor | None = None) -> ChangeReport:
        """Re-resolve every type over every stored mention, keeping ids where clusters overlap.

        ``retrain``: models re-estimated from the templates (EM), else the stored trained models.
        ``settings``: new templates (a folder or a dict) to store and use.
        """
        start = time.perf_counter()
        timings: dict[str, float] = {}
        reason = "full re-resolution" + (" (models retrained)" if retrain else "")
        with self._locked(wait):
            with self._reading() as con:
                version = T.version(con)
                before = con.execute("SELECT count(*) FROM entities").fetchone()[0]
                types = sorted(r[0] for r in con.execute("SELECT DISTINCT entity_type FROM mentions").fetchall())
                if settings is not None:
                    templates = load_settings_dir(settings) if isinstance(settings, (str, Path)) else settings
                    judgments = effective_judgments(T.judgments(con))
                    taken = T.taken(con)
                    models = {t: (None, templates.get(t) or Settings(entity_type=t), 0) for t in types}
                    cols = T.type_columns(con)
                    loaded = {t: T.load_type(con, t, cols.get(t, [])) for t in types}
                    results = compute_types(loaded, None, types, "full", reason, judgments, taken, models, 2.0, True,
                                            timings, T.id_key(con))
                else:
                    results = self._resolve(con, None, types, "full", reason, retrain=retrain, timings=timings)
            t0 = time.perf_counter()
            with self._transaction(version) as con:
                if settings is not None:
                    con.execute("DELETE FROM models")
                    con.executemany("INSERT INTO models VALUES (?, NULL, ?, 0, NULL)",
                                    [(t, settings_yaml(s)) for t, s in sorted(templates.items())])
                changes = T.write_results(con, results, "rebuild", None, replace_all=True)
                follow_ids(con, changes)
                match_index.rebuild(con)
                after = con.execute("SELECT count(*) FROM entities").fetchone()[0]
                self._record(con, actor, "resolve", [], {"command": "rebuild", "retrain": bool(retrain)})
            timings["write"] = time.perf_counter() - t0
        return ChangeReport("rebuild", reason, {}, {r.entity_type: r.mode for r in results}, int(before), int(after),
                            int((changes["change"] == "merged").sum()) if len(changes) else 0,
                            int((changes["change"] == "split").sum()) if len(changes) else 0, 0,
                            time.perf_counter() - start, timings)

