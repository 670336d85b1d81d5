"""Resolve every mention of every source into entities, one entity type at a time."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from linkgraph.match.ids import assign_ids
from linkgraph.match.model import explain, score
from linkgraph.match.compare import Columns
from linkgraph.match.resolve_table import TableResolution, resolve_table
from linkgraph.match.settings import Settings, load_settings_dir
from linkgraph.sources.extract import Extraction

Progress = Callable[[str], None]
DEFAULT_RULES = Path(__file__).resolve().parents[2] / "rules" / "matching"

#: Context columns: a person mention takes the phone it uses and the vehicle it drives in the
#: same row, so that "same phone" can count as evidence when comparing people.
CONTEXT = {("person", "uses", "phone"): ("number", "phone"), ("person", "drives", "vehicle"): ("plate", "plate")}


@dataclass
class Resolution:
    """The result of a resolution run: every mention with its entity, and the entities."""

    mentions: pd.DataFrame
    entities: pd.DataFrame
    relations: pd.DataFrame
    rows: pd.DataFrame
    rejects: pd.DataFrame
    id_changes: pd.DataFrame
    models: dict[str, Settings]
    tables: dict[str, tuple[pd.DataFrame, TableResolution]] = field(default_factory=dict, repr=False)

    def entity_of(self, mention_id: str) -> str:
        """The entity of a mention (``SOURCE:ROW:MENTION``, or ``AGENCY:ROW:MENTION`` when unambiguous)."""
        from linkgraph.lookup import mention_id as find

        mention_id = find(self.mentions, mention_id)
        return str(self.mentions.loc[self.mentions["mention_id"] == mention_id, "entity_id"].iloc[0])

    def explain_pair(self, mention_a: str, mention_b: str) -> list[dict]:
        """The match waterfall of two mentions of the same type (prior, each comparison, total).

        Mentions are named ``SOURCE:ROW:MENTION`` (or ``AGENCY:ROW:MENTION`` when one source of that
        agency has it); an unknown one raises :class:`~linkgraph.errors.UnknownId` (a ``KeyError``)."""
        from linkgraph.lookup import mention_id as find

        mention_a, mention_b = find(self.mentions, mention_a), find(self.mentions, mention_b)
        ids = self.mentions.set_index("mention_id")
        ta, tb = ids.loc[mention_a, "entity_type"], ids.loc[mention_b, "entity_type"]
        if ta != tb:
            raise ValueError(f"{mention_a} is a {ta}, {mention_b} a {tb}: only mentions of one type compare")
        table, res = self.tables[ta]
        pos = pd.Series(np.arange(len(table)), index=table["mention_id"])
        i, j = np.array([pos[mention_a]]), np.array([pos[mention_b]])
        steps: list[dict] = []
        settings = res.settings
        for col in settings.identifiers:
            va, vb = table[col].iloc[i[0]] if col in table else None, table[col].iloc[j[0]] if col in table else None
            if va is not None and va == va and va == vb:
                steps.append({"step": f"identifier {col}", "level": f"same {col} {va}", "m": None, "u": None,
                              "weight": float("inf")})
        if settings.probabilistic and settings.trained:
            scored = score(settings, table, i, j, Columns(table), entities=res.tf_entities)
            steps += explain(settings, scored, 0)
        return steps

    def why(self, entity_id: str) -> pd.DataFrame:
        """The links that hold an entity together: each edge, its origin and weight.

        ``entity_id``: an entity id, or a name that matches one entity only."""
        from linkgraph.lookup import entity_id as find

        entity_id = find(self.entities, entity_id)
        members = self.mentions[self.mentions["entity_id"] == entity_id]
        if members.empty:
            raise KeyError(f"no entity {entity_id!r}")
        table, res = self.tables[members["entity_type"].iloc[0]]
        e = res.edges
        ids = table["mention_id"].to_numpy()
        inside = np.isin(ids[e.i], members["mention_id"].to_numpy()) & np.isin(ids[e.j], members["mention_id"].to_numpy())
        inside &= res.clustering.used
        return pd.DataFrame({"mention_a": ids[e.i[inside]], "mention_b": ids[e.j[inside]],
                             "origin": e.origin[inside], "weight": e.weight[inside]})


def _with_context(mentions: pd.DataFrame, relations: pd.DataFrame) -> pd.DataFrame:
    """``mentions`` with the context columns of :data:`CONTEXT` filled from ``relations``.

    Columns are replaced whole, never written into, so ``mentions`` may be a shallow copy.
    """
    if relations.empty:
        return mentions
    by_id = mentions.set_index("mention_id")
    for (src_type, rel_type, dst_type), (dst_col, ctx_col) in CONTEXT.items():
        rel = relations[relations["type"] == rel_type][["from_mention", "to_mention"]]
        if rel.empty or dst_col not in by_id:
            continue
        rel = rel.assign(value=by_id[dst_col].reindex(rel["to_mention"]).to_numpy())
        rel = rel.dropna(subset=["value"]).drop_duplicates("from_mention")
        values = rel.set_index("from_mention")["value"]
        mask = mentions["entity_type"] == src_type
        ctx = mentions.loc[mask, "mention_id"].map(values)
        column = mentions[ctx_col].copy() if ctx_col in mentions else pd.Series(np.full(len(mentions), None, dtype=object), index=mentions.index)
        column.loc[mask] = column.loc[mask].where(column.loc[mask].notna(), ctx)
        mentions[ctx_col] = column
    return mentions


def _any_present(values: np.ndarray, rows: np.ndarray) -> bool:
    """Whether any of ``values[rows]`` is present (the first few rows settle most columns)."""
    if pd.notna(values[rows[:64]]).any():
        return True
    return bool(pd.notna(values[rows]).any())


def _type_table(mentions: pd.DataFrame, entity_type: str) -> pd.DataFrame:
    """The mentions of one type sorted by mention id, without the columns they all leave empty.

    One copy of the type's rows: the empty columns are found on those rows first, and the ids
    are sorted as fixed-width strings (code-point order, as Python compares them).
    """
    rows = np.flatnonzero(mentions["entity_type"].to_numpy() == entity_type)
    ids = mentions["mention_id"].to_numpy()[rows]
    order = rows[np.argsort(ids.astype(str), kind="stable")]
    keep = [k for k in range(mentions.shape[1]) if _any_present(mentions.iloc[:, k].to_numpy(), rows)]
    table = mentions.iloc[order, keep]
    table.index = pd.RangeIndex(len(table))
    return table


def _judgment_positions(judgments: pd.DataFrame | None, table: pd.DataFrame, verdict: str):
    if judgments is None or judgments.empty:
        return None
    pos = pd.Series(np.arange(len(table)), index=table["mention_id"])
    j = judgments[judgments["verdict"] == verdict]
    j = j[j["mention_a"].isin(pos.index) & j["mention_b"].isin(pos.index)]
    return pos[j["mention_a"]].to_numpy(), pos[j["mention_b"]].to_numpy()


def resolve(extraction: Extraction, settings: dict[str, Settings] | str | Path | None = None, *,
            previous: pd.DataFrame | None = None, judgments: pd.DataFrame | None = None,
            progress: Progress | None = None, table_resolver: Callable[..., TableResolution] | None = None) -> Resolution:
    """Resolve the mentions of ``extraction`` into entities.

    ``settings``: matching settings by entity type, or a folder of them (default ``rules/matching``).
    ``previous``: an earlier mention→entity table (``mention_id``, ``entity_id``) whose ids to keep.
    ``judgments``: analysts' verdicts (``mention_a``, ``mention_b``, ``verdict`` = same | different).
    ``table_resolver``: resolves one type's table in place of :func:`resolve_table` (the Spark engine).
    ``progress(message)`` is called at each step; if it also has a ``pairs(entity_type, done, total)``
    method, that is called as candidate pairs are compared.
    """
    if settings is None or isinstance(settings, (str, Path)):
        settings = load_settings_dir(settings or DEFAULT_RULES)
    # a shallow copy: columns are added or replaced whole below, never written into
    mentions = _with_context(extraction.mentions.copy(deep=False), extraction.relations)
    keys: list[pd.Series] = []
    tables: dict[str, tuple[pd.DataFrame, TableResolution]] = {}
    models: dict[str, Settings] = {}
    for entity_type in sorted(mentions["entity_type"].unique()) if len(mentions) else []:
        if progress:
            progress(f"resolving {entity_type}")
        table = _type_table(mentions, entity_type)
        config = settings.get(entity_type) or Settings(entity_type=entity_type)
        extra = {}
        pairs = getattr(progress, "pairs", None)  # a progress that can show pairs compared / total
        if pairs is not None and config.probabilistic:
            extra["progress"] = lambda done, total, t=entity_type: pairs(t, done, total)
        res = (table_resolver or resolve_table)(table, config, same=_judgment_positions(judgments, table, "same"),
                                                different=_judgment_positions(judgments, table, "different"), **extra)
        tables[entity_type] = (table, res)
        models[entity_type] = res.settings
        keys.append(pd.Series(entity_type + ":" + pd.Series(res.labels).astype(str).to_numpy(),
                              index=table["mention_id"].to_numpy()))
    labels = mentions["mention_id"].map(pd.concat(keys)) if keys else pd.Series(dtype=object)
    notes: list = []
    entity_ids, changes = assign_ids(mentions, labels, previous, notes=notes)
    for note in notes:  # entities that could not be named by their strong identifier: said in the run's report
        tables[note.entity_type][1].report.setdefault("id_fallbacks", []).append(note.message())
    mentions.insert(1, "entity_id", entity_ids)
    relations = extraction.relations.copy()
    if len(relations):
        eid = mentions.set_index("mention_id")["entity_id"]
        relations.insert(2, "from_entity", relations["from_mention"].map(eid))
        relations.insert(3, "to_entity", relations["to_mention"].map(eid))
    from linkgraph.match.entities import entity_table

    return Resolution(mentions, entity_table(mentions), relations, extraction.rows, extraction.rejects,
                      changes, models, tables)
