"""Issue 14, tamper evidence: 26 ways an insider with write access to the workspace folder (log, head
file, database) but not to the audit key can alter the audit trail, each found by `linkgraph audit
verify`; and what only an anchor kept outside finds (a key holder rewriting, a rollback)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from access_world import write_source
from linkgraph.cli import app
from linkgraph.store.audit import GENESIS, canonical, head_path, record_hash
from linkgraph.store.ledger import anchor_of, head_mac, load_key, seal, verify_path
from linkgraph.store.workspace import Workspace

ACTOR = ("adm", "PV-2024-7")


def _make(folder: Path, source: str) -> Path:
    mapping, file = write_source(folder / "files", source)
    path = folder / "ws.lgw"
    ws = Workspace.create(path, actor=ACTOR)
    ws.ingest(file, mapping, actor=ACTOR)
    for k in range(3):
        ws.audit("bob", "search", case_number="PV-2024-8", details={"query": f"hmac-sha256:{k:064x}"})
    ws.audit("bob", "view", case_number="PV-2024-8", object_ids=["P-1"])
    return path


@pytest.fixture(scope="module")
def worlds(tmp_path_factory) -> tuple[Path, Path]:
    a = _make(tmp_path_factory.mktemp("a"), "agzdou_seizures")
    b = _make(tmp_path_factory.mktemp("b"), "agzdou_seizures")
    return a, b


def _copy(src: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    dst = folder / "ws.lgw"
    shutil.copy(src, dst)
    for suffix in (".audit.jsonl", ".audit.jsonl.head"):
        shutil.copy(str(src) + suffix, str(dst) + suffix)
    return dst


def log_of(ws: Path) -> Path:
    return Path(str(ws) + ".audit.jsonl")


def read(ws: Path) -> list[dict]:
    return [json.loads(line) for line in log_of(ws).read_text().splitlines()]


def write(ws: Path, records: list[dict], head: bool = True) -> None:
    log_of(ws).write_text("".join(canonical(r) + "\n" for r in records))
    if head:
        last = records[-1] if records else {"seq": 0, "hash": GENESIS}
        head_path(log_of(ws)).write_text(f"{last['seq']}:{last['hash']}\n")


def rechain(records: list[dict]) -> list[dict]:
    """Seq, prev_hash and hash recomputed (what anyone can do); the mac stays (it needs the key)."""
    prev = GENESIS
    out = []
    for k, r in enumerate(records, 1):
        r = {**r, "seq": k, "prev_hash": prev}
        r["hash"] = record_hash(r)
        prev = r["hash"]
        out.append(r)
    return out


def db_exec(ws: Path, sql: str, params=()) -> None:
    con = duckdb.connect(str(ws))
    try:
        con.execute(sql, list(params))
    finally:
        con.close()


def db_lines(ws: Path) -> list[dict]:
    con = duckdb.connect(str(ws), read_only=True)
    try:
        return [json.loads(x) for (x,) in con.execute("SELECT line FROM audit ORDER BY seq").fetchall()]
    finally:
        con.close()


def db_write(ws: Path, records: list[dict], head: str | None = None) -> None:
    con = duckdb.connect(str(ws))
    try:
        con.execute("DELETE FROM audit")
        for r in records:
            con.execute("INSERT INTO audit VALUES (?, ?)", [r["seq"], canonical(r)])
        if head is not None:
            con.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", [head])
    finally:
        con.close()


def forged(last: dict, **change) -> dict:
    body = {"at": "2024-06-01T10:00:00.000000Z", "user": "mallory", "action": "view", "case_number": "PV-9",
            "object_ids": ["P-2"], "details": {}, "mac": "0" * 64, **change}
    r = {**body, "seq": last["seq"] + 1, "prev_hash": last["hash"]}
    r["hash"] = record_hash(r)
    return r


# Each case alters a copy of workspace A (B: another workspace); the insider has no audit key.
def t01_edit_user(ws, other):
    rs = read(ws); rs[2]["user"] = "eve"; write(ws, rs, head=False)


def t02_edit_action_rehash(ws, other):
    rs = read(ws); rs[2]["action"] = "view"; rs[2]["hash"] = record_hash(rs[2]); write(ws, rs, head=False)


def t03_edit_details_rechain(ws, other):
    rs = read(ws); rs[3]["details"] = {"query": "sha256:" + "1" * 64}; write(ws, rechain(rs))


def t04_delete_middle(ws, other):
    rs = read(ws); del rs[2]; write(ws, rs, head=False)


def t05_delete_first(ws, other):
    rs = read(ws); write(ws, rs[1:], head=False)


def t06_insert_rechained(ws, other):
    rs = read(ws); rs.insert(2, forged(rs[1])); write(ws, rechain(rs))


def t07_swap_two(ws, other):
    rs = read(ws); rs[2], rs[3] = rs[3], rs[2]; write(ws, rs, head=False)


def t08_duplicate(ws, other):
    rs = read(ws); rs.insert(3, rs[2]); write(ws, rs, head=False)


def t09_cut_tail_head_untouched(ws, other):
    rs = read(ws); write(ws, rs[:-2], head=False)


def t10_cut_tail_head_rewritten(ws, other):
    rs = read(ws); write(ws, rs[:-2])


def t11_torn_last_line(ws, other):
    data = log_of(ws).read_bytes(); log_of(ws).write_bytes(data[:-30])


def t12_garbage_line(ws, other):
    with open(log_of(ws), "a") as f:
        f.write("not json at all\n")


def t13_extra_field(ws, other):
    rs = read(ws); rs[1]["note"] = "x"; rs[1]["hash"] = record_hash(rs[1]); write(ws, rechain(rs))


def t14_head_file_deleted(ws, other):
    head_path(log_of(ws)).unlink()


def t15_head_file_edited(ws, other):
    head_path(log_of(ws)).write_text(f"3:{'a' * 64}\n")


def t16_log_deleted_head_kept(ws, other):
    log_of(ws).unlink()


def t17_forged_append_head_untouched(ws, other):
    rs = read(ws); rs.append(forged(rs[-1])); write(ws, rs, head=False)


def t18_forged_append_head_updated(ws, other):
    rs = read(ws); rs.append(forged(rs[-1])); write(ws, rs)


def t19_whole_log_rewritten(ws, other):
    rs = read(ws)
    rs = [{**r, "user": "eve", "case_number": "PV-0"} for r in rs]
    write(ws, rechain(rs))


def t20_other_workspaces_log_swapped_in(ws, other):
    shutil.copy(log_of(other), log_of(ws))
    shutil.copy(head_path(log_of(other)), head_path(log_of(ws)))


def t21_log_deleted_head_reset(ws, other):
    log_of(ws).unlink(); head_path(log_of(ws)).write_text(f"0:{GENESIS}\n")


def t22_log_emptied_head_deleted(ws, other):
    log_of(ws).write_bytes(b""); head_path(log_of(ws)).unlink()


def t23_case_changed_everything_recomputed(ws, other):
    rs = read(ws); rs[1]["case_number"] = "PV-0000"; write(ws, rechain(rs))


def t24_moved_last_to_first_rechained(ws, other):
    rs = read(ws); write(ws, rechain([rs[-1]] + rs[:-1]))


# the insider also writes the database (same folder), still without the key
def t25_db_and_log_edited_alike(ws, other):
    rs = read(ws); rs[2]["user"] = "eve"; rs = rechain(rs); write(ws, rs)
    last = rs[-1]
    db_write(ws, rs, f"{last['seq']}:{last['hash']}:{'0' * 64}")


def t26_db_and_log_cut_alike(ws, other):
    rs = read(ws)[:-2]; write(ws, rs)
    last = rs[-1]
    db_write(ws, rs, f"{last['seq']}:{last['hash']}:{'0' * 64}")


CASES = [t01_edit_user, t02_edit_action_rehash, t03_edit_details_rechain, t04_delete_middle, t05_delete_first,
         t06_insert_rechained, t07_swap_two, t08_duplicate, t09_cut_tail_head_untouched, t10_cut_tail_head_rewritten,
         t11_torn_last_line, t12_garbage_line, t13_extra_field, t14_head_file_deleted, t15_head_file_edited,
         t16_log_deleted_head_kept, t17_forged_append_head_untouched, t18_forged_append_head_updated,
         t19_whole_log_rewritten, t20_other_workspaces_log_swapped_in, t21_log_deleted_head_reset,
         t22_log_emptied_head_deleted, t23_case_changed_everything_recomputed, t24_moved_last_to_first_rechained,
         t25_db_and_log_edited_alike, t26_db_and_log_cut_alike]


TAIL_CASES = {t03_edit_details_rechain, t06_insert_rechained, t09_cut_tail_head_untouched, t10_cut_tail_head_rewritten,
              t11_torn_last_line, t12_garbage_line, t13_extra_field, t16_log_deleted_head_kept,
              t17_forged_append_head_untouched, t18_forged_append_head_updated, t19_whole_log_rewritten,
              t20_other_workspaces_log_swapped_in, t21_log_deleted_head_reset, t22_log_emptied_head_deleted,
              t23_case_changed_everything_recomputed, t24_moved_last_to_first_rechained}


def test_the_untouched_workspace_verifies(worlds, tmp_path):
    ws = _copy(worlds[0], tmp_path / "w")
    result = verify_path(log_of(ws))
    assert result.ok and result.records == 6, result.problems
    out = CliRunner().invoke(app, ["audit", "verify", str(log_of(ws))])
    assert out.exit_code == 0 and out.output.startswith("ok:"), out.output


@pytest.mark.parametrize("tamper", CASES, ids=[c.__name__ for c in CASES])
def test_tampering_without_the_key_is_detected(tamper, worlds, tmp_path):
    ws = _copy(worlds[0], tmp_path / "w")
    other = _copy(worlds[1], tmp_path / "o")
    tamper(ws, other)
    result = verify_path(log_of(ws))
    assert not result.ok, tamper.__name__
    out = CliRunner().invoke(app, ["audit", "verify", str(log_of(ws))])
    assert out.exit_code == 1 and "broken:" in out.output, out.output
    # and no command runs on a log whose end does not match the workspace's chain (each command checks the
    # last record only; an edit further up is for `audit verify`)
    if tamper in TAIL_CASES:
        from linkgraph.store.audit import AuditError

        with pytest.raises(AuditError):
            Workspace.open(ws).audit("adm", "view", case_number="PV-1")


def _key(ws: Path) -> bytes:
    con = duckdb.connect(str(ws), read_only=True)
    try:
        return load_key(con.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()[0])
    finally:
        con.close()


def test_a_key_holder_rewriting_log_and_database_is_found_only_by_an_anchor(worlds, tmp_path):
    """What the key does not protect: whoever holds it (the accounts that run linkgraph) and can write the
    folder can re-sign a rewritten chain. An anchor copied out before (`linkgraph audit anchor`) finds it."""
    ws = _copy(worlds[0], tmp_path / "w")
    anchor = anchor_of(ws).split()[0]
    key = _key(ws)
    rs = db_lines(ws)
    bodies = [{k: v for k, v in r.items() if k not in ("seq", "prev_hash", "hash", "mac")} for r in rs]
    bodies[3]["user"] = "eve"
    prev, new = GENESIS, []
    for k, body in enumerate(bodies, 1):
        r = seal(body, k, prev, key)
        prev = r["hash"]
        new.append(r)
    head = f"{new[-1]['seq']}:{new[-1]['hash']}"
    db_write(ws, new, f"{head}:{head_mac(head, key)}")
    write(ws, new)
    assert verify_path(log_of(ws)).ok  # not found without an anchor: stated in the README
    result = verify_path(log_of(ws), tuple([int(anchor.split(":")[0]), anchor.split(":")[1]]))
    assert not result.ok and any("anchor" in p for p in result.problems)
    out = CliRunner().invoke(app, ["audit", "verify", str(log_of(ws)), "--anchor", anchor])
    assert out.exit_code == 1, out.output


def test_a_rollback_to_an_older_copy_is_found_only_by_an_anchor(worlds, tmp_path):
    ws = _copy(worlds[0], tmp_path / "w")
    old = _copy(worlds[0], tmp_path / "old")
    Workspace.open(ws).audit("adm", "view", case_number="PV-1")
    anchor = anchor_of(ws).split()[0]
    for suffix in ("", ".audit.jsonl", ".audit.jsonl.head"):  # the whole folder put back as it was
        shutil.copy(str(old) + suffix, str(ws) + suffix)
    assert verify_path(log_of(ws)).ok
    seq, digest = anchor.split(":")
    assert not verify_path(log_of(ws), (int(seq), digest)).ok
