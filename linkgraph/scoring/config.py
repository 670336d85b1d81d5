"""The scoring settings document (``rules/scoring.yaml``), validated."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from linkgraph.documents import read_yaml, validate
from linkgraph.graph.attribution import AttributionRules

DEFAULT_SCORING = Path(__file__).resolve().parents[2] / "rules" / "scoring.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Factor(_Strict):
    weight: float = 0.0


class NetworkFactor(Factor):
    population: Literal["known", "all", "auto"] = "auto"
    known_agencies: list[str] = []      # "known" = a row from one of them (empty: any counted activity)
    holders_known: tuple[int, int] = (0, 0)   # unknown line holders in contact with min..max known people join
    parts: dict[Literal["betweenness", "effective_size", "brokerage", "fragmentation"], float] = {
        "betweenness": 1 / 3, "effective_size": 2 / 3}


class ActivityFactor(Factor):
    agencies: dict[str, float] = {}
    offences: dict[str, float] = {"other": 0.3}
    drugs: dict[str, float] = {}
    seizure_base: float = 2.0


class FinancialFactor(Factor):
    seizure_firm: float = 2.0       # value of a company named in a customs seizure (others: 1)
    extra_company: float = 0.25     # added per further company: the strongest tie counts, not the volume
    laundering: float = 1.0         # value of a money-laundering signal in a law-enforcement row
    laundering_keywords: list[str] = ["blanchiment", "non-justification de ressources", "especes non declarees",
                                      "obligation declarative"]   # folded text found in the row's attributes
    laundering_agencies: list[str] = ["police", "gendarmerie", "douane"]


class ConcealmentFactor(Factor):
    max_lines: int = 3              # lines counted at most (more adds nothing)


class Factors(_Strict):
    network: NetworkFactor = NetworkFactor()
    activity: ActivityFactor = ActivityFactor()
    corroboration: Factor = Factor()
    listed_links: Factor = Factor()
    international: Factor = Factor()
    financial: FinancialFactor = FinancialFactor()
    concealment: ConcealmentFactor = ConcealmentFactor()


class CoSightings(_Strict):
    window_seconds: float = 120
    min_times: int = 3


class Attribution(_Strict):
    """Line attribution (``linkgraph.graph.attribution``): points per clue and thresholds."""
    enabled: bool = True
    company: float = 2.0
    company_group: float = 1.0
    correspondent: float = 1.0
    max_correspondents: int = 3
    cell: float = 0.5
    max_cells: int = 2
    home_cells: float = 1.0
    relay: float = 1.5
    relay_days: float = 60.0
    silent_days: float = 30.0
    relay_min_calls: int = 8
    hub_degree: int = 30
    min_points: float = 2.0
    min_kinds: int = 2
    strong: list[Literal["company", "company_group", "relay", "correspondents", "cells", "home_cells"]] = [
        "company", "company_group", "relay"]
    margin: float = 0.5

    def rules(self) -> AttributionRules | None:
        if not self.enabled:
            return None
        return AttributionRules(**{k: (tuple(v) if isinstance(v, list) else v)
                                   for k, v in self.model_dump().items() if k != "enabled"})


class Organisations(_Strict):
    top_members: int = 3


class ScoringSettings(_Strict):
    reference_date: str | None = None
    half_life_days: float = 365
    normalization: Literal["log", "rank", "capped"] = "log"
    normalization_quantile: float = 0.95
    factors: Factors = Factors()
    organisations: Organisations = Organisations()
    cosightings: CoSightings = CoSightings()
    attribution: Attribution = Attribution()
    path: str | None = None

    @model_validator(mode="after")
    def _check(self) -> "ScoringSettings":
        if self.half_life_days <= 0:
            raise ValueError("half_life_days: must be positive")
        if not 0 < self.normalization_quantile <= 1:
            raise ValueError("normalization_quantile: must be in (0, 1]")
        return self

    def weights(self) -> dict[str, float]:
        return {name: getattr(self.factors, name).weight for name in Factors.model_fields}

    def without(self, factor: str) -> "ScoringSettings":
        """A copy with one factor's weight set to zero (for ablation)."""
        factors = self.factors.model_copy(update={factor: getattr(self.factors, factor).model_copy(update={"weight": 0.0})})
        return self.model_copy(update={"factors": factors})


def load_scoring(path: str | Path = DEFAULT_SCORING) -> ScoringSettings:
    return validate(ScoringSettings, read_yaml(path), str(path), "scoring settings")
