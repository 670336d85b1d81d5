"""`linkgraph evaluate` prints one `TYPE precision=P recall=R f1=F` line per entity type."""
import re
import subprocess
import sys

LINE = re.compile(r"^(\w+) precision=(\d\.\d{4}) recall=(\d\.\d{4}) f1=(\d\.\d{4})$")


def _evaluate(*args):
    out = subprocess.run([sys.executable, "-m", "linkgraph.cli", "evaluate", *args], capture_output=True,
                         text=True, check=True).stdout
    return [LINE.match(line) for line in out.splitlines() if LINE.match(line)]


def test_evaluate_febrl4_line():
    (m,) = _evaluate("--dataset", "febrl4")
    assert m.group(1) == "person" and float(m.group(4)) >= 0.9996


def test_evaluate_labelled_file(tmp_path):
    (tmp_path / "people.csv").write_text(
        "id,prenom,nom,ddn\n1,Mohamed,BEN ALI,12/03/1990\n2,Mohammed,Benali,12/03/1990\n"
        "3,Kevin,MARTIN,01/01/1985\n4,Kévin,Martin,01/01/1985\n5,Kevin,MARTIN,07/09/1962\n", encoding="utf-8")
    (tmp_path / "people.yaml").write_text(
        "source: people\nagency: police\nclassification: restricted\nformat: csv\nrecord_id: id\n"
        "mentions:\n  p:\n    type: person\n    fields: {first_name: prenom, last_name: nom, dob: ddn}\n")
    (tmp_path / "truth.csv").write_text("record_id,entity_id\n1,a\n2,a\n3,b\n4,b\n5,c\n")
    (m,) = _evaluate("--mapping", str(tmp_path / "people.yaml"), "--truth", str(tmp_path / "truth.csv"),
                     str(tmp_path / "people.csv"))
    assert m.group(1) == "person"
    assert float(m.group(2)) == 1.0  # the 1962 Kevin Martin is another man
