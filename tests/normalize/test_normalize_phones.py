from __future__ import annotations

import pytest

from linkgraph.normalize import NormalizationError, normalize_phone, phone_country


@pytest.mark.parametrize(("raw", "expected"), [
    ("06 12 34 56 78", "+33612345678"),
    ("0612345678", "+33612345678"),
    ("06.12.34.56.78", "+33612345678"),
    ("06-12-34-56-78", "+33612345678"),
    ("+33 6 12 34 56 78", "+33612345678"),
    ("+33 (0)6 12 34 56 78", "+33612345678"),
    ("+33612345678", "+33612345678"),
    ("0033612345678", "+33612345678"),
    ("0033 6 12 34 56 78", "+33612345678"),
    ("33612345678", "+33612345678"),          # country code without +, as operator exports
    ("612345678", "+33612345678"),            # leading 0 eaten by a spreadsheet
    (612345678.0, "+33612345678"),
    ("tel:+33612345678", "+33612345678"),
    ("07 81 23 45 67", "+33781234567"),
    ("01 42 68 53 00", "+33142685300"),
    ("+212 6 61 23 45 67", "+212661234567"),
    ("00212661234567", "+212661234567"),
    ("212661234567", "+212661234567"),
    ("+32 470 12 34 56", "+32470123456"),
    ("+34 612 34 56 78", "+34612345678"),
    ("+31 6 12345678", "+31612345678"),
    ("+49 151 23456789", "+4915123456789"),
    ("06 12 34 56 78 ext. 12", "+33612345678"),
    ("+33 7 00 00 00 01", "+33700000001"),    # unallocated range, but a plausible French number
    ("07 00 00 00 01", "+33700000001"),
    ("", None), ("   ", None), (None, None), (float("nan"), None),
])
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(("raw", "region", "expected"), [
    ("0661234567", "MA", "+212661234567"),
    ("0470 12 34 56", "BE", "+32470123456"),
    ("612 34 56 78", "ES", "+34612345678"),
    ("+33612345678", "MA", "+33612345678"),
    ("06 12 34 56 78", "fr", "+33612345678"),
    ("06 12 34 56 78", None, "+33612345678"),
])
def test_normalize_phone_region(raw, region, expected):
    assert normalize_phone(raw, region=region) == expected


@pytest.mark.parametrize("raw", [
    "0012", "12", "17", "112", "3615", "00 00 00 00 00", "06 12 34", "06 12 34 56 78 90 12 34",
    "+33 0 12 34 56 78", "+999 123456789", "abc", "<script>", "=cmd|' /C calc'!A0", "😀",
    "0" * 200, "1234567890" * 20, "+", "--", "0000000000", "+33 000 000 000", "+212 1234",
    "1234567890", "06 12 34 56 7",
])
def test_normalize_phone_invalid(raw):
    with pytest.raises(NormalizationError, match="phone number"):
        normalize_phone(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("+33612345678", "FR"), ("+212661234567", "MA"), ("+34612345678", "ES"),
    ("+31612345678", "NL"), ("+32470123456", "BE"), ("+4915123456789", "DE"),
    ("33612345678", "FR"), ("+999", None), ("garbage", None), ("", None), (None, None),
])
def test_phone_country(raw, expected):
    assert phone_country(raw) == expected
