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


def evaluate_fixtures_run(result, data: Path) -> list[str]:
    """The lines of :func:`evaluate_fixtures` for a saved run of the fixtures (no resolution)."""
    truth = pd.read_csv(data / "truth_mentions.csv", dtype=str)
    mentions = _with_truth(result.mentions, truth)
    lines = [s.line(t) for t, s in sorted(scores_by_type(mentions, truth).items())]
    expected = data / "truth_rejects.csv"
    if expected.exists():
        want = pd.read_csv(expected, dtype=str)[["source", "row"]].drop_duplicates()
        rejects = result.rejects[result.rejects["source"].isin(set(mentions["source"]))] if len(result.rejects) else result.rejects
        got = rejects[["source", "row"]].astype(str).drop_duplicates() if len(rejects) else want.iloc[0:0]
        both = want.merge(got, on=["source", "row"])
        lines.append(f"rejects expected={len(want)} found={len(got)} agreed={len(both)}")
    return lines


def _with_truth(mentions: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The mentions of the sources the truth labels; an error when the run holds none of them."""
    labelled = set(truth["mention_id"].str.split(":").str[0])
    kept = mentions[mentions["source"].isin(labelled)]
    if kept.empty:
        raise LinkgraphError("this run holds none of the fixtures' sources (" + ", ".join(sorted(labelled)) +
                             "): evaluate a run of the fixtures (`linkgraph resolve` with no -m), or use --truth")
    return kept


def _has_truth(mapping, truth: pd.DataFrame) -> bool:
    return truth["mention_id"].str.startswith(mapping.source + ":").any()


def evaluate_febrl(name: str) -> list[str]:
    df, truth = febrl(name)
    settings = load_settings(BENCHMARK_RULES / f"{name}.yaml")
    res = resolve_table(df, settings)
    return [pairwise_scores(res.labels, truth).line("person")]


def _truth_table(truth_path: Path) -> pd.DataFrame:
    """The truth file, keys stripped (CRLF line ends, stray blanks), checked before any resolution."""
    try:
        truth = pd.read_csv(truth_path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, ValueError) as exc:
        raise LinkgraphError(f"{truth_path}: cannot read the truth file ({exc})") from exc
    truth.columns = [str(c).strip().lstrip("\ufeff") for c in truth.columns]
    truth = truth.apply(lambda col: col.str.strip())
    if "entity_id" not in truth or not ({"mention_id", "record_id"} & set(truth.columns)):
        raise LinkgraphError(f"{truth_path}: columns {', '.join(truth.columns)}; expected entity_id and either "
                             "mention_id (SOURCE:ROW:MENTION) or record_id (+ mention or entity_type)")
    if truth.empty:
        raise LinkgraphError(f"{truth_path}: no line of truth")
    return truth


def _qualifier(truth: pd.DataFrame, mappings, truth_path: Path) -> tuple[str | None, str | None]:
    """Which mention a record_id line labels: ('slot', None), ('entity_type', None), or ('slot', NAME)
    when the mappings leave one choice (one mention, or one person mention)."""
    if "mention_id" in truth:
        return None, None
    if "mention" in truth:
        return "slot", None
    if "entity_type" in truth:
        return "entity_type", None
    slots = {(name, m.type) for mapping in mappings for name, m in mapping.mentions.items()}
    if len({name for name, _ in slots}) == 1:
        return "slot", next(iter(slots))[0]
    persons = sorted({name for name, t in slots if t == "person"})
    if len(persons) == 1:
        return "slot", persons[0]
    raise LinkgraphError(f"{truth_path}: each row mentions several entities ({', '.join(sorted(n for n, _ in slots))}): "
                         "add a 'mention' column (which of them a line labels) or an 'entity_type' column, "
                         "or key the truth by mention_id (SOURCE:ROW:MENTION)")


def evaluate_labelled(specs, truth_path: Path, rules: Path) -> list[str]:
    """Pairwise scores of a labelled file's resolution against its truth file.

    The truth (CSV) has ``entity_id`` and either ``mention_id`` (``SOURCE:ROW:MENTION``) or
    ``record_id``: the mapping's ``record_id:`` column, or the row number (1 = first record) when
    the mapping has none. When a row mentions several entities, a ``mention`` column (the mapping's
    mention name) or an ``entity_type`` column says which one a line labels; without either, a
    mapping with one person mention has its person mentions labelled. A truth that labels no mention
    is an error (its ids and the file's are shown), checked before the scores are printed.
    """
    from linkgraph.api import read_sources
    from linkgraph.sources.mapping import load_mapping

    truth = _truth_table(truth_path)
    mappings = [load_mapping(m) if not hasattr(m, "mentions") else m for m, _ in specs]
    kind, only = _qualifier(truth, mappings, truth_path)
    extraction = read_sources(specs)
    result = resolve(extraction, rules)
    mentions = result.mentions.merge(extraction.rows[["source", "row", "record_id"]], on=["source", "row"], how="left")
    if kind is None:
        key_cols, truth_keyed = ["mention_id"], truth.rename(columns={"entity_id": "true_id"})
        example = mentions["mention_id"]
    else:
        use_record_id = mentions["record_id"].notna().any()
        mentions["key"] = (mentions["record_id"].astype(str).str.strip() if use_record_id
                           else mentions["row"].astype(str))
        example = mentions["key"]
        if only is not None:
            mentions = mentions[mentions["slot"] == only]
            truth_keyed = truth.rename(columns={"record_id": "key", "entity_id": "true_id"})
            key_cols = ["key"]
        else:
            truth_keyed = truth.rename(columns={"record_id": "key", "entity_id": "true_id", "mention": "slot"})
            key_cols = ["key", kind]
    joined = mentions.merge(truth_keyed[key_cols + ["true_id"]], on=key_cols, how="inner")
    if joined.empty:
        how = ("the mapping's record_id: column" if kind is not None and mentions["record_id"].notna().any()
               else "row numbers (the mapping has no record_id:)" if kind is not None else "mention ids")
        raise LinkgraphError(
            f"{truth_path}: no truth line matches a mention. The file's mentions are keyed by {how}, e.g. "
            f"{', '.join(map(str, example.head(3)))}; the truth has e.g. "
            f"{', '.join(map(str, truth[key_cols[0] if kind is None else 'record_id'].head(3)))}")
    return [pairwise_scores(g["entity_id"], g["true_id"]).line(t) for t, g in sorted(joined.groupby("entity_type"))]


def evaluate_scoring_run(result, data: Path, scoring: Path | None = None) -> list[str]:
    """The lines of :func:`evaluate_scoring` for a saved run of the fixtures (no resolution)."""
    from linkgraph.scoring.config import DEFAULT_SCORING, load_scoring
    from linkgraph.scoring.score import score

    truth = pd.read_csv(data / "truth_mentions.csv", dtype=str)
    roles = pd.read_csv(data / "truth_roles.csv", dtype=str)
    _with_truth(result.mentions, truth)
    scores = score(result, load_scoring(scoring or DEFAULT_SCORING))
    return _scoring_lines(scores, result.mentions, truth, roles)


def _scoring_lines(scores, mentions: pd.DataFrame, truth: pd.DataFrame, roles: pd.DataFrame) -> list[str]:
    true_of = true_entity_of(mentions, truth)
    ranked = scores.persons["entity_id"].map(true_of)
    relevant = set(roles.loc[roles["role"].isin(["head", "broker"]), "entity_id"])
    hubs = set(roles.loc[roles["role"] == "hub", "entity_id"])
    top10 = list(dict.fromkeys(ranked.dropna()))[:10]
    return [f"precision_at_10={precision_at(ranked, relevant, 10):.2f}",
            f"relevant={len(relevant)} (planted heads and brokers)",
            f"hubs_in_top_10={sum(t in hubs for t in top10)}"]


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
    return _scoring_lines(scores, result.mentions, truth, roles)
