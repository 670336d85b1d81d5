"""One workflow from a new file to a chart: run folders, clear errors, clean outputs (issue 13).

A small municipal-police file and its mapping live in a temporary folder (nothing in ``rules/``);
``resolve`` writes a run folder and ``score``, ``chart``, ``export``, ``explain`` read it without
resolving again (they work with the source file gone). Every failure is one message and exit 2.
"""
from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from linkgraph.cli import app

REPO = Path(__file__).resolve().parents[1]
LONG = "DE LA ROCHEFOUCAULD-MONTMORENCY-LAVAL-BOURBON"
CSV = (
    "n_fiche;nom;prenom;ddn;tel;plaque;infraction;observations\r\n"
    f"PM-1;DURAND;Jean;03/04/1980;06 12 34 56 78;AB-123-CD;rodéo;vu avec [deux individus]\r\n"
    f"PM-2;Durand;Jean;03/04/1980;+33612345678;AB-123-CD;tapage;=HYPERLINK(\"http://x\")\r\n"
    f"PM-3;{LONG};Marie-Amélie;12/12/1975;0698765432;;recel;\r\n"
    f"PM-4;MARTIN;Paul;01/01/1990;0698765432;GH-456-JK;stupéfiants;-2+3\r\n"
)
MAPPING = """source: pm_test
agency: police_municipale
classification: restricted
format: csv
delimiter: ";"
file: pm.csv
record_id: n_fiche
attributes: {offence: infraction, comment: observations}
mentions:
  person: {type: person, fields: {last_name: nom, first_name: prenom, dob: ddn}}
  phone: {type: phone, fields: {number: tel}}
  car: {type: vehicle, fields: {plate: plaque}}
relations:
  - {type: uses, from: person, to: phone}
  - {type: drives, from: person, to: car}
"""


