"""What one user sees of a resolution: a ``Resolution`` rebuilt from the facts they may see.

:func:`user_view` applies :mod:`linkgraph.store.access` (visible mentions, relations, rows,
rejects; entities recomputed from visible mentions) and one more rule, for **entities joined
through hidden facts**: two visible mentions stay in one entity for a user only when *visible*
evidence links them, directly or through other visible mentions of that entity. Visible evidence
is what the resolution itself links with, restricted to pairs of visible mentions of one stored
entity:

- a shared strong identifier (the type's ``identifiers``),
- a model match: a candidate pair of the type's blocking rules whose probability under the stored
  trained model reaches its threshold (term frequencies counted over the visible mentions only,
  once per stored entity),
- an analyst's "same" judgment on two visible mentions.

An entity whose mentions are all visible is kept whole (its evidence is all visible). An entity
with a hidden mention is split into the components of its visible mentions over those links: the
component with most mentions (ties: the smallest mention id) keeps the entity id, every other gets
a fresh keyed-hash id (:func:`linkgraph.match.ids.fresh_ids` with a key derived from the
workspace's secret), which says nothing about the hidden mention. A split never merges: at worst a
user sees one person as two, never two people joined by a fact they may not see.

The view's ``tables`` (per type: the visible mentions and a
:class:`~linkgraph.match.resolve_table.TableResolution` holding the visible links and the scored
visible candidate pairs) make ``why``, ``explain_pair`` and the review queue work on visible facts
only. ``id_changes`` are kept only for users who see everything (their reasons name sources).
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from linkgraph.match.blocking import candidate_pairs
from linkgraph.match.cluster import Clustering, Edges, _components
from linkgraph.match.compare import Columns
from linkgraph.match.entities import entity_table
from linkgraph.match.ids import DEFAULT_ID_KEY, fresh_ids
from linkgraph.match.model import _groups, score
from linkgraph.match.pipeline import Resolution
from linkgraph.match.resolve_table import TableResolution, identifier_edges, model_edges
from linkgraph.match.settings import Settings
from linkgraph.store.access import LEVEL, User, visible_mask, visible_rejects, visible_relations, visible_rows

ENTITY_BASE = ["entity_id", "entity_type", "label", "mentions", "sources", "agencies", "first_seen", "last_seen"]


def view_key(id_key: str | None) -> str:
    """The id key for the ids of split parts: derived from the workspace's secret (16 hex chars)."""
    return hashlib.sha256(("linkgraph-view\x1f" + (id_key or DEFAULT_ID_KEY)).encode()).hexdigest()[:16]


def sees_everything(user: User) -> bool:
    """Whether ``user`` sees every agency up to the highest classification."""
    return user.all_agencies and user.level == max(LEVEL.values())


def _type_view(table: pd.DataFrame, ent_ids: np.ndarray, whole: np.ndarray, settings: Settings,
               judgments: pd.DataFrame | None) -> tuple[np.ndarray, TableResolution]:
    """Component label per visible mention of one type, and the visible links and scored pairs.

    ``ent_ids``: stored entity id per row; ``whole``: True where the row's entity has no hidden mention.
    """
    n = len(table)
    ent = pd.factorize(pd.Series(ent_ids))[0].astype(np.int64)
    parts = []
    if judgments is not None and len(judgments):
        pos = pd.Series(np.arange(n), index=table["mention_id"].to_numpy())
        same = judgments[(judgments["verdict"] == "same") & judgments["mention_a"].isin(pos.index)
                         & judgments["mention_b"].isin(pos.index)]
        if len(same):
            a, b = pos[same["mention_a"]].to_numpy(), pos[same["mention_b"]].to_numpy()
            parts.append(Edges(a, b, np.full(len(a), np.inf), np.full(len(a), "judgment", dtype=object)))
    parts.append(identifier_edges(table, settings.identifiers, within=ent))
    scored = None
    tf_entities = None
    if settings.probabilistic and settings.trained and n > 1:
        groups, within = _groups(table, settings)
        i, j = candidate_pairs(table, settings.blocking, groups, within)
        tf_entities = ent
        scored = score(settings, table, i, j, Columns(table), entities=ent)
        parts.append(model_edges(scored, settings))
    edges = Edges.concat(parts)
    inside = ent[edges.i] == ent[edges.j]
    edges = Edges(edges.i[inside], edges.j[inside], edges.weight[inside], edges.origin[inside])
    # entities with no hidden mention stay whole: a star over each
    rows = np.flatnonzero(whole)
    first = pd.Series(rows).groupby(ent[rows]).transform("min").to_numpy() if len(rows) else rows
    star = first != rows
    labels = _components(n, np.concatenate([edges.i, first[star]]), np.concatenate([edges.j, rows[star]]))
    res = TableResolution(labels, settings, scored, edges, Clustering(labels, np.ones(len(edges.i), dtype=bool)),
                          tf_entities)
    return labels, res


