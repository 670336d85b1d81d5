"""Evaluation runs: bundled fixtures, FEBRL3/4, or any labelled file."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from linkgraph.errors import LinkgraphError
from linkgraph.evaluate.datasets import febrl
from linkgraph.evaluate.metrics import PairScores, pairwise_scores
from linkgraph.match.pipeline import resolve
from linkgraph.match.resolve_table import resolve_table
from linkgraph.match.settings import load_settings

BENCHMARK_RULES = Path(__file__).resolve().parents[2] / "rules" / "matching" / "benchmarks"


def scores_by_type(mentions: pd.DataFrame, truth: pd.DataFrame) -> dict[str, PairScores]:
    """Pairwise scores per entity type; ``truth`` has mention_id and entity_id (true)."""
    joined = mentions[["mention_id", "entity_type", "entity_id"]].merge(
        truth[["mention_id", "entity_id"]].rename(columns={"entity_id": "true_id"}), on="mention_id", how="left")
    missing = joined["true_id"].isna()
    if missing.any():
        raise LinkgraphError(f"{int(missing.sum())} mentions have no ground truth, e.g. {joined.loc[missing, 'mention_id'].iloc[0]}")
    return {t: pairwise_scores(g["entity_id"], g["true_id"]) for t, g in joined.groupby("entity_type")}


def evaluate_fixtures(data: Path, sources: Path, rules: Path) -> list[str]:
    from linkgraph.api import load_mappings, read_sources

    truth = pd.read_csv(data / "truth_mentions.csv", dtype=str)
    result = resolve(read_sources([(m, None) for m in load_mappings(sources) if _has_truth(m, truth)]), rules)
    lines = [s.line(t) for t, s in sorted(scores_by_type(result.mentions, truth).items())]
    expected = data / "truth_rejects.csv"
    if expected.exists():
        want = pd.read_csv(expected, dtype=str)[["source", "row"]].drop_duplicates()
        got = result.rejects[["source", "row"]].astype(str).drop_duplicates()
        both = want.merge(got, on=["source", "row"])
        lines.append(f"rejects expected={len(want)} found={len(got)} agreed={len(both)}")
    return lines


def _has_truth(mapping, truth: pd.DataFrame) -> bool:
    return truth["mention_id"].str.startswith(mapping.source + ":").any()


def evaluate_febrl(name: str) -> list[str]:
    df, truth = febrl(name)
    settings = load_settings(BENCHMARK_RULES / f"{name}.yaml")
    res = resolve_table(df, settings)
    return [pairwise_scores(res.labels, truth).line("person")]


def evaluate_labelled(specs, truth_path: Path, rules: Path) -> list[str]:
    """Labelled files: ``truth`` has ``record_id,entity_id`` (record_id = the mapping's record_id
    column, or the row number when the mapping has none); an optional ``mention`` column names
    the mention it labels when a row mentions several entities."""
    from linkgraph.api import read_sources
    from linkgraph.sources.mapping import load_mapping

    truth = pd.read_csv(truth_path, dtype=str)
    for col in ("record_id", "entity_id"):
        if col not in truth:
            raise LinkgraphError(f"{truth_path}: column {col!r} missing (expected record_id,entity_id)")
    extraction = read_sources(specs)
    result = resolve(extraction, rules)
    mentions = result.mentions.merge(extraction.rows[["source", "row", "record_id"]], on=["source", "row"], how="left")
    use_record_id = mentions["record_id"].notna().any()
    mentions["key"] = mentions["record_id"] if use_record_id else mentions["row"].astype(str)
    mappings = [load_mapping(m) if not hasattr(m, "mentions") else m for m, _ in specs]
    slots = {s for m in mappings for s in m.mentions}
    if "mention" in truth:
        mentions = mentions.merge(truth.rename(columns={"record_id": "key", "mention": "slot",
                                                        "entity_id": "true_id"}), on=["key", "slot"], how="inner")
    else:
        if len(slots) > 1:
            raise LinkgraphError(f"{truth_path}: the mapping mentions several entities ({', '.join(sorted(slots))}); "
                                 "add a 'mention' column saying which one each line labels")
        mentions = mentions.merge(truth.rename(columns={"record_id": "key", "entity_id": "true_id"}), on="key",
                                  how="inner")
    return [pairwise_scores(g["entity_id"], g["true_id"]).line(t) for t, g in sorted(mentions.groupby("entity_type"))]


def true_entity_of(mentions: pd.DataFrame, truth: pd.DataFrame) -> pd.Series:
    """Each predicted entity's true entity: the one most of its mentions belong to."""
    joined = mentions[["mention_id", "entity_id"]].merge(
        truth[["mention_id", "entity_id"]].rename(columns={"entity_id": "true_id"}), on="mention_id")
    counts = joined.groupby(["entity_id", "true_id"]).size().rename("n").reset_index()
    counts = counts.sort_values(["entity_id", "n", "true_id"], ascending=[True, False, True])
    return counts.drop_duplicates("entity_id").set_index("entity_id")["true_id"]


def precision_at(ranked_true: pd.Series, relevant: set[str], k: int) -> float:
    """Share of the first ``k`` distinct true persons of a ranking that are relevant."""
    top = list(dict.fromkeys(ranked_true.dropna()))[:k]
    return sum(t in relevant for t in top) / k


def evaluate_scoring(data: Path, sources: Path, rules: Path, scoring: Path | None = None) -> list[str]:
    """precision_at_10 against the planted heads and brokers; planted hubs in the top 10."""
    from linkgraph.api import load_mappings, read_sources
    from linkgraph.scoring.config import DEFAULT_SCORING, load_scoring
    from linkgraph.scoring.score import score

    truth = pd.read_csv(data / "truth_mentions.csv", dtype=str)
    roles = pd.read_csv(data / "truth_roles.csv", dtype=str)
    result = resolve(read_sources([(m, None) for m in load_mappings(sources) if _has_truth(m, truth)]), rules)
    scores = score(result, load_scoring(scoring or DEFAULT_SCORING))
    true_of = true_entity_of(result.mentions, truth)
    ranked = scores.persons["entity_id"].map(true_of)
    relevant = set(roles.loc[roles["role"].isin(["head", "broker"]), "entity_id"])
    hubs = set(roles.loc[roles["role"] == "hub", "entity_id"])
    top10 = list(dict.fromkeys(ranked.dropna()))[:10]
    return [f"precision_at_10={precision_at(ranked, relevant, 10):.2f}",
            f"relevant={len(relevant)} (planted heads and brokers)",
            f"hubs_in_top_10={sum(t in hubs for t in top10)}"]
