"""How many companies bear a name, and what a match on it is then worth (issue 12, companies).

Generated background (``benchmarks/companies_data.py``) with planted cases whose answer is
known, resolved through the normal pipeline and the default model: a name two companies bear
still merges a mention on the address; a typo'd name-only mention joins the one company whose
name it is one slip from, not a second company one slip away; a namesake placed in another town
is not chained to a company through a mention that gives the name alone.
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
from linkgraph.match.compare import Columns
from linkgraph.match.keys_company import company_name_keys
from linkgraph.match.rarity import group_bearers, pair_rarity

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from companies_data import generate  # noqa: E402


def siren(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def siret(sir: str, nic: str) -> str:
    return sir + nic + luhn.calc_check_digit(sir + nic)


CASBAH_M, CASBAH_L, KOWAL, MAURIN = siren("31214151"), siren("32617181"), siren("41122334"), siren("51667788")
BLEU, VATIN, KERFA = siren("61829304"), siren("71443322"), siren("81726354")
LONZI = siren("91357924")
GOURDEL, SUSHI_LYON = siren("13579246"), siren("24681357")
SUSHI_NANTES, SUSHI_LILLE = siren("35792468"), siren("46813579")
VERDOL = siren("57924680")
RIVOLI_LYON, RIVOLI_TOULOUSE = siren("68035791"), siren("79146802")
BELLE_SAS, BELLE_EURL = siren("80257913"), siren("91368024")
VAUDREL, ORMEAUX = siren("10293847"), siren("20394857")
GARLAV_LYON, GARLAV_NANTES = siren("30495867"), siren("40596877")
AUBERTIN = siren("50617283")

#: planted registry rows: (key, siren, name, address, postcode, city)
REGISTRY = [
    ("casbah_marseille", CASBAH_M, "Casbah Zénith Distribution", "12 allée des Tilleuls", "13013", "Marseille"),
    ("casbah_lyon", CASBAH_L, "Casbah Zénith Distribution", "40 rue Pasteur", "69003", "Lyon"),
    ("kowal", KOWAL, "Nettoyage Kowalczykiewicz", "3 rue Voltaire", "59000", "Lille"),
    ("maurin", MAURIN, "Plomberie Maurinelli", "137 rue Anatole France", "33000", "Bordeaux"),
    ("bleu_evry", BLEU, "Bleu Horizon Sécurité", "105 rue Victor Hugo", "91000", "Évry-Courcouronnes"),
    ("vatin_montpellier", VATIN, "Maçonnerie Vatinelli", "129 rue des Écoles", "34070", "Montpellier"),
    ("kerfa", KERFA, "Kerfa Bistro", "8 quai de Southampton", "76600", "Le Havre"),
    ("lonzi", LONZI, "Lonzi Plomberie", "17 rue Gabriel Péri", "93100", "Montreuil"),
    ("gourdel", GOURDEL, "Gourdelinot et Fils", "22 rue de la Gare", "21000", "Dijon"),
    ("sushi_lyon", SUSHI_LYON, "Sushi Paradisio", "4 rue de la République", "69002", "Lyon"),
    ("sushi_nantes", SUSHI_NANTES, "Sushi Paradisio", "31 quai de la Fosse", "44000", "Nantes"),
    ("sushi_lille", SUSHI_LILLE, "Sushi Paradisio", "9 rue Nationale", "59000", "Lille"),
    ("verdol", VERDOL, "Verdolinu et Fils", "14 avenue Alsace-Lorraine", "38000", "Grenoble"),
    ("rivoli_lyon", RIVOLI_LYON, "Rivoli Conseil SARL", "6 rue Mercière", "69002", "Lyon"),
    ("rivoli_toulouse", RIVOLI_TOULOUSE, "SAS Rivoli Conseil", "51 rue d'Alsace-Lorraine", "31000", "Toulouse"),
    ("belle_sas", BELLE_SAS, "Fournil Bellecour SAS", "2 place Bellecour", "69002", "Lyon"),
    ("belle_eurl", BELLE_EURL, "Fournil Bellecour EURL", "77 cours Gambetta", "69003", "Lyon"),
    ("vaudrel", VAUDREL, "Le Vaudrelier et Fils", "5 rue du Gros-Horloge", "76000", "Rouen"),
    ("ormeaux", ORMEAUX, "Les Ormeaux Gantier", "18 rue Nationale", "37000", "Tours"),
    ("garlav_lyon", GARLAV_LYON, "Garnier Lavergne Transports", "9 quai Perrache", "69002", "Lyon"),
    ("garlav_nantes", GARLAV_NANTES, "Garnier Lavergne Transports SAS", "3 rue Kervégan", "44000", "Nantes"),
    ("aubertin", AUBERTIN, "Menuiserie Aubertin SAS", "24 rue des Carmes", "45000", "Orléans"),
]
#: planted bank rows: (key, name, address, postcode, city) — no SIRET
BANK = [
    ("casbah_address_only", "SARL Casbah Zenith Distribution", "12 allee des Tilleuls", "", ""),
    ("maupin", "Plomberie Maupinelli", "75 zone industrielle des Paluds", "33300", "Bordeaux"),
    ("bleu_bordeaux", "Bleu Horizon Securite", "223 rue Émile Zola", "33300", "Bordeaux"),
    ("aubertin_former_form", "Menuiserie Aubertin SARL", "24 rue des Carmes", "45000", "Orleans"),
]
#: planted police rows: (key, name, one-line address, city)
POLICE = [
    ("kowal_typo_name_only", "NETTOYAGE KOWALCZYKIEWICS", "", ""),
    ("bleu_name_only", "BLEU HORIZON SECURITE", "", ""),
    ("vatin_paris", "Maconnerie Vatinelli", "", "Paris"),
    ("vatin_name_only", "MACONNERIE VATINELLI", "", ""),
    ("kerfa_typo_name_only", "KERFA BITSRO", "", ""),
    ("lonzi_typo_town", "LOZI PLOMBERIE", "", "Montreuil"),
    ("gourdel_typo_name_only", "GOURDELINOT EG FILS", "", ""),
    ("sushi_glued_nantes", "SUSHIPARADISIO", "", "Nantes"),
    ("verdol_swap_town", "VERDOLINU ET IFLS", "", "Grenoble"),
    ("rivoli_sas_name_only", "RIVOLI CONSEIL (S.A.S.)", "", ""),
    ("rivoli_name_only", "Sté Rivoli Conseil", "", ""),
    ("belle_sas_town", "S.A.S. FOURNIL BELLECOUR", "", "Lyon"),
    ("belle_sarl_town", "Fournil Bellecour SARL", "", "Lyon"),
    ("vaudrel_glued_article", "LEVAUDRELIER & FILS", "", "Rouen"),
    ("ormeaux_misspelt_article", "LS ORMEAUX GANTIER", "", "Tours"),
    ("garlav_sas_name_only", "GARNIER LAVERGNE TRANSPORTS (SAS)", "", ""),
]


def _append(folder: Path, file: str, rows: list[dict], keys: list[str], where: dict) -> None:
    frame = pd.read_csv(folder / file, sep=";", dtype=str, keep_default_na=False)
    source = file.removesuffix(".csv")
    for k, key in enumerate(keys):
        where[key] = f"{source}:{len(frame) + k + 1}:company"
    pd.concat([frame, pd.DataFrame(rows)[frame.columns]], ignore_index=True).to_csv(folder / file, sep=";",
                                                                                    index=False)


@pytest.fixture(scope="module")
def entity(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("companies")
    generate(4000, folder, seed=5)
    where: dict[str, str] = {}
    _append(folder, "registre.csv", [{"siren": s, "siret": siret(s, "0001"), "raison_sociale": n, "forme_juridique": "",
                                      "adresse": a, "code_postal": p, "ville": c} for _, s, n, a, p, c in REGISTRY],
            [r[0] for r in REGISTRY], where)
    _append(folder, "banque.csv", [{"beneficiaire": n, "siret": "", "adresse": a, "cp": p, "commune": c}
                                   for _, n, a, p, c in BANK], [r[0] for r in BANK], where)
    _append(folder, "police.csv", [{"etablissement": n, "adresse": a, "ville": c, "siret": ""} for _, n, a, c in POLICE],
            [r[0] for r in POLICE], where)
    result = linkgraph.resolve_sources([(m, folder / m.file) for m in load_mappings(folder)])
    ids = result.mentions.set_index("mention_id")["entity_id"]
    return {key: ids[mid] for key, mid in where.items()}


def test_a_name_two_companies_bear_still_merges_on_the_address(entity):
    """Two located companies bear the name: the name is weighed as their frequency, not cancelled, so
    the same address (no town given) merges the bank report with the Marseille company."""
    assert entity["casbah_marseille"] != entity["casbah_lyon"]
    assert entity["casbah_address_only"] == entity["casbah_marseille"]


def test_a_typo_in_a_name_only_mention_of_a_lone_company_merges(entity):
    assert entity["kowal_typo_name_only"] == entity["kowal"]


def test_a_slip_inside_the_longest_word_is_compared_and_merged(entity):
    """'bitsro' / 'bistro': the slip changes the word's first and last three letters; the name
    without its longest word ('kerfa') pairs the two."""
    assert entity["kerfa_typo_name_only"] == entity["kerfa"]


def test_a_slip_inside_a_shorter_word_is_compared_and_merged(entity):
    """'lonzi' / 'lozi' (not the longest word): the slip changes the word's first and last three
    letters and the name without its longest word; the longest word with the others' initials
    ('l plomberie') pairs the two."""
    assert entity["lonzi_typo_town"] == entity["lonzi"]


def test_name_long_key_survives_a_slip_inside_a_shorter_word_but_not_in_initials():
    keys = company_name_keys(pd.Series(["lonzi plomberie", "lozi plomberie", "ptt conseil", "ptc conseil"]))
    assert keys["name_long"].tolist()[:2] == ["l plomberie", "l plomberie"]
    assert keys["name_long"][2] != keys["name_long"][3]          # initials: as often two companies
    assert all(keys[k][0] != keys[k][1] for k in ("name_pfx", "name_sfx", "name_rest", "name_glued"))


def test_a_slip_in_a_short_word_between_two_long_ones_is_compared_and_merged(entity):
    """'gourdelinot eg fils' / 'gourdelinot et fils': the slip is in a two-letter word, which every
    other key keeps; the name without its short words ('fils gourdelinot') pairs the two."""
    assert entity["gourdel_typo_name_only"] == entity["gourdel"]


def test_name_short_key_drops_short_words_but_not_from_initials_and_one_word():
    keys = company_name_keys(pd.Series(["millet eg fils", "millet et fils", "gev renovation", "pba services",
                                        "transports millet"]))
    assert keys["name_short"].tolist() == ["fils millet", "fils millet", None, None, None]
    assert all(keys[k][0] != keys[k][1] for k in ("name_pfx", "name_sfx", "name_rest", "name_long", "name_glued"))


def test_two_letters_swapped_at_the_start_of_a_short_word_are_compared_and_merged(entity):
    """'verdolinu et ifls' / 'verdolinu et fils': the swap changes the word's first and last
    letters and its initial; the name's letters, sorted, are the same."""
    assert entity["verdol_swap_town"] == entity["verdol"]


