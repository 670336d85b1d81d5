"""Access control: who may do what (roles), and who may see which facts (agencies, classification).

A user has a **role**, which says which actions they may take (:data:`PERMISSIONS`, over the
action names of the audit log), and a **clearance**: the agencies whose facts they may see (or
``"*"`` for all) and the highest classification level they may see
(``public < restricted < confidential < secret``). A fact (a mention, a relation row, a source
row) is visible when its ``agency`` is one of the user's and its ``classification`` is at most
theirs; a fact with an unknown or missing classification is visible to nobody, one with a
missing agency only to ``"*"`` users (fail closed).

Everything derived is **recomputed from the visible facts only**, never filtered from aggregates:
an entity exists for a user when at least one of its mentions is visible, and its label, main
values, mention count, agencies and first/last seen come from those mentions alone
(:func:`visible_entities`); edges are re-aggregated from the visible relation rows
(:func:`restricted_edges`), so counts, weights, evidence and classification never reveal a
hidden row. :func:`restrict_resolution` applies all of it to a whole ``Resolution``.

A refused lookup raises :class:`AccessDenied`, whose message is the same whether the object does
not exist or is hidden ("entity not found or not permitted").

The users file (``yaml.safe_load``, validated; an error names the file and the key)::

    # users.yaml
    users:
      alice:                          # the login name (letters, digits, . _ @ -)
        role: viewer                  # viewer | analyst | reviewer | admin
        agencies: [police]            # the agencies whose facts alice may see
        max_classification: restricted
      bruno:
        role: analyst
        agencies: [police, gendarmerie]
        max_classification: confidential
      chloe:
        role: reviewer
        agencies: "*"                 # every agency
        max_classification: secret
      admin:
        role: admin
        agencies: "*"
        max_classification: secret

All functions are pure and vectorized (boolean masks, ``isin``, groupbys; no per-row Python).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal, Union

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from linkgraph.documents import read_yaml, validate
from linkgraph.errors import LinkgraphError, MappingError
from linkgraph.vocabulary import CLASSIFICATIONS

#: Classification levels, lowest first, as ranks.
LEVEL: dict[str, int] = {name: rank for rank, name in enumerate(CLASSIFICATIONS)}


class Role(str, Enum):
    """What a user may do (see :data:`PERMISSIONS`)."""

    viewer = "viewer"
    analyst = "analyst"
    reviewer = "reviewer"
    admin = "admin"


_VIEWER = {"login", "search", "view", "chart", "match", "deconflict", "alerts"}
_ANALYST = _VIEWER | {"export", "score", "ingest", "resolve", "watch"}
_REVIEWER = _ANALYST | {"judgment", "merge", "split"}
_ADMIN = _REVIEWER | {"erase", "retention", "manage_users"}

#: Role → the actions it may take (names of :data:`linkgraph.store.audit.ACTIONS`; ``access_denied``
#: is only ever logged, never permitted).
#:
#: ========  ==========================================================================
#: viewer    login, search, view, chart, match, deconflict, alerts
#: analyst   viewer + export, score, ingest, resolve, watch
#: reviewer  analyst + judgment, merge, split
#: admin     reviewer + erase, retention, manage_users
#: ========  ==========================================================================
PERMISSIONS: dict[str, set[str]] = {
    Role.viewer.value: set(_VIEWER),
    Role.analyst.value: set(_ANALYST),
    Role.reviewer.value: set(_REVIEWER),
    Role.admin.value: set(_ADMIN),
}

_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_AGENCY = re.compile(r"^[a-z0-9_-]{1,64}$")


class AccessDenied(LinkgraphError, PermissionError):
    """A refused action or lookup. The message never says whether the object exists."""

    def __init__(self, what: str = "object", *, action: str | None = None) -> None:
        self.what, self.action = what, action
        if action is not None:
            super().__init__(f"not permitted: {action}")
        else:
            super().__init__(f"{what} not found or not permitted")


class User(BaseModel):
    """A user: login ``name``, ``role``, the ``agencies`` they may see (``"*"``: all) and their
    ``max_classification``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    role: Role
    agencies: Union[Literal["*"], frozenset[str]]
    max_classification: Literal["public", "restricted", "confidential", "secret"]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("a user name is 1 to 64 letters, digits, '.', '_', '@' or '-'")
        return value

    @field_validator("agencies", mode="before")
    @classmethod
    def _agencies(cls, value: Any) -> Any:
        if value == "*":
            return "*"
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple, set, frozenset)):
            raise ValueError("agencies is a list of agency ids, or \"*\" for all")
        value = frozenset(value)
        if not value:
            raise ValueError("agencies must not be empty (use \"*\" for all agencies)")
        for agency in value:
            if not isinstance(agency, str) or not _AGENCY.match(agency):
                raise ValueError("an agency id is lower-case letters, digits, '_' or '-'")
        return value

    @property
    def level(self) -> int:
        """Rank of :attr:`max_classification` (0 = public … 3 = secret)."""
        return LEVEL[self.max_classification]

    @property
    def all_agencies(self) -> bool:
        return self.agencies == "*"

    def sees(self, agency: str | None, classification: str | None) -> bool:
        """Whether one fact with this provenance is visible (scalar form of :func:`visible_mask`)."""
        if classification not in LEVEL or LEVEL[classification] > self.level:
            return False
        return self.all_agencies or (agency is not None and agency in self.agencies)


