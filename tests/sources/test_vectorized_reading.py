"""Reading helpers that work once per distinct value or once per file give the per-value results."""
import json

import pandas as pd
import pytest

from linkgraph.errors import SourceError
from linkgraph.normalize import name_key, normalize_name, phonetic_key, split_full_name
from linkgraph.normalize.fields import normalize_field
from linkgraph.sources.extract import _split_full_names
from linkgraph.sources.readers import _frame_of_records, _json_lines


def test_name_columns_equal_the_per_value_normalizers():
    raw = pd.Series(["BEN ALI", "Ben-Ali", "ben ali", "François", "FRANCOIS", "Çelik", "", "  ", "---", "Moḥamed"])
    out, errors = normalize_field("person", "last_name", raw)
    assert out["last_name"].tolist() == [normalize_name(v) for v in raw]
    assert out["last_key"].tolist() == [name_key(v) for v in raw]
    assert out["last_phon"].tolist() == [phonetic_key(v) for v in raw]   # ç read as s, not c
    assert out["last_phon"][3] != out["last_phon"][4]
    assert errors.isna().all()


def test_full_names_split_once_per_value():
    raw = pd.Series(["BEN ALI Mohamed", "Mohamed BEN ALI", "BEN ALI Mohamed", "", "dupont jean"])
    first, last = _split_full_names(raw, "auto")
    for k, v in enumerate(raw):
        assert (first[k], last[k]) == split_full_name(v, order="auto")


def test_json_lines_in_one_parse_and_errors_name_the_record():
    assert _json_lines('{"a": 1}\n\n  {"a": 2}\n', "f.jsonl") == [{"a": 1}, {"a": 2}]
    with pytest.raises(SourceError) as err:
        _json_lines('{"a": 1}\n{"a": 2}, {"a": 3}\n', "f.jsonl")   # two values on one line
    assert "row 2" in str(err.value)
    with pytest.raises(SourceError):
        _json_lines('{"a": 1}\n{"a": \n', "f.jsonl")


def test_records_frame_keeps_text_and_spells_other_values():
    df = _frame_of_records([{"a": "x", "b": {"c": 1, "d": [1, 2]}}, {"a": None, "b": {"c": 2}}], "f.json")
    assert df["a"].tolist() == ["x", ""]
    assert df["b.c"].tolist() == ["1", "2"]
    assert df["b.d"].tolist() == [json.dumps([1, 2]), ""]
    with pytest.raises(SourceError):
        _frame_of_records([{"a": 1}, [1]], "f.json")


def test_files_read_in_parallel_give_the_same_extraction(tmp_path):
    from linkgraph.api import load_mappings, read_sources

    specs = [(m, None) for m in load_mappings()]
    one, two = read_sources(specs), read_sources(specs, workers=2)
    for part in ("rows", "mentions", "relations", "rejects"):
        pd.testing.assert_frame_equal(getattr(one, part), getattr(two, part))
    bad = specs[:2] + [(specs[2][0], tmp_path / "missing.csv")]
    with pytest.raises(SourceError) as err:   # a worker's error is raised here, as itself
        read_sources(bad, workers=2)
    assert err.value.path == str(tmp_path / "missing.csv")


def test_full_names_split_many_equals_the_scalar_split():
    """The regular-expression path of ``split_full_names`` gives ``split_full_name``'s answer."""
    import random

    from linkgraph.normalize.names import split_full_names

    rnd = random.Random(11)
    surnames = ["DUPONT", "BEN ALI", "N'DIAYE", "ÉLISÉE", "LE GALL", "DE", "BEN", "AÏT-AHMED", "O", "Mc", "DA SILVA"]
    given = ["Jean-Pierre", "Mohamed", "Zoé", "Ben", "De", "Dé", "Ali-Ben", "Saint", "Éloïse", "jean", "Anne Marie"]
    values = [" ".join(rnd.sample(surnames, rnd.randint(1, 2)) + rnd.sample(given, rnd.randint(1, 2))) for _ in range(400)]
    values += [" ".join(rnd.sample(given, rnd.randint(1, 2)) + rnd.sample(surnames, rnd.randint(1, 2))) for _ in range(400)]
    values += ["", "  ", "DUPONT,  Jean", "DUPONT  Jean", " DUPONT Jean", "DUPONT Jean\u200b", "DUPONT", "ŒUVRE Zoé",
               "DUPONT Jean\u2028", None, "dupont jean"]
    for order in ("auto", "last_first", "first_last"):
        first, last = split_full_names(values, order=order)
        assert list(zip(first, last)) == [split_full_name(v, order=order) for v in values], order
    with pytest.raises(ValueError):
        split_full_names(["A B"], order="backwards")


def test_raw_json_keeps_each_row_its_own_values_whatever_the_characters():
    """Line and paragraph separators inside a value do not shift the JSON of later rows."""
    from linkgraph.sources.extract import _json_rows

    frame = pd.DataFrame({"nom/é": ["a\u2028b", "c\x85d", "  ", "\"<x>\"\n", "é\\/", "\ud800", None, "z"],
                          "k": ["1", "", "2", "3", "4", "5", "6", "7"]})
    out = _json_rows(frame, len(frame))
    assert len(out) == len(frame)
    decoded = [json.loads(s) for s in out]
    for row, obj in zip(frame.itertuples(index=False), decoded):
        assert list(obj) == ["nom/é", "k"]
        for key, cell in zip(["nom/é", "k"], row):
            assert obj[key] == (cell if cell is not None and cell.strip() else None)
