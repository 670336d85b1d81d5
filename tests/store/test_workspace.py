"""The DuckDB workspace (issue 4): ingest, no-op re-ingest, atomicity under kill -9, one writer at a
time, judgments that survive, erasure and retention that leave no trace."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from id_anchors import expected_ids

from linkgraph.api import load_mappings, read_sources, save_resolution
from linkgraph.evaluate.metrics import pairwise_scores
from linkgraph.match.entities import entity_table
from linkgraph.match.ids import fresh_id
from linkgraph.match.pipeline import resolve
from linkgraph.sources.extract import Extraction
from linkgraph.sources.mapping import load_mapping
from linkgraph.store.workspace import (
    TABLES, TEST_PAUSE_ENV, JudgmentError, SourceConflict, Workspace, WorkspaceBusy, WorkspaceError,
    WorkspaceReadOnly, entity_rows,
)

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "rules" / "sources"
DATA = REPO / "fixtures" / "data"


def mappings(exclude: tuple[str, ...] = ()) -> list:
    return [m for m in load_mappings(SOURCES) if m.source not in exclude]


def partition(mentions: pd.DataFrame) -> set[tuple[str, ...]]:
    """Entities as sets of mention ids (independent of the ids themselves)."""
    return set(mentions.groupby("entity_id")["mention_id"].agg(lambda s: tuple(sorted(s))))


def nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as None whatever their flavour (DuckDB gives None, pandas NaN or <NA>)."""
    return frame.astype(object).where(frame.notna(), None).reset_index(drop=True)


def dump(path: Path, audit: bool = True) -> dict[str, list[tuple]]:
    """Every table's content, in a canonical order (what "identical workspace" means); ``audit=False``:
    the data only (without the audit chain and its head)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    finally:
        con.close()
    if not audit:
        out.pop("audit")
        out["meta"] = [r for r in out["meta"] if r[0] != "audit_head"]
    return out


def child(code: str, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], cwd=REPO,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(predicate, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"child ended early: {proc.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


INGEST_CHILD = """
    import sys
    from linkgraph.store.workspace import Workspace
    Workspace.open(sys.argv[1]).ingest(sys.argv[2], sys.argv[3])
    print("done")
