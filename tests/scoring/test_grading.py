"""Graded sources (issue 17, item 4): reliability A-F and credibility 1-6 on every mention and
edge, validated in the mapping, drawn dotted when weak, weighed in corroboration and activity."""
from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

import linkgraph
from linkgraph.errors import LinkgraphError
from linkgraph.graph.assemble import resolution_edges
from linkgraph.render.subgraph import chart_data
from linkgraph.scoring.context import ScoringContext
from linkgraph.scoring.factors import corroboration
from linkgraph.scoring.score import score
from linkgraph.sources.extract import read_source
from linkgraph.sources.mapping import load_mapping, parse_mapping

TIP = {"source": "tip", "agency": "signalement", "classification": "restricted", "format": "csv",
       "delimiter": ";", "date": "date", "record_id": "num", "attributes": {"comment": "observations"},
       "mentions": {"p": {"type": "person", "fields": {"last_name": "nom", "first_name": "prenom"}},
                    "t": {"type": "phone", "fields": {"number": "telephone"}},
                    "v": {"type": "vehicle", "fields": {"plate": "immatriculation"}}},
       "relations": [{"type": "uses", "from": "p", "to": "t"}, {"type": "drives", "from": "p", "to": "v"}]}
HEADER = "num;date;nom;prenom;telephone;immatriculation;observations;cotation\n"


def _tip(tmp_path: Path, lines: str, grading) -> tuple:
    (tmp_path / "tip.csv").write_text(HEADER + lines, encoding="utf-8")
    return parse_mapping({**TIP, "grading": grading}, "tip.yaml"), tmp_path / "tip.csv"


def test_mapping_refuses_a_bad_default_grade():
    with pytest.raises(LinkgraphError, match="grading.*not a grade: 'G7'"):
        parse_mapping({**TIP, "grading": "G7"}, "tip.yaml")
    with pytest.raises(LinkgraphError, match="grading"):
        parse_mapping({**TIP, "grading": {}}, "tip.yaml")
    assert parse_mapping({**TIP, "grading": "b 2"}, "tip.yaml").grading.default == "B2"


def test_row_grades_default_and_bad_values_go_to_the_reject_report(tmp_path):
    mapping, path = _tip(tmp_path, "S1;01/02/2024;A;Bob;0611223344;;x;b2\n"
                                   "S2;01/02/2024;C;Dan;0611223355;;x;\n"
                                   "S3;01/02/2024;E;Eve;0611223366;;x;Z9\n",
                         {"default": "F6", "column": "cotation"})
    out = read_source(mapping, path)
    grades = out.mentions.drop_duplicates("row").set_index("row")["grade"]
    assert grades.to_dict() == {1: "B2", 2: "F6"}                      # own grade, else the default
    assert set(out.relations["grade"]) == {"B2", "F6"}                 # carried on relations too
    bad = out.rejects.iloc[0]
    assert (int(bad["row"]), bad["column"], bad["value"]) == (3, "cotation", "Z9")
    assert "not a grade" in bad["reason"] and str(path) == bad["file"]
    assert len(out.rows) == 3 and (out.rows["status"] == "rejected").sum() == 1


def _result(tmp_path, tip_lines: str, grading, police_lines: str, **kwargs):
    """A police file (ungraded) and a tip file: corroboration computed by hand below."""
    (tmp_path / "police.csv").write_text("num;date;nom;prenom;ddn;tel;plaque\n" + police_lines, encoding="utf-8")
    police = parse_mapping({"source": "pol", "agency": "police", "classification": "restricted", "format": "csv",
                            "delimiter": ";", "date": "date", "record_id": "num",
                            "mentions": {"p": {"type": "person", "fields": {"last_name": "nom", "first_name": "prenom",
                                                                              "dob": "ddn"}},
                                         "t": {"type": "phone", "fields": {"number": "tel"}},
                                         "v": {"type": "vehicle", "fields": {"plate": "plaque"}}},
                            "relations": [{"type": "uses", "from": "p", "to": "t"},
                                          {"type": "drives", "from": "p", "to": "v"}]}, "pol.yaml")
    tip, path = _tip(tmp_path, tip_lines, grading)
    return linkgraph.resolve_sources([(police, tmp_path / "police.csv"), (tip, path)], **kwargs)


