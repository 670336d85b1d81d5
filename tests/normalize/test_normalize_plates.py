from __future__ import annotations

import pytest

from linkgraph.normalize import NormalizationError, normalize_plate, plate_kind, plate_ocr_key


@pytest.mark.parametrize(("raw", "expected", "kind"), [
    ("AB-123-CD", "AB-123-CD", "siv"),
    ("ab123cd", "AB-123-CD", "siv"),
    ("AB 123 CD", "AB-123-CD", "siv"),
    (" ab.123.cd ", "AB-123-CD", "siv"),
    ("AB–123–CD", "AB-123-CD", "siv"),   # en dashes
    ("123 ABC 75", "123 ABC 75", "fni"),
    ("123ABC75", "123 ABC 75", "fni"),
    ("123-abc-75", "123 ABC 75", "fni"),
    ("1234 AB 13", "1234 AB 13", "fni"),
    ("12 ABC 2A", "12 ABC 2A", "fni"),
    ("12ABC2B", "12 ABC 2B", "fni"),
    ("456 AZ 974", "456 AZ 974", "fni"),
    ("1 A 01", "1 A 01", "fni"),
    ("1234 BCD", "1234BCD", "foreign"),    # Spain
    ("1-ABC-123", "1ABC123", "foreign"),   # Belgium
    ("12-ABC-3", "12ABC3", "foreign"),     # Netherlands
    ("B-MW 1234", "BMW1234", "foreign"),   # Germany
    ("12345-A-6", "12345A6", "foreign"),   # Morocco, Latin letter
    ("123 ABC 99", "123ABC99", "foreign"),  # not a department
])
def test_normalize_plate(raw, expected, kind):
    assert normalize_plate(raw) == expected
    assert plate_kind(expected) == kind
    assert plate_kind(raw) == kind


@pytest.mark.parametrize("raw", ["", "   ", None, float("nan"), "---", " - . / "])
def test_normalize_plate_empty(raw):
    assert normalize_plate(raw) is None
    assert plate_kind(raw) is None


@pytest.mark.parametrize(("raw", "reason"), [
    ("<>", "not a plate"),
    ("😀", "not a plate"),
    ("INCONNU", "not a plate"),
    ("XXXX", "not a plate"),
    ("<script>", "not a plate"),
    ("1", "not a plate"),
    ("123456789ABCD", "more than 12"),
    ("AB-123-CD" * 100, "more than 12"),
    ("=cmd|' /C calc'!A0", "not a plate"),
])
def test_normalize_plate_invalid(raw, reason):
    with pytest.raises(NormalizationError, match=reason):
        normalize_plate(raw)


@pytest.mark.parametrize(("a", "b"), [
    ("AB-123-CD", "A8-I23-C0"),
    ("AB-123-CD", "ab 123 cd"),
    ("GS-510-ZO", "65-5I0-20"),
    ("DL-100-QB", "01-1OO-08"),
    ("123 ABC 75", "I23A8C75"),
])
def test_plate_ocr_key_confusables(a, b):
    assert plate_ocr_key(a) == plate_ocr_key(b)


@pytest.mark.parametrize(("raw", "expected"), [
    ("AB-123-CD", "A8123C0"),
    ("OQD ILB SZG", "000118526"),
    ("AC-123-EF", "AC123EF"),
    ("", None), ("   ", None), (None, None), ("---", None), ("<>", None),
])
def test_plate_ocr_key(raw, expected):
    assert plate_ocr_key(raw) == expected


def test_plate_ocr_key_keeps_distinct_plates_apart():
    assert plate_ocr_key("AB-123-CD") != plate_ocr_key("AB-123-CE")