"""


@pytest.fixture(scope="module")
def base_ws(tmp_path_factory) -> Path:
    """Every fixture source but the company registry, ingested in one batch."""
    path = tmp_path_factory.mktemp("base") / "base.lgw"
    ws = Workspace.create(path)
    ws.ingest_many([(m, None) for m in mappings(exclude=("registre_societes",))])
    return path


@pytest.fixture(scope="module")
def full_ws(tmp_path_factory) -> Path:
    """Every fixture source, ingested in one batch."""
    path = tmp_path_factory.mktemp("full") / "full.lgw"
    Workspace.create(path).ingest_many([(m, None) for m in mappings()])
    return path


@pytest.fixture
def ws_copy(tmp_path):
    def copy(src: Path, name: str = "ws.lgw") -> Path:
        dst = tmp_path / name
        shutil.copy(src, dst)
        for suffix in (".audit.jsonl", ".audit.jsonl.head"):  # a workspace travels with its audit log
            if Path(str(src) + suffix).exists():
                shutil.copy(str(src) + suffix, str(dst) + suffix)
        return dst
    return copy


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> tuple[Path, Path]:
    """A 20× fadettes file (111k call rows, 330k mentions) and its mapping under a new source id."""
    folder = tmp_path_factory.mktemp("big")
    lines = (DATA / "fadettes.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "fadettes_big.csv").write_text(lines[0] + "".join(lines[1:] * 20), encoding="utf-8")
    text = (SOURCES / "fadettes.yaml").read_text(encoding="utf-8")
    text = text.replace("source: fadettes", "source: fadettes_big").replace("file: fadettes.csv\n", "")
    (folder / "fadettes_big.yaml").write_text(text, encoding="utf-8")
    return folder / "fadettes_big.csv", folder / "fadettes_big.yaml"


# ------------------------------------------------------------------------------------ ingest
def test_batch_ingest_equals_the_pipeline(full_ws):
    ws = Workspace.open(full_ws, read_only=True)
    result = ws.result()
    reference = resolve(read_sources([(m, None) for m in mappings()]))
    ours = result.mentions.set_index("mention_id")["entity_id"].sort_index()
    theirs = reference.mentions.set_index("mention_id")["entity_id"].sort_index()
    assert ours.index.equals(theirs.index)
    # the same partition; the same ids but for the hash key (the workspace's own secret key)
    rename = pd.Series(ours.to_numpy(), index=theirs.to_numpy())
    rename = rename[~rename.index.duplicated()]
    assert (theirs.map(rename) == ours).all() and rename.is_unique
    con = duckdb.connect(str(full_ws), read_only=True)
    key = con.execute("SELECT value FROM meta WHERE key = 'id_key'").fetchone()[0]
    con.close()
    # each id is the keyed hash of its strong identifier (phone, vehicle, company) or first mention
    assert all(e == expected for e, expected in expected_ids(result.mentions, key).items())
    expected = reference.entities.assign(entity_id=reference.entities["entity_id"].map(rename),
                                         label=reference.entities["label"].replace(rename.to_dict()))
    expected = expected.sort_values("entity_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(nulls(result.entities.sort_values("entity_id").reset_index(drop=True)),
                                  nulls(expected), check_dtype=False)
    ref_rel = reference.relations.assign(from_entity=reference.relations["from_entity"].map(rename),
                                         to_entity=reference.relations["to_entity"].map(rename))
    rel = lambda r: set(zip(r["from_mention"], r["to_mention"], r["type"], r["from_entity"], r["to_entity"]))  # noqa: E731
    assert rel(result.relations) == rel(ref_rel)
    assert len(result.rejects) == len(reference.rejects) == 9
    counts = ws.counts()
    sources = ws.sources()
    assert (sources["rows_in"] == sources["rows_ok"] + sources["rows_rejected"]).all()
    assert counts["rows"] == sources["rows_in"].sum() == len(reference.rows)
    assert counts["mentions"] == counts["mention_entity"] == len(reference.mentions)
    assert set(result.models) == set(reference.models)
    for t, s in reference.models.items():
        assert result.models[t].model_dump(exclude={'path'}) == s.model_dump(exclude={'path'}), t


def test_entity_rows_match_entity_table():
    reference = resolve(read_sources([(m, None) for m in mappings(exclude=("fadettes", "lapi"))]))
    pd.testing.assert_frame_equal(entity_rows(reference.mentions), entity_table(reference.mentions), check_dtype=False)


def test_incremental_ingest_keeps_ids_and_agrees_with_a_full_run(base_ws, ws_copy):
    path = ws_copy(base_ws)
    ws = Workspace.open(path)
    before = ws.mention_entities().set_index("mention_id")["entity_id"]
    registry = load_mapping(SOURCES / "registre_societes.yaml")
    report = ws.ingest(None, registry)
    assert report.status == "ingested" and report.mode == "incremental"
    assert set(report.types) == {"company", "person", "phone"}
    after = ws.mention_entities().set_index("mention_id")["entity_id"]
    # every old entity id survives unless its entity was merged into another (and that is recorded)
    changes = ws.id_changes()
    gone = set(before) - set(after)
    assert gone <= set(changes["old_id"])
    assert set(changes.loc[changes["old_id"].isin(gone), "change"]) <= {"merged"}
    assert changes["reason"].str.startswith("ingest of registre_societes").all()
    kept = before[before.isin(after)]
    assert (after.reindex(kept.index) == kept).mean() > 0.99
    # the incremental result is (nearly) what a full resolution of everything gives
    full = resolve(read_sources([(m, None) for m in mappings()])).mentions.set_index("mention_id")
    for t, g in full.groupby("entity_type"):
        assert pairwise_scores(after.reindex(g.index).to_numpy(), g["entity_id"].to_numpy()).f1 > 0.99, t


def test_reingest_same_content_is_a_noop(full_ws, ws_copy):
    path = ws_copy(full_ws)
    before = dump(path, audit=False)
    ws = Workspace.open(path)
    reports = ws.ingest_many([(m, None) for m in mappings()])
    assert {r.status for r in reports} == {"unchanged"}
    report = ws.ingest(DATA / "lapi.csv", SOURCES / "lapi.yaml")
    assert report.status == "unchanged" and report.mentions == 0
    assert dump(path, audit=False) == before  # counts, ids, id changes, even the write counter: nothing written
    # only the two attempts are recorded (an access is audited even when it changes nothing)
    records = [json.loads(line) for (_, line) in dump(path)["audit"]][-2:]
    assert [(r["action"], r["details"]["status"][0]) for r in records] == [("ingest", "unchanged")] * 2


def test_other_content_for_a_source_conflicts_unless_replaced(base_ws, ws_copy, tmp_path):
    path = ws_copy(base_ws)
    ws = Workspace.open(path)
    lines = (DATA / "bailleur_signalements.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    shorter = tmp_path / "bailleur_signalements.csv"
    shorter.write_text("".join(lines[:41]), encoding="utf-8")
    mapping = SOURCES / "bailleur_signalements.yaml"
    with pytest.raises(SourceConflict, match="bailleur_signalements"):
        ws.ingest(shorter, mapping)
    report = ws.ingest(shorter, mapping, replace=True)
    assert report.status == "replaced" and report.rows_in == 40
    specs = [(m, None) for m in mappings(exclude=("registre_societes", "bailleur_signalements"))]
    reference = resolve(read_sources(specs + [(load_mapping(mapping), shorter)]))
    assert partition(ws.result().mentions) == partition(reference.mentions)


def test_in_memory_workspace_and_read_only(base_ws):
    mem = Workspace.create(None)
    report = mem.ingest(None, SOURCES / "bailleur_signalements.yaml")
    assert report.rows_in == 98 and mem.counts()["mentions"] == report.mentions
    ro = Workspace.open(base_ws, read_only=True)
    with pytest.raises(WorkspaceReadOnly):
        ro.ingest(None, SOURCES / "registre_societes.yaml")
    with pytest.raises(WorkspaceError, match="already exists"):
        Workspace.create(base_ws)
    with pytest.raises(WorkspaceError, match="no workspace"):
        Workspace.open(base_ws.parent / "missing.lgw")


# ------------------------------------------------------------------------ atomicity, concurrency
def test_kill_inside_the_write_transaction_leaves_the_workspace_as_before(base_ws, ws_copy, big_file, tmp_path):
    path = ws_copy(base_ws)
    before = dump(path)
    marker = tmp_path / "in-transaction"
    proc = child(INGEST_CHILD, str(path), str(big_file[0]), str(big_file[1]), env={TEST_PAUSE_ENV: str(marker)})
    try:
        wait_for(marker.exists, proc=proc)  # rows, rejects, relations, 330k mentions inserted, not committed
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert dump(path) == before
    # the workspace still works: the lock went with the process, the same ingest now succeeds
    report = Workspace.open(path).ingest(big_file[0], big_file[1])
    assert report.status == "ingested" and report.mentions > 300_000
    assert Workspace.open(path).counts()["mentions"] == len(before["mentions"]) + report.mentions


@pytest.mark.parametrize("delay", [0.5, 2.0, 4.0])
def test_kill_during_a_large_ingest_leaves_the_workspace_as_before(base_ws, ws_copy, big_file, delay):
    """On this machine the ingest reads for ~1 s, resolves for ~2 s, writes for ~3 s: the kills land
    in each phase. Whatever the phase, the workspace is the one before (or, had the ingest already
    committed, the one after: never anything in between)."""
    path = ws_copy(base_ws)
    before = dump(path)
    lock = Path(str(path) + ".lock")
    proc = child(INGEST_CHILD, str(path), str(big_file[0]), str(big_file[1]))
    try:
        wait_for(lambda: lock.exists() and lock.read_text().strip() == str(proc.pid), proc=proc)
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    after = dump(path)
    if finished:
        assert proc.returncode == 0 and len(after["mentions"]) > len(before["mentions"]) + 300_000
    else:
        assert after == before


def test_a_second_writer_gets_a_clear_error(base_ws, ws_copy, big_file, tmp_path):
    path = ws_copy(base_ws)
    marker = tmp_path / "in-transaction"
    proc = child(INGEST_CHILD, str(path), str(big_file[0]), str(big_file[1]), env={TEST_PAUSE_ENV: str(marker)})
    try:
        wait_for(marker.exists, proc=proc)
        ws = Workspace(path)  # (opening reads, and the writer holds the file: construct directly)
        with pytest.raises(WorkspaceBusy, match=r"another process \(process \d+\) is writing to"):
            ws.ingest(None, SOURCES / "registre_societes.yaml")
        start = time.monotonic()
        with pytest.raises(WorkspaceBusy):
            ws.add_judgment("a:1:x", "b:1:y", "same", analyst="x", case_number="1", wait=0.5)
        assert time.monotonic() - start >= 0.5
        # readers wait for the commit, then say clearly why they cannot read
        reader = Workspace(path, read_only=True, read_wait=0.3)
        with pytest.raises(WorkspaceBusy, match="open by another process"):
            reader.counts()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    # a foreign process holding the DuckDB file open: the writer says so instead of a DuckDB traceback
    holder = child("""
        import sys, time, duckdb
        con = duckdb.connect(sys.argv[1]); print("open", flush=True); time.sleep(60)
    """, str(path))
    try:
        assert holder.stdout.readline().strip() == b"open"
        with pytest.raises(WorkspaceBusy, match="open by another process"):
            Workspace(path, read_wait=0.2).ingest(None, SOURCES / "registre_societes.yaml")
    finally:
        holder.kill()
        holder.wait()
    assert Workspace.open(path).ingest(None, SOURCES / "registre_societes.yaml").status == "ingested"


# ------------------------------------------------------------------------------------ judgments
def _person_entities(ws: Workspace) -> pd.DataFrame:
    m = ws.result().mentions
    return m[m["entity_type"] == "person"][["mention_id", "entity_id", "source"]]


def test_judgments_survive_reresolution_and_new_files(base_ws, ws_copy):
    path = ws_copy(base_ws)
    ws = Workspace.open(path)
    people = _person_entities(ws)
    sizes = people.groupby("entity_id").size()
    big = people[people["entity_id"] == sizes[sizes >= 3].index[0]]
    split_a, split_b = big["mention_id"].iloc[0], big["mention_id"].iloc[1]
    singles = people[people["entity_id"].isin(sizes[sizes == 1].index)]
    join_a, join_b = singles["mention_id"].iloc[0], singles["mention_id"].iloc[-1]
    with pytest.raises(JudgmentError, match="case_number"):
        ws.add_judgment(split_a, split_b, "different", analyst="a.martin", case_number=" ")
    with pytest.raises(JudgmentError, match="unknown mention"):
        ws.add_judgment(split_a, "nowhere:1:x", "different", analyst="a.martin", case_number="2024/1")
    report = ws.add_judgment(split_a, split_b, "different", analyst="a.martin", case_number="2024/118")
    assert report.split >= 1
    report = ws.add_judgment(join_a, join_b, "same", analyst="a.martin", case_number="2024/118")
    assert report.merged == 1
    changes = ws.id_changes()
    assert changes["reason"].str.contains("analyst judgment").sum() >= 2

    def check(ws: Workspace) -> None:
        e = ws.mention_entities().set_index("mention_id")["entity_id"]
        assert e[split_a] != e[split_b]
        assert e[join_a] == e[join_b]

    check(ws)
    ws.ingest(None, SOURCES / "registre_societes.yaml")           # a new file, incremental
    check(ws)
    ws.rebuild(retrain=True)                                      # full re-resolution, EM again
    check(ws)
    reopened = Workspace.open(path, read_only=True)
    check(reopened)
    stored = reopened.judgments()
    assert list(stored["verdict"]) == ["different", "same"] and set(stored["case_number"]) == {"2024/118"}
    # the latest verdict on a pair wins
    ws.add_judgment(join_b, join_a, "different", analyst="b.durand", case_number="2024/119")
    e = ws.mention_entities().set_index("mention_id")["entity_id"]
    assert e[join_a] != e[join_b]


# ------------------------------------------------------------------------------ erasure, retention
def _assert_no_trace(path: Path, source: str, erased: pd.DataFrame, file: str) -> None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        key = con.execute("SELECT value FROM meta WHERE key = 'id_key'").fetchone()[0]
        derived = {fresh_id(t, m, key) for t, m in zip(erased["entity_type"], erased["mention_id"])}
        for table in TABLES:
            if table == "audit":  # the append-only trail keeps ids (who acted on which id), never values:
                continue          # tests/store/test_integrity.py greps every byte for the erased values
            frame = con.execute(f"SELECT * FROM {table}").fetch_df()
            for col in frame.columns:
                values = frame[col].dropna().astype(str)
                assert not values.str.contains(f"{source}:", regex=False).any(), (table, col)
                assert not values.str.contains(file, regex=False).any(), (table, col)
                assert not values.str.split("-").str[:2].str.join("-").isin(derived).any(), (table, col)
    finally:
        con.close()


def test_erasing_a_source_leaves_no_trace(full_ws, ws_copy, tmp_path):
    path = ws_copy(full_ws)
    ws = Workspace.open(path)
    mentions = ws.result().mentions
    erased = mentions[mentions["source"] == "gendarmerie"]
    gendarme = erased[erased["entity_type"] == "person"]["mention_id"].iloc[0]
    police = mentions[(mentions["source"] == "police_procedures") & (mentions["entity_type"] == "person")]
    ws.add_judgment(gendarme, police["mention_id"].iloc[0], "same", analyst="a.martin", case_number="2024/7")
    ws.add_judgment(police["mention_id"].iloc[1], police["mention_id"].iloc[2], "different", analyst="a.martin",
                    case_number="2024/7")
    report = ws.erase_source("gendarmerie", reason="court order 2024-113")
    assert report.removed["mentions"] == len(erased) and report.removed["judgments"] == 1
    with pytest.raises(WorkspaceError, match="no source"):
        ws.erase_source("gendarmerie", reason="again")
    result = ws.result()
    # as if the source had never come: a fresh workspace without it gives the same entities
    fresh = Workspace.create(tmp_path / "fresh.lgw")
    fresh.ingest_many([(m, None) for m in mappings(exclude=("gendarmerie",))])
    fresh.add_judgment(police["mention_id"].iloc[1], police["mention_id"].iloc[2], "different", analyst="a.martin",
                       case_number="2024/7")
    fresh.rebuild(retrain=True)
    other = fresh.result()
    assert partition(result.mentions) == partition(other.mentions)
    lift = lambda r: set(zip(r["from_mention"], r["to_mention"], r["type"]))  # noqa: E731
    assert lift(result.relations) == lift(other.relations)
    ids = result.mentions.set_index("mention_id")["entity_id"]
    ids_other = other.mentions.set_index("mention_id")["entity_id"].reindex(ids.index)
    mapping = pd.Series(ids_other.to_numpy(), index=ids.to_numpy())
    mapping = mapping[~mapping.index.duplicated()]  # one entity here is one entity there (same partition)
    a = result.relations.assign(f=lambda r: r["from_entity"].map(mapping), t=lambda r: r["to_entity"].map(mapping))
    assert set(zip(a["f"], a["t"], a["type"])) == set(zip(other.relations["from_entity"], other.relations["to_entity"],
                                                         other.relations["type"]))
    # models were retrained on what remains: the same as a pipeline run without the source
    reference = resolve(read_sources([(m, None) for m in mappings(exclude=("gendarmerie",))]))
    for t, s in reference.models.items():
        assert result.models[t].model_dump(exclude={'path'}) == s.model_dump(exclude={'path'}), t
    assert "gendarmerie" not in set(ws.sources()["source_id"])
    _assert_no_trace(path, "gendarmerie", erased, "gendarmerie.csv")
    written = save_resolution(result, tmp_path / "export")
    for f in written:
        if f.suffix in (".csv", ".json", ".yaml"):
            assert "gendarmerie:" not in f.read_text(encoding="utf-8"), f


def test_retention_removes_old_rows_and_re_resolves(full_ws, ws_copy):
    path = ws_copy(full_ws)
    ws = Workspace.open(path)
    cutoff = "2022-06-01"
    before = ws.result()
    old = before.mentions[before.mentions["date"].notna() & (before.mentions["date"] < cutoff)]
    assert len(old) > 1000
    report = ws.apply_retention(cutoff, reason="retention policy: 2 years")
    assert report.removed["mentions"] == len(old)
    result = ws.result()
    for frame in (result.rows, result.mentions, result.relations):
        assert not (frame["date"].notna() & (frame["date"] < cutoff)).any()
    sources = ws.sources()
    assert (sources["retained_before"] == cutoff).all()
    assert (sources["rows_in"] == sources["rows_ok"] + sources["rows_rejected"]).all()
    # what remains resolves as the remaining rows alone would
    ex = read_sources([(m, None) for m in mappings()])
    keep = lambda f: f[~(f["date"].notna() & (f["date"] < cutoff))]  # noqa: E731
    rows = keep(ex.rows)
    rejects = ex.rejects.merge(rows[["source", "row"]].astype({"row": object}), on=["source", "row"])
    reference = resolve(Extraction(rows, keep(ex.mentions), keep(ex.relations), rejects))
    assert partition(result.mentions) == partition(reference.mentions)
    assert len(result.rejects) == len(reference.rejects)
    _assert_no_trace(path, "\x00never\x00", old, "\x00never\x00")  # no id derived from a removed mention


def test_result_feeds_the_graph_and_scoring(full_ws):
    from linkgraph.api import entity_graph_of
    from linkgraph.scoring.score import score

    result = Workspace.open(full_ws, read_only=True).result()
    graph = entity_graph_of(result)
    assert graph.number_of_nodes() == len(result.entities)
    ranked = score(result)
    assert ranked is not None
    explained = Workspace.open(full_ws, read_only=True).result(tables=True)
    people = explained.mentions[explained.mentions["entity_type"] == "person"]
    entity = people.groupby("entity_id").size().idxmax()
    assert len(explained.why(entity))


# ------------------------------------------------------------------------------------ id key
def test_each_workspace_has_its_own_secret_id_key(tmp_path):
    """Entity ids are keyed hashes with a random key per workspace: the same data gives other ids in
    another workspace, an id cannot be recomputed from a mention id with the default key, and the key
    is never returned by ``table('meta')``."""
    from linkgraph.match.ids import DEFAULT_ID_KEY

    specs = [(m, None) for m in mappings() if m.source in ("police_procedures", "fadettes")]
    a, b = Workspace.create(tmp_path / "a.lgw"), Workspace.create(tmp_path / "b.lgw")
    a.ingest_many(specs)
    b.ingest_many(specs)
    ma, mb = a.result().mentions, b.result().mentions
    assert partition(ma) == partition(mb)
    assert not set(ma["entity_id"]) & set(mb["entity_id"])
    con = duckdb.connect(str(tmp_path / "a.lgw"), read_only=True)
    key = con.execute("SELECT value FROM meta WHERE key = 'id_key'").fetchone()[0]
    con.close()
    assert len(key) == 16 and key != DEFAULT_ID_KEY
    with_key = set(expected_ids(ma, key).values())
    default = set(expected_ids(ma).values())
    assert set(ma["entity_id"]) <= with_key and not set(ma["entity_id"]) & default
    meta = a.table("meta")
    assert "id_key" not in set(meta["key"]) and not meta["value"].astype(str).str.contains(key).any()


def test_deterministic_types_load_only_the_entities_a_batch_can_join(base_ws, ws_copy, monkeypatch):
    """Phones and places resolve with identifier links only: an incremental ingest loads just the
    stored entities sharing an identifier value with the batch (not the whole type); vehicles, whose
    plates one character apart link too, load their whole type. Each gives exactly the partition a
    full re-resolution gives."""
    path = ws_copy(base_ws)
    ws = Workspace.open(path)
    loaded: dict[str, int] = {}
    from linkgraph.store import tables

    original = tables.load_neighbourhood

    def spy(con, entity_type, columns, fresh, identifiers):
        table = original(con, entity_type, columns, fresh, identifiers)
        loaded[entity_type] = len(table)
        return table

    monkeypatch.setattr(tables, "load_neighbourhood", spy)
    ws.ingest(None, load_mapping(SOURCES / "registre_societes.yaml"))
    stored = ws.result().mentions
    assert loaded["phone"] < 0.5 * (stored["entity_type"] == "phone").sum()
    assert "person" not in loaded and "company" not in loaded  # probabilistic / new types: whole type
    full = resolve(read_sources([(m, None) for m in mappings()])).mentions.set_index("mention_id")
    mine = stored.set_index("mention_id")["entity_id"]
    for t in ("phone", "place", "vehicle"):
        g = full[full["entity_type"] == t]
        assert partition(mine.reindex(g.index).reset_index().rename(columns={0: "entity_id"})) == \
            partition(g.reset_index()[["mention_id", "entity_id"]]), t
