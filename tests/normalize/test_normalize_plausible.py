"""Issue 13: implausible dates, overseas French numbers and impossible SIV plates."""
from datetime import date, timedelta

import phonenumbers
import pytest

from linkgraph.normalize import (
    NormalizationError, normalize_phone, normalize_plate, parse_dob, parse_past_date, parse_past_datetime,
)


@pytest.mark.parametrize("raw, words", [("01/01/1850", "before 1900"), ("31/12/1899", "before 1900"),
                                        ("12/05/2090", "in the future")])
def test_implausible_dates_of_birth_are_refused_with_the_reason(raw, words):
    with pytest.raises(NormalizationError, match=words):
        parse_dob(raw)


def test_plausible_dates_of_birth_and_facts_pass():
    assert parse_dob("01/01/1900") == "1900-01-01"
    assert parse_dob(date.today().strftime("%d/%m/%Y")) == date.today().isoformat()
    assert parse_past_date("2021-03-04") == "2021-03-04"
    assert parse_past_datetime("04/03/2021 12:30") == "2021-03-04T12:30:00"


def test_facts_dated_in_the_future_are_refused():
    later = (date.today() + timedelta(days=30)).strftime("%d/%m/%Y")
    with pytest.raises(NormalizationError, match="in the future"):
        parse_past_date(later)
    with pytest.raises(NormalizationError, match="in the future"):
        parse_past_datetime(later + " 10:00")


@pytest.mark.parametrize("spellings, e164", [
    (["0692 12 34 56", "+33 692 12 34 56", "+262 692 12 34 56", "00262692123456", "262692123456"], "+262692123456"),
    (["0262 16 12 34", "+33 2 62 16 12 34", "+262 262 16 12 34"], "+262262161234"),
    (["0639 01 23 45", "+33 639 01 23 45", "+269 639 01 23 45", "+262 639 01 23 45"], "+262639012345"),
    (["0269 60 12 34", "+262 269 60 12 34"], "+262269601234"),
    (["0690 00 12 34", "+33 6 90 00 12 34", "+590 690 00 12 34"], "+590690001234"),
    (["0590 20 12 34", "+590 590 20 12 34"], "+590590201234"),
    (["0694 20 12 34", "+594 694 20 12 34"], "+594694201234"),
    (["0594 10 12 34", "+594 594 10 12 34"], "+594594101234"),
    (["0696 20 12 34", "+596 696 20 12 34"], "+596696201234"),
    (["0596 30 12 34", "+33 596 30 12 34", "+596 596 30 12 34"], "+596596301234"),
])
def test_overseas_numbers_have_one_e164_form(spellings, e164):
    assert {normalize_phone(s) for s in spellings} == {e164}


@pytest.mark.parametrize("region", ["RE", "YT", "GP", "GF", "MQ"])
def test_every_overseas_example_number_keeps_its_own_code(region):
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        example = phonenumbers.example_number_for_type(region, kind)
        national = "0" + phonenumbers.national_significant_number(example)
        assert normalize_phone(national) == phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def test_metropolitan_and_comorian_numbers_are_unchanged():
    assert normalize_phone("06 12 34 56 78") == "+33612345678"
    assert normalize_phone("01 42 00 00 00") == "+33142000000"
    assert normalize_phone("+269 773 12 34") == "+2697731234"


@pytest.mark.parametrize("raw, words", [
    ("AB-12-CD", "2 digits instead of 3"), ("AB 1234 CD", "4 digits"), ("OO-123-OO", "I, O or U"),
    ("AI-123-BC", "I, O or U"), ("AB-123-CU", "I, O or U"), ("SS-123-AB", "SS"), ("AB-123-SS", "SS"),
    ("AB-000-CD", "001 to 999"),
])
def test_impossible_siv_plates_are_refused(raw, words):
    with pytest.raises(NormalizationError, match=words):
        normalize_plate(raw)


@pytest.mark.parametrize("raw, canonical", [
    ("AB-123-CD", "AB-123-CD"), ("ww 123 ab", "WW-123-AB"), ("AB-123-WW", "AB-123-WW"), ("AA-001-AA", "AA-001-AA"),
    ("1234 ABC 75", "1234 ABC 75"), ("AB12CD", "AB12CD"), ("1-ABC-123", "1ABC123"),
])
def test_possible_plates_pass(raw, canonical):
    assert normalize_plate(raw) == canonical
