"""Training that does not depend on file size: pair sampling per rule, EM sessions, the monotonicity check."""
import numpy as np
import pandas as pd
import pytest

from linkgraph.errors import ModelError
from linkgraph.match.blocking import pairs_within_groups
from linkgraph.match.model import train
from linkgraph.match.monotone import band_warnings, check_monotone
from linkgraph.match.settings import load_settings, parse_settings, save_settings
from linkgraph.match.training import block_pair_counts, sample_block_pairs, uses_rule


def test_block_pair_counts_match_brute_force_within_and_across_groups():
    rng = np.random.default_rng(0)
    codes = rng.integers(-1, 30, size=400)
    groups = rng.integers(0, 3, size=400)
    i, j = pairs_within_groups(codes)
    counts = block_pair_counts(codes)
    assert counts.sum() == len(i)
    assert (counts == np.bincount(codes[i], minlength=30)).all()
    cross = groups[i] != groups[j]
    across = block_pair_counts(codes, groups, within=False)
    assert (across == np.bincount(codes[i][cross], minlength=30)).all()


def test_small_rule_gives_every_pair_and_large_rule_a_bounded_sample_inside_its_blocks():
    rng = np.random.default_rng(1)
    codes = rng.integers(-1, 50, size=3000)
    all_i, all_j = pairs_within_groups(codes)
    i, j, total = sample_block_pairs(codes, 10 ** 6, np.random.default_rng(2))
    assert total == len(all_i)
    assert set(zip(i.tolist(), j.tolist())) == set(zip(all_i.tolist(), all_j.tolist()))
    for budget in (5000, 20_000):  # drawn block by block (total > 4 × budget), then a subset of the listing
        i, j, total = sample_block_pairs(codes, budget, np.random.default_rng(3))
        assert total == len(all_i) and len(i) == budget
        assert (i < j).all() and (codes[i] == codes[j]).all() and (codes[i] >= 0).all()
        assert len(set(zip(i.tolist(), j.tolist()))) == budget


def test_sample_is_uniform_over_pairs_not_over_blocks():
    """Each block gets its share of pairs (a block of 200 rows holds 400 times the pairs of a block of 10)."""
    sizes = np.array([10] * 100 + [200] * 5)
    codes = np.repeat(np.arange(len(sizes)), sizes)
    pairs = sizes * (sizes - 1) // 2
    i, _, total = sample_block_pairs(codes, 20_000, np.random.default_rng(4))
    assert total == pairs.sum() > 4 * 20_000
    small = (codes[i] < 100).mean()
    assert small == pytest.approx(pairs[:100].sum() / total, abs=0.01)


def test_link_only_sample_keeps_pairs_across_sources():
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 20, size=4000)
    groups = rng.integers(0, 2, size=4000)
    i, j, total = sample_block_pairs(codes, 10_000, np.random.default_rng(6), groups, within=False)
    assert (groups[i] != groups[j]).all() and len(i) == 10_000
    assert total == block_pair_counts(codes, groups, within=False).sum()


PERSON = {
    "entity_type": "person", "identifiers": [],
    "blocking": [["last_name", "first_name"], ["dob"], ["first_name", "birth_year"]],
    "training": {"seed_rules": [["phone"]], "session_pairs": 40_000},
    "comparisons": [
        {"name": "first_name", "column": "first_name", "levels": [
            {"kind": "exact"}, {"kind": "jaro_winkler", "threshold": 0.88}, {"kind": "else"}]},
        {"name": "last_name", "column": "last_name", "levels": [
            {"kind": "exact"}, {"kind": "jaro_winkler", "threshold": 0.88}, {"kind": "else"}]},
        {"name": "dob", "column": "dob", "levels": [
            {"kind": "exact"}, {"kind": "levenshtein", "threshold": 1}, {"kind": "else"}]},
        {"name": "city", "column": "city", "levels": [{"kind": "exact"}, {"kind": "else"}]},
        {"name": "phone", "column": "phone", "levels": [{"kind": "exact"}, {"kind": "else"}]},
    ],
}


