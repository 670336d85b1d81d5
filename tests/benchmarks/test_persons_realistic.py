"""The realistic person generator: real name shares, namesakes, truth consistent with the files, seeded."""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from linkgraph.api import read_sources

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from persons_names import NameTables, skeleton  # noqa: E402
from persons_realistic import People, generate  # noqa: E402


@pytest.fixture(scope="module")
def people():
    return People(50_000, 11, NameTables.load())


def _read(folder: Path):
    manifest = json.loads((folder / "manifest.json").read_text())
    specs = [(str(folder / f"{name}.yaml"), folder / file) for name, file in manifest["files"].items()]
    return manifest, read_sources(specs)


def test_head_names_carry_the_shares_of_a_real_population(people):
    pp = people
    surnames = pd.Series(pp.tables.surnames[pp.last]).value_counts(normalize=True)
    assert "Martin" in surnames.index[:3]
    assert 0.002 <= surnames.iloc[0] <= 0.0045              # most common surname ~0.3 % of people
    assert surnames.iloc[9] < surnames.iloc[0] / 1.8         # a Zipf-like head, not a flat one
    counts = pd.Series(pp.last).value_counts()
    assert (counts == 1).sum() > 0.2 * len(counts)          # and a long tail of rare names
    for sex in ("M", "F"):
        given = pd.Series(pp.given_names[pp.first[pp.sex == sex]]).value_counts(normalize=True)
        assert 0.012 <= given.iloc[0] <= 0.025, (sex, given.head())   # most common given name 1.5-2 %
    # origins go together: Mohamed's surnames are mostly Maghrebi ones
    moh = pp.given_names[pp.first] == "Mohamed"
    assert moh.sum() > 50
    assert (pp.tables.surname_origin[pp.last[moh]] == 1).mean() > 0.6


def test_namesakes_are_everywhere(people):
    pp = people
    key = pd.DataFrame({"f": pp.first, "l": pp.last, "y": pp.dob.astype("datetime64[Y]"), "d": pp.dob,
                        "twin": pp.twin})
    key = key[key["twin"] == 0]
    same_name = key.groupby(["f", "l"]).size()
    assert (same_name > 1).sum() > 100                      # several hundred namesake groups in 28k people
    same_year = key.groupby(["f", "l", "y"]).size()
    assert (same_year > 1).sum() >= 5                       # namesakes born the same year
    assert (same_year > 1).sum() < (same_name > 1).sum()


def test_files_and_truth_agree(tmp_path):
    manifest = generate(tmp_path, 4000, seed=3)
    assert sum(manifest["rows"].values()) == 4000
    _, ex = _read(tmp_path)
    assert ex.rejects.empty
    persons = ex.mentions[ex.mentions["entity_type"] == "person"]
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str)
    assert sorted(truth["mention_id"]) == sorted(persons["mention_id"])     # every record, once
    m = persons.merge(truth[["mention_id", "entity_id"]], on="mention_id")
    sizes = m.groupby("entity_id").size()
    assert manifest["true_pairs"] == int((sizes * (sizes - 1) // 2).sum())
    assert (m.groupby("entity_id")["agency"].nunique() >= 2).sum() > 400   # across agencies
    # the records of one person: nearly always the same surname spelling key or phonetic key...
    agree = m.dropna(subset=["last_phon"]).groupby("entity_id")["last_phon"].agg(lambda s: s.value_counts().iloc[0] / len(s))
    assert agree.mean() > 0.85
    # ... the same birth year but for rare slips, and noise present (not all spellings equal)
    years = m.dropna(subset=["birth_year"]).groupby("entity_id")["birth_year"].nunique()
    assert 0 < (years > 1).mean() < 0.05
    assert (m.groupby("entity_id")["last_name"].nunique() > 1).sum() > 50
    # phones link some records of a person
    phones = ex.mentions[ex.mentions["entity_type"] == "phone"]
    assert len(phones) > 1000


def test_single_file_layout(tmp_path):
    manifest = generate(tmp_path, 2000, seed=4, single_file=True)
    assert manifest["files"] == {"persons": "persons.csv"} and manifest["rows"]["persons"] == 2000
    _, ex = _read(tmp_path)
    assert ex.rejects.empty
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str)
    assert sorted(truth["mention_id"]) == sorted(ex.mentions.loc[ex.mentions["entity_type"] == "person", "mention_id"])


def test_deterministic_by_seed(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, 1500, seed=5)
    generate(b, 1500, seed=5)
    generate(c, 1500, seed=6)
    for f in ("police.csv", "gendarmerie.csv", "bailleur.csv", "douane.jsonl", "truth.csv"):
        assert (a / f).read_bytes() == (b / f).read_bytes()
    assert (a / "police.csv").read_bytes() != (c / "police.csv").read_bytes()


def test_spelling_key_groups_transliterations():
    assert skeleton("Mohammed") == skeleton("Mohamed")
    assert skeleton("Youssouf") == skeleton("Yousouf")
    assert skeleton("Martin") != skeleton("Martine")
    assert np.isclose(NameTables.load().surname_share.sum(), 1.0)
