from __future__ import annotations

import pytest

from linkgraph.normalize import (
    NormalizationError, legal_form, normalize_company_name, normalize_siren, normalize_siret, siren_of_siret,
)


@pytest.mark.parametrize(("raw", "expected"), [
    ("732829320", "732829320"),
    ("732 829 320", "732829320"),
    ("732.829.320", "732829320"),
    (" 732-829-320 ", "732829320"),
    (732829320, "732829320"),
    (732829320.0, "732829320"),
    ("", None), ("  ", None), (None, None), (float("nan"), None),
])
def test_normalize_siren(raw, expected):
    assert normalize_siren(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    ("732829321", "SIREN checksum failed"),
    ("12345", "SIREN must have 9 digits"),
    ("7328293200", "SIREN must have 9 digits"),
    ("73282932O", "SIREN must have 9 digits"),
    ("<script>", "SIREN must have 9 digits"),
    ("١٢٣٤٥٦٧٨٩", "SIREN must have 9 digits"),
])
def test_normalize_siren_invalid(raw, reason):
    with pytest.raises(NormalizationError, match=reason):
        normalize_siren(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("73282932000074", "73282932000074"),
    ("732 829 320 00074", "73282932000074"),
    ("732.829.320.00074", "73282932000074"),
    ("35600000000048", "35600000000048"),   # La Poste head office (Luhn)
    ("35600000049837", "35600000049837"),   # La Poste establishment: digit sum % 5, not Luhn
    ("", None), (None, None), (float("nan"), None),
])
def test_normalize_siret(raw, expected):
    assert normalize_siret(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    ("73282932000075", "SIRET checksum failed"),
    ("73282932100074", "SIRET checksum failed"),
    ("35600000049838", "SIRET checksum failed"),
    ("7328293200007", "SIRET must have 14 digits"),
    ("ABCDEFGHIJKLMN", "SIRET must have 14 digits"),
    ("=cmd|' /C calc'!A0", "SIRET must have 14 digits"),
])
def test_normalize_siret_invalid(raw, reason):
    with pytest.raises(NormalizationError, match=reason):
        normalize_siret(raw)


def test_siren_of_siret():
    assert siren_of_siret("732 829 320 00074") == "732829320"
    assert siren_of_siret("") is None
    with pytest.raises(NormalizationError):
        siren_of_siret("73282932000075")


@pytest.mark.parametrize("raw", [
    "SARL Kebab Express", "KEBAB EXPRESS SARL", "Société Kebab Express", "Sté KEBAB-EXPRESS",
    "Ste Kebab Express", "S.A.R.L. KEBAB EXPRESS", "S.A.R.L KEBAB EXPRESS", "Kebab Express S.A.S.",
    "KEBAB EXPRESS SAS", "kebab express sasu", "EURL Kebab Express", "Kebab Express (SARL)",
    "KEBAB EXPRESS - société à responsabilité limitée", "Ets Kebab Express", "Kebab Express et Cie",
    "Kebab Express & Cie", "LE KEBAB EXPRESS", "Kebab Express EI", "SCI KEBAB EXPRESS",
    "Kebab Express SL", "Kebab Express B.V.",
])
def test_company_name_equivalences(raw):
    assert normalize_company_name(raw) == "kebab express"