def cli(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "linkgraph", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "COLUMNS": "100"})


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("newfile")
    (folder / "pm.csv").write_bytes(CSV.encode("utf-8"))
    (folder / "pm.yaml").write_text(MAPPING, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def run(work: Path) -> Path:
    out = work / "out" / "pm"
    proc = cli("resolve", "-m", work / "pm.yaml", "-o", out)
    assert proc.returncode == 0, proc.stderr
    return out


def test_version():
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("linkgraph ")


def test_record_ids_and_attributes_are_in_the_outputs(run: Path):
    mentions = pd.read_csv(run / "mentions.csv", dtype=str)
    person = mentions[mentions["mention_id"] == "pm_test:1:person"].iloc[0]
    assert person["record_id"] == "PM-1"
    assert json.loads(person["attributes"]) == {"offence": "rodéo", "comment": "vu avec [deux individus]"}
    rows = pd.read_parquet(run / "rows.parquet")
    assert rows["record_id"].tolist() == ["PM-1", "PM-2", "PM-3", "PM-4"]
    assert json.loads(pd.read_parquet(run / "mentions.parquet").set_index("mention_id")
                      .loc["pm_test:4:person", "attributes"])["offence"] == "stupéfiants"


def test_formula_guard_only_where_a_spreadsheet_would_run_it(run: Path):
    entities = pd.read_csv(run / "entities.csv", dtype=str)
    phones = set(entities.loc[entities["entity_type"] == "phone", "number"])
    assert phones == {"+33612345678", "+33698765432"}          # numbers, not formulas: untouched
    attrs = pd.read_csv(run / "rows.csv", dtype=str)["attributes"].tolist()
    assert json.loads(attrs[1])["comment"] == '=HYPERLINK("http://x")'   # inside JSON text: not a formula
    assert json.loads(pd.read_parquet(run / "rows.parquet")["attributes"].iloc[3])["comment"] == "-2+3"
    raw = (run / "rows.csv").read_text(encoding="utf-8")
    assert "'+33" not in raw and "'+33" not in (run / "mentions.csv").read_text(encoding="utf-8")


def test_new_file_reaches_score_chart_export_without_resolving_again(work: Path, run: Path, tmp_path):
    # the source file is gone: any command that resolved again would fail
    moved = work / "pm.csv.away"
    (work / "pm.csv").rename(moved)
    try:
        score = cli("score", run, "--top", "10")
        assert score.returncode == 0, score.stderr
        # the whole name (as the entity's label writes it) and the entity id, at 100 columns
        assert "Marie Amelie " + LONG.replace("-", " ") in score.stdout and "P-" in score.stdout
        chart = cli("chart", "--run", run, "--ego", "paul martin", "-o", tmp_path / "c.html")
        assert chart.returncode == 0, chart.stderr and (tmp_path / "c.html").exists()
        exported = cli("export", run)
        assert exported.returncode == 0, exported.stderr
        i2 = (run / "export" / "i2_links.csv").read_text(encoding="utf-8-sig")
        assert "+33612345678" in i2 and "'+33" not in i2
        nodes = (run / "export" / "neo4j" / "nodes.csv").read_text(encoding="utf-8")
        assert "+33698765432" in nodes and "'+" not in nodes
        explain = cli("explain", "pm_test:1:person", "police_municipale:2:person", "--run", run)
        assert explain.returncode == 0, explain.stderr
        assert "same entity: yes" in explain.stdout
    finally:
        moved.rename(work / "pm.csv")


def test_rerun_leaves_no_stale_file_and_a_failed_run_leaves_the_previous_one(work: Path, tmp_path):
    out = tmp_path / "run"
    assert cli("resolve", "-m", work / "pm.yaml", "-o", out).returncode == 0
    assert (out / "models" / "vehicle.yaml").exists()
    people_only = tmp_path / "people.yaml"
    people_only.write_text(MAPPING.split("  phone:")[0], encoding="utf-8")
    assert cli("resolve", "-m", f"{people_only}:{work / 'pm.csv'}", "-o", out).returncode == 0
    assert not (out / "models" / "vehicle.yaml").exists() and not (out / "models" / "phone.yaml").exists()
    assert set(pd.read_parquet(out / "mentions.parquet")["entity_type"]) == {"person"}
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = tmp_path / "broken.yaml"
    broken.write_text(MAPPING.replace("first_name: prenom", "first_name: prenom_absent"), encoding="utf-8")
    failed = cli("resolve", "-m", f"{broken}:{work / 'pm.csv'}", "-o", out)
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".run.")] == []


def test_mapping_pairs_copied_mappings_and_fileless_mappings(tmp_path):
    copied = tmp_path / "copied"
    copied.mkdir()
    (copied / "police_municipale.yaml").write_bytes((REPO / "rules/sources/police_municipale.yaml").read_bytes())
    (copied / "police_municipale.csv").write_bytes((REPO / "fixtures/data/police_municipale.csv").read_bytes())
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "police_municipale.yaml").write_bytes((REPO / "rules/sources/police_municipale.yaml").read_bytes())
    ok = cli("resolve", "-m", copied / "police_municipale.yaml", "-o", tmp_path / "a")
    assert ok.returncode == 0, ok.stderr
    missing = cli("resolve", "-m", alone / "police_municipale.yaml", "-o", tmp_path / "b")
    assert missing.returncode == 2 and "file: police_municipale.csv not found" in missing.stderr
    assert f"-m {alone / 'police_municipale.yaml'}:FILE" in missing.stderr.replace("\n", "")
    # a mapping without file: in a sources folder is reported, the others resolved
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "a.yaml").write_bytes((copied / "police_municipale.yaml").read_bytes().replace(
        b"file: police_municipale.csv", f"file: {copied / 'police_municipale.csv'}".encode()))
    (sources / "b.yaml").write_text(MAPPING.replace("file: pm.csv\n", ""), encoding="utf-8")
    noted = cli("resolve", "--sources", sources, "-o", tmp_path / "c")
    assert noted.returncode == 0, noted.stderr
    assert "b.yaml names no file" in noted.stderr.replace("\n", "")
    # `-m b.yaml -m a.yaml mine.csv`: the file goes to the mapping that names none, a.yaml reads its own
    (tmp_path / "mine.csv").write_text(CSV, encoding="utf-8")
    both = cli("resolve", "-m", sources / "b.yaml", "-m", sources / "a.yaml", tmp_path / "mine.csv", "-o", tmp_path / "d")
    assert both.returncode == 0, both.stderr
    summary = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert summary["sources"]["pm_test"]["rows_in"] == 4 and summary["sources"]["police_municipale"]["rows_in"] > 100
    inputs = json.loads((tmp_path / "d" / "inputs.json").read_text())
    assert [Path(i["file"]).name for i in inputs] == ["mine.csv", "police_municipale.csv"]