def _zipf(rng, n_values: int, top_share: float, size: int) -> np.ndarray:
    """Value ranks drawn with a Zipf-like law whose most common value carries ``top_share``."""
    ranks = np.arange(1, n_values + 1, dtype=float)
    lo, hi = 0.3, 3.0
    for _ in range(60):  # the exponent giving the top value its share
        s = (lo + hi) / 2
        p = ranks ** -s
        lo, hi = (s, hi) if p[0] / p.sum() < top_share else (lo, s)
    p = ranks ** -s
    return rng.choice(n_values, size=size, p=p / p.sum())


def _typo(rng, values: np.ndarray, rate: float) -> np.ndarray:
    out = values.astype(object).copy()
    hit = np.flatnonzero(rng.random(len(out)) < rate)
    for k in hit:  # test data only: a few hundred typos
        v = out[k]
        p = int(rng.integers(1, len(v)))
        out[k] = v[:p] + "x" + v[p + 1:]
    return out


def population(n_records: int, seed: int = 0) -> pd.DataFrame:
    """Person records with realistic name frequencies (top surname 0.3 %, top given name 1.8 %),
    about 1.8 records per person, typos, missing and mistyped dates: namesakes everywhere at scale."""
    rng = np.random.default_rng(seed)
    n_people = int(n_records / 1.8)
    last = np.array([f"nom{k}" for k in _zipf(rng, 60_000, 0.003, n_people)], dtype=object)
    first = np.array([f"prenom{k}" for k in _zipf(rng, 3_000, 0.018, n_people)], dtype=object)
    dob = pd.to_datetime("1950-01-01") + pd.to_timedelta(rng.integers(0, 50 * 365, n_people), unit="D")
    dob = dob.strftime("%Y-%m-%d").to_numpy(dtype=object)
    city = np.array([f"ville{k}" for k in _zipf(rng, 2_000, 0.03, n_people)], dtype=object)
    phone = np.array([f"06{k:08d}" for k in rng.integers(0, 10 ** 8, n_people)], dtype=object)
    person = np.sort(rng.integers(0, n_people, n_records))
    df = pd.DataFrame({"person": person, "first_name": _typo(rng, first[person], 0.05),
                       "last_name": _typo(rng, last[person], 0.05), "dob": dob[person].copy(),
                       "city": city[person].copy(), "phone": phone[person].copy()})
    df.loc[rng.random(n_records) < 0.2, "dob"] = None
    typo = (rng.random(n_records) < 0.05) & df["dob"].notna().to_numpy()
    df.loc[typo, "dob"] = df.loc[typo, "dob"].str[:-1] + "0"
    df.loc[rng.random(n_records) < 0.3, "city"] = None
    df.loc[rng.random(n_records) < 0.6, "phone"] = None
    df["birth_year"] = df["dob"].str[:4]
    return df


@pytest.mark.slow
def test_training_on_the_same_population_at_two_sizes_gives_the_same_m():
    """Five times the records: namesake pairs grow 25-fold, true pairs 5-fold; m must not move."""
    settings = parse_settings(PERSON)
    small = train(settings, population(20_000))
    large = train(settings, population(100_000))
    for a, b in zip(small.comparisons, large.comparisons):
        assert [lvl.m for lvl in a.levels] == pytest.approx([lvl.m for lvl in b.levels], abs=0.05), a.name
    assert small.comparisons[2].levels[0].m > 0.6  # dob exact: the match class is the person, not the name
    # λ × (n - 1) / 2 = matching pairs per record, the same at both sizes
    per_record = [t.probability_two_random_records_match * (n - 1) / 2 for t, n in ((small, 20_000), (large, 100_000))]
    assert per_record[0] == pytest.approx(per_record[1], rel=0.15)
    report = large.training_report
    dob_session = next(s for s in report["sessions"] if s["rule"] == ["dob"])
    assert dob_session["pairs_sampled"] <= 40_000 < dob_session["pairs_in_rule"]
    assert dob_session["fixed"] == ["dob"]


