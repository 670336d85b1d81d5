"""``linkgraph explain A B`` says why two mentions are, or are not, one entity (linkgraph.match.why).

A small file and a model with fixed m/u (no EM), so that each case below is what its name says:
a pair no blocking rule pairs, a strong match refused by the date-of-birth constraint, a pair only
chained through a third mention and separated by the re-clustering, a pair an analyst judged not the
same, vehicles (identifiers only), and unknown ids. Through the CLI (files with -m, a saved run, the
explorer's API) and the Python API.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import linkgraph
from linkgraph.match.pipeline import DEFAULT_RULES

ROWS = """ref,prenom,nom,naissance,tel,plaque
R1,Jean,DUPONT,1980-01-01,0611111111,AB-123-CD
R2,Jean,DUPONT,1980-01-01,0611111111,AB-123-CD
R3,Jean,DUPONT,1985-06-07,0611111111,
R4,Paul,MARTIN,1990-02-02,0622222222,XY-999-ZZ
R5,Pierre,DURAND,1970-03-03,,
R6,Luc,BERNARD,1975-01-01,0633333333,
R7,Luc,BERNARD,,0633333333,
R8,Luc,BERNARD,1960-05-05,,
R9,Anne,PETIT,1988-08-08,0644444444,
R10,Anne,PETIT,1988-08-08,0644444444,
"""
MAPPING = """source: why
agency: police
classification: restricted
format: csv
record_id: ref
mentions:
  person:
    type: person
    fields: {first_name: prenom, last_name: nom, dob: naissance}
  phone:
    type: phone
    fields: {number: tel}
  car:
    type: vehicle
    fields: {plate: plaque}
relations:
  - {type: uses, from: person, to: phone}
  - {type: drives, from: person, to: car}
"""
# a trained person model (m and u given): names +6.5 bits each, a different date of birth -6.6,
# the same phone +9.8, prior -6.6, threshold 0.8 (+2 bits)
PERSON = """entity_type: person
identifiers: [id_number]
blocking: [[last_name], [phone]]
constraints: [{column: dob, tolerance: date}]
threshold: 0.8
probability_two_random_records_match: 0.01
comparisons:
  - {name: first_name, column: first_name, levels: [{kind: exact, m: 0.9, u: 0.01}, {kind: else, m: 0.1, u: 0.99}]}
  - {name: last_name, column: last_name, levels: [{kind: exact, m: 0.9, u: 0.01}, {kind: else, m: 0.1, u: 0.99}]}
  - {name: dob, column: dob, levels: [{kind: exact, m: 0.9, u: 0.001}, {kind: else, m: 0.01, u: 0.999}]}
  - {name: phone, column: phone, levels: [{kind: exact, m: 0.9, u: 0.001}, {kind: else, m: 0.1, u: 0.999}]}
