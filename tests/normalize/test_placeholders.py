"""Placeholder identifiers (rules/placeholders.yaml): treated as missing, reported, raw kept."""
import json

import pandas as pd
import pytest

from linkgraph.api import read_sources, resolve_sources, summarize
from linkgraph.normalize.placeholders import Placeholders, blank_placeholders, drop_shared, load_stoplist

CASES = [  # (type.field, raw value, is a placeholder)
    ("company.siret", "00000000000000", True),
    ("company.siret", "000 000 000 00000", True),
    ("company.siret", "11111111111111", True),
    ("company.siret", "30406658200053", False),
    ("company.siren", "000000000", True),
    ("company.siren", "304066582", False),
    ("phone.number", "0000000000", True),
    ("phone.number", "06 00 00 00 00", True),
    ("phone.number", "+33 6 00 00 00 00", True),
    ("phone.number", "0033600000000", True),
    ("phone.number", "06 12 34 56 78", False),
    ("phone.number", "04 68 25 21 23", False),
    ("person.id_number", "XXXXXXXX", True),
    ("person.id_number", "12AB34567", False),
    ("vehicle.vin", "00000000000000000", True),
    ("vehicle.vin", "VF1AB000123456789", False),
    ("vehicle.plate", "AA-000-AA", True),
    ("vehicle.plate", "AB-123-CD", False),
]


@pytest.mark.parametrize("field,value,placeholder", CASES)
def test_the_bundled_stoplist(field, value, placeholder):
    entity_type, name = field.split(".")
    kept, hit = blank_placeholders(pd.Series([value]), load_stoplist(), entity_type, name)
    assert hit.tolist() == [placeholder]
    assert kept.tolist() == ["" if placeholder else value]


def test_a_literal_value_such_as_a_switchboard_number():
    rules = Placeholders.model_validate({"stoplist": {"phone.number": {"values": ["01 45 00 12 34"]}}})
    _, hit = blank_placeholders(pd.Series(["0145001234", "01.45.00.12.35"]), rules, "phone", "number")
    assert hit.tolist() == [True, False]


def test_a_bad_pattern_names_the_file(tmp_path):
    path = tmp_path / "placeholders.yaml"
    path.write_text("stoplist:\n  phone.number: {patterns: ['(']}\n")
    with pytest.raises(Exception, match="placeholders.yaml: stoplist.phone.number.patterns: not a regular expression"):
        load_stoplist(path)


MAPPING = """source: registre_test
agency: registre
classification: public
format: csv
delimiter: ";"
mentions:
  company:
    type: company
    fields: {name: raison_sociale, siret: siret, city: ville}
  phone:
    type: phone
    fields: {number: telephone}
  director:
    type: person
    fields: {last_name: nom, first_name: prenom, dob: {column: naissance, dayfirst: true}}
relations:
  - {type: directs, from: director, to: company}
  - {type: uses, from: company, to: phone}
"""
HEADER = "siret;raison_sociale;ville;telephone;nom;prenom;naissance\n"


def _resolve(tmp_path, rows: str):
    (tmp_path / "m.yaml").write_text(MAPPING)
    (tmp_path / "r.csv").write_text(HEADER + rows)
    return resolve_sources([(str(tmp_path / "m.yaml"), str(tmp_path / "r.csv"))])


def test_three_unrelated_people_on_a_zero_siret_do_not_direct_one_company(tmp_path):
    result = _resolve(tmp_path, "00000000000000;Garage Duval;LYON;0000000000;MARTIN;Paul;01/02/1980\n"
                                "00000000000000;Boulangerie Ferrand;NANTES;06 00 00 00 00;KADDOUR;Samir;03/04/1975\n"
                                "00000000000000;Transports Lemoine;LILLE;;PETIT;Anne;05/06/1990\n")
    assert len(result.rejects) == 0  # "0000000000" is a missing phone, not a bad row
    companies = result.mentions[result.mentions["entity_type"] == "company"]
    assert companies["entity_id"].nunique() == 3
    directs = result.relations[result.relations["type"] == "directs"]
    assert len(directs) == 3 and directs["to_entity"].nunique() == 3
    assert all(json.loads(raw)["siret"] == "00000000000000" for raw in companies["raw"])  # provenance kept
    found = {(p["entity_type"], p["column"], p["value"]): p["mentions"] for p in summarize(result)["placeholders"]}
    assert found == {("company", "siret", "00000000000000"): 3, ("phone", "number", "0000000000"): 1,
                     ("phone", "number", "06 00 00 00 00"): 1}
    assert (result.mentions["entity_type"] == "phone").sum() == 2
    assert result.mentions.loc[result.mentions["entity_type"] == "phone", "entity_id"].nunique() == 2


