"""Combine the factors into a ranked, explained list of priority targets (and organisations)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkgraph.graph.analytics import communities
from linkgraph.match.pipeline import Resolution
from linkgraph.scoring import factors as F
from linkgraph.scoring.config import ScoringSettings, load_scoring
from linkgraph.scoring.context import ScoringContext

FACTORS = ("network", "activity", "corroboration", "listed_links", "international", "financial", "concealment")
NOTICE = ("Recommendation to support a human decision, not a decision: each factor's contribution "
          "and the evidence rows behind it are listed for review.")


@dataclass
class Scores:
    """Per-person scores with factor contributions and evidence; organisations; the settings used."""

    persons: pd.DataFrame          # rank, entity_id, label, score, <factor>, raw_<factor>, listed
    evidence: dict[str, pd.Series]  # factor -> Series(entity_id -> list of source:row)
    organisations: pd.DataFrame
    network_parts: pd.DataFrame
    settings: ScoringSettings
    notice: str = NOTICE
    communities: pd.Series | None = None   # entity_id -> organisation number (community of the projection)

    def explain(self, entity_id: str) -> dict:
        """One person's line: score, each factor's normalized value, weight, contribution, evidence."""
        row = self.persons.set_index("entity_id").loc[entity_id]
        weights = self.settings.weights()
        return {"entity_id": entity_id, "label": row["label"], "rank": int(row["rank"]), "score": float(row["score"]),
                "notice": self.notice,
                "factors": {f: {"raw": float(row[f"raw_{f}"]), "normalized": float(row[f"norm_{f}"]),
                                "weight": weights[f], "contribution": float(row[f]),
                                "evidence": list(self.evidence[f].get(entity_id, []))} for f in FACTORS}}

    def top(self, n: int) -> pd.DataFrame:
        return self.persons.head(n)


def _normalize(raw: pd.Series, quantile: float) -> pd.Series:
    positive = raw[raw > 0]
    if positive.empty:
        return raw * 0.0
    scale = float(np.quantile(positive, quantile)) or float(positive.max())
    return (raw / scale).clip(0, 1)


def score(result: Resolution | ScoringContext, settings: ScoringSettings | None = None,
          listed: set[str] | None = None) -> Scores:
    """Score every person of a resolution (see ``rules/scoring.yaml`` for the factors)."""
    settings = settings or load_scoring()
    ctx = result if isinstance(result, ScoringContext) else ScoringContext.of(
        result, settings.reference_date, settings.cosightings.window_seconds, settings.cosightings.min_times,
        settings.attribution.rules())
    listed = set(listed or ())
    cfg = settings.factors
    raw: dict[str, pd.Series] = {}
    evidence: dict[str, pd.Series] = {}
    raw["activity"], evidence["activity"] = F.activity(ctx, cfg.activity, settings.half_life_days)
    known = raw["activity"].index[raw["activity"] > 0]
    if cfg.network.known_agencies:
        rows = F._person_rows(ctx)
        known = known.intersection(pd.Index(rows.loc[rows["agency"].isin(cfg.network.known_agencies), "entity_id"].unique()))
    low, high = cfg.network.holders_known
    known = known.union(F.tied_holders(ctx, known, low, high))
    raw["network"], evidence["network"], parts = F.network(ctx, cfg.network, known)
    raw["corroboration"], evidence["corroboration"] = F.corroboration(ctx)
    raw["listed_links"], evidence["listed_links"] = F.listed_links(ctx, listed)
    raw["international"], evidence["international"] = F.international(ctx)
    raw["financial"], evidence["financial"] = F.financial(ctx, cfg.financial)
    raw["concealment"], evidence["concealment"] = F.concealment(ctx, cfg.concealment)
    weights = settings.weights()
    table = pd.DataFrame(index=ctx.persons)
    total = pd.Series(0.0, index=ctx.persons)
    for f in FACTORS:
        r = raw[f].reindex(ctx.persons, fill_value=0.0).astype(float)
        norm = _normalize(r, settings.normalization_quantile)
        table[f"raw_{f}"] = r
        table[f"norm_{f}"] = norm
        table[f] = norm * weights[f]
        total += table[f]
    table["score"] = total.round(6)
    ents = ctx.entities.set_index("entity_id")
    kind = ents["entity_type"].reindex(table.index)
    label = ents["label"].reindex(table.index)
    table.insert(0, "label", label.where(kind != "phone", "holder of " + label.astype(str)))
    table.insert(1, "subject", kind.where(kind != "phone", "phone holder"))
    table["listed"] = table.index.isin(listed)
    table = table.reset_index().sort_values(["score", "entity_id"], ascending=[False, True], kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    community = _communities(ctx)
    orgs = _organisations(community, table, settings.organisations.top_members)
    return Scores(table.reset_index(drop=True), evidence, orgs, parts, settings, communities=community)


def _communities(ctx: ScoringContext) -> pd.Series:
    """Organisation number of each node of the person projection (Leiden, seed 0)."""
    p = ctx.projection
    if p.empty:
        return pd.Series(dtype=object, name="community")
    return communities(p[["from_entity", "to_entity", "weight"]], seed=0)


def _organisations(community: pd.Series, persons: pd.DataFrame, top: int) -> pd.DataFrame:
    """Communities of the person projection, scored by the mean of their ``top`` best members."""
    if community.empty:
        return pd.DataFrame(columns=["organisation", "score", "members", "top_members"])
    frame = persons[["entity_id", "label", "score"]].assign(organisation=persons["entity_id"].map(community))
    frame = frame.dropna(subset=["organisation"]).sort_values(["organisation", "score"], ascending=[True, False])
    g = frame.groupby("organisation")
    out = pd.DataFrame({"score": g["score"].apply(lambda s: float(s.head(top).mean())),
                        "members": g.size(),
                        "top_members": g["entity_id"].apply(lambda s: ";".join(s.head(top)))})
    out = out[out["members"] >= 2].sort_values("score", ascending=False).reset_index()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