def _world(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "pm.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "pm.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "nofile.yaml").write_text(MAPPING.replace("file: pm.csv\n", ""), encoding="utf-8")
    (tmp_path / "notarun").mkdir()
    (tmp_path / "notarun" / "keep.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "summary.json").write_text("{}", encoding="utf-8")
    (tmp_path / "aFile").write_text("x", encoding="utf-8")
    (tmp_path / "brackets.yaml").write_text(MAPPING.replace("last_name: nom", "last_name: '[nom]'"), encoding="utf-8")
    (tmp_path / "truth_none.csv").write_text("record_id,entity_id\r\nX-1,a\r\nX-2,a\r\n", encoding="utf-8")
    (tmp_path / "truth_cols.csv").write_text("id,who\n1,a\n", encoding="utf-8")
    return {"dir": tmp_path}


FAILURES = [
    # (arguments, words the message must hold)
    (["score", "{dir}/nowhere"], ["not a run folder", "linkgraph resolve -o"]),
    (["score"], ["no run to read", "linkgraph resolve"]),
    (["chart", "{dir}/partial"], ["not a run folder"]),
    (["export", "--run", "{dir}/notarun"], ["not a run folder"]),
    (["explain", "police:12:suspect", "gendarmerie:40:person", "--run", "{run}"], ["no mention", "police:12:suspect"]),
    (["chart", "{run}", "--ego", "Nobody Atall"], ["no entity", "Nobody Atall"]),
    (["chart", "{run}", "--ego", "jean durand", "--path", "x"], ["--path takes two"]),
    (["chart", "{run}", "--ego", "mar"], ["matches 2 entities", "Paul MARTIN", "Marie Amelie", "Give the entity id"]),
    (["resolve", "-m", "{dir}/missing.yaml"], ["missing.yaml"]),
    (["resolve", "-m", "{dir}/nofile.yaml", "-o", "{dir}/o1"], ["names no file", ":FILE"]),
    (["resolve", "-m", "{dir}/pm.yaml", "-m", "{dir}/nofile.yaml", "a.csv", "b.csv", "c.csv"], ["no such file"]),
    (["resolve", "-m", "{dir}/pm.yaml", "-o", "{dir}/aFile"], ["is a file"]),
    (["resolve", "-m", "{dir}/pm.yaml", "-o", "{dir}/notarun"], ["not a linkgraph run folder", "nothing was written"]),
    (["resolve", "-m", "{dir}/brackets.yaml", "-o", "{dir}/o2"], ["[nom]"]),
    (["resolve", "--engine", "[b]x[/b]"], ["[b]x[/b]"]),
    (["resolve", "--format", "xlsx", "-m", "{dir}/pm.yaml", "-o", "{dir}/o3"], ["unknown output format", "xlsx"]),
    (["evaluate", "-m", "{dir}/pm.yaml", "--truth", "{dir}/truth_none.csv", "{dir}/pm.csv"],
     ["no truth line matches", "PM-1", "X-1"]),
    (["evaluate", "-m", "{dir}/pm.yaml", "--truth", "{dir}/truth_cols.csv", "{dir}/pm.csv"], ["entity_id", "record_id"]),
    (["evaluate", "-m", "{dir}/pm.yaml", "--truth", "{dir}/nowhere.csv", "{dir}/pm.csv"], ["nowhere.csv"]),
]


@pytest.mark.parametrize("args, words", FAILURES, ids=[" ".join(a[:2]) + f"-{k}" for k, (a, _) in enumerate(FAILURES)])
def test_failures_are_one_message_and_exit_2(tmp_path, run, args, words):
    paths = _world(tmp_path)
    argv = [a.format(dir=paths["dir"], run=run) for a in args]
    proc = cli(*argv, cwd=tmp_path)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert "Traceback" not in text
    flat = " ".join(text.split())
    for word in words:
        assert word.format(dir=paths["dir"]) in flat, (word, text)
    assert not (tmp_path / "notarun" / "summary.json").exists()
    assert (tmp_path / "notarun" / "keep.txt").read_text() == "mine"


def test_truth_by_entity_type_or_mention_id_and_crlf(tmp_path, work: Path):
    lf = tmp_path / "truth.csv"
    lf.write_text("record_id,entity_type,entity_id\nPM-1,person,a\nPM-2,person,a\nPM-3,person,b\nPM-4,person,c\n"
                  "PM-1,phone,t1\nPM-2,phone,t1\nPM-3,phone,t2\nPM-4,phone,t2\n", encoding="utf-8")
    crlf = tmp_path / "truth_crlf.csv"
    crlf.write_bytes(lf.read_bytes().replace(b"\n", b"\r\n"))
    by_mention = tmp_path / "truth_mentions.csv"
    by_mention.write_text("mention_id,entity_id\npm_test:1:person,a\npm_test:2:person,a\npm_test:3:person,b\n"
                          "pm_test:4:person,c\n", encoding="utf-8")
    outs = [cli("evaluate", "-m", work / "pm.yaml", "--truth", t, work / "pm.csv") for t in (lf, crlf, by_mention)]
    for proc in outs:
        assert proc.returncode == 0, proc.stderr
    assert outs[0].stdout == outs[1].stdout
    lines = outs[0].stdout.splitlines()
    assert lines == ["person precision=1.0000 recall=1.0000 f1=1.0000", "phone precision=1.0000 recall=1.0000 f1=1.0000"]
    assert outs[2].stdout.splitlines() == lines[:1]


# ------------------------------------------------------------------ the handler, in process

def test_internal_error_memory_and_disk_full_are_messages(monkeypatch, run: Path, work: Path, tmp_path):
    import linkgraph.run_folder as rf

    runner = CliRunner()

    def boom(*_a, **_k):
        raise RuntimeError("a [red]bug[/red]")

    monkeypatch.setattr(rf, "load_run", boom)
    res = runner.invoke(app, ["score", str(run)])
    assert res.exit_code == 2 and "internal error" in res.output and "a [red]bug[/red]" in res.output
    assert "Traceback" not in res.output
    debug = runner.invoke(app, ["--debug", "score", str(run)])
    assert debug.exit_code == 2 and "Traceback" in debug.output and "RuntimeError" in debug.output

    def oom(*_a, **_k):
        raise MemoryError()

    monkeypatch.setattr(rf, "load_run", oom)
    res = runner.invoke(app, ["chart", str(run)])
    assert res.exit_code == 2 and "out of memory" in res.output and "Traceback" not in res.output
    monkeypatch.undo()

    out = tmp_path / "full"
    assert runner.invoke(app, ["resolve", "-m", str(work / "pm.yaml"), "-o", str(out)]).exit_code == 0
    before = sorted(p.name for p in out.iterdir())
    real = rf._write_all

    def disk_full(result, folder, formats, inputs):
        real(result, folder, formats, inputs)  # written... then the disk fills up
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "summary.json"))

    monkeypatch.setattr(rf, "_write_all", disk_full)
    res = runner.invoke(app, ["resolve", "-m", str(work / "pm.yaml"), "-o", str(out)])
    assert res.exit_code == 2 and "disk full" in res.output and "Traceback" not in res.output
    assert sorted(p.name for p in out.iterdir()) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".full.")] == []
