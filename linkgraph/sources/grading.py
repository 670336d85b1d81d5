"""Intelligence grading (the Admiralty / NATO system used by police services).

Each report carries two marks: the **reliability of its source**, A (completely reliable) to F
(cannot be judged), and the **credibility of the information**, 1 (confirmed by other sources) to 6
(cannot be judged). A grade is written as the letter then the digit: ``B2``, ``F6``.

A mapping gives a default grade for every row of its file and optionally a column holding a
row's own grade (``grading: {default: F6, column: cotation}``); an empty cell takes the default,
a value that is not a grade rejects the row (file, row and column named in the reject report).
A source with no ``grading:`` is *ungraded*: its facts weigh as they always did (weight 1).

Weights: how much one report counts in corroboration and activity, the product of the two marks'
weights below (an anonymous tip ``F6`` counts 0.3 × 0.3 = 0.09 of a customs seizure ``A1``).
A fact stated by several rows keeps its best grade: corroborated by a better source, a tip counts fully.

>>> parse_grade(" b 2 ")
'B2'
>>> grade_weight(pd.Series(["A1", "F6", None, "C3"])).round(2).tolist()
[1.0, 0.09, 1.0, 0.56]
>>> strong(pd.Series(["B2", "E5", None])).tolist()
[True, False, True]
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from linkgraph.normalize import NormalizationError

RELIABILITY = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
               "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged"}
CREDIBILITY = {"1": "confirmed by other sources", "2": "probably true", "3": "possibly true",
               "4": "doubtful", "5": "improbable", "6": "truth cannot be judged"}
#: Weight of each mark; a report weighs the product of its two marks' weights.
RELIABILITY_WEIGHT = {"A": 1.0, "B": 1.0, "C": 0.75, "D": 0.5, "E": 0.3, "F": 0.3}
CREDIBILITY_WEIGHT = {"1": 1.0, "2": 1.0, "3": 0.75, "4": 0.5, "5": 0.3, "6": 0.3}
#: A link whose best report weighs less than this is drawn dashed ("weak"), at least this: solid.
STRONG_WEIGHT = 0.5
_GRADE = re.compile(r"^\s*([A-Fa-f])\s*[-/]?\s*([1-6])\s*$")


def parse_grade(value: object) -> str | None:
    """``"b2"``, ``"B 2"``, ``"B-2"`` → ``"B2"``; empty → None; anything else raises NormalizationError."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
        return None
    m = _GRADE.match(str(value))
    if not m:
        raise NormalizationError(f"not a grade: {value!r} (source reliability A-F then information "
                                 "credibility 1-6, e.g. B2 or F6)")
    return m.group(1).upper() + m.group(2)


def grade_weight(grades: pd.Series) -> np.ndarray:
    """The weight of each grade (None or empty: ungraded, weight 1)."""
    text = grades.astype(object).where(grades.notna(), "").astype(str).str.upper().to_numpy()
    letters = pd.Series([t[:1] for t in text]).map(RELIABILITY_WEIGHT).fillna(1.0).to_numpy()
    digits = pd.Series([t[1:2] for t in text]).map(CREDIBILITY_WEIGHT).fillna(1.0).to_numpy()
    return letters * digits


def strong(grades: pd.Series) -> np.ndarray:
    """True where the grade weighs at least :data:`STRONG_WEIGHT` (ungraded counts as strong)."""
    return grade_weight(grades) >= STRONG_WEIGHT


def describe(grade: str | None) -> str:
    """``"B2"`` → ``"B2 (usually reliable, probably true)"``; None → ``"ungraded"``."""
    if not grade:
        return "ungraded"
    return f"{grade} ({RELIABILITY[grade[0]]}, {CREDIBILITY[grade[1]]})"


def best_grade_per_group(groups: np.ndarray, grades: pd.Series, n: int) -> np.ndarray:
    """Per group ``0..n-1``, the grade of its best-weighted row (None when all its rows are ungraded
    or when any is: an ungraded statement weighs fully). Vectorized (one sort)."""
    out = np.full(n, None, dtype=object)
    if n == 0 or len(groups) == 0:
        return out
    w = grade_weight(grades)
    order = np.lexsort((-w, groups))
    g = groups[order]
    first = order[np.r_[True, g[1:] != g[:-1]]]
    values = grades.astype(object).to_numpy()[first]
    out[groups[first]] = [v if isinstance(v, str) and v else None for v in values]
    return out
