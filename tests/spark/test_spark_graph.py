"""Issue 15 (3): edge table, projection and the factors' person table on Spark equal the local
ones; scoring with ``engine="spark"`` gives the local ranking and evidence (API and CLI)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from linkgraph.api import load_mappings, read_sources, save_resolution
from linkgraph.cli import app
from linkgraph.graph.edge_refs import evidence_lists
from linkgraph.graph.edges import edge_table
from linkgraph.graph.projection import person_projection
from linkgraph.graph.spark.edges import edge_table_spark
from linkgraph.graph.spark.factors import person_rows
from linkgraph.graph.spark.projection import person_projection_spark
from linkgraph.match.pipeline import resolve
from linkgraph.scoring import factors as F
from linkgraph.scoring.config import load_scoring
from linkgraph.scoring.context import ScoringContext
from linkgraph.scoring.score import FACTORS, score

pytestmark = pytest.mark.spark


def rel(frm: str, to: str, type_: str, source: str = "police", row=1, agency: str | None = "police",
        date: str | None = "2024-03-01", classification: str = "restricted", **attrs) -> dict:
    """One mention-level relation row, as ``Resolution.relations`` has them."""
    return {"from_entity": frm, "to_entity": to, "type": type_, "source": source, "row": row, "agency": agency,
            "date": date, "classification": classification, **attrs}


@pytest.fixture(scope="module")
def fixtures():
    return resolve(read_sources([(m, None) for m in load_mappings()]))


@pytest.fixture(scope="module")
def settings():
    return load_scoring()


@pytest.fixture(scope="module")
def contexts(fixtures, settings, spark):
    args = (settings.reference_date, settings.cosightings.window_seconds, settings.cosightings.min_times,
            settings.attribution.rules())
    return ScoringContext.of(fixtures, *args), ScoringContext.of(fixtures, *args, engine="spark", spark=spark)


def _same_edges(local: pd.DataFrame, on_spark: pd.DataFrame) -> None:
    key = ["from_entity", "to_entity", "type"]
    pd.testing.assert_frame_equal(local, on_spark)   # rows already in key order on both engines
    pd.testing.assert_frame_equal(local.sort_values(key).reset_index(drop=True),
                                  on_spark.sort_values(key).reset_index(drop=True))
    assert [list(x) for x in evidence_lists(local)] == [list(x) for x in evidence_lists(on_spark)]


def _same_projection(local: pd.DataFrame, on_spark: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(local, on_spark)
    a, b = local.attrs["via_index"], on_spark.attrs["via_index"]
    assert np.array_equal(a.offsets, b.offsets) and np.array_equal(a.positions, b.positions)


def test_fixture_edge_table_same_on_spark(spark, fixtures):
    for lists in (False, True):
        local = edge_table(fixtures.relations, lists=lists)
        assert len(local) > 1000 and local["n_sources"].max() >= 2   # a real table: several sources per edge
        _same_edges(local, edge_table_spark(spark, fixtures.relations, lists=lists))


def test_hand_made_edges_same_on_spark(spark):
    """Swapped symmetric pairs, counts and sums where given, NaN where never, text row ids, rows in
    numeric order (9 before 10, whatever came first), undated rows, over 62 agencies (Spark joins
    the names itself), a self-loop."""
    rows = [rel("P-b", "P-a", "co_arrested", "police", 7, date="2024-01-02", duration=30),
            rel("P-a", "P-b", "co_arrested", "gendarmerie", 2, agency="gendarmerie", date="2023-05-01"),
            rel("P-a", "P-b", "co_arrested", "police", 7, date="2024-01-02"),
            rel("P-a", "P-b", "co_arrested", "police", 10), rel("P-b", "P-a", "co_arrested", "police", 9),
            rel("T-1", "T-2", "called", "fadettes", "x12", agency="douane", calls=5, classification="secret"),
            rel("T-1", "T-2", "called", "fadettes", 3, agency=None, date=None, calls=None, quantity=2.5),
            rel("T-2", "T-1", "called", "fadettes", 4),
            rel("P-a", "P-a", "associated_with", "police", 9)]
    rows += [rel("P-c", "V-1", "drives", "lapi", i, agency=f"agency{i:02d}") for i in range(70)]
    relations = pd.DataFrame(rows)
    for lists in (False, True):
        local = edge_table(relations, lists=lists)
        _same_edges(local, edge_table_spark(spark, relations, lists=lists))
    made = edge_table_spark(spark, relations, lists=True).set_index("edge_id")
    assert made.loc["P-a|co_arrested|P-b", "count"] == 5
    assert made.loc["P-a|co_arrested|P-b", "evidence"] == ["gendarmerie:2", "police:7", "police:9", "police:10"]
    assert made.loc["T-1|called|T-2", "weight"] == 6.0 and made.loc["T-1|called|T-2", "classification"] == "secret"
    assert np.isnan(made.loc["T-2|called|T-1", "total_duration"])
    assert made.loc["P-c|drives|V-1", "n_agencies"] == 70


def test_fixture_projection_same_on_spark(spark, contexts):
    local, _ = contexts
    assert local.edges["inferred"].eq(True).any()      # attributed lines take part (calls:inferred)
    projection = person_projection(local.edges, local.entities, lists=False)
    assert {"calls", "calls:inferred", "shared:company"} <= set(";".join(projection["rules"]).split(";"))
    _same_projection(projection, person_projection_spark(spark, local.edges, local.entities))


def test_hand_made_projection_same_on_spark(spark):
    """Direct ties, calls between holders (a shared line, a line nobody holds), shared assets, an
    asset with more sharers than ``max_sharers``."""
    rows = [rel("P-a", "P-b", "co_arrested", row=1), rel("P-b", "P-c", "employs", row=2),
            rel("P-a", "T-1", "uses", row=3), rel("P-b", "T-2", "uses", row=4), rel("P-c", "T-2", "uses", row=5),
            rel("T-1", "T-2", "called", "fadettes", 6, calls=4), rel("T-2", "T-3", "texted", "fadettes", 7),
            rel("T-3", "T-1", "called", "fadettes", 8), rel("P-a", "V-1", "drives", row=9),
            rel("P-c", "V-1", "owns", row=10), rel("P-c", "V-1", "drives", row=11)]
    rows += [rel(f"P-x{i}", "C-fleet", "directs", row=20 + i) for i in range(4)]
    edges = edge_table(pd.DataFrame(rows), lists=False)
    for sharers in (50, 3):
        local = person_projection(edges, None, max_sharers=sharers, lists=False)
        _same_projection(local, person_projection_spark(spark, edges, None, max_sharers=sharers))
    pairs = person_projection_spark(spark, edges, None).set_index(["from_entity", "to_entity"])
    assert pairs.loc[("P-a", "P-b"), "rules"] == "calls;direct:co_arrested"
    assert pairs.loc[("P-a", "P-c"), "weight"] == 5.0      # 4 calls + one shared car
    assert ("P-x0", "P-x3") in pairs.index and ("P-x0", "P-x3") not in \
        person_projection_spark(spark, edges, None, max_sharers=3).set_index(["from_entity", "to_entity"]).index


def test_person_rows_same_on_spark(spark, contexts):
    local, on_spark = contexts
    expected = F._person_rows(local)
    assert len(expected) > 100
    pd.testing.assert_frame_equal(person_rows(spark, local.mentions, local.rows), expected)
    assert F._person_rows(on_spark) is on_spark.cache["person_rows"][2]    # the factors read Spark's table
    pd.testing.assert_frame_equal(F._person_rows(on_spark), expected)
    _same_edges(local.edges, on_spark.edges)
    _same_projection(local.projection, on_spark.projection)


def _evidence(scores, n: int) -> dict:
    return {pid: {f: list(scores.evidence[f].get(pid, [])) for f in FACTORS} for pid in scores.top(n)["entity_id"]}


def test_score_same_ranking_and_evidence_on_spark(spark, fixtures, settings):
    local = score(fixtures, settings)
    on_spark = score(fixtures, settings, engine="spark", spark=spark)
    pd.testing.assert_frame_equal(local.persons, on_spark.persons)
    assert local.persons["score"].iloc[0] > local.persons["score"].iloc[19] > 0
    top = _evidence(local, 20)
    assert top == _evidence(on_spark, 20) and any(top[p]["network"] for p in top)
    pd.testing.assert_frame_equal(local.organisations, on_spark.organisations)


def test_cli_score_engine_spark_same_list(spark, fixtures, tmp_path):
    run = tmp_path / "run"
    save_resolution(fixtures, run, ("parquet",))
    runner = CliRunner()
    for engine in ("local", "spark"):
        res = runner.invoke(app, ["score", str(run), "--top", "15", "--engine", engine, "-o", str(tmp_path / engine)])
        assert res.exit_code == 0, res.output
    local = pd.read_csv(tmp_path / "local" / "ranked.csv")
    on_spark = pd.read_csv(tmp_path / "spark" / "ranked.csv")
    assert len(local) == 15
    pd.testing.assert_frame_equal(local, on_spark)
    shown = [json.loads((tmp_path / e / "ranked.json").read_text(encoding="utf-8")) for e in ("local", "spark")]
    assert shown[0] == shown[1]


def test_cli_score_rejects_unknown_engine(tmp_path):
    res = CliRunner().invoke(app, ["score", str(tmp_path), "--engine", "hadoop"])
    assert res.exit_code != 0 and "unknown engine 'hadoop'" in res.output and "Traceback" not in res.output


def test_corroboration_same_on_spark(spark, contexts):
    from linkgraph.graph.spark.factors import corroboration

    local, on_spark = contexts
    raw, evidence = F.corroboration(local)
    assert (raw > 0).sum() > 20
    got_raw, got_evidence = corroboration(spark, local)
    pd.testing.assert_series_equal(got_raw, raw)
    assert list(got_evidence.keys_index()) == list(evidence.keys_index())
    assert {k: got_evidence[k] for k in got_evidence} == {k: evidence[k] for k in evidence}
    assert F.corroboration(on_spark) is on_spark.cache["corroboration"][2]   # the factor reads Spark's


def test_graded_corroboration_same_on_spark(spark, contexts):
    """Graded reports (an F6 tip, a B2 report) and a mention with no agency: the same weights and rows."""
    from dataclasses import replace

    from linkgraph.graph.spark.factors import corroboration

    local, _ = contexts
    rng = np.random.default_rng(0)
    mentions = local.mentions.assign(grade=rng.choice(np.array([None, "B2", "F6", "A1"], dtype=object), len(local.mentions)))
    mentions.loc[mentions.index[:40], "agency"] = None
    edges = local.edges.assign(grade=rng.choice(np.array([None, "C3", "F6"], dtype=object), len(local.edges)))
    ctx = replace(local, mentions=mentions, edges=edges, cache={})
    raw, evidence = F.corroboration(ctx)
    assert 0 < raw[raw > 0].min() < 1     # graded: fractions of an agency
    got_raw, got_evidence = corroboration(spark, ctx)
    pd.testing.assert_series_equal(got_raw, raw)
    assert {k: got_evidence[k] for k in got_evidence} == {k: evidence[k] for k in evidence}
