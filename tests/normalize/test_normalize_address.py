from __future__ import annotations

import pytest

from linkgraph.normalize import NormalizationError, normalize_address, normalize_city, normalize_postcode


@pytest.mark.parametrize(("raw", "expected"), [
    ("12 bd de la République", "12 boulevard de la republique"),
    ("12 Bld Voltaire", "12 boulevard voltaire"),
    ("12, boul. Voltaire", "12 boulevard voltaire"),
    ("3 av. Jean Jaurès", "3 avenue jean jaures"),
    ("3 AVE JEAN JAURES", "3 avenue jean jaures"),
    ("3 r. Saint-Ferréol", "3 rue saint ferreol"),
    ("3 R DE LA PAIX", "3 rue de la paix"),
    ("1 pl. Castellane", "1 place castellane"),
    ("chem. des Oliviers", "chemin des oliviers"),
    ("ch des Oliviers", "chemin des oliviers"),
    ("5 imp des Lilas", "5 impasse des lilas"),
    ("n° 5 imp. des Lilas", "5 impasse des lilas"),
    ("2 all. des Pins", "2 allee des pins"),
    ("rte de St-Tropez", "route de saint tropez"),
    ("10 fg St-Antoine", "10 faubourg saint antoine"),
    ("10 fbg Saint Antoine", "10 faubourg saint antoine"),
    ("1 sq. Montholon", "1 square montholon"),
    ("Rés. Les Pins Bât. B", "residence les pins batiment b"),
    ("4 rue Ste-Anne", "4 rue sainte anne"),
    ("12bis rue Victor Hugo", "12 bis rue victor hugo"),
    ("12 bis rue Victor Hugo", "12 bis rue victor hugo"),
    ("12ter rue Victor Hugo", "12 ter rue victor hugo"),
    ("12B rue Victor Hugo", "12 bis rue victor hugo"),
    ("  12   RUE\tVICTOR-HUGO  ", "12 rue victor hugo"),
    ("rue du Pas de Calais", "rue du pas de calais"),
    ("<script>", "script"),
    ("", None), ("   ", None), (None, None), (float("nan"), None),
])
def test_normalize_address(raw, expected):
    assert normalize_address(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("13001", "13001"),
    ("6000", "06000"),
    (6000, "06000"),
    (6000.0, "06000"),
    ("13 001", "13001"),
    ("F-75001", "75001"),
    ("FR 75001", "75001"),
    ("20000", "20000"),
    ("20090", "20090"),
    ("97400", "97400"),
    ("", None), ("  ", None), (None, None), (float("nan"), None),
])
def test_normalize_postcode(raw, expected):
    assert normalize_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["123", "123456", "2A004", "00123", "ABCDE", "13OO1", "<script>", "١٣٠٠١", "😀"])
def test_normalize_postcode_invalid(raw):
    with pytest.raises(NormalizationError, match="not a French postcode"):
        normalize_postcode(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("Marseille", "marseille"),
    ("MARSEILLE 13e", "marseille"),
    ("Marseille 13ème", "marseille"),
    ("Marseille 13eme arrondissement", "marseille"),
    ("Paris 1er", "paris"),
    ("Paris 1er arrondissement", "paris"),
    ("Lyon 3ème", "lyon"),
    ("MARSEILLE CEDEX 08", "marseille"),
    ("Aix-en-Provence Cedex 1", "aix en provence"),
    ("13001 Marseille", "marseille"),
    ("Marseille (13)", "marseille"),
    ("St-Étienne", "saint etienne"),
    ("ST ETIENNE", "saint etienne"),
    ("Ste-Maxime", "sainte maxime"),
    ("Saint-Denis", "saint denis"),
    ("L'Haÿ-les-Roses", "l hay les roses"),
    ("Le Havre", "le havre"),
    ("75", "75"),
    ("", None), ("   ", None), (None, None), (float("nan"), None),
])
def test_normalize_city(raw, expected):
    assert normalize_city(raw) == expected
