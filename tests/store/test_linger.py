"""A service keeps its workspace file open between requests (``Workspace.linger``) without shutting
other processes out: it lets the file go when idle, and at once when another process asks."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from linkgraph.store.ledger import load_key, verify_workspace
from linkgraph.store.linger import want_path
from linkgraph.store.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "rules" / "sources"
DATA = REPO / "fixtures" / "data"

PLAIN_OPEN = """
    import sys, duckdb
    try:
        duckdb.connect(sys.argv[1]).close()
        print("opened")
    except duckdb.Error as exc:
        print("refused:", str(exc).splitlines()[0])
"""

AUDIT_CHILD = """
    import sys, time
    from linkgraph.store.workspace import Workspace
    start = time.monotonic()
    ws = Workspace.open(sys.argv[1], read_wait=float(sys.argv[2]))
    ws.audit("other", "search", case_number="PV-2", details={"from": "child"})
    print(f"done {time.monotonic() - start:.2f}")
"""


def run_child(code: str, *args: str, timeout: float = 120) -> str:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=REPO, env=dict(os.environ),
                         capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture()
def workspace(tmp_path) -> Path:
    path = tmp_path / "w.lgw"
    Workspace.create(path).ingest(DATA / "registre_societes.csv", SOURCES / "registre_societes.yaml",
                                  actor=("alice", "PV-1"))
    return path


def test_a_lingering_service_keeps_the_file_open_between_requests(workspace):
    ws = Workspace.open(workspace)
    ws.linger(idle=30, hold=60)
    ws.audit("alice", "search", case_number="PV-1")
    # the instance stays open after the request: a process that does not ask cannot open the file
    assert run_child(PLAIN_OPEN, str(workspace)).startswith("refused:")
    ws.audit("alice", "search", case_number="PV-1")
    ws.close()
    assert run_child(PLAIN_OPEN, str(workspace)) == "opened"


def test_another_linkgraph_process_is_let_in_when_it_asks(workspace):
    ws = Workspace.open(workspace)
    ws.linger(idle=30, hold=60)  # neither limit would free the file during this test
    ws.audit("alice", "search", case_number="PV-1")
    line = run_child(AUDIT_CHILD, str(workspace), "10")
    assert line.startswith("done ") and float(line.split()[1]) < 8
    assert not want_path(workspace).exists()  # the request is withdrawn once served
    # the service goes on (it opens the file again), and the audit chain holds every record in order
    ws.audit("alice", "view", case_number="PV-1")
    ws.close()
    with duckdb.connect(str(workspace), read_only=True) as con:
        wid = con.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()[0]
        check = verify_workspace(con, Path(str(workspace) + ".audit.jsonl"), load_key(wid), heal=False)
    assert check.ok, check.problems
    actions = [line for line in Path(str(workspace) + ".audit.jsonl").read_text().splitlines()]
    assert [a for a in ('"search"', '"view"') if a in actions[-1]] == ['"view"']
    assert '"child"' in actions[-2]


def test_the_file_is_let_go_when_the_service_is_idle(workspace):
    ws = Workspace.open(workspace)
    ws.linger(idle=6, hold=60)
    ws.audit("alice", "search", case_number="PV-1")
    assert run_child(PLAIN_OPEN, str(workspace)).startswith("refused:")
    time.sleep(6.5)
    assert run_child(PLAIN_OPEN, str(workspace)) == "opened"  # without asking: the idle limit freed it
    ws.audit("alice", "search", case_number="PV-1")  # and the service reopens it on its next request
    ws.close()


def test_the_file_is_let_go_after_the_hold_limit_even_when_busy(workspace):
    ws = Workspace.open(workspace)
    ws.linger(idle=30, hold=0.5)
    started = time.monotonic()
    while time.monotonic() - started < 1.2:  # requests keep coming, never idle
        ws.audit("alice", "search", case_number="PV-1")
    # within the pause after the hold limit no anchor is taken: a plain process gets its gap
    ws._anchor.drop(pause=5.0)
    ws.audit("alice", "search", case_number="PV-1")
    assert not ws._anchor.held
    assert run_child(PLAIN_OPEN, str(workspace)) == "opened"
    ws.close()


def test_an_erasure_rewrites_the_file_under_a_lingering_service(workspace):
    """The erasure replaces the database file: a kept-open instance of the old file must not survive
    it (the service's later changes would go to the replaced file and be lost)."""
    ws = Workspace.open(workspace)
    ws.linger(idle=30, hold=60)
    ws.ingest(DATA / "gendarmerie.csv", SOURCES / "gendarmerie.yaml", actor=("alice", "PV-1"))
    before = ws.counts()
    ws.erase_source("gendarmerie", "end of retention", actor=("alice", "PV-1"))
    after = ws.counts()
    assert after != before
    ws.ingest(DATA / "police_municipale.csv", SOURCES / "police_municipale.yaml", actor=("alice", "PV-1"))
    later = ws.counts()
    assert later["mentions"] > after["mentions"]
    ws.close()
    fresh = Workspace.open(workspace, read_only=True)
    assert fresh.counts() == later  # what the service wrote after the rewrite is in the file
    with duckdb.connect(str(workspace), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM mentions WHERE source = 'gendarmerie'").fetchone()[0] == 0
