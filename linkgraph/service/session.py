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

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkgraph.store.access import AccessDenied, User, can, load_users
from linkgraph.store.audit import AuditError, AuditLog, clean


def audit_path(workspace: str | Path) -> Path:
    """The audit log of a workspace: ``<workspace>.audit.jsonl`` (its head: ``….audit.jsonl.head``)."""
    return Path(str(workspace) + ".audit.jsonl")


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

    def __post_init__(self) -> None:
        case = clean(self.case_number or "")
        if not case:
            raise AccessDenied(action="any action without a case number (the justification is mandatory)")
        self.case_number = case

    @classmethod
    def open(cls, workspace: str | Path, user: str, case_number: str, *, users: str | Path | None = None,
             token: bool = False) -> "Session":
        """The session of ``user`` (from ``users``, default ``<workspace>.users.yaml``) on a workspace.

        An unknown user is logged (``access_denied``) and refused with the same message as a
        refused action.
        """
        log = AuditLog(audit_path(workspace))
        table = load_users(users or users_path(workspace))
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

    def allow(self, action: str, object_ids: Iterable[Any] | str = (),
              details: Mapping[str, Any] | None = None) -> dict:
        """Log ``action`` and return its record when the role permits it; otherwise log
        ``access_denied`` and raise :class:`AccessDenied`."""
        if not can(self.user, action):
            self.record("access_denied", object_ids, {**(details or {}), "action": action})
            raise AccessDenied(action=action)
        return self.record(action, object_ids, details)


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
