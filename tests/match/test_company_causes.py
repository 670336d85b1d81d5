"""Company matching, one test per cause of issue 12, through the normal pipeline and the default model.

A background of generated companies (``benchmarks/companies_data.py``: real-looking trade names,
namesakes, noise) trains the model and gives names their frequencies; planted cases with a
known answer are appended to the police file, and each test checks how they were resolved.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from stdnum import luhn

import linkgraph
from linkgraph.api import load_mappings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from companies_data import generate  # noqa: E402


def siren(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def siret(sir: str, nic: str) -> str:
    return sir + nic + luhn.calc_check_digit(sir + nic)


GAUDIN, LAMY, MARION, TURPIN = siren("31415926"), siren("27182818"), siren("16180339"), siren("14142135")
KERMA_LYON, KERMA_NICE, TAXI_A, TAXI_B = siren("30102999"), siren("57721566"), siren("69314718"), siren("44721359")
ZYRK, SOTRA = siren("86602540"), siren("52359877")

#: planted registry rows: (key, siren, siret, name, address, postcode, city)
REGISTRY = [
    ("gaudin", GAUDIN, siret(GAUDIN, "0001"), "SARL Location Gaudin", "12 rue Victor Hugo", "69003", "Lyon"),
    ("lamy", LAMY, siret(LAMY, "0001"), "Transports Lamy", "4 ZI des Paluds", "13400", "Aubagne"),
    ("marion", MARION, siret(MARION, "0001"), "SCI Marion", "8 allée des Tilleuls", "34000", "Montpellier"),
    ("turpin", TURPIN, siret(TURPIN, "0001"), "Bâtiment Turpin", "77 route de Lyon", "38000", "Grenoble"),
    ("zyrk", ZYRK, siret(ZYRK, "0001"), "Nettoyage Zyrkowski", "3 rue Pasteur", "59000", "Lille"),
    ("sotra", SOTRA, siret(SOTRA, "0001"), "Sotramex Négoce", "5 quai de Southampton", "76600", "Le Havre"),
    ("sotra2", SOTRA, siret(SOTRA, "0107"), "Sotramex Négoce", "19 rue Jules Ferry", "13002", "Marseille"),
    ("kerma_lyon", KERMA_LYON, siret(KERMA_LYON, "0001"), "Boulangerie Kermarrec", "9 rue de Paris", "69007", "Lyon"),
    ("kerma_nice", KERMA_NICE, siret(KERMA_NICE, "0001"), "Boulangerie Kermarrec", "31 avenue Jean Jaurès", "06000",
     "Nice"),
    ("taxi_a", TAXI_A, siret(TAXI_A, "0001"), "Taxi Ouazzani", "14 boulevard National", "13003", "Marseille"),
    ("taxi_b", TAXI_B, siret(TAXI_B, "0001"), "Taxi Ouazzani", "220 chemin du Merlan", "13014", "Marseille"),
]
#: planted police rows: (key, name, one-line address, city, siret)
POLICE = [
    ("gaudin_typo", "Sté Locaiton Gaudin", "12 rue Victor Hugo 69003 Lyon", "", ""),
    ("lamy_form", "Transports Lamy E.U.RL..", "4 ZI des Paluds 13400 Aubagne", "", ""),
    ("marion_form", "Société civileimmobilière Marion", "", "Montpellier", ""),
    ("turpin_form", "StéB âtiment Turpin", "77 route de Lyon 38000 Grenoble", "", ""),
    ("zyrk_name_only", "ZYRKOWSKI NETTOYAGE SARL", "", "", ""),
    ("sotra2_address", "Sotramex Negoce", "19 rue Jules Ferry 13002 Marseille", "", ""),
    ("kerma_nice_address", "Boulangerie Kermarrec", "31 av. Jean Jaures 06000 Nice", "", ""),
    ("taxi_town_only", "TAXI OUAZZANI", "", "Marseille", ""),
    ("taxi_b_address", "Taxi Ouazzani EURL", "220 ch. du Merlan 13014 Marseille", "", ""),
]


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> tuple[linkgraph.Resolution, dict[str, str]]:
    folder = tmp_path_factory.mktemp("companies")
    generate(4000, folder, seed=5)
    registre = pd.read_csv(folder / "registre.csv", sep=";", dtype=str, keep_default_na=False)
    police = pd.read_csv(folder / "police.csv", sep=";", dtype=str, keep_default_na=False)
    where = {}
    extra = pd.DataFrame([dict(zip(["siren", "siret", "raison_sociale", "adresse", "code_postal", "ville"], row[1:]),
                               forme_juridique="") for row in REGISTRY])
    for k, row in enumerate(REGISTRY):
        where[row[0]] = f"registre:{len(registre) + k + 1}:company"
    registre = pd.concat([registre, extra[registre.columns]], ignore_index=True)
    extra = pd.DataFrame([dict(zip(["etablissement", "adresse", "ville", "siret"], row[1:])) for row in POLICE])
    for k, row in enumerate(POLICE):
        where[row[0]] = f"police:{len(police) + k + 1}:company"
    police = pd.concat([police, extra[police.columns]], ignore_index=True)
    registre.to_csv(folder / "registre.csv", sep=";", index=False)
    police.to_csv(folder / "police.csv", sep=";", index=False)
    result = linkgraph.resolve_sources([(m, folder / m.file) for m in load_mappings(folder)])
    entity = result.mentions.set_index("mention_id")["entity_id"]
    return result, {key: entity[mid] for key, mid in where.items()}


def test_typo_in_trade_name_is_compared_and_merged(resolved):
    _, e = resolved
    assert e["gaudin_typo"] == e["gaudin"]


def test_misspelt_and_glued_legal_forms_merge(resolved):
    _, e = resolved
    assert e["lamy_form"] == e["lamy"]
    assert e["marion_form"] == e["marion"]
    assert e["turpin_form"] == e["turpin"]


def test_rare_name_alone_merges(resolved):
    _, e = resolved
    assert e["zyrk_name_only"] == e["zyrk"]


def test_other_establishment_is_the_same_company(resolved):
    _, e = resolved
    assert e["sotra"] == e["sotra2"]               # same SIREN, another NIC, another town
    assert e["sotra2_address"] == e["sotra2"]      # that establishment's address without any number


def test_namesakes_in_other_towns_stay_apart(resolved):
    _, e = resolved
    assert e["kerma_lyon"] != e["kerma_nice"]
    assert e["kerma_nice_address"] == e["kerma_nice"]


def test_namesakes_in_one_town_stay_apart_and_an_ambiguous_mention_joins_neither(resolved):
    _, e = resolved
    assert e["taxi_a"] != e["taxi_b"]
    assert e["taxi_b_address"] == e["taxi_b"]
    # name and town only, borne by two companies of that town: the town-level negative keeps it apart
    assert e["taxi_town_only"] not in (e["taxi_a"], e["taxi_b"])


def test_a_batch_scored_with_the_tables_matches_the_whole_table(resolved):
    """What the Spark engine does: score a two-sided batch of pairs with term-frequency counts and
    rarity adjustments computed over the whole table: the weights are the local engine's."""
    from linkgraph.match.compare import Columns
    from linkgraph.match.model import rarity_tables, score, tf_tables

    result, _ = resolved
    table, res = result.tables["company"]
    table = table.reset_index(drop=True)
    pairs = res.scored
    assert pairs is not None and len(pairs.i) > 100 and res.tf_entities is not None
    k = np.arange(min(len(pairs.i), 2000))
    i, j = pairs.i[k], pairs.j[k]
    whole = score(res.settings, table, i, j, Columns(table), entities=res.tf_entities)
    batch = pd.concat([table.iloc[i], table.iloc[j]], ignore_index=True)
    tables = {**tf_tables(res.settings, table, res.tf_entities),
              **rarity_tables(res.settings, Columns(table), res.tf_entities)}
    n = len(k)
    part = score(res.settings, batch, np.arange(n), np.arange(n) + n, Columns(batch), tables=tables)
    assert np.array_equal(part.levels, whole.levels)
    assert np.array_equal(part.weight, whole.weight)   # bit for bit, as the engines must agree
    assert (whole.tf_adjustment[:, 0] > 3).any() and (whole.tf_adjustment[:, 0] < -3).any()  # rarity both ways