def _part_ids(frame: pd.DataFrame, key: str) -> np.ndarray:
    """Entity id per row of ``frame`` (mention_id, entity_type, entity_id, part): the largest part of
    each stored entity keeps its id, the others get a fresh keyed id of their first mention."""
    parts = frame.groupby("part").agg(entity_id=("entity_id", "first"), entity_type=("entity_type", "first"),
                                      size=("mention_id", "size"), anchor=("mention_id", "min"))
    parts = parts.sort_values(["entity_id", "size", "anchor"], ascending=[True, False, True], kind="stable")
    keeps = ~parts["entity_id"].duplicated()
    ids = parts["entity_id"].where(keeps, pd.Series(fresh_ids(parts["entity_type"], parts["anchor"], key),
                                                    index=parts.index))
    return ids.reindex(frame["part"].to_numpy()).to_numpy(dtype=object)


def user_view(result: Resolution, user: User, *, judgments: pd.DataFrame | None = None,
              key: str | None = None) -> Resolution:
    """The resolution ``result`` as ``user`` may see it (see the module docstring).

    ``judgments``: the effective verdicts (``mention_a, mention_b, verdict``); ``key``: the id key
    of split parts (a workspace's :meth:`~linkgraph.store.workspace.Workspace.view_key`).
    """
    mentions = result.mentions
    seen = visible_mask(mentions, user)
    visible = mentions[seen]
    totals = mentions["entity_id"].value_counts()
    shown = visible["entity_id"].value_counts()
    whole_ids = shown.index[(shown == totals.reindex(shown.index)).to_numpy()]
    key = key or view_key(None)
    tables: dict[str, tuple[pd.DataFrame, TableResolution]] = {}
    assigned: list[pd.Series] = []
    for entity_type in sorted(visible["entity_type"].unique()) if len(visible) else []:
        part = visible[visible["entity_type"] == entity_type]
        ent_ids = part.sort_values("mention_id", kind="stable")["entity_id"].to_numpy(dtype=object)
        table = part.sort_values("mention_id", kind="stable").drop(columns=["entity_id"]).dropna(axis=1, how="all")
        table = table.reset_index(drop=True)
        settings = result.models.get(entity_type) or Settings(entity_type=entity_type)
        whole = pd.Series(ent_ids).isin(whole_ids).to_numpy()
        labels, res = _type_view(table, ent_ids, whole, settings, judgments)
        frame = pd.DataFrame({"mention_id": table["mention_id"].to_numpy(), "entity_type": entity_type,
                              "entity_id": ent_ids, "part": labels})
        ids = _part_ids(frame, key) if not whole.all() else ent_ids
        assigned.append(pd.Series(ids, index=frame["mention_id"].to_numpy()))
        tables[entity_type] = (table, res)
    owner = pd.concat(assigned) if assigned else pd.Series(dtype=object)
    view_mentions = visible.assign(entity_id=visible["mention_id"].map(owner).to_numpy())
    entities = entity_table(view_mentions) if len(view_mentions) else pd.DataFrame(columns=ENTITY_BASE)
    computed = [c for c in result.entities.columns if c in entities.columns]
    entities = entities.reindex(columns=computed or list(entities.columns)).reset_index(drop=True)
    relations = result.relations
    if len(relations):
        relations = relations.assign(from_entity=relations["from_mention"].map(owner),
                                     to_entity=relations["to_mention"].map(owner))
        relations = visible_relations(relations, user, entity_ids=owner.unique())
    changes = result.id_changes
    if changes is not None and not sees_everything(user):
        changes = changes.iloc[0:0]
    return Resolution(view_mentions.reset_index(drop=True), entities, relations.reset_index(drop=True),
                      visible_rows(result.rows, user), visible_rejects(result.rejects, result.rows, user),
                      changes, result.models, tables)


def workspace_view(workspace, user: User) -> Resolution:
    """:func:`user_view` of a :class:`~linkgraph.store.workspace.Workspace` (its stored resolution,
    effective judgments and secret id key)."""
    from linkgraph.match.incremental import effective_judgments

    result = workspace.result()
    return user_view(result, user, judgments=effective_judgments(workspace.judgments()), key=workspace.view_key())
