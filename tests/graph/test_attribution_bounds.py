"""Line attribution is bounded by its clues: the strong kinds (company, company group, relay) name
the only people who can get a line; when none can, the call records are not scanned for the
other clues."""
from __future__ import annotations

import pandas as pd
import pytest

from linkgraph.graph import attribution
from linkgraph.graph.attribution import AttributionRules, _call_spans, _focus_people, attribute_lines

from test_attribution import edge, world  # noqa: E402  (tests/graph/test_attribution.py)


def _no_scan(*args, **kwargs):
    raise AssertionError("the correspondents / cells of every line were scanned")


def test_focus_is_the_directors_co_directors_and_users_of_silent_lines():
    e = world()
    rules = AttributionRules()
    ftype = e["from_entity"].str[0]
    calls = (e["type"] == "called").to_numpy()
    known = pd.DataFrame({"person": e.loc[(e["type"] == "uses") & (ftype == "P"), "from_entity"],
                          "line": e.loc[(e["type"] == "uses") & (ftype == "P"), "to_entity"]})
    company_line = pd.DataFrame({"company": ["C-2"], "line": ["T-c"]})
    directs = e.loc[e["type"] == "directs", ["from_entity", "to_entity"]].set_axis(["person", "company"], axis=1)
    codes, names = pd.factorize(pd.concat([e["from_entity"], e["to_entity"]]))
    n = len(e)
    span = _call_spans(codes[:n][calls], codes[n:][calls], pd.to_datetime(e.loc[calls, "first_seen"]).to_numpy(),
                       pd.to_datetime(e.loc[calls, "last_seen"]).to_numpy(), e.loc[calls, "count"].to_numpy(), len(names))
    span.index = names[span.index]
    focus = set(_focus_people(span, known, company_line, directs, rules))
    # P-l directs C-2 (T-c), P-h co-directs C-1 with P-l and T-h falls silent in January; P-x, P-y: neither
    assert focus == {"P-l", "P-h"}


def test_nothing_to_attribute_without_a_strong_clue_and_no_full_scan(monkeypatch):
    """Every known line calls until the end of the records and no company has a line: nobody can get a
    line, so attribution stops before the correspondents and cells of every open line are compared."""
    rows = [edge("P-a", "T-a", "uses", ["police:1"]), edge("P-b", "T-b", "uses", ["police:2"]),
            edge("T-a", "T-o", "called", ["fadettes:1"], count=20), edge("T-b", "T-o", "called", ["fadettes:2"], count=20),
            edge("T-o", "T-p", "called", ["fadettes:3"], count=20), edge("T-a", "L-1", "located_at", ["fadettes:1"]),
            edge("T-o", "L-1", "located_at", ["fadettes:3"])]
    monkeypatch.setattr(attribution, "_shared_clue", _no_scan)
    assert attribute_lines(pd.DataFrame(rows), rules=AttributionRules()).empty


def test_a_strong_kind_outside_the_bounded_set_scans_everything(monkeypatch):
    """With correspondents counted as strong, anybody may get a line: the full search runs."""
    rules = AttributionRules(strong=("company", "company_group", "relay", "correspondents"))
    monkeypatch.setattr(attribution, "_shared_clue", _no_scan)
    with pytest.raises(AssertionError, match="scanned"):
        attribute_lines(world(), rules=rules)


def test_undated_call_records_attribute_nothing_and_do_not_fail():
    e = world()
    e["first_seen"], e["last_seen"] = None, None
    out = attribute_lines(e, rules=AttributionRules())
    assert "T-n" not in set(out["phone"])          # no dates: no relay
    assert out.set_index("phone").loc["T-c", "person"] == "P-h"   # the company group clue still works


def test_a_silent_line_without_a_relay_in_its_window_attributes_nothing_and_no_full_scan(monkeypatch):
    """P-a's line falls silent (a person to look at), but no open line starts near its end and no
    company has a line: no (line, person) pair has a strong clue, so the correspondents are not compared."""
    rows = [edge("P-a", "T-a", "uses", ["police:1"]), edge("P-b", "T-b", "uses", ["police:2"]),
            edge("T-a", "T-o", "called", ["fadettes:1"], last="2023-11-01", count=20),
            edge("T-b", "T-o", "called", ["fadettes:2"], count=20),
            edge("T-p", "T-o", "called", ["fadettes:3"], first="2023-10-15", count=20)]   # starts before T-a's end
    monkeypatch.setattr(attribution, "_shared_clue", _no_scan)
    with pytest.raises(AssertionError, match="scanned"):     # (T-p, P-a) has a relay clue: its correspondents are compared
        attribute_lines(pd.DataFrame(rows), rules=AttributionRules())
    rows[-1] = edge("T-p", "T-o", "called", ["fadettes:3"], first="2024-02-20", count=20)  # starts after the window
    assert attribute_lines(pd.DataFrame(rows), rules=AttributionRules()).empty


@pytest.mark.parametrize("homes", [False, True])
def test_the_bound_by_pairs_gives_what_the_unbounded_search_gives(monkeypatch, homes):
    """When the relay range join is too large to bound the search, the full search runs: same result."""
    from test_attribution import home_towns

    mentions = pd.DataFrame({"entity_id": ["P-h", "P-x", "P-l"], "entity_type": "person",
                             "city": ["marseille", "marseille", "rouen"], "date": "2023-01-01"})
    h = home_towns(mentions) if homes else None
    bounded = attribute_lines(world(), rules=AttributionRules(), homes=h)
    monkeypatch.setattr(attribution, "_window_size", lambda *a, **k: 10 ** 12)
    unbounded = attribute_lines(world(), rules=AttributionRules(), homes=h)
    assert len(bounded) == 2
    pd.testing.assert_frame_equal(bounded, unbounded)