def test_name_letters_key_is_the_same_for_two_swapped_letters():
    keys = company_name_keys(pd.Series(["mejane et ifls", "mejane et fils", "gev", "taxi lyon"]))
    assert keys["name_letters"].tolist() == ["aeeefijlmnst", "aeeefijlmnst", None, "ailnotxy"]
    assert all(keys[k][0] != keys[k][1] for k in ("name_pfx", "name_sfx", "name_rest", "name_long", "name_short"))


def test_a_glued_name_with_a_town_joins_the_company_of_that_town(entity):
    """Three located companies bear 'sushi paradisio'; 'SUSHIPARADISIO' in Nantes is the one in
    Nantes: the glued name in its town is borne by one company only, as the exact name in its
    town would be."""
    assert len({entity["sushi_lyon"], entity["sushi_nantes"], entity["sushi_lille"]}) == 3
    assert entity["sushi_glued_nantes"] == entity["sushi_nantes"]


def test_two_located_companies_one_typo_apart_stay_apart(entity):
    """Maurinelli (SIREN) and Maupinelli (an address, another street) in one town: two companies bear
    the two spellings, so the typo level is no longer worth a merge on name and town."""
    assert entity["maupin"] != entity["maurin"]


def test_a_namesake_with_an_address_in_another_town_is_not_chained(entity):
    """A name-only mention would join the Evry company and the Bordeaux namesake (address, no SIREN)
    alike: counted as a second company, the name no longer merges it with either."""
    assert entity["bleu_bordeaux"] != entity["bleu_evry"]
    assert entity["bleu_name_only"] != entity["bleu_evry"]


