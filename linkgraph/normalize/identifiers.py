"""Identity-document numbers, ISO 6346 container numbers, IMEIs and sex codes."""
from __future__ import annotations

import re

from stdnum import imei as _imei
from stdnum import iso6346, luhn
from stdnum.exceptions import InvalidChecksum, ValidationError
from unidecode import unidecode

from linkgraph.normalize.errors import NormalizationError
from linkgraph.normalize.text import as_text, fold, show

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_NON_DIGITS = re.compile(r"[\s.\-/]+")


def _alnum(text: str) -> str:
    return _NON_ALNUM.sub("", (text if text.isascii() else unidecode(text)).upper())


_ID_CHARS = re.compile(r"[A-Z0-9\s\-_./<:]*")
_ID_MARK = re.compile(r"^(?:N\s*[°º]|NO\.?\s|NUM(?:ERO)?\.?\s)\s*", re.IGNORECASE)


def normalize_id_number(s: str | None) -> str | None:
    """Passport / identity-card number as upper-case letters and digits (5 to 20 of them).

    Separators (space ``-`` ``.`` ``/`` ``_`` ``:``, MRZ filler ``<``) and a leading ``N°``
    are dropped; any other character raises NormalizationError.
    """
    text = as_text(s)
    if text is None:
        return None
    upper = _ID_MARK.sub("", text)
    upper = (upper if upper.isascii() else unidecode(upper)).upper()
    if not _ID_CHARS.fullmatch(upper):
        raise NormalizationError(f"not an identity document number: {show(text)}")
    number = _NON_ALNUM.sub("", upper)
    if not 5 <= len(number) <= 20:
        raise NormalizationError(f"identity document number must have 5 to 20 letters or digits: {show(text)}")
    return number


def normalize_container(s: str | None) -> str | None:
    """ISO 6346 container number (``MSCU 123456-6`` -> ``MSCU1234566``), check digit verified."""
    text = as_text(s)
    if text is None:
        return None
    number = _alnum(text)
    try:
        return iso6346.validate(number)
    except InvalidChecksum:
        raise NormalizationError(f"container check digit failed: {show(text)}") from None
    except ValidationError:
        raise NormalizationError(f"not an ISO 6346 container number: {show(text)}") from None


def normalize_imei(s: str | None) -> str | None:
    """15-digit IMEI with a valid Luhn check digit.

    14 digits (no check digit) and 16-digit IMEISV get the check digit of their first 14
    digits; a 15-digit IMEI ending in ``0`` with a wrong check digit is repaired the same way
    (operators that zero the check digit in call records). Any other wrong check digit
    raises NormalizationError("IMEI checksum failed").
    """
    text = as_text(s)
    if text is None:
        return None
    digits = _NON_DIGITS.sub("", text)
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in (14, 15, 16):
        raise NormalizationError(f"not an IMEI (15 digits): {show(text)}")
    body = digits[:14]
    if len(digits) == 15:
        try:
            return _imei.validate(digits)
        except ValidationError:
            if digits[14] != "0":
                raise NormalizationError(f"IMEI checksum failed: {show(text)}") from None
    return body + luhn.calc_check_digit(body)


_SEX: dict[str, str | None] = {
    "m": "M", "h": "M", "homme": "M", "masculin": "M", "masc": "M", "male": "M", "man": "M",
    "garcon": "M", "1": "M", "f": "F", "femme": "F", "feminin": "F", "fem": "F", "female": "F",
    "woman": "F", "fille": "F", "2": "F",
    # ISO 5218 0 (not known) and 9 (not applicable), and explicit unknowns: no value
    "0": None, "9": None, "x": None, "i": None, "u": None, "inconnu": None, "indetermine": None,
    "nc": None, "nr": None, "nd": None, "unknown": None,
}


def normalize_sex(s: str | None) -> str | None:
    """``"M"`` or ``"F"``: M/H/homme/masculin/1 and F/femme/féminin/2 (ISO 5218 codes).

    Explicit unknowns (``0``, ``9``, ``X``, ``inconnu``, ``NC``) give ``None``; anything else
    raises NormalizationError.
    """
    folded = fold(s)
    if folded is None:
        return None
    if folded not in _SEX:
        raise NormalizationError(f"not a sex code: {show(as_text(s) or '')}")
    return _SEX[folded]
