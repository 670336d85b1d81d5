"""The access matrix: users × agencies × every explorer route and every workspace CLI command.

The workspace (``tests/access_world.py``) holds four planted files of three agencies at several
classification levels, each with unique marker names, phones, plates, companies, source ids and
file names, plus the gendarmerie fixture. For each user, every output (JSON, HTML, CSV/GraphML/
GEXF/i2/Neo4j/SVG exports, chart HTML, ranked scores, CLI text, errors, status codes, counts,
timelines, paths, review queue) must hold no marker of a file that user may not see; a hidden id and
a non-existent id must get the same answer; an entity whose mentions are all hidden never appears;
each call is audited with the user and the case number, and refused when the role does not permit it.

The explorer's routes are enumerated from the application: a route missing from :data:`CALLS`
(or from the audit table) fails the test.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from access_world import MARKERS, build_world
from linkgraph.cli import app as cli_app
from linkgraph.service.app import ROUTE_ACTIONS, TOKEN_HEADER, UNAUDITED, create_app
from linkgraph.service.session import Session, audit_path
from linkgraph.service.workspace_state import WorkspaceState
from linkgraph.store.access import can, load_users
from linkgraph.store.audit import AuditLog, verify_log
from linkgraph.store.workspace import Workspace

USERS = ["vx", "ax", "ay", "az", "rv", "adm", "adx"]
CASE = "PV-2024-0042"
MISSING_ENTITY = "P-0123456789abcdef"
MISSING_MENTION = "nowhere_tips:9:person"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("access"))


@pytest.fixture(scope="module")
def everything(world):
    """The stored resolution (all facts) and each source's visibility per user."""
    return Workspace.open(world.path).result()


def hidden_for(world, everything, user: str) -> dict[str, list[str]]:
    """What ``user`` may not see: entity ids all of whose mentions are hidden, hidden mention ids."""
    m = everything.mentions
    seen = m["source"].map(lambda s: world.sees(user, s)).to_numpy(dtype=bool)
    shown = set(m.loc[seen, "entity_id"])
    hidden_entities = sorted(set(m.loc[~seen, "entity_id"]) - shown)
    return {"entities": hidden_entities, "mentions": sorted(m.loc[~seen, "mention_id"]),
            "visible_mentions": sorted(m.loc[seen, "mention_id"])}


def assert_no_leak(text: str, world, user: str, hidden: dict, where: str, given: tuple[str, ...] = ()) -> None:
    """No hidden marker, hidden mention id or hidden-only entity id in ``text`` (the strings the
    request itself passed are removed first: echoing the input reveals nothing)."""
    for g in sorted(given, key=len, reverse=True):
        if g:
            text = text.replace(g, "").replace(json.dumps(g)[1:-1], "")
    low = text.lower()
    for marker in world.hidden_markers(user):
        assert marker.lower() not in low, f"{user}: {where} reveals {marker!r}"
    for eid in hidden["entities"]:
        assert eid not in text, f"{user}: {where} reveals hidden entity {eid}"
    for mid in hidden["mentions"]:
        assert mid not in text, f"{user}: {where} reveals hidden mention {mid}"


class Probe:
    """One user's client, session and view, with ids to call the routes with."""

    def __init__(self, world, everything, user: str):
        self.user = user
        self.session = Session.open(world.path, user, CASE, users=world.users_file, token=True)
        self.state = WorkspaceState(Workspace.open(world.path), self.session.user)
        self.app = create_app(self.state, session=self.session)
        self.client = TestClient(self.app)
        self.client.headers[TOKEN_HEADER] = self.session.token
        self.hidden = hidden_for(world, everything, user)
        view = self.state.result
        planted = view.mentions[view.mentions["source"] != "gendarmerie"]
        self.entities = sorted(set(planted["entity_id"]))
        self.mentions = sorted(planted["mention_id"])
        persons = planted[planted["entity_type"] == "person"]
        apart = persons.drop_duplicates("entity_id")["mention_id"].tolist()
        self.pair = tuple(apart[:2]) if len(apart) >= 2 else None
        # record ids (procedure numbers...) of every source, those of hidden rows included
        rows = everything.rows.dropna(subset=["record_id"]).drop_duplicates("source")
        self.record_ids = sorted(rows["record_id"].astype(str))


@pytest.fixture(scope="module")
def probes(world, everything):
    return {u: Probe(world, everything, u) for u in USERS}


