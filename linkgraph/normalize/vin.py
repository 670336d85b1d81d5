"""Vehicle identification numbers (ISO 3779): 17 letters and digits, never I, O or Q."""
from __future__ import annotations

import re

from unidecode import unidecode

from linkgraph.normalize.errors import NormalizationError
from linkgraph.normalize.text import as_text, show

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_VALUES = {**{str(d): d for d in range(10)},
           **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
           **dict(zip("STUVWXYZ", range(2, 10)))}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize_vin(s: str | None) -> str | None:
    """Upper-case 17-character VIN without separators.

    Raises NormalizationError when the length is not 17 or the VIN holds I, O or Q. The check
    digit (position 9) is mandatory in North America only and is not enforced here: see
    ``vin_check_digit_ok``.
    """
    text = as_text(s)
    if text is None:
        return None
    vin = _NON_ALNUM.sub("", (text if text.isascii() else unidecode(text)).upper())
    if len(vin) != 17:
        raise NormalizationError(f"VIN must have 17 characters, not {len(vin)}: {show(text)}")
    if any(ch in "IOQ" for ch in vin):
        raise NormalizationError(f"VIN cannot contain I, O or Q: {show(text)}")
    return vin


def vin_check_digit_ok(vin: str | None) -> bool:
    """Whether position 9 holds the North American check digit (``0``-``9`` or ``X``)."""
    if not isinstance(vin, str) or len(vin) != 17 or any(ch not in _VALUES for ch in vin.upper()):
        return False
    vin = vin.upper()
    total = sum(_VALUES[ch] * w for ch, w in zip(vin, _WEIGHTS)) % 11
    return vin[8] == ("X" if total == 10 else str(total))