def test_corroboration_weighs_an_anonymous_tip_as_documented(tmp_path):
    """A person only an F6 tip names, tied by that tip to a phone and a plate the police know:
    ungraded, the police count as a second agency (raw 1); graded F6, 0.3 x 0.3 = 0.09 of one."""
    res = _result(tmp_path, "S1;01/02/2024;LEGRAND;Thierry;0611223344;AB-123-CD;vu;\n", "F6",
                  "A1;01/01/2024;MARTIN;Paul;01/01/1980;0611223344;AB-123-CD\n")
    planted = res.entity_of("tip:1:p")
    raw, evidence = corroboration(ScoringContext.of(res))
    assert raw[planted] == pytest.approx(0.09)
    ungraded = copy.copy(res)
    ungraded.mentions, ungraded.relations = res.mentions.drop(columns="grade"), res.relations.drop(columns="grade")
    raw_before, _ = corroboration(ScoringContext.of(ungraded))
    assert raw_before[planted] == 1.0
    # the police's person: the tip reporting his phone was a second agency (1), now 0.09 of one
    known = res.entity_of("pol:1:p")
    assert raw_before[known] == 1.0 and raw[known] == pytest.approx(0.09)


def test_a_tip_corroborated_by_a_better_source_counts_fully(tmp_path):
    """The same uses link stated by the tip (F6) and by an A1 row of the tip's file (the two mentions
    judged the same person): the edge keeps its best grade, solid, and the asset's agency counts fully."""
    same = pd.DataFrame([{"mention_a": "tip:1:p", "mention_b": "tip:2:p", "verdict": "same"}])
    res = _result(tmp_path, "S1;01/02/2024;LEGRAND;Thierry;0611223344;;vu;\n"
                            "S2;03/02/2024;LEGRAND;Thierry;0611223344;;vu;A1\n",
                  {"default": "F6", "column": "cotation"}, "A1;01/01/2024;MARTIN;Paul;01/01/1980;0611223344;\n",
                  judgments=same)
    assert res.entity_of("tip:1:p") == res.entity_of("tip:2:p")
    edges = resolution_edges(res)
    planted = res.entity_of("tip:1:p")
    uses = edges[(edges["from_entity"] == planted) & (edges["type"] == "uses")].iloc[0]
    assert uses["grade"] == "A1" and not uses["weak"]
    raw, _ = corroboration(ScoringContext.of(res))
    assert raw[planted] == 1.0


def test_weak_links_are_dotted_in_the_chart_and_carry_their_grade(tmp_path):
    res = _result(tmp_path, "S1;01/02/2024;LEGRAND;Thierry;0611223344;AB-123-CD;vu;\n", "F6",
                  "A1;01/01/2024;MARTIN;Paul;01/01/1980;0611223344;AB-123-CD\n")
    data = chart_data(res, ego=res.entity_of("tip:1:p"), depth=2)
    by_from = {(e["from"], e["type"]): e for e in data["edges"]}
    tip_uses = by_from[(res.entity_of("tip:1:p"), "uses")]
    police_uses = by_from[(res.entity_of("pol:1:p"), "uses")]
    assert tip_uses["weak"] and tip_uses["grade"] == "F6" and "cannot be judged" in tip_uses["grade_text"]
    assert not police_uses["weak"] and police_uses["grade"] is None


@pytest.mark.slow
def test_a_single_anonymous_tip_no_longer_lifts_a_planted_person_up_the_priority_list(tmp_path):
    """The bug: one reporting-platform row naming an invented person with the phone and the plate of
    known people (the phone seen by police, gendarmerie and a landlord, the plate by customs, LAPI,
    police and gendarmerie) gave that person the highest corroboration of the fixtures (5 agencies)
    and a place among the first 30 of the priority list (rank 11 in the issue's report). Graded F6,
    as the platform's mapping grades its rows, the tip counts 0.09 per agency."""
    specs = [(m, None) for m in linkgraph.load_mappings()]
    tip, path = _tip(tmp_path, "SIG-1;02/02/2024;LEGRAND;Thierry;+33666821168;5538 MGB 93;deal en bas;\n", "F6")
    res = linkgraph.resolve_sources(specs + [(tip, path)])
    planted = res.entity_of("tip:1:p")
    ungraded = copy.copy(res)
    ungraded.mentions, ungraded.relations, ungraded.rows = (res.mentions.drop(columns="grade"),
                                                            res.relations.drop(columns="grade"),
                                                            res.rows.drop(columns="grade"))
    before = score(ungraded).persons.set_index("entity_id")
    after = score(res).persons.set_index("entity_id")
    assert before.at[planted, "raw_corroboration"] == before["raw_corroboration"].max() == 5.0
    assert before.at[planted, "rank"] <= 30
    assert after.at[planted, "raw_corroboration"] < 0.5
    assert after.at[planted, "rank"] > 300
    # the plateforme's bundled mapping grades its rows F6
    platform = load_mapping(Path(__file__).resolve().parents[2] / "fixtures/map/plateforme_signalements.yaml")
    assert platform.grading.default == "F6"
