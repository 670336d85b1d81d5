"""Priority scoring on the fixtures: precision@10 against the planted heads and brokers, with
each factor removed in turn (its weight set to zero), line attribution switched off, and planted
hubs in the top 10.

    python benchmarks/scoring_ablation.py
"""
from __future__ import annotations

import pandas as pd

import linkgraph
from linkgraph.api import REPO_ROOT
from linkgraph.evaluate.runs import precision_at, true_entity_of
from linkgraph.scoring.config import load_scoring
from linkgraph.scoring.score import FACTORS, score


def main() -> None:
    data = REPO_ROOT / "fixtures" / "data"
    truth = pd.read_csv(data / "truth_mentions.csv", dtype=str)
    roles = pd.read_csv(data / "truth_roles.csv", dtype=str)
    relevant = set(roles.loc[roles["role"].isin(["head", "broker"]), "entity_id"])
    hubs = set(roles.loc[roles["role"] == "hub", "entity_id"])
    result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])
    true_of = true_entity_of(result.mentions, truth)
    base = load_scoring()
    print(f"relevant persons (planted heads and brokers): {len(relevant)}")
    print("| configuration | precision@10 | heads+brokers in top 10 | planted hubs in top 10 |")
    print("|---|---|---|---|")
    no_attribution = base.model_copy(update={"attribution": base.attribution.model_copy(update={"enabled": False})})
    configurations = [("all factors", base)] + [(f"without {f}", base.without(f)) for f in FACTORS] + [
        ("all factors, no line attribution", no_attribution)]
    for name, settings in configurations:
        ranked = score(result, settings).persons["entity_id"].map(true_of)
        top = list(dict.fromkeys(ranked.dropna()))[:10]
        p = precision_at(ranked, relevant, 10)
        print(f"| {name} | {p:.2f} | {sum(t in relevant for t in top)} | {sum(t in hubs for t in top)} |")


if __name__ == "__main__":
    main()
