from __future__ import annotations

import pytest

from linkgraph.normalize import NormalizationError, normalize_vin, vin_check_digit_ok


@pytest.mark.parametrize(("raw", "expected"), [
    ("WVWZZZ1JZXW000001", "WVWZZZ1JZXW000001"),
    ("wvwzzz1jzxw000001", "WVWZZZ1JZXW000001"),
    ("VF1 BR0E0 5L1 234567", "VF1BR0E05L1234567"),
    ("1M8GDM9A-XKP042788", "1M8GDM9AXKP042788"),
    ("", None), ("  ", None), (None, None), (float("nan"), None),
])
def test_normalize_vin(raw, expected):
    assert normalize_vin(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    ("123", "17 characters"),
    ("WVWZZZ1JZXW0000011", "17 characters"),
    ("WVWZZZ1JZXW00000I", "I, O or Q"),
    ("WVWZZZ1JZXW00000O", "I, O or Q"),
    ("QVWZZZ1JZXW000001", "I, O or Q"),
    ("<script>", "17 characters"),
    ("😀" * 17, "17 characters"),
])
def test_normalize_vin_invalid(raw, reason):
    with pytest.raises(NormalizationError, match=reason):
        normalize_vin(raw)


@pytest.mark.parametrize(("vin", "ok"), [
    ("1M8GDM9AXKP042788", True),
    ("11111111111111111", True),
    ("1M8GDM9A1KP042788", False),
    ("WVWZZZ1JZXW000001", False),   # European VINs often have no check digit: still accepted above
    ("short", False), ("", False), (None, False),
])
def test_vin_check_digit_ok(vin, ok):
    assert vin_check_digit_ok(vin) is ok
