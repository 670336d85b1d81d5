"""Issue 14, disk full: a write that cannot reach the disk ends with a clean message, changes nothing,
leaves no temporary file, and the audit log stays usable."""
from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from access_world import USERS_YAML, write_source
from linkgraph.store import audit as audit_module
from linkgraph.store import ledger as ledger_module
from linkgraph.store.audit import AuditError, AuditLog
from linkgraph.store.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def small(tmp_path):
    files = tmp_path / "files"
    specs = {s: write_source(files, s) for s in ("agxpol_open", "agyden_tips")}
    folder = tmp_path / "ws"
    folder.mkdir()
    (tmp_path / "users.yaml").write_text(USERS_YAML, encoding="utf-8")
    ws = Workspace.create(folder / "ws.lgw", actor=("adm", "PV-1"))
    ws.bind_users(tmp_path / "users.yaml", actor=("adm", "PV-1"))
    ws.ingest(specs["agxpol_open"][1], specs["agxpol_open"][0], actor=("adm", "PV-1"))
    return ws, specs, folder


def _limited(size: int):
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) like a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def test_a_full_disk_during_ingest_is_a_clean_message_and_changes_nothing(small):
    """Defect: raw tracebacks (OSError Errno 28, DuckDB TransactionException) on a full disk."""
    ws, specs, folder = small
    before = ws.counts()
    mapping, data = specs["agyden_tips"]
    proc = subprocess.run([sys.executable, "-m", "linkgraph", "ingest", str(data), "-m", str(mapping), "-w",
                           str(ws.path), "--user", "adm", "--case", "PV-1"], cwd=REPO, capture_output=True,
                          text=True, preexec_fn=_limited(4096), timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "Traceback" not in out and "could not be written" in out and "nothing was changed" in out
    assert Workspace.open(ws.path).counts() == before
    assert not [f for f in os.listdir(folder) if f.endswith(".tmp")]
    assert ledger_module.verify_path(Path(str(ws.path) + ".audit.jsonl")).ok
    # the next command, with room again, works
    Workspace.open(ws.path).ingest(data, mapping, actor=("adm", "PV-1"))


def test_a_full_disk_while_copying_the_record_to_the_log_keeps_the_log_whole(small, monkeypatch):
    ws, specs, folder = small
    real_write = os.write

    def full(fd, data):
        if b'"action":"view"' in data:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(ledger_module.os, "write", full)
    with pytest.raises(AuditError, match="could not be written"):
        ws.audit("adm", "view", case_number="PV-1")
    monkeypatch.setattr(ledger_module.os, "write", real_write)
    log = Path(str(ws.path) + ".audit.jsonl")
    assert log.read_bytes().endswith(b"\n")  # no torn line left to block the next command
    ws.audit("adm", "search", case_number="PV-1")  # copies the committed view record first
    assert [r["action"] for r in AuditLog(log).records()[-2:]] == ["view", "search"]
    assert ledger_module.verify_path(log).ok


def test_a_full_disk_leaves_no_head_temporary_file(tmp_path, monkeypatch):
    """Defect: a 0-byte `.head.PID.tmp` was left behind."""
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(audit_module.os, "fsync", full)
    with pytest.raises(OSError):
        audit_module._write_head(tmp_path / "a.jsonl.head", 1, "0" * 64)
    assert list(tmp_path.iterdir()) == []
