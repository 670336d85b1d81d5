"""Issue 13, fuzz: a table of hostile files (and seeded random corruptions of a good one) read by
`linkgraph resolve -m MAPPING FILE`: exit code 0 or 2, no traceback, nothing partial written,
and when it succeeds, rows in = rows resolved + rows rejected."""
import io
import json
import os
import random
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkgraph.cli import app

CSV_MAPPING = """\
source: fuzz
agency: police
classification: restricted
format: csv
encoding: {encoding}
delimiter: ";"
date: {{column: date, dayfirst: true}}
record_id: ref
attributes: {{note: obs}}
mentions:
  p:
    type: person
    fields: {{full_name: nom, dob: ddn}}
  t:
    type: phone
    fields: {{number: tel}}
  v:
    type: vehicle
    fields: {{plate: plaque}}
relations:
  - {{type: uses, from: p, to: t}}
  - {{type: drives, from: p, to: v}}
"""
JSON_MAPPING = """\
source: fuzzj
agency: douane
classification: secret
format: {format}
mentions:
  p:
    type: person
    fields: {{last_name: personne.nom, dob: personne.ddn}}
"""
HEADER = "ref;date;nom;ddn;tel;plaque;obs"
GOOD_ROWS = ["1;12/03/2021;BEN ALI Mohamed;01/02/1990;06 12 34 56 78;AB-123-CD;vu",
             "2;13/03/2021;DUPONT Hélène;05/06/1985;0692 12 34 56;;néant",
             "3;14/03/2021;MARTIN François;;+33 7 00 00 00 01;1234 ABC 75;"]
GOOD = (HEADER + "\n" + "\n".join(GOOD_ROWS) + "\n").encode("utf-8")


def _csv(*rows: str, header: str = HEADER, end: str = "\n") -> bytes:
    return (end.join([header, *rows]) + end).encode("utf-8")


HOSTILE_CSV: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "auto"),
    "bom only": (b"\xef\xbb\xbf", "auto"),
    "header only": (_csv(), "auto"),
    "blank lines": (b"\n\n" + GOOD + b"\n\n\n", "auto"),
    "trailing delimiter": (_csv(*[r + ";" for r in GOOD_ROWS]), "auto"),
    "extra field first": (_csv(GOOD_ROWS[0] + ";X", *GOOD_ROWS[1:]), "auto"),
    "too few fields": (_csv("1;12/03/2021;DURAND Jean", *GOOD_ROWS[1:]), "auto"),
    "all ragged": (_csv("1;2", "3;4", "5;6"), "auto"),
    "wrong delimiter": (GOOD.replace(b";", b","), "auto"),
    "unterminated quote": (_csv(GOOD_ROWS[0], '2;13/03/2021;"DUPONT;;;;;'), "auto"),
    "quoted newline": (_csv('1;12/03/2021;"BEN\nALI Mohamed";;;;'), "auto"),
    "nul byte": (_csv('1;12/03/2021;"DUR\0AND Jean";;;;', *GOOD_ROWS[1:]), "auto"),
    "nul everywhere": (b"\0" * 5000, "auto"),
    "cr only": (GOOD.replace(b"\n", b"\r"), "auto"),
    "crlf": (GOOD.replace(b"\n", b"\r\n"), "auto"),
    "mixed encodings": (GOOD + "4;15/03/2021;LEFÈVRE Zoé;;;;\n".encode("cp1252"), "auto"),
    "utf-8 declared cp1252": (GOOD, "cp1252"),
    "cp1252 declared utf-8": (GOOD.decode("utf-8").encode("cp1252"), "utf-8"),
    "utf-16 bom": (GOOD.decode("utf-8").encode("utf-16"), "auto"),
    "utf-16-le no bom": (GOOD.decode("utf-8").encode("utf-16-le"), "auto"),
    "utf-16-be declared utf-8": (GOOD.decode("utf-8").encode("utf-16-be"), "utf-8"),
    "invalid utf-8 surrogate": (GOOD + b"4;15/03/2021;\xed\xa0\x80;;;;\n", "utf-8"),
    "undefined cp1252 byte": (GOOD.decode("utf-8").encode("cp1252") + b"4;x;\x81;;;;\n", "cp1252"),
    "random binary": (bytes(random.Random(1).randrange(256) for _ in range(4000)), "auto"),
    "huge field": (_csv("1;12/03/2021;" + "A" * 2_000_000 + ";;;;"), "auto"),
    "10k columns": (_csv(HEADER + ";" + ";".join(f"c{i}" for i in range(10000)), header=HEADER), "auto"),
    "duplicate header": (_csv(*GOOD_ROWS, header=HEADER.replace("obs", "nom")), "auto"),
    "markup header": (_csv(*GOOD_ROWS, header=HEADER.replace("nom", "[bold red]nom[/]")), "auto"),
    "markup values": (_csv("1;12/03/2021;[red]X[/red] [link=http://x]y[/link];;;;"), "auto"),
    "formula cells": (_csv("1;12/03/2021;=cmd|' /C calc'!A0;;+33612345678;;@SUM(1)"), "auto"),
    "implausible dates": (_csv("1;12/03/2091;DURAND Jean;01/01/1850;;;", "2;12/03/2021;MARTIN Paul;01/01/2090;;;"),
                          "auto"),
    "impossible plates": (_csv("1;12/03/2021;DURAND Jean;;;OO-123-OO;", "2;12/03/2021;MARTIN Paul;;;AB-12-CD;"), "auto"),
    "unicode tricks": (_csv("1;12/03/2021;\u202eDURAND\u200b Jean\U0001F600;;;;\u2028x"), "auto"),
    "only separators": (_csv(";;;;;;", ";;;;;;"), "auto"),
    "every row empty": (_csv("", "", ""), "auto"),
}

