from __future__ import annotations

from datetime import date

import pytest

from linkgraph.normalize import NormalizationError, parse_date, parse_datetime, swap_day_month

PIVOT = date.today().year % 100


@pytest.mark.parametrize(("raw", "expected"), [
    ("04/03/2021", "2021-03-04"),
    ("4/3/2021", "2021-03-04"),
    ("04-03-2021", "2021-03-04"),
    ("04.03.2021", "2021-03-04"),
    ("2021-03-04", "2021-03-04"),
    ("2021/03/04", "2021-03-04"),
    ("04032021", "2021-03-04"),
    ("20210304", "2021-03-04"),
    ("19900120", "1990-01-20"),
    ("20011990", "1990-01-20"),       # 2001-19-90 is impossible: read as ddmmyyyy
    ("12122012", "2012-12-12"),
    ("01/02/85", "1985-02-01"),
    ("12 mars 1985", "1985-03-12"),
    ("12 MARS 1985", "1985-03-12"),
    ("1er janvier 2001", "2001-01-01"),
    ("1er janv. 2001", "2001-01-01"),
    ("12 février 1985", "1985-02-12"),
    ("12 fevrier 1985", "1985-02-12"),
    ("1 août 2020", "2020-08-01"),
    ("25 décembre 1999", "1999-12-25"),
    ("12-MAR-1985", "1985-03-12"),
    ("12-Mar-85", "1985-03-12"),
    ("12 sept 1985", "1985-09-12"),
    ("lundi 12 mars 1985", "1985-03-12"),
    ("March 12, 1985", "1985-03-12"),
    ("2021-03-04T12:30:00", "2021-03-04"),
    ("2021-03-04 12:30:00", "2021-03-04"),
    ("2021-03-04T12:30:00.123+01:00", "2021-03-04"),
    ("2021-03-04T12:30:00Z", "2021-03-04"),
    ("04/03/2021 12:30", "2021-03-04"),
    ("  04/03/2021  ", "2021-03-04"),
    ("29/02/2000", "2000-02-29"),
    ("١٢/٠٣/١٩٨٥", "1985-03-12"),
    ("", None), ("   ", None), (None, None), (float("nan"), None),
])
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("03/04/2021", "2021-03-04"),
    ("12/31/1999", "1999-12-31"),
    ("03042021", "2021-03-04"),
    ("2021-03-04", "2021-03-04"),     # year-first is always y-m-d
    ("12 mars 1985", "1985-03-12"),
])
def test_parse_date_monthfirst(raw, expected):
    assert parse_date(raw, dayfirst=False) == expected


def test_two_digit_year_pivot():
    later, current = (PIVOT + 1) % 100, PIVOT
    assert parse_date(f"01/01/{current:02d}") == f"20{current:02d}-01-01"
    if later > current:
        assert parse_date(f"01/01/{later:02d}") == f"19{later:02d}-01-01"
    assert parse_date("01/01/99") == "1999-01-01"
    assert parse_date("01/01/00") == "2000-01-01"


@pytest.mark.parametrize(("raw", "reason"), [
    ("31/02/1990", "impossible date 31/02/1990"),
    ("29/02/1900", "impossible date"),
    ("00/01/2000", "impossible date"),
    ("01/13/2000", "impossible date"),
    ("32/01/2000", "impossible date"),
    ("2021-02-30", "impossible date"),
    ("01/01/0001", "impossible date"),
    ("01/01/9999", "impossible date"),
    ("20219999", "impossible date"),
    ("04/03/2021 25:00", "impossible time"),
    ("04/03/2021 12:60", "impossible time"),
    ("abc", "unparseable date"),
    ("12 foo 1985", "unparseable date"),
    ("1985", "unparseable date"),
    ("12/03", "unparseable date"),
    ("0", "unparseable date"),
    ("<script>", "unparseable date"),
    ("=cmd|' /C calc'!A0", "unparseable date"),
    ("04/03/2021" * 1000, "unparseable date"),
])
def test_parse_date_errors(raw, reason):
    with pytest.raises(NormalizationError, match=reason.replace("(", r"\(")):
        parse_date(raw)
    with pytest.raises(NormalizationError):
        parse_datetime(raw)


def test_error_message_is_short():
    with pytest.raises(NormalizationError) as exc:
        parse_date("x" * 10_000)
    assert len(str(exc.value)) < 80


@pytest.mark.parametrize(("raw", "kwargs", "expected"), [
    ("04/03/2021", {}, "2021-03-04T00:00:00"),
    ("04/03/2021 12:30", {}, "2021-03-04T12:30:00"),
    ("04/03/2021 12:30:45", {}, "2021-03-04T12:30:45"),
    ("04/03/2021 8h05", {}, "2021-03-04T08:05:00"),
    ("04/03/2021 à 8h05", {}, "2021-03-04T08:05:00"),
    ("2021-03-04T12:30:00", {}, "2021-03-04T12:30:00"),
    ("2021-03-04T12:30:00.999+01:00", {}, "2021-03-04T12:30:00"),
    ("2021-03-04 23:59:59", {}, "2021-03-04T23:59:59"),
    ("20210304123000", {}, "2021-03-04T12:30:00"),
    ("202103041230", {}, "2021-03-04T12:30:00"),
    ("12 mars 1985 10:00", {}, "1985-03-12T10:00:00"),
    ("03/04/2021 12:30", {"dayfirst": False}, "2021-03-04T12:30:00"),
    ("04/03/2021 12:30", {"fmt": "%d/%m/%Y %H:%M"}, "2021-03-04T12:30:00"),
    ("2021|03|04", {"fmt": "%Y|%m|%d"}, "2021-03-04T00:00:00"),
    ("", {"fmt": "%Y"}, None),
    (None, {}, None),
])
def test_parse_datetime(raw, kwargs, expected):
    assert parse_datetime(raw, **kwargs) == expected


@pytest.mark.parametrize(("raw", "fmt", "expected"), [
    ("04/03/2021", "%d/%m/%Y", "2021-03-04"),
    ("03/04/2021", "%m/%d/%Y", "2021-03-04"),
    ("2021|03|04", "%Y|%m|%d", "2021-03-04"),
    ("04/03/2021 12:30", "%d/%m/%Y %H:%M", "2021-03-04"),
])
def test_parse_date_with_format(raw, fmt, expected):
    assert parse_date(raw, fmt=fmt) == expected


@pytest.mark.parametrize(("raw", "fmt", "reason"), [
    ("2021-03-04", "%d/%m/%Y", "unparseable date"),   # fmt given: nothing else is tried
    ("31/02/1990", "%d/%m/%Y", "impossible date"),
    ("32/01/1990", "%d/%m/%Y", "unparseable date|impossible date"),
])
def test_parse_date_with_format_errors(raw, fmt, reason):
    with pytest.raises(NormalizationError, match=reason):
        parse_date(raw, fmt=fmt)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2021-03-04", "2021-04-03"),
    ("2021-04-03", "2021-03-04"),
    ("2021-03-03", "2021-03-03"),
    ("2021-03-13", None),          # month 13 does not exist
    ("2021-02-31", None),
    ("2021-03-04T12:00:00", "2021-04-03"),
    ("04/03/2021", None),
    ("2021-03-045", None),
    ("garbage", None),
    ("", None), (None, None), (float("nan"), None),
])
def test_swap_day_month(raw, expected):
    assert swap_day_month(raw) == expected
