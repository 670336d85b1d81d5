"""A saved run reads back as the resolution that wrote it: explain, why, scored pairs, tables."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import linkgraph
from linkgraph.errors import UnknownId
from linkgraph.run_folder import RunFolderError, load_run

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    result = linkgraph.resolve_sources([(REPO / "rules/sources/police_procedures.yaml", None),
                                        (REPO / "rules/sources/gendarmerie.yaml", None)])
    folder = tmp_path_factory.mktemp("run") / "run"
    linkgraph.save_resolution(result, folder)
    return result, folder, linkgraph.load_resolution(folder)


def test_tables_round_trip(saved):
    result, _, loaded = saved
    pd.testing.assert_frame_equal(loaded.mentions.reset_index(drop=True), result.mentions.reset_index(drop=True),
                                  check_dtype=False)
    assert sorted(loaded.entities["entity_id"]) == sorted(result.entities["entity_id"])
    assert len(loaded.relations) == len(result.relations) and len(loaded.rows) == len(result.rows)
    assert set(loaded.models) == set(result.models)
    assert loaded.models["person"].model_dump(exclude={"path"}) == result.models["person"].model_dump(exclude={"path"})


def test_explain_why_and_scored_pairs_are_the_runs(saved):
    result, _, loaded = saved
    for entity_type in result.tables:
        table, res = result.tables[entity_type]
        table2, res2 = loaded.tables[entity_type]
        assert list(table2.columns) == list(table.columns)
        assert table2["mention_id"].tolist() == table["mention_id"].tolist()
        if res.scored is not None:
            assert np.allclose(res2.scored.probability, res.scored.probability)
            ids = table["mention_id"].to_numpy()
            order = np.argsort(-res.scored.probability)
            for k in [*order[:3], order[len(order) // 2], order[-1]]:
                a, b = ids[res.scored.i[k]], ids[res.scored.j[k]]
                assert loaded.explain_pair(a, b) == result.explain_pair(a, b)
    people = result.entities[result.entities["entity_type"] == "person"].sort_values("mentions")
    for eid in people["entity_id"].tail(5):
        pd.testing.assert_frame_equal(loaded.why(eid).sort_values(["mention_a", "mention_b"]).reset_index(drop=True),
                                      result.why(eid).sort_values(["mention_a", "mention_b"]).reset_index(drop=True),
                                      check_dtype=False)


def test_ids_as_users_write_them(saved):
    result, _, loaded = saved
    assert loaded.entity_of("police:12:suspect") == result.entity_of("police_procedures:12:suspect")
    with pytest.raises(UnknownId, match="no mention 'police:99999:suspect'.*police_procedures"):
        loaded.explain_pair("police:99999:suspect", "gendarmerie:2:person")
    with pytest.raises(KeyError):  # still a KeyError for code that caught one
        result.why("P-3f9a1c2b7d")


def test_incomplete_folders_are_named(tmp_path, saved):
    _, folder, _ = saved
    with pytest.raises(RunFolderError, match="no such run folder"):
        load_run(tmp_path / "nothing")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "summary.json").write_text("{}")
    with pytest.raises(RunFolderError, match="mentions.parquet missing"):
        load_run(tmp_path / "half")
