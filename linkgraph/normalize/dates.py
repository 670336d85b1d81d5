"""Dates and timestamps from agency files, to ISO 8601 (``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM:SS``).

Accepted without a format: ``dd/mm/yyyy`` (also ``-`` and ``.``), ``dd/mm/yy``, ``yyyy-mm-dd``,
``yyyy/mm/dd``, ``ddmmyyyy`` and ``yyyymmdd`` (8 digits: ``yyyymmdd`` when the first four
digits are a year in 1880..2100 and the date is valid, else ``ddmmyyyy``), ``yyyymmddHHMM[SS]``,
month names in French or English (``12 mars 1985``, ``1er janvier 2001``, ``12-MAR-1985``,
``March 12, 1985``, an optional weekday first), each optionally followed by a time
(``12:30``, ``12:30:45``, ``12h30``, ISO ``T12:30:00.123+01:00``; fractions and UTC offsets are
dropped: the local wall-clock time is kept). Two-digit years pivot on the current year:
``yy`` greater than this year's two digits is ``19yy``, else ``20yy``. Years outside
1800..2200 are refused as impossible. ``parse_dob`` also refuses a date of birth before 1900 or
in the future, ``parse_past_date``/``parse_past_datetime`` a fact dated in the future.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from functools import lru_cache

from linkgraph.normalize.errors import NormalizationError
from linkgraph.normalize.text import as_text, show

MIN_YEAR, MAX_YEAR = 1800, 2200

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    "janvier janv jan january", "fevrier fevr fev feb february", "mars mar march",
    "avril avr apr april", "mai may", "juin jun june", "juillet juil jul july",
    "aout aou aug august", "septembre sept sep september", "octobre oct october",
    "novembre nov november", "decembre dec december",
), start=1):
    for _name in _names.split():
        _MONTHS[_name] = _number

_WEEKDAY = (r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lun|mar|mer|jeu|ven|sam|dim"
            r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)"
            r"\.?,?\s+)?")
_TIME = (r"(?:(?:\s*[t ]\s*|\s+a\s+|\s*,\s*)(?P<H>\d{1,2})\s*[:h]\s*(?P<M>\d{2})?"
         r"(?:\s*[:m]\s*(?P<S>\d{2})(?:[.,]\d+)?)?(?:\s*s)?\s*(?:z|utc|gmt|[+-]\d{2}:?\d{2})?)?")
_YMD = re.compile(r"(?P<y>\d{4})[-/.](?P<a>\d{1,2})[-/.](?P<b>\d{1,2})" + _TIME)
_DMY = re.compile(r"(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _TIME)
_DIGITS = re.compile(r"(?P<d>\d{8})(?:[t ]?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?")
_NAMED = re.compile(_WEEKDAY + r"(?P<a>\d{1,2})(?:er|st|nd|rd|th)?[\s\-/.]*(?P<mon>[a-z]+)\.?[\s\-/.,]*"
                    r"(?P<y>\d{4}|\d{2})" + _TIME)
_NAMED_MDY = re.compile(_WEEKDAY + r"(?P<mon>[a-z]+)\.?\s*(?P<a>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _TIME)
_ACCENTS = str.maketrans("éèêëûùüôöîïâàäç", "eeeeuuuooiiaaac")

Parts = tuple[int, int, int, int, int, int]


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        pivot = date.today().year % 100
        year += 1900 if year > pivot else 2000
    return year


def _time(m: re.Match[str], raw: str) -> tuple[int, int, int]:
    if m.group("H") is None:
        return 0, 0, 0
    hh, mm, ss = int(m.group("H")), int(m.group("M") or 0), int(m.group("S") or 0)
    if hh > 23 or mm > 59 or ss > 59:
        raise NormalizationError(f"impossible time {show(raw)}")
    return hh, mm, ss


def _valid(y: int, mo: int, d: int) -> bool:
    return MIN_YEAR <= y <= MAX_YEAR and 1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1]


def _check(raw: str, y: int, mo: int, d: int) -> None:
    if not _valid(y, mo, d):
        raise NormalizationError(f"impossible date {show(raw)}")


@lru_cache(maxsize=1 << 16)
def _parse(raw: str, dayfirst: bool) -> Parts:
    text = raw.lower().translate(_ACCENTS).strip()
    if m := _YMD.fullmatch(text):
        y, mo, d = int(m.group("y")), int(m.group("a")), int(m.group("b"))
    elif m := _DMY.fullmatch(text):
        a, b, y = int(m.group("a")), int(m.group("b")), _year(m.group("y"))
        d, mo = (a, b) if dayfirst else (b, a)
    elif m := _DIGITS.fullmatch(text):
        digits = m.group("d")
        y1, mo1, d1 = int(digits[:4]), int(digits[4:6]), int(digits[6:])
        a, b, y2 = int(digits[:2]), int(digits[2:4]), int(digits[4:])
        d2, mo2 = (a, b) if dayfirst else (b, a)
        if 1880 <= y1 <= 2100 and _valid(y1, mo1, d1):
            y, mo, d = y1, mo1, d1
        elif _valid(y2, mo2, d2) and m.group("H") is None:
            y, mo, d = y2, mo2, d2
        elif 1880 <= y1 <= 2100:
            y, mo, d = y1, mo1, d1
        else:
            y, mo, d = y2, mo2, d2
    elif (m := _NAMED.fullmatch(text)) or (m := _NAMED_MDY.fullmatch(text)):
        mo = _MONTHS.get(m.group("mon"), 0)
        if not mo:
            raise NormalizationError(f"unparseable date {show(raw)}")
        y, d = _year(m.group("y")), int(m.group("a"))
    else:
        raise NormalizationError(f"unparseable date {show(raw)}")
    _check(raw, y, mo, d)
    return (y, mo, d, *_time(m, raw))


def _parse_fmt(raw: str, fmt: str) -> Parts:
    try:
        dt = datetime.strptime(raw, fmt)
    except ValueError as exc:
        message = str(exc)
        reason = "impossible date" if "out of range" in message or "must be in" in message else "unparseable date"
        raise NormalizationError(f"{reason} {show(raw)} (expected format {fmt})") from None
    _check(raw, dt.year, dt.month, dt.day)
    return dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second


def _parts(s: str | None, dayfirst: bool, fmt: str | None) -> Parts | None:
    raw = as_text(s)
    if raw is None:
        return None
    return _parse_fmt(raw, fmt) if fmt else _parse(raw, bool(dayfirst))


def parse_date(s: str | None, dayfirst: bool = True, fmt: str | None = None) -> str | None:
    """ISO ``YYYY-MM-DD`` of a date in any common French or ISO form (module docstring).

    ``dayfirst=False`` reads ``03/04/2021`` as 4 March. With ``fmt``, only
    ``datetime.strptime(fmt)`` is tried. Raises NormalizationError ("impossible date ...",
    "unparseable date ...") for a present value that is not a real date.
    """
    parts = _parts(s, dayfirst, fmt)
    return None if parts is None else f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}"


def parse_datetime(s: str | None, dayfirst: bool = True, fmt: str | None = None) -> str | None:
    """ISO ``YYYY-MM-DDTHH:MM:SS`` (a missing time is midnight); same rules as ``parse_date``."""
    parts = _parts(s, dayfirst, fmt)
    if parts is None:
        return None
    y, mo, d, hh, mm, ss = parts
    return f"{y:04d}-{mo:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}"


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", re.DOTALL)


def swap_day_month(iso: str | None) -> str | None:
    """``iso`` with day and month swapped (``2021-03-04`` -> ``2021-04-03``), or ``None``.

    ``None`` when the input is empty, not an ISO date, or the swap is not a real date
    (``2021-03-13``). A time part is ignored; a date whose day equals its month is returned
    unchanged. Never raises.
    """
    text = as_text(iso)
    m = _ISO_DATE.fullmatch(text) if text else None
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (_valid(y, mo, d) and _valid(y, d, mo)):
        return None
    return f"{y:04d}-{d:02d}-{mo:02d}"


#: The earliest plausible date of birth of a person an agency records.
DOB_MIN = "1900-01-01"


def _future(iso: str, raw: str, what: str) -> None:
    """Refuse a date after today (one day of slack for time zones)."""
    limit = date.fromordinal(date.today().toordinal() + 1).isoformat()
    if iso[:10] > limit:
        raise NormalizationError(f"implausible {what} {show(raw)}: in the future")


def parse_dob(s: str | None, dayfirst: bool = True, fmt: str | None = None) -> str | None:
    """``parse_date`` of a date of birth, refused when before 1900 or in the future.

    >>> parse_dob("25/08/1997")
    '1997-08-25'
    >>> parse_dob("01/01/1850")
    Traceback (most recent call last):
    ...
    linkgraph.normalize.errors.NormalizationError: implausible date of birth 01/01/1850: before 1900
    """
    iso = parse_date(s, dayfirst, fmt)
    if iso is None:
        return None
    if iso < DOB_MIN:
        raise NormalizationError(f"implausible date of birth {show(str(s).strip())}: before 1900")
    _future(iso, str(s).strip(), "date of birth")
    return iso


def parse_past_date(s: str | None, dayfirst: bool = True, fmt: str | None = None) -> str | None:
    """``parse_date`` of the date of a fact (a seizure, a call), refused when in the future."""
    iso = parse_date(s, dayfirst, fmt)
    if iso is not None:
        _future(iso, str(s).strip(), "date of facts")
    return iso


def parse_past_datetime(s: str | None, dayfirst: bool = True, fmt: str | None = None) -> str | None:
    """``parse_datetime`` of the time of a fact, refused when in the future."""
    iso = parse_datetime(s, dayfirst, fmt)
    if iso is not None:
        _future(iso, str(s).strip(), "date of facts")
    return iso
