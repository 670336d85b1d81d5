"""The scoring settings document (``rules/scoring.yaml``), validated."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from linkgraph.documents import read_yaml, validate

DEFAULT_SCORING = Path(__file__).resolve().parents[2] / "rules" / "scoring.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Factor(_Strict):
    weight: float = 0.0


class NetworkFactor(Factor):
    population: Literal["known", "all", "auto"] = "auto"
    parts: dict[Literal["betweenness", "brokerage", "fragmentation"], float] = {
        "betweenness": 0.5, "brokerage": 0.25, "fragmentation": 0.25}


class ActivityFactor(Factor):
    agencies: dict[str, float] = {}
    offences: dict[str, float] = {"other": 0.3}
    drugs: dict[str, float] = {}
    seizure_base: float = 2.0


class Factors(_Strict):
    network: NetworkFactor = NetworkFactor()
    activity: ActivityFactor = ActivityFactor()
    corroboration: Factor = Factor()
    listed_links: Factor = Factor()
    international: Factor = Factor()
    financial: Factor = Factor()


class CoSightings(_Strict):
    window_seconds: float = 120
    min_times: int = 3


class Organisations(_Strict):
    top_members: int = 3


class ScoringSettings(_Strict):
    reference_date: str | None = None
    half_life_days: float = 365
    normalization_quantile: float = 0.95
    factors: Factors = Factors()
    organisations: Organisations = Organisations()
    cosightings: CoSightings = CoSightings()
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