def _calls(p: Probe) -> dict[tuple[str, str], list[dict]]:
    """Requests per route: visible ids, then (``kind``) hidden and missing ids to compare."""
    hidden_e = p.hidden["entities"][:3]
    hidden_m = [m for m in p.hidden["mentions"] if m.endswith(":person")][:2]
    ent = [{"url_args": {"entity_id": e}} for e in p.entities]
    ent += [{"url_args": {"entity_id": e}, "kind": ("hidden", e)} for e in hidden_e]
    ent += [{"url_args": {"entity_id": MISSING_ENTITY}, "kind": ("missing", MISSING_ENTITY)}]
    men = [{"url_args": {"mention_id": m}} for m in p.mentions]
    men += [{"url_args": {"mention_id": m}, "kind": ("hidden", m)} for m in hidden_m]
    men += [{"url_args": {"mention_id": MISSING_MENTION}, "kind": ("missing", MISSING_MENTION)}]
    first = p.entities[0]
    paths = [{"params": {"from": first, "to": e}} for e in p.entities[1:]]
    paths += [{"params": {"from": first, "to": e}, "kind": ("hidden", e)} for e in hidden_e]
    paths += [{"params": {"from": first, "to": MISSING_ENTITY}, "kind": ("missing", MISSING_ENTITY)}]
    visible_person = next(m for m in p.mentions if m.endswith(":person"))
    explain = [{"params": {"a": visible_person, "b": m}} for m in p.mentions if m.endswith(":person")]
    explain += [{"params": {"a": visible_person, "b": m}, "kind": ("hidden", m)} for m in hidden_m]
    explain += [{"params": {"a": visible_person, "b": MISSING_MENTION}, "kind": ("missing", MISSING_MENTION)}]
    queries = [marker for marks in MARKERS.values() for marker in marks] + ["Jeanne Dupontel", "06 11 00 00 99"]
    judge = []
    if p.pair:
        judge.append({"json": {"mention_a": p.pair[0], "mention_b": p.pair[1], "verdict": "different",
                               "case_number": CASE}})
    for m in hidden_m:
        judge.append({"json": {"mention_a": visible_person, "mention_b": m, "verdict": "different",
                               "case_number": CASE}, "kind": ("hidden", m)})
    judge.append({"json": {"mention_a": visible_person, "mention_b": MISSING_MENTION, "verdict": "different",
                           "case_number": CASE}, "kind": ("missing", MISSING_MENTION)})
    return {  # the pages' HTML shells hold no data (UNAUDITED): every value comes from these routes
        ("GET", "/api/status"): [{}],
        ("GET", "/api/search"): [{"params": {"q": q}} for q in queries],
        ("GET", "/api/records"): [{"params": {"q": q}} for q in p.record_ids + queries[:3]],
        ("GET", "/api/entities/{entity_id}"): ent,
        ("GET", "/api/entities/{entity_id}/neighbours"): ent,
        ("GET", "/api/entities/{entity_id}/timeline"): ent,
        ("GET", "/api/path"): paths,
        ("GET", "/api/targets"): [{"params": {"n": 500}}],
        ("GET", "/api/mentions/{mention_id}"): men,
        ("GET", "/api/explain"): explain,
        ("GET", "/api/review"): [{"params": {"low": 0, "high": 1, "limit": 500}}],
        ("GET", "/api/judgments"): [{}],
        ("GET", "/api/alerts"): [{}, {"params": {"since": 0}}],   # the inbox (issue 17)
        ("POST", "/api/judgments"): judge,
        ("POST", "/api/reresolve"): [{}],
        # lookup (issue 17): only what the user may see is searched; the answers must leak nothing
        ("POST", "/api/match"): [{"json": {"record": r}} for r in (
            {"last_name": "DUPONTEL", "first_name": "Jeanne", "dob": "01/01/1980"}, {"phone": "06 11 00 00 99"},
            {"last_name": "QUASIMODO", "first_name": "Mohamed", "id_number": "12AB34567"},
            {"last_name": "BRIDGEMAN", "first_name": "Karim", "dob": "03/03/1985"}, {"plate": "AX-222-SX"},
            {"last_name": "YANKEEMARK", "first_name": "Yolanda"}, {"last_name": "ZULUMARK", "first_name": "Zebulon"},
            {"company": "XSECRETCO SAS"}, {"phone": "06 22 00 00 02"})],
        # deconfliction names the agencies to contact by design (tests/service/test_deconfliction.py):
        # here a row nobody holds, to check the route is gated and audited
        ("POST", "/api/deconflict"): [{"json": {"records": [{"last_name": "NOBODYKNOWN", "first_name": "Ulysse"}]}}],
        ("GET", "/api/deconflict/requests"): [{}],
    }


def _routes(app) -> set[tuple[str, str]]:
    out = set()
    for r in app.routes:
        if isinstance(r, APIRoute) and r.path not in UNAUDITED:
            out |= {(m, r.path) for m in r.methods if m != "HEAD"}
    return out


