"""Case records in the explorer's API: mentions and timeline events carry their row's record id and
attributes; /api/records finds the rows of a procedure number and the entities they mention."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import linkgraph
from linkgraph.service.app import create_app
from linkgraph.service.state import ExplorerState


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> ExplorerState:
    return ExplorerState(tmp_path_factory.mktemp("explorer"), [(m, None) for m in linkgraph.load_mappings()])


@pytest.fixture(scope="module")
def client(state) -> TestClient:
    return TestClient(create_app(state))


def _police_row(state):
    rows = state.result.rows
    police = rows[rows["source"] == "police_procedures"].dropna(subset=["record_id"])
    return police.iloc[0]


def test_mentions_and_timeline_carry_the_case_record(client, state):
    row = _police_row(state)
    men = state.result.mentions
    person = men[(men["source"] == "police_procedures") & (men["row"] == row["row"])
                 & (men["entity_type"] == "person")]["entity_id"].iloc[0]
    detail = client.get(f"/api/entities/{person}", params={"max_mentions": 5000}).json()
    mine = [m for m in detail["mentions"] if m["source"] == "police_procedures" and m["row"] == row["row"]]
    assert mine and mine[0]["record_id"] == row["record_id"]
    assert mine[0]["record"]["offence"] and mine[0]["record"]["procedure"] == row["record_id"]
    events = client.get(f"/api/entities/{person}/timeline", params={"limit": 10000}).json()["events"]
    assert any(e["record_id"] == row["record_id"] and e["record"].get("offence") for e in events)
    # rows without a record id say so (None), they do not borrow one
    lapi = [e for e in events if e["source"] == "lapi"]
    assert all(e["record_id"] is None for e in lapi)


def test_records_by_procedure_number(client, state):
    row = _police_row(state)
    number = row["record_id"]
    rows = state.result.rows
    want = rows[rows["record_id"] == number]
    got = client.get("/api/records", params={"q": f"  {number.lower()} "}).json()
    assert got["records_total"] == len(want) and len(got["records"]) == len(want)
    men = state.result.mentions
    for rec in got["records"]:
        assert rec["record_id"] == number and rec["attributes"]["offence"]
        ids = set(men[(men["source"] == rec["source"]) & (men["row"] == rec["row"])]["entity_id"])
        assert {e["entity_id"] for e in rec["entities"]} == ids
    # leading zeros of a part do not matter (gendarmerie numbers such as 08045/2021)
    gend = rows[(rows["source"] == "gendarmerie") & rows["record_id"].str.startswith("0", na=False)]
    assert len(gend)
    n = gend["record_id"].iloc[0]
    assert client.get("/api/records", params={"q": n.lstrip("0")}).json()["records"][0]["record_id"] == n
    assert client.get("/api/records", params={"q": "NO-SUCH-000"}).json()["records"] == []
    assert client.get("/api/records", params={"q": ""}).status_code == 422
