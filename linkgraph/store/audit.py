"""The audit log: who did what, when, on which objects, and for which case (append-only, hash-chained).

EU Directive 2016/680 art. 25 (and the CNIL's guidance on logging) asks for a log of every
*collection* (``ingest``), *alteration* (``resolve``, ``split``), *consultation* (``search``,
``view``, ``chart``, ``score``), *disclosure* (``export``), *combination* (``merge``,
``judgment``) and *erasure* (``erase``, ``retention``) with who, when, and the justification.
This module keeps that log as a JSON-lines file, one record per line::

    {"action":"view","at":"2024-05-02T09:14:03.123456Z","case_number":"PV-2024-0042",
     "details":{"depth":2},"hash":"9c1…","object_ids":["P-3f9a1c2b7d"],"prev_hash":"5e0…",
     "seq":17,"user":"alice"}

- **What, not content**: a record holds ids (entity, mention, source, edge ids) and short codes or
  numbers in ``details``, never names or free text: a string longer than :data:`MAX_VALUE`
  characters is refused, and so is a nested structure. To log *that* a name was searched without
  writing the name, log :func:`query_digest` of it.
- **Justification**: ``case_number`` is mandatory; an empty one (after stripping) is refused.
- **No log forging**: every string is stripped of control characters (CR, LF, tab, NUL, C1),
  format characters (bidi overrides, zero-width) and line/paragraph separators before it is
  hashed and written, so one record is always one line and reads the way it was written.
- **Hash chain**: records carry ``seq`` (1, 2, 3…), ``prev_hash`` (the previous record's ``hash``,
  :data:`GENESIS` for the first) and ``hash`` = SHA-256 of the canonical JSON of the record without
  ``hash`` (sorted keys, separators ``(",", ":")``, ASCII). The line on disk is the canonical JSON
  of the whole record. :func:`verify` finds an edited line (hash mismatch), a deleted, inserted or
  moved line (``seq`` gap, ``prev_hash`` mismatch) and, given an anchor kept elsewhere
  (:meth:`AuditLog.head`, e.g. stored in the workspace database after each append), lines cut
  from the end or a rewritten chain. :class:`AuditLog` keeps that anchor itself in the head file
  ``<log>.head`` (``SEQ:HASH``, replaced atomically under the log's lock at each append), and
  :func:`verify_log` (``linkgraph audit verify``) checks the log against it.
- **Concurrent writers**: each append opens the file with ``O_APPEND``, takes an exclusive
  ``fcntl.flock``, reads the last record, writes the new line in one ``write`` and ``fsync``\\ s
  before unlocking; processes and threads can append at the same time.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

try:  # POSIX only; the explorer and the CLI run on Linux
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

from linkgraph.errors import LinkgraphError

#: What can be logged. ``manage_users`` (an admin changing users or roles) is an alteration too.
ACTIONS: tuple[str, ...] = (
    "ingest", "resolve", "merge", "split", "judgment", "search", "view", "chart", "export", "erase",
    "retention", "login", "access_denied", "score", "manage_users", "init",
    "match", "deconflict", "watch", "alerts",  # issue 17: real-time lookup, blind deconfliction
)
#: ``prev_hash`` of the first record.
GENESIS = "0" * 64
#: Longest string accepted in a field (ids, codes): longer looks like content and is refused.
MAX_VALUE = 200
#: The fields of a record, in the order they are documented.
FIELDS = ("seq", "at", "user", "action", "case_number", "object_ids", "details", "prev_hash", "hash")

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_STRIP_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


class AuditError(LinkgraphError, ValueError):
    """A record that cannot be logged (the message says which field, without echoing its value),
    or a log that cannot be appended to."""


@dataclass
class VerifyResult:
    """The outcome of :func:`verify`: ``ok`` when no problem was found; ``problems`` name the line."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    records: int = 0
    head: tuple[int, str] = (0, GENESIS)

    def __bool__(self) -> bool:
        return self.ok