def _request(p: Probe, method: str, path: str, call: dict):
    url = path
    for k, v in call.get("url_args", {}).items():
        url = url.replace("{" + k + "}", v)
    if method == "GET":
        return p.client.get(url, params=call.get("params"))
    return p.client.post(url, params=call.get("params"), json=call.get("json"))


def _given(call: dict) -> tuple[str, ...]:
    values = list(call.get("url_args", {}).values()) + [str(v) for v in (call.get("params") or {}).values()]
    values += [str(v) for v in (call.get("json") or {}).values()]
    return tuple(values)


def test_every_route_is_in_the_matrix_and_in_the_audit_table(probes):
    routes = _routes(probes["adm"].app)
    assert routes == set(_calls(probes["adm"])), "a route is missing from the access matrix (CALLS)"
    assert routes <= set(ROUTE_ACTIONS), "a route has no audit action"


@pytest.mark.parametrize("user", USERS)
def test_no_route_leaks_and_every_call_is_audited(user, probes, world):
    p = probes[user]
    log = AuditLog(audit_path(world.path))
    for (method, path), calls in _calls(p).items():
        action = ROUTE_ACTIONS[(method, path)]
        answers: dict[str, tuple[int, str]] = {}
        for call in calls:
            before = log.head()[0]
            response = _request(p, method, path, call)
            text = response.text
            where = f"{method} {path} {call}"
            assert_no_leak(text, world, user, p.hidden, where, _given(call))
            assert_no_leak(json.dumps(dict(response.headers)), world, user, p.hidden, where + " headers", _given(call))
            records = AuditLog(audit_path(world.path)).records()[before:]
            assert records, f"{where}: not audited"
            rec = records[0]
            assert rec["user"] == user and rec["case_number"] == CASE, where
            if can(p.session.user, action):
                if rec["action"] == "access_denied":  # permitted, but refused on the object (hidden/invalid)
                    assert rec["details"]["action"] == action and response.status_code in (404, 422), where
                else:
                    assert rec["action"] == action, where
                assert response.status_code != 403, where
            else:
                assert rec["action"] == "access_denied" and rec["details"]["action"] == action, where
                assert response.status_code == 403 and response.json() == {"detail": f"not permitted: {action}"}
            if "kind" in call:
                kind, given = call["kind"]
                answers[kind] = (response.status_code, text.replace(given, "<ID>"))
        if answers:
            assert answers.get("hidden", answers["missing"]) == answers["missing"], \
                f"{user}: {method} {path}: a hidden id is answered differently from a missing one"
            assert answers["missing"][0] in (403, 404), (method, path, answers["missing"])
    assert verify_log(audit_path(world.path)).ok


@pytest.mark.parametrize("user", USERS)
def test_counts_and_lists_come_from_visible_facts_only(user, probes, world, everything):
    p = probes[user]
    m = everything.mentions
    visible = m[m["source"].map(lambda s: world.sees(user, s))]
    status = p.client.get("/api/status").json()
    assert status["mentions"] == len(visible)
    assert status["sources"] == sorted(visible["source"].unique())
    view = p.state.result
    # every entity of the view has a visible mention; no entity is made of hidden mentions only
    assert set(view.entities["entity_id"]) == set(view.mentions["entity_id"])
    assert not set(view.entities["entity_id"]) & set(p.hidden["entities"])
    assert (view.entities["mentions"].sum()) == len(visible)
    agencies = {a for cell in view.entities["agencies"] for a in str(cell).split(";")}
    assert agencies <= set(visible["agency"])
    if not can(p.session.user, "score"):
        return
    for target in p.client.get("/api/targets", params={"n": 500}).json()["targets"]:
        assert target["entity_id"] in set(view.entities["entity_id"])
    pairs = p.client.get("/api/review", params={"low": 0, "high": 1, "limit": 500}).json()["pairs"]
    for pair in pairs:
        assert pair["a"]["mention_id"] in set(visible["mention_id"]) and pair["b"]["mention_id"] in set(
            visible["mention_id"])


def test_a_partly_hidden_entity_shows_only_its_visible_mentions(probes):
    """Jeanne DUPONTEL is in agxpol_open, agxpol_secret and agyden_tips: user ax (agxpol, restricted)
    sees one mention, one agency; rv (all agencies, confidential) two, without the secret one."""
    for user, mentions, agencies in (("ax", 1, "agxpol"), ("rv", 2, "agxpol;agyden"), ("adm", 3, "agxpol;agyden")):
        hits = probes[user].client.get("/api/search", params={"q": "Jeanne Dupontel", "type": "person"}).json()
        top = hits["results"][0]
        assert top["label"] == "Jeanne DUPONTEL" and top["mentions"] == mentions and top["agencies"] == agencies
        detail = probes[user].client.get(f"/api/entities/{top['entity_id']}").json()
        assert detail["mentions_total"] == mentions and len(detail["mentions"]) == mentions


