"""The explorer over a workspace: a reviewer's verdict is applied at once and survives new files."""
from __future__ import annotations

from fastapi.testclient import TestClient

from access_world import build_world, write_source
from linkgraph.service.app import TOKEN_HEADER, create_app
from linkgraph.service.session import Session, audit_path
from linkgraph.service.workspace_state import WorkspaceState
from linkgraph.store.audit import AuditLog, verify_log
from linkgraph.store.workspace import Workspace

CASE = "PV-2024-0099"


def _client(world, user: str) -> tuple[TestClient, WorkspaceState]:
    session = Session.open(world.path, user, CASE, users=world.users_file, token=True)
    state = WorkspaceState(Workspace.open(world.path), session.user)
    client = TestClient(create_app(state, session=session))
    client.headers[TOKEN_HEADER] = session.token
    return client, state


def test_a_same_verdict_is_applied_at_once_and_survives_new_files(tmp_path):
    files = tmp_path / "later"
    world = build_world(tmp_path / "w")
    client, state = _client(world, "rv")
    a, b = "agxpol_open:4:person", "agzdou_seizures:1:person"   # XAVOPENA and ZULUMARK: nothing alike
    owner = state.result.mentions.set_index("mention_id")["entity_id"]
    assert owner[a] != owner[b]
    answer = client.post("/api/judgments", json={"mention_a": a, "mention_b": b, "verdict": "same",
                                                 "case_number": CASE, "justification": "same passport photo"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["applied"] is True and body["currently_together"] is True
    assert body["saved"]["analyst"] == "rv" and body["saved"]["case_number"] == CASE
    record = AuditLog(audit_path(world.path)).records()[-1]
    assert record["action"] == "judgment" and record["user"] == "rv" and set(record["object_ids"]) == {a, b}
    # a new file arrives (and the workspace is re-resolved in full): the verdict still wins
    mapping, data = write_source(files, "agzdou_seizures")
    mapping.write_text(mapping.read_text().replace("source: agzdou_seizures", "source: agzdou_more"))
    ws = Workspace.open(world.path)
    ws.ingest(data, mapping)
    ws.rebuild(retrain=True)
    client.post("/api/reresolve")
    owner = state.result.mentions.set_index("mention_id")["entity_id"]
    assert owner[a] == owner[b]
    # a viewer cannot judge, and a hidden mention is answered like a missing one
    viewer, _ = _client(world, "vx")
    refused = viewer.post("/api/judgments", json={"mention_a": a, "mention_b": "agxpol_open:3:person",
                                                  "verdict": "different", "case_number": CASE})
    assert refused.status_code == 403
    analyst, _ = _client(world, "az")
    hidden = analyst.post("/api/judgments", json={"mention_a": b, "mention_b": a, "verdict": "different",
                                                  "case_number": CASE})
    missing = analyst.post("/api/judgments", json={"mention_a": b, "mention_b": "agxpol_open:99:person",
                                                   "verdict": "different", "case_number": CASE})
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()) == (404, {"detail": "no such mention"})
    assert verify_log(audit_path(world.path)).ok
