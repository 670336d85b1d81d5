"""Combine the factors into a ranked, explained list of priority targets (and organisations)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkgraph.graph._agg import plain
from linkgraph.graph.analytics import communities
from linkgraph.match.pipeline import Resolution
from linkgraph.scoring import factors as F
from linkgraph.scoring.config import ScoringSettings, load_scoring
from linkgraph.scoring.context import ScoringContext
from linkgraph.scoring.evidence import EvidenceIndex

FACTORS = ("network", "activity", "corroboration", "listed_links", "international", "financial", "concealment")
# what scoring reads from ``analyse``'s table when the caller passes it (``ScoringContext.analysis``): the
# organisations' communities. Betweenness is the network factor's own: on the known population's
# subgraph (hubs, relatives, lawyers left out so they cannot broker), a different graph from analyse's;
# with ``population: all`` the factor computes it on the shared graph, once.
ANALYSIS_METRICS = ("community",)
NOTICE = ("Recommendation to support a human decision, not a decision: each factor's contribution "
          "and the evidence rows behind it are listed for review.")


@dataclass
class Scores:
    """Per-person scores with factor contributions and evidence; organisations; the settings used."""

    persons: pd.DataFrame          # rank, entity_id, label, score, <factor>, raw_/norm_/shown_<factor>, listed
    evidence: dict[str, EvidenceIndex]  # factor -> entity_id -> sorted source:row (made when asked)
    organisations: pd.DataFrame
    network_parts: pd.DataFrame
    settings: ScoringSettings
    notice: str = NOTICE
    communities: pd.Series | None = None   # entity_id -> organisation number (community of the projection)

    def explain(self, entity_id: str) -> dict:
        """One person's line: score, each factor's normalized value, weight, contribution, evidence."""
        if getattr(self, "_ids", None) is None or len(self._ids) != len(self.persons):
            self._ids = pd.Index(self.persons["entity_id"])     # one index for every line explained
        loc = self._ids.get_indexer([entity_id])[0]
        if loc < 0:
            raise KeyError(entity_id)
        row = self.persons.iloc[loc]
        weights = self.settings.weights()
        return {"entity_id": entity_id, "label": row["label"], "rank": int(row["rank"]), "score": float(row["score"]),
                "notice": self.notice,
                "factors": {f: {"raw": float(row[f"raw_{f}"]), "normalized": float(row[f"norm_{f}"]),
                                "shown": float(row[f"shown_{f}"]),
                                "weight": weights[f], "contribution": float(row[f]),
                                "evidence": list(self.evidence[f].get(entity_id, []))} for f in FACTORS}}

    def top(self, n: int) -> pd.DataFrame:
        return self.persons.head(n)


def normalize(raw: pd.Series, quantile: float = 0.95, method: str = "log") -> pd.Series:
    """Raw factor values → [0, 1], strictly increasing in the raw value (no two different raw values
    tie), the largest value 1.

    ``log`` (default): ``log1p(raw / s) / log1p(max / s)`` with ``s`` the ``quantile`` of the positive
    values — about linear below ``s``, compressed above, so one outlier does not flatten the rest.
    ``rank``: the rank of the value among the positive values (equal values: the highest), divided by their count.
    ``capped``: ``min(raw / s, 1)`` — every value above ``s`` ties at 1: shown for display only
    (:func:`capped`), kept as a method for comparison.

    >>> normalize(pd.Series([0.0, 1, 2, 4, 100]), 0.5).round(3).tolist()
    [0.0, 0.081, 0.144, 0.24, 1.0]
    """
    positive = raw[raw > 0]
    if positive.empty:
        return raw * 0.0
    if method == "rank":
        ranks = positive.rank(method="max") / len(positive)
        return ranks.reindex(raw.index, fill_value=0.0)
    scale = float(np.quantile(positive, quantile)) or float(positive.max())
    if method == "capped":
        return (raw / scale).clip(0, 1)
    return np.log1p(raw.clip(lower=0) / scale) / np.log1p(float(positive.max()) / scale)


def capped(raw: pd.Series, quantile: float = 0.95) -> pd.Series:
    """The display value: raw / the ``quantile`` of the positive values, capped at 1."""
    return normalize(raw, quantile, "capped")


def score(result: Resolution | ScoringContext, settings: ScoringSettings | None = None,
          listed: set[str] | None = None, *, engine: str = "local", spark=None) -> Scores:
    """Score every person of a resolution (see ``rules/scoring.yaml`` for the factors). ``engine="spark"``:
    the context's tables made by Spark (:meth:`ScoringContext.of`), the same ranking."""
    settings = settings or load_scoring()
    ctx = result if isinstance(result, ScoringContext) else ScoringContext.of(
        result, settings.reference_date, settings.cosightings.window_seconds, settings.cosightings.min_times,
        settings.attribution.rules(), engine=engine, spark=spark)
    columns: dict[str, pd.DataFrame] = {}
    labels: pd.DataFrame | None = None

    def meanwhile(others: dict[str, pd.Series]) -> None:
        # while the network's betweenness is still computed elsewhere: the other factors' columns and the
        # labels' order, so that only the network's column and a numeric sort are left once it is in
        nonlocal labels
        columns.update({f: factor_columns(f, r, ctx.persons, settings) for f, r in others.items()})
        labels = _labels(ctx)
    raw, evidence, parts = raw_factors(ctx, settings, listed, meanwhile=meanwhile)
    table = combine(raw, ctx, settings, listed, columns=columns, labels=labels)
    community = _communities(ctx)
    orgs = _organisations(community, table, settings.organisations.top_members)
    return Scores(table, evidence, orgs, parts, settings, communities=community)


