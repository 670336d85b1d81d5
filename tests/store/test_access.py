"""Access control on the bundled fixtures: users × agencies × classifications, nothing hidden leaks."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import linkgraph
from linkgraph.errors import MappingError
from linkgraph.graph.assemble import resolution_edges
from linkgraph.graph.edges import edge_table
from linkgraph.match.entities import MAIN_VALUES
from linkgraph.store import access
from linkgraph.store.access import (
    LEVEL, PERMISSIONS, AccessDenied, Role, User, can, load_users, require, require_visible,
    restrict_resolution, restricted_edges, visible_edges, visible_entities, visible_entity_ids, visible_mentions,
    visible_relations,
)
from linkgraph.store.audit import ACTIONS
from linkgraph.vocabulary import CLASSIFICATIONS

USERS = {
    "viewer": User(name="viewer", role="viewer", agencies=frozenset({"police"}), max_classification="restricted"),
    "analyst": User(name="analyst", role="analyst", agencies=frozenset({"police", "gendarmerie"}),
                    max_classification="confidential"),
    "reviewer": User(name="reviewer", role="reviewer", agencies="*", max_classification="secret"),
    "admin": User(name="admin", role="admin", agencies="*", max_classification="secret"),
    # two more clearances so that every fixture agency is both seen and hidden by someone
    "police_secret": User(name="police_secret", role="analyst", agencies=frozenset({"police"}),
                          max_classification="secret"),
    "local": User(name="local", role="viewer", agencies=frozenset({"police_municipale", "bailleur", "registre", "lapi"}),
                  max_classification="restricted"),
}
AGENCIES = ["bailleur", "douane", "gendarmerie", "lapi", "police", "police_municipale", "registre"]


@pytest.fixture(scope="module")
def result():
    return linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])


def _allowed(user: User, agency, classification) -> bool:
    level = LEVEL.get(classification)
    return level is not None and level <= user.level and (user.agencies == "*" or agency in user.agencies)


def _expected_mentions(result, user: User) -> pd.DataFrame:
    m = result.mentions
    keep = np.array([_allowed(user, a, c) for a, c in zip(m["agency"], m["classification"])], dtype=bool)
    return m[keep]


# -- who may do what ------------------------------------------------------------------------------


def test_permission_table():
    assert PERMISSIONS["viewer"] == {"login", "search", "view", "chart", "match", "deconflict", "alerts"}
    assert PERMISSIONS["analyst"] == PERMISSIONS["viewer"] | {"export", "score", "ingest", "resolve", "watch"}
    assert PERMISSIONS["reviewer"] == PERMISSIONS["analyst"] | {"judgment", "merge", "split"}
    assert PERMISSIONS["admin"] == PERMISSIONS["reviewer"] | {"erase", "retention", "manage_users"}
    assert set(PERMISSIONS) == {r.value for r in Role}
    every = set().union(*PERMISSIONS.values())
    assert every <= set(ACTIONS) and "access_denied" not in every


@pytest.mark.parametrize("name", sorted(USERS))
def test_can_matrix_equals_permissions(name):
    user = USERS[name]
    for action in ACTIONS + ("drop_table", ""):
        assert can(user, action) == (action in PERMISSIONS[user.role.value]), action
        if not can(user, action):
            with pytest.raises(AccessDenied):
                require(user, action)


# -- mentions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,agency", list(itertools.product(sorted(USERS), AGENCIES)))
def test_mention_matrix(result, name, agency):
    user = USERS[name]
    seen = visible_mentions(result.mentions, user)
    mine = result.mentions[result.mentions["agency"] == agency]
    for classification in CLASSIFICATIONS:
        total = int((mine["classification"] == classification).sum())
        shown = int(((seen["agency"] == agency) & (seen["classification"] == classification)).sum())
        assert shown == (total if _allowed(user, agency, classification) else 0), (agency, classification)


@pytest.mark.parametrize("name", sorted(USERS))
def test_visible_mentions_are_exactly_the_allowed_ones(result, name):
    user = USERS[name]
    seen = visible_mentions(result.mentions, user)
    expected = _expected_mentions(result, user)
    assert set(seen["mention_id"]) == set(expected["mention_id"])
    assert seen.columns.tolist() == result.mentions.columns.tolist()


def test_matrix_is_not_trivial(result):
    counts = {n: len(visible_mentions(result.mentions, u)) for n, u in USERS.items()}
    assert counts["viewer"] == 0  # police files are confidential or secret
    assert 0 < counts["local"] < counts["analyst"] < counts["police_secret"] < counts["reviewer"]
    assert counts["reviewer"] == counts["admin"] == len(result.mentions)


def test_unknown_classification_or_agency_is_hidden():
    frame = pd.DataFrame({"agency": ["police", "police", None, "police"],
                          "classification": ["restricted", "top_secret", "public", None]})
    assert visible_mentions(frame, USERS["police_secret"]).index.tolist() == [0]
    assert visible_mentions(frame, USERS["admin"]).index.tolist() == [0, 2]
    with pytest.raises(KeyError):
        visible_mentions(frame.drop(columns="agency"), USERS["admin"])


# -- entities ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(USERS))
def test_entities_exist_only_through_visible_mentions(result, name):
    user = USERS[name]
    expected = _expected_mentions(result, user)
    entities = visible_entities(result.entities, result.mentions, user)
    assert set(entities["entity_id"]) == set(expected["entity_id"].dropna())
    hidden = set(result.entities["entity_id"]) - set(expected["entity_id"])
    assert not hidden & set(entities["entity_id"])
    assert set(visible_entity_ids(result.mentions, user)) == set(entities["entity_id"])
    assert entities.columns.tolist() == result.entities.columns.tolist()


@pytest.mark.parametrize("name", sorted(USERS))
def test_entity_aggregates_count_visible_mentions_only(result, name):
    user = USERS[name]
    expected = _expected_mentions(result, user)
    entities = visible_entities(result.entities, result.mentions, user).set_index("entity_id")
    g = expected.groupby("entity_id")
    counts = g.size()
    assert entities["mentions"].sort_index().tolist() == counts.sort_index().tolist()
    agencies = g["agency"].agg(lambda s: ";".join(sorted(set(s))))
    assert entities["agencies"].sort_index().tolist() == agencies.sort_index().tolist()
    assert (entities["sources"].sort_index() == g["source"].nunique().sort_index()).all()
    dates = expected.assign(date=expected["date"].astype("string"))
    first = dates.groupby("entity_id")["date"].min().reindex(entities.index)
    both = first.notna() | entities["first_seen"].notna()
    assert (first[both].astype(str) == entities.loc[both, "first_seen"].astype(str)).all()
    # every main value shown is a value of one of the entity's visible mentions
    for col in sorted({c for cols in MAIN_VALUES.values() for c in cols if c in entities.columns}):
        shown = entities[col].dropna().rename("v").reset_index()
        have = expected[["entity_id", col]].dropna().rename(columns={col: "v"}).drop_duplicates()
        assert len(shown.merge(have, on=["entity_id", "v"])) == len(shown), col


def test_person_seen_by_police_and_douane(result):
    m = result.mentions
    per = m.groupby("entity_id")["agency"].agg(lambda s: frozenset(s))
    ids = per[per == frozenset({"police", "douane"})].index
    assert len(ids)
    user = USERS["police_secret"]
    full = result.entities.set_index("entity_id").loc[ids]
    mine = visible_entities(result.entities, m, user).set_index("entity_id").loc[ids]
    police = m[m["entity_id"].isin(ids) & (m["agency"] == "police")].groupby("entity_id").size()
    assert (mine["mentions"] == police.reindex(mine.index)).all()
    assert (mine["agencies"] == "police").all() and (full["agencies"] == "douane;police").all()
    assert (mine["mentions"] < full["mentions"]).all()
    # main values come from police mentions only: douane spells one of them AZOUZ, police AZZOUZ
    spelled = m[m["entity_id"].isin(ids)].groupby("entity_id")["last_name"].nunique()
    for eid in spelled[spelled > 1].index:
        police_names = set(m[(m["entity_id"] == eid) & (m["agency"] == "police")]["last_name"])
        assert mine.loc[eid, "last_name"] in police_names
        assert mine.loc[eid, "label"].split()[-1].lower() in police_names
    # a douane-only user cannot see this entity through police rows, and nobody cleared for douane alone
    nobody = User(name="x", role="viewer", agencies=frozenset({"douane"}), max_classification="confidential")
    assert not set(ids) & set(visible_entities(result.entities, m, nobody)["entity_id"])


def test_user_seeing_nothing_gets_empty_tables(result):
    user = USERS["viewer"]
    assert visible_entities(result.entities, result.mentions, user).empty
    assert visible_relations(result.relations, user, mentions=result.mentions).empty
    edges = restricted_edges(result.relations, user, mentions=result.mentions, cosighting_window=120)
    assert edges.empty


# -- relations and edges ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(USERS))
def test_visible_relations(result, name):
    user = USERS[name]
    rel = visible_relations(result.relations, user, mentions=result.mentions)
    ids = set(_expected_mentions(result, user)["entity_id"])
    assert all(_allowed(user, a, c) for a, c in set(zip(rel["agency"], rel["classification"])))
    assert set(rel["from_entity"]) <= ids and set(rel["to_entity"]) <= ids
    r = result.relations
    allowed = np.array([_allowed(user, a, c) for a, c in zip(r["agency"], r["classification"])], dtype=bool)
    allowed &= r["from_entity"].isin(ids).to_numpy() & r["to_entity"].isin(ids).to_numpy()
    assert len(rel) == int(allowed.sum())


def _refs(frame: pd.DataFrame) -> set[str]:
    return set(frame["source"].astype(str) + ":" + frame["row"].astype(str))


@pytest.mark.parametrize("name", sorted(USERS))
def test_restricted_edges_hold_visible_evidence_only(result, name):
    user = USERS[name]
    rel = visible_relations(result.relations, user, mentions=result.mentions)
    edges = restricted_edges(result.relations, user, mentions=result.mentions)
    visible_refs = _refs(rel)
    evidence = set().union(*edges["evidence"]) if len(edges) else set()
    assert evidence <= visible_refs
    hidden_refs = _refs(result.relations) - visible_refs
    assert not evidence & hidden_refs
    assert int(edges["count"].sum()) == len(rel)
    if len(edges):
        assert (edges["classification"].map(LEVEL) <= user.level).all()
        agencies = set(";".join(edges["agencies"]).split(";"))
        assert user.agencies == "*" or agencies <= set(user.agencies)
        ids = set(visible_entity_ids(result.mentions, user))
        assert set(edges["from_entity"]) <= ids and set(edges["to_entity"]) <= ids


def test_restricted_edges_recompute_mixed_edges(result):
    user = USERS["analyst"]
    full = edge_table(result.relations).set_index("edge_id")
    mine = restricted_edges(result.relations, user, mentions=result.mentions).set_index("edge_id")
    common = mine.index.intersection(full.index)
    assert len(common)
    fewer = mine.loc[common, "count"] < full.loc[common, "count"]
    assert fewer.any()  # some edges carry hidden evidence in the full table...
    for eid in common[fewer.to_numpy()][:20]:  # ...which the restricted edge leaves out
        assert set(mine.loc[eid, "evidence"]) < set(full.loc[eid, "evidence"])
        assert set(mine.loc[eid, "agencies"].split(";")) <= {"police", "gendarmerie"}


def test_cosightings_follow_visible_reads(result):
    full = resolution_edges(result, cosighting_window=120)
    assert (full["type"] == "seen_together").any()
    everything = restricted_edges(result.relations, USERS["reviewer"], mentions=result.mentions,
                                  entities=result.entities, cosighting_window=120)
    pd.testing.assert_frame_equal(everything.reset_index(drop=True), full.reset_index(drop=True))
    # lapi reads are confidential: a restricted user sees no convoy, though lapi is among their agencies
    local = restricted_edges(result.relations, USERS["local"], mentions=result.mentions, cosighting_window=120)
    assert not (local["type"] == "seen_together").any()
    police = restricted_edges(result.relations, USERS["police_secret"], mentions=result.mentions, cosighting_window=120)
    assert not (police["type"] == "seen_together").any()


@pytest.mark.parametrize("name", sorted(USERS))
def test_visible_edges_keep_only_fully_visible_rows(result, name):
    user = USERS[name]
    full = edge_table(result.relations)
    ids = visible_entity_ids(result.mentions, user)
    kept = visible_edges(full, user, ids)
    exact = restricted_edges(result.relations, user, mentions=result.mentions).set_index("edge_id")
    assert set(kept["edge_id"]) <= set(exact.index)
    for col in ("count", "agencies", "classification", "evidence"):
        assert kept.set_index("edge_id")[col].tolist() == exact.loc[kept["edge_id"], col].tolist(), col


# -- errors, users file, whole resolution -----------------------------------------------------------


def test_access_denied_does_not_reveal_existence(result):
    user = USERS["police_secret"]
    ids = visible_entity_ids(result.mentions, user)
    hidden = sorted(set(result.entities["entity_id"]) - set(ids))[0]
    require_visible(ids[0], ids)
    messages = []
    for candidate in (hidden, "P-0000000000"):
        with pytest.raises(AccessDenied) as info:
            require_visible(candidate, ids)
        messages.append(str(info.value))
    assert messages[0] == messages[1] == "entity not found or not permitted"
    assert hidden not in messages[0]


def test_restrict_resolution(result):
    user = USERS["analyst"]
    mine = restrict_resolution(result, user)
    assert set(mine.mentions["mention_id"]) == set(_expected_mentions(result, user)["mention_id"])
    assert set(mine.entities["entity_id"]) == set(mine.mentions["entity_id"])
    assert set(mine.rows["agency"]) <= {"police", "gendarmerie"}
    assert set(mine.rows["classification"]) <= {"public", "restricted", "confidential"}
    assert set(mine.rejects["source"]) <= {"police_procedures", "gendarmerie"}
    assert len(mine.rejects) and len(mine.rejects) < len(result.rejects)
    hidden = result.mentions.loc[~result.mentions["mention_id"].isin(mine.mentions["mention_id"]), "mention_id"].iloc[0]
    with pytest.raises(KeyError):
        mine.entity_of(hidden)
    everything = restrict_resolution(result, USERS["admin"])
    assert len(everything.mentions) == len(result.mentions) and len(everything.relations) == len(result.relations)
    pd.testing.assert_frame_equal(everything.entities.reset_index(drop=True), result.entities.reset_index(drop=True))


def test_load_users_docstring_example(tmp_path):
    text = access.__doc__.split("::", 1)[1].split("\nAll functions", 1)[0]
    path = tmp_path / "users.yaml"
    path.write_text("\n".join(line[4:] for line in text.splitlines()), encoding="utf-8")
    users = load_users(path)
    assert set(users) == {"alice", "bruno", "chloe", "admin"}
    assert users["alice"] == User(name="alice", role=Role.viewer, agencies=frozenset({"police"}),
                                  max_classification="restricted")
    assert users["chloe"].agencies == "*" and users["chloe"].level == 3
    assert users["bruno"].agencies == frozenset({"police", "gendarmerie"})


@pytest.mark.parametrize("body,key", [
    ("users:\n  alice: {role: boss, agencies: [police], max_classification: secret}\n", "users.alice.role"),
    ("users:\n  alice: {role: viewer, agencies: [police], max_classification: top}\n",
     "users.alice.max_classification"),
    ("users:\n  alice: {role: viewer, agencies: [], max_classification: public}\n", "users.alice.agencies"),
    ("users:\n  alice: {role: viewer, agencies: [Police!], max_classification: public}\n", "users.alice.agencies"),
    ("users:\n  alice: {role: viewer, agencies: [police], max_classification: public, pwd: x}\n",
     "users.alice.pwd"),
    ("users:\n  alice: {role: viewer, max_classification: public}\n", "users.alice.agencies"),
    ("users:\n  'bad name': {role: viewer, agencies: [police], max_classification: public}\n", "users.bad name"),
    ("users: {}\n", "users"),
    ("- alice\n", "(document)"),
    ("users: !!python/object/apply:os.system ['true']\n", "(yaml)"),
])
def test_load_users_errors_name_file_and_key(tmp_path, body, key):
    path = tmp_path / "users.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(MappingError) as info:
        load_users(path)
    assert info.value.key == key and str(path) in str(info.value)


def test_missing_users_file(tmp_path):
    with pytest.raises(MappingError, match="cannot read"):
        load_users(Path(tmp_path) / "absent.yaml")