HOSTILE_JSON: dict[str, tuple[bytes, str]] = {
    "deep array": (b"[" * 5000 + b"]" * 5000, "json"),
    "deep object in record": (b'[{"personne":' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"}]", "json"),
    "not an array": (b'{"personne": {"nom": "X"}}', "json"),
    "array of numbers": (b"[1, 2, 3]", "json"),
    "nan and infinity": (b'[{"personne": {"nom": NaN, "ddn": Infinity}}]', "json"),
    "huge number": (b'[{"personne": {"nom": 1e999, "ddn": 123456789012345678901234567890}}]', "json"),
    "5000-digit number": (b'[{"personne": {"nom": 1' + b"0" * 5000 + b'}}]', "json"),
    "5000-digit number in lines": (b'{"personne": {"nom": 1' + b"0" * 5000 + b'}}\n', "jsonl"),
    "line separators in strings": ('{"personne": {"nom": "A\u2028B\x85C"}}\n'.encode(), "jsonl"),
    "duplicate keys": (b'[{"personne": {"nom": "A", "nom": "B"}}]', "json"),
    "nul in string": (b'[{"personne": {"nom": "DUR\\u0000AND"}}, {"personne": {"nom": "MARTIN"}}]', "json"),
    "truncated": (b'[{"personne": {"nom": "A"}', "json"),
    "empty array": (b"[]", "json"),
    "lines with garbage": (b'{"personne": {"nom": "A"}}\n\nnot json\n', "jsonl"),
    "deep lines": (b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"\n", "jsonl"),
    "lines of arrays": (b"[1]\n[2]\n", "jsonl"),
}


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


HOSTILE_XLSX: dict[str, bytes] = {
    "csv named xlsx": GOOD,
    "empty zip": _zip({}),
    "zip of junk": _zip({"xl/workbook.xml": b"<not xml", "[Content_Types].xml": b"\0\0"}),
    "zip bomb-ish": _zip({"a.xml": b"0" * 50_000_000}),
}


def _resolve(tmp_path: Path, mapping_text: str, data: bytes | None, target: Path | None = None,
             env: dict | None = None) -> None:
    tmp_path.mkdir(parents=True, exist_ok=True)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(mapping_text, encoding="utf-8")
    if target is None:
        target = tmp_path / "data.bin"
        target.write_bytes(data)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["resolve", "-m", str(mapping), str(target), "-o", str(out)], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert not out.exists() or not any(out.iterdir()), "partial output left behind"
        assert "error" in result.output.lower()
    else:
        summary = json.loads((out / "summary.json").read_text())
        assert summary["rows_in"] == summary["rows_resolved"] + summary["rows_rejected"]


@pytest.mark.parametrize("case", list(HOSTILE_CSV))
def test_hostile_csv(tmp_path, case):
    data, encoding = HOSTILE_CSV[case]
    _resolve(tmp_path, CSV_MAPPING.format(encoding=encoding), data)


@pytest.mark.parametrize("case", list(HOSTILE_JSON))
def test_hostile_json(tmp_path, case):
    data, fmt = HOSTILE_JSON[case]
    _resolve(tmp_path, JSON_MAPPING.format(format=fmt), data)


@pytest.mark.parametrize("case", list(HOSTILE_XLSX))
def test_hostile_xlsx(tmp_path, case):
    mapping = CSV_MAPPING.format(encoding="auto").replace("format: csv", "format: xlsx").replace('delimiter: ";"\n', "")
    _resolve(tmp_path, mapping, HOSTILE_XLSX[case], env={"LINKGRAPH_MAX_INPUT_MB": "1"})


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null", "/", "missing.csv", "fifo", "link to /dev/zero"])
def test_hostile_paths(tmp_path, target):
    path = Path(target)
    if target == "fifo":
        path = tmp_path / "fifo.csv"
        os.mkfifo(path)
    elif target == "link to /dev/zero":
        path = tmp_path / "zero.csv"
        path.symlink_to("/dev/zero")
    elif target == "missing.csv":
        path = tmp_path / target
    _resolve(tmp_path / "run", CSV_MAPPING.format(encoding="auto"), None, target=path)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(40))
