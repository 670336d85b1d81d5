"""Priority scoring on the fixtures: precision@10 against the planted heads and brokers, with
each factor removed in turn (its weight set to zero), line attribution switched off, and planted
hubs in the top 10; then the same settings on other fixture seeds.

    python benchmarks/scoring_ablation.py                          # bundled fixtures (seed 7)
    python benchmarks/scoring_ablation.py --seeds 1 2 3 --work DIR # + seeds generated into DIR

Other seeds are made with ``python -m fixtures.generate --seed N --out DIR/seedN`` (a separate
process; ``fixtures/`` is not touched) and resolved with the bundled mappings.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd

import linkgraph
from linkgraph.api import REPO_ROOT
from linkgraph.evaluate.runs import precision_at, true_entity_of
from linkgraph.scoring.config import ScoringSettings, load_scoring
from linkgraph.scoring.score import FACTORS, score


def _resolve(data: Path):
    truth = pd.read_csv(data / "truth_mentions.csv", dtype=str)
    mappings = [m for m in linkgraph.load_mappings() if truth["mention_id"].str.startswith(m.source + ":").any()]
    result = linkgraph.resolve_sources([(m, data / Path(m.file).name) for m in mappings])
    roles = pd.read_csv(data / "truth_roles.csv", dtype=str)
    return result, true_entity_of(result.mentions, truth), roles


def _measure(resolved, settings: ScoringSettings) -> tuple[float, int, int]:
    """precision@10, relevant people and planted hubs among the first 10 distinct true persons."""
    result, true_of, roles = resolved
    relevant = set(roles.loc[roles["role"].isin(["head", "broker"]), "entity_id"])
    hubs = set(roles.loc[roles["role"] == "hub", "entity_id"])
    ranked = score(result, settings).persons["entity_id"].map(true_of)
    top = list(dict.fromkeys(ranked.dropna()))[:10]
    return precision_at(ranked, relevant, 10), sum(t in relevant for t in top), sum(t in hubs for t in top)


def _no_attribution(base: ScoringSettings) -> ScoringSettings:
    return base.model_copy(update={"attribution": base.attribution.model_copy(update={"enabled": False})})


def _normalized(base: ScoringSettings, method: str) -> ScoringSettings:
    return base.model_copy(update={"normalization": method})


def _network_parts(base: ScoringSettings, parts: dict[str, float]) -> ScoringSettings:
    network = base.factors.network.model_copy(update={"parts": parts})
    return base.model_copy(update={"factors": base.factors.model_copy(update={"network": network})})


OLD_PARTS = {"betweenness": 0.5, "brokerage": 0.25, "fragmentation": 0.25}   # before issue 15


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="*", default=[], help="other fixture seeds to generate and score")
    ap.add_argument("--work", type=Path, default=None, help="folder for the generated seeds (required with --seeds)")
    args = ap.parse_args()
    base = load_scoring()
    bundled = _resolve(REPO_ROOT / "fixtures" / "data")
    relevant = bundled[2].loc[bundled[2]["role"].isin(["head", "broker"]), "entity_id"].nunique()
    print(f"relevant persons (planted heads and brokers): {relevant}")
    print("| configuration | precision@10 | heads+brokers in top 10 | planted hubs in top 10 |")
    print("|---|---|---|---|")
    configurations = [("all factors", base)] + [(f"without {f}", base.without(f)) for f in FACTORS] + [
        ("all factors, no line attribution", _no_attribution(base)),
        ("normalization capped at the 95th percentile (before)", _normalized(base, "capped")),
        ("normalization by rank", _normalized(base, "rank")),
        ("network: betweenness + 1 - constraint + fragmentation (before)", _network_parts(base, OLD_PARTS)),
        ("network: betweenness alone", _network_parts(base, {"betweenness": 1.0})),
        ("network: betweenness + 1 - constraint", _network_parts(base, {"betweenness": 1 / 3, "brokerage": 2 / 3}))]
    for name, settings in configurations:
        p, n, h = _measure(bundled, settings)
        print(f"| {name} | {p:.2f} | {n} | {h} |")
    if not args.seeds:
        return
    if args.work is None:
        ap.error("--seeds needs --work DIR")
    columns = [("all factors", base), ("without concealment", base.without("concealment")),
               ("without network", base.without("network")), ("no line attribution", _no_attribution(base)),
               ("capped normalization", _normalized(base, "capped")),
               ("network parts before", _network_parts(base, OLD_PARTS))]
    print()
    print("| seed | " + " | ".join(name for name, _ in columns) + " | planted hubs in top 10 (all factors) |")
    print("|---" * (len(columns) + 2) + "|")
    sums = [0.0] * len(columns)
    seeds = [("7 (bundled)", bundled)]
    for seed in args.seeds:
        out = args.work / f"seed{seed}"
        if not (out / "truth_roles.csv").exists():
            subprocess.run([sys.executable, "-m", "fixtures.generate", "--seed", str(seed), "--out", str(out)],
                           check=True, cwd=REPO_ROOT, stdout=subprocess.DEVNULL)
        seeds.append((str(seed), _resolve(out)))
    for label, resolved in seeds:
        cells, hubs = [], 0
        for i, (name, settings) in enumerate(columns):
            p, _, h = _measure(resolved, settings)
            sums[i] += p
            hubs = h if i == 0 else hubs
            cells.append(f"{p:.2f}")
        print(f"| {label} | " + " | ".join(cells) + f" | {hubs} |")
    print("| mean | " + " | ".join(f"{s / len(seeds):.2f}" for s in sums) + " | |")


if __name__ == "__main__":
    main()
