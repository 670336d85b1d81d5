"""A large file is extracted in chunks with a rows progress; the result is the one-piece result."""
from pathlib import Path

import pandas as pd
import pytest

from linkgraph.sources.extract import read_source
from linkgraph.sources.mapping import load_mapping

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["police_procedures", "fadettes", "douane_saisies"])
def test_chunked_extraction_equals_one_piece(name):
    mapping = load_mapping(ROOT / "rules" / "sources" / f"{name}.yaml")
    path = ROOT / "fixtures" / "data" / mapping.file
    whole = read_source(mapping, path)
    seen: list[tuple[int, int]] = []
    chunked = read_source(mapping, path, on_rows=lambda done, total: seen.append((done, total)), chunk_rows=23)
    total = len(whole.rows)
    assert total > 3 * 23, "the fixture file must span several chunks"
    # progress: one call per chunk, rising, ending at every row of the file
    assert [d for d, _ in seen] == sorted({min(k, total) for k in range(23, total + 23, 23)})
    assert {t for _, t in seen} == {total}
    for frame in ("rows", "mentions", "relations"):
        pd.testing.assert_frame_equal(getattr(chunked, frame), getattr(whole, frame), check_dtype=False)
    # the same rejects (same rows, columns and reasons), whatever their order
    key = ["row", "column", "reason", "value"]
    pd.testing.assert_frame_equal(chunked.rejects.sort_values(key).reset_index(drop=True),
                                  whole.rejects.sort_values(key).reset_index(drop=True), check_dtype=False)


def test_a_small_file_reports_its_rows_once():
    mapping = load_mapping(ROOT / "rules" / "sources" / "police_procedures.yaml")
    seen: list[tuple[int, int]] = []
    ext = read_source(mapping, ROOT / "fixtures" / "data" / mapping.file, on_rows=lambda d, t: seen.append((d, t)))
    assert seen == [(len(ext.rows), len(ext.rows))]
