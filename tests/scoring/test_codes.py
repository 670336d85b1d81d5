"""The scoring's integer codes give what pandas gives: factorize_ids = pd.factorize on every kind of id
column, sorted_codes = the order of pd.factorize(sort=True)."""
import numpy as np
import pandas as pd
import pytest

from linkgraph.scoring.codes import factorize_ids, group_max, group_min, sorted_codes

RNG = np.random.default_rng(3)
IDS = np.array([f"P-{i:06x}" for i in range(2000)], dtype=object)
SHARED = IDS[RNG.integers(0, len(IDS), 50_000)]                       # each id one object, many cells
COPIES = np.array(list(IDS[:500]) * 4, dtype=object)
COPIES[:500] = ["".join(list(x)) for x in IDS[:500]]            # equal ids held by other objects
HOLES = np.concatenate([SHARED[:1000], np.array([None, np.nan], dtype=object), SHARED[:1000]])


@pytest.mark.parametrize("values", [SHARED, COPIES, HOLES, SHARED[:0]], ids=["shared", "copies", "missing", "empty"])
def test_factorize_ids_is_pandas_factorize(values):
    codes, uniques = factorize_ids(values, min_size=0)
    want_codes, want_uniques = pd.factorize(values)
    assert np.array_equal(codes, want_codes)
    assert list(uniques) == list(want_uniques)


def test_equal_ids_held_by_different_objects_get_one_code():
    a = "P-" + "".join(["0", "1"])
    b = "".join(["P-", "01"])
    assert a == b and a is not b
    codes, uniques = factorize_ids(np.array([a, "P-02", b], dtype=object), min_size=0)
    assert codes.tolist() == [0, 1, 0] and list(uniques) == ["P-01", "P-02"]


@pytest.mark.parametrize("values", [
    pd.Series(["police", "douane", None, "gendarmerie", "douane"], dtype="category"),
    pd.Series(["police", "douane", None, "gendarmerie", "douane"], dtype=object),
    pd.Series([5, 1, 3, 1]),
    pd.Series(["12", "3", None, "3"], dtype=object),
])
def test_sorted_codes_follow_the_sorted_values(values):
    codes, back = sorted_codes(values)
    want, uniques = pd.factorize(values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) else values,
                                 sort=True)
    assert np.array_equal(np.argsort(codes, kind="stable"), np.argsort(want, kind="stable"))
    assert list(back(codes[codes >= 0])) == list(values[codes >= 0].astype(object))


def test_group_min_and_max():
    groups = np.array([1, 1, 3, 1])
    assert group_min(groups, np.array([4, 2, 9, 7]), 4).tolist()[1:] == [2, np.iinfo(np.int64).max, 9]
    assert group_max(groups, np.array([0.5, 0.2, 0.9, 0.7]), 4).tolist() == [-np.inf, 0.7, -np.inf, 0.9]