# --------------------------------------------------------------------------------------------------
# record building


def clean(text: Any) -> str:
    """``text`` as a string with every control, format and line-separator character removed and
    surrounding blanks stripped (so that it can never start a new line or hide another one)."""
    text = str(text)
    if text.isprintable():  # fast path: nothing to remove (isprintable is False for Cc/Cf/Zl/Zp)
        return text.strip()
    return "".join(ch for ch in text if unicodedata.category(ch) not in _STRIP_CATEGORIES).strip()


def query_digest(text: str, key: bytes | None = None) -> str:
    """A digest of a search text to log instead of the text (``sha256:…``; HMAC-SHA-256 with ``key``).

    The text is case-folded and its blanks collapsed first, so the same query gives the same digest;
    an auditor can later check whether a given name was searched by computing its digest.
    """
    norm = " ".join(clean(text).casefold().split()).encode("utf-8")
    if key:
        return "hmac-sha256:" + hmac.new(key, norm, hashlib.sha256).hexdigest()
    return "sha256:" + hashlib.sha256(norm).hexdigest()


def _short(value: Any, what: str, *, required: bool = False) -> str:
    text = clean(value)
    if required and not text:
        raise AuditError(f"{what} is required and must not be empty")
    if len(text) > MAX_VALUE:
        raise AuditError(f"{what} is longer than {MAX_VALUE} characters: ids and codes only, no content")
    return text


