"""The person-scale benchmark's generator: duplicates across agencies, truth consistent with the files."""
import sys
from pathlib import Path

import pandas as pd

from linkgraph.api import read_sources
from linkgraph.match.cluster import dates_compatible

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from persons_data import MENTION, generate  # noqa: E402
from persons_scale import SOURCES  # noqa: E402


def test_generator_plants_cross_agency_duplicates_with_truth(tmp_path):
    manifest = generate(tmp_path, 3000, seed=3)
    assert manifest["records"] == 3000 and sum(manifest["rows"].values()) == 3000
    ex = read_sources([(str(tmp_path / f"{name}.yaml"), tmp_path / file) for name, file in SOURCES])
    assert ex.rejects.empty
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str)
    assert sorted(truth["mention_id"]) == sorted(ex.mentions["mention_id"])   # every record, once
    m = ex.mentions.merge(truth[["mention_id", "entity_id"]], on="mention_id")
    agencies = m.groupby("entity_id")["agency"].nunique()
    assert (agencies >= 2).sum() > 300                      # the same person in several agencies' files
    assert set(m["agency"]) == set(MENTION)
    sizes = m.groupby("entity_id").size()
    assert manifest["true_pairs"] == int((sizes * (sizes - 1) // 2).sum())
    # the records of one true person agree on the birth date (but for a day/month swap) ...
    for _, dobs in m.dropna(subset=["dob"]).groupby("entity_id")["dob"]:
        values = sorted(set(dobs))
        assert all(dates_compatible(values[0], v) for v in values)
    # ... and spell different people differently: noise does not turn one person into another
    by_person = m.dropna(subset=["dob", "last_key"]).groupby("entity_id").first()
    clash = by_person.groupby(["first_key", "last_key", "dob"]).size()
    assert (clash > 1).sum() <= 0.01 * len(by_person)
    # twins: same last name and birth date, different first names, different truth
    twins = by_person.groupby(["last_key", "dob"])["first_key"].nunique()
    assert (twins > 1).any()


def test_generator_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, 500, seed=5)
    generate(b, 500, seed=5)
    for f in ("police.csv", "gendarmerie.csv", "bailleur.csv", "douane.jsonl", "truth.csv"):
        assert (a / f).read_bytes() == (b / f).read_bytes()
