"""Ids named by the strong identifier: a phone, vehicle or company gets the same id in separate runs
(other files, other row orders, other mention ids); a workspace keys it with its own secret; two
entities never share an id (fallback, reported)."""
from pathlib import Path

import pandas as pd
import pytest
import yaml
from id_anchors import expected_ids

from linkgraph.api import load_mappings, read_sources
from linkgraph.match.ids import assign_ids, fresh_id
from linkgraph.match.pipeline import resolve
from linkgraph.sources.mapping import load_mapping

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "rules" / "sources"
STRONG = {"phone": "number", "vehicle": "plate_valid", "company": "siren"}


def _ids_by_value(mentions: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for t, col in STRONG.items():
        m = mentions[(mentions["entity_type"] == t)].dropna(subset=[col])
        for value, ids in m.groupby(col)["entity_id"]:
            out[(t, value)] = set(ids)
    return out


def _reversed_copy(name: str, tmp: Path) -> tuple:
    """The fixture file of mapping ``name`` with its rows reversed, read under another source name."""
    mapping = load_mapping(SOURCES / f"{name}.yaml")
    doc = yaml.safe_load((SOURCES / f"{name}.yaml").read_text(encoding="utf-8"))
    encoding = "utf-8-sig" if doc["encoding"] == "auto" else doc["encoding"]
    frame = pd.read_csv(mapping.default_file(), sep=doc["delimiter"], dtype=str, keep_default_na=False,
                        encoding=encoding)
    target = tmp / f"{name}_copy.csv"
    frame.iloc[::-1].to_csv(target, sep=doc["delimiter"], index=False, encoding=encoding)
    doc.update(source=f"{name}_copy", file=target.name)
    (tmp / f"{name}_copy.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return tmp / f"{name}_copy.yaml", target


@pytest.mark.slow
def test_phone_vehicle_and_company_ids_agree_across_separate_runs(tmp_path):
    every = resolve(read_sources([(m, None) for m in load_mappings(SOURCES)]))
    # another run: three of the files, rows reversed, other source names (so other mention ids)
    specs = [_reversed_copy(n, tmp_path) for n in ("fadettes", "registre_societes", "lapi")]
    other = resolve(read_sources(specs))
    assert not set(other.mentions["mention_id"]) & set(every.mentions["mention_id"])
    a, b = _ids_by_value(every.mentions), _ids_by_value(other.mentions)
    shared = set(a) & set(b)
    assert {t for t, _ in shared} == set(STRONG) and len(shared) > 20
    for value in shared:
        assert len(a[value]) == 1 and a[value] == b[value], value
    # persons keep the first-mention scheme
    persons = every.mentions[every.mentions["entity_type"] == "person"]
    assert all(e == x for e, x in expected_ids(persons).items())


def test_a_workspace_keys_the_strong_id_with_its_secret(tmp_path):
    import duckdb

    from linkgraph.store.workspace import Workspace

    spec = [(m, None) for m in load_mappings(SOURCES) if m.source == "fadettes"]
    ws = Workspace.create(tmp_path / "w.lgw")
    ws.ingest_many(spec)
    stored = ws.result().mentions
    con = duckdb.connect(str(tmp_path / "w.lgw"), read_only=True)
    key = con.execute("SELECT value FROM meta WHERE key = 'id_key'").fetchone()[0]
    con.close()
    files = resolve(read_sources(spec)).mentions
    phones = stored[stored["entity_type"] == "phone"].drop_duplicates("entity_id")
    assert len(phones) > 5
    for entity, number in zip(phones["entity_id"], phones["number"]):
        assert entity == fresh_id("phone", f"strong\x1fnumber\x1f{number}", key)
        assert entity not in set(files["entity_id"])  # the files run's id: another key
        assert set(files.loc[files["number"] == number, "entity_id"]) == {fresh_id("phone", f"strong\x1fnumber\x1f{number}")}


def _frame(rows):
    return pd.DataFrame(rows).reindex(columns=["mention_id", "entity_type", "number", "plate", "plate_valid", "vin",
                                               "siren"])


def test_one_entity_with_two_plates_or_a_plate_and_a_vin_is_named_deterministically():
    m = _frame([{"mention_id": "a:1:v", "entity_type": "vehicle", "plate": "AB-123-CD", "plate_valid": "AB-123-CD",
                 "vin": "VF1AAAAAAAA000001"},
                {"mention_id": "a:2:v", "entity_type": "vehicle", "plate": "EF-456-GH", "plate_valid": "EF-456-GH"},
                {"mention_id": "a:3:v", "entity_type": "vehicle", "plate": "EF-456-GH", "plate_valid": "EF-456-GH"},
                {"mention_id": "a:4:v", "entity_type": "vehicle", "plate": "EF456G"},  # a misread, never chosen
                {"mention_id": "a:5:v", "entity_type": "vehicle", "vin": "VF1AAAAAAAA000002"},
                {"mention_id": "a:6:v", "entity_type": "vehicle", "plate": "1234BCD"}])
    ids, _ = assign_ids(m, pd.Series(["x", "x", "x", "x", "y", "z"]))
    assert ids[0] == fresh_id("vehicle", "strong\x1fplate\x1fEF-456-GH")        # the valid plate most records carry
    assert ids[4] == fresh_id("vehicle", "strong\x1fvin\x1fVF1AAAAAAAA000002")  # no valid plate: the VIN
    assert ids[5] == fresh_id("vehicle", "strong\x1fplate\x1f1234BCD")          # else the plate as read
    again, _ = assign_ids(m.iloc[::-1].reset_index(drop=True), pd.Series(["z", "y", "x", "x", "x", "x"]))
    assert list(again[::-1]) == list(ids)


def test_two_entities_with_one_value_never_share_an_id_and_the_fallback_is_reported():
    m = _frame([{"mention_id": "a:1:v", "entity_type": "vehicle", "plate_valid": "AB-123-CD", "vin": "VF1AAAAAAAA000001"},
                {"mention_id": "a:2:v", "entity_type": "vehicle", "plate_valid": "AB-123-CD", "vin": "VF1AAAAAAAA000002"},
                {"mention_id": "a:3:t", "entity_type": "phone", "number": "+33601020304"},
                {"mention_id": "a:4:t", "entity_type": "phone", "number": "+33601020304"}])
    notes: list = []
    ids, _ = assign_ids(m, pd.Series(["x", "y", "p", "q"]), notes=notes)
    assert len(set(ids)) == 4
    # a cloned plate: each vehicle is named by its VIN; one number split in two: the first-mention scheme
    assert ids[0] == fresh_id("vehicle", "strong\x1fvin\x1fVF1AAAAAAAA000001")
    assert ids[1] == fresh_id("vehicle", "strong\x1fvin\x1fVF1AAAAAAAA000002")
    assert (ids[2], ids[3]) == (fresh_id("phone", "a:3:t"), fresh_id("phone", "a:4:t"))
    assert sorted(n.message() for n in notes) == [
        "2 phone entities share number +33601020304: none is named by it (next identifier, else first mention)",
        "2 vehicle entities share plate AB-123-CD: none is named by it (next identifier, else first mention)"]


def test_caviar_phases_resolved_apart_name_each_line_alike(tmp_path):
    """CAVIAR phases 3, 9 and 11 as three separate runs: one row number holds different lines in
    each file, yet a line gets one id in every run and an id never names two lines."""
    from linkgraph.api import resolve_sources
    from linkgraph.graph.datasets import CAVIAR_MATRIX, caviar_calls_csv, caviar_mapping
    from linkgraph.sources.mapping import parse_mapping

    ids: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    for phase in (3, 9, 11):
        calls = tmp_path / f"phase{phase}.csv"
        caviar_calls_csv(CAVIAR_MATRIX.parent / f"phase{phase}.csv", calls)
        phones = resolve_sources([(parse_mapping(caviar_mapping()), calls)]).mentions
        phones = phones[phones["entity_type"] == "phone"]
        for number, entity in zip(phones["number"], phones["entity_id"]):
            ids.setdefault(number, set()).add(entity)
            names.setdefault(entity, set()).add(number)
    assert len(ids) > 20
    assert all(len(v) == 1 for v in ids.values()) and all(len(v) == 1 for v in names.values())
