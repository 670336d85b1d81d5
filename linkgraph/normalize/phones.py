"""Phone numbers to E.164 (``+33612345678``) with Google's libphonenumber (``phonenumbers``).

Accepted: national forms for ``region`` (``06 12 34 56 78``, ``06.12.34.56.78``,
``0612345678``, and ``612345678`` whose leading zero a spreadsheet ate), international forms
(``+33 6 12 34 56 78``, ``+33 (0)6 ...``, ``0033 6 ...``, ``+212 6 61 23 45 67``), and an
international number written without ``+``/``00`` as operator exports do (``33612345678``,
``212661234567``): when the digits are not a valid number of ``region``, ``+digits`` is tried.
Validity: a number is accepted when ``phonenumbers.is_valid_number`` says it is in a known
allocated range of its country, or when it is ``is_possible_number`` (right length) and its
national number fits the country's general numbering pattern (FR: nine digits, not starting
with 0): that keeps real numbers in ranges newer than the library's metadata (and test
numbers such as ``07 00 00 00 01``) while rejecting ``0012``, ``00 00 00 00 00``, short codes
(``17``, ``3615``) and unknown country codes. The ``+digits`` retry must be strictly valid.
Extensions are dropped.

French overseas departments share the national format (``0692 12 34 56``) but have their own
country codes: a number read as French (``0692...``, or written ``+33 692...``) with an
overseas prefix (0262/0263/0692/0693 Réunion and 0269/0639 Mayotte: +262; 0590/0690/0691
Guadeloupe, Saint-Barthélemy, Saint-Martin: +590; 0594/0694 Guyane: +594; 0596/0696/0697
Martinique: +596), or not valid in metropolitan France but valid in one of those regions, is
written with that code (``+262692123456``), so every spelling of one line gives one value. A Mayotte number written with its pre-2007 code +269 becomes +262.
"""
from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from linkgraph.normalize.errors import NormalizationError
from linkgraph.normalize.text import as_text, show

_E164 = phonenumbers.PhoneNumberFormat.E164
_NON_DIGITS = re.compile(r"\D+")
_MAX_LEN = 64  # longer text is not a phone number and would only slow the parser down


@lru_cache(maxsize=512)
def _general_pattern(country_code: int) -> re.Pattern[str] | None:
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = (phonenumbers.PhoneMetadata.metadata_for_region(region, None) if region != "001"
                else phonenumbers.PhoneMetadata.metadata_for_nongeo_region(country_code, None))
    pattern = metadata.general_desc.national_number_pattern if metadata and metadata.general_desc else None
    return re.compile(pattern) if pattern else None


def _plausible(number: phonenumbers.PhoneNumber) -> bool:
    if not phonenumbers.is_possible_number(number):
        return False
    pattern = _general_pattern(number.country_code)
    return bool(pattern and pattern.fullmatch(phonenumbers.national_significant_number(number)))


def _valid(text: str, region: str | None, lenient: bool) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number) or (lenient and _plausible(number)):
        return number
    return None


#: Overseas regions numbered in the French plan (trunk prefix 0, ten digits).
_OVERSEAS = ("RE", "YT", "GP", "BL", "MF", "GF", "MQ")
#: National prefixes the French plan gives to overseas departments (some are also inside the
#: library's broad metropolitan patterns, so the prefix decides first).
_OVERSEAS_PREFIX = {"0262": "RE", "0263": "RE", "0692": "RE", "0693": "RE", "0269": "YT", "0639": "YT",
                    "0590": "GP", "0690": "GP", "0691": "GP", "0594": "GF", "0694": "GF",
                    "0596": "MQ", "0696": "MQ", "0697": "MQ"}


def _overseas(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber:
    """The overseas number a French-looking ``number`` really is (module docstring), else itself."""
    if number.country_code not in (33, 269):
        return number
    national = "0" + phonenumbers.national_significant_number(number)
    if national[:4] in _OVERSEAS_PREFIX and len(national) == 10:
        moved = phonenumbers.parse(national, _OVERSEAS_PREFIX[national[:4]])
        if phonenumbers.is_valid_number(moved) or _plausible(moved):
            return moved
    if phonenumbers.is_valid_number(number):
        return number
    regions = _OVERSEAS if number.country_code == 33 else ("YT",)
    for region in regions:
        try:
            candidate = phonenumbers.parse(national, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(candidate):
            return candidate
    return number


@lru_cache(maxsize=1 << 16)
def _normalize(text: str, region: str) -> str:
    if len(text) > _MAX_LEN or not any(ch.isdigit() for ch in text):
        raise NormalizationError(f"not a phone number: {show(text)}")
    number = _valid(text, region, lenient=True)
    if number is None and text.lstrip().startswith(("+269", "00269")):
        number = _valid(text, region, lenient=False) or _mayotte(text)
    if number is None:
        digits = _NON_DIGITS.sub("", text)
        stripped = text.lstrip()
        if not stripped.startswith(("+", "00")) and 8 <= len(digits) <= 15:
            number = _valid("+" + digits, None, lenient=False)
    if number is None:
        raise NormalizationError(f"not a valid phone number: {show(text)}")
    return phonenumbers.format_number(_overseas(number), _E164)


def _mayotte(text: str) -> phonenumbers.PhoneNumber | None:
    """A +269 number that is not Comorian but a Mayotte number under its old code."""
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    moved = _overseas(number)
    return moved if moved is not number else None


def normalize_phone(s: str | None, region: str = "FR") -> str | None:
    """E.164 form of a phone number, national numbers read as ``region`` (ISO code, default FR).

    Raises NormalizationError for a present value that is not a valid number.
    """
    text = as_text(s)
    if text is None:
        return None
    return _normalize(text, (region or "FR").upper())


def phone_country(e164: str | None) -> str | None:
    """ISO 3166 region of a number (``"+212661234567"`` -> ``"MA"``); ``None`` if unknown."""
    text = as_text(e164)
    if text is None:
        return None
    try:
        number = phonenumbers.parse(text if text.startswith("+") else "+" + text, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    return region if region and region != "ZZ" else None