def test_a_real_siret_still_merges(tmp_path):
    result = _resolve(tmp_path, "30406658200053;Des Quartiers Travel;PERPIGNAN;;HAMADI;Houssein;16/06/1991\n"
                                "30406658200053;Des Quartiers Travel;PERPIGNAN;;BELKACEM;Khadija;23/01/1984\n")
    companies = result.mentions[result.mentions["entity_type"] == "company"]
    assert companies["entity_id"].nunique() == 1 and summarize(result)["placeholders"] == []


def _companies(names, siren="304066582"):
    return pd.DataFrame({"mention_id": [f"m{k}" for k in range(len(names))], "entity_type": "company",
                         "siren": siren, "siret": siren + "00053", "name": names})


def test_a_siren_shared_by_unrelated_names_is_dropped_and_noted():
    out = drop_shared(_companies(["garage duval", "boulangerie ferrand", "transports lemoine"]), load_stoplist())
    assert out["siren"].isna().all() and out["siret"].isna().all()
    assert out["placeholder"].tolist() == ["siren=304066582"] * 3


def test_a_siren_shared_by_spellings_of_one_name_is_kept():
    names = ["location gaudin", "locaiton gaudin", "location gaudn", "location gaudin"]
    out = drop_shared(_companies(names), load_stoplist())
    assert out["siren"].tolist() == ["304066582"] * 4 and "placeholder" not in out


def test_read_sources_applies_the_shared_rule(tmp_path):
    (tmp_path / "m.yaml").write_text(MAPPING)
    (tmp_path / "r.csv").write_text(HEADER + "30406658200053;Garage Duval;LYON;;A;B;\n"
                                    "30406658200053;Boulangerie Ferrand;LYON;;C;D;\n"
                                    "30406658200053;Transports Lemoine;LYON;;E;F;\n")
    mentions = read_sources([(str(tmp_path / "m.yaml"), str(tmp_path / "r.csv"))]).mentions
    companies = mentions[mentions["entity_type"] == "company"]
    assert companies["siren"].isna().all() and companies["placeholder"].eq("siren=304066582").all()


def test_resolve_reports_placeholders(tmp_path):
    import subprocess
    import sys

    (tmp_path / "m.yaml").write_text(MAPPING)
    (tmp_path / "r.csv").write_text(HEADER + "00000000000000;Garage Duval;LYON;0000000000;MARTIN;Paul;01/02/1980\n"
                                    "00000000000000;Boulangerie Ferrand;NANTES;;KADDOUR;Samir;03/04/1975\n")
    proc = subprocess.run([sys.executable, "-m", "linkgraph.cli", "resolve", "-m", str(tmp_path / "m.yaml"),
                           str(tmp_path / "r.csv"), "-o", str(tmp_path / "out")], capture_output=True, text=True,
                          check=True, env={**__import__("os").environ, "COLUMNS": "200"})
    assert "placeholder company.siret '00000000000000': 2 mentions" in proc.stdout
    table = pd.read_csv(tmp_path / "out" / "placeholders.csv", dtype=str)
    assert table.to_dict("records") == [{"entity_type": "company", "column": "siret", "value": "00000000000000",
                                         "mentions": "2"},
                                        {"entity_type": "phone", "column": "number", "value": "0000000000",
                                         "mentions": "1"}]