def test_visible_mentions_joined_only_through_a_hidden_one_are_split(probes):
    """QUASIMODO and BRIDGEMAN (agxpol_open) are one entity only through an agyden_tips mention with
    BRIDGEMAN's name and QUASIMODO's id number: ay's and rv's views (which see it) keep them together,
    ax's view (which does not) splits them, with ids that say nothing about the hidden mention."""
    def entity_of(user, mention):
        return probes[user].state.result.mentions.set_index("mention_id").loc[mention, "entity_id"]

    a, b = "agxpol_open:1:person", "agxpol_open:2:person"
    assert entity_of("adm", a) == entity_of("adm", b) == entity_of("adm", "agyden_tips:1:person")
    assert entity_of("rv", a) == entity_of("rv", b)
    assert entity_of("ax", a) != entity_of("ax", b)
    assert {entity_of("ax", a), entity_of("ax", b)} & {entity_of("adm", a)}  # one part keeps the id
    for user in ("ax", "vx"):
        why = probes[user].client.get(f"/api/entities/{entity_of(user, a)}").json()["why"]
        assert all("agyden" not in link["mention_a"] + link["mention_b"] for link in why)
    # the hidden bridge is not reachable as a path either
    path = probes["ax"].client.get("/api/path", params={"from": entity_of("ax", a), "to": entity_of("ax", b)}).json()
    assert path["found"] is False


# ------------------------------------------------------------------------------------------- CLI
def _cli(world, user: str, *args: str, case: str = CASE):
    runner = CliRunner()
    return runner.invoke(cli_app, [*args, "-w", str(world.path), "--users", str(world.users_file), "--user", user,
                                   "--case", case], catch_exceptions=False)


def _files_text(folder: Path) -> str:
    return "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in sorted(folder.rglob("*")) if f.is_file())


@pytest.mark.parametrize("user", USERS)
def test_cli_commands_leak_nothing_and_are_audited(user, probes, world, tmp_path):
    p = probes[user]
    u = p.session.user
    ran: list[tuple[str, str]] = []

    def run(action: str, *args: str, out: Path | None = None, given: tuple[str, ...] = ()):
        before = AuditLog(audit_path(world.path)).head()[0]
        result = _cli(world, user, *args)
        text = result.output + (_files_text(out) if out is not None and out.exists() else "")
        assert_no_leak(text, world, user, p.hidden, " ".join(args), given)
        records = AuditLog(audit_path(world.path)).records()[before:]
        assert records and records[0]["user"] == user and records[0]["case_number"] == CASE, args
        if can(u, action):
            assert records[0]["action"] == action, args
        else:
            assert result.exit_code == 2 and "not permitted" in result.output, args
            assert records[0]["action"] == "access_denied"
        ran.append((args[0], action))
        return result

    run("score", "score", "--top", "50", "-o", str(tmp_path / "score"), out=tmp_path / "score")
    run("chart", "chart", "--top", "10", "-o", str(tmp_path / "chart" / "top.html"), out=tmp_path / "chart")
    run("export", "export", "-o", str(tmp_path / "export"), out=tmp_path / "export")
    if can(u, "export"):
        assert (tmp_path / "export" / "graph.graphml").exists() and (tmp_path / "export" / "neo4j").exists()
    for q in ("YANKEEMARK", "ZULUMARK", "XAVSECRETA", "0611000004", "AX-111-AA"):
        run("search", "search", q, given=(q,))
    for e in p.entities[:4]:
        run("chart", "chart", "--ego", e, "--depth", "2", "-o", str(tmp_path / "ego" / f"{e}.html"),
            out=tmp_path / "ego", given=(e,))
    # a hidden entity, a hidden mention and missing ones: the same answer
    answers = {}
    for kind, eid in [("hidden", e) for e in p.hidden["entities"][:2]] + [("missing", MISSING_ENTITY)]:
        r = run("chart", "chart", "--ego", eid, "-o", str(tmp_path / "x.html"), given=(eid,))
        answers.setdefault(kind, set()).add((r.exit_code, r.output.replace(eid, "<ID>")))
    assert answers.get("hidden", answers["missing"]) == answers["missing"]
    visible_person = next(m for m in p.mentions if m.endswith(":person"))
    answers = {}
    hidden_m = [m for m in p.hidden["mentions"] if m.endswith(":person")][:2]
    for kind, mid in [("hidden", m) for m in hidden_m] + [("missing", MISSING_MENTION)]:
        r = run("view", "explain", visible_person, mid, given=(mid, visible_person))
        answers.setdefault(kind, set()).add((r.exit_code, r.output.replace(mid, "<ID>")))
    assert answers.get("hidden", answers["missing"]) == answers["missing"]
    if p.pair:
        run("view", "explain", *p.pair, given=p.pair)
    # lookup (issue 17): only what the user may see is searched
    run("match", "match", "--last-name", "DUPONTEL", "--first-name", "Jeanne", "--dob", "01/01/1980", "--json")
    run("match", "match", "--last-name", "YANKEEMARK", "--first-name", "Yolanda", "--phone", "0611000004",
        given=("YANKEEMARK", "Yolanda", "0611000004"))
    # deconfliction names the agencies to contact by design (tests/service/test_deconfliction.py): a row
    # nobody holds here, to check the command is gated and audited
    nobody = tmp_path / "nobody.csv"
    nobody.write_text("last_name;first_name\nNOBODYKNOWN;Ulysse\n", encoding="utf-8")
    run("deconflict", "deconflict", str(nobody))
    run("view", "deconflict-requests")
    assert {c for c, _ in ran} >= {"score", "chart", "export", "search", "explain", "match", "deconflict"}


