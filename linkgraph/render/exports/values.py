"""Value cleaning shared by the exports: missing values, typed attributes, XML-safe text, one-line
CSV cells, formula defusing (see :mod:`linkgraph.render.exports`)."""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from linkgraph.store.files import defuse_formulas

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CSV_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, str):
        return value == ""
    return False


def _joined(value: Any, sep: str = ";") -> Any:
    """Lists, tuples, sets and arrays joined with ``sep``; other values unchanged."""
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        items = [str(v) for v in value if not _missing(v)]
        return sep.join(items)
    if isinstance(value, set | frozenset):
        return sep.join(sorted(str(v) for v in value if not _missing(v)))
    return value


def _typed(value: Any, kind: type) -> Any:
    """``value`` as ``kind`` (None when missing or not convertible)."""
    value = _joined(value)
    if _missing(value):
        return None
    try:
        if kind is bool:
            if isinstance(value, str):
                return {"true": True, "false": False, "1": True, "0": False}.get(value.strip().lower())
            return bool(value)
        if kind is int:
            number = float(value)
            return int(number) if math.isfinite(number) else None
        if kind is float:
            number = float(value)
            return number if not math.isnan(number) else None
    except (TypeError, ValueError):
        return None
    return str(value)


def xml_text(value: Any) -> str:
    """``value`` as text XML 1.0 can hold: invalid characters removed, CR and CRLF turned into LF."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _XML_INVALID.sub("", text)


def csv_text(value: Any) -> str:
    """``value`` as a one-line CSV cell: control characters (tab, CR, LF included) replaced by spaces."""
    return _CSV_CONTROL.sub(" ", str(value))


def defuse_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`~linkgraph.store.files.defuse_formulas` on an object copy (non-text cells kept)."""
    return defuse_formulas(frame.astype(object))


def _scores(scores: Any) -> dict[str, float]:
    """Entity id → score from a mapping, a Series (indexed by id), a frame with ``entity_id`` and
    ``score`` columns or a ``Scores`` object (its ``persons`` frame)."""
    if scores is None:
        return {}
    if hasattr(scores, "persons"):
        scores = scores.persons
    if isinstance(scores, pd.DataFrame):
        scores = scores.set_index("entity_id")["score"]
    items = scores.items() if isinstance(scores, pd.Series | Mapping) else dict(scores).items()
    out = {}
    for k, v in items:
        v = _typed(v, float)
        if v is not None:
            out[str(k)] = v
    return out

