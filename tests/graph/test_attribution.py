"""Line attribution: each clue checked by hand on a small edge table."""
from __future__ import annotations

import pandas as pd

from linkgraph.graph.attribution import AttributionRules, attribute_lines, home_towns, inferred_uses
from linkgraph.graph.projection import person_projection


def edge(frm, to, type_, evidence, first="2023-10-01", last="2024-03-31", count=1):
    return {"edge_id": f"{frm}|{type_}|{to}", "from_entity": frm, "to_entity": to, "type": type_, "count": count,
            "weight": float(count), "self_loop": False, "first_seen": first, "last_seen": last, "evidence": evidence}


def world() -> pd.DataFrame:
    """H (head) co-directs C-1 with L (launderer); L alone directs C-2, whose contact line T-c calls
    the same lieutenant lines as H's known line T-h, through the same cell; T-n starts as T-h stops."""
    rows = [
        edge("P-h", "C-1", "directs", ["registre:1"]), edge("P-l", "C-1", "directs", ["registre:1"]),
        edge("P-l", "C-2", "directs", ["registre:2"]), edge("C-2", "T-c", "uses", ["registre:2"]),
        edge("P-h", "T-h", "uses", ["gendarmerie:7"]), edge("P-x", "T-x", "uses", ["police:3"]),
        edge("P-y", "T-y", "uses", ["police:4"]), edge("P-l", "T-l", "uses", ["police:5"]),
        edge("T-h", "T-x", "called", ["fadettes:1"], last="2024-01-15", count=9),
        edge("T-h", "T-y", "called", ["fadettes:2"], last="2024-01-10", count=9),
        edge("T-c", "T-x", "called", ["fadettes:3"]), edge("T-c", "T-y", "called", ["fadettes:4"]),
        edge("T-c", "T-l", "called", ["fadettes:5"]),
        edge("T-n", "T-z", "called", ["fadettes:6"], first="2023-12-01", count=10),
        edge("T-h", "L-1", "located_at", ["fadettes:1"]), edge("T-c", "L-1", "located_at", ["fadettes:3"]),
        edge("T-n", "L-1", "located_at", ["fadettes:6"]),
    ]
    return pd.DataFrame(rows)


def test_company_line_goes_to_the_co_director_with_other_clues_not_the_director_it_calls():
    out = attribute_lines(world(), rules=AttributionRules()).set_index("phone")
    line = out.loc["T-c"]
    assert line["person"] == "P-h"
    # company group 1 + two shared correspondents 2 + one shared cell 0.5; P-l is excluded (T-c calls T-l)
    assert line["points"] == 3.5
    assert line["reasons"] == "cells(1);company_group;correspondents(2)"
    assert set(line["evidence"]) == {"registre:1", "registre:2", "fadettes:1", "fadettes:2", "fadettes:3",
                                     "fadettes:4"}


def test_relay_line_needs_a_second_clue():
    out = attribute_lines(world(), rules=AttributionRules()).set_index("phone")
    # T-h falls silent on 2024-01-15 (> 30 days before the end, 2024-03-31); T-n starts 2023-12-01 and
    # goes through T-h's cell: relay 1.5 + cell 0.5
    assert out.loc["T-n", "person"] == "P-h"
    assert out.loc["T-n", "reasons"] == "cells(1);relay"
    assert out.loc["T-n", "points"] == 2.0
    # without the shared cell, the relay alone is one kind of clue: not enough
    alone = world()
    alone = alone[~((alone["from_entity"] == "T-n") & (alone["type"] == "located_at"))]
    assert "T-n" not in set(attribute_lines(alone)["phone"])


def test_company_director_alone_is_not_enough_and_known_lines_are_never_reattributed():
    e = world()
    e = e[~e["from_entity"].eq("P-h")]           # no co-director, no known line of H
    out = attribute_lines(e)
    assert "T-c" not in set(out["phone"])       # L: one kind of clue (company), and T-c calls L's own line
    assert not set(out["phone"]) & {"T-x", "T-y", "T-l"}


