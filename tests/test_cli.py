"""The command line end to end on the fixtures: resolve, score, chart, export."""
import json
import subprocess
import sys

import pandas as pd


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "linkgraph.cli", *args], capture_output=True, text=True,
                          check=True, cwd=cwd)


def test_resolve_writes_tables_and_counts(tmp_path):
    _run("resolve", "-o", str(tmp_path), "--workers", "2")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["rows_in"] == summary["rows_resolved"] + summary["rows_rejected"]
    mentions = pd.read_parquet(tmp_path / "mentions.parquet")
    assert len(mentions) == sum(summary["mentions"].values())
    assert (tmp_path / "models" / "person.yaml").exists()
    proc = subprocess.run([sys.executable, "-m", "linkgraph.cli", "resolve", "--workers", "0"], capture_output=True, text=True)
    assert proc.returncode == 2 and "--workers" in proc.stderr + proc.stdout


def test_score_chart_and_export(tmp_path):
    run = tmp_path / "run"
    _run("resolve", "-o", str(run))
    _run("score", str(run), "--top", "5")
    ranked = pd.read_csv(run / "score" / "ranked.csv")
    assert len(ranked) == 5 and ranked["rank"].tolist() == [1, 2, 3, 4, 5]
    _run("chart", "--run", str(run), "--top", "3", "-o", str(tmp_path / "chart.html"))
    html = (tmp_path / "chart.html").read_text()
    assert "chart-data" in html and "https://" not in html.split("vis-network")[0]
    out = _run("export", str(run), "-o", str(tmp_path / "export")).stdout
    assert "graphml" in out and (tmp_path / "export" / "i2_links.csv").exists()


def test_bad_mapping_gives_a_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: x\nagency: police\nclassification: top\nformat: csv\nmentions: {}\n")
    proc = subprocess.run([sys.executable, "-m", "linkgraph.cli", "validate", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert f"{bad}: classification" in proc.stdout


def test_audit_verify_detects_an_edited_line(tmp_path):
    from linkgraph.store.audit import AuditLog

    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for k in range(3):
        log.append("alice", "view", case_number="2024/001", object_ids=[f"P-{k}"])
    assert "ok:" in _run("audit", "verify", str(path)).stdout
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("P-1", "P-9")
    path.write_text("\n".join(lines) + "\n")
    proc = subprocess.run([sys.executable, "-m", "linkgraph.cli", "audit", "verify", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "line 2" in proc.stdout


def test_workspace_commands_are_audited(tmp_path, repo):
    ws = tmp_path / "case.db"
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  alice: {role: analyst, agencies: '*', max_classification: secret}\n"
                     "  bob: {role: admin, agencies: '*', max_classification: secret}\n"
                     "  vera: {role: viewer, agencies: '*', max_classification: secret}\n")
    _run("init", str(ws), "--users", str(users))
    denied = subprocess.run([sys.executable, "-m", "linkgraph.cli", "erase", "gendarmerie", "-w", str(ws), "--reason",
                             "r", "--user", "vera", "--case", "DEC-0"], capture_output=True, text=True)
    assert denied.returncode == 2 and "not permitted: erase" in denied.stderr
    args = ["-m", str(repo / "rules/sources/gendarmerie.yaml"), "-w", str(ws), "--user", "alice", "--case", "2024/17"]
    first = _run("ingest", str(repo / "fixtures/data/gendarmerie.csv"), *args).stdout
    again = _run("ingest", str(repo / "fixtures/data/gendarmerie.csv"), *args).stdout
    assert first.startswith("ingested:") and again.startswith("unchanged:")
    _run("erase", "gendarmerie", "-w", str(ws), "--reason", "retention", "--user", "bob", "--case", "DEC-1")
    log = (tmp_path / "case.db.audit.jsonl").read_text().splitlines()
    # init and the users it binds are recorded too; each change once, with the change (issue 14)
    assert [json.loads(line)["action"] for line in log] == ["init", "manage_users", "access_denied", "ingest",
                                                            "ingest", "erase"]
    assert "ok:" in _run("audit", "verify", str(tmp_path / "case.db.audit.jsonl")).stdout


def test_judge_and_retention_commands_check_roles_and_visibility(tmp_path):
    from typer.testing import CliRunner

    from access_world import build_world
    from linkgraph.cli import app
    from linkgraph.store.workspace import Workspace

    world = build_world(tmp_path / "w")

    def cli(user, *args):
        return CliRunner().invoke(app, [*args, "-w", str(world.path), "--users", str(world.users_file),
                                        "--user", user, "--case", "PV-7"])

    a, b = "agxpol_open:4:person", "agzdou_seizures:1:person"
    assert "not permitted: judgment" in cli("ax", "judge", a, b, "same").output
    hidden = cli("az", "judge", b, a, "same")          # az cannot see agxpol
    missing = cli("az", "judge", b, "agzdou_seizures:9:person", "same")
    assert hidden.exit_code == missing.exit_code == 2
    assert hidden.output.replace(a, "X") == missing.output.replace("agzdou_seizures:9:person", "X")
    done = cli("rv", "judge", a, b, "same")
    assert done.exit_code == 0, done.output
    owner = Workspace.open(world.path).mention_entities().set_index("mention_id")["entity_id"]
    assert owner[a] == owner[b]
    assert "not permitted" in cli("rv", "retention", "2023-01-05", "--reason", "5 years").output
    done = cli("adm", "retention", "2023-01-05", "--reason", "5 years")
    assert done.exit_code == 0, done.output
    left = Workspace.open(world.path).result().mentions
    planted = left[left["source"] != "gendarmerie"]
    assert (planted["date"].astype(str) >= "2023-01-05").all()
    actions = [json.loads(line)["action"] for line in (tmp_path / "w" / "world.lgw.audit.jsonl").read_text().splitlines()]
    # refusals (role, hidden or missing mention) are access_denied with the action; each change one record
    assert actions == ["init", "manage_users", "ingest", "access_denied", "access_denied", "access_denied", "judgment",
                       "access_denied", "retention"]


def test_validate_checks_matching_models(tmp_path, repo):
    ok = _run("validate", str(repo / "rules/matching/company.yaml"), str(repo / "rules/sources/gendarmerie.yaml")).stdout
    assert "company.yaml: ok (matching model of company" in ok and "gendarmerie.yaml: ok" in ok
    model = (repo / "rules/matching/company.yaml").read_text()
    strict = "{kind: jaro_winkler, threshold: 0.9}"
    assert model.count(strict) == 1
    dead = tmp_path / "company.yaml"   # a looser band listed before the model's own
    dead.write_text(model.replace(strict, "{kind: jaro_winkler, threshold: 0.52}\n      - " + strict))
    proc = subprocess.run([sys.executable, "-m", "linkgraph.cli", "validate", str(dead)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stdout + proc.stderr
    # the inserted band is level 10 of the model's name comparison; the strict one moves to level 11
    assert f"error: {dead}: comparisons[0]: comparison 'name': level 11 (name jaro_winkler >= 0.9) can never be " \
           f"reached: level 10 (name jaro_winkler >= 0.52) comes first" in proc.stdout
