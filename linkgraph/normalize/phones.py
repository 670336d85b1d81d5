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


@lru_cache(maxsize=1 << 16)
def _normalize(text: str, region: str) -> str:
    if len(text) > _MAX_LEN or not any(ch.isdigit() for ch in text):
        raise NormalizationError(f"not a phone number: {show(text)}")
    number = _valid(text, region, lenient=True)
    if number is None:
        digits = _NON_DIGITS.sub("", text)
        stripped = text.lstrip()
        if not stripped.startswith(("+", "00")) and 8 <= len(digits) <= 15:
            number = _valid("+" + digits, None, lenient=False)
    if number is None:
        raise NormalizationError(f"not a valid phone number: {show(text)}")
    return phonenumbers.format_number(number, _E164)


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