def _scalar(value: Any, what: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AuditError(f"{what} must be a finite number")
        return float(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return _scalar(value.item(), what)
    if isinstance(value, str):
        return _short(value, what)
    raise AuditError(f"{what} must be an id, a number or a short code, not {type(value).__name__}")


def _details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise AuditError("details must be a mapping of short keys to ids, numbers or short codes")
    out: dict[str, Any] = {}
    for key, value in details.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise AuditError("details keys must be lower-case identifiers (a-z, 0-9, _; at most 64)")
        what = f"details.{key}"
        if isinstance(value, (list, tuple, set, frozenset)):
            items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
            out[key] = [_scalar(v, what) for v in items]  # a nested list or mapping is refused there
        elif isinstance(value, Mapping):
            raise AuditError(f"{what} must be an id, a number, a short code or a list of them, not a mapping")
        else:
            out[key] = _scalar(value, what)
    return out


def _object_ids(object_ids: Iterable[Any] | str | None) -> list[str]:
    if object_ids is None:
        return []
    if isinstance(object_ids, (str, int)):
        object_ids = (object_ids,)
    ids = [_short(i, "object_ids") for i in object_ids]
    return [i for i in ids if i]


def canonical(record: Mapping[str, Any]) -> str:
    """The canonical JSON of a record: sorted keys, no blanks, ASCII only (one line, always)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``record`` without its ``hash`` field."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body).encode("ascii")).hexdigest()


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


# --------------------------------------------------------------------------------------------------
# the file


def _last_line(fd: int) -> bytes | None:
    """The last complete line of the file open as ``fd`` (without its newline), None when empty.

    Raises AuditError when the file does not end with a newline (a torn write: a human must look).
    """
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    end = os.pread(fd, 1, size - 1)
    if end != b"\n":
        raise AuditError("the audit log ends with an incomplete line; run `linkgraph audit verify`")
    pos, buf = size - 1, b""  # read backwards from the final newline (excluded)
    while pos > 0:
        start = max(0, pos - 4096)
        buf = os.pread(fd, pos - start, start) + buf
        pos = start
        cut = buf.rfind(b"\n")
        if cut >= 0:
            return buf[cut + 1:]
    return buf


class AuditLog:
    """An append-only, hash-chained audit log in the JSON-lines file ``path`` (created on first append).

    ``clock`` returns the UTC ISO timestamp of a record (tests pass a fixed one). Each append also
    rewrites the **head file** :func:`head_path` (``<log>.head``: ``SEQ:HASH`` of the last record,
    replaced atomically under the log's lock), the anchor :func:`verify_log` checks so that lines
    cut from the end are found; ``head_file=False`` keeps no head file.
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], str] | None = None, head_file: bool = True):
        self.path = Path(path)
        self._clock = clock or _utc_now
        self.head_file = head_path(self.path) if head_file else None

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r})"

    def build(self, user: str, action: str, *, case_number: str, object_ids: Iterable[Any] | str = (),
              details: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The validated, cleaned record body (no ``seq``, ``prev_hash`` or ``hash`` yet)."""
        action = clean(action)
        if action not in ACTIONS:
            raise AuditError(f"unknown action; expected one of {', '.join(ACTIONS)}")
        return {
            "at": _short(self._clock(), "at", required=True),
            "user": _short(user, "user", required=True),
            "action": action,
            "case_number": _short(case_number if case_number is not None else "", "case_number", required=True),
            "object_ids": _object_ids(object_ids),
            "details": _details(details),
        }

    def append(self, user: str, action: str, *, case_number: str, object_ids: Iterable[Any] | str = (),
               details: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Validate, chain and write one record; return it (with ``seq``, ``prev_hash`` and ``hash``).

        Refuses (:class:`AuditError`) an unknown action, an empty user or case number, a string
        longer than :data:`MAX_VALUE`, nested details. Nothing is written when it refuses.
        """
        body = self.build(user, action, case_number=case_number, object_ids=object_ids, details=details)
        if fcntl is None:  # pragma: no cover
            raise AuditError("the audit log needs POSIX file locks (fcntl)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # one descriptor, read with pread and written in append mode: the line read and the line
        # written belong to the same file even if the path is replaced meanwhile
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                last = _last_line(fd)
                created = last is None
                seq, prev = 0, GENESIS
                if last is not None:
                    try:
                        prior = json.loads(last)
                        seq, prev = int(prior["seq"]), str(prior["hash"])
                    except (ValueError, KeyError, TypeError):
                        raise AuditError("the last line of the audit log is not a record; "
                                         "run `linkgraph audit verify`") from None
                record = {**body, "seq": seq + 1, "prev_hash": prev}
                record["hash"] = record_hash(record)
                data = (canonical(record) + "\n").encode("ascii")
                written = os.write(fd, data)
                if written != len(data):  # pragma: no cover - a regular file takes it in one write
                    raise AuditError("short write to the audit log")
                os.fsync(fd)
                if self.head_file is not None:
                    _write_head(self.head_file, record["seq"], record["hash"])
                if created or self.head_file is not None:
                    _fsync_dir(self.path.parent)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        return record

    def records(self) -> list[dict[str, Any]]:
        """Every record, in file order (an absent file: none). A line that is not JSON raises AuditError
        naming it; :func:`verify` says whether the chain holds."""
        out = []
        for number, line in _lines(self.path):
            try:
                out.append(json.loads(line))
            except ValueError:
                raise AuditError(f"{self.path}: line {number}: not a JSON record") from None
        return out

    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last record (``(0, GENESIS)`` for an empty log): keep it elsewhere and
        pass it to :func:`verify` as ``expected_head`` to detect lines cut from the end."""
        if not self.path.exists():
            return 0, GENESIS
        fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_SH)
            last = _last_line(fd)
        finally:
            os.close(fd)
        if last is None:
            return 0, GENESIS
        try:
            prior = json.loads(last)
            return int(prior["seq"]), str(prior["hash"])
        except (ValueError, KeyError, TypeError):
            raise AuditError("the last line of the audit log is not a record; run `linkgraph audit verify`") from None

    def verify(self, expected_head: tuple[int, str] | None = None) -> VerifyResult:
        """:func:`verify` of this log."""
        return verify(self.path, expected_head=expected_head)


#: A workspace's log is ``<workspace>.audit.jsonl``; ``linkgraph init`` writes its head file (seq 0), so a
#: workspace whose log and head file were both removed is found too.
WORKSPACE_SUFFIX = ".audit.jsonl"


def start_log(path: str | Path) -> None:
    """Create the head file of a new, empty log (``0:GENESIS``) unless the log already has one."""
    head = head_path(path)
    if not head.exists():
        _write_head(head, 0, GENESIS)


def head_path(log: str | Path) -> Path:
    """The head file of the audit log ``log``: ``<log>.head``."""
    return Path(str(log) + ".head")


def _write_head(path: Path, seq: int, digest: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            os.write(fd, f"{int(seq)}:{digest}\n".encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:  # disk full...: no half-written temporary file stays behind
        tmp.unlink(missing_ok=True)
        raise


def parse_head(text: str) -> tuple[int, str]:
    """``(seq, hash)`` of a head written as ``SEQ:HASH``; AuditError when it is not one."""
    seq, _, digest = text.strip().partition(":")
    if not seq.isdigit() or not _HEX64.match(digest):
        raise AuditError("an audit head is SEQ:HASH (a number, a colon, 64 hex digits)")
    return int(seq), digest


def _fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(dfd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on a folder
        pass
    finally:
        os.close(dfd)


def _read_locked(path: Path, head: Path | None = None) -> bytes | tuple[bytes, str | None]:
    """The whole file (b"" when absent), read under a shared lock so no append is half-seen; with
    ``head``, also the text of that head file (None when absent), read under the same lock."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if head is None:
            return b""
        return b"", (head.read_text(encoding="ascii", errors="replace") if head.exists() else None)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_SH)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        data = b"".join(chunks)
        if head is None:
            return data
        return data, (head.read_text(encoding="ascii", errors="replace") if head.exists() else None)
    finally:
        os.close(fd)


def _lines(path: Path) -> Iterable[tuple[int, str]]:
    """(1-based line number, text without newline) of each line; the last may lack its newline."""
    return _split(_read_locked(path))


def _split(data: bytes) -> list[tuple[int, str]]:
    if not data:
        return []
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return [(i, p.decode("utf-8", errors="replace")) for i, p in enumerate(parts, start=1)]


# --------------------------------------------------------------------------------------------------
# verification


def _check_fields(record: dict[str, Any]) -> list[str]:
    problems = []
    missing = [f for f in FIELDS if f not in record]
    if missing:
        problems.append(f"missing field(s) {', '.join(missing)}")
    extra = sorted(set(record) - set(FIELDS) - {"mac"})  # mac: a workspace's signature (store.ledger)
    if extra:
        problems.append(f"unknown field(s) {', '.join(extra)}")
    if not isinstance(record.get("seq"), int) or isinstance(record.get("seq"), bool):
        problems.append("seq is not an integer")
    for name in ("hash", "prev_hash"):
        if name in record and not (isinstance(record[name], str) and _HEX64.match(record[name])):
            problems.append(f"{name} is not a SHA-256 hex digest")
    if "action" in record and record["action"] not in ACTIONS:
        problems.append("unknown action")
    for name in ("user", "case_number", "at"):
        value = record.get(name)
        if name in record and not (isinstance(value, str) and value and value == clean(value)):
            problems.append(f"{name} is empty or holds control characters")
    return problems


def verify(path: str | Path, expected_head: tuple[int, str] | None = None) -> VerifyResult:
    """Check the hash chain of the audit log at ``path``.

    Each problem names its line (1-based): a line that is not canonical JSON, a missing field, a
    ``hash`` that does not match the record (edited), a ``seq`` that does not follow the previous
    line's or a ``prev_hash`` that is not the previous line's ``hash`` (deleted, inserted or moved
    lines), an incomplete last line. With ``expected_head = (seq, hash)`` (from :meth:`AuditLog.head`
    kept elsewhere), the record with that ``seq`` must exist and carry that ``hash``: this finds
    lines cut from the end and a chain rewritten from scratch.
    """
    path = Path(path)
    problems: list[str] = []
    raw = _read_locked(path)
    return _verify(raw, problems, expected_head)


def verify_log(path: str | Path) -> VerifyResult:
    """:func:`verify` against the log's own head file (``<log>.head``, kept by :class:`AuditLog`):
    also finds lines cut from the end, and a log or a head file that was removed."""
    path = Path(path)
    raw, head_text = _read_locked(path, head_path(path))
    problems: list[str] = []
    expected = None
    workspace = Path(str(path)[: -len(WORKSPACE_SUFFIX)]) if str(path).endswith(WORKSPACE_SUFFIX) else None
    if head_text is None:
        if raw or (workspace is not None and workspace.exists()):
            problems.append(f"{head_path(path).name}: the head file is missing (it anchors the end of the log)")
    else:
        try:
            expected = parse_head(head_text)
        except AuditError as exc:
            problems.append(f"{head_path(path).name}: {exc}")
        if not raw and expected is not None and expected[0] > 0:
            problems.append(f"the log is missing or empty but its head file expects seq {expected[0]}")
            expected = None
    return _verify(raw, problems, expected)


def _verify(raw: bytes, problems: list[str], expected_head: tuple[int, str] | None) -> VerifyResult:
    if raw and not raw.endswith(b"\n"):
        last_number = raw.count(b"\n") + 1
        problems.append(f"line {last_number}: incomplete line (no newline at the end: a torn write or a cut)")
    prev_seq, prev_hash = 0, GENESIS
    by_seq: dict[int, tuple[int, str]] = {}
    count = 0
    for number, line in _split(raw):
        count += 1
        try:
            record = json.loads(line)
        except ValueError:
            problems.append(f"line {number}: not a JSON record")
            prev_seq, prev_hash = prev_seq + 1, ""  # unknown: the next line is checked against seq only
            continue
        if not isinstance(record, dict):
            problems.append(f"line {number}: not a JSON object")
            prev_seq, prev_hash = prev_seq + 1, ""
            continue
        field_problems = _check_fields(record)
        problems += [f"line {number}: {p}" for p in field_problems]
        seq, stored = record.get("seq"), record.get("hash")
        try:
            if canonical(record) != line:
                problems.append(f"line {number}: not in canonical form (the line was rewritten)")
            if stored != record_hash(record):
                problems.append(f"line {number}: hash mismatch (the record was edited)")
        except (TypeError, ValueError):
            problems.append(f"line {number}: record cannot be serialized")
        if isinstance(seq, int) and seq != prev_seq + 1:
            problems.append(f"line {number}: seq {seq} where {prev_seq + 1} was expected "
                            f"(a line was deleted, inserted or moved)")
        if prev_hash and record.get("prev_hash") != prev_hash:
            what = "the genesis value" if number == 1 else f"the hash of line {number - 1}"
            problems.append(f"line {number}: prev_hash is not {what} (a line was deleted, inserted or moved)")
        prev_seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else prev_seq + 1
        prev_hash = stored if isinstance(stored, str) else ""
        if isinstance(seq, int):
            by_seq.setdefault(seq, (number, prev_hash))
    head = (prev_seq, prev_hash or "") if count else (0, GENESIS)
    if expected_head is not None:
        want_seq, want_hash = int(expected_head[0]), str(expected_head[1])
        if want_seq == 0:
            if want_hash != GENESIS:
                problems.append("anchor: seq 0 must come with the genesis hash")
        elif want_seq not in by_seq:
            last = f"seq {head[0]} (line {count})" if count else "nothing (empty log)"
            problems.append(f"line {count + 1}: the log ends at {last} but the anchor expects seq {want_seq}: "
                            f"records were removed from the end")
        elif by_seq[want_seq][1] != want_hash:
            problems.append(f"line {by_seq[want_seq][0]}: hash of seq {want_seq} differs from the anchor "
                            f"(the log was rewritten)")
    return VerifyResult(ok=not problems, problems=problems, records=count, head=head)
