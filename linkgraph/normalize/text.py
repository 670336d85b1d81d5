"""Input cleaning shared by every normalizer, and ``fold``: the accent-free lowercase form.

``as_text`` is the common front door: it turns whatever a reader handed over (``str``,
``None``, ``NaN``, ``pd.NA``, an integral float from a spreadsheet, bytes) into a stripped
string without control or bidi characters, or ``None`` when nothing is left.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

from unidecode import unidecode

#: Control, format, zero-width and bidi-override characters: dropped outright.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
#: Whitespace of every kind (tabs, newlines, no-break and typographic spaces): one space.
_SPACES = re.compile("[\\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
#: Letters unidecode would otherwise turn into something odd or keep.
_PRE_FOLD = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS",
                           "ø": "o", "Ø": "O", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH",
                           "°": " ", "º": " ", "№": "no "})
_NA_TYPES = frozenset({"NAType", "NaTType"})


def as_text(value: object) -> str | None:
    """``value`` as a clean stripped string, or ``None`` if empty, blank or missing (NaN, NA).

    Integral floats lose their ``.0`` (``612345678.0`` -> ``"612345678"``); control and
    bidi-override characters are removed; runs of whitespace become one space.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, (bytes, bytearray)):
        text = bytes(value).decode("utf-8", errors="replace")
    elif type(value).__name__ in _NA_TYPES:
        return None
    else:
        text = str(value)
    if text.isascii() and text.isprintable():
        text = text.strip()
        if "  " in text:
            text = _SPACES.sub(" ", text)
        return text or None
    text = _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()
    return text or None


def show(value: str, limit: int = 40) -> str:
    """A short printable excerpt of ``value`` for error messages (long inputs are cut)."""
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return "".join(ch if ch.isprintable() else "?" for ch in text)


@lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str | None:
    ascii_text = text.lower() if text.isascii() else unidecode(text.translate(_PRE_FOLD)).lower()
    folded = _NON_ALNUM.sub(" ", ascii_text).strip()
    return folded or None


def fold(s: str | None) -> str | None:
    """Lowercase ASCII letters, digits and single spaces; ``None`` when nothing is left.

    Accents go through unidecode (``œ`` -> ``oe``, ``æ`` -> ``ae``, ``ß`` -> ``ss``, Arabic
    and other scripts are transliterated), punctuation becomes a space. Never raises.
    """
    text = as_text(s)
    return None if text is None else _fold(text)


_NON_ALNUM_JOINED = re.compile(r"[^a-z0-9\n]+")
_TABLE_END = 0x2500  # Latin, Greek, Cyrillic, Arabic... up to the box-drawing block


def _ascii(text: str) -> str:
    return text if text.isascii() else unidecode(text)  # letters beyond the table


@lru_cache(maxsize=1)
def _unidecode_table() -> dict[int, str]:
    """``unidecode`` of every code point below ``_TABLE_END`` (it maps code points one by one),
    for ``str.translate``."""
    return {cp: unidecode(chr(cp)) for cp in range(0x80, _TABLE_END)}


def fold_many(values: list) -> list[str | None]:
    """``fold`` of many values at once: one ``lower`` and one substitution over the values
    joined by newlines (``as_text`` leaves no newline inside a value; only non-ASCII values go
    through ``unidecode`` one by one). Same results as ``[fold(v) for v in values]``."""
    table = _unidecode_table()
    texts = [as_text(v) for v in values]
    present = [t if t.isascii() else _ascii(t.translate(_PRE_FOLD).translate(table)) for t in texts if t is not None]
    joined = "\n".join(present)
    parts = _NON_ALNUM_JOINED.sub(" ", joined.lower()).split("\n") if present else []
    if len(parts) != len(present):  # a character transliterated to a line break: value by value
        return [fold(v) for v in values]
    folded = iter(part.strip() or None for part in parts)
    return [None if t is None else next(folded) for t in texts]
