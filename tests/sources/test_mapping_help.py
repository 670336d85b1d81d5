"""Issue 13, mapping help: `linkgraph mapping new`, `validate --file`, and XLSX input."""
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from linkgraph.api import resolve_sources
from linkgraph.cli import app
from linkgraph.errors import SourceError
from linkgraph.sources.extract import read_source
from linkgraph.sources.mapping import load_mapping
from linkgraph.sources.propose import propose_mapping, sniff_delimiter

REPO = Path(__file__).resolve().parents[2]
POLICE = REPO / "fixtures" / "data" / "police_procedures.csv"
POLICE_MAPPING = REPO / "rules" / "sources" / "police_procedures.yaml"


def _cli(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def _partition(result, slot_types: dict[str, str]) -> set[frozenset]:
    """Entities as sets of (row, entity type): independent of slot names and entity ids."""
    m = result.mentions
    keys = list(zip(m["row"].astype(int), m["slot"].map(slot_types)))
    groups: dict[str, set] = {}
    for key, entity in zip(keys, m["entity_id"]):
        groups.setdefault(entity, set()).add(key)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.slow
def test_mapping_new_on_the_police_file_resolves_like_the_bundled_mapping(tmp_path):
    out = tmp_path / "police.yaml"
    result = _cli("mapping", "new", POLICE, "-o", out, "--agency", "police", "--classification", "confidential")
    assert result.exit_code == 0, result.output
    proposed = load_mapping(out)
    assert (proposed.encoding, proposed.delimiter, proposed.record_id, proposed.date.column) == \
        ("cp1252", ";", "num_procedure", "date_faits")
    assert "infraction" in result.output and "observations" in result.output  # the columns it did not place
    bundled = load_mapping(POLICE_MAPPING)
    ours = resolve_sources([(proposed, None)])
    theirs = resolve_sources([(bundled, POLICE)])
    types = lambda m: {slot: spec.type for slot, spec in m.mentions.items()}  # noqa: E731
    assert _partition(ours, types(proposed)) == _partition(theirs, types(bundled))
    assert ours.rejects[["row", "column"]].values.tolist() == theirs.rejects[["row", "column"]].values.tolist()
    assert sorted(ours.relations["type"]) == sorted(theirs.relations["type"])


def test_mapping_new_prints_yaml_and_reads_french_and_english_names(tmp_path):
    data = tmp_path / "export.csv"
    data.write_text("Date des faits,Last Name,First name,DDN,Portable,Plaque,SIREN,Raison sociale,Remarque\n"
                    "2021-03-04,Durand,Jean,1990-01-02,06 12 34 56 78,AB-123-CD,732829320,ACME SARL,rien\n",
                    encoding="utf-8")
    result = _cli("mapping", "new", data)
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(result.output)
    assert doc["delimiter"] == "," and doc["date"] == {"column": "Date des faits", "format": "%Y-%m-%d"}
    fields = {slot: m["fields"] for slot, m in doc["mentions"].items()}
    assert fields["person"]["last_name"] == "Last Name" and fields["person"]["dob"]["column"] == "DDN"
    assert fields["phone"]["number"]["column"] == "Portable" and fields["vehicle"]["plate"] == "Plaque"
    assert fields["company"] == {"siren": "SIREN", "name": "Raison sociale"}
    assert doc["attributes"] == {"remarque": "Remarque"}
    assert {(r["from"], r["type"], r["to"]) for r in doc["relations"]} >= {("person", "uses", "phone"),
                                                                          ("person", "drives", "vehicle")}


def test_mapping_new_groups_prefixed_columns_and_says_what_it_cannot_guess(tmp_path):
    proposal = propose_mapping(REPO / "fixtures" / "data" / "registre_societes.csv")
    slots = proposal.document["mentions"]
    assert slots["dirigeant1"]["fields"]["last_name"] == "dirigeant1_nom"
    assert slots["dirigeant2"]["fields"]["dob"] == {"column": "dirigeant2_date_naissance", "dayfirst": True}
    assert any("forme_juridique" in n for n in proposal.notes)
    empty = tmp_path / "x.csv"
    empty.write_text("foo;bar\n1;2\n", encoding="utf-8")
    with pytest.raises(Exception, match="no column could be read"):
        propose_mapping(empty)


def test_delimiter_sniffing():
    assert sniff_delimiter("a;b,c;d\n1;2,3;4\n") == ";"
    assert sniff_delimiter("a\tb\tc\n1\t2\t3\n") == "\t"
    assert sniff_delimiter("a|b\n1|2\n") == "|"


def test_validate_file_names_missing_columns_with_the_nearest_one(tmp_path):
    data = tmp_path / "renamed.csv"
    text = POLICE.read_bytes().decode("cp1252").replace("date_naissance", "Date_Naissance", 1)
    data.write_bytes(text.encode("cp1252"))
    result = _cli("validate", POLICE_MAPPING, "--file", data)
    assert result.exit_code == 2
    assert "column 'date_naissance' of the mapping is not in the file (did you mean 'Date_Naissance'?)" in result.output
    ok = _cli("validate", POLICE_MAPPING, "--file", POLICE)
    assert ok.exit_code == 0 and "537 rows" in ok.output and "column 'telephone': 1 rejected" in ok.output


def test_validate_file_reports_bracketed_columns_intact(tmp_path):
    data = tmp_path / "b.csv"
    data.write_text("[NOM];prenom\nDURAND;Jean\n", encoding="utf-8")
    mapping = tmp_path / "b.yaml"
    mapping.write_text("source: b\nagency: police\nclassification: restricted\nformat: csv\ndelimiter: ';'\n"
                       "mentions: {p: {type: person, fields: {last_name: '[nom]'}}}\n", encoding="utf-8")
    result = _cli("validate", mapping, "--file", data)
    assert result.exit_code == 2 and "'[nom]'" in result.output and "did you mean '[NOM]'" in result.output


def test_validate_refuses_hostile_mapping_values(tmp_path):
    for line, words in [("delimiter: ';;'", "delimiter must be one character"),
                        ("encoding: klingon", "unknown encoding"), ("format: csv", "duplicate key 'format'")]:
        mapping = tmp_path / "m.yaml"
        mapping.write_text(f"source: b\nagency: police\nclassification: restricted\nformat: csv\n{line}\n"
                           "mentions: {p: {type: person, fields: {last_name: nom}}}\n", encoding="utf-8")
        result = _cli("validate", mapping)
        assert result.exit_code == 2 and words in result.output


def _xlsx_copy(csv_path: Path, out: Path, sheet: str, dates: tuple[str, ...] = ()) -> Path:
    """The CSV's cells in a workbook (a decoy sheet first); ``dates`` columns as real date cells."""
    frame = pd.read_csv(csv_path, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["not the data"])
    ws = book.create_sheet(sheet)
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        cells = list(row)
        for i, col in enumerate(frame.columns):
            if col in dates and cells[i]:
                try:
                    cells[i] = pd.to_datetime(cells[i], format="%d/%m/%Y").to_pydatetime()
                except ValueError:
                    pass  # an impossible date stays text, as an export would leave it
        ws.append(cells)
    book.save(out)
    return out


@pytest.mark.slow
def test_an_xlsx_copy_resolves_to_the_same_entities_as_the_csv(tmp_path):
    bundled = load_mapping(POLICE_MAPPING)
    workbook = _xlsx_copy(POLICE, tmp_path / "police.xlsx", "export", dates=("date_faits", "date_naissance"))
    xlsx = bundled.model_copy(update={"format": "xlsx", "sheet": "export", "encoding": "auto"})
    from_csv = resolve_sources([(bundled, POLICE)])
    from_xlsx = resolve_sources([(xlsx, workbook)])
    cols = ["mention_id", "entity_id", "entity_type", "row", "date"]
    assert from_xlsx.mentions[cols].equals(from_csv.mentions[cols])
    assert from_xlsx.entities.drop(columns=[c for c in from_xlsx.entities if "file" in c]).equals(
        from_csv.entities.drop(columns=[c for c in from_csv.entities if "file" in c]))
    assert from_xlsx.rejects[["row", "column"]].values.tolist() == from_csv.rejects[["row", "column"]].values.tolist()


def test_xlsx_sheet_errors_and_a_fake_workbook_are_clear(tmp_path):
    workbook = _xlsx_copy(POLICE, tmp_path / "police.xlsx", "export")
    m = load_mapping(POLICE_MAPPING).model_copy(update={"format": "xlsx", "sheet": "Feuil1"})
    with pytest.raises(SourceError, match="no sheet named 'Feuil1': the workbook has 'notes', 'export'"):
        read_source(m, workbook)
    with pytest.raises(SourceError, match="mapped column missing"):
        read_source(m.model_copy(update={"sheet": 0}), workbook)
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"num;date\n1;2\n")
    with pytest.raises(SourceError, match="not an XLSX workbook"):
        read_source(m, fake)


def test_mapping_new_reads_nested_json_and_picks_the_data_sheet_of_a_workbook(tmp_path):
    doc = propose_mapping(REPO / "fixtures" / "data" / "douane_saisies.json").document
    assert doc["format"] == "json" and doc["record_id"] == "ref"
    assert doc["mentions"]["personne"]["fields"]["dob"] == {"column": "personne.date_naissance", "format": "%Y-%m-%d"}
    assert doc["mentions"]["societe"]["fields"] == {"name": "societe.raison_sociale", "siren": "societe.siren"}
    assert "societe" not in doc["mentions"].get("company", {}).get("fields", {}).values()
    workbook = _xlsx_copy(POLICE, tmp_path / "police.xlsx", "export")
    proposal = propose_mapping(workbook)
    assert proposal.document["sheet"] == "export" and any("'notes', 'export'" in n for n in proposal.notes)
    assert proposal.document["mentions"]["person"]["fields"]["full_name"]["column"] == "NOM Prénom"


@pytest.mark.parametrize("target", ["/dev/zero", "missing.csv"])
def test_mapping_new_on_a_bad_file_is_a_clear_error(target):
    result = _cli("mapping", "new", target)
    assert result.exit_code == 2 and "error:" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
