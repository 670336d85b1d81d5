"""Vehicles, cause by cause: OCR confusions, a dropped character, both, and sibling plates of one
fleet (one legitimate character apart) that must stay apart; the default vehicle model."""
from itertools import combinations

import numpy as np
import pandas as pd

from linkgraph.match.keys_plate import ORIGIN, deletion_pairs, one_dropped
from linkgraph.match.pipeline import DEFAULT_RULES
from linkgraph.match.resolve_table import resolve_table
from linkgraph.match.settings import load_settings
from linkgraph.normalize.fields import derive_columns, normalize_field

MODEL = load_settings(DEFAULT_RULES / "vehicle.yaml")


def _vehicles(rows: list[dict]) -> pd.DataFrame:
    """Vehicle records normalized as the pipeline normalizes them."""
    raw = pd.DataFrame(rows).reindex(columns=["plate", "vin", "make", "model", "colour"])
    frame = pd.DataFrame(index=raw.index)
    for field in raw.columns:
        values = raw[field].astype(object).where(raw[field].notna(), None)
        outputs, _ = normalize_field("vehicle", field, values)
        for column, series in outputs.items():
            frame[column] = series
    return derive_columns("vehicle", frame)


def _together(rows: list[dict]) -> np.ndarray:
    return resolve_table(_vehicles(rows), MODEL).labels


def test_a_read_with_one_character_dropped_joins_its_plate():
    labels = _together([{"plate": "KY-548-VE", "make": "RENAULT"}, {"plate": "KY548V"}, {"plate": "Y548VE"},
                        {"plate": "KY-549-VE"}])
    assert labels[0] == labels[1] == labels[2] != labels[3]


def test_ocr_confusions_join_and_so_does_an_ocr_read_missing_a_character():
    labels = _together([{"plate": "FB-180-GD"}, {"plate": "F8-I80-6D"}, {"plate": "FB 18O GO"}, {"plate": "F8I8OG"}])
    assert len(set(labels)) == 1


def test_sibling_plates_of_a_fleet_stay_apart_and_an_ambiguous_read_stays_alone():
    fleet = [{"plate": f"FB-12{k}-KD", "make": "RENAULT", "model": "KANGOO", "colour": "BLANC"} for k in range(3, 6)]
    labels = _together(fleet + [{"plate": "FB12KD"},   # one drop from FB-123-KD, -124- and -125-: cannot tell
                                {"plate": "FB124K"},   # one drop from FB-124-KD only
                                {"plate": "FB-125-KQ"}])  # D/Q is an OCR look-alike, but both plates are valid
    assert len({labels[0], labels[1], labels[2]}) == 3
    assert labels[3] not in {labels[0], labels[1], labels[2]}
    assert labels[4] == labels[1]
    assert labels[5] != labels[2]


def test_a_conflicting_make_colour_or_vin_keeps_a_shortened_read_apart():
    labels = _together([{"plate": "KY-548-VE", "make": "RENAULT", "colour": "BLANC"},
                        {"plate": "KY548V", "make": "PEUGEOT"},
                        {"plate": "Y548VE", "make": "renault", "colour": "NOIR"},
                        {"plate": "KY548E", "make": "Renault"}])
    assert labels[1] != labels[0] and labels[2] != labels[0] and labels[3] == labels[0]


def test_a_shortened_read_that_is_itself_a_valid_plate_is_taken_as_written():
    labels = _together([{"plate": "123 ABC 75"}, {"plate": "12 ABC 75"}])  # both valid FNI plates
    assert labels[0] != labels[1]


def test_deletion_pairs_are_every_pair_one_character_dropped():
    rng = np.random.default_rng(3)
    keys = sorted({"".join(rng.choice(list("AB12"), int(rng.integers(4, 9)))) for _ in range(400)})
    long, short = deletion_pairs(np.array(keys, dtype=object), min_length=4)
    found = {(keys[a], keys[b]) for a, b in zip(long, short)}
    expected = {(a, b) for a, b in combinations(keys, 2) for a, b in ((a, b), (b, a)) if one_dropped(a, b)
                and len(b) >= 4}
    assert found == expected and len(found) > 50


def test_the_link_says_why():
    res = resolve_table(_vehicles([{"plate": "KY-548-VE"}, {"plate": "KY548V"}]), MODEL)
    assert list(res.edges.origin) == [ORIGIN]


def test_a_workspace_batch_with_a_shortened_read_joins_the_stored_vehicle(tmp_path):
    from linkgraph.store.workspace import Workspace

    mapping = ("source: {name}\nagency: police\nclassification: confidential\nformat: csv\nencoding: utf-8\n"
               "delimiter: \",\"\nfile: {name}.csv\nmentions:\n  vehicle:\n    type: vehicle\n    fields:\n"
               "      plate: plate\n      make: make\n")
    for name, rows in (("pv", "plate,make\nKY-548-VE,RENAULT\nFB-123-KD,DACIA\nFB-124-KD,DACIA\n"),
                       ("lapi", "plate,make\nKY548V,\nFB12KD,\nFB124K,\n")):
        (tmp_path / f"{name}.yaml").write_text(mapping.format(name=name), encoding="utf-8")
        (tmp_path / f"{name}.csv").write_text(rows, encoding="utf-8")
    ws = Workspace.create(tmp_path / "w.lgw")
    ws.ingest(tmp_path / "pv.csv", tmp_path / "pv.yaml")
    ws.ingest(tmp_path / "lapi.csv", tmp_path / "lapi.yaml")   # incremental: against the stored vehicles
    e = ws.result().mentions.set_index("mention_id")["entity_id"]
    assert e["lapi:1:vehicle"] == e["pv:1:vehicle"]
    assert e["lapi:3:vehicle"] == e["pv:3:vehicle"] != e["pv:2:vehicle"]
    assert e["lapi:2:vehicle"] not in {e["pv:2:vehicle"], e["pv:3:vehicle"]}


def test_candidates_beyond_the_pair_budget_stop_the_run_with_a_clear_error():
    import pytest

    from linkgraph.errors import BudgetError
    from linkgraph.match.keys_plate import near_identifier_edges

    df = _vehicles([{"plate": p} for p in ("KY-548-VE", "KY548V", "FB-123-KD", "FB123K")])
    with pytest.raises(BudgetError, match="pairs_per_rule"):
        near_identifier_edges(df, MODEL.near_identifiers, budget=1)
    assert len(near_identifier_edges(df, MODEL.near_identifiers, budget=2).i) == 2