def raw_factors(ctx: ScoringContext, settings: ScoringSettings, listed: set[str] | None = None,
                meanwhile: Callable[[dict[str, pd.Series]], None] | None = None
                ) -> tuple[dict[str, pd.Series], dict[str, pd.Series], pd.DataFrame]:
    """Each factor's raw value and evidence per person, and the network factor's parts. ``meanwhile``:
    called with the other factors' raw values before the network factor waits for its betweenness
    (computed in another process on a large graph), for work that does not need it."""
    listed = set(listed or ())
    cfg = settings.factors
    raw: dict[str, pd.Series] = {}
    evidence: dict[str, EvidenceIndex] = {}
    raw["activity"], evidence["activity"] = F.activity(ctx, cfg.activity, settings.half_life_days)
    known = raw["activity"].index[raw["activity"] > 0]
    if cfg.network.known_agencies:
        rows = F._person_rows(ctx)
        known = known.intersection(pd.Index(rows.loc[rows["agency"].isin(cfg.network.known_agencies), "entity_id"].unique()))
    low, high = cfg.network.holders_known
    holders = F.tied_holders(ctx, known, low, high)
    known = known.append(holders[~holders.isin(known)])     # (a set: no sort of the ids)
    graph = ctx.projection_graph() if len(ctx.projection) else None
    # the network's betweenness starts first: on a large graph it runs in a forked child (another core)
    # while the table work of the other factors goes on here
    prepared = F.network_graph(ctx, cfg.network, known, graph=graph, analysis=ctx.analysis)
    raw["network"] = evidence["network"] = None     # (the factors' order)
    raw["corroboration"], evidence["corroboration"] = F.corroboration(ctx)
    raw["listed_links"], evidence["listed_links"] = F.listed_links(ctx, listed)
    raw["international"], evidence["international"] = F.international(ctx)
    raw["financial"], evidence["financial"] = F.financial(ctx, cfg.financial)
    raw["concealment"], evidence["concealment"] = F.concealment(ctx, cfg.concealment)
    if prepared.betweenness is not None:
        _communities(ctx)     # the organisations' Leiden on this core while the betweenness children run
    if meanwhile is not None:
        meanwhile({f: r for f, r in raw.items() if r is not None})
    raw["network"], evidence["network"], parts = F.network(ctx, cfg.network, known, graph=graph,
                                                           analysis=ctx.analysis, prepared=prepared)
    return raw, evidence, parts


