"""Apply a scalar normalizer to a pandas column once per distinct value, not once per row."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd


def _apply_chunk(func: Callable[..., Any], values: Sequence, kwargs: dict) -> tuple[list, list]:
    """``func`` over ``values``: (results, error messages), ``None`` where there is nothing."""
    out: list = [None] * len(values)
    errors: list = [None] * len(values)
    for i, value in enumerate(values):
        if _is_blank(value):
            continue
        try:
            out[i] = func(value, **kwargs)
        except ValueError as exc:
            errors[i] = str(exc) or type(exc).__name__
    return out, errors


def _hashable(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _is_blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


def per_value(series: pd.Series, func: Callable[..., Any], **kwargs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``func`` once per distinct non-blank value: ``(codes, results, errors)``.

    ``codes[row]`` indexes ``results`` and ``errors`` (object arrays with one slot more than
    there are distinct values: the last slot, ``None``, is for missing cells).
    """
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts): compare them by their repr
        codes, uniques = pd.factorize(series.map(_hashable), use_na_sentinel=True)
    n = len(uniques)
    results, messages = _apply_chunk(func, list(uniques), kwargs)
    values = np.fromiter([*results, None], dtype=object, count=n + 1)   # never broadcast a tuple
    errors = np.fromiter([*messages, None], dtype=object, count=n + 1)
    return np.where(codes < 0, n, codes), values, errors


def spread(values: Sequence, codes: np.ndarray, missing: object = None) -> np.ndarray:
    """``values[code]`` for each code of ``pd.factorize`` (an object array), ``missing`` where the
    code is -1; a tuple among ``values`` stays one value."""
    table = np.fromiter([*values, missing], dtype=object, count=len(values) + 1)
    return table[codes]  # -1 reads the appended slot


def apply_unique(series: pd.Series, func: Callable[..., Any], **kwargs: Any) -> tuple[pd.Series, pd.Series]:
    """``(values, errors)``: ``func(value, **kwargs)`` for each row, computed per unique value.

    ``func`` is called once for each distinct non-empty value (missing values and blank
    strings give ``None`` without a call), so a million rows with ten thousand distinct
    values cost ten thousand calls. A ``ValueError`` (``NormalizationError`` included) from
    ``func`` gives ``None`` as value and its message as the row's error; both series are
    ``object`` dtype, aligned on ``series.index``, ``None`` where there is nothing.
    """
    codes, values, errors = per_value(series, func, **kwargs)
    return (pd.Series(values[codes], index=series.index, dtype=object),
            pd.Series(errors[codes], index=series.index, dtype=object))