def test_a_namesake_known_by_its_town_alone_in_another_town_is_not_chained(entity):
    assert entity["vatin_paris"] != entity["vatin_montpellier"]


def test_the_legal_form_tells_namesakes_in_other_towns_apart(entity):
    """'Rivoli Conseil': a SARL in Lyon, a SAS in Toulouse. A mention naming the SAS and nothing
    else is the Toulouse one (one located company bears the name with that form), never the
    Lyon SARL (another legal form); one naming no form may be either, and stays alone."""
    assert entity["rivoli_lyon"] != entity["rivoli_toulouse"]
    assert entity["rivoli_sas_name_only"] == entity["rivoli_toulouse"]
    assert entity["rivoli_name_only"] not in (entity["rivoli_lyon"], entity["rivoli_toulouse"])


def test_a_namesake_whose_form_no_mention_gives_may_be_of_that_form(entity):
    """'Garnier Lavergne Transports': a SAS in Nantes, and a company in Lyon whose form no mention
    gives. A mention naming the SAS and nothing else may be either: it stays alone."""
    assert entity["garlav_lyon"] != entity["garlav_nantes"]
    assert entity["garlav_sas_name_only"] not in (entity["garlav_lyon"], entity["garlav_nantes"])


def test_the_legal_form_tells_namesakes_in_one_town_apart(entity):
    """'Fournil Bellecour': a SAS and an EURL, both in Lyon. The name in its town is borne by two
    companies (not a merge), the name and the form in the town by one; an EURL written 'SARL' (a
    one-person SARL) is still the EURL."""
    assert entity["belle_sas"] != entity["belle_eurl"]
    assert entity["belle_sas_town"] == entity["belle_sas"]
    assert entity["belle_sarl_town"] == entity["belle_eurl"]


