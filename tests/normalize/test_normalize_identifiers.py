from __future__ import annotations

import pytest

from linkgraph.normalize import (
    NormalizationError, normalize_container, normalize_id_number, normalize_imei, normalize_sex,
)


@pytest.mark.parametrize(("raw", "expected"), [
    ("12AB34567", "12AB34567"),
    ("12ab 34567", "12AB34567"),
    ("X4RTBPFW4", "X4RTBPFW4"),
    ("ID-FRA-123456", "IDFRA123456"),
    ("N° 12AB34567", "12AB34567"),
    ("12AB34567<<<", "12AB34567"),
    ("１２ＡＢ３４５６７", "12AB34567"),
    ("", None), ("  ", None), (None, None), (float("nan"), None),
])
def test_normalize_id_number(raw, expected):
    assert normalize_id_number(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    ("1234", "5 to 20"), ("AB-1", "5 to 20"), ("A" * 21, "5 to 20"), ("<>", "not an identity document number"), ("😀", "5 to 20"),
    ("=cmd|' /C calc'!A0", "not an identity document number"), ("<script>", "not an identity document number"),
])
def test_normalize_id_number_invalid(raw, reason):
    with pytest.raises(NormalizationError, match=reason):
        normalize_id_number(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("MSCU 123456-6", "MSCU1234566"),
    ("MSCU1234566", "MSCU1234566"),
    ("mscu 123456 6", "MSCU1234566"),
    ("CSQU3054383", "CSQU3054383"),
    ("CSQU 305438 3", "CSQU3054383"),
    ("", None), (None, None), (float("nan"), None),
])
def test_normalize_container(raw, expected):
    assert normalize_container(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    ("MSCU 123456-5", "check digit failed"),
    ("CSQU3054384", "check digit failed"),
    ("MSCU12345", "not an ISO 6346"),
    ("1234 123456-6", "not an ISO 6346"),
    ("<script>", "not an ISO 6346"),
])
def test_normalize_container_invalid(raw, reason):
    with pytest.raises(NormalizationError, match=reason):
        normalize_container(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("490154203237518", "490154203237518"),
    ("49-015420-323751-8", "490154203237518"),
    ("49 015420 323751 8", "490154203237518"),
    ("49015420323751", "490154203237518"),     # 14 digits: check digit added
    ("4901542032375100", "490154203237518"),   # IMEISV: software version dropped
    ("490154203237510", "490154203237518"),    # zeroed check digit (operator records)
    (490154203237518, "490154203237518"),
    ("", None), (None, None), (float("nan"), None),
])
def test_normalize_imei(raw, expected):
    assert normalize_imei(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    ("490154203237517", "IMEI checksum failed"),
    ("4901542032375", "not an IMEI"),
    ("49015420323751800", "not an IMEI"),
    ("49015420323751A", "not an IMEI"),
    ("<script>", "not an IMEI"),
])
def test_normalize_imei_invalid(raw, reason):
    with pytest.raises(NormalizationError, match=reason):
        normalize_imei(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("M", "M"), ("m", "M"), ("H", "M"), ("homme", "M"), ("Masculin", "M"), ("MASC", "M"), ("1", "M"),
    (1, "M"), (1.0, "M"), ("male", "M"),
    ("F", "F"), ("f", "F"), ("Femme", "F"), ("féminin", "F"), ("FEMININ", "F"), ("2", "F"), ("female", "F"),
    ("0", None), ("9", None), ("X", None), ("inconnu", None), ("NC", None), ("?", None),
    ("", None), ("  ", None), (None, None), (float("nan"), None),
])
def test_normalize_sex(raw, expected):
    assert normalize_sex(raw) == expected


@pytest.mark.parametrize("raw", ["3", "MF", "monsieur", "<script>", "=cmd|' /C calc'!A0", "yes"])
def test_normalize_sex_invalid(raw):
    with pytest.raises(NormalizationError, match="not a sex code"):
        normalize_sex(raw)
