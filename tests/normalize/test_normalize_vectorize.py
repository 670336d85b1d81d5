from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linkgraph.normalize import NormalizationError, normalize_phone, parse_date
from linkgraph.normalize.vectorize import apply_unique


class Counting:
    """Wrap a normalizer and count its calls (and the values it saw)."""

    def __init__(self, func):
        self.func, self.calls, self.seen = func, 0, []

    def __call__(self, value, **kwargs):
        self.calls += 1
        self.seen.append(value)
        return self.func(value, **kwargs)


def test_one_call_per_distinct_value_on_a_million_rows():
    distinct = [f"{d:02d}/{m:02d}/{y}" for y in range(1950, 2050) for m in range(1, 13) for d in range(1, 29)][:10_000]
    rng = np.random.default_rng(0)
    series = pd.Series(np.array(distinct, dtype=object)[rng.integers(0, len(distinct), 1_000_000)])
    counting = Counting(parse_date)
    values, errors = apply_unique(series, counting)
    assert counting.calls == series.nunique() <= 10_000
    assert len(values) == len(errors) == 1_000_000
    assert values.iloc[0] == parse_date(series.iloc[0])
    assert errors.isna().all()


def test_values_errors_and_empties_are_aligned():
    index = pd.Index([10, 20, 30, 40, 50, 60, 70, 80], name="row")
    series = pd.Series(["04/03/2021", None, "31/02/1990", "", "  ", np.nan, "04/03/2021", "garbage"],
                       index=index, dtype=object)
    counting = Counting(parse_date)
    values, errors = apply_unique(series, counting)
    assert counting.calls == 3                     # blanks and missing never reach func
    assert sorted(counting.seen) == ["04/03/2021", "31/02/1990", "garbage"]
    assert values.index.equals(index) and errors.index.equals(index)
    assert values.dtype == object and errors.dtype == object
    assert values.tolist() == ["2021-03-04", None, None, None, None, None, "2021-03-04", None]
    assert errors.tolist() == [None, None, "impossible date 31/02/1990", None, None, None, None,
                               "unparseable date garbage"]


def test_kwargs_are_passed():
    series = pd.Series(["03/04/2021", "03/04/2021"])
    values, _ = apply_unique(series, parse_date, dayfirst=False)
    assert values.tolist() == ["2021-03-04", "2021-03-04"]
    values, _ = apply_unique(pd.Series(["0661234567"]), normalize_phone, region="MA")
    assert values.tolist() == ["+212661234567"]


def test_empty_series():
    values, errors = apply_unique(pd.Series([], dtype=object), parse_date)
    assert len(values) == 0 and len(errors) == 0


def test_all_missing():
    counting = Counting(parse_date)
    values, errors = apply_unique(pd.Series([None, np.nan, ""]), counting)
    assert counting.calls == 0
    assert values.tolist() == [None, None, None] and errors.tolist() == [None, None, None]


def test_string_dtype_series():
    series = pd.Series(["06 12 34 56 78", pd.NA, "0012"], dtype="string")
    values, errors = apply_unique(series, normalize_phone)
    assert values.tolist() == ["+33612345678", None, None]
    assert errors.iloc[2].startswith("not a valid phone number")


def test_unhashable_cells():
    series = pd.Series([["a"], ["a"], "x"], dtype=object)
    counting = Counting(lambda v: str(v))
    values, _ = apply_unique(series, counting)
    assert counting.calls == 2
    assert values.iloc[0] == values.iloc[1]


def test_plain_value_error_is_an_error_reason_other_exceptions_propagate():
    def picky(value):
        if value == "bad":
            raise NormalizationError("bad value")
        if value == "worse":
            raise ValueError("worse value")
        return value

    values, errors = apply_unique(pd.Series(["ok", "bad", "worse"]), picky)
    assert values.tolist() == ["ok", None, None]
    assert errors.tolist() == [None, "bad value", "worse value"]

    def broken(value):
        raise KeyError(value)

    with pytest.raises(KeyError):
        apply_unique(pd.Series(["x"]), broken)
