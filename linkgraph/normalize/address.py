"""French postal addresses, postcodes and city names."""
from __future__ import annotations

import re
from functools import lru_cache

from linkgraph.normalize.errors import NormalizationError
from linkgraph.normalize.text import as_text, fold, show

#: Whole-token abbreviations expanded in addresses (folded forms).
ADDRESS_ABBREVIATIONS: dict[str, str] = {
    "bd": "boulevard", "bld": "boulevard", "blvd": "boulevard", "bvd": "boulevard", "boul": "boulevard",
    "av": "avenue", "ave": "avenue", "aven": "avenue", "r": "rue", "pl": "place", "chem": "chemin",
    "ch": "chemin", "che": "chemin", "imp": "impasse", "all": "allee", "rte": "route", "fg": "faubourg",
    "fbg": "faubourg", "faub": "faubourg", "sq": "square", "res": "residence", "resid": "residence",
    "bat": "batiment", "bt": "batiment", "st": "saint", "ste": "sainte",
    "q": "quai", "qu": "quai", "qua": "quai", "crs": "cours", "pass": "passage", "prom": "promenade",
    "lotiss": "lotissement", "ham": "hameau", "mte": "montee",
    "sen": "sentier", "tra": "traverse", "trav": "traverse", "esc": "escalier", "apt": "appartement",
    "appt": "appartement", "app": "appartement", "etg": "etage", "cte": "cote", "rpt": "rond point",
    "rd": "route departementale", "rn": "route nationale", "zi": "zone industrielle",
    "za": "zone artisanale", "zac": "zone d amenagement concerte", "cc": "centre commercial",
}
_NUMBER_SUFFIX = re.compile(r"\b(\d+)(bis|ter|quater|b)\b")
_NUMBER_MARK = re.compile(r"\b(?:n|no|num|numero)\s+(?=\d)")


@lru_cache(maxsize=1 << 16)
def _address(folded: str) -> str:
    folded = _NUMBER_MARK.sub("", _NUMBER_SUFFIX.sub(
        lambda m: f"{m.group(1)} {'bis' if m.group(2) == 'b' else m.group(2)}", folded))
    return " ".join(ADDRESS_ABBREVIATIONS.get(tok, tok) for tok in folded.split())


def normalize_address(s: str | None) -> str | None:
    """Folded address with abbreviations expanded (``bd`` -> ``boulevard``, ``r`` -> ``rue``…).

    ``12bis`` and ``12b`` become ``12 bis`` (``ter``/``quater`` likewise); ``n°`` before a
    number is dropped. Never raises.
    """
    folded = fold(s)
    return None if folded is None else _address(folded)


_POSTCODE_PREFIX = re.compile(r"^(?:f|fr|fra|france)\s*[-\s]?\s*(?=\d)", re.IGNORECASE)
_POSTCODE_SEPARATORS = re.compile(r"[\s.\-]+")


def normalize_postcode(s: str | None) -> str | None:
    """French 5-digit postcode; 4 digits get their lost leading zero (``6000`` -> ``06000``).

    A ``F-``/``FR-`` prefix and inner spaces are removed. Anything else (not 4-5 digits,
    or ``00xxx``) raises NormalizationError.
    """
    text = as_text(s)
    if text is None:
        return None
    code = _POSTCODE_SEPARATORS.sub("", _POSTCODE_PREFIX.sub("", text))
    if code.isascii() and code.isdigit() and len(code) == 4:
        code = "0" + code
    if not (code.isascii() and code.isdigit() and len(code) == 5) or code.startswith("00"):
        raise NormalizationError(f"not a French postcode: {show(text)}")
    return code


_CITY_WORDS = {"st": "saint", "ste": "sainte"}
_ARRONDISSEMENT = re.compile(r"^(?:\d{1,2}(?:e|er|eme|ieme|me)?|arr|arrt|arrondissement|cedex|eme|er|e)$")


@lru_cache(maxsize=1 << 16)
def _city(folded: str) -> str:
    tokens = [_CITY_WORDS.get(t, t) for t in folded.split()]
    if "cedex" in tokens:
        tokens = tokens[: tokens.index("cedex")]
    while tokens and tokens[0].isdigit():       # leading postcode: "13001 marseille"
        tokens = tokens[1:]
    while tokens and _ARRONDISSEMENT.match(tokens[-1]):
        tokens = tokens[:-1]
    return " ".join(tokens) or folded


def normalize_city(s: str | None) -> str | None:
    """Folded city name: ``st`` -> ``saint``, hyphens as spaces, no ``CEDEX``, arrondissement,
    postcode or department number (``"Marseille 13e"`` -> ``"marseille"``). Never raises.
    """
    folded = fold(s)
    return None if folded is None else _city(folded)
