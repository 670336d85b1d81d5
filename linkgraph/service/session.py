"""One analyst's session: who they are, the case they work on, and the audit log every action goes to.

The explorer runs as **one process per analyst session**, bound to the loopback interface: the
user and the case number are fixed when ``linkgraph serve --workspace W --users U.yaml --user U
--case C`` starts, every request acts as that user for that case, and a random session token
(printed once in the URL, then kept in an HttpOnly, SameSite=Strict cookie) keeps other local
processes and pages from using the session. The CLI commands build the same session per run.

:meth:`Session.allow` is the one gate: it checks the role (:func:`linkgraph.store.access.can`),
writes the audit record (who, when, action, ids, case number) or an ``access_denied`` record, and
raises :class:`~linkgraph.store.access.AccessDenied` for a refused action.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkgraph.store.access import AccessDenied, User, can, load_users
from linkgraph.store.audit import AuditError, AuditLog, clean, query_digest
from linkgraph.store.ledger import audit_path


class WorkspaceLog:
    """The audit log of a workspace for a session: each record goes into the workspace's audit chain
    (its database, in a transaction) and is mirrored to ``<workspace>.audit.jsonl``
    (:mod:`linkgraph.store.ledger`). Same interface as :class:`~linkgraph.store.audit.AuditLog`."""

    def __init__(self, workspace):
        self.workspace = workspace
        self.path = workspace.audit_path

    def append(self, user: str, action: str, *, case_number: str, object_ids: Iterable[Any] | str = (),
               details: Mapping[str, Any] | None = None) -> dict:
        return self.workspace.audit(user, action, case_number=case_number, object_ids=object_ids, details=details)

    def records(self) -> list[dict]:
        return AuditLog(self.path).records()

    def head(self) -> tuple[int, str]:
        return AuditLog(self.path).head()


def users_path(workspace: str | Path) -> Path:
    """The default users file of a workspace: ``<workspace>.users.yaml``."""
    return Path(str(workspace) + ".users.yaml")


@dataclass
class Session:
    """``user`` acting for ``case_number``, logged to ``audit``. ``token``: the explorer's session
    token (None: no token is asked, e.g. for the CLI or tests)."""

    user: User
    case_number: str
    audit: AuditLog
    token: str | None = field(default=None, repr=False)
    _digest_key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        case = clean(self.case_number or "")
        if not case:
            raise AccessDenied(action="any action without a case number (the justification is mandatory)")
        self.case_number = case

    def query_digest(self, text: str) -> str:
        """The digest of a search text to log: HMAC keyed with the workspace's secret audit key (no
        dictionary attack by whoever reads the log), or with this session's own key for a files log."""
        workspace = getattr(self.audit, "workspace", None)
        if workspace is not None:
            return workspace.query_digest(text)
        if self._digest_key is None:
            self._digest_key = secrets.token_bytes(32)
        return query_digest(text, self._digest_key)

    @property
    def actor(self) -> tuple[str, str]:
        """(user name, case number): who a workspace change is recorded for."""
        return self.user.name, self.case_number

    @classmethod
    def open(cls, workspace, user: str, case_number: str, *, users: str | Path | None = None,
             token: bool = False) -> "Session":
        """The session of ``user`` (from ``users``, default ``<workspace>.users.yaml``) on a workspace
        (a :class:`~linkgraph.store.workspace.Workspace` or its path).

        An unknown user is logged (``access_denied``) and refused with the same message as a
        refused action.
        """
        from linkgraph.store.workspace import Workspace

        ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
        log = WorkspaceLog(ws)
        table = bound_users(ws, user, case_number, users, log)
        if not clean(case_number or ""):
            raise AccessDenied(action="any action without a case number (the justification is mandatory)")
        if user not in table:
            log.append(user, "access_denied", case_number=case_number, details={"action": "login",
                                                                                "reason": "unknown_user"})
            raise AccessDenied(action="login")
        return cls(table[user], case_number, log, secrets.token_urlsafe(24) if token else None)

    def record(self, action: str, object_ids: Iterable[Any] | str = (), details: Mapping[str, Any] | None = None) -> dict:
        """Write one audit record for this user and case."""
        return self.audit.append(self.user.name, action, case_number=self.case_number,
                                 object_ids=object_ids, details=details)

    def check(self, action: str, object_ids: Iterable[Any] | str = (),
              details: Mapping[str, Any] | None = None) -> None:
        """Refuse (logged as ``access_denied`` with the attempted action) when the role does not permit
        ``action``; log nothing when it does (the change writes its own record with the change)."""
        if not can(self.user, action):
            self.record("access_denied", object_ids, {**(details or {}), "action": action})
            raise AccessDenied(action=action)

    def check_ingest(self, workspace, mapping, replace: bool = False):
        """Refuse (logged ``access_denied``) an ingest this user may not do; return the loaded mapping.

        The mapping's agency and classification must be visible to the user (nobody writes facts they
        could not see), and so must the stored source of that id if there is one; ``replace`` also
        needs the ``erase`` right. A stored source the user cannot see is refused with the same
        message as a mapping they cannot see ("source … not found or not permitted")."""
        from linkgraph.sources.mapping import SourceMapping, load_mapping

        m = mapping if isinstance(mapping, SourceMapping) else load_mapping(mapping)
        details = {"command": "ingest", "replace": bool(replace)}
        what = f"source {m.source!r}"
        if not self.user.sees(m.agency, m.classification):
            self.deny("ingest", [m.source], details, what)
        known = workspace.sources()
        row = known[known["source_id"] == m.source]
        if len(row):
            if not self.user.sees(row["agency"].iloc[0], row["classification"].iloc[0]):
                self.deny("ingest", [m.source], details, what)
            if replace and not can(self.user, "erase"):
                self.record("access_denied", [m.source], {**details, "action": "erase"})
                raise AccessDenied(action="erase (ingest --replace erases the stored content of the source)")
        return m

    def deny(self, action: str, object_ids: Iterable[Any] | str = (), details: Mapping[str, Any] | None = None,
             what: str = "object") -> None:
        """Log ``access_denied`` for ``action`` and raise :class:`AccessDenied` (an object not visible)."""
        self.record("access_denied", object_ids, {**(details or {}), "action": action})
        raise AccessDenied(what)

    def allow(self, action: str, object_ids: Iterable[Any] | str = (),
              details: Mapping[str, Any] | None = None) -> dict:
        """Log ``action`` and return its record when the role permits it; otherwise log
        ``access_denied`` and raise :class:`AccessDenied`."""
        if not can(self.user, action):
            self.record("access_denied", object_ids, {**(details or {}), "action": action})
            raise AccessDenied(action=action)
        return self.record(action, object_ids, details)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def bound_users(ws, user: str, case_number: str, users: str | Path | None, log) -> dict[str, User]:
    """The users of a workspace: its own users file, which must match the digest stored at ``init`` or
    by ``linkgraph users set``. A ``--users`` file other than the bound one is refused (and logged)."""
    bound = ws.users_digest()

    def refuse(reason: str, message: str):
        if clean(case_number or "") and clean(user or ""):
            log.append(user, "access_denied", case_number=case_number,
                       details={"action": "login", "reason": reason})
        raise AccessDenied(action=message)

    if bound is None:
        refuse("no_users_bound", "login (no users file is bound to this workspace: an administrator runs "
                                 "`linkgraph init --users FILE` or `linkgraph users set FILE`)")
    if users is not None and _digest(Path(users)) != bound:
        refuse("users_override", "login with another users file (this workspace has its own; an administrator "
                                 "changes it with `linkgraph users set`)")
    own = users_path(ws.path)
    if _digest(own) != bound:
        refuse("users_file_changed", f"login ({own.name} was changed outside `linkgraph users set`)")
    return load_users(own)


def safe_ids(values: Iterable[Any]) -> list[str]:
    """Ids to log: strings, each cut to what the audit log accepts (an over-long id is a bad request
    anyway; the cut keeps it recognisable)."""
    out = []
    for v in values:
        if v is None:
            continue
        text = clean(v)
        out.append(text[:200])
    return [v for v in out if v]


__all__ = ["AuditError", "Session", "audit_path", "safe_ids", "users_path"]