def test_home_cells_clue_from_known_users_towns():
    e = world()
    e = e[~((e["from_entity"] == "T-h") & (e["type"] == "called"))]   # no shared correspondents left
    e = pd.concat([e, pd.DataFrame([edge("P-x", "T-x2", "uses", ["police:9"]), edge("T-x2", "L-1", "located_at", ["fadettes:9"]),
                                    edge("T-x2", "T-y", "called", ["fadettes:10"])])], ignore_index=True)
    mentions = pd.DataFrame({"entity_id": ["P-h", "P-h", "P-x", "P-l"], "entity_type": "person",
                             "city": ["aix en provence", "marseille", "marseille", "rouen"],
                             "date": ["2021-01-01", "2023-05-01", "2023-01-01", "2023-01-01"]})
    homes = home_towns(mentions)
    assert homes["P-h"] == "marseille"
    line = attribute_lines(e, homes=homes).set_index("phone").loc["T-c"]
    # company group 1 + cell 0.5 (L-1, also T-h's) + home cells 1 (L-1's town: marseille, where H lives)
    assert line["person"] == "P-h" and line["points"] == 2.5
    assert "home_cells" in line["reasons"]


def test_projection_marks_calls_through_an_attributed_line():
    e = world()
    attributed = attribute_lines(e)
    both = pd.concat([e.assign(inferred=False), inferred_uses(attributed)], ignore_index=True)
    p = person_projection(both)
    hx = p[(p["from_entity"] == "P-h") & (p["to_entity"] == "P-x")].iloc[0]
    assert hx["rules"] == "calls;calls:inferred"    # T-h (stated) and T-c (inferred) both call P-x's line
    assert hx["calls"] == 10                         # 9 calls from T-h + 1 from T-c
    assert "P-h|uses~inferred|T-c" in hx["via"]
    assert {"registre:2", "fadettes:3"} <= set(hx["evidence"])   # the company line's registry row and its call
    # an inferred line shares nothing: H and the company are not linked through T-c
    assert not ((p["from_entity"] == "C-2") | (p["to_entity"] == "C-2")).any()


def test_co_director_clue_cites_the_persons_own_directorship_row():
    """H's directorship of C-1 from its own registry row (registre:8): cited with L's rows and the line's."""
    e = world()
    e.loc[(e["from_entity"] == "P-h") & (e["to_entity"] == "C-1"), "evidence"] = pd.Series([["registre:8"]] * 1).values
    line = attribute_lines(e).set_index("phone").loc["T-c"]
    assert line["person"] == "P-h"
    assert {"registre:8", "registre:1", "registre:2"} <= set(line["evidence"])


def test_relay_window_is_a_range_join_equal_to_the_full_cross_join():
    """Every (old, new) pair whose new line starts 60 days before to 30 days after the old line's last
    call, found by binary search: the same pairs as filtering all pairs, with no size cap."""
    import numpy as np

    from linkgraph.graph.attribution import _relay_candidates, _relay_window

    rng = np.random.default_rng(3)
    day0 = pd.Timestamp("2023-10-01")
    old = pd.DataFrame({"person": [f"P-{i}" for i in range(300)], "line": [f"T-o{i}" for i in range(300)],
                        "ev": [[f"r:{i}"] for i in range(300)],
                        "first": day0 + pd.to_timedelta(rng.integers(0, 60, 300), unit="D"),
                        "last": day0 + pd.to_timedelta(rng.integers(60, 180, 300), unit="D"), "calls": 9})
    new = pd.DataFrame({"new": [f"T-n{i}" for i in range(400)],
                        "first": day0 + pd.to_timedelta(rng.integers(0, 180, 400), unit="D"),
                        "last": day0 + pd.to_timedelta(rng.integers(180, 200, 400), unit="D"), "calls": 9})
    got = _relay_window(old, new, 60, 30)
    cross = old.merge(new, how="cross", suffixes=("_old", "_new"))
    lead = cross["last_old"] - cross["first_new"]
    want = cross[(lead >= -pd.Timedelta(days=30)) & (lead <= pd.Timedelta(days=60))]
    assert len(got) > 0
    assert set(zip(got["line"], got["new"])) == set(zip(want["line"], want["new"]))
    assert len(got) == len(want)
    row = got.iloc[0]
    assert row["ev"] == old.set_index("line").loc[row["line"], "ev"]          # each side keeps its own columns
    assert row["first_new"] == new.set_index("new").loc[row["new"], "first"]
    # restricted to (line, person) pairs another clue names (the default, min_kinds >= 2): the same pairs
    cand = pd.DataFrame({"line": new["new"].to_numpy()[rng.integers(0, 400, 500)],
                         "person": old["person"].to_numpy()[rng.integers(0, 300, 500)]}).drop_duplicates()
    some = _relay_candidates(cand, old, new, 60, 30)
    named = want.merge(cand.rename(columns={"line": "new"}), on=["new", "person"])
    assert len(some) > 0 and set(zip(some["line"], some["new"])) == set(zip(named["line"], named["new"]))
