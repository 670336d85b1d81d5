"""Watchlists and alerts on new data (issue 17, item 3): an ingest touching a watched entity raises
exactly one alert with its rows; second agency; score rise; access rules; audited reads; CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from linkgraph.sources.mapping import parse_mapping
from linkgraph.store.access import User
from linkgraph.store.watchlists import add_watchlist, owner_scores, read_alerts, watchlists
from linkgraph.store.workspace import Workspace, WorkspaceError


def _mapping(source: str, agency: str, classification: str = "restricted"):
    return parse_mapping({"source": source, "agency": agency, "classification": classification, "format": "csv",
                          "delimiter": ";", "date": "date", "record_id": "num",
                          "mentions": {"p": {"type": "person", "fields": {"last_name": "nom", "first_name": "prenom",
                                                                            "id_number": "piece"}},
                                       "t": {"type": "phone", "fields": {"number": "tel"}}},
                          "relations": [{"type": "uses", "from": "p", "to": "t"}]}, f"{source}.yaml")


HEADER = "num;date;nom;prenom;piece;tel\n"
POLICE = HEADER + "A1;01/01/2024;BENALI;Karim;X1234567;06 11 22 33 44\nA2;02/01/2024;DURAND;Paul;Y7654321;06 99 88 77 66\n"
CUSTOMS = HEADER + "D1;03/02/2024;BENALI;Karim;X1234567;06 11 22 33 55\nD2;04/02/2024;MARTIN;Zoe;Z1111111;07 12 12 12 12\n"
SECRET = HEADER + "S1;05/02/2024;BENALI;Karim;X1234567;\n"


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ws(tmp_path):
    ws = Workspace.create(None)
    ws.ingest(_file(tmp_path, "police.csv", POLICE), _mapping("pol", "police"), actor=("alice", "2024/17"))
    return ws


def _person(ws, mention: str) -> str:
    result = ws.result()
    return result.entity_of(mention)


ALL = User(name="alice", role="analyst", agencies="*", max_classification="secret")


def test_an_ingest_touching_a_watched_entity_raises_exactly_one_alert_with_its_rows(ws, tmp_path):
    karim = _person(ws, "pol:1:p")
    add_watchlist(ws, "national priority list", "list", entities=[karim], owner="alice", case_number="2024/17")
    report = ws.ingest(_file(tmp_path, "customs.csv", CUSTOMS), _mapping("dou", "douane"), actor=("bob", "2024/17"))
    assert report.alerts == 1
    alerts = read_alerts(ws, ALL)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["watchlist"] == "national priority list" and alert["entity_id"] == karim
    assert alert["label"] == "Karim BENALI" and alert["agencies"] == ["douane"]
    assert sorted({r["ref"] for r in alert["rows"]}) == ["dou:1"]          # the new row, not Zoe's, not police's
    assert {r["mention"] for r in alert["rows"]} == {"dou:1:p"}
    # the same file again: nothing new, no alert
    ws.ingest(_file(tmp_path, "customs.csv", CUSTOMS), _mapping("dou", "douane"), actor=("bob", "2024/17"))
    assert len(read_alerts(ws, ALL)) == 1
    assert watchlists_of(ws)["national priority list"] == 1


def watchlists_of(ws) -> dict:
    with ws._reading() as con:
        return dict(zip(watchlists(con)["name"], watchlists(con)["entries"]))


def test_newly_known_to_a_second_agency(ws, tmp_path):
    add_watchlist(ws, "deconfliction", "second_agency", owner="alice", case_number="2024/17")
    ws.ingest(_file(tmp_path, "customs.csv", CUSTOMS), _mapping("dou", "douane"), actor=("bob", "2024/17"))
    alerts = read_alerts(ws, ALL)
    assert [(a["entity_id"], a["agencies"], a["known_to"]) for a in alerts] == \
        [(_person(ws, "dou:1:p"), ["douane"], ["police"])]     # Zoe is new to everybody: no alert


def test_an_alert_shows_only_what_the_reader_may_see(ws, tmp_path):
    karim = _person(ws, "pol:1:p")
    add_watchlist(ws, "cell list", "list", entities=[karim], owner="alice", case_number="2024/17")
    ws.ingest(_file(tmp_path, "secret.csv", SECRET), _mapping("dgsi", "renseignement", "secret"),
              actor=("bob", "2024/17"))
    assert [r["ref"] for r in read_alerts(ws, ALL)[0]["rows"]] == ["dgsi:1"]
    police_only = User(name="paula", role="viewer", agencies=["police"], max_classification="secret")
    assert read_alerts(ws, police_only) == []                   # the new row is not hers to see
    restricted = User(name="rene", role="viewer", agencies=["renseignement"], max_classification="restricted")
    assert read_alerts(ws, restricted) == []
    customs = User(name="dora", role="viewer", agencies=["douane"], max_classification="secret")
    assert read_alerts(ws, customs) == []                       # does not see Karim at all


def test_score_rise_and_top_watchlists(tmp_path):
    ws = Workspace.create(None)
    ws.ingest(_file(tmp_path, "police.csv", POLICE), _mapping("pol", "police"), actor=("alice", "2024/17"))
    scores = owner_scores(ws, "alice")
    add_watchlist(ws, "rises", "score_rise", rise=0.05, owner="alice", case_number="2024/17", scores=scores)
    add_watchlist(ws, "top 1", "top", n=1, owner="alice", case_number="2024/17", scores=scores)
    ws.ingest(_file(tmp_path, "customs.csv", CUSTOMS), _mapping("dou", "douane"), actor=("bob", "2024/17"))
    after = owner_scores(ws, "alice")
    karim = _person(ws, "pol:1:p")
    rises = [a for a in read_alerts(ws, ALL) if a["kind"] == "score_rise"]
    expected = sorted(e for e in after.index if after[e] - scores.get(e, 0.0) > 0.05)
    assert karim in expected and sorted(a["entity_id"] for a in rises) == expected
    assert all(a["after"] - a["before"] > 0.05 for a in rises)
    # score alerts are their owner's (computed on her view)
    other = User(name="bob", role="analyst", agencies="*", max_classification="secret")
    assert not [a for a in read_alerts(ws, other) if a["kind"] in ("score_rise", "top")]


def test_watchlist_errors(ws):
    with pytest.raises(WorkspaceError, match="unknown entity"):
        add_watchlist(ws, "x", "list", entities=["P-nobody"], owner="alice", case_number="1")
    with pytest.raises(WorkspaceError, match="unknown watchlist kind"):
        add_watchlist(ws, "x", "everything", owner="alice", case_number="1")
    add_watchlist(ws, "x", "second_agency", owner="alice", case_number="1")
    with pytest.raises(WorkspaceError, match="exists already"):
        add_watchlist(ws, "x", "second_agency", owner="alice", case_number="1")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "linkgraph.cli", *args], capture_output=True, text=True)


@pytest.mark.slow
def test_cli_watch_and_alerts_json_audited(tmp_path):
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  alice: {role: analyst, agencies: '*', max_classification: secret}\n"
                     "  vera: {role: viewer, agencies: [police], max_classification: secret}\n", encoding="utf-8")
    w = tmp_path / "case.db"
    auth = ["-w", str(w), "--case", "2024/17"]
    assert _cli("init", str(w), "--users", str(users)).returncode == 0
    police, customs = _file(tmp_path, "police.csv", POLICE), _file(tmp_path, "customs.csv", CUSTOMS)
    (tmp_path / "pol.yaml").write_text(json.dumps(_mapping("pol", "police").model_dump(by_alias=True, exclude={"path"},
                                                                                        exclude_none=True)))
    (tmp_path / "dou.yaml").write_text(json.dumps(_mapping("dou", "douane").model_dump(by_alias=True, exclude={"path"},
                                                                                        exclude_none=True)))
    assert _cli("ingest", str(police), "-m", str(tmp_path / "pol.yaml"), *auth, "--user", "alice").returncode == 0
    proc = _cli("watch", "add", "priorities", "--entity", "pol:1:p", *auth, "--user", "alice")
    assert proc.returncode == 0, proc.stderr
    denied = _cli("watch", "add", "mine", "--entity", "pol:1:p", *auth, "--user", "vera")
    assert denied.returncode == 2 and "Traceback" not in denied.stderr + denied.stdout
    proc = _cli("ingest", str(customs), "-m", str(tmp_path / "dou.yaml"), *auth, "--user", "alice")
    assert proc.returncode == 0 and "1 alert(s)" in proc.stdout, proc.stdout + proc.stderr
    out = _cli("alerts", *auth, "--user", "alice", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [a["rows"][0]["ref"] for a in doc["alerts"]] == ["dou:1"]
    assert _cli("alerts", *auth, "--user", "vera", "--json").stdout.count('"alert_id"') == 0
    log = [json.loads(line) for line in Path(str(w) + ".audit.jsonl").read_text().splitlines()]
    reads = [r for r in log if r["action"] == "alerts"]
    assert [r["user"] for r in reads] == ["alice", "vera"]
    bad = _cli("alerts", *auth, "--user", "alice", "--since", "-3")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr + bad.stdout


def test_a_watched_entity_merged_by_a_judgment_stays_watched(ws, tmp_path):
    ws.ingest(_file(tmp_path, "customs.csv", CUSTOMS), _mapping("dou", "douane"), actor=("bob", "2024/17"))
    zoe = _person(ws, "dou:2:p")
    add_watchlist(ws, "cell list", "list", entities=[zoe], owner="alice", case_number="2024/17")
    ws.add_judgment("pol:2:p", "dou:2:p", "same", analyst="rita", case_number="2024/17")
    merged = _person(ws, "dou:2:p")
    with ws._reading() as con:
        entries = con.execute("SELECT entity_id FROM watch_entries").fetchall()
    assert entries == [(merged,)]
