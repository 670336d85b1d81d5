"""Reading agency files: encodings, missing columns, rejects, and the row count invariant."""
from pathlib import Path

import pytest

from linkgraph.errors import SourceError
from linkgraph.sources.extract import read_source
from linkgraph.sources.mapping import parse_mapping

ACCENTS = "Hélène Bèrçeau-Lœuvre 2 500 €"


def _mapping(**over):
    doc = {"source": "t", "agency": "police", "classification": "restricted", "format": "csv", "delimiter": ";",
           "date": "date", "attributes": {"note": "obs"},
           "mentions": {"p": {"type": "person", "fields": {"full_name": "nom", "dob": "ddn"}},
                        "tel": {"type": "phone", "fields": {"number": "tel"}}},
           "relations": [{"type": "uses", "from": "p", "to": "tel"}]}
    doc.update(over)
    return parse_mapping(doc, "t.yaml")


ROWS = [
    ["12/03/2021", "BEN ALI Mohamed", "01/02/1990", "06 12 34 56 78", ACCENTS],
    ["13/03/2021", "DUPONT Hélène", "31/02/1990", "", "date impossible"],
    ["14/03/2021", "MARTIN François", "05/06/1985", "0012", "téléphone faux"],
    ["15/03/2021", "", "", "", "rien"],
    ["16/03/2021", "LŒUVRE Zoé", "", "+33 7 00 00 00 01", "œuvre"],
]


def _write(path: Path, encoding: str, rows=ROWS, header="date;nom;ddn;tel;obs") -> Path:
    text = "\n".join([header] + [";".join(r) for r in rows]) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
def test_encodings_are_read_exactly(tmp_path, encoding):
    ext = read_source(_mapping(), _write(tmp_path / "f.csv", encoding))
    first = ext.rows.iloc[0]
    assert ACCENTS in first["attributes"]
    person = ext.mentions[ext.mentions["mention_id"] == "t:1:p"].iloc[0]
    assert "BEN ALI Mohamed" in person["raw"]
    assert ext.mentions.loc[ext.mentions["mention_id"] == "t:5:p", "raw"].iloc[0].count("LŒUVRE Zoé") == 1


def test_unparseable_values_are_rejected_with_file_row_and_column(tmp_path):
    path = _write(tmp_path / "f.csv", "utf-8")
    ext = read_source(_mapping(), path)
    rej = ext.rejects.set_index("row")
    assert rej.loc[2, "column"] == "ddn" and "31/02/1990" in rej.loc[2, "value"]
    assert rej.loc[3, "column"] == "tel"
    assert rej.loc[4, "reason"].startswith("empty row")
    assert (ext.rejects["file"] == str(path)).all()
    # rows in = rows resolved + rows rejected
    assert len(ext.rows) == 5
    assert (ext.rows["status"] == "ok").sum() + ext.rejects["row"].nunique() == 5
    assert set(ext.mentions["row"]) == {1, 5}
    assert "BEN ALI" not in " ".join(ext.rejects["record"])  # row 1 was kept, not rejected


def test_missing_mapped_column_names_file_and_column(tmp_path):
    path = _write(tmp_path / "f.csv", "utf-8", header="date;nom;naissance;tel;obs")
    with pytest.raises(SourceError) as err:
        read_source(_mapping(), path)
    assert str(path) in str(err.value) and "'ddn'" in str(err.value)


def test_undecodable_byte_names_the_line(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("date;nom;ddn;tel;obs\n12/03/2021;A;;;\n12/03/2021;B\x81;;;\n".encode("latin-1"))
    with pytest.raises(SourceError, match="line 3"):
        read_source(_mapping(encoding="utf-8"), path)


def test_json_records_nested_objects(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('[{"d": "2021-03-04", "personne": {"nom": "Benali", "prenom": "Mohamed"}, "v": null},'
                    ' {"d": "2021-03-05", "personne": null}]', encoding="utf-8")
    m = parse_mapping({"source": "s", "agency": "douane", "classification": "secret", "format": "json",
                       "date": "d", "mentions": {"p": {"type": "person", "fields": {
                           "last_name": "personne.nom", "first_name": "personne.prenom"}}}}, "s.yaml")
    ext = read_source(m, path)
    assert ext.mentions["mention_id"].tolist() == ["s:1:p"]
    assert ext.mentions["last_name"].iloc[0] == "benali"
    assert ext.rejects["reason"].tolist() == ["empty row: no mention"]


def test_hostile_strings_are_kept_as_data(tmp_path):
    rows = [["12/03/2021", "<img src=x onerror=alert(1)> =cmd|' /C calc'!A0", "", "", "</script>"]]
    ext = read_source(_mapping(), _write(tmp_path / "f.csv", "utf-8", rows))
    assert "<img src=x onerror=alert(1)>" in ext.mentions["raw"].iloc[0]
    assert len(ext.rows) == 1
