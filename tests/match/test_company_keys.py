"""Fuzzy blocking keys of company names and the rarity count (issue 12, companies)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from linkgraph.match.blocking import candidate_pairs
from linkgraph.match.compare import Columns
from linkgraph.match.keys_company import company_keys
from linkgraph.match.rarity import other_entities, rarity_adjustment
from linkgraph.match.settings import Level, load_settings
from linkgraph.normalize import normalize_company_name

REPO_MODEL = Path(__file__).resolve().parents[2] / "rules" / "matching" / "company.yaml"


def _keys(names: list[str], cities: list[str | None] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({"name": [normalize_company_name(n) for n in names],
                          "city": cities if cities is not None else [None] * len(names)})
    for col, values in company_keys(frame).items():
        frame[col] = values
    return frame


@pytest.mark.parametrize(("a", "b"), [
    ("Sté Locaiton Gaudin", "Sté Location Gaudin"),      # transposition after the third letter
    ("Transports Lamy", "Transports Lami"),              # last letter
    ("Boulangerie Kermarrec", "Boulangerie Hermarrec"),  # first letter of a word
    ("Nicole Fleurs", "NicoleFleurs"),                   # words glued
    ("Gaudin Location", "Location Gaudni"),              # word order and a typo
])
def test_names_one_slip_apart_are_paired_by_blocking(a, b):
    frame = _keys([a, b, "Pharmacie du Centre"])
    model = load_settings(REPO_MODEL)
    i, j = candidate_pairs(frame, [r for r in model.blocking if all(c in frame for c in r)])
    assert (0, 1) in set(zip(i.tolist(), j.tolist()))
    assert (0, 2) not in set(zip(i.tolist(), j.tolist()))


def test_name_town_key_needs_both():
    frame = _keys(["Bar du Port", "Bar du Port", "Bar du Port"], ["lyon", None, "nice"])
    assert frame["name_town"].tolist() == ["bar du port|lyon", None, "bar du port|nice"]


def test_other_entities_counts_located_entities_first():
    codes = np.array([0, 0, 0, 1, 1, 1])
    entities = np.array([0, 0, 1, 2, 3, 4])
    siren = np.array([True, False, False, True, True, False])
    others, total = other_entities(codes, entities, [siren])
    assert others.tolist() == [0, 1]          # name 0: one SIREN entity; name 1: two
    assert total == 3
    # no SIREN anywhere: every entity bearing the name counts
    others, _ = other_entities(codes, entities, [np.zeros(6, dtype=bool)])
    assert others.tolist() == [1, 2]


def test_rarity_makes_a_lone_name_strong_and_a_shared_one_negative():
    df = pd.DataFrame({"name": ["a", "a", "b", "b"], "siren": ["1", None, "2", "3"]})
    adj = rarity_adjustment(Columns(df), "name", ["siren"], np.array([0, 0, 1, 2]), 0.9, 0.001, 50)
    assert adj[0] > 0                                      # one company bears "a"
    assert adj[1] == pytest.approx(-np.log2(0.9 / 0.001) - 1)   # two bear "b": cancelled, then -1 bit
    assert adj[2] == 0.0                                   # missing value


def test_rarity_needs_tf():
    with pytest.raises(ValueError, match="rarity needs tf"):
        Level(kind="exact", rarity=["siren"])
