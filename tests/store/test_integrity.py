"""Issue 14, integrity: the audit record of a change is written with the change (one transaction), a log
that cannot take it refuses the command before anything changes, kills at any point (the commit window
included) never leave a committed change without its record, and erased values leave no byte behind."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from access_world import FILES, MARKERS, write_source
from linkgraph.store.audit import AuditError, AuditLog, head_path
from linkgraph.store.ledger import CRASH_ENV, load_key, verify_workspace
from linkgraph.store.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
ACTOR = ("adm", "PV-2024-7")


def _db_records(path: Path) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [json.loads(line) for (line,) in con.execute("SELECT line FROM audit ORDER BY seq").fetchall()]
    finally:
        con.close()


def _verify(path: Path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        wid = con.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()[0]
        return verify_workspace(con, Path(str(path) + ".audit.jsonl"), load_key(wid))
    finally:
        con.close()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict[str, tuple[Path, Path]]]:
    """A workspace holding agxpol_open (4 rows); the files of agzdou_seizures and agyden_tips beside it."""
    folder = tmp_path_factory.mktemp("small")
    specs = {s: write_source(folder / "files", s) for s in ("agxpol_open", "agzdou_seizures", "agyden_tips")}
    path = folder / "small.lgw"
    ws = Workspace.create(path, actor=ACTOR)
    mapping, file = specs["agxpol_open"]
    ws.ingest(file, mapping, actor=ACTOR)
    return path, {s: (m, f) for s, (m, f) in specs.items()}


def copy_ws(src: Path, folder: Path, name: str = "ws.lgw") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / name
    shutil.copy(src, dst)
    for suffix in (".audit.jsonl", ".audit.jsonl.head"):
        shutil.copy(str(src) + suffix, str(dst) + suffix)
    return dst


# ------------------------------------------------------------------------------- one transaction
def test_a_change_and_its_record_are_in_the_database_and_the_log(small, tmp_path):
    path = copy_ws(small[0], tmp_path)
    mapping, file = small[1]["agzdou_seizures"]
    Workspace.open(path).ingest(file, mapping, actor=ACTOR)
    db = _db_records(path)
    assert db[-1]["action"] == "ingest" and db[-1]["object_ids"] == ["agzdou_seizures"]
    assert db[-1]["user"] == "adm" and db[-1]["case_number"] == "PV-2024-7" and len(db[-1]["mac"]) == 64
    assert AuditLog(str(path) + ".audit.jsonl").records() == db  # the file mirrors the database's chain
    assert _verify(path).ok


def test_a_log_ending_with_an_incomplete_line_refuses_before_any_change(small, tmp_path):
    """Defect: ingest and erase exited 2 on a torn log but the change was committed."""
    path = copy_ws(small[0], tmp_path)
    log = Path(str(path) + ".audit.jsonl")
    with open(log, "ab") as f:
        f.write(b'{"seq":99,"act')
    mapping, file = small[1]["agzdou_seizures"]
    before = Workspace.open(path).counts()
    with pytest.raises(AuditError, match="incomplete line"):
        Workspace.open(path).ingest(file, mapping, actor=ACTOR)
    with pytest.raises(AuditError, match="incomplete line"):
        Workspace.open(path).erase_source("agxpol_open", "court order", actor=ACTOR)
    assert Workspace.open(path).counts() == before


def test_a_log_that_cannot_be_written_refuses_before_any_change(small, tmp_path):
    path = copy_ws(small[0], tmp_path)
    log = Path(str(path) + ".audit.jsonl")
    log.unlink()
    os.mkdir(log)  # a folder where the log should be: no append possible
    mapping, file = small[1]["agzdou_seizures"]
    before = Workspace.open(path).counts()
    with pytest.raises(AuditError, match="cannot be written"):
        Workspace.open(path).ingest(file, mapping, actor=ACTOR)
    assert Workspace.open(path).counts() == before


def test_a_workspace_reached_through_a_symlink_logs_to_the_real_log(small, tmp_path):
    """Defect: opening through a symlink wrote the audit to alias.db.audit.jsonl."""
    path = copy_ws(small[0], tmp_path / "real")
    alias = tmp_path / "alias.lgw"
    alias.symlink_to(path)
    Workspace.open(alias).audit("adm", "search", case_number="PV-1", details={"kind": "name"})
    assert not Path(str(alias) + ".audit.jsonl").exists()
    assert AuditLog(str(path) + ".audit.jsonl").records()[-1]["action"] == "search"
    assert _verify(path).ok


def test_workspace_audit_and_key_files_are_owner_only(tmp_path):
    """Defect: the workspace file was created world-readable (0644)."""
    path = tmp_path / "w.lgw"
    Workspace.create(path, actor=ACTOR).audit("adm", "view", case_number="PV-1")
    con = duckdb.connect(str(path), read_only=True)
    wid = con.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()[0]
    con.close()
    from linkgraph.store.ledger import key_path

    for f in (path, Path(str(path) + ".audit.jsonl"), head_path(str(path) + ".audit.jsonl"), key_path(wid)):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert not str(key_path(wid)).startswith(str(tmp_path))  # the key lives outside the workspace folder


# ------------------------------------------------------------------------------------- crashes
CHILD = """
    import sys
    from linkgraph.store.workspace import Workspace
    op, path = sys.argv[1], sys.argv[2]
    ws = Workspace.open(path)
    if op == "ingest":
        ws.ingest(sys.argv[4], sys.argv[3], actor=("adm", "PV-2024-7"))
    else:
        ws.erase_source("agxpol_open", "court order", actor=("adm", "PV-2024-7"))
    print("done")