def test_cli_refuses_without_a_case_or_as_an_unknown_user(world):
    result = _cli(world, "ax", "search", "x", case=" ")
    assert result.exit_code != 0 and "--case" in result.output
    before = AuditLog(audit_path(world.path)).head()[0]
    result = _cli(world, "mallory", "search", "x")
    assert result.exit_code == 2 and "not permitted" in result.output
    rec = AuditLog(audit_path(world.path)).records()[before]
    assert rec["user"] == "mallory" and rec["action"] == "access_denied"
    for user, case in (("ax", " "), ("mallory", CASE)):  # the explorer refuses before it serves anything
        served = CliRunner().invoke(cli_app, ["serve", "-w", str(world.path), "--users", str(world.users_file),
                                              "--user", user, "--case", case, "--port", "1"])
        assert served.exit_code == 2 and ("--case" in served.output or "not permitted" in served.output)
    with pytest.raises(Exception, match="case number"):
        Session(load_users(world.users_file)["ax"], "  ", AuditLog(audit_path(world.path)))


def test_explorer_needs_the_session_token(probes):
    """Defects: the session cookie went to every service on 127.0.0.1 (cookies ignore ports) and could be
    replayed; the token sat in the query string (console log, history). Now: a header only."""
    p = probes["ax"]
    anonymous = TestClient(p.app)
    assert anonymous.get("/api/status").status_code == 401
    assert anonymous.get("/static/explorer.js").status_code == 200
    assert anonymous.get("/", params={"token": p.session.token}).headers.get("set-cookie") is None
    assert anonymous.get("/api/status", params={"token": p.session.token}).status_code == 401
    anonymous.cookies.set("linkgraph_session", p.session.token)
    assert anonymous.get("/api/status").status_code == 401  # a cookie (replayed) is no credential
    assert anonymous.get("/api/status", headers={TOKEN_HEADER: "wrong"}).status_code == 401
    assert anonymous.get("/api/status", headers={TOKEN_HEADER: p.session.token}).status_code == 200


