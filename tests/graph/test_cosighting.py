"""LAPI co-sightings: window edges, occasions, evidence, reads from relations."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from linkgraph.graph.cosighting import COSIGHTING_COLUMNS, co_sightings, reads_from_relations
from linkgraph.graph.edges import EDGE_COLUMNS

DAY = pd.Timestamp("2023-06-01T08:00:00")


def reads(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """(vehicle, camera, seconds after DAY) → a reads table with provenance lapi:1, lapi:2..."""
    return pd.DataFrame({"vehicle": [r[0] for r in rows], "camera": [r[1] for r in rows],
                         "time": [(DAY + pd.Timedelta(seconds=r[2])).isoformat() for r in rows],
                         "source": "lapi", "row": range(1, len(rows) + 1), "agency": "lapi",
                         "classification": "confidential"})


def passes(a: str, b: str, gap: float, times: int, camera: str = "L-cam1", every: float = 86_400) -> list:
    return [r for k in range(times) for r in ((a, camera, k * every), (b, camera, k * every + gap))]


def edge(out: pd.DataFrame, a: str, b: str) -> pd.Series | None:
    hit = out[(out["from_entity"] == a) & (out["to_entity"] == b)]
    return hit.iloc[0] if len(hit) else None


def test_exactly_at_window_counts_just_outside_does_not():
    at = co_sightings(reads(passes("V-a", "V-b", 120, 3)), window_seconds=120, min_times=3)
    assert edge(at, "V-a", "V-b") is not None
    outside = co_sightings(reads(passes("V-a", "V-b", 121, 3)), window_seconds=120, min_times=3)
    assert len(outside) == 0


def test_repeated_vs_once():
    rows = passes("V-a", "V-b", 30, 3) + [("V-c", "L-cam1", 10), ("V-d", "L-cam2", 5_000), ("V-e", "L-cam2", 5_010)]
    out = co_sightings(reads(rows), window_seconds=120, min_times=3)
    assert list(out["edge_id"]) == ["V-a|seen_together|V-b"]  # V-c once with each, V-d/V-e once
    e = out.iloc[0]
    assert e["occasions"] == 3 and e["count"] == 3 and e["weight"] == 3.0 and not e["directed"]
    assert e["type"] == "seen_together" and e["cameras"] == "L-cam1" and e["n_cameras"] == 1
    assert e["first_seen"] == "2023-06-01T08:00:00" and e["last_seen"] == "2023-06-03T08:00:30"
    assert e["evidence"] == ["lapi:1", "lapi:2", "lapi:3", "lapi:4", "lapi:5", "lapi:6"]
    assert e["agencies"] == "lapi" and e["classification"] == "confidential"
    once = co_sightings(reads(rows), window_seconds=120, min_times=1)
    assert set(once["edge_id"]) == {"V-a|seen_together|V-b", "V-a|seen_together|V-c", "V-b|seen_together|V-c",
                                    "V-d|seen_together|V-e"}
    assert list(once.columns) == COSIGHTING_COLUMNS and COSIGHTING_COLUMNS[: len(EDGE_COLUMNS)] == EDGE_COLUMNS


def test_one_pass_read_several_times_is_one_occasion():
    # a convoy read four times within two minutes at one camera: many read pairs, one occasion
    rows = [("V-a", "L-cam1", 0), ("V-b", "L-cam1", 20), ("V-a", "L-cam1", 60), ("V-b", "L-cam1", 90)]
    out = co_sightings(reads(rows), window_seconds=120, min_times=1)
    assert out.iloc[0]["occasions"] == 1 and out.iloc[0]["co_reads"] == 4
    assert co_sightings(reads(rows), window_seconds=120, min_times=2).empty
    # the same convoy at three cameras is three occasions
    rows = [(v, cam, t) for cam, t0 in (("L-1", 0), ("L-2", 300), ("L-3", 900)) for v, t in (("V-a", t0), ("V-b", t0 + 5))]
    out = co_sightings(reads(rows), window_seconds=120, min_times=3)
    assert out.iloc[0]["occasions"] == 3 and out.iloc[0]["n_cameras"] == 3


def test_same_vehicle_other_camera_and_order_do_not_matter():
    rows = passes("V-a", "V-a", 10, 5)  # one vehicle read twice: not a pair
    rows += [(v, cam, 3_600 + k * 86_400 + dt) for k in range(5) for v, cam, dt in (("V-x", "L-cam1", 0), ("V-y", "L-cam2", 10))]
    assert co_sightings(reads(rows), 120, 1).empty  # self-pairs and different cameras never count
    shuffled = reads(passes("V-b", "V-a", 10, 4)).sample(frac=1, random_state=3)
    out = co_sightings(shuffled, 120, 4)
    assert list(out["edge_id"]) == ["V-a|seen_together|V-b"]


def test_window_and_min_times_are_arguments():
    r = reads(passes("V-a", "V-b", 200, 2))
    assert co_sightings(r, window_seconds=120, min_times=2).empty
    assert len(co_sightings(r, window_seconds=200, min_times=2)) == 1
    assert co_sightings(r, window_seconds=200, min_times=3).empty


def brute_force(r: pd.DataFrame, window: int) -> dict:
    t = pd.to_datetime(r["time"]).astype("int64") // 10**9
    co = {}
    for i, j in itertools.combinations(range(len(r)), 2):
        if r["camera"].iat[i] == r["camera"].iat[j] and r["vehicle"].iat[i] != r["vehicle"].iat[j] \
                and abs(t.iat[i] - t.iat[j]) <= window:
            key = tuple(sorted((r["vehicle"].iat[i], r["vehicle"].iat[j])))
            co.setdefault((key, r["camera"].iat[i]), []).append(min(t.iat[i], t.iat[j]))
    occasions: dict = {}
    for (key, _), starts in co.items():
        starts.sort()
        occasions[key] = occasions.get(key, 0) + 1 + sum(b - a > window for a, b in zip(starts, starts[1:]))
    return occasions


def test_matches_brute_force_on_random_reads():
    rng = np.random.default_rng(11)
    n = 600
    rows = list(zip([f"V-{k}" for k in rng.integers(0, 25, n)], [f"L-{k}" for k in rng.integers(0, 4, n)],
                    rng.integers(0, 40_000, n).astype(float)))
    r = reads(rows)
    expected = brute_force(r, 120)
    out = co_sightings(r, window_seconds=120, min_times=1)
    got = {(a, b): o for a, b, o in zip(out["from_entity"], out["to_entity"], out["occasions"])}
    assert got == expected
    assert set(co_sightings(r, 120, 2)["edge_id"]) == {f"{a}|seen_together|{b}" for (a, b), o in expected.items() if o >= 2}


def test_reads_from_relations(rel):
    relations = pd.DataFrame([
        rel("V-1", "L-c", "seen_at", "lapi", 1, agency="lapi", time="2023-06-01T07:26:56"),
        rel("V-2", "L-c", "seen_at", "lapi", 2, agency="lapi", time="2023-06-01T07:27:56"),
        rel("P-1", "L-c", "seen_at", "pm", 3, time="2023-06-01T07:27:00"),   # a person, not a plate read
        rel("V-3", "L-c", "seen_at", "pm", 4, time=None),                    # no time
        rel("V-4", "L-c", "drives", "pm", 5, time="2023-06-01T07:27:00"),
    ])
    r = reads_from_relations(relations)
    assert list(r["vehicle"]) == ["V-1", "V-2"] and list(r["row"]) == [1, 2]
    assert list(r["time"]) == ["2023-06-01T07:26:56", "2023-06-01T07:27:56"]
    out = co_sightings(r, 120, 1)
    assert out.iloc[0]["evidence"] == ["lapi:1", "lapi:2"]
