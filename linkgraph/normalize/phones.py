"""Phone numbers to E.164 (``+33612345678``) with Google's libphonenumber (``phonenumbers``).

Accepted: national forms for ``region`` (``06 12 34 56 78``, ``06.12.34.56.78``,
``0612345678``, and ``612345678`` whose leading zero a spreadsheet ate), international forms
(``+33 6 12 34 56 78``, ``+33 (0)6 ...``, ``0033 6 ...``, ``+212 6 61 23 45 67``), and an
international number written without ``+``/``00`` as operator exports do (``33612345678``,
``212661234567``): when the digits are not a valid number of ``region``, ``+digits`` is tried.
A number must pass ``phonenumbers.is_valid_number`` (a known allocated range of its
country), not merely ``is_possible_number``: that rejects ``0012``, ``00 00 00 00 00`` and
short codes (``17``, ``3615``). Extensions are dropped.
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


def _valid(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


@lru_cache(maxsize=1 << 16)
def _normalize(text: str, region: str) -> str:
    if len(text) > _MAX_LEN or not any(ch.isdigit() for ch in text):
        raise NormalizationError(f"not a phone number: {show(text)}")
    number = _valid(text, region)
    if number is None:
        digits = _NON_DIGITS.sub("", text)
        stripped = text.lstrip()
        if not stripped.startswith(("+", "00")) and 8 <= len(digits) <= 15:
            number = _valid("+" + digits, None)
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