class _UserSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    agencies: Union[Literal["*"], list[str]]
    max_classification: Literal["public", "restricted", "confidential", "secret"]


class _UsersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    users: dict[str, _UserSpec]

    @field_validator("users")
    @classmethod
    def _not_empty(cls, value: dict) -> dict:
        if not value:
            raise ValueError("at least one user is needed")
        return value


def load_users(path: str | Path) -> dict[str, User]:
    """The users of a YAML file (format in the module docstring), by name.

    Raises :class:`~linkgraph.errors.MappingError` naming the file and the key at fault
    (``users.alice.max_classification: Input should be …``).
    """
    path = str(path)
    doc = validate(_UsersFile, read_yaml(path), path, "a users file")
    users: dict[str, User] = {}
    for name, spec in doc.users.items():
        try:
            users[name] = User(name=name, role=spec.role, agencies=spec.agencies,
                               max_classification=spec.max_classification)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = f"users.{name}" + ("" if err["loc"] == ("name",) else f".{err['loc'][0]}")
            raise MappingError(path, key, err["msg"].removeprefix("Value error, ")) from None
    return users


# --------------------------------------------------------------------------------------------------
# actions


def can(user: User, action: str) -> bool:
    """Whether ``user``'s role permits ``action``."""
    role = user.role.value if isinstance(user.role, Role) else str(user.role)
    return action in PERMISSIONS.get(role, set())


def require(user: User, action: str) -> None:
    """Raise :class:`AccessDenied` unless ``user`` may take ``action``."""
    if not can(user, action):
        raise AccessDenied(action=action)


# --------------------------------------------------------------------------------------------------
# facts


def visible_mask(frame: pd.DataFrame, user: User) -> np.ndarray:
    """Boolean mask of the rows of ``frame`` (with ``agency`` and ``classification`` columns) that
    ``user`` may see. A missing column is an error (nothing is shown by accident); an empty table
    needs no column."""
    if len(frame) == 0:
        return np.zeros(0, dtype=bool)
    for col in ("agency", "classification"):
        if col not in frame.columns:
            raise KeyError(f"cannot restrict a table without a {col!r} column")
    level = frame["classification"].map(LEVEL)  # unknown or missing -> NaN -> hidden
    mask = (level <= user.level).to_numpy(dtype=bool)
    if not user.all_agencies:
        mask &= frame["agency"].isin(user.agencies).to_numpy(dtype=bool)
    return mask


def visible_mentions(mentions: pd.DataFrame, user: User) -> pd.DataFrame:
    """The mentions ``user`` may see: agency among theirs and classification at most theirs."""
    return mentions[visible_mask(mentions, user)]


def visible_entity_ids(mentions: pd.DataFrame, user: User) -> pd.Index:
    """Ids of the entities with at least one visible mention."""
    seen = visible_mentions(mentions, user)["entity_id"].dropna()
    return pd.Index(seen.unique())


def visible_entities(entities: pd.DataFrame | None, mentions: pd.DataFrame, user: User) -> pd.DataFrame:
    """The entities of ``entities`` (all when None) with at least one visible mention, recomputed
    from the visible mentions only (label, main values, ``mentions``, ``sources``, ``agencies``,
    first/last seen) with :func:`linkgraph.match.entities.entity_table`.

    Columns are those of ``entities`` that the entity table computes (a column it does not compute,
    e.g. a score, may derive from hidden facts and is dropped); a main-value column none of the
    visible mentions fills is present and empty.
    """
    from linkgraph.match.entities import entity_table

    seen = visible_mentions(mentions, user)
    seen = seen[seen["entity_id"].notna()]
    if entities is not None:
        seen = seen[seen["entity_id"].isin(entities["entity_id"])]
    table = entity_table(seen)  # an empty frame gives an empty table with the same columns
    if entities is None:
        return table
    computed = _entity_columns(mentions)
    columns = [c for c in entities.columns if c in table.columns or c in computed]
    return table.reindex(columns=columns)


def _entity_columns(mentions: pd.DataFrame) -> set[str]:
    from linkgraph.match.entities import MAIN_VALUES

    base = {"entity_id", "entity_type", "label", "mentions", "sources", "agencies", "first_seen", "last_seen"}
    return base | {c for cols in MAIN_VALUES.values() for c in cols if c in mentions.columns}


