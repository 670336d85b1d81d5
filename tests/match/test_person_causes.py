"""The default person model on the hard cases of issue 12, each planted with its ground truth.

Causes: names swapped with a typo (counted once), twins and siblings (given names alone tell
them apart), common namesakes with a missing date of birth, namesakes whose dates differ by
one digit, a typo in the birth year of one person otherwise identical.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

from linkgraph.match.cluster import dates_compatible
from linkgraph.match.compare import NULL, Columns, comparison_matrix
from linkgraph.match.model import score
from linkgraph.match.resolve_table import resolve_table
from linkgraph.match.settings import VETO_WEIGHT, load_settings

sys.path.insert(0, str(Path(__file__).parent))
from person_cases import background, person_table, planted  # noqa: E402

PERSON = Path(__file__).resolve().parents[2] / "rules" / "matching" / "person.yaml"


def _levels(rows):
    settings = load_settings(PERSON)
    df = person_table(rows)
    names = [c.name for c in settings.comparisons]
    levels = comparison_matrix(settings.comparisons, Columns(df), np.array([0]), np.array([1]))[0]
    return settings, dict(zip(names, levels.tolist()))


def _level_index(settings, comparison, kind):
    comp = next(c for c in settings.comparisons if c.name == comparison)
    return next(k for k, lvl in enumerate(comp.levels) if lvl.kind == kind)


@pytest.mark.parametrize("other", [("Guilllon", "Christelle"), ("Guillon", "Christelle"), ("Saidi", "Fatma")])
def test_swapped_names_with_or_without_a_typo_are_one_comparison_counted_once(other):
    first = "Fatima" if other[0] == "Saidi" else "Christelle"
    last = "Saidi" if other[0] == "Saidi" else "Guillon"
    settings, levels = _levels([{"first_name": first, "last_name": last, "dob": None, "birthplace": None,
                                 "address": None, "city": None, "phone": None, "truth": "a"},
                                {"first_name": other[0], "last_name": other[1], "dob": None, "birthplace": None,
                                 "address": None, "city": None, "phone": None, "truth": "a"}])
    assert levels["first_name"] == _level_index(settings, "first_name", "swapped")
    assert levels["last_name"] == NULL  # the swap weighs once, on first_name


def test_names_in_order_are_not_read_as_swapped():
    settings, levels = _levels([{"first_name": "Karim", "last_name": "Benali", "dob": None, "birthplace": None,
                                 "address": None, "city": None, "phone": None, "truth": "a"},
                                {"first_name": "Karim", "last_name": "Benalli", "dob": None, "birthplace": None,
                                 "address": None, "city": None, "phone": None, "truth": "a"}])
    assert levels["first_name"] == 0
    assert levels["last_name"] not in (NULL, _level_index(settings, "last_name", "swapped"))


@pytest.mark.parametrize("dates", [("1969-10-17", "1996-10-17"), ("1978-10-17", "1988-10-17"),
                                   ("1999-02-28", "2000-02-28")])
def test_a_typo_in_the_birth_year_has_its_own_level_and_passes_the_date_constraint(dates):
    settings, levels = _levels([{"first_name": "Alexis", "last_name": "Vigreux", "dob": d, "birthplace": None,
                                 "address": None, "city": None, "phone": None, "truth": "a"} for d in dates])
    assert levels["dob"] == _level_index(settings, "dob", "year_typo")
    assert dates_compatible(*dates)


def test_dates_no_typo_explains_stay_incompatible():
    assert not dates_compatible("1969-10-17", "1971-10-17")  # two digits, not adjacent swapped
    assert not dates_compatible("1969-10-17", "1996-11-17")  # year and month both differ
    assert not dates_compatible("1990-03-12", "1971-07-01")


@pytest.fixture(scope="module")
def resolved():
    df = person_table(background(2500) + planted())
    res = resolve_table(df, load_settings(PERSON))
    return df, res


def _together(df, labels, a, b):
    la, lb = labels[(df["truth"] == a).to_numpy()], labels[(df["truth"] == b).to_numpy()]
    return bool(np.intersect1d(la, lb).size)


@pytest.mark.slow
def test_planted_cases_resolve_as_their_truth(resolved):
    df, res = resolved
    labels = res.labels
    for k in range(6):
        assert len(set(labels[(df["truth"] == f"S{k}").to_numpy()])) == 1, f"swap + typo {k} split"
        assert len(set(labels[(df["truth"] == f"Y{k}").to_numpy()])) == 1, f"year typo {k} split"
        assert not _together(df, labels, f"TA{k}", f"TB{k}"), f"twins {k} merged"
        assert len(set(labels[(df["truth"] == f"TA{k}").to_numpy()])) == 1
        assert not _together(df, labels, f"NA{k}", f"NB{k}"), f"namesakes with a missing dob {k} merged"
        assert not _together(df, labels, f"DA{k}", f"DB{k}"), f"namesakes with dob one digit apart {k} merged"


@pytest.mark.slow
def test_twins_pair_is_vetoed_by_the_given_names_whatever_else_agrees(resolved):
    df, res = resolved
    a = np.flatnonzero((df["truth"] == "TA0").to_numpy())[0]
    b = np.flatnonzero((df["truth"] == "TB0").to_numpy())[0]
    scored = score(res.settings, df, np.array([a]), np.array([b]))
    assert scored.weight[0] == VETO_WEIGHT and scored.probability[0] < 1e-20
    # the same pair with its given names remotely alike is weighed, not vetoed (the generator's siblings)
    assert res.settings.comparisons[0].levels[-1].veto


@pytest.mark.slow
def test_background_population_keeps_its_accuracy(resolved):
    from linkgraph.evaluate.metrics import pairwise_scores

    df, res = resolved
    s = pairwise_scores(res.labels, df["truth"].to_numpy())
    assert s.precision > 0.97 and s.recall > 0.9, s


def test_fuzzy_swap_neutral_and_year_typo_levels_match_a_pair_by_pair_reference():
    import itertools

    import pandas as pd
    from rapidfuzz.distance import JaroWinkler

    from linkgraph.match.compare import comparison_levels, year_typo_pairs
    from linkgraph.match.settings import Comparison

    rng = np.random.default_rng(5)
    names = np.array(["christelle", "guillon", "guilllon", "christele", "fatima", "fatma", "saidi", "said", None],
                     dtype=object)
    dates = np.array(["1969-10-17", "1996-10-17", "1979-10-17", "1999-12-31", "2000-12-31", "1969-10-18", None],
                     dtype=object)
    n = 150
    df = pd.DataFrame({"first": rng.choice(names, n), "last": rng.choice(names, n), "dob": rng.choice(dates, n)})
    first = Comparison(name="first", column="first", other_column="last", levels=[
        {"kind": "exact"}, {"kind": "swapped", "threshold": 0.85}, {"kind": "else"}])
    last = Comparison(name="last", column="last", other_column="first", levels=[
        {"kind": "exact"}, {"kind": "swapped", "threshold": 0.85, "neutral": True}, {"kind": "else"}])
    dob = Comparison(name="dob", column="dob", levels=[{"kind": "exact"}, {"kind": "year_typo"}, {"kind": "else"}])
    i, j = (np.array(x) for x in zip(*itertools.combinations(range(n), 2)))

    def alike(a, b):
        return JaroWinkler.normalized_similarity(a, b) >= 0.85

    def reference(col, other, r, s, neutral):
        a, b, oa, ob = df[col][r], df[col][s], df[other][r], df[other][s]
        if a is None or b is None:
            return NULL
        if a == b:
            return 0
        if None not in (oa, ob) and alike(a, ob) and alike(oa, b):
            return NULL if neutral else 1
        return 2

    def reference_dob(r, s):
        a, b = df["dob"][r], df["dob"][s]
        if a is None or b is None:
            return NULL
        if a == b:
            return 0
        typo = a[4:] == b[4:] and bool(year_typo_pairs(np.array([int(a[:4])]), np.array([int(b[:4])]))[0])
        return 1 if typo else 2

    cols = Columns(df)
    pairs = list(zip(i.tolist(), j.tolist()))
    assert comparison_levels(first, cols, i, j).tolist() == [reference("first", "last", r, s, False) for r, s in pairs]
    got_last = comparison_levels(last, cols, i, j).tolist()
    assert got_last == [reference("last", "first", r, s, True) for r, s in pairs]
    assert 1 not in got_last  # the neutral level is never scored
    assert comparison_levels(dob, cols, i, j).tolist() == [reference_dob(r, s) for r, s in pairs]