@pytest.mark.parametrize(("raw", "expected"), [
    ("LE FOURNIL", "fournil"),
    ("L'Atelier", "atelier"),
    ("Les Délices d'Orient", "delices d orient"),
    ("Compagnie des Bateaux", "compagnie des bateaux"),
    ("Le Grain de Sel", "grain de sel"),
    ("Dupont et Cie", "dupont"),
    ("ETS MARTIN & FILS", "martin et fils"),   # "&" reads as "et"
    ("Transports Sabatier SA", "transports sabatier"),
    ("SAS", "sas"),
    ("Le", "le"),
    ("Société", "societe"),
    ("Samsung", "samsung"),           # "sa" only as a whole word
    ("Sasha Coiffure", "sasha coiffure"),
    ("Garage de la Gare SNC", "garage de la gare"),
    ("<script>", "script"),
    ("", None), ("   ", None), (None, None), (float("nan"), None), ("!!!", None),
])
def test_normalize_company_name(raw, expected):
    assert normalize_company_name(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    # misspelt, glued or spaced-out legal forms and company words (issue 12)
    ("Transports Lamy E.U.RL..", "transports lamy"),
    ("Transports Lamy EURL", "transports lamy"),
    ("Société civileimmobilière Marion", "marion"),
    ("SCI Marion", "marion"),
    ("Societe civile immobilier Marion", "marion"),
    ("StéB âtiment Turpin", "batiment turpin"),
    ("Sté Bâtiment Turpin", "batiment turpin"),
    ("Sté Locaiton Gaudin", "locaiton gaudin"),
    ("Société Location Gaudin", "location gaudin"),
    ("Kebab S A R L", "kebab"),
    ("Kebab S. A. R. L.", "kebab"),
    ("Kebab Sarl unipersonnelle", "kebab"),
    ("Société à responsabilité limité Kebab", "kebab"),
    ("Kebab société par action simplifiée", "kebab"),
    ("entreprise individuel Kebab", "kebab"),
    # left alone: short words that spell no legal form, a capital inside a word, a lone letter
    ("Garage de la Gare", "garage de la gare"),
    ("A B C Transports", "a b c transports"),
    ("DeLuxe Autos", "deluxe autos"),
    ("McDonald s", "mcdonald s"),
    ("STEB Electronique", "steb electronique"),
    ("Le Grain de Sel", "grain de sel"),
])
def test_company_name_misspelt_and_glued_forms(raw, expected):
    assert normalize_company_name(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("SARL Kebab Express", "SARL"),
    ("S.A.R.L. KEBAB EXPRESS", "SARL"),
    ("Kebab Express S.A.S.", "SAS"),
    ("kebab express sasu", "SASU"),
    ("KEBAB EXPRESS EURL", "EURL"),
    ("SCI Les Pins", "SCI"),
    ("Dupont SA", "SA"),
    ("Kebab Express (société à responsabilité limitée)", "SARL"),
    ("Société par actions simplifiée Dupont", "SAS"),
    ("Dupont GmbH", "GmbH"),
    ("S.A.S. SA Logistique", "SAS"),          # several: the longest as written (SA is part of the name)
    ("SL Transports (entreprise unipersonnelle à responsabilité limitée)", "EURL"),
    ("S.A.SRESTAURANT LAND", "SAS"),           # glued to the name, as normalize_company_name finds it
    ("Société Kebab Express", None),
    ("Samsung", None),
    ("", None), (None, None),
])
def test_legal_form(raw, expected):
    assert legal_form(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    # a legal form in capitals glued to the capitalized name after it (issue 12)
    ("S.A.R.LNord Antilles Auto", "nord antilles auto"),
    ("SASUL'Atelier de Corentin", "atelier de corentin"),
    ("EURLTransports Lamy", "transports lamy"),
    ("Ptskialadze & Fils", "ptskialadze et fils"),
    # capitals that spell no form stay glued
    ("JMBServices", "jmbservices"),
    ("SASHA Coiffure", "sasha coiffure"),
])
def test_company_name_form_glued_to_the_name(raw, expected):
    assert normalize_company_name(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    # a form in dotted or spaced initials whose last letter is glued to the name (issue 12)
    ("S.C.ILES ROSES", "roses"),
    ("S C ICOUPET THIBAUT", "coupet thibaut"),
    ("E.U.R.LMEL Services", "mel services"),
    ("S.a.r.lDJM Menuiserie", "djm menuiserie"),
    ("S.A.S.UDEROCHE BÂTIMENT", "deroche batiment"),
    # a long form glued in capitals, then a capital
    ("SARLCOIFFURE CELINE", "coiffure celine"),
    ("SARlTerrassement Rahhali", "terrassement rahhali"),
    ("SNCPRESSING DE LA MAIRIE", "pressing de la mairie"),
    ("SARLLE FOURNIL DE AMAURY", "fournil de amaury"),
    # Sté with the next word's capital glued to it, whatever follows
    ("StéG HD Électricité", "ghd electricite"),
    ("StéH L Rénovation", "hl renovation"),
    ("StéL 'Atelier de Alain", "atelier de alain"),
    # S.A.R.L. then L'Atelier: not one acronym "sarll"
    ("S.A.R.L. L'Atelier de Viviane", "atelier de viviane"),
    # an article glued to a capitalized word
    ("LeFournil de Jean", "fournil de jean"),
    ("Société civile immobilière LesCigales", "cigales"),
])
def test_company_name_forms_glued_to_initials_or_articles(raw, expected):
    assert normalize_company_name(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("Boulangerie Sarladaise", "boulangerie sarladaise"),   # a word, not SARL + "adaise"
    ("S.A. Soleil", "soleil"),                              # S.A. then a word: not "SAS oleil"
    ("J.P. MARTIN", "jp martin"),                           # initials that spell no form stay
    ("J M B Services", "j m b services"),
    ("Leclerc Transports", "leclerc transports"),           # a surname, not an article
])
def test_company_name_words_that_look_glued_are_kept(raw, expected):
    assert normalize_company_name(raw) == expected
