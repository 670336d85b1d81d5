"""Issue 14: `ingest --replace` keeps what did not change (entity ids, judgments on unchanged rows), and a
changed mapping on the same file is not "unchanged"."""
from __future__ import annotations

import csv

import pytest

from access_world import FILES, HEADER, mapping_text, write_source
from linkgraph.store.workspace import SourceConflict, Workspace

ACTOR = ("adm", "PV-2024-7")


@pytest.fixture
def ws(tmp_path):
    folder = tmp_path / "files"
    specs = [write_source(folder, s) for s in ("agxpol_open", "agyden_tips", "agzdou_seizures")]
    w = Workspace.create(tmp_path / "ws.lgw", actor=ACTOR)
    w.ingest_many(specs, actor=ACTOR)
    return w, dict(zip(("agxpol_open", "agyden_tips", "agzdou_seizures"), specs))


def _rewrite(path, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(HEADER)
        w.writerows(rows)


def test_replace_keeps_ids_of_unchanged_clusters_and_judgments_on_unchanged_rows(ws):
    """Defects: `--replace` renamed every entity of the source (`<id>-1`) and deleted every judgment on
    its mentions, so the next rebuild merged a "different" pair again."""
    w, specs = ws
    a, b = "agxpol_open:3:person", "agyden_tips:2:person"  # the two DUPONTEL mentions: one person
    owner = w.mention_entities().set_index("mention_id")["entity_id"]
    assert owner[a] == owner[b]
    w.add_judgment(a, b, "different", analyst="rv", case_number="PV-2024-7")
    before = w.mention_entities().set_index("mention_id")["entity_id"]
    assert before[a] != before[b]
    # one first name changes in row 4 (XAVOPENA Alphonse -> Alfonso); rows 1-3 stay as they were
    rows = [list(r) for r in FILES["agxpol_open"][2]]
    rows[3][1] = "Alfonso"
    mapping, data = specs["agxpol_open"]
    _rewrite(data, rows)
    report = w.ingest(data, mapping, replace=True, actor=ACTOR)
    assert report.status == "replaced"
    after = w.mention_entities().set_index("mention_id")["entity_id"]
    changed = {"agxpol_open:4:person"}
    kept = [m for m in before.index if m not in changed]
    moved = [m for m in kept if before[m] != after.get(m)]
    assert moved == [], moved
    assert not any(str(e).endswith("-1") for e in after)
    judged = w.judgments()
    assert ((judged["mention_a"] == a) & (judged["mention_b"] == b)).any()  # the verdict is kept
    assert after[a] != after[b]
    w.rebuild(retrain=True, actor=ACTOR)  # and it still holds on the next full re-resolution
    again = w.mention_entities().set_index("mention_id")["entity_id"]
    assert again[a] != again[b]


def test_judgments_on_a_changed_row_are_dropped(ws):
    w, specs = ws
    a, b = "agxpol_open:4:person", "agzdou_seizures:1:person"
    w.add_judgment(a, b, "same", analyst="rv", case_number="PV-2024-7")
    rows = [list(r) for r in FILES["agxpol_open"][2]]
    rows[3][0] = "XAVOPENO"
    mapping, data = specs["agxpol_open"]
    _rewrite(data, rows)
    w.ingest(data, mapping, replace=True, actor=ACTOR)
    judged = w.judgments()
    assert not ((judged["mention_a"] == a) | (judged["mention_b"] == a)).any()


def test_a_changed_mapping_on_the_same_file_is_detected(ws, tmp_path):
    """Defect: the same file under another agency or classification was reported "unchanged" and ignored,
    even with --replace."""
    w, specs = ws
    mapping, data = specs["agzdou_seizures"]
    assert w.ingest(data, mapping, actor=ACTOR).status == "unchanged"
    other = tmp_path / "agzdou_secret.yaml"
    other.write_text(mapping_text("agzdou_seizures", "agzdou", "secret"), encoding="utf-8")
    with pytest.raises(SourceConflict, match="another mapping"):
        w.ingest(data, other, actor=ACTOR)
    assert set(w.table("mentions").query("source == 'agzdou_seizures'")["classification"]) == {"restricted"}
    report = w.ingest(data, other, replace=True, actor=ACTOR)
    assert report.status == "replaced"
    assert set(w.table("mentions").query("source == 'agzdou_seizures'")["classification"]) == {"secret"}
    assert w.sources().set_index("source_id").at["agzdou_seizures", "classification"] == "secret"