"""


def _run_child(op: str, path: Path, spec: tuple[Path, Path], env: dict, kill_after: float | None) -> int:
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(CHILD), op, str(path), str(spec[0]), str(spec[1])],
                            cwd=REPO, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after is not None:
        deadline = time.monotonic() + kill_after
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=300)
    return proc.returncode


def _check_after_crash(path: Path, op: str) -> bool:
    """Every committed change has its record; `audit verify` passes. Returns whether the change committed."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        sources = {r[0] for r in con.execute("SELECT source_id FROM sources").fetchall()}
    finally:
        con.close()
    records = _db_records(path)
    if op == "ingest":
        committed = "agzdou_seizures" in sources
        recorded = any(r["action"] == "ingest" and r["object_ids"] == ["agzdou_seizures"] for r in records)
    else:
        committed = "agxpol_open" not in sources
        recorded = any(r["action"] == "erase" and r["object_ids"] == ["agxpol_open"] for r in records)
    assert committed == recorded, (op, committed, recorded)
    result = _verify(path)
    assert result.ok, result.problems
    assert AuditLog(str(path) + ".audit.jsonl").records() == records  # mirrored (healed when one behind)
    # and the workspace takes the next command
    Workspace.open(path).audit("adm", "view", case_number="PV-1")
    assert _verify(path).ok
    return committed


@pytest.mark.slow
def test_kills_at_any_point_never_leave_a_change_without_its_record(small, tmp_path):
    """52 kills: each named point of the write (before the record, before the commit, between the commit
    and the copy to the file, during that copy, after it, during the erasure's file rewrite) for ingest
    and erase, plus 40 SIGKILLs at random times."""
    points = ["before_audit", "before_commit", "after_commit", "mid_mirror", "after_mirror"]
    trials = [(op, p, None) for op in ("ingest", "erase") for p in points] + [("erase", "mid_compact", None)]
    rng = random.Random(14)
    trials += [(rng.choice(["ingest", "erase"]), None, rng.uniform(0.5, 6.0)) for _ in range(40)]
    outcomes = {"committed": 0, "not": 0}
    for k, (op, point, delay) in enumerate(trials):
        path = copy_ws(small[0], tmp_path / f"t{k}")
        env = {CRASH_ENV: point} if point else {}
        code = _run_child(op, path, small[1]["agzdou_seizures"], env, delay)
        if point:
            assert code == 137, (op, point, code)
        committed = _check_after_crash(path, op)
        if point in ("before_audit", "before_commit"):
            assert not committed, (op, point)
        if point in ("after_commit", "mid_mirror", "after_mirror", "mid_compact"):
            assert committed, (op, point)
        outcomes["committed" if committed else "not"] += 1
    assert len(trials) >= 50 and outcomes["committed"] and outcomes["not"], outcomes


