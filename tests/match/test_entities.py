"""The entity table: one row per entity with agencies, first/last seen and main values."""
import pandas as pd

from linkgraph.match.entities import entity_table


def test_entity_table_aggregates_mentions():
    m = pd.DataFrame({
        "mention_id": ["s:1:p", "s:2:p", "t:1:p", "t:2:p", "t:3:p"],
        "entity_id": ["P-a", "P-a", "P-a", "P-b", "P-b"],
        "entity_type": "person",
        "source": ["s", "s", "t", "t", "t"],
        "agency": ["police", "police", "douane", "douane", "douane"],
        "date": ["2021-03-04", None, "2020-01-02", None, None],
        "first_name": ["karim", "karim", "kareem", "ines", "agnes"],
        "last_name": ["benali", None, "benali", None, None],
    })
    t = entity_table(m).set_index("entity_id")
    a, b = t.loc["P-a"], t.loc["P-b"]
    assert (a["mentions"], a["sources"], a["agencies"]) == (3, 2, "douane;police")
    assert (a["first_seen"], a["last_seen"]) == ("2020-01-02", "2021-03-04")
    assert a["first_name"] == "karim" and a["last_name"] == "benali"   # most frequent value
    assert b["first_name"] == "agnes"                                  # a tie: the smallest value
    assert pd.isna(b["first_seen"]) and pd.isna(b["last_name"])
    assert a["label"] == "Karim BENALI"


def test_entity_table_of_nothing_has_the_columns():
    m = pd.DataFrame(columns=["mention_id", "entity_id", "entity_type", "source", "agency", "date", "first_name"])
    t = entity_table(m)
    assert len(t) == 0
    assert ["entity_id", "entity_type", "label", "mentions", "sources", "agencies", "first_seen", "last_seen",
            "first_name"] == list(t.columns)
