from __future__ import annotations

import pytest

from linkgraph.normalize import as_text, fold


@pytest.mark.parametrize(("raw", "expected"), [
    ("Élodie", "elodie"),
    ("  JEAN   pierre ", "jean pierre"),
    ("Jean-Pierre", "jean pierre"),
    ("N'Diaye", "n diaye"),
    ("Cœur", "coeur"),
    ("ŒUVRE", "oeuvre"),
    ("Lætitia", "laetitia"),
    ("Straße", "strasse"),
    ("Søren", "soren"),
    ("François d'Aubigné", "francois d aubigne"),
    ("a\tb\nc\r\nd", "a b c d"),
    ("a\x00b", "ab"),
    ("\u202eabc\u202c", "abc"),
    ("zero\u200bwidth", "zerowidth"),
    ("no\u00a0break", "no break"),
    ("N°12", "n 12"),
    ("=cmd|' /C calc'!A0", "cmd c calc a0"),
    ("<script>", "script"),
    ("😀 Karim 😀", "karim"),
    ("محمد", "mhmd"),
    ("Ａ１２３", "a123"),
    ("!!!", None),
    ("😀", None),
    ("", None),
    (None, None),
    (float("nan"), None),
])
def test_fold(raw, expected):
    assert fold(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    (None, None), ("", None), ("  ", None), (float("nan"), None), (float("inf"), None),
    (612345678.0, "612345678"), (12, "12"), (1.5, "1.5"), (b"abc", "abc"),
    ("  a  b  ", "a b"), ("a\x00\x1bb", "ab"), ("\ufeffx", "x"), ("a\u2003b", "a b"),
])
def test_as_text(raw, expected):
    assert as_text(raw) == expected


def test_fold_long_string():
    assert fold("Ab-" * 50_000) == " ".join(["ab"] * 50_000)
