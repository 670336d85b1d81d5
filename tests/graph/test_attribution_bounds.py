"""Line attribution is bounded by its clues: the strong kinds (company, company group, relay) name
the only people who can get a line; when none can, the call records are not scanned for the
other clues."""
from __future__ import annotations

import pandas as pd
import pytest

from linkgraph.graph import attribution
from linkgraph.graph.attribution import AttributionRules, _focus_people, attribute_lines

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
    focus = set(_focus_people(e, calls, known, company_line, directs, rules))
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