def test_a_company_that_changed_its_legal_form_still_merges_on_its_address(entity):
    """'Menuiserie Aubertin': a SAS in the registry, a SARL in a bank file written before it changed
    its form (a SARL becoming a SAS keeps its SIREN and its premises). Another form is strong
    evidence of another company, not a veto: the same name at the same address in the same town
    outweighs it."""
    assert entity["aubertin_former_form"] == entity["aubertin"]


def test_legal_form_family_reads_one_person_forms_as_the_plain_form():
    from linkgraph.normalize import legal_form_family

    assert [legal_form_family(n) for n in ("Fournil Bellecour EURL", "FOURNIL (S.A.R.L.)", "SASU Kebab Nord",
                                           "Société Kebab Nord", "Les Pins SCI", None)] == \
        ["SARL", "SARL", "SAS", None, "SCI", None]


def test_name_form_keys_join_the_name_its_form_and_its_town():
    from linkgraph.match.keys_company import company_keys

    keys = company_keys(pd.DataFrame({"name": ["fournil bellecour", "fournil bellecour", "fournil bellecour"],
                                      "legal_form": ["SAS", None, "SARL"], "city": ["lyon", "lyon", None]}))
    assert keys["name_form"].tolist() == ["fournil bellecour|SAS", None, "fournil bellecour|SARL"]
    assert keys["name_form_town"].tolist() == ["fournil bellecour|SAS|lyon", None, None]


