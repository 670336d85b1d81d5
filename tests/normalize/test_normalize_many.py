"""Folding and phonetic keys of many values at once equal the one-value functions."""
import pytest

from linkgraph.normalize import fold, phonetic_key
from linkgraph.normalize.names import _phonetic, phonetic_keys
from linkgraph.normalize.text import fold_many

VALUES = ["BEN ALI Mohamed", "Ben-Ali", "  Hélène  Cœur ", "ØSTERGÅRD", "Straße", "№ 12 bis", "Ḥasan",
          "محمد", "北京", "😀 ok", "x\ty", "a\u2028b", "", "   ", "---", None, float("nan"), 612345678.0,
          "Jean-Pierre", "N'Diaye", "Çelik", "François", "Mouhamed", "Youcef", "Renault", "Martine",
          "h", "ha", "ah", "eh", "aeiou", "Abdelkader", "Abdel Kader", "Khaled", "Schmitt", "Thomas"]


def test_fold_many_equals_fold():
    assert fold_many(VALUES) == [fold(v) for v in VALUES]
    assert fold_many([]) == []


@pytest.mark.parametrize("value", [v for v in VALUES if isinstance(v, str)])
def test_phonetic_keys_equal_phonetic_key(value):
    folded = fold(value.replace("ç", "s").replace("Ç", "s"))
    if folded is None:
        return
    assert phonetic_keys([folded]) == [_phonetic(folded)] == [phonetic_key(value)]


def test_phonetic_keys_of_many_names_at_once():
    folded = [f for f in (fold(v) for v in VALUES if isinstance(v, str)) if f]
    assert phonetic_keys(folded) == [_phonetic(f) for f in folded]
    assert phonetic_keys(["mohamed", "mohammed", "muhammad"]) == ["MAMAT"] * 3
