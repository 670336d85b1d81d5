"""End to end on the bundled fixtures: accuracy per type, row accounting, stable ids."""
from pathlib import Path

import pandas as pd
import pytest

import linkgraph
from linkgraph.evaluate.runs import scores_by_type

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "fixtures" / "data"


@pytest.fixture(scope="module")
def mappings():
    truth = pd.read_csv(DATA / "truth_mentions.csv", dtype=str)
    sources = {m.source: m for m in linkgraph.load_mappings()}
    return {k: m for k, m in sources.items() if truth["mention_id"].str.startswith(k + ":").any()}


@pytest.fixture(scope="module")
def result(mappings):
    return linkgraph.resolve_sources([(m, None) for m in mappings.values()])


@pytest.fixture(scope="module")
def truth():
    return pd.read_csv(DATA / "truth_mentions.csv", dtype=str)


def test_f1_per_entity_type(result, truth):
    scores = scores_by_type(result.mentions, truth)
    for entity_type in ("person", "vehicle", "phone", "company"):
        assert scores[entity_type].f1 >= 0.98, (entity_type, scores[entity_type])


def test_rows_in_equal_rows_resolved_plus_rejected(result):
    summary = linkgraph.summarize(result)
    for source, counts in summary["sources"].items():
        assert counts["rows_in"] == counts["rows_resolved"] + counts["rows_rejected"], source
    assert result.rejects["row"].nunique() <= summary["rows_rejected"]
    rejected = result.rows[result.rows["status"] == "rejected"][["source", "row"]]
    reported = result.rejects[["source", "row"]].drop_duplicates()
    assert len(rejected.merge(reported)) == len(rejected) == len(reported)


def test_expected_rejects_are_found(result):
    want = pd.read_csv(DATA / "truth_rejects.csv", dtype=str)[["source", "row"]].drop_duplicates()
    got = result.rejects[["source", "row"]].astype(str).drop_duplicates()
    assert len(want.merge(got)) == len(want)


def test_every_mention_keeps_its_provenance(result):
    for col in ("source", "agency", "classification", "file", "row"):
        assert result.mentions[col].notna().all(), col


def test_same_input_same_ids(mappings, result):
    again = linkgraph.resolve_sources([(m, None) for m in mappings.values()])
    merged = result.mentions[["mention_id", "entity_id"]].merge(again.mentions[["mention_id", "entity_id"]],
                                                                on="mention_id")
    assert (merged["entity_id_x"] == merged["entity_id_y"]).all()


def test_adding_a_file_keeps_existing_ids(mappings):
    names = sorted(mappings)
    held_out = "gendarmerie" if "gendarmerie" in mappings else names[-1]
    before = linkgraph.resolve_sources([(mappings[k], None) for k in names if k != held_out])
    after = linkgraph.resolve_sources([(mappings[k], None) for k in names],
                                      previous=linkgraph.mention_table(before))
    old = before.mentions[["mention_id", "entity_id"]]
    new = after.mentions[["mention_id", "entity_id"]]
    both = old.merge(new, on="mention_id", suffixes=("_old", "_new"))
    # an entity keeps its id unless it merged with another old entity (reported as such)
    merged_away = set(after.id_changes.loc[after.id_changes["change"] == "merged", "old_id"])
    kept = both[~both["entity_id_old"].isin(merged_away)]
    assert (kept["entity_id_old"] == kept["entity_id_new"]).mean() >= 0.99
    assert len(kept) >= 0.95 * len(both)