def test_a_leading_article_glued_or_misspelt_is_compared_and_merged(entity):
    """'LEVAUDRELIER & FILS' (the article glued in capitals, which the normalizer leaves: 'LECLERC'
    is a surname) and 'LS ORMEAUX GANTIER' (a misspelt article) are the registry's 'Le Vaudrelier
    et Fils' and 'Les Ormeaux Gantier': the name without its leading article pairs and weighs them."""
    assert entity["vaudrel_glued_article"] == entity["vaudrel"]
    assert entity["ormeaux_misspelt_article"] == entity["ormeaux"]


def test_name_bare_key_takes_off_a_glued_or_misspelt_leading_article():
    keys = company_name_keys(pd.Series(["lepotier et fils", "potier et fils", "ls tilleuls", "lesdelices",
                                        "leclerc", "lesage", "la poste"]))
    assert keys["name_bare"].tolist() == ["potieretfils", "potieretfils", "tilleuls", "delices", "clerc", "sage",
                                          "laposte"]


def test_name_rest_key_survives_a_slip_inside_the_longest_word():
    keys = company_name_keys(pd.Series(["kerfa bistro", "kerfa bitsro", "bistro"]))
    assert keys["name_rest"].tolist() == ["kerfa", "kerfa", None]
    assert keys["name_pfx"][0] != keys["name_pfx"][1] and keys["name_sfx"][0] != keys["name_sfx"][1]


def test_group_bearers_counts_a_company_placed_where_no_siren_holder_is():
    bearers = pd.DataFrame({"g": [0, 0, 0, 1, 1, 2, 2], "e": [0, 1, 2, 3, 4, 5, 6]})
    tier = np.array([0, 1, 2, 0, 1, 0, 2])          # 0: SIREN, 1: address, 2: town only
    places = pd.DataFrame({"e": [0, 1, 2, 3, 4, 5, 6, 6], "p": [7, 8, 9, 5, 5, 1, 2, 1],
                           "rt": [0, 1, 2, 0, 1, 0, 2, 2]})
    count = group_bearers(bearers, tier, places, last=2).tolist()
    # g0: the SIREN holder (town 7), an address in town 8 (counted), a town-only entity in town 9
    # (counted: apart from the SIREN holder); g1: an address in the SIREN holder's town (not
    # counted); g2: the town-only entity is also in the SIREN holder's town 1 (not counted for 2)
    assert count == [3, 1, 2]


def test_pair_rarity_counts_either_spelling_with_a_tier_of_two_columns():
    df = pd.DataFrame({"name": ["plomberie maurin", "plomberie maupin", "plomberie maupin", "netoyage kowal",
                                "nettoyage kowal"],
                       "siren": ["1", None, None, None, "2"], "address": [None, "75 zi", None, None, None],
                       "city": ["bordeaux", "bordeaux", None, None, "lille"]})
    cols = Columns(df)
    codes = cols.codes("name")
    two_tiers = pair_rarity(cols, "name", [["siren", "address"], "city"], "city", np.array([0, 1, 2, 3, 4]),
                            0.03, 0.0001, 50)
    siren_first = pair_rarity(cols, "name", ["siren", "address", "city"], "city", np.array([0, 1, 2, 3, 4]),
                              0.03, 0.0001, 50)
    pairs = (np.array([codes[0], codes[3]]), np.array([codes[1], codes[4]]))
    assert two_tiers.others(*pairs).tolist() == [1, 0]    # maupin has an address: a second company
    assert siren_first.others(*pairs).tolist() == [0, 0]  # counted after the SIREN holders: not