def combine(raw: dict[str, pd.Series], ctx: ScoringContext, settings: ScoringSettings,
            listed: set[str] | None = None, columns: dict[str, pd.DataFrame] | None = None,
            labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ranked table: per factor ``raw_``, ``norm_`` (:func:`normalize`), ``shown_`` (the capped
    display value) and the weighted contribution; ``score`` = their sum. Order: score, then the raw
    values of the weighted factors (heaviest weight first), then the label, then the id — the same
    order whatever the ids (a run through the CLI and one through the API agree). ``columns``: some
    factors' columns (:func:`factor_columns`) already made; ``labels``: :func:`_labels`, already made."""
    made = columns or {}
    labels = _labels(ctx) if labels is None else labels
    data = {"label": labels["label"], "subject": labels["subject"]}
    for f in FACTORS:
        c = made[f] if f in made else factor_columns(f, raw[f], ctx.persons, settings)
        data.update({f"raw_{f}": c["raw"], f"norm_{f}": c["norm"], f"shown_{f}": c["shown"], f: c["contribution"]})
    table = pd.DataFrame(data, index=ctx.persons)
    table["score"] = sum(table[f] for f in FACTORS)
    table["listed"] = table.index.isin(set(listed or ()))
    weights = settings.weights()
    by_weight = sorted((f for f in FACTORS if weights[f] > 0), key=lambda f: (-weights[f], FACTORS.index(f)))
    # the order's keys as numbers for np.lexsort (the last key first): the labels' and the ids' ranks,
    # made with the labels; descending values negated (a missing value stays last, as in sort_values)
    keys = [labels["id_rank"].to_numpy(), labels["label_rank"].to_numpy()]
    keys += [-table[f"raw_{f}"].to_numpy() for f in reversed(by_weight)] + [-table["score"].to_numpy()]
    table = table.iloc[np.lexsort(keys)].reset_index(names="entity_id")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def factor_columns(factor: str, raw: pd.Series, persons: pd.Index, settings: ScoringSettings) -> pd.DataFrame:
    """One factor's columns for every person: ``raw``, ``norm`` (:func:`normalize`), ``shown``
    (:func:`capped`) and ``contribution`` (``norm`` × the factor's weight)."""
    r = raw.reindex(persons, fill_value=0.0).astype(float)
    norm = normalize(r, settings.normalization_quantile, settings.normalization)
    return pd.DataFrame({"raw": r, "norm": norm, "shown": capped(r, settings.normalization_quantile),
                         "contribution": norm * settings.weights()[factor]}, index=persons)


def _labels(ctx: ScoringContext) -> pd.DataFrame:
    """Each person's ``label`` (a phone's: "holder of" its label) and ``subject``, with the ranks that
    order them: ``label_rank`` (a missing label last) and ``id_rank``."""
    ents = ctx.entities.set_index("entity_id")
    kind = plain(ents["entity_type"]).reindex(ctx.persons)
    label = ents["label"].reindex(ctx.persons)
    label = label.where(kind != "phone", "holder of " + label.astype(str))
    codes, _ = pd.factorize(label, sort=True)           # Python's string order, as sort_values
    label_rank = np.where(codes < 0, codes.max(initial=-1) + 1, codes)
    id_rank = np.empty(len(ctx.persons), dtype=np.int64)
    id_rank[np.argsort(np.asarray(ctx.persons, dtype=object), kind="stable")] = np.arange(len(ctx.persons))
    return pd.DataFrame({"label": label, "subject": kind.where(kind != "phone", "phone holder"),
                         "label_rank": label_rank, "id_rank": id_rank}, index=ctx.persons)


def _communities(ctx: ScoringContext) -> pd.Series:
    """Organisation number of each node of the person projection (Leiden, seed 0): ``analyse``'s
    when the context carries it, else computed once on the context's graph."""
    p = ctx.projection
    if p.empty:
        return pd.Series(dtype=object, name="community")
    if ctx.analysis is not None and "community" in ctx.analysis:
        return ctx.analysis["community"]
    made = ctx.cache.get("communities")
    if made is not None and made[0] is ctx.projection:
        return made[1]
    found = communities(ctx.projection_graph(), seed=0)
    ctx.cache["communities"] = (ctx.projection, found)
    return found


def _organisations(community: pd.Series, persons: pd.DataFrame, top: int) -> pd.DataFrame:
    """Communities of the person projection, scored by the mean of their ``top`` best members
    (communities of one member left out; vectorized: no Python call per community)."""
    if community.empty:
        return pd.DataFrame(columns=["organisation", "score", "members", "top_members"])
    frame = persons[["entity_id", "label", "score"]].assign(organisation=persons["entity_id"].map(community))
    frame = frame.dropna(subset=["organisation"])
    size = frame.groupby("organisation").size()
    frame = frame[frame["organisation"].map(size).to_numpy() >= 2]   # persons are in rank order already
    if frame.empty:
        return pd.DataFrame(columns=["rank", "organisation", "score", "members", "top_members"])
    best = frame[frame.groupby("organisation", sort=False).cumcount().to_numpy() < top]
    g = best.groupby("organisation")
    out = pd.DataFrame({"score": g["score"].mean(), "members": size.reindex(g.size().index),
                        "top_members": g["entity_id"].agg(";".join)})
    out = out.sort_values("score", ascending=False, kind="stable").reset_index()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