"""
JUDGMENTS = "mention_a,mention_b,verdict\nwhy:9:person,why:10:person,different\n"


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("why")
    (work / "why.csv").write_text(ROWS, encoding="utf-8")
    (work / "why.yaml").write_text(MAPPING, encoding="utf-8")
    (work / "judgments.csv").write_text(JUDGMENTS, encoding="utf-8")
    rules = work / "rules"
    rules.mkdir()
    (rules / "person.yaml").write_text(PERSON, encoding="utf-8")
    for other in ("vehicle", "phone"):
        shutil.copy(DEFAULT_RULES / f"{other}.yaml", rules / f"{other}.yaml")
    return work


def explain(work: Path, a: str, b: str, *extra: str) -> subprocess.CompletedProcess:
    given = ["-m", f"{work / 'why.yaml'}:{work / 'why.csv'}", "--rules", str(work / "rules")]
    return subprocess.run([sys.executable, "-m", "linkgraph", "explain", a, b, *(extra or given)],
                          capture_output=True, text=True)


def ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc.stdout


def test_blocked_out_pair(work):
    out = ok(explain(work, "why:4:person", "why:5:person"))
    assert "compared: no" in out and "why: not compared" in out
    assert "rule [last_name]: does not pair them (differ: last_name martin / durand)" in out
    assert "rule [phone]: does not pair them (missing: phone (one side))" in out


def test_constraint_refused_pair(work):
    out = ok(explain(work, "why:1:person", "why:3:person"))
    assert "decision: match: probability 0.99" in out and "same entity: no" in out
    assert "why: refused by constraint" in out
    assert "different dob: 1980-01-01 / 1985-06-07" in out
    assert "exact phone" in out and "+9.81" in out   # the waterfall: each comparison's level and weight


def test_reclustered_pair(work):
    out = ok(explain(work, "why:6:person", "why:8:person"))
    assert "why: separated by re-clustering" in out
    assert "below the threshold (-0.29 bits < +2.00)" in out
    assert "why:7:person — why:8:person (model, +6.35 bits): different dob: 1975-01-01 / 1960-05-05" in out


def test_judged_pair(work):
    given = ["-m", f"{work / 'why.yaml'}:{work / 'why.csv'}", "--rules", str(work / "rules"),
             "--judgments", str(work / "judgments.csv")]
    out = ok(explain(work, "why:9:person", "why:10:person", *given))
    assert "same entity: no" in out and "why: split by judgment" in out
    assert "judged not the same: why:9:person / why:10:person" in out
    # without the judgment they are one person
    assert "why: merged" in ok(explain(work, "why:9:person", "why:10:person"))


def test_vehicle_pairs(work):
    out = ok(explain(work, "why:1:car", "why:4:car"))
    assert "identifier plate: AB-123-CD / XY-999-ZZ" in out and "why: no link" in out
    assert "links mentions only by a shared identifier" in out and "they share none" in out
    same = ok(explain(work, "why:1:car", "why:2:car"))
    assert "identifier plate: AB-123-CD / AB-123-CD — shared" in same and "why: merged" in same


def test_saved_run_and_judgments(work, tmp_path):
    run = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "linkgraph", "resolve", "-m", f"{work / 'why.yaml'}:{work / 'why.csv'}",
                           "--rules", str(work / "rules"), "--judgments", str(work / "judgments.csv"), "-o", str(run)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = ok(explain(work, "police:1:person", "police:3:person", "--run", str(run)))  # agency-style ids
    assert "why: refused by constraint" in out
    out = ok(explain(work, "why:9:person", "why:10:person", "--run", str(run), "--judgments", str(work / "judgments.csv")))
    assert "why: split by judgment" in out


def test_unknown_ids_and_types_are_clear_errors(work):
    for a, b, message in (("why:99:person", "why:1:person", "no mention 'why:99:person'"),
                          ("why:1:person", "why:1:car", "only mentions of one entity type compare"),
                          ("why:1:person", "why:1:person", "given twice")):
        proc = explain(work, a, b)
        assert proc.returncode == 2 and message in proc.stderr + proc.stdout
        assert "Traceback" not in proc.stderr + proc.stdout


def test_api_and_explorer(work, tmp_path):
    import pandas as pd

    from linkgraph.service import ExplorerState, create_app

    sources = [(work / "why.yaml", work / "why.csv")]
    result = linkgraph.resolve_sources(sources, settings=work / "rules")
    why = linkgraph.why_pair(result, "why:1:person", "why:3:person")
    assert why.reason == "refused by constraint" and not why.same_entity and why.compared
    assert why.to_dict()["blocking"][0] == {"rule": ["last_name"], "pairs": True, "note": ""}
    judged = linkgraph.why_pair(result, "why:9:person", "why:10:person",
                                pd.read_csv(work / "judgments.csv", dtype=str))
    assert judged.reason == "merged"  # this resolution did not apply the judgment: it is recomputed as run
    folder = tmp_path / "explorer"
    folder.mkdir()
    shutil.copy(work / "judgments.csv", folder / "judgments.csv")
    client = TestClient(create_app(ExplorerState(folder, sources, settings=work / "rules", scoring=False)))
    got = client.get("/api/explain", params={"a": "why:6:person", "b": "why:8:person"})
    assert got.status_code == 200, got.text
    assert got.json()["why"]["reason"] == "separated by re-clustering"
    got = client.get("/api/explain", params={"a": "why:9:person", "b": "why:10:person"}).json()
    assert got["same_entity"] is False and got["why"]["reason"] == "split by judgment"


def test_workspace_judgment(work, tmp_path):
    """In a workspace, the stored judgments are the ones that split: the reason names them."""
    from linkgraph.store.workspace import Workspace

    users = tmp_path / "users.yaml"
    users.write_text('users:\n  rev: {role: reviewer, agencies: "*", max_classification: secret}\n', encoding="utf-8")
    db = tmp_path / "w.db"
    Workspace.create(db, settings=work / "rules").bind_users(users)
    who = ["-w", str(db), "--user", "rev", "--case", "C-1"]

    def cli(*args):
        proc = subprocess.run([sys.executable, "-m", "linkgraph", *args, *who], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        return proc.stdout

    cli("ingest", str(work / "why.csv"), "-m", str(work / "why.yaml"))
    assert "why: merged" in cli("explain", "why:9:person", "why:10:person")
    cli("judge", "why:9:person", "why:10:person", "different")
    out = cli("explain", "why:9:person", "why:10:person")
    assert "same entity: no" in out and "why: split by judgment" in out
    assert "judged not the same: why:9:person / why:10:person" in out
    proc = explain(work, "why:1:person", "why:99:person", *who)
    assert proc.returncode == 2 and "not found or not permitted" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr + proc.stdout


def test_blocking_after_budget_refinement(work):
    """A rule whose block was over the budget and was refined: the pair fell in different sub-blocks."""
    from linkgraph.match.settings import Budget, load_settings_dir

    settings = load_settings_dir(work / "rules")
    settings["person"] = settings["person"].model_copy(update={"budget": Budget(pairs_per_rule=3, refine=["birth_year"])})
    result = linkgraph.resolve_sources([(work / "why.yaml", work / "why.csv")], settings=settings)
    why = linkgraph.why_pair(result, "why:6:person", "why:8:person")
    by_rule = {tuple(b["rule"]): b for b in why.blocking}
    assert not by_rule[("last_name",)]["pairs"]
    assert by_rule[("last_name",)]["note"] == ("same keys, but the block was over the pair budget and was refined by "
                                              "birth_year: birth_year 1975 / 1960")
    assert why.reason == "not compared" and not why.compared
    text = "\n".join(why.lines())
    assert "rule [last_name]: does not pair them (same keys, but the block was over the pair budget" in text
