"""Relations held compactly (categorical text columns, as a loader with dtype="category" gives them)
make the same edge table as plain Python strings."""
import pandas as pd

from linkgraph.graph.edge_refs import edge_evidence
from linkgraph.graph.edges import edge_table


def test_categorical_relations_give_the_same_edge_table(rel):
    rows = [rel("P-a", "T-1", "uses", "police", 1, agency="police"),
            rel("T-1", "T-2", "called", "fadettes", 4, agency="gendarmerie", date="2023-01-02"),
            rel("T-2", "T-1", "called", "fadettes", 5, agency="police", date="2022-12-30"),
            rel("T-1", "T-2", "called", "fadettes", 6, agency=None, date=None),
            rel("P-b", "T-2", "uses", "douane", 2, agency="douane", date="2021-05-01"),
            rel("P-b", "V-1", "drives", "douane", 2, agency="douane")]
    plain = pd.DataFrame(rows)
    compact = plain.copy()
    for col in ("type", "source", "agency", "date", "classification"):
        if col in compact:
            compact[col] = compact[col].astype("category")
    assert isinstance(compact["agency"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(edge_table(compact), edge_table(plain))
    lean, lean_plain = edge_table(compact, lists=False), edge_table(plain, lists=False)
    pd.testing.assert_frame_equal(lean, lean_plain)
    assert edge_evidence(lean, [0, 1, 2]) == edge_evidence(lean_plain, [0, 1, 2])
    out = edge_table(compact)
    call = out[(out["from_entity"] == "T-1") & (out["to_entity"] == "T-2")].iloc[0]
    assert call["agencies"] == "gendarmerie" and call["count"] == 2 and call["first_seen"] == "2023-01-02"
