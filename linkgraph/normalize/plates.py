"""Vehicle registration plates: canonical form, kind, and an OCR-confusion key.

French SIV plates (since 2009) read ``AB-123-CD``; old FNI plates ``123 ABC 75`` (1-4 digits,
1-3 letters, a department: 01-95, 2A, 2B, 971-976). Anything else is kept as upper-case
letters and digits (``1234 BCD`` -> ``1234BCD``). Note that Italian plates share the SIV shape
and are indistinguishable from it. A plate must contain a digit and have 2 to 12 letters and
digits: ``INCONNU``, ``XXXX`` or ``<>`` are refused.

A plate of the SIV shape must follow the SIV rules (arrêté du 9 février 2009; series issued
from ``AA-001-AA``): the letters I, O and U are never used, the pair ``SS`` is never issued,
and the number block runs 001-999 (``000`` is not issued); ``WW`` on the left is a temporary
registration (``WW-123-AB``) and stays valid. ``OO-123-OO``, ``AB-123-SS`` or ``AB-000-CD``
are refused. A plate written in the SIV layout (two letters, a number, two letters, separated
by dashes or spaces) with other than three digits (``AB-12-CD``) is refused as a malformed SIV
plate; a foreign plate of exactly that layout would be refused too (write it without
separators, ``AB12CD``, to keep it).
"""
from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

from linkgraph.normalize.errors import NormalizationError
from linkgraph.normalize.text import as_text, show

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_SEPARATORS_ONLY = re.compile(r"[\s\-_./|]*")
#: What a written plate may hold: letters, digits, separators and stray quotes.
_PLATE_CHARS = re.compile(r"[A-Z0-9\s\-_./|:'\"]*")
_SIV = re.compile(r"([A-Z]{2})(\d{3})([A-Z]{2})")
_FNI = re.compile(r"(\d{1,4})([A-Z]{1,3})(0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])")
_SIV_LAYOUT = re.compile(r"\s*([A-Z]{2})\s*[-\s]\s*(\d{1,5})\s*[-\s]\s*([A-Z]{2})\s*")
_SIV_FORBIDDEN = re.compile(r"[IOU]")
_SIV_CANON = re.compile(r"[A-Z]{2}-\d{3}-[A-Z]{2}")
_FNI_CANON = re.compile(r"\d{1,4} [A-Z]{1,3} (?:\d{2}|2[AB]|97[1-6])")
#: OCR look-alikes, each mapped to one representative.
OCR_CONFUSABLES: dict[str, str] = {
    "O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "B": "8", "S": "5", "Z": "2", "G": "6",
}
_OCR_TABLE = str.maketrans(OCR_CONFUSABLES)


def _ascii_upper(text: str) -> str:
    return (text if text.isascii() else unidecode(text)).upper()


def _alnum(text: str) -> str:
    return _NON_ALNUM.sub("", _ascii_upper(text))


@lru_cache(maxsize=1 << 16)
def _normalize(text: str) -> str | None:
    upper = _ascii_upper(text)
    alnum = _NON_ALNUM.sub("", upper)
    if not alnum and upper and _SEPARATORS_ONLY.fullmatch(upper):
        return None
    if not alnum or not _PLATE_CHARS.fullmatch(upper):
        raise NormalizationError(f"not a plate: {show(text)}")
    if len(alnum) > 12:
        raise NormalizationError(f"not a plate (more than 12 characters): {show(text)}")
    if len(alnum) < 2 or not any(ch.isdigit() for ch in alnum):
        raise NormalizationError(f"not a plate: {show(text)}")
    if m := _SIV.fullmatch(alnum):
        _check_siv(text, *m.groups())
        return "-".join(m.groups())
    if (m := _SIV_LAYOUT.fullmatch(upper)) and len(m.group(2)) != 3:
        raise NormalizationError(f"not a plate: {show(text)} has the SIV layout AB-123-CD with "
                                 f"{len(m.group(2))} digits instead of 3")
    if m := _FNI.fullmatch(alnum):
        return " ".join(m.groups())
    return alnum


def _check_siv(text: str, left: str, digits: str, right: str) -> None:
    """Refuse an SIV plate the registration system never issues (module docstring)."""
    if _SIV_FORBIDDEN.search(left + right):
        raise NormalizationError(f"not a plate: {show(text)} (SIV plates never use the letters I, O or U)")
    if "SS" in (left, right):
        raise NormalizationError(f"not a plate: {show(text)} (the letter pair SS is never issued)")
    if digits == "000":
        raise NormalizationError(f"not a plate: {show(text)} (SIV numbers run from 001 to 999)")


def normalize_plate(s: str | None) -> str | None:
    """Canonical plate: ``AB-123-CD`` (SIV), ``123 ABC 75`` (FNI), else upper-case alnum.

    Raises NormalizationError for a present value that cannot be a plate.
    """
    text = as_text(s)
    return None if text is None else _normalize(text)


def plate_kind(canonical: str | None) -> str | None:
    """``"siv"``, ``"fni"`` or ``"foreign"`` for a plate (normalized first if it is not)."""
    plate = normalize_plate(canonical)
    if plate is None:
        return None
    if _SIV_CANON.fullmatch(plate):
        return "siv"
    if _FNI_CANON.fullmatch(plate):
        return "fni"
    return "foreign"


def plate_ocr_key(s: str | None) -> str | None:
    """Upper-case alnum with OCR look-alikes merged, so camera misreads compare equal.

    Map: O, Q, D -> 0; I, L -> 1; B -> 8; S -> 5; Z -> 2; G -> 6. ``"AB-123-CD"`` and
    ``"A8-I23-C0"`` both give ``"A8123C0"``. Never raises; ``None`` without letters or digits.
    """
    text = as_text(s)
    if text is None:
        return None
    return _alnum(text).translate(_OCR_TABLE) or None
