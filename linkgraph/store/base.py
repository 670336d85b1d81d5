"""The workspace's machinery: connections, the writer's lock, transactions that carry their audit
record, the audit of reads, the file rewrite after an erasure (see :mod:`linkgraph.store.workspace`)."""
from __future__ import annotations

import getpass
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from linkgraph.match.settings import Settings
from linkgraph.store import tables as T
from linkgraph.store.audit import AuditError, AuditLog
from linkgraph.store.ledger import WORKSPACE_ID, Ledger, audit_path, crash_point, load_key
from linkgraph.store.linger import Anchor, ask_for, withdraw
from linkgraph.store.locks import FileLock, busy_message
from linkgraph.store.schema import WorkspaceBusy, WorkspaceError, WorkspaceReadOnly

#: Who acts and for which case (written to the audit record of the change).
Actor = tuple[str, str]


def default_actor() -> Actor:
    """The actor of a library call that names none: the operating-system account, no case."""
    try:
        name = getpass.getuser()
    except Exception:  # pragma: no cover - no user name in this environment
        name = str(os.getuid())
    return f"os:{name}", "library call"


class WorkspaceBase:
    """Connections, lock, transactions and audit of one workspace file (``path=None``: in memory)."""

    def __init__(self, path: str | Path | None, *, read_only: bool = False, wait: float = 0.0,
                 read_wait: float = 30.0, settings: dict[str, Settings] | str | Path | None = None):
        # the real path: a symlink or another spelling reaches the same audit log and lock
        self.path = Path(os.path.realpath(path)) if path is not None else None
        self.read_only = read_only
        self.wait = wait
        self.read_wait = read_wait
        self._memory: duckdb.DuckDBPyConnection | None = None
        self._thread_lock = threading.RLock()
        self._default_settings = settings
        self.ledger: Ledger | None = None
        self._recorded = False
        #: called with a line while a writer waits for another (the CLI prints it)
        self.progress = None
        self._anchor: Anchor | None = None

    def linger(self, idle: float = 0.5, hold: float = 10.0) -> None:
        """Keep the database open between requests (a service answering many short calls): see
        :mod:`linkgraph.store.linger`. ``idle=0`` goes back to opening the file per operation."""
        if self._anchor is not None:
            self._anchor.drop()
        self._anchor = Anchor(self.path, idle=idle, hold=hold) if idle > 0 and self.path is not None else None

    @property
    def audit_path(self) -> Path | None:
        """The JSON-lines mirror of the audit chain: ``<real workspace path>.audit.jsonl``."""
        return audit_path(self.path) if self.path is not None else None

    def _load_ledger(self, con) -> None:
        wid = T.meta(con, WORKSPACE_ID)
        if wid is None:
            raise WorkspaceError(f"{self.path}: no workspace id (not a linkgraph workspace, or its meta table was edited)")
        self.ledger = Ledger(self.audit_path, load_key(wid))


    def close(self) -> None:
        if self._anchor is not None:
            self._anchor.drop()
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
        anchor = self._anchor
        if anchor is not None and anchor.mode() not in (None, read_only):
            anchor.drop()  # DuckDB opens a file in one mode per process
        deadline = time.monotonic() + max(wait, 0.0)
        asked = False
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.Error as exc:
                message = busy_message(exc, str(self.path))
                if message is None:
                    raise
                if not asked:  # a lingering holder lets the file go when asked
                    ask_for(self.path)
                    asked = True
                if time.monotonic() >= deadline:
                    withdraw(self.path)
                    raise WorkspaceBusy(message) from None
                time.sleep(0.1)
        if asked:
            withdraw(self.path)
        if anchor is not None:
            if anchor.held:
                anchor.touch()
            elif anchor.may_take():
                anchor.take(duckdb.connect(str(self.path), read_only=read_only), read_only)
        return con

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
    def _locked(self, wait: float | None = None, *, preflight: bool = True) -> Iterator[None]:
        """The writer's lock for a whole operation (read state, compute, write). The audit log is
        checked first (:meth:`~linkgraph.store.ledger.Ledger.preflight`): a log that cannot take the
        operation's record refuses it before anything is computed or changed."""
        if self.read_only:
            raise WorkspaceReadOnly(f"{self.path} was opened read-only")
        with self._thread_lock:
            if self.path is None:
                yield
                return
            lock = FileLock(Path(str(self.path) + ".lock"), str(self.path))
            lock.acquire(self.wait if wait is None else wait, self.progress)
            try:
                if preflight:
                    self._preflight()
                yield
            finally:
                lock.release()

    def _compact_or_say(self, what: str) -> None:
        try:
            self._compact()
        except (OSError, duckdb.Error) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WorkspaceError(f"the {what} is committed and audited, but rewriting {self.path} failed ({first}): "
                                 "the erased values may remain in the file's free space until it is rewritten "
                                 "(the next erase or retention does it); free some space first") from None

    def _compact(self) -> None:
        """Rewrite the database file so no erased byte stays in it: checkpoint (the WAL is folded in
        and removed), copy every table to a fresh file (``COPY FROM DATABASE``), fsync it and swap it
        in atomically (``os.replace``). A stop midway leaves the old file whole (the copy is removed
        at the next write). Called under the writer's lock after an erasure or retention commits."""
        if self.path is None:
            return
        anchor, self._anchor = self._anchor, None  # the file is replaced: nothing may keep the old one open
        if anchor is not None:
            anchor.drop()
        try:
            self._compact_file()
        finally:
            self._anchor = anchor

    def _compact_file(self) -> None:
        tmp = Path(str(self.path) + ".compact.tmp")
        tmp.unlink(missing_ok=True)
        old_umask = os.umask(0o077)
        try:
            con = self._connect(False, self.read_wait)
            try:
                con.execute("CHECKPOINT")
                name = con.execute("SELECT current_database()").fetchone()[0]
                con.execute(f"ATTACH '{str(tmp).replace(chr(39), chr(39) * 2)}' AS lg_fresh")
                try:
                    con.execute(f'COPY FROM DATABASE "{name}" TO lg_fresh')
                finally:
                    con.execute("DETACH lg_fresh")
            finally:
                self._release(con)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            crash_point("mid_compact")
            os.replace(tmp, self.path)
            Path(str(self.path) + ".wal").unlink(missing_ok=True)
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except BaseException:
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
            raise
        finally:
            os.umask(old_umask)

    def _owner_only(self) -> None:
        """DuckDB creates the write-ahead log with the process's umask: make it owner-only like the rest."""
        if self.path is not None:
            try:
                os.chmod(str(self.path) + ".wal", 0o600)
            except OSError:
                pass

    def _preflight(self) -> None:
        con = self._connect(False, self.read_wait)
        try:
            self.ledger.preflight(con)
        finally:
            self._release(con)

    def _record(self, con, actor: Actor | None, action: str, object_ids=(), details=None) -> dict:
        """The audit record of this transaction's change, chained in the database (same transaction)."""
        user, case = actor or default_actor()
        body = AuditLog(os.devnull, head_file=False).build(user, action, case_number=case, object_ids=object_ids,
                                                           details=details)
        crash_point("before_audit")
        record = self.ledger.append_in(con, body)
        self._recorded = True
        return record

    def audit(self, user: str, action: str, *, case_number: str, object_ids=(), details=None) -> dict:
        """Log an action that changes nothing (a search, a view, a refusal): its own transaction,
        mirrored to the log file. AuditError (and nothing logged) when the log cannot take it."""
        if self.read_only:
            raise WorkspaceReadOnly(f"{self.path} was opened read-only: actions on it cannot be audited")
        with self._thread_lock:
            if self.path is not None:
                self._preflight()
            with self._transaction(None, audited=True) as con:
                return self._record(con, (user, case_number), action, object_ids, details)

    @contextmanager
    def _transaction(self, expect_version: int | None = None, *, audited: bool = True,
                     fresh: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction, committed at the end (rolled back on any error). A change
        (``expect_version`` given) must have written its audit record (:meth:`_record`) before the
        commit; after the commit the record is copied to the log file."""
        con = self._connect(False, self.read_wait)
        try:
            con.execute("BEGIN TRANSACTION")
            self._recorded = False
            try:
                if expect_version is not None and not fresh:
                    now = int(con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0])
                    if now != expect_version:
                        raise WorkspaceBusy(f"{self.path or 'the workspace'} changed while this operation was "
                                            "computing (a writer ignored the lock); nothing was written")
                    con.execute("UPDATE meta SET value = ? WHERE key = 'version'", [str(now + 1)])
                yield con
                if audited and not self._recorded:
                    raise RuntimeError("a workspace change without its audit record")  # pragma: no cover
                crash_point("before_commit")
                con.execute("COMMIT")
            except BaseException as exc:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                if isinstance(exc, (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException,
                                    OSError)):
                    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                    raise WorkspaceError(f"{self.path or 'the workspace'} could not be written (disk full?): "
                                         f"{first}; nothing was changed") from None
                raise
            crash_point("after_commit")
            self._owner_only()
            try:
                self.ledger.mirror(con)
            except (OSError, AuditError) as exc:
                raise AuditError(f"the change is committed with its audit record in the workspace, but copying "
                                 f"that record to {self.audit_path} failed ({exc}); the next command copies "
                                 "it") from None
            crash_point("after_mirror")
        finally:
            self._release(con)

