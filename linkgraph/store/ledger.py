"""The workspace's audit chain: kept in the workspace database, written in the same transaction as
the change it records, signed, and mirrored to the JSON-lines log beside the workspace.

- **One transaction.** Every write of :class:`~linkgraph.store.workspace.Workspace` appends its
  audit record to the ``audit`` table (``seq``, ``line``: the canonical JSON of the record) and
  moves the head (``meta.audit_head`` = ``SEQ:HASH``) inside the transaction that makes the
  change: a committed change without its record cannot exist, and a record of a change that did
  not commit neither. Reads (search, view...) append their record in a transaction of their own.
- **Mirror.** After the commit, the records the file lacks are appended to ``<workspace>.audit.jsonl``
  (and its ``.head`` file), under the file's lock. A crash between the commit and the mirror leaves
  the file one record behind; the next command (or ``linkgraph audit verify``) copies it from the
  database. Before any change, :meth:`Ledger.preflight` checks that the file can be appended
  (writable, complete last line, same records as the database, at most that one record behind):
  otherwise the command is refused before anything changes.
- **Signed.** Each record carries ``mac`` = HMAC-SHA-256 of the record (without ``hash`` and
  ``mac``) under the workspace's **audit key**, a random 32-byte key in a file *outside* the
  workspace folder (:func:`key_path`: ``$LINKGRAPH_KEY_DIR/<workspace id>.key``, default
  ``~/.config/linkgraph/keys/``; folder 0700, file 0600). Someone who can write the log and the
  database but cannot read the key cannot forge a record, rewrite the chain, or swap in another
  workspace's log (its records carry another key's MACs).
- **Verify.** :func:`verify_workspace` checks the file's chain and MACs, the database's chain and
  MACs, that both hold the same records, that the database head is the database's last record,
  and the head file. :func:`anchor` gives the head to copy into an external register.

Example::

    >>> import duckdb
    >>> con = duckdb.connect(); con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")  # doctest: +ELLIPSIS
    <...>
    >>> con.execute(AUDIT_SCHEMA)  # doctest: +ELLIPSIS
    <...>
    >>> led = Ledger(None, b"k" * 32)
    >>> rec = led.append_in(con, {"at": "2024-01-01T00:00:00Z", "user": "alice", "action": "ingest",
    ...                           "case_number": "PV-1", "object_ids": ["police"], "details": {}})
    >>> rec["seq"], verify_chain([rec], b"k" * 32), verify_chain([rec], b"x" * 32)[0][:23]
    (1, [], 'seq 1: signature (mac) ')
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkgraph.store.audit import (GENESIS, AuditError, _fsync_dir, _last_line, _write_head, canonical, head_path,
                                   record_hash)
from linkgraph.store.audit import verify_log as _verify_file

try:
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

AUDIT_SCHEMA = "CREATE TABLE audit (seq BIGINT, line VARCHAR);"
#: ``meta`` keys: the workspace's public id (names its key file) and the head of its audit chain.
WORKSPACE_ID = "workspace_id"
AUDIT_HEAD = "audit_head"
#: ``meta`` key: SHA-256 of the users file bound to the workspace (``<workspace>.users.yaml``).
USERS_DIGEST = "users_sha256"
#: Folder of the audit keys (default ``~/.config/linkgraph/keys``).
KEY_DIR_ENV = "LINKGRAPH_KEY_DIR"
#: Tests only: ``os._exit(137)`` at this named point of a write (see :func:`crash_point`).
CRASH_ENV = "LINKGRAPH_TEST_CRASH_AT"
CRASH_POINTS = ("before_audit", "before_commit", "after_commit", "mid_mirror", "after_mirror")


def crash_point(name: str) -> None:
    """Tests only: die here (no cleanup, like ``kill -9``) when :data:`CRASH_ENV` names this point."""
    if os.environ.get(CRASH_ENV) == name:
        os._exit(137)


def audit_path(workspace: str | Path) -> Path:
    """The audit log of a workspace: ``<workspace>.audit.jsonl`` (its head: ``….audit.jsonl.head``)."""
    return Path(str(workspace) + ".audit.jsonl")


# ------------------------------------------------------------------------------------------ keys
def key_dir() -> Path:
    return Path(os.environ.get(KEY_DIR_ENV) or Path.home() / ".config" / "linkgraph" / "keys")


def key_path(workspace_id: str) -> Path:
    """The audit key file of a workspace: ``<key dir>/<workspace id>.key`` (outside the workspace folder)."""
    if not workspace_id or not all(c in "0123456789abcdef" for c in workspace_id):
        raise AuditError("the workspace id is not a hex string: the workspace's meta table was edited")
    return key_dir() / f"{workspace_id}.key"


def create_key(workspace_id: str) -> bytes:
    """A new random key for ``workspace_id``, written 0600 in a 0700 folder; refuses to overwrite."""
    path = key_path(workspace_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        os.write(fd, key.hex().encode("ascii") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)
    return key


def load_key(workspace_id: str) -> bytes:
    """The audit key of ``workspace_id``; AuditError naming the expected file when it is missing."""
    path = key_path(workspace_id)
    try:
        text = path.read_text(encoding="ascii").strip()
        return bytes.fromhex(text)
    except FileNotFoundError:
        raise AuditError(f"the audit key of this workspace is missing: expected {path} (set {KEY_DIR_ENV} to "
                         "the folder holding it)") from None
    except (ValueError, UnicodeDecodeError):
        raise AuditError(f"{path} is not an audit key (64 hex digits)") from None
    except PermissionError:
        raise AuditError(f"{path}: permission denied (the audit key is readable by its owner only)") from None


# ---------------------------------------------------------------------------------------- records
def record_mac(record: Mapping[str, Any], key: bytes) -> str:
    body = {k: v for k, v in record.items() if k not in ("hash", "mac")}
    return hmac.new(key, canonical(body).encode("ascii"), hashlib.sha256).hexdigest()


def head_mac(head: str, key: bytes) -> str:
    """The signature of a stored head ``SEQ:HASH``: a cut chain cannot be given a valid head without the key."""
    return hmac.new(key, b"linkgraph-audit-head\x1f" + head.encode("ascii"), hashlib.sha256).hexdigest()


def seal(body: Mapping[str, Any], seq: int, prev: str, key: bytes) -> dict[str, Any]:
    """The record of ``body`` at ``seq`` after ``prev``: with its ``mac`` and then its ``hash``."""
    record = {**body, "seq": int(seq), "prev_hash": prev}
    record["mac"] = record_mac(record, key)
    record["hash"] = record_hash(record)
    return record


def verify_chain(records: list[dict[str, Any]], key: bytes | None, where: str = "") -> list[str]:
    """Problems of a list of records: seq/prev_hash chain, hash, and (with ``key``) each mac."""
    problems = []
    prev_seq, prev = 0, GENESIS
    for r in records:
        seq = r.get("seq")
        tag = f"{where}seq {seq}"
        if seq != prev_seq + 1:
            problems.append(f"{tag}: expected seq {prev_seq + 1}")
        if r.get("prev_hash") != prev:
            problems.append(f"{tag}: prev_hash does not match the previous record")
        if r.get("hash") != record_hash(r):
            problems.append(f"{tag}: hash mismatch (edited)")
        if key is not None and not hmac.compare_digest(str(r.get("mac", "")), record_mac(r, key)):
            problems.append(f"{tag}: signature (mac) does not match the workspace's audit key (forged or "
                            "from another workspace)")
        prev_seq = seq if isinstance(seq, int) else prev_seq + 1
        prev = str(r.get("hash", ""))
    return problems


# ----------------------------------------------------------------------------------------- ledger
class Ledger:
    """The audit chain of one workspace: in its database (``con``) and mirrored to ``log`` (None: no file)."""

    def __init__(self, log: Path | None, key: bytes):
        self.log = Path(log) if log is not None else None
        self.key = key

    @staticmethod
    def db_head(con) -> tuple[int, str]:
        seq, digest, _ = Ledger.signed_head(con)
        return seq, digest

    @staticmethod
    def signed_head(con) -> tuple[int, str, str]:
        """``(seq, hash, mac)`` of the head stored in the database (``(0, GENESIS, "")`` before any)."""
        row = con.execute("SELECT value FROM meta WHERE key = ?", [AUDIT_HEAD]).fetchone()
        if not row:
            return 0, GENESIS, ""
        seq, _, rest = str(row[0]).partition(":")
        digest, _, mac = rest.partition(":")
        return int(seq) if seq.isdigit() else -1, digest, mac

    def append_in(self, con, body: Mapping[str, Any]) -> dict[str, Any]:
        """Chain ``body`` (a record built by :meth:`linkgraph.store.audit.AuditLog.build`) after the
        database head, inside the caller's open transaction."""
        seq, prev = self.db_head(con)
        record = seal(body, seq + 1, prev, self.key)
        con.execute("INSERT INTO audit VALUES (?, ?)", [record["seq"], canonical(record)])
        con.execute("DELETE FROM meta WHERE key = ?", [AUDIT_HEAD])
        head = f"{record['seq']}:{record['hash']}"
        con.execute("INSERT INTO meta VALUES (?, ?)", [AUDIT_HEAD, f"{head}:{head_mac(head, self.key)}"])
        return record

    # ------------------------------------------------------------------ the file
    def _open(self) -> int:
        assert self.log is not None
        self.log.parent.mkdir(parents=True, exist_ok=True)
        try:
            return os.open(self.log, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as exc:
            raise AuditError(f"the audit log {self.log} cannot be written ({exc.strerror}): nothing was done") from None

    @staticmethod
    def _file_head(fd: int) -> tuple[int, str, bytes | None]:
        last = _last_line(fd)  # AuditError on an incomplete last line
        if last is None:
            return 0, GENESIS, None
        try:
            rec = json.loads(last)
            return int(rec["seq"]), str(rec["hash"]), last
        except (ValueError, KeyError, TypeError):
            raise AuditError("the last line of the audit log is not a record; run `linkgraph audit verify`") from None

    def _db_lines(self, con, after: int) -> list[tuple[int, str]]:
        return [(int(s), str(line)) for s, line in
                con.execute("SELECT seq, line FROM audit WHERE seq > ? ORDER BY seq", [after]).fetchall()]

    def preflight(self, con) -> None:
        """Refuse (AuditError) before any change when the log file cannot take the next record: not
        writable, an incomplete or foreign last line, or records the database does not hold. A file
        one record behind (a crash after a commit) is brought up to date first."""
        if self.log is None:
            return
        fd = self._open()
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            seq, digest, last = self._file_head(fd)
            db_seq, _ = self.db_head(con)
            if seq > db_seq:
                raise AuditError(f"the audit log holds record {seq} but the workspace's audit chain ends at {db_seq}: "
                                 "run `linkgraph audit verify`; nothing was done")
            if last is not None:
                row = con.execute("SELECT line FROM audit WHERE seq = ?", [seq]).fetchone()
                if row is None or row[0].encode("ascii") != last:
                    raise AuditError(f"record {seq} of the audit log differs from the workspace's audit chain: "
                                     "run `linkgraph audit verify`; nothing was done")
            if db_seq - seq > 1:
                raise AuditError(f"the audit log lacks records {seq + 1} to {db_seq} that the workspace holds "
                                 "(deleted or cut): run `linkgraph audit verify`; nothing was done")
            if db_seq > seq:
                self._append_lines(fd, self._db_lines(con, seq))
        finally:
            os.close(fd)

    def mirror(self, con) -> int:
        """Append the records the file lacks (after a commit); the number appended."""
        if self.log is None:
            return 0
        fd = self._open()
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            seq, _, _ = self._file_head(fd)
            lines = self._db_lines(con, seq)
            self._append_lines(fd, lines)
            return len(lines)
        finally:
            os.close(fd)

    def _append_lines(self, fd: int, lines: list[tuple[int, str]]) -> None:
        if not lines:
            return
        data = "".join(line + "\n" for _, line in lines).encode("ascii")
        crash_point("mid_mirror")
        size = os.fstat(fd).st_size
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(28, "short write")
            os.fsync(fd)
            last = json.loads(lines[-1][1])
            _write_head(head_path(self.log), last["seq"], last["hash"])
            _fsync_dir(self.log.parent)
        except OSError as exc:
            try:  # a torn line would block every later command: take it back
                os.ftruncate(fd, size)
            except OSError:  # pragma: no cover
                pass
            raise AuditError(f"the audit log {self.log} could not be written ({exc.strerror or exc})") from None


# ----------------------------------------------------------------------------------------- verify
@dataclass
class WorkspaceVerify:
    ok: bool
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    records: int = 0
    head: tuple[int, str] = (0, GENESIS)


def _parse_lines(lines: list[str], where: str, problems: list[str]) -> list[dict[str, Any]]:
    out = []
    for i, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError
            out.append(rec)
        except ValueError:
            problems.append(f"{where}line {i}: not a JSON record")
    return out


def verify_workspace(con, log: Path, key: bytes | None, *, heal: bool = True) -> WorkspaceVerify:
    """Cross-check the log file, its head file and the workspace database's audit chain (see module doc).

    ``heal``: a file exactly one record behind the database (a crash after a commit) is completed
    from the database, with a note; anything else is a problem.
    """
    problems: list[str] = []
    notes: list[str] = []
    if key is None:
        problems.append("the audit key is not available: signatures cannot be checked")
    db_rows = [(int(s), str(line)) for s, line in con.execute("SELECT seq, line FROM audit ORDER BY seq").fetchall()]
    db_records = _parse_lines([line for _, line in db_rows], "database: ", problems)
    problems += verify_chain(db_records, key, "database: ")
    for (s, line), rec in zip(db_rows, db_records):
        if rec.get("seq") != s or canonical(rec) != line:
            problems.append(f"database: seq {s}: the stored line is not the canonical form of its record")
    seq, digest, mac = Ledger.signed_head(con)
    head = (seq, digest)
    if key is not None and seq > 0 and not hmac.compare_digest(mac, head_mac(f"{seq}:{digest}", key)):
        problems.append("database: the audit head's signature does not match the workspace's audit key "
                        "(the head was rewritten)")
    last = (db_records[-1]["seq"], db_records[-1]["hash"]) if db_records else (0, GENESIS)
    if head != last:
        problems.append(f"database: the audit head {head[0]}:{head[1][:12]}… is not the last record "
                        f"{last[0]}:{str(last[1])[:12]}… (records removed or added in the database)")
    file_result = _verify_file(log)
    file_lines = log.read_bytes().decode("utf-8", "replace").splitlines() if log.exists() else []
    file_records = []
    for i, line in enumerate(file_lines, 1):
        try:
            rec = json.loads(line)
            file_records.append(rec if isinstance(rec, dict) else {})
        except ValueError:
            file_records.append({})
    behind = len(db_rows) - len(file_records)
    healed = False
    if heal and behind == 1 and file_result.ok and all(
            canonical(f) == line for f, (_, line) in zip(file_records, db_rows)) and log.parent.exists():
        Ledger(log, key or b"").mirror(con)
        notes.append(f"record {db_rows[-1][0]} was committed but not yet copied to the log file (a stop between "
                     "the commit and the copy): copied from the database")
        healed = True
        file_result = _verify_file(log)
        file_records.append(db_records[-1])
    problems += [f"log file: {p}" for p in file_result.problems]
    if file_result.ok:
        problems += [f"log file: {p}" for p in verify_chain(file_records, key)]
    for i, (f, (s, line)) in enumerate(zip(file_records, db_rows), 1):
        if canonical(f) != line:
            problems.append(f"log file: line {i}: differs from the workspace database's record seq {s}")
    if len(file_records) > len(db_rows):
        problems.append(f"log file: lines {len(db_rows) + 1} to {len(file_records)} are not in the workspace "
                        "database (forged records, or another workspace's log)")
    elif len(file_records) < len(db_rows) and not healed:
        problems.append(f"log file: records {len(file_records) + 1} to {len(db_rows)} of the workspace database are "
                        "missing from the log (deleted or cut)")
    return WorkspaceVerify(not problems, problems, notes, len(db_rows), last)


def anchor(con) -> str:
    """The head to copy into an external register: ``SEQ:HASH`` of the database's last audit record."""
    seq, digest = Ledger.db_head(con)
    return f"{seq}:{digest}"


def _workspace_of(log: Path) -> Path | None:
    text = str(log)
    return Path(text[: -len(".audit.jsonl")]) if text.endswith(".audit.jsonl") else None


def verify_path(log: str | Path, expected_head: tuple[int, str] | None = None) -> WorkspaceVerify:
    """``linkgraph audit verify``: a workspace's log (``<workspace>.audit.jsonl`` beside an existing
    workspace) is cross-checked with its database (:func:`verify_workspace`); any other log by its
    chain and head file only. ``expected_head``: an anchor kept elsewhere that must still hold."""
    import duckdb

    from linkgraph.store.audit import verify, verify_log

    log = Path(os.path.realpath(log))
    workspace = _workspace_of(log)
    if workspace is None or not workspace.exists():
        r = verify(log, expected_head=expected_head) if expected_head else verify_log(log)
        return WorkspaceVerify(r.ok, list(r.problems), [], r.records, r.head)
    con = duckdb.connect(str(workspace), read_only=True)
    try:
        wid = con.execute("SELECT value FROM meta WHERE key = ?", [WORKSPACE_ID]).fetchone()
        problems: list[str] = []
        key = None
        if wid is None:
            problems.append("the workspace has no id (its meta table was edited)")
        else:
            try:
                key = load_key(wid[0])
            except AuditError as exc:
                problems.append(str(exc))
        result = verify_workspace(con, log, key)
        result.problems = problems + [p for p in result.problems if not p.startswith("the audit key is not")]
        if expected_head is not None and expected_head[0] > 0:
            row = con.execute("SELECT line FROM audit WHERE seq = ?", [expected_head[0]]).fetchone()
            if row is None or json.loads(row[0]).get("hash") != expected_head[1]:
                result.problems.append(f"anchor {expected_head[0]}:{expected_head[1][:12]}…: that record is not in the "
                                       "workspace's audit chain any more (the chain was rewritten or cut)")
        result.ok = not result.problems
        return result
    finally:
        con.close()


def anchor_of(workspace: str | Path) -> str:
    """``SEQ:HASH  at TIME  workspace ID`` of a workspace's audit head (``linkgraph audit anchor``)."""
    import duckdb

    from linkgraph.store.audit import _utc_now

    path = Path(os.path.realpath(workspace))
    if not path.exists():
        raise AuditError(f"no workspace at {path}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        wid = con.execute("SELECT value FROM meta WHERE key = ?", [WORKSPACE_ID]).fetchone()
        return f"{anchor(con)}  at {_utc_now()}  workspace {wid[0] if wid else '?'}"
    finally:
        con.close()
