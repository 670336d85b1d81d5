"""The audit log: records, validation, hash chain, tamper detection, concurrent appends."""
from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path

import pytest

from linkgraph.store.audit import (
    ACTIONS, GENESIS, MAX_VALUE, AuditError, AuditLog, canonical, clean, query_digest, record_hash, verify,
)


def _filled(tmp_path: Path, n: int = 5) -> AuditLog:
    log = AuditLog(tmp_path / "audit" / "audit.jsonl")
    for i in range(n):
        log.append("alice", ACTIONS[i % len(ACTIONS)], case_number=f"PV-2024-{i:04d}",
                   object_ids=[f"P-{i:010x}"], details={"rows": i, "format": "csv"})
    return log


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="ascii").splitlines(keepends=True)


def _write(log: AuditLog, lines: list[str]) -> None:
    log.path.write_text("".join(lines), encoding="ascii")


def test_append_and_verify(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl", clock=lambda: "2024-05-02T09:14:03.000000Z")
    assert log.head() == (0, GENESIS)
    assert verify(log.path).ok and log.records() == []
    first = log.append("alice", "view", case_number="PV-2024-0042", object_ids=["P-3f9a1c2b7d"],
                       details={"depth": 2})
    second = log.append("bruno", "export", case_number="PV-2024-0042", object_ids=("P-3f9a1c2b7d", "T-1173013d44"),
                        details={"format": "graphml", "edges": 12, "sources": ["police_procedures", "douane"]})
    assert first["seq"] == 1 and first["prev_hash"] == GENESIS
    assert second["seq"] == 2 and second["prev_hash"] == first["hash"]
    assert first["at"] == "2024-05-02T09:14:03.000000Z"
    assert first["hash"] == record_hash(first)
    assert log.records() == [first, second]
    assert log.head() == (2, second["hash"])
    lines = _lines(log)
    assert len(lines) == 2 and lines[0] == canonical(first) + "\n"
    body = {k: v for k, v in first.items() if k != "hash"}
    import hashlib
    assert first["hash"] == hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    result = verify(log.path, expected_head=log.head())
    assert result.ok, result.problems
    assert result.records == 2 and result.head == (2, second["hash"])


def test_default_timestamp_is_utc_iso(tmp_path):
    record = AuditLog(tmp_path / "a.jsonl").append("alice", "login", case_number="PV-1")
    assert record["at"].endswith("Z") and record["at"][10] == "T"


def test_edited_field_fails_naming_the_line(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    record = json.loads(lines[2])
    record["user"] = "mallory"
    lines[2] = canonical(record) + "\n"
    _write(log, lines)
    result = verify(log.path)
    assert not result.ok
    assert any(p.startswith("line 3:") and "hash mismatch" in p for p in result.problems), result.problems


def test_edited_line_with_recomputed_hash_fails_on_the_next_line(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    record = json.loads(lines[1])
    record["object_ids"] = []
    record["hash"] = record_hash(record)
    lines[1] = canonical(record) + "\n"
    _write(log, lines)
    result = verify(log.path)
    assert not result.ok
    assert any(p.startswith("line 3:") and "prev_hash" in p for p in result.problems), result.problems


def test_non_canonical_rewrite_is_detected(tmp_path):
    log = _filled(tmp_path, 3)
    lines = _lines(log)
    lines[1] = json.dumps(json.loads(lines[1]), sort_keys=False) + "\n"
    _write(log, lines)
    result = verify(log.path)
    assert any(p.startswith("line 2:") and "canonical" in p for p in result.problems), result.problems


def test_deleted_line_fails_naming_the_line(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    del lines[1]
    _write(log, lines)
    result = verify(log.path)
    assert not result.ok
    assert any(p.startswith("line 2:") and "seq 3 where 2" in p for p in result.problems), result.problems
    assert any(p.startswith("line 2:") and "prev_hash" in p for p in result.problems), result.problems


def test_deleted_first_line_fails(tmp_path):
    log = _filled(tmp_path)
    _write(log, _lines(log)[1:])
    result = verify(log.path)
    assert any(p.startswith("line 1:") for p in result.problems), result.problems


def test_swapped_lines_fail_naming_the_lines(tmp_path):
    log = _filled(tmp_path)
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    _write(log, lines)
    result = verify(log.path)
    assert not result.ok
    assert any(p.startswith("line 2:") for p in result.problems), result.problems
    assert any(p.startswith("line 3:") for p in result.problems), result.problems


def test_deleted_last_line_detected_with_anchor(tmp_path):
    log = _filled(tmp_path)
    anchor = log.head()
    assert verify(log.path, expected_head=anchor).ok
    _write(log, _lines(log)[:-1])
    assert verify(log.path).ok  # without an anchor a cut tail is a shorter valid chain
    result = verify(log.path, expected_head=anchor)
    assert not result.ok
    assert any(p.startswith("line 5:") and "removed from the end" in p for p in result.problems), result.problems


def test_anchor_from_earlier_still_verifies_after_more_appends(tmp_path):
    log = _filled(tmp_path, 3)
    anchor = log.head()
    log.append("alice", "search", case_number="PV-9")
    assert verify(log.path, expected_head=anchor).ok


def test_rewritten_chain_detected_with_anchor(tmp_path):
    log = _filled(tmp_path, 3)
    anchor = log.head()
    log.path.unlink()
    forged = AuditLog(log.path)
    for _ in range(3):
        forged.append("mallory", "login", case_number="PV-0")
    assert verify(log.path).ok
    result = verify(log.path, expected_head=anchor)
    assert not result.ok and any(p.startswith("line 3:") and "anchor" in p for p in result.problems)


def test_truncated_last_line_is_reported_and_blocks_appends(tmp_path):
    log = _filled(tmp_path, 3)
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-10])
    result = verify(log.path)
    assert any(p.startswith("line 3:") and "incomplete" in p for p in result.problems), result.problems
    with pytest.raises(AuditError, match="incomplete line"):
        log.append("alice", "view", case_number="PV-1")


def test_garbage_line_is_reported(tmp_path):
    log = _filled(tmp_path, 3)
    lines = _lines(log)
    lines[1] = "hello\n"
    _write(log, lines)
    result = verify(log.path)
    assert any(p.startswith("line 2:") and "not a JSON record" in p for p in result.problems)


def test_cr_lf_and_control_characters_are_stripped(tmp_path):
    log = AuditLog(tmp_path / "a.jsonl")
    forged = '{"seq":99}'
    record = log.append("alice\r\n" + forged, "view", case_number="PV-1\n\r2\x00\x1b[31m\u2028\u202e",
                        object_ids=["P-1\n"], details={"code": "a\rb"})
    assert record["user"] == "alice" + forged
    assert record["case_number"] == "PV-12[31m"
    assert record["object_ids"] == ["P-1"] and record["details"] == {"code": "ab"}
    text = log.path.read_text(encoding="ascii")
    assert text.count("\n") == 1 and "\r" not in text
    assert verify(log.path).ok
    assert clean(" a\tb\x85c ") == "abc"


@pytest.mark.parametrize("case_number", ["", "   ", "\r\n", None])
def test_empty_case_number_refused(tmp_path, case_number):
    log = AuditLog(tmp_path / "a.jsonl")
    with pytest.raises(AuditError, match="case_number"):
        log.append("alice", "view", case_number=case_number, object_ids=["P-1"])
    assert not log.path.exists()


def test_empty_user_and_unknown_action_refused(tmp_path):
    log = AuditLog(tmp_path / "a.jsonl")
    with pytest.raises(AuditError, match="user"):
        log.append(" \n", "view", case_number="PV-1")
    with pytest.raises(AuditError, match="unknown action"):
        log.append("alice", "drop_table", case_number="PV-1")
    assert log.records() == []


def test_content_looking_values_refused(tmp_path):
    log = AuditLog(tmp_path / "a.jsonl")
    text = "Mohamed BENALI né le 03/04/1985 à Marseille, domicilié 12 rue de la République " * 4
    assert len(text) > MAX_VALUE
    with pytest.raises(AuditError, match="details.note"):
        log.append("alice", "view", case_number="PV-1", details={"note": text})
    with pytest.raises(AuditError, match="object_ids"):
        log.append("alice", "view", case_number="PV-1", object_ids=[text])
    with pytest.raises(AuditError, match="case_number"):
        log.append("alice", "view", case_number=text)
    with pytest.raises(AuditError, match="details.record"):
        log.append("alice", "view", case_number="PV-1", details={"record": {"nom": "BENALI"}})
    with pytest.raises(AuditError, match="details.rows"):
        log.append("alice", "view", case_number="PV-1", details={"rows": [["nested"]]})
    with pytest.raises(AuditError, match="details keys"):
        log.append("alice", "view", case_number="PV-1", details={"Nom Prénom": "x"})
    with pytest.raises(AuditError):
        log.append("alice", "view", case_number="PV-1", details={"score": float("nan")})
    assert log.records() == []
    # the error message never echoes the refused value
    with pytest.raises(AuditError) as info:
        log.append("alice", "view", case_number="PV-1", details={"note": text})
    assert "BENALI" not in str(info.value)


def test_query_digest_hides_the_text():
    digest = query_digest("  Mohamed   BENALI ")
    assert digest == query_digest("mohamed benali") and "benali" not in digest.lower()
    assert digest.startswith("sha256:") and len(digest) <= MAX_VALUE
    assert query_digest("x", key=b"k").startswith("hmac-sha256:")


def _append_many(path: str, who: str, n: int) -> None:
    log = AuditLog(path)
    for i in range(n):
        log.append(who, "search", case_number=f"PV-{who}", object_ids=[f"P-{i:010x}"], details={"i": i})


def test_concurrent_processes_keep_one_chain(tmp_path):
    path = str(tmp_path / "audit.jsonl")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(path, who, 200)) for who in ("p1", "p2")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    result = verify(path)
    assert result.ok, result.problems[:5]
    records = AuditLog(path).records()
    assert len(records) == 400 and [r["seq"] for r in records] == list(range(1, 401))
    assert sum(r["user"] == "p1" for r in records) == 200


def test_concurrent_threads_keep_one_chain(tmp_path):
    path = str(tmp_path / "audit.jsonl")
    threads = [threading.Thread(target=_append_many, args=(path, f"t{k}", 50)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verify(path)
    assert result.ok and result.records == 200


def test_head_file_catches_a_cut_tail(tmp_path):
    """The log keeps its head (seq and hash of the last record) in ``<log>.head``: ``verify_log``
    (what ``linkgraph audit verify`` runs) finds lines cut from the end, a removed head file and a
    removed log."""
    from linkgraph.store.audit import head_path, verify_log

    log = _filled(tmp_path, 4)
    assert head_path(log.path).read_text().strip() == "%d:%s" % log.head()
    assert verify_log(log.path).ok
    full = log.path.read_bytes()
    _write(log, _lines(log)[:-1])
    assert verify(log.path).ok  # a shorter chain is valid on its own ...
    result = verify_log(log.path)  # ... but not against the head file
    assert not result.ok and any("removed from the end" in p for p in result.problems), result.problems
    log.path.write_bytes(full)
    assert verify_log(log.path).ok
    head = head_path(log.path).read_text()
    head_path(log.path).unlink()
    assert any("head file is missing" in p for p in verify_log(log.path).problems)
    head_path(log.path).write_text(head)
    log.path.unlink()
    assert any("log is missing" in p for p in verify_log(log.path).problems)


def test_cli_audit_verify_uses_the_head_file(tmp_path):
    from typer.testing import CliRunner

    from linkgraph.cli import app

    log = _filled(tmp_path, 3)
    runner = CliRunner()
    assert runner.invoke(app, ["audit", "verify", str(log.path)]).exit_code == 0
    _write(log, _lines(log)[:-1])
    out = runner.invoke(app, ["audit", "verify", str(log.path)])
    assert out.exit_code == 1 and "removed from the end" in out.output


def test_a_workspace_log_removed_with_its_head_file_is_found(tmp_path):
    """``linkgraph init`` writes the log's first record (``init``) and its head file: removing both the
    log and its head file of an existing workspace does not make an empty, valid log."""
    from typer.testing import CliRunner

    from linkgraph.cli import app
    from linkgraph.store.audit import head_path, verify_log

    ws = tmp_path / "case.lgw"
    assert CliRunner().invoke(app, ["init", str(ws)]).exit_code == 0
    log = AuditLog(str(ws) + ".audit.jsonl")
    first = log.records()
    assert verify_log(log.path).ok and [r["action"] for r in first] == ["init"]
    assert head_path(log.path).read_text().strip() == f"1:{first[0]['hash']}"
    log.path.unlink()
    head_path(log.path).unlink()
    result = verify_log(log.path)
    assert not result.ok and any("head file is missing" in p for p in result.problems)
