"""``linkgraph match``, ``deconflict`` and ``deconflict-requests``: answers, audit, clear errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from access_world import build_world
from linkgraph.cli import app

CASE = "PV-2024-0117"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("cli") / "w")


def cli(world, user, *args):
    return CliRunner().invoke(app, [*args, "-w", str(world.path), "--users", str(world.users_file),
                                    "--user", user, "--case", CASE])


def _records(world):
    return [json.loads(line) for line in world.path.with_name("world.lgw.audit.jsonl").read_text().splitlines()]


def test_match_one_record_and_a_file(world, tmp_path):
    done = cli(world, "ax", "match", "--last-name", "DUPONTEL", "--first-name", "Jeanne", "--dob", "01/01/1980")
    assert done.exit_code == 0, done.output
    assert "agxpol_open:3:person" in done.output and "exact dob" in done.output
    assert "agyden" not in done.output and "agxpol_secret" not in done.output     # not ax's to see
    last = _records(world)[-1]
    assert last["action"] == "match" and last["user"] == "ax" and last["details"]["records"] == 1
    listing = tmp_path / "people.csv"
    listing.write_text("nom;prenom;date_naissance;telephone\nDUPONTEL;Jeanne;01/01/1980;\n"
                       "BRIDGEMAN;Karim;03/03/1985;06 11 00 00 02\nINCONNU;Paul;02/02/2002;\n", encoding="utf-8")
    done = cli(world, "adm", "match", "--file", str(listing), "--json")
    assert done.exit_code == 0, done.output
    answer = json.loads(done.output)
    assert [bool(r["candidates"]) for r in answer["results"]] == [True, True, False]
    assert {c["entity_type"] for c in answer["results"][1]["candidates"]} == {"person", "phone"}
    assert _records(world)[-1]["details"]["records"] == 3


def test_deconflict_and_the_owners_list(world, tmp_path):
    listing = tmp_path / "list.csv"
    listing.write_text("last_name,first_name,dob\nDUPONTEL,Jeanne,01/01/1980\nINCONNU,Paul,02/02/2002\n",
                       encoding="utf-8")
    done = cli(world, "az", "deconflict", str(listing), "--json")
    assert done.exit_code == 0, done.output
    rows = json.loads(done.output)["rows"]
    assert [r["status"] for r in rows] == ["hit", "no hit"] and rows[0]["agencies"] == ["agxpol", "agyden"]
    owner = cli(world, "ax", "deconflict-requests", "--json")
    assert owner.exit_code == 0, owner.output
    asked = json.loads(owner.output)
    assert asked[-1]["requester"] == "az" and asked[-1]["contact"] == rows[0]["contact"]
    assert _records(world)[-1]["action"] == "view"          # the owner's look is audited too


@pytest.mark.parametrize("args, message", [
    (["match"], "give a record"),
    (["match", "--dob", "31/02/1980"], "--dob '31/02/1980': impossible date 31/02/1980"),
    (["match", "--phone", "0012"], "--phone '0012'"),
    (["match", "--last-name", "X", "--min-probability", "2"], "--min-probability"),
    (["match", "--file", "{missing}"], "no such file"),
    (["match", "--file", "{bad}"], "column 'couleur' is not a lookup field"),
    (["match", "--file", "{ragged}"], "line 3: 3 fields where the header has 2"),
    (["deconflict", "{bad}"], "column 'couleur' is not a lookup field"),
    (["deconflict", "{good}", "--possible", "1.5"], "--possible must be a probability"),
])
def test_errors_are_clear_and_have_no_trace(world, tmp_path, args, message):
    files = {"missing": tmp_path / "none.csv", "bad": tmp_path / "bad.csv", "ragged": tmp_path / "ragged.csv",
             "good": tmp_path / "good.csv"}
    files["bad"].write_text("nom;couleur\nX;rouge\n", encoding="utf-8")
    files["ragged"].write_text("nom;prenom\nA;B\nC;D;E\n", encoding="utf-8")
    files["good"].write_text("nom;prenom\nA;B\n", encoding="utf-8")
    args = [a.format(**files) for a in args]
    proc = subprocess.run([sys.executable, "-m", "linkgraph", *args, "-w", str(world.path), "--user", "ax",
                           "--case", CASE], capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2 and "Traceback" not in out
    assert message in " ".join(out.split()), out


def test_a_user_without_a_case_or_unknown_is_refused(world):
    no_case = CliRunner().invoke(app, ["match", "--last-name", "X", "-w", str(world.path), "--user", "ax"])
    assert no_case.exit_code == 2 and "--case is required" in no_case.output
    stranger = cli(world, "mallory", "match", "--last-name", "DUPONTEL")
    assert stranger.exit_code == 2 and "not permitted: login" in stranger.output
