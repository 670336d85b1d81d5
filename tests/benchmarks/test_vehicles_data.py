"""The vehicle benchmark's generator and scorer: truth consistent with the files, siblings one
legitimate character apart, every cause present; the default model meets the bar on a small draw."""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from causes_vehicle import run  # noqa: E402
from vehicles_data import generate  # noqa: E402


def test_generator_truth_siblings_and_causes(tmp_path):
    counts = generate(3000, tmp_path, seed=5)
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str, keep_default_na=False)
    rows = {s: len(pd.read_csv(tmp_path / f"{s}.csv", dtype=str)) for s in ("pv", "lapi", "controles")}
    assert len(truth) == sum(rows.values()) == counts["rows"]
    for s, n in rows.items():   # every row of every file, once
        assert sorted(truth.loc[truth["source"] == s, "row"].astype(int)) == list(range(1, n + 1))
    assert {"clean", "format", "ocr", "dropped", "fni", "vin_only"} <= set(truth["cause"])
    files = {s: pd.read_csv(tmp_path / f"{s}.csv", dtype=str, keep_default_na=False) for s in rows}
    t = truth[truth["source"] == "pv"]
    pv = files["pv"].assign(truth=pd.Series(t["truth"].to_numpy(), index=t["row"].astype(int) - 1).sort_index().to_numpy())
    plate = pv[pv["plate"].str.match(r"^[A-Z]{2}-\d{3}-[A-Z]{2}$")].drop_duplicates("truth").set_index("truth")["plate"]
    sib = pd.read_csv(tmp_path / "siblings.csv", dtype=str)
    both = sib[sib["a"].isin(plate.index) & sib["b"].isin(plate.index)]
    assert len(both) > 10
    apart = []
    for a, b in zip(plate[both["a"]], plate[both["b"]]):   # consecutive registrations of one series
        assert a[:2] == b[:2] and a[-2:] == b[-2:] and int(a[3:6]) + 1 == int(b[3:6])
        apart.append(sum(x != y for x, y in zip(a, b)))
    assert sum(d == 1 for d in apart) > 0.8 * len(apart)   # mostly one legitimate character apart


def test_default_model_meets_the_bar_on_a_small_draw(tmp_path):
    report = run(4000, tmp_path, seed=5)
    assert report["siblings_merged"] == 0
    assert report["scores"]["all"].f1 >= 0.98
    assert report["scores"]["dropped"].recall >= 0.85 and report["scores"]["dropped"].precision >= 0.98
