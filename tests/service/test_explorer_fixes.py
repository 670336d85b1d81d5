"""Issue 14, explorer: a busy workspace answers 503 (not 500), a judgment's case number is the session's,
the review page says what happens to a verdict, the targets table has every factor, console logs carry
no query text, a non-loopback address needs TLS, files-mode serve has a token and an audit."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from access_world import build_world
from linkgraph.cli import app as cli_app
from linkgraph.service import pages
from linkgraph.service.app import TOKEN_HEADER, NoQueryFilter, create_app, run
from linkgraph.service.session import Session, audit_path
from linkgraph.service.workspace_state import WorkspaceState
from linkgraph.store.audit import AuditLog
from linkgraph.store.locks import FileLock
from linkgraph.store.workspace import Workspace

CASE = "PV-2024-0099"
STATIC = Path(__file__).resolve().parents[2] / "linkgraph" / "service" / "static"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("w"))


def _client(world, user: str):
    session = Session.open(world.path, user, CASE, users=world.users_file, token=True)
    ws = Workspace.open(world.path)
    client = TestClient(create_app(WorkspaceState(ws, session.user), session=session))
    client.headers[TOKEN_HEADER] = session.token
    return client, ws


def test_a_judgment_on_a_busy_workspace_is_a_503_with_retry_after(world):
    """Defect: POST /api/judgments answered 500 while another process was writing."""
    client, ws = _client(world, "rv")
    ws.wait = 0.0
    lock = FileLock(Path(str(world.path) + ".lock"), str(world.path))
    lock.acquire(0)
    try:
        r = client.post("/api/judgments", json={"mention_a": "agxpol_open:4:person",
                                                "mention_b": "agzdou_seizures:1:person", "verdict": "different",
                                                "case_number": CASE})
    finally:
        lock.release()
    assert r.status_code == 503 and r.headers["retry-after"].isdigit(), r.text
    assert "busy" in r.json()["detail"]


def test_a_judgment_takes_the_sessions_case_number(world):
    """Defect: the judgment stored the case number of the request body, the audit record the session's."""
    client, ws = _client(world, "rv")
    r = client.post("/api/judgments", json={"mention_a": "agxpol_open:4:person", "mention_b": "agzdou_seizures:1:person",
                                            "verdict": "different", "case_number": "OTHER-CASE"})
    assert r.status_code == 201, r.text
    assert r.json()["saved"]["case_number"] == CASE
    stored = ws.judgments().iloc[-1]
    record = AuditLog(audit_path(world.path)).records()[-1]
    assert stored["case_number"] == record["case_number"] == CASE and record["action"] == "judgment"


def test_review_page_and_targets_table_say_what_is_true():
    """Defects: the review page said verdicts apply at the next re-resolution (over a workspace they
    apply at once); the targets table had no concealment column."""
    from linkgraph.scoring.score import FACTORS

    review = pages.review()
    assert "applied at once" in review
    script = (STATIC / "explorer.js").read_text()
    assert "data.applied ?" in script
    header = pages.targets()
    for factor in FACTORS:
        assert f"<th>{factor.replace('_', ' ')}</th>" in header, factor
        assert f'"{factor}"' in script, factor


def test_console_access_log_drops_query_strings():
    """Defect: the console printed `GET /?token=…` and `GET /api/search?q=dupont`."""
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/api/search?q=dupont&kind=name", "1.1", 200), None)
    NoQueryFilter().filter(record)
    assert "dupont" not in record.getMessage() and "/api/search" in record.getMessage()


def test_a_non_loopback_address_needs_tls():
    with pytest.raises(ValueError, match="TLS"):
        run(host="0.0.0.0", port=1, state=object())


def test_files_mode_serve_needs_a_case_and_is_audited(tmp_path, monkeypatch):
    """Defect: files-mode `serve` had no authentication and no audit."""
    from linkgraph import cli
    from linkgraph.service import app as app_module

    seen = {}
    monkeypatch.setattr(app_module, "run", lambda **kw: seen.update(kw))
    monkeypatch.setattr("linkgraph.service.run", lambda **kw: seen.update(kw))
    run, folder = tmp_path / "run", tmp_path / "explorer"
    assert CliRunner().invoke(cli.app, ["resolve", "-o", str(run)]).exit_code == 0
    out = CliRunner().invoke(cli.app, ["serve", str(run), "--folder", str(folder)])
    assert out.exit_code == 2 and "--case" in out.output
    out = CliRunner().invoke(cli.app, ["serve", str(run), "--folder", str(folder), "--case", "PV-1"])
    assert out.exit_code == 0, out.output
    session = seen["session"]
    assert session.token and f"#token={session.token}" in out.output and "?token=" not in out.output
    assert AuditLog(folder / "audit.jsonl").records()[-1]["action"] == "login"


def test_a_read_on_a_busy_workspace_is_a_503_with_retry_after(world):
    """Defect: while a writer held its transaction the explorer answered 500 (after 31 s)."""
    client, ws = _client(world, "ax")
    ws.read_wait = 0.2
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(60)", str(world.path)],
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"open"
        r = client.get("/api/status")
    finally:
        holder.kill()
        holder.wait()
    assert r.status_code == 503 and r.headers["retry-after"].isdigit(), r.text
    assert client.get("/api/status").status_code == 200


def test_a_cli_writer_waits_its_turn_with_a_progress_line(world, tmp_path):
    """Defect: a second writer failed at once, telling a CLI user to "pass wait=SECONDS"."""
    import threading

    lock = FileLock(Path(str(world.path) + ".lock"), str(world.path))
    lock.acquire(0)
    args = ["rebuild", "--keep-models", "-w", str(world.path), "--user", "adm", "--case", CASE]
    try:
        r = CliRunner().invoke(cli_app, [*args, "--wait", "0.5"])
    finally:
        lock.release()
    assert r.exit_code == 2 and "--wait SECONDS" in r.output and "wait=SECONDS" not in r.output, r.output
    assert "waiting for another writer" in r.output
    lock.acquire(0)
    threading.Timer(1.0, lock.release).start()
    r = CliRunner().invoke(cli_app, [*args, "--wait", "60"])
    assert r.exit_code == 0 and "rebuilt" in r.output, r.output