def visible_relations(relations: pd.DataFrame, user: User, *, mentions: pd.DataFrame | None = None,
                      entity_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The relation rows ``user`` may see (their own agency and classification), whose both ends
    are visible entities: entities with a visible mention of ``mentions``, or among ``entity_ids``
    (either may be given; with neither, both ends must merely be resolved)."""
    mask = visible_mask(relations, user)
    ends = [c for c in ("from_entity", "to_entity") if c in relations.columns]
    if entity_ids is None and mentions is not None:
        entity_ids = visible_entity_ids(mentions, user)
    for col in ends:
        mask &= relations[col].notna().to_numpy(dtype=bool)
        if entity_ids is not None:
            mask &= relations[col].isin(pd.Index(entity_ids)).to_numpy(dtype=bool)
    return relations[mask]


def restricted_edges(relations: pd.DataFrame, user: User, *, mentions: pd.DataFrame | None = None,
                     entities: pd.DataFrame | None = None, cosighting_window: float | None = None,
                     cosighting_min_times: int = 3) -> pd.DataFrame:
    """The entity edge table as ``user`` may see it, aggregated from the visible relation rows only
    (:func:`linkgraph.graph.edges.edge_table` of :func:`visible_relations`): ``count``, ``weight``,
    ``evidence``, ``agencies`` and ``classification`` reflect visible rows alone.

    With ``cosighting_window`` (seconds), LAPI ``seen_together`` edges are added, derived from the
    visible plate reads only (as :func:`linkgraph.graph.assemble.resolution_edges` does).
    """
    from linkgraph.graph.assemble import resolution_edges

    rel = visible_relations(relations, user, mentions=mentions)
    seen = None
    if entities is not None and mentions is not None:
        seen = visible_entities(entities, mentions, user)
    return resolution_edges(SimpleNamespace(relations=rel, entities=seen), cosighting_window=cosighting_window,
                            cosighting_min_times=cosighting_min_times)


def visible_edges(edges: pd.DataFrame, user: User, visible_entity_ids: Iterable[str]) -> pd.DataFrame:
    """The rows of an already aggregated edge table that ``user`` may see *in full*: every agency of
    the edge is theirs, its classification (the highest of its evidence) is at most theirs and both
    ends are visible. A kept row is then exactly what :func:`restricted_edges` computes for it; an
    edge with some hidden evidence is dropped (conservative): prefer :func:`restricted_edges`.
    """
    ids = pd.Index(visible_entity_ids)
    level = edges["classification"].map(LEVEL)
    mask = (level <= user.level).to_numpy(dtype=bool)
    mask &= edges["from_entity"].isin(ids).to_numpy(dtype=bool) & edges["to_entity"].isin(ids).to_numpy(dtype=bool)
    if not user.all_agencies:
        parts = edges["agencies"].fillna("").astype(str).reset_index(drop=True).str.split(";").explode()
        allowed = (parts.isin(user.agencies) & parts.ne("")).groupby(level=0).all()
        mask &= allowed.reindex(range(len(edges)), fill_value=False).to_numpy(dtype=bool)
    return edges[mask]


def visible_rows(rows: pd.DataFrame, user: User) -> pd.DataFrame:
    """Source rows (``Resolution.rows``: ``source, agency, classification, …``) that ``user`` may see."""
    return rows[visible_mask(rows, user)]


def visible_rejects(rejects: pd.DataFrame, rows: pd.DataFrame, user: User) -> pd.DataFrame:
    """Rejected rows whose (source, row) is a visible source row (rejects carry no provenance)."""
    if rejects.empty:
        return rejects
    seen = visible_rows(rows, user)
    keys = pd.MultiIndex.from_arrays([seen["source"].astype(str), pd.to_numeric(seen["row"], errors="coerce")])
    mine = pd.MultiIndex.from_arrays([rejects["source"].astype(str), pd.to_numeric(rejects["row"], errors="coerce")])
    return rejects[mine.isin(keys)]


def require_visible(ids: str | Iterable[str], visible_ids: Iterable[str], what: str = "entity") -> None:
    """Raise :class:`AccessDenied` ("… not found or not permitted") unless every id is visible."""
    wanted = pd.Index([ids] if isinstance(ids, str) else list(ids))
    if not wanted.isin(pd.Index(visible_ids)).all():
        raise AccessDenied(what)


def restrict_resolution(result, user: User):
    """A :class:`~linkgraph.match.pipeline.Resolution` holding only what ``user`` may see: visible
    mentions, entities recomputed from them, visible relations between visible entities, visible
    source rows and rejects, and the id changes of visible entities (their mention counts removed:
    they counted hidden mentions too).

    ``models`` and ``tables`` are kept (matching parameters, for ``why``/``explain_pair``, which only
    look at the restricted mentions: a hidden mention id raises ``KeyError``, to be answered as
    :class:`AccessDenied`).
    """
    from linkgraph.match.pipeline import Resolution

    mentions = visible_mentions(result.mentions, user)
    ids = pd.Index(mentions["entity_id"].dropna().unique())
    entities = visible_entities(result.entities, result.mentions, user)
    relations = visible_relations(result.relations, user, entity_ids=ids) if len(result.relations) else result.relations
    changes = result.id_changes
    if changes is not None and len(changes):
        changes = changes[changes["new_id"].isin(ids)].assign(mentions=pd.NA)
    return Resolution(mentions, entities, relations, visible_rows(result.rows, user),
                      visible_rejects(result.rejects, result.rows, user), changes, result.models, result.tables)
