"""Blind deconfliction (issue 17): the answer reveals nothing but hit / possible hit / no hit, the
agencies and a contact reference; both sides are audited and the owner sees who asked."""
from __future__ import annotations

import json

import pandas as pd
from fastapi.testclient import TestClient

from access_world import REPO, USERS_YAML, build_world, write_source
from linkgraph.service.app import TOKEN_HEADER, create_app
from linkgraph.service.deconfliction import deconflict, requests_about
from linkgraph.service.realtime import Matcher
from linkgraph.service.session import Session
from linkgraph.service.workspace_state import WorkspaceState
from linkgraph.store.access import load_users
from linkgraph.store.workspace import Workspace

CASE = "DEC-2024-77"
#: az (agzdou, gendarmerie) asks about Jeanne DUPONTEL (held by agxpol and agyden, hidden from az),
#: a person nobody holds, and Zebulon ZULUMARK (az's own agency).
LIST = pd.DataFrame([
    {"last_name": "DUPONTEL", "first_name": "Jeanne", "dob": "01/01/1980"},
    {"last_name": "NOBODYKNOWN", "first_name": "Ulysse", "dob": "09/09/1999"},
    {"last_name": "ZULUMARK", "first_name": "Zebulon", "dob": "07/07/1969"},
], dtype=object)


def _workspace(folder, sources):
    """A workspace holding the gendarmerie fixture and the planted ``sources`` only."""
    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users.yaml"
    users.write_text(USERS_YAML, encoding="utf-8")
    ws = Workspace.create(folder / "w.lgw")
    ws.bind_users(users)
    ws.ingest_many([(REPO / "rules" / "sources" / "gendarmerie.yaml", None)] +
                   [write_source(folder / "files", s) for s in sources])
    return ws


def _ask(ws, user="az", records=LIST, possible=0.5):
    session = Session.open(ws, user, CASE)
    return deconflict(Matcher(ws), records, session, possible=possible), session


def test_the_answer_reveals_nothing_but_hit_agencies_and_contact(tmp_path):
    world = build_world(tmp_path / "full")
    ws = Workspace.open(world.path)
    answer, _ = _ask(ws)
    rows = answer["rows"]
    assert [r["status"] for r in rows] == ["hit", "no hit", "hit"]
    assert rows[0]["agencies"] == ["agxpol", "agyden"] and rows[0]["contact"].startswith("DC-")
    assert rows[1] == {"row": 2, "status": "no hit", "agencies": [], "contact": ""}
    assert all(set(r) == {"row", "status", "agencies", "contact"} for r in rows)
    text = json.dumps(answer)
    # no fact of a file az may not see: markers, mention or entity ids, dates, phones, rows
    hidden = [m for m in world.hidden_markers("az") if m not in ("agyden",)]   # an agency to contact is allowed
    assert not any(m in text for m in hidden)
    owner = ws.result().mentions.set_index("mention_id")["entity_id"]
    assert owner["agxpol_open:3:person"] not in text and "agxpol_open" not in text and "0611000099" not in text

    # the same list against a workspace WITHOUT those hidden files: identical apart from the hit status
    bare = _workspace(tmp_path / "bare", ["agzdou_seizures"])
    without, _ = _ask(bare)
    for a, b in zip(rows, without["rows"]):
        assert set(a) == set(b) and a["row"] == b["row"]
    assert without["rows"][0] == {"row": 1, "status": "no hit", "agencies": [], "contact": ""}
    assert without["rows"][2]["status"] == "hit" and without["rows"][2]["agencies"] == ["agzdou"]

    # more hidden facts about her (another agxpol file: a new phone, a new date) change nothing
    folder = tmp_path / "more"
    mapping, data = write_source(folder, "agxpol_open")
    mapping.write_text(mapping.read_text().replace("source: agxpol_open", "source: agxpol_more"))
    data.write_text(data.read_text(encoding="utf-8").splitlines()[0] +
                    "\nDUPONTEL;Jeanne;01/01/1980;;0699999999;ZZ-999-QQ;;;20/02/2024;x\n"
                    "OTHERPERSON;Hector;05/05/1955;;0699999998;;;;21/02/2024;y\n", encoding="utf-8")
    ws.ingest(data, mapping)
    again, _ = _ask(ws)
    assert again == answer


def test_a_possible_hit_is_shown_as_such(tmp_path):
    world = build_world(tmp_path / "w")
    ws = Workspace.open(world.path)
    # same name, another date of birth and another phone line: below the merge threshold
    record = pd.DataFrame([{"last_name": "DUPONTEL", "first_name": "Jeanne", "dob": "12/11/1975",
                            "phone": "06 99 99 99 99"}], dtype=object)
    probability = Matcher(ws).candidates(record, None)[0]["person"][1].probability.max()
    assert probability < 0.8
    answer, _ = _ask(ws, records=record, possible=max(probability - 0.01, 0.01))
    assert answer["rows"][0]["status"] == "possible hit" and answer["rows"][0]["agencies"]
    answer, _ = _ask(ws, records=record, possible=min(probability + 0.01, 0.99))
    assert answer["rows"][0]["status"] == "no hit"


def test_both_sides_are_audited(tmp_path):
    world = build_world(tmp_path / "w")
    ws = Workspace.open(world.path)
    answer, session = _ask(ws)
    record = session.audit.records()[-1]
    owner = ws.result().mentions.set_index("mention_id")["entity_id"]
    jeanne = owner["agxpol_open:3:person"]
    assert record["action"] == "deconflict" and record["user"] == "az" and record["case_number"] == CASE
    assert jeanne in record["object_ids"]
    assert record["details"]["rows"] == 3 and record["details"]["hits"] == 2
    assert "DUPONTEL" not in json.dumps(record)          # the list itself is logged as a digest
    # the owner (agxpol) sees who asked about its entity, when, for which case, with the reference given
    users = load_users(world.users_file)
    seen = requests_about(ws, users["ax"])
    assert len(seen) == 1
    got = seen[0]
    assert (got["requester"], got["case"], got["contact"], got["status"]) == ("az", CASE, answer["rows"][0]["contact"],
                                                                               "hit")
    assert got["your_mentions"] == ["agxpol_open:3:person"] and got["at"] == record["at"]
    # agyden sees the request through its own mention of her; az sees the one about its own entity
    assert requests_about(ws, users["ay"])[0]["your_mentions"] == ["agyden_tips:2:person"]
    assert [r["contact"] for r in requests_about(ws, users["az"])] == [answer["rows"][2]["contact"]]


def test_explorer_deconfliction_form_and_requests(tmp_path):
    world = build_world(tmp_path / "w")

    def client_of(user):
        session = Session.open(world.path, user, CASE, users=world.users_file, token=True)
        state = WorkspaceState(Workspace.open(world.path), session.user)
        client = TestClient(create_app(state, session=session))
        client.headers[TOKEN_HEADER] = session.token
        return client, session

    client, session = client_of("az")
    page = client.get("/deconflict")
    assert page.status_code == 200 and 'id="deconflict-form"' in page.text and "deconflict.js" in page.text
    assert client.get("/static/deconflict.js").status_code == 200
    r = client.post("/api/deconflict", json={"records": LIST.to_dict("records")})
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["rows"]] == ["hit", "no hit", "hit"]
    records = [x for x in session.audit.records() if x["action"] == "deconflict"]
    assert len(records) == 1                    # one record per request, written with its hits
    owner, _ = client_of("ax")
    asked = owner.get("/api/deconflict/requests").json()["requests"]
    assert asked and asked[0]["requester"] == "az" and asked[0]["contact"] == r.json()["rows"][0]["contact"]