def test_rule_columns_fix_the_comparisons_of_their_field():
    settings = load_settings("rules/matching/person.yaml")
    by_name = {c.name: c for c in settings.comparisons}
    assert uses_rule(by_name["dob"], ["last_phon", "birth_year"])  # birth_year comes from dob
    assert uses_rule(by_name["last_name"], ["last_phon", "birth_year"])
    assert not uses_rule(by_name["phone"], ["dob"])


def _trained_model():
    settings = parse_settings(PERSON)
    trained = train(settings, population(6000, seed=3))
    check_monotone(trained)  # a model trained on sound data passes
    return trained


def test_monotonicity_check_refuses_a_flipped_model_at_training_and_at_load(tmp_path):
    trained = _trained_model()
    dob = next(c for c in trained.comparisons if c.name == "dob")
    levels = [lvl.model_copy() for lvl in dob.levels]
    # the issue-11 failure, pushed over the edge: exact agreement rarer among matches than by chance
    levels[0].m, levels[-1].m = levels[0].u / 2, 1 - levels[0].u / 2 - sum(lvl.m for lvl in levels[1:-1])
    flipped = trained.model_copy(update={"comparisons": [
        c if c.name != "dob" else c.model_copy(update={"levels": levels}) for c in trained.comparisons]})
    with pytest.raises(ModelError, match=r"comparison 'dob': level 1 \(exact dob\) weighs -1\.00 bits, not more "
                                         r"than level 3 \(all other\)"):
        check_monotone(flipped)
    path = tmp_path / "person.yaml"
    save_settings(flipped, path)
    with pytest.raises(ModelError, match=str(path).replace(".", r"\.") + r": comparison 'dob'"):
        load_settings(path)
    save_settings(trained, path)  # the sound model saves and loads
    assert load_settings(path).trained


def test_a_looser_band_outweighing_a_stronger_one_is_reported_not_refused():
    base = {**PERSON}
    comparisons = [dict(c) for c in PERSON["comparisons"]]
    comparisons[0] = {"name": "first_name", "column": "first_name", "levels": [
        {"kind": "exact", "m": 0.8, "u": 0.01}, {"kind": "jaro_winkler", "threshold": 0.88, "m": 0.1, "u": 0.01},
        {"kind": "jaro_winkler", "threshold": 0.7, "m": 0.09, "u": 0.001}, {"kind": "else", "m": 0.01, "u": 0.979}]}
    for c in comparisons[1:]:
        c["levels"] = [{**lvl, "m": 0.9 if k == 0 else 0.1 / (len(c["levels"]) - 1),
                        "u": 0.01 if k == 0 else 0.99 / (len(c["levels"]) - 1)} for k, lvl in enumerate(c["levels"])]
    data = {**base, "comparisons": comparisons, "probability_two_random_records_match": 1e-4}
    settings = parse_settings(data)  # loads: a band breach is a warning
    (warning,) = band_warnings(settings)
    assert warning.startswith("comparison 'first_name': level 2 (first_name jaro_winkler >= 0.88) weighs +3.32 bits, "
                              "not more than level 3 (first_name jaro_winkler >= 0.7) at +6.49 bits")
    comparisons[0]["levels"][2]["ordered"] = False  # a level declared not graded is left alone
    assert band_warnings(parse_settings(data)) == []
    comparisons[0]["levels"][0].update(m=0.005, u=0.01)  # exact (-1 bit) weaker than else (-0.28): refused
    comparisons[0]["levels"][-1].update(m=0.805, u=0.979)
    with pytest.raises(ModelError, match=r"'first_name': level 1 \(exact first_name\) weighs -1\.00 bits"):
        parse_settings(data)
