"""Writing result files: formula cells defused (OWASP CSV injection), numbers untouched."""
import pandas as pd
import pytest

from linkgraph.store.files import defuse_formulas


@pytest.mark.parametrize("value, defused", [
    ("=cmd|' /C calc'!A0", True), ("+33612345678", False), ("-1", False), ("@SUM(A1)", True),
    ("-2+3", True), ("+33 6 12 34 56 78", True), ("- x", True), ("-1.5", False), ("2e-3", False), ("+", True),
    ("\\tx", False), ("\tx", True), ("\rx", True), (" =HYPERLINK(\"http://x\")", True), ("\u00a0=1+2", True),
    ("\u200b@x", True), ("Benali", False), ("a=b", False), ("", False),
])
def test_text_cells(value, defused):
    out = defuse_formulas(pd.DataFrame({"c": [value]}))["c"].iloc[0]
    assert out == ("'" + value if defused else value)


def test_numbers_and_missing_values_are_untouched():
    frame = pd.DataFrame({"n": [-1, 2], "mixed": [-1.5, "=x"], "none": [None, "ok"]})
    out = defuse_formulas(frame)
    assert out["n"].tolist() == [-1, 2]
    assert out["mixed"].tolist() == [-1.5, "'=x"]
    assert out["none"].tolist()[1] == "ok" and out["none"].isna().iloc[0]
