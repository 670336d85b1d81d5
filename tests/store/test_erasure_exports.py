"""Erasing a source leaves no trace of its rows in entities, relations or any export format."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from access_world import MARKERS, build_world
from linkgraph.cli import app as cli_app
from linkgraph.service.app import TOKEN_HEADER, create_app
from linkgraph.service.session import Session
from linkgraph.service.workspace_state import WorkspaceState
from linkgraph.store.workspace import Workspace

CASE = "DEC-2024-7"


def _cli(world, *args: str):
    result = CliRunner().invoke(cli_app, [*args, "-w", str(world.path), "--users", str(world.users_file),
                                          "--user", "adm", "--case", CASE], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _traces(text: str, gone: list[str]) -> list[str]:
    low = text.lower()
    return [g for g in gone if g.lower() in low]


def test_erased_source_leaves_no_trace_in_tables_or_exports(tmp_path):
    world = build_world(tmp_path / "w")
    ws = Workspace.open(world.path)
    before = ws.result()
    erased_ids = set(before.mentions.loc[before.mentions["source"] == "agyden_tips", "mention_id"])
    gone = MARKERS["agyden_tips"] + ["agyden_tips:", "agyden_tips.csv"]
    # the markers are there before erasure (the check below can fail)
    assert _traces(_cli(world, "search", "YANKEEMARK"), ["YANKEEMARK"])
    _cli(world, "export", "-o", str(tmp_path / "before"))
    assert _traces("\n".join(f.read_text(errors="replace") for f in (tmp_path / "before").rglob("*") if f.is_file()),
                   gone)

    _cli(world, "erase", "agyden_tips", "--reason", "court order")
    result = Workspace.open(world.path).result()
    for name in ("mentions", "entities", "relations", "rows", "rejects"):
        assert not _traces(getattr(result, name).to_csv(index=False), gone), name
    # the id changes the erasure caused say which source was erased (accountability), nothing of its rows
    content = [g for g in gone if g not in ("agyden_tips", "agyden")]
    assert not _traces(result.id_changes.to_csv(index=False), content)
    assert not erased_ids & set(result.mentions["mention_id"])
    # the bridge is gone: QUASIMODO and BRIDGEMAN (agxpol_open) are no longer one entity
    owner = result.mentions.set_index("mention_id")["entity_id"]
    assert owner["agxpol_open:1:person"] != owner["agxpol_open:2:person"]
    # every export format, ranked scores, charts and the explorer's answers
    outputs = []
    _cli(world, "export", "-o", str(tmp_path / "export"))
    _cli(world, "score", "--top", "500", "-o", str(tmp_path / "score"))
    _cli(world, "chart", "--top", "50", "-o", str(tmp_path / "chart" / "top.html"))
    for folder in ("export", "score", "chart"):
        files = [f for f in (tmp_path / folder).rglob("*") if f.is_file()]
        assert files, folder
        outputs += [(str(f), f.read_text(encoding="utf-8", errors="replace")) for f in files]
    assert {Path(p).name for p, _ in outputs} >= {"graph.graphml", "graph.gexf", "i2_links.csv", "nodes.csv",
                                                  "relationships.csv", "chart.svg", "ranked.csv", "ranked.json",
                                                  "top.html"}
    session = Session.open(world.path, "adm", CASE, users=world.users_file, token=True)
    state = WorkspaceState(Workspace.open(world.path), session.user)
    client = TestClient(create_app(state, session=session))
    client.headers[TOKEN_HEADER] = session.token
    for url in ["/api/status", "/api/targets?n=500", "/api/review?low=0&high=1&limit=500", "/api/judgments"]:
        outputs.append((url, client.get(url).text))
    for eid in result.entities["entity_id"]:
        for url in (f"/api/entities/{eid}", f"/api/entities/{eid}/neighbours", f"/api/entities/{eid}/timeline"):
            outputs.append((url, client.get(url).text))
    for q in ("YANKEEMARK", "Yolanda", "0622000002", "YY-333-YY", "AGYONLY"):
        body = client.get("/api/search", params={"q": q}).json()
        outputs.append((f"search {q}", json.dumps(body["results"])))
    for where, text in outputs:
        assert not _traces(text, gone), where
