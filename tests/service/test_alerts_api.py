"""The explorer's inbox over a workspace: alerts on watched entities, as the user may see them, audited."""
from __future__ import annotations

import sys
from pathlib import Path

from fastapi.testclient import TestClient

from linkgraph.service.app import TOKEN_HEADER, create_app
from linkgraph.service.session import Session, audit_path
from linkgraph.service.workspace_state import WorkspaceState
from linkgraph.store.audit import AuditLog
from linkgraph.store.watchlists import add_watchlist
from linkgraph.store.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from test_watchlists import CUSTOMS, POLICE, _file, _mapping  # noqa: E402

CASE = "2024/17"


def test_inbox_lists_the_alerts_the_user_may_see_and_audits_the_read(tmp_path):
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  alice: {role: analyst, agencies: '*', max_classification: secret}\n"
                     "  vera: {role: viewer, agencies: [police], max_classification: secret}\n", encoding="utf-8")
    path = tmp_path / "case.db"
    ws = Workspace.create(path)
    ws.bind_users(users)
    ws.ingest(_file(tmp_path, "police.csv", POLICE), _mapping("pol", "police"), actor=("alice", CASE))
    karim = ws.result().entity_of("pol:1:p")
    add_watchlist(ws, "priorities", "list", entities=[karim], owner="alice", case_number=CASE)
    ws.ingest(_file(tmp_path, "customs.csv", CUSTOMS), _mapping("dou", "douane"), actor=("alice", CASE))

    def client(user):
        session = Session.open(path, user, CASE, users=users, token=True)
        c = TestClient(create_app(WorkspaceState(Workspace.open(path), session.user, scoring=False), session=session))
        c.headers[TOKEN_HEADER] = session.token
        return c

    alice = client("alice")
    answer = alice.get("/api/alerts")
    assert answer.status_code == 200, answer.text
    alerts = answer.json()["alerts"]
    assert [(a["entity_id"], [r["ref"] for r in a["rows"]], a["agencies"]) for a in alerts] == \
        [(karim, ["dou:1"], ["douane"])]
    assert alice.get("/api/alerts", params={"since": alerts[0]["alert_id"]}).json()["alerts"] == []
    assert alice.get("/inbox").status_code == 200
    assert client("vera").get("/api/alerts").json()["alerts"] == []    # the customs row is not hers
    reads = [r for r in AuditLog(audit_path(path)).records() if r["action"] == "alerts"]
    assert [r["user"] for r in reads] == ["alice", "alice", "vera"]