def test_random_corruptions_of_a_good_file(tmp_path, seed):
    rng = random.Random(seed)
    data = bytearray(GOOD.decode("utf-8").encode(rng.choice(["utf-8", "cp1252", "utf-16"])))
    for _ in range(rng.randrange(1, 12)):
        op, pos = rng.randrange(3), rng.randrange(len(data) + 1)
        if op == 0 and pos < len(data):
            data[pos] = rng.choice([0, 0x0A, 0x0D, 0x22, 0x3B, 0x81, 0xC3, 0xFF, rng.randrange(256)])
        elif op == 1:
            data[pos:pos] = bytes(rng.choice([b";", b'"', b"\n", b"\0", b"\xe9", b"\xc3\xa9", b"[/]"]))
        elif pos < len(data):
            del data[pos]
    _resolve(tmp_path, CSV_MAPPING.format(encoding=rng.choice(["auto", "utf-8", "cp1252"])), bytes(data))


BASE = "source: f\nagency: police\nclassification: restricted\nformat: csv\ndelimiter: ';'\n"
PERSON = "mentions: {p: {type: person, fields: {last_name: nom}}}\n"
HOSTILE_MAPPINGS: dict[str, bytes] = {
    "empty": b"",
    "a list": b"- a\n- b\n",
    "a scalar": b"42\n",
    "python tag": (BASE + "x: !!python/object/apply:os.system ['echo pwned']\n" + PERSON).encode(),
    "billion laughs": (BASE + "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "mentions: {p: {type: person, fields: {last_name: nom}}, q: [*d, *d, *d, *d, *d, *d]}\n").encode(),
    "deep yaml": (BASE + "x: " + "[" * 5000 + "]" * 5000 + "\n" + PERSON).encode(),
    "duplicate keys": (BASE + "delimiter: ','\n" + PERSON).encode(),
    "not utf-8": (BASE + "agency: pol\xe9ce\n" + PERSON).encode("latin-1"),
    "bad delimiter": BASE.replace("';'", "';;'").encode() + PERSON.encode(),
    "empty delimiter": BASE.replace("';'", "''").encode() + PERSON.encode(),
    "klingon": (BASE + "encoding: klingon\n" + PERSON).encode(),
    "bad date format": (BASE + "date: {column: d, format: '%Q%Q'}\n" + PERSON).encode(),
    "lone percent": (BASE + "date: {column: d, format: '%'}\n" + PERSON).encode(),
    "sheet on csv": (BASE + "sheet: 2\n" + PERSON).encode(),
    "unhashable key": (BASE + "? [a, b]\n: c\n" + PERSON).encode(),
    "markup column": (BASE + "mentions: {p: {type: person, fields: {last_name: '[bold red]nom[/]'}}}\n").encode(),
    "huge number": (BASE + "sheet: 1" + "0" * 5000 + "\n" + PERSON).encode(),
    "no fields": (BASE + "mentions: {p: {type: person, fields: {}}}\n").encode(),
    "file is a device": (BASE + "file: /dev/zero\n" + PERSON).encode(),
    "file is a folder": (BASE + "file: /\n" + PERSON).encode(),
}


@pytest.mark.parametrize("case", list(HOSTILE_MAPPINGS))
def test_hostile_mappings(tmp_path, case):
    mapping = tmp_path / "m.yaml"
    mapping.write_bytes(HOSTILE_MAPPINGS[case])
    data = tmp_path / "d.csv"
    data.write_bytes(b"nom;d\nDURAND;01/02/2021\n")
    for args in (["validate", str(mapping)], ["validate", str(mapping), "--file", str(data)],
                 ["resolve", "-m", str(mapping), "-o", str(tmp_path / "out")]):
        result = CliRunner().invoke(app, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
        assert result.exit_code in (0, 2) and "Traceback" not in result.output, (args, result.output)
        assert "pwned" not in result.output
    assert not (tmp_path / "out").exists() or result.exit_code == 0


def test_mapping_paths_that_are_not_documents(tmp_path):
    for target in ("/dev/zero", "/", str(tmp_path / "missing.yaml")):
        result = CliRunner().invoke(app, ["validate", target])
        assert result.exit_code == 2 and "error" in result.output and result.exception is None or \
            isinstance(result.exception, SystemExit)


ALL_FILES = {**{f"csv {k}": (v[0], ".csv") for k, v in HOSTILE_CSV.items()},
             **{f"json {k}": (v[0], "." + v[1]) for k, v in HOSTILE_JSON.items()},
             **{f"xlsx {k}": (v, ".xlsx") for k, v in HOSTILE_XLSX.items()}}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(ALL_FILES))
def test_mapping_new_on_hostile_files(tmp_path, case):
    data, suffix = ALL_FILES[case]
    path = tmp_path / f"data{suffix}"
    path.write_bytes(data)
    out = tmp_path / "m.yaml"
    result = CliRunner().invoke(app, ["mapping", "new", str(path), "-o", str(out)],
                                env={"LINKGRAPH_MAX_INPUT_MB": "1"} if suffix == ".xlsx" else None)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2) and "Traceback" not in result.output, result.output
    if result.exit_code == 2:
        assert not out.exists()
    else:
        assert CliRunner().invoke(app, ["validate", str(out)]).exit_code == 0