# ------------------------------------------------------------------------------------- erasure
def _folder_bytes(folder: Path) -> bytes:
    return b"".join(f.read_bytes() for f in folder.rglob("*") if f.is_file())


def test_erased_values_are_absent_from_every_byte_of_the_workspace_folder(small, tmp_path):
    """Defect: after `erase`, grep found the erased source's names, phones and numbers in the DuckDB file."""
    path = copy_ws(small[0], tmp_path / "ws")
    ws = Workspace.open(path)
    for source in ("agzdou_seizures", "agyden_tips"):
        mapping, file = small[1][source]
        ws.ingest(file, mapping, actor=ACTOR)
    # values, not ids: the source id and agency stay in the audit record of the erasure (accountability)
    gone = [m for m in MARKERS["agzdou_seizures"] if m not in ("agzdou_seizures", "agzdou")]
    gone += [v for row in FILES["agzdou_seizures"][2] for v in row[:7] if v and len(v) > 5]
    data = _folder_bytes(tmp_path / "ws")
    assert [g for g in gone if g.encode() in data]  # there before: the check can fail
    ws.erase_source("agzdou_seizures", "court order", actor=ACTOR)
    data = _folder_bytes(tmp_path / "ws")
    assert [g for g in gone if g.encode() in data] == []
    assert not list((tmp_path / "ws").glob("*.tmp")) and not list((tmp_path / "ws").glob("*.wal"))
    assert _verify(path).ok
    kept = [m for m in MARKERS["agyden_tips"] if len(m) > 6]
    assert all(k.encode() in data for k in kept[:3])  # what was not erased is still there


def test_retention_leaves_no_byte_of_the_removed_rows(small, tmp_path):
    path = copy_ws(small[0], tmp_path / "ws")
    # agxpol_open rows are dated 02/01/2023 .. 05/01/2023: keep the last one only
    Workspace.open(path).apply_retention("2023-01-05", "retention rule", actor=ACTOR)
    data = _folder_bytes(tmp_path / "ws")
    assert b"QUASIMODO" not in data and b"0611000002" not in data
    assert b"XAVOPENA" in data
    assert _db_records(path)[-1]["action"] == "retention"


def test_store_layering_has_no_cycle_and_matching_lives_in_match():
    """ARCHITECTURE: the incremental matching is in linkgraph/match (no database), the store keeps tables,
    transactions and locks, and store/view.py does not import store/workspace.py (nor the reverse at import)."""
    import ast

    def imports(path: Path) -> set[str]:
        tree = ast.parse(path.read_text())
        return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module} | \
               {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}

    pkg = REPO / "linkgraph"
    assert not {m for m in imports(pkg / "match" / "incremental.py") if m.startswith("linkgraph.store")}
    assert "linkgraph.store.workspace" not in imports(pkg / "store" / "view.py")
    top = ast.parse((pkg / "store" / "workspace.py").read_text()).body
    assert not any(isinstance(n, ast.ImportFrom) and n.module == "linkgraph.store.view" for n in top)
    for module in ("linkgraph.store.view", "linkgraph.store.workspace"):  # each imports alone, in a fresh process
        subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, check=True)
    for f in (pkg / "store").glob("*.py"):
        assert len(f.read_text().splitlines()) < 600, f