def test_requests_from_another_origin_are_refused_and_not_audited(probes, world):
    """Defect: `<img src="http://127.0.0.1:8801/api/...">` from another local port succeeded and was logged
    as the analyst's own search. Another port is "same-site" to the browser: refused like cross-site."""
    p = probes["ax"]
    before = AuditLog(audit_path(world.path)).head()[0]
    for headers in ({"Sec-Fetch-Site": "same-site"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "http://127.0.0.1:9999"}, {"Origin": "null"}):
        r = p.client.get("/api/search", params={"q": "dupontel"}, headers=headers)
        assert r.status_code == 403, headers
    assert AuditLog(audit_path(world.path)).head()[0] == before
    ok = p.client.get("/api/search", params={"q": "dupontel"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 200


def test_request_bodies_are_limited_and_docs_are_off(probes):
    p = probes["adm"]
    big = p.client.post("/api/judgments", content=b"{" + b" " * (70 * 1024) + b"}",
                        headers={"Content-Type": "application/json"})
    assert big.status_code == 413
    for url in ("/docs", "/redoc", "/openapi.json"):
        assert p.client.get(url).status_code == 404, url


def test_search_digest_is_keyed_with_the_workspace_secret(probes, world):
    """Defect: the audit's search digest was unsalted SHA-256 (a dictionary gives the name back)."""
    import hashlib

    p = probes["ax"]
    before = AuditLog(audit_path(world.path)).head()[0]
    p.client.get("/api/search", params={"q": "Dupontel"})
    rec = AuditLog(audit_path(world.path)).records()[before]
    digest = rec["details"]["query"]
    assert digest.startswith("hmac-sha256:")
    assert hashlib.sha256(b"dupontel").hexdigest() not in digest


def _copy_world(world, folder: Path):
    """A private copy of the world workspace (database, audit log and its head) for commands that change it."""
    import shutil

    from access_world import World

    folder.mkdir(parents=True, exist_ok=True)
    for f in world.path.parent.glob(world.path.name + "*"):
        shutil.copy2(f, folder / f.name)
    return World(folder / world.path.name, world.users_file, world.specs, dict(world.agencies))


@pytest.mark.parametrize("user", USERS)
def test_commands_that_change_the_workspace_leak_nothing_and_are_audited(user, probes, world, tmp_path):
    from access_world import mapping_text

    p = probes[user]
    u = p.session.user
    mine = _copy_world(world, tmp_path / "ws")

    def run(action: str, *args: str, given: tuple[str, ...] = ()):
        before = AuditLog(audit_path(mine.path)).head()[0]
        result = _cli(mine, user, *args)
        assert_no_leak(result.output, mine, user, p.hidden, " ".join(args), given)
        records = AuditLog(audit_path(mine.path)).records()[before:]
        assert records and records[0]["user"] == user and records[0]["case_number"] == CASE, args
        if not can(u, action):
            assert result.exit_code == 2 and "not permitted" in result.output, args
            assert records[0]["action"] == "access_denied"
        return result

    rebuilt = run("resolve", "rebuild", "--keep-models")
    if can(u, "resolve"):
        assert rebuilt.exit_code == 0 and "rebuilt" in rebuilt.output
    # a new file of agency agxpol (restricted): the ingest reports only what the user may know
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "agxpol_more.yaml").write_text(mapping_text("agxpol_more", "agxpol", "restricted"), encoding="utf-8")
    (extra / "agxpol_more.csv").write_text(";".join(["nom", "prenom", "date_naissance", "piece", "telephone",
                                                     "immatriculation", "societe", "siren", "date", "observation"])
                                           + "\nDUPONTEL;Jeanne;01/01/1980;;0611000099;;;;13/01/2023;l\n",
                                           encoding="utf-8")
    run("ingest", "ingest", str(extra / "agxpol_more.csv"), "-m", str(extra / "agxpol_more.yaml"),
        given=(str(extra / "agxpol_more.csv"), "agxpol_more"))
    # judgments: a hidden mention and a missing one get the same answer
    if p.pair:
        run("judgment", "judge", *p.pair, "different", given=p.pair)
    visible_person = next(m for m in p.mentions if m.endswith(":person"))
    answers = {}
    hidden_m = [m for m in p.hidden["mentions"] if m.endswith(":person")][:2]
    for kind, mid in [("hidden", m) for m in hidden_m] + [("missing", MISSING_MENTION)]:
        r = run("judgment", "judge", visible_person, mid, "same", given=(mid, visible_person))
        assert r.exit_code != 0
        answers.setdefault(kind, set()).add((r.exit_code, r.output.replace(mid, "<ID>")))
    assert answers.get("hidden", answers["missing"]) == answers["missing"]
    # erasure: a source the user may not see and a missing one get the same answer
    answers = {}
    hidden_sources = [s for s in mine.agencies if not mine.sees(user, s)][:2]
    for kind, source in [("hidden", s) for s in hidden_sources] + [("missing", "nowhere_tips")]:
        r = run("erase", "erase", source, "--reason", "test", given=(source,))
        assert r.exit_code != 0
        answers.setdefault(kind, set()).add((r.exit_code, r.output.replace(source, "<SRC>")))
    assert answers.get("hidden", answers["missing"]) == answers["missing"]
    visible_sources = [s for s in mine.agencies if mine.sees(user, s) and s != "gendarmerie"]
    if visible_sources:
        erased = run("erase", "erase", visible_sources[0], "--reason", "test", given=(visible_sources[0],))
        assert (erased.exit_code == 0) == can(u, "erase")
    # --replace of gendarmerie (3 rows): only for a user who sees it and may erase; others change nothing
    rows_before = Workspace.open(mine.path).sources().set_index("source_id")["rows_in"]
    gendarmerie = REPO_ROOT / "rules" / "sources" / "gendarmerie.yaml"
    data = gendarmerie_file(tmp_path / "g")
    replaced = run("ingest", "ingest", str(data), "-m", str(gendarmerie), "--replace", given=(str(data),))
    allowed = can(u, "ingest") and can(u, "erase") and mine.sees(user, "gendarmerie")
    assert (replaced.exit_code == 0) == allowed, (user, replaced.output)
    rows_after = Workspace.open(mine.path).sources().set_index("source_id")["rows_in"]
    assert (rows_after["gendarmerie"] == 3) == allowed and (allowed or rows_after.equals(rows_before))
    if not allowed:
        assert AuditLog(audit_path(mine.path)).records()[-1]["action"] == "access_denied"
    run("retention", "retention", "2000-01-01", "--reason", "test")
    assert verify_log(audit_path(mine.path)).ok


REPO_ROOT = Path(__file__).resolve().parents[1]


def gendarmerie_file(folder: Path) -> Path:
    """The gendarmerie fixture cut to its header and 3 rows."""
    from linkgraph.sources.mapping import load_mapping

    src = load_mapping(REPO_ROOT / "rules" / "sources" / "gendarmerie.yaml").default_file()
    folder.mkdir(parents=True, exist_ok=True)
    lines = Path(src).read_text(encoding="utf-8").splitlines(keepends=True)
    out = folder / Path(src).name
    out.write_text("".join(lines[:4]), encoding="utf-8")
    return out


def test_every_workspace_command_is_in_the_matrix():
    """A new command taking --workspace must be added to the matrix tests above."""
    import inspect

    covered = {"score", "chart", "export", "search", "explain", "serve", "rebuild", "ingest", "judge", "erase",
               "retention", "init", "match", "deconflict", "deconflict-requests",
               "alerts"}   # rights, visibility and audit: tests/store/test_watchlists.py (issue 17)
    workspace_commands = {c.name or c.callback.__name__ for c in cli_app.registered_commands
                          if "workspace" in inspect.signature(c.callback).parameters}
    assert workspace_commands and workspace_commands <= covered, workspace_commands - covered


# ------------------------------------------------------------------ issue 14: rights on every write path
def _bind_extra_users(mine, tmp_path) -> None:
    """The world's users plus rx: a reviewer who sees agxpol (restricted) only."""
    from access_world import USERS_YAML

    extra = tmp_path / "users-extra.yaml"
    extra.write_text(USERS_YAML + "  rx:  {role: reviewer, agencies: [agxpol], max_classification: restricted}\n",
                     encoding="utf-8")
    Workspace.open(mine.path).bind_users(extra, actor=("adm", CASE))
    mine.users_file = extra


def test_replace_needs_the_erase_right_and_sight_of_the_source(world, tmp_path):
    """Defect: an analyst restricted to one agency replaced gendarmerie (259 rows → 3) with `--replace`, and
    `ingest` told a hidden source from a missing one."""
    from access_world import mapping_text

    mine = _copy_world(world, tmp_path / "ws")
    rows = tmp_path / "t.csv"
    rows.write_text("nom;prenom;date_naissance;piece;telephone;immatriculation;societe;siren;date;observation\n"
                    + "".join(f"X{k};Y;;;;;;;01/01/2023;z\n" for k in range(3)), encoding="utf-8")
    before = Workspace.open(mine.path).sources().set_index("source_id")["rows_in"]
    gendarmerie = Path(__file__).resolve().parents[1] / "rules" / "sources" / "gendarmerie.yaml"
    replaced = _cli(mine, "ax", "ingest", str(rows), "-m", str(gendarmerie), "--replace")
    assert replaced.exit_code == 2 and "not found or not permitted" in replaced.output
    after = Workspace.open(mine.path).sources().set_index("source_id")["rows_in"]
    assert after["gendarmerie"] == before["gendarmerie"]
    # a hidden source and a source of an agency the user cannot see that does not exist: one answer
    (tmp_path / "ghost.yaml").write_text(mapping_text("ghost_tips", "agyden", "confidential"), encoding="utf-8")
    ghost = _cli(mine, "ax", "ingest", str(rows), "-m", str(tmp_path / "ghost.yaml"), "--replace")
    assert ghost.exit_code == 2
    assert replaced.output.replace("gendarmerie", "<S>") == ghost.output.replace("ghost_tips", "<S>")
    rec = AuditLog(audit_path(mine.path)).records()[-1]
    assert rec["action"] == "access_denied" and rec["details"]["action"] == "ingest"
    # a visible source: --replace needs the erase right (an analyst has none; an admin of that agency has)
    (tmp_path / "open.yaml").write_text(mapping_text("agxpol_open", "agxpol", "restricted"), encoding="utf-8")
    no_right = _cli(mine, "ax", "ingest", str(rows), "-m", str(tmp_path / "open.yaml"), "--replace")
    assert no_right.exit_code == 2 and "not permitted: erase" in no_right.output
    assert Workspace.open(mine.path).sources().set_index("source_id")["rows_in"]["agxpol_open"] == 4
    done = _cli(mine, "adx", "ingest", str(rows), "-m", str(tmp_path / "open.yaml"), "--replace")
    assert done.exit_code == 0 and done.output.startswith("replaced"), done.output
    assert Workspace.open(mine.path).sources().set_index("source_id")["rows_in"]["agxpol_open"] == 3
    assert verify_log(audit_path(mine.path)).ok


def test_judge_counts_are_computed_on_the_users_view(world, tmp_path):
    """Defect: `judge … same` printed "0 merged" for two mentions joined through a hidden fact (the
    agyden bridge) and "1 merged" otherwise: a join the user may not see was revealed."""
    mine = build_world(tmp_path / "ws")  # fresh: the shared world carries other tests' judgments
    _bind_extra_users(mine, tmp_path)
    a, b = "agxpol_open:1:person", "agxpol_open:2:person"  # QUASIMODO and BRIDGEMAN, bridged in agyden_tips
    owner = Workspace.open(mine.path).mention_entities().set_index("mention_id")["entity_id"]
    assert owner[a] == owner[b]  # together in the workspace, through the hidden bridge
    same = _cli(mine, "rx", "judge", a, b, "same")
    assert same.exit_code == 0 and "(1 merged, 0 split in what you may see)" in same.output, same.output
    different = _cli(mine, "rx", "judge", a, b, "different")
    assert different.exit_code == 0 and "(0 merged, 1 split" in different.output, different.output
    records = AuditLog(audit_path(mine.path)).records()
    assert [r["action"] for r in records[-2:]] == ["judgment", "judgment"]
    assert all(r["user"] == "rx" and r["case_number"] == CASE for r in records[-2:])


def test_erase_prints_only_counts_of_the_erased_source(world, tmp_path):
    """Defect: `erase` printed id-change counts, which include merges through hidden facts."""
    mine = _copy_world(world, tmp_path / "ws")
    out = _cli(mine, "adx", "erase", "agxpol_open", "--reason", "court order")
    assert out.exit_code == 0, out.output
    assert "id_changes" not in out.output and "mention_entity" not in out.output and "judgments" not in out.output
    assert "rows 4" in out.output and "mentions" in out.output


def test_users_are_bound_to_the_workspace(world, tmp_path):
    """Defects: `--users evil.yaml` let a viewer grant himself every agency; an edited
    WORKSPACE.users.yaml was accepted silently; the record read as an ordinary search."""
    mine = _copy_world(world, tmp_path / "ws")
    evil = tmp_path / "evil.yaml"
    evil.write_text("users:\n  vx: {role: admin, agencies: '*', max_classification: secret}\n", encoding="utf-8")
    r = CliRunner().invoke(cli_app, ["search", "YANKEEMARK", "-w", str(mine.path), "--users", str(evil),
                                     "--user", "vx", "--case", CASE])
    assert r.exit_code == 2 and "YANKEEMARK" not in r.output.split("\n", 1)[-1]
    rec = AuditLog(audit_path(mine.path)).records()[-1]
    assert rec["action"] == "access_denied" and rec["details"]["reason"] == "users_override"
    # the bound file edited behind the workspace's back: refused for everyone
    own = Path(str(mine.path) + ".users.yaml")
    own.write_text(evil.read_text(), encoding="utf-8")
    r = CliRunner().invoke(cli_app, ["search", "YANKEEMARK", "-w", str(mine.path), "--user", "vx", "--case", CASE])
    assert r.exit_code == 2 and "changed outside" in r.output
    assert AuditLog(audit_path(mine.path)).records()[-1]["details"]["reason"] == "users_file_changed"
    # the admin command is the way: a viewer may not run it, an admin may (audited as manage_users)
    good = tmp_path / "good.yaml"
    from access_world import USERS_YAML

    good.write_text(USERS_YAML, encoding="utf-8")
    own.write_text(USERS_YAML, encoding="utf-8")  # put back (its digest is the bound one again)
    denied = CliRunner().invoke(cli_app, ["users", "set", str(evil), "-w", str(mine.path), "--user", "vx",
                                          "--case", CASE])
    assert denied.exit_code == 2 and "not permitted: manage_users" in denied.output
    ok = CliRunner().invoke(cli_app, ["users", "set", str(good), "-w", str(mine.path), "--user", "adm",
                                      "--case", CASE])
    assert ok.exit_code == 0, ok.output
    assert AuditLog(audit_path(mine.path)).records()[-1]["action"] == "manage_users"
    assert verify_log(audit_path(mine.path)).ok
