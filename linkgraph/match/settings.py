"""Matching settings: the YAML documents in ``rules/matching/`` (one per entity type).

A settings document is a model in the Splink sense: blocking rules, comparisons with their
levels, training options, threshold and cluster constraints. Once trained, the estimated
m and u probabilities are written back into the same document (``save_settings``), so that
a trained model can be saved, reviewed and reloaded.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator

from linkgraph.documents import read_yaml, validate
from linkgraph.errors import MappingError
from linkgraph.vocabulary import ENTITY_TYPES

LevelKind = Literal["exact", "jaro_winkler", "jaro", "levenshtein", "damerau_levenshtein", "date_swap", "year_typo", "swapped", "initial",
                    "first_token", "else"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Level(_Strict):
    """One comparison level. ``column`` overrides the comparison's column for this level."""

    kind: LevelKind
    column: str | None = None
    threshold: float | None = None
    tf: bool = False
    label: str | None = None
    m: float | None = None
    u: float | None = None
    #: whether the level's weight must fall in order with the graded levels of its column (default:
    #: by kind; ``swapped``, ``date_swap``, ``initial`` and ``first_token`` are not graded), see
    #: :mod:`linkgraph.match.monotone`
    ordered: bool | None = None
    #: with ``tf``: count, once first-pass entities are known, the *other* entities bearing the value
    #: (those with a value in the first of these columns that any has: tiers; a tier may be a list of
    #: columns, any of which places an entity in it), so that a value
    #: borne by one entity only weighs much more, one borne by several less (:mod:`linkgraph.match.rarity`)
    rarity: list[str | list[str]] | None = None
    #: with ``rarity``: how a value borne by k >= 2 located entities weighs. ``frequency``: as a
    #: term frequency of the k - 1 *other* entities (a name two companies bear is still strong
    #: evidence; the address or the town decides between them); ``negative``: the level's Bayes
    #: factor is cancelled and -log2(k) left (for a value that already holds the place, e.g. the
    #: name in its town: the town comparison counts that agreement again)
    rarity_shared: Literal["frequency", "negative"] = "frequency"
    #: with ``rarity``: a column saying where an entity is (the town): an entity of a later tier
    #: placed where no entity of the first tier is is counted too (another company there)
    rarity_place: str | None = None
    #: with ``rarity``: the coarser column this one refines (``name`` for the name and its legal form):
    #: an entity of the first ``rarity`` tier bearing its value there with no value of this column at
    #: all counts as a bearer of every refinement (a company whose legal form no mention gives may be
    #: of any form)
    rarity_within: str | None = None
    #: the level's pairs weigh nothing in this comparison (read as a missing value): another
    #: comparison counts that evidence (a swapped name pair is counted once, on the first name)
    neutral: bool = False
    #: a pair at this level is never a model link (its weight is set to :data:`VETO_WEIGHT`), whatever
    #: the other comparisons say: prior knowledge that EM cannot learn from unlabelled pairs (twins
    #: and siblings agree on surname, birth date and address; only the given name tells them apart)
    veto: bool = False

    @model_validator(mode="after")
    def _threshold_needed(self) -> "Level":
        if self.rarity is not None and not self.tf:
            raise ValueError("rarity needs tf: true on the same level")
        if (self.rarity_shared != "frequency" or self.rarity_place or self.rarity_within) and self.rarity is None:
            raise ValueError("rarity_shared, rarity_place and rarity_within need rarity on the same level")
        if self.kind in ("jaro_winkler", "jaro", "levenshtein", "damerau_levenshtein", "first_token") \
                and self.threshold is None:
            raise ValueError(f"level {self.kind} needs a threshold")
        return self

    def describe(self, column: str) -> str:
        if self.label:
            return self.label
        col = self.column or column
        if self.kind == "else":
            return "all other"
        if self.kind == "exact":
            return f"exact {col}"
        if self.kind in ("levenshtein", "damerau_levenshtein"):
            return f"{col} {self.kind.replace('_', '-')} <= {self.threshold:g}"
        if self.kind in ("jaro_winkler", "jaro"):
            return f"{col} {self.kind} >= {self.threshold:g}"
        if self.kind == "initial":
            return f"{col}: an initial that fits the other name"
        if self.kind == "first_token":
            return f"first word of {col} jaro_winkler >= {self.threshold:g}"
        if self.kind == "year_typo":
            return f"{col}: same day and month, the year one typo away"
        return f"{self.kind} {col}"


#: The match weight (bits) of a pair at a ``veto`` level: far below any threshold.
VETO_WEIGHT = -100.0


class Comparison(_Strict):
    """A comparison of one field: ordered levels, strongest first, ending with ``else``."""

    name: str
    column: str
    other_column: str | None = None  # for ``swapped``: the column crossed with ``column``
    levels: list[Level]

    @model_validator(mode="after")
    def _ends_with_else(self) -> "Comparison":
        if not self.levels or self.levels[-1].kind != "else":
            raise ValueError(f"comparison {self.name!r}: the last level must be 'else'")
        if any(level.kind == "else" for level in self.levels[:-1]):
            raise ValueError(f"comparison {self.name!r}: 'else' may only be the last level")
        if any(level.kind == "swapped" for level in self.levels) and not self.other_column:
            raise ValueError(f"comparison {self.name!r}: a 'swapped' level needs other_column")
        from linkgraph.match.reachable import unreachable

        for k, j in unreachable(self.levels, self.column):
            raise ValueError(
                f"comparison {self.name!r}: level {k + 1} ({self.levels[k].describe(self.column)}) can never be "
                f"reached: level {j + 1} ({self.levels[j].describe(self.column)}) comes first and takes every pair "
                f"it would; list the stricter level first")
        return self

    def columns(self) -> set[str]:
        cols = {self.column} | {lvl.column for lvl in self.levels if lvl.column}
        return cols | ({self.other_column} if self.other_column else set())


