"""Every scalar normalizer against empty and hostile values: None, a value, or NormalizationError."""
from __future__ import annotations

import math
import time

import pytest

import linkgraph.normalize as N
from linkgraph.normalize import NormalizationError

SCALARS = [
    N.fold, N.normalize_name, N.name_key, N.phonetic_key, N.parse_date, N.parse_datetime,
    N.swap_day_month, N.normalize_phone, N.phone_country, N.normalize_plate, N.plate_kind,
    N.plate_ocr_key, N.normalize_vin, N.normalize_siren, N.normalize_siret, N.siren_of_siret,
    N.normalize_company_name, N.legal_form, N.normalize_address, N.normalize_postcode,
    N.normalize_city, N.normalize_id_number, N.normalize_container, N.normalize_imei,
    N.normalize_sex,
]
NEVER_RAISE = {N.fold, N.normalize_name, N.name_key, N.phonetic_key, N.swap_day_month, N.phone_country,
               N.plate_ocr_key, N.normalize_company_name, N.legal_form, N.normalize_address,
               N.normalize_city}
EMPTY = [None, "", "   ", "\t\n", float("nan"), "\u200b", "\u202e", "\x00\x01"]
HOSTILE = [
    "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "+SUM(1,2)", "@import", "\x00\x07\x1b[31m",
    "😀🚗📱", "محمد بن علي", "שלום", "\u202eDUPONT\u202c", "北京市", "x" * 100_000, "9" * 10_000,
    "NULL", "None", "nan", "-", "' OR 1=1 --", "../../etc/passwd", "\ufeffBOM", "Ａ１２３", "١٢/٠٣/١٩٨٥",
]


def _name(func) -> str:
    return func.__name__


@pytest.mark.parametrize("func", SCALARS, ids=_name)
@pytest.mark.parametrize("value", EMPTY, ids=repr)
def test_empty_gives_none(func, value):
    assert func(value) is None


@pytest.mark.parametrize("func", SCALARS, ids=_name)
@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]))
def test_hostile_is_value_or_normalization_error(func, value):
    start = time.perf_counter()
    try:
        result = func(value)
    except NormalizationError as exc:
        assert func not in NEVER_RAISE
        assert str(exc) and len(str(exc)) < 200          # a short readable reason
        assert all(ch.isprintable() for ch in str(exc))   # no control chars leak into reports
    else:
        assert result is None or isinstance(result, str)
        if isinstance(result, str):
            assert result.isprintable() and "\x00" not in result
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("func", [N.fold, N.name_key, N.phonetic_key, N.normalize_address,
                                  N.normalize_company_name, N.normalize_city], ids=_name)
@pytest.mark.parametrize("value", HOSTILE + EMPTY, ids=lambda v: repr(v)[:20])
def test_folded_outputs_are_plain_ascii(func, value):
    result = func(value)
    assert result is None or (result.isascii() and "<" not in result and "=" not in result)


@pytest.mark.parametrize("value", [float("inf"), math.nan, b"06 12 34 56 78", 612345678, 6.5, True, ["x"]])
@pytest.mark.parametrize("func", SCALARS, ids=_name)
def test_non_string_input_does_not_crash(func, value):
    try:
        result = func(value)
    except NormalizationError:
        return
    assert result is None or isinstance(result, str)


def test_pandas_na_is_empty():
    pd = pytest.importorskip("pandas")
    for func in SCALARS:
        assert func(pd.NA) is None
        assert func(pd.NaT) is None


def test_normalization_error_is_value_error():
    err = NormalizationError("impossible date 31/02/1990")
    assert isinstance(err, ValueError)
    assert str(err) == "impossible date 31/02/1990" and err.reason == str(err)


def test_package_exports():
    for name in N.__all__:
        assert hasattr(N, name)
    assert N.split_full_name(None) == (None, None)
