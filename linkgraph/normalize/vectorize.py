"""Apply a scalar normalizer to a pandas column once per distinct value, not once per row."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


def _hashable(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _is_blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


def apply_unique(series: pd.Series, func: Callable[..., Any], **kwargs: Any) -> tuple[pd.Series, pd.Series]:
    """``(values, errors)``: ``func(value, **kwargs)`` for each row, computed per unique value.

    ``func`` is called once for each distinct non-empty value (missing values and blank
    strings give ``None`` without a call), so a million rows with ten thousand distinct
    values cost ten thousand calls. A ``ValueError`` (``NormalizationError`` included) from
    ``func`` gives ``None`` as value and its message as the row's error; both series are
    ``object`` dtype, aligned on ``series.index``, ``None`` where there is nothing.
    """
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts): compare them by their repr
        codes, uniques = pd.factorize(series.map(_hashable), use_na_sentinel=True)
    n = len(uniques)
    values = np.full(n + 1, None, dtype=object)   # slot n: missing (code -1)
    errors = np.full(n + 1, None, dtype=object)
    for i, value in enumerate(uniques):
        if _is_blank(value):
            continue
        try:
            values[i] = func(value, **kwargs)
        except ValueError as exc:
            errors[i] = str(exc) or type(exc).__name__
    codes = np.where(codes < 0, n, codes)
    return (pd.Series(values[codes], index=series.index, dtype=object),
            pd.Series(errors[codes], index=series.index, dtype=object))