class Constraint(_Strict):
    """Mentions with different values of ``column`` may not share an entity.

    ``tolerance: date`` treats equal, day/month-swapped and one-typo dates as compatible.
    """

    column: str
    tolerance: Literal["none", "date"] = "none"


class NearIdentifier(_Strict):
    """Records whose ``column`` value is another's with one character dropped are linked, unless the
    shorter one is a valid value (``valid`` holds one), an ``agree`` column conflicts, or the shorter
    value is one drop from two values (:mod:`linkgraph.match.keys_plate`)."""

    column: str
    kind: Literal["one_dropped"] = "one_dropped"
    valid: str | None = None
    agree: list[str] = []
    min_length: int = 5


class Training(_Strict):
    """How the model is trained (:mod:`linkgraph.match.training`).

    ``rules``: one EM session per rule, over a uniform sample of at most ``session_pairs`` of its
    pairs (default: the blocking rules). ``seed_rules``: pairs sharing these values start EM as
    near-certain matches (default: one rule per identifier). ``recall``: the share of true
    matches the rules find together (λ is the estimated matches among their pairs / recall).
    """

    u_sample_pairs: int = 1_000_000
    max_iterations: int = 100
    tolerance: float = 1e-5
    seed: int = 42
    rules: list[list[str]] | None = None
    seed_rules: list[list[str]] | None = None
    session_pairs: int = 300_000
    min_session_matches: float = 30.0
    recall: float = 1.0

    @model_validator(mode="after")
    def _recall_is_a_share(self) -> "Training":
        if not 0 < self.recall <= 1:
            raise ValueError("recall: must be in (0, 1]")
        if self.session_pairs < 1:
            raise ValueError("session_pairs: must be at least 1")
        return self


class Budget(_Strict):
    """How many candidate pairs a run may compare, and how it keeps memory bounded.

    A blocking rule whose blocks hold more than ``pairs_per_rule`` pairs has its largest blocks
    refined, one key of ``refine`` at a time (a key the rule lacks), until it fits; blocks within
    budget are left as they are. Pairs stream through comparison and scoring ``chunk_pairs`` at
    a time; only pairs whose match weight is at most ``keep_margin`` bits below the threshold's
    are kept (the clustering reads those above it; explanations and the review queue the rest).
    """

    pairs_per_rule: int = 5_000_000
    refine: list[str] = ["birth_year", "first_phon", "last_phon", "postcode", "city"]
    chunk_pairs: int = 2_000_000
    keep_margin: float = 6.0


class Settings(_Strict):
    """The matching model of one entity type."""

    entity_type: str
    link_type: Literal["dedupe_only", "link_only", "link_and_dedupe"] = "dedupe_only"
    identifiers: list[str] = []
    near_identifiers: list[NearIdentifier] = []
    blocking: list[list[str]] = []
    comparisons: list[Comparison] = []
    training: Training = Training()
    budget: Budget = Budget()
    threshold: float = 0.5  # match probability
    constraints: list[Constraint] = []
    one_to_one: bool = False  # link_only: keep each record's best partner only
    probability_two_random_records_match: float | None = None
    tf_minimum: float = 0.0
    path: str | None = None
    #: how training went (:func:`linkgraph.match.training.describe`), set on a freshly trained model
    _training_report: dict | None = PrivateAttr(default=None)

    @property
    def training_report(self) -> dict | None:
        return self._training_report

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.entity_type not in ENTITY_TYPES and not self.entity_type.startswith("custom"):
            raise ValueError(f"entity_type: unknown type {self.entity_type!r}")
        if self.comparisons and not self.blocking:
            raise ValueError("blocking: comparisons need at least one blocking rule")
        if not 0 < self.threshold < 1:
            raise ValueError("threshold: must be a probability between 0 and 1")
        return self

    @property
    def probabilistic(self) -> bool:
        return bool(self.comparisons)

    @property
    def trained(self) -> bool:
        return self.probabilistic and all(
            lvl.m is not None and lvl.u is not None for c in self.comparisons for lvl in c.levels
        ) and self.probability_two_random_records_match is not None


def parse_settings(data: Any, path: str = "<settings>") -> Settings:
    """Validate a settings document; errors name the file and the key.

    A trained model (m and u given) must pass the monotonicity check
    (:func:`linkgraph.match.monotone.check_monotone`), else :class:`~linkgraph.errors.ModelError`.
    """
    settings = validate(Settings, data, path, "settings")
    if settings.trained:
        from linkgraph.match.monotone import check_monotone

        check_monotone(settings)
    return settings


def load_settings(path: str | Path) -> Settings:
    return parse_settings(read_yaml(path), str(path))


def load_settings_dir(folder: str | Path) -> dict[str, Settings]:
    """Every ``*.yaml`` settings document of a folder, by entity type."""
    out: dict[str, Settings] = {}
    for p in sorted(Path(folder).glob("*.yaml")):
        s = load_settings(p)
        if s.entity_type in out:
            raise MappingError(str(p), "entity_type", f"{s.entity_type} is already defined in {out[s.entity_type].path}")
        out[s.entity_type] = s
    return out


def save_settings(settings: Settings, path: str | Path) -> None:
    """Write a (trained) settings document back as YAML."""
    data = settings.model_dump(exclude_none=True, exclude={"path"}, exclude_defaults=False)
    Path(path).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
