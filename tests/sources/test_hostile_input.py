"""Issue 13, input never silently corrupted: each case seen in the issue, now a clear error or a
correct parse where rows in = rows kept + rows rejected."""
import json
import logging
import os
from pathlib import Path

import pytest

from linkgraph.errors import MappingError, SourceError
from linkgraph.sources.extract import read_source
from linkgraph.sources.mapping import load_mapping, parse_mapping

HEADER = "nom;prenom;ville"


def _mapping(**over):
    doc = {"source": "t", "agency": "police", "classification": "restricted", "format": "csv", "delimiter": ";",
           "encoding": "auto",
           "mentions": {"p": {"type": "person", "fields": {"last_name": "nom", "first_name": "prenom",
                                                            "city": "ville"}}}}
    doc.update(over)
    return parse_mapping(doc, "t.yaml")


def _write(tmp_path: Path, data: bytes | str, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _read(tmp_path, data, **over):
    ext = read_source(_mapping(**over), _write(tmp_path, data))
    assert (ext.rows["status"] == "ok").sum() + (ext.rows["status"] == "rejected").sum() == len(ext.rows)
    assert set(ext.rejects["row"]) == set(ext.rows.loc[ext.rows["status"] == "rejected", "row"])
    return ext


def _people(ext):
    return ext.mentions[["last_name", "first_name", "city"]].values.tolist()


def test_trailing_delimiter_on_every_row_is_named_and_never_shifts_columns(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="linkgraph.sources"):
        ext = _read(tmp_path, f"{HEADER}\nDURAND;Jean;LYON;\nMARTIN;Paul;NICE;\n")
    assert _people(ext) == [["durand", "jean", "lyon"], ["martin", "paul", "nice"]]
    assert "trailing ';'" in caplog.text and "f.csv" in caplog.text


def test_trailing_delimiter_on_header_and_rows_is_ignored(tmp_path):
    ext = _read(tmp_path, f"{HEADER};\r\nDURAND;Jean;LYON;\r\n")
    assert _people(ext) == [["durand", "jean", "lyon"]]


def test_trailing_delimiter_on_the_header_only_is_ignored(tmp_path):
    ext = _read(tmp_path, f"{HEADER};\nDURAND;Jean;LYON\nMARTIN;Paul;NICE\n")
    assert _people(ext) == [["durand", "jean", "lyon"], ["martin", "paul", "nice"]]


def test_one_extra_field_on_the_first_record_rejects_that_row_only(tmp_path):
    ext = _read(tmp_path, f"{HEADER}\nDURAND;Jean;LYON;X\nMARTIN;Paul;NICE\nPETIT;Luc;PAU\n")
    assert _people(ext) == [["martin", "paul", "nice"], ["petit", "luc", "pau"]]
    assert ext.rejects["row"].tolist() == [1]
    assert ext.rejects["reason"].iloc[0] == 'line 2: 4 fields where the header has 3 (extra: "X")'
    assert "DURAND" in ext.rejects["record"].iloc[0]


def test_too_few_fields_are_rejected_with_line_and_count(tmp_path):
    ext = _read(tmp_path, f"{HEADER}\nDURAND;Jean;LYON\n\nMARTIN;Paul\nPETIT;Luc;PAU\n")
    assert ext.rows["row"].tolist() == [1, 2, 3]
    assert ext.rejects["row"].tolist() == [2]
    assert ext.rejects["reason"].iloc[0] == "line 4: 2 fields where the header has 3 (missing fields)"
    assert len(ext.mentions) == 2


def test_a_quoted_newline_counts_in_line_numbers(tmp_path):
    ext = _read(tmp_path, f'{HEADER}\n"DU\nRAND";Jean;LYON\nMARTIN;Paul;NICE;x;y\n')
    assert ext.rejects["reason"].iloc[0].startswith("line 4: 5 fields")


def test_mostly_ragged_file_says_the_delimiter_may_be_wrong(tmp_path):
    with pytest.raises(SourceError, match="is the delimiter ';' right"):
        _read(tmp_path, "nom;prenom;ville\nDURAND;Jean\nMARTIN;Paul\nPETIT;Luc;PAU\n")


def test_auto_on_utf8_with_one_cp1252_row_is_an_error_naming_the_line(tmp_path):
    data = f"{HEADER}\nLEFÈVRE;Hélène;LYON\n".encode("utf-8") + "MÉRAUD;Zoé;NICE\n".encode("cp1252")
    with pytest.raises(SourceError, match="line 3 is not valid UTF-8") as err:
        _read(tmp_path, data)
    assert "mixes encodings" in str(err.value)


def test_a_whole_cp1252_file_is_still_read_by_auto(tmp_path):
    ext = _read(tmp_path, f"{HEADER}\nLEFÈVRE;Hélène;LYON\n".encode("cp1252"))
    assert _people(ext) == [["lefevre", "helene", "lyon"]]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_bom_and_utf16_files_are_read(tmp_path, codec):
    ext = _read(tmp_path, f"{HEADER}\r\nLEFÈVRE;Hélène;LYON\r\n".encode(codec))
    assert _people(ext) == [["lefevre", "helene", "lyon"]]


def test_utf16_declared_as_utf8_is_named(tmp_path):
    with pytest.raises(SourceError, match="looks like UTF-16"):
        _read(tmp_path, f"{HEADER}\nDURAND;Jean;LYON\n".encode("utf-16-le"), encoding="utf-8")


def test_utf8_file_declared_cp1252_is_detected_not_garbled(tmp_path):
    with pytest.raises(SourceError, match="the file is UTF-8 but the mapping says encoding: cp1252") as err:
        _read(tmp_path, f"{HEADER}\nDURAND;Jean;LYON\nLEFÈVRE;Hélène;LYON\n", encoding="cp1252")
    assert "line 3" in str(err.value) and "Ã" in str(err.value)


def test_bom_contradicting_the_mapping_is_named(tmp_path):
    with pytest.raises(SourceError, match="byte order mark"):
        _read(tmp_path, f"{HEADER}\nDURAND;Jean;LYON\n".encode("utf-8-sig"), encoding="latin-1")


def test_nul_byte_rejects_its_row_naming_the_column(tmp_path):
    ext = _read(tmp_path, f'{HEADER}\n"DUR\0AND";Jean;LYON\nMARTIN;Paul;NICE\n')
    assert _people(ext) == [["martin", "paul", "nice"]]
    reject = ext.rejects.iloc[0]
    assert (reject["row"], reject["column"]) == (1, "nom")
    assert "NUL byte" in reject["reason"] and reject["value"] == "DUR\\x00AND"


def test_nul_byte_in_json_rejects_its_row(tmp_path):
    path = _write(tmp_path, json.dumps([{"nom": "DUR\u0000AND"}, {"nom": "MARTIN"}]), "f.json")
    m = parse_mapping({"source": "j", "agency": "douane", "classification": "secret", "format": "json",
                       "mentions": {"p": {"type": "person", "fields": {"last_name": "nom"}}}}, "j.yaml")
    ext = read_source(m, path)
    assert ext.mentions["last_name"].tolist() == ["martin"] and ext.rejects["row"].tolist() == [1]


def test_numbered_columns_are_distinct_and_only_true_duplicates_refused(tmp_path):
    m = _mapping(mentions={"p": {"type": "person", "fields": {"last_name": "nom", "address": "adresse.1"}}})
    ext = read_source(m, _write(tmp_path, "nom;adresse;adresse.1\nDURAND;1 rue A;2 rue B\n"))
    assert ext.mentions["address"].tolist() == ["2 rue b"]
    with pytest.raises(SourceError, match="duplicate column") as err:
        read_source(m, _write(tmp_path, "nom;adresse;adresse \nDURAND;1 rue A;2 rue B\n"))
    assert "'adresse'" in str(err.value)


def test_json_nested_5000_deep_is_a_clean_error(tmp_path):
    path = _write(tmp_path, "[" * 5000 + "]" * 5000, "deep.json")
    m = parse_mapping({"source": "j", "agency": "douane", "classification": "secret", "format": "json",
                       "mentions": {"p": {"type": "person", "fields": {"last_name": "nom"}}}}, "j.yaml")
    with pytest.raises(SourceError, match="nested too deep"):
        read_source(m, path)
    lines = _write(tmp_path, '{"a":' * 5000 + "1" + "}" * 5000 + "\n", "deep.jsonl")
    with pytest.raises(SourceError, match="nested too deep"):
        read_source(m.model_copy(update={"format": "jsonl"}), lines)


@pytest.mark.parametrize("target, words", [("/dev/zero", "not a regular file"), (".", "not a regular file (a folder)")])
def test_only_regular_files_are_read(target, words):
    with pytest.raises(SourceError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_source(_mapping(), Path(target))


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file"):
        read_source(_mapping(), fifo)


def test_size_limit_refuses_a_big_file_and_can_be_raised(tmp_path, monkeypatch):
    path = _write(tmp_path, HEADER + "\n" + "DURAND;Jean;LYON\n" * 70000)
    monkeypatch.setenv("LINKGRAPH_MAX_INPUT_MB", "1")
    with pytest.raises(SourceError, match="over the 1 MB limit .*LINKGRAPH_MAX_INPUT_MB"):
        read_source(_mapping(), path)
    monkeypatch.setenv("LINKGRAPH_MAX_INPUT_MB", "2")
    assert len(read_source(_mapping(), path).rows) == 70000


def test_data_roots_confine_files_when_set(tmp_path, monkeypatch):
    inside = tmp_path / "data"
    inside.mkdir()
    good = _write(inside, f"{HEADER}\nDURAND;Jean;LYON\n")
    monkeypatch.setenv("LINKGRAPH_DATA_ROOTS", str(inside))
    assert len(read_source(_mapping(), good).mentions) == 1
    with pytest.raises(SourceError, match="outside the data folders"):
        read_source(_mapping(), Path("/etc/passwd"))


def test_implausible_dates_reject_their_rows_with_the_reason(tmp_path):
    m = _mapping(date="faits", mentions={"p": {"type": "person", "fields": {"last_name": "nom", "dob": "ddn"}}})
    path = _write(tmp_path, "faits;nom;ddn\n01/02/2021;A;01/01/1850\n01/02/2021;B;01/01/2090\n"
                            "01/02/2091;C;01/01/1990\n01/02/2021;D;01/01/1990\n")
    ext = read_source(m, path)
    reasons = dict(zip(ext.rejects["row"], ext.rejects["reason"]))
    assert "before 1900" in reasons[1] and "in the future" in reasons[2] and "date of facts" in reasons[3]
    assert ext.mentions["last_name"].tolist() == ["d"]


@pytest.mark.parametrize("key, value, words", [
    ("delimiter", ";;", "delimiter must be one character"),
    ("encoding", "klingon", "unknown encoding 'klingon'"),
    ("date", {"column": "d", "format": "%Q%Q"}, "unknown directive %Q"),
    ("date", {"column": "d", "format": "dd/mm/yyyy"}, "no directive"),
])
def test_validate_refuses_bad_delimiter_codec_and_date_format(key, value, words):
    with pytest.raises(MappingError, match=words):
        _mapping(**{key: value})


def test_field_date_format_is_checked_too():
    with pytest.raises(MappingError, match="mentions.p.fields.dob.format: invalid date format"):
        _mapping(mentions={"p": {"type": "person", "fields": {"dob": {"column": "d", "format": "%Q"}}}})


def test_duplicate_yaml_keys_are_refused(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("source: t\nagency: police\nclassification: restricted\nformat: csv\nformat: json\n"
                    "mentions: {p: {type: person, fields: {last_name: nom}}}\n", encoding="utf-8")
    with pytest.raises(MappingError, match="duplicate key 'format'"):
        load_mapping(path)


def test_bracketed_column_names_stay_in_messages(tmp_path):
    m = _mapping(mentions={"p": {"type": "person", "fields": {"last_name": "[nom]"}}})
    with pytest.raises(SourceError) as err:
        read_source(m, _write(tmp_path, "[NOM];prenom\nDURAND;Jean\n"))
    assert "'[nom]'" in str(err.value) and "did you mean '[NOM]'" in str(err.value)


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"])
def test_every_line_ending_is_read(tmp_path, end):
    ext = _read(tmp_path, end.join([HEADER, "DURAND;Jean;LYON", "MARTIN;Paul;NICE;x", "PETIT;Luc;PAU"]) + end)
    assert _people(ext) == [["durand", "jean", "lyon"], ["petit", "luc", "pau"]]
    assert ext.rejects["reason"].iloc[0].startswith("line 3: 4 fields")
