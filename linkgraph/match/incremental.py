"""Incremental matching: resolve a batch of new mentions against stored entities, or re-cluster
the entities a judgment, an erasure or a rebuild touches, keeping entity ids stable.

The store (:mod:`linkgraph.store.workspace`) loads the stored mentions of each type (with their
``entity_id``), calls :func:`compute_types`, and writes the :class:`TypeResult` of each type in
one transaction. Nothing here reads or writes a database.

- :func:`incremental_type`: candidate pairs are those with at least one new mention (identifiers:
  the new mention joins the first holder of its value; blocking rules: new mention x every mention
  of its block, :func:`pairs_touching`), scored with the stored trained model (no EM); existing
  entities are kept whole (a star of unbreakable links each) and only the entities touched by a
  kept link are re-clustered with the new mentions under the type's constraints and the "not the
  same" judgments.
- :func:`full_type`: every mention of the type from scratch (EM when the model is untrained).
- :func:`merge_entities` / :func:`split_entity`: an analyst's "same" / "different" verdict.
- :func:`assign_ids`: the cluster sharing most mentions with an old entity inherits its id; the
  others get a fresh keyed id of their first mention.

Example (two stored persons, one new mention sharing the number of the first)::

    >>> import pandas as pd
    >>> from linkgraph.match.settings import Settings
    >>> s = Settings(entity_type="phone", identifiers=["number"])
    >>> t = pd.DataFrame({"mention_id": ["a:1:p", "a:2:p", "b:1:p"], "entity_type": "phone",
    ...                   "source": ["a", "a", "b"], "agency": ["police", "police", "douane"],
    ...                   "date": [None, None, None], "number": ["0601", "0602", "0601"],
    ...                   "entity_id": ["P1", "P2", None]})
    >>> r = incremental_type(t, 2, s, effective_judgments(pd.DataFrame()), set(), "ingest of b")
    >>> r.assignments.to_dict("records")
    [{'mention_id': 'b:1:p', 'entity_id': 'P1'}]
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkgraph.arrays import distinct
from linkgraph.match.blocking import _group_codes
from linkgraph.match.cluster import ConstraintValues, Edges, cluster
from linkgraph.match.compare import Columns
from linkgraph.match.entities import entity_table
from linkgraph.match.ids import fresh_ids
from linkgraph.match.keys_plate import ORIGIN as NEAR_ORIGIN, near_identifier_edges
from linkgraph.match.model import _groups, score
from linkgraph.match.pipeline import _judgment_positions
from linkgraph.match.resolve_table import TableResolution, identifier_edges, one_to_one, resolve_table
from linkgraph.match.settings import Settings
from linkgraph.match.strong_ids import strong_anchors

#: Provenance columns of a stored mention (every other column is a normalized value).
MENTION_BASE = ["mention_id", "source", "agency", "classification", "file", "row", "date", "entity_type", "slot", "raw"]
ENTITY_BASE = ["entity_id", "entity_type", "label", "mentions", "sources", "agencies", "first_seen", "last_seen"]


@dataclass
class TypeResult:
    """The new resolution of the mentions of one type that an operation touched."""

    entity_type: str
    mode: str                    # "incremental" | "full"
    assignments: pd.DataFrame    # mention_id, entity_id: every touched mention (new or re-labelled)
    old_ids: set[str]            # entity ids the touched mentions had (their entity rows are rewritten)
    entity_rows: pd.DataFrame    # rows of every entity holding a touched mention
    changes: pd.DataFrame        # id changes (CHANGE_COLUMNS but operation/source_id/at)
    model: Settings | None = None  # a newly trained model to store
    trained_mentions: int = 0
    table: tuple[pd.DataFrame, TableResolution] | None = None


def effective_judgments(judgments: pd.DataFrame) -> pd.DataFrame:
    """The verdicts to resolve with: the latest judgment of each unordered pair wins."""
    if judgments.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("mention_a", "mention_b", "verdict")})
    j = judgments.sort_values("judgment_id", kind="stable") if "judgment_id" in judgments else judgments
    a, b = j["mention_a"].astype(str), j["mention_b"].astype(str)
    key = np.where(a <= b, a + "\x1f" + b, b + "\x1f" + a)
    j = j.assign(_key=key).drop_duplicates("_key", keep="last")
    return j[["mention_a", "mention_b", "verdict"]].reset_index(drop=True)


def entity_rows(mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per entity (:func:`linkgraph.match.entities.entity_table`, vectorized)."""
    if mentions.empty:
        return pd.DataFrame(columns=ENTITY_BASE)
    return entity_table(mentions)


def assign_ids(frame: pd.DataFrame, taken: set[str], key: str | None = None,
               values: pd.DataFrame | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Entity ids for clusters: ``frame`` has mention_id, entity_type, cluster, old_id (None = new).

    Like :func:`linkgraph.match.ids.assign_ids`: the cluster sharing most mentions with an old
    entity inherits its id (ties: the smaller id, then the cluster's first mention); other clusters
    get a fresh id from their first mention — or from their strong identifier, read from ``values``
    (the normalized columns, row for row with ``frame``; :mod:`linkgraph.match.strong_ids`) —, never
    one in ``taken`` (updated in place).
    Returns the id per row of ``frame`` and the changes (old_id, new_id, change, mentions).
    """
    first = frame.sort_values(["cluster", "mention_id"], kind="stable").drop_duplicates("cluster")
    anchors = first.set_index("cluster")[["mention_id", "entity_type"]].rename(columns={"mention_id": "anchor"})
    ids = pd.Series(None, index=anchors.index, dtype=object)
    changes = pd.DataFrame(columns=["old_id", "new_id", "change", "mentions"])
    prev = frame.dropna(subset=["old_id"])
    overlap = None
    if len(prev):
        overlap = prev.groupby(["cluster", "old_id"]).size().rename("n").reset_index()
        overlap["anchor"] = anchors["anchor"].reindex(overlap["cluster"]).to_numpy()
        overlap = overlap.sort_values(["n", "old_id", "anchor"], ascending=[False, True, True], kind="stable")
        inherit = overlap.drop_duplicates("cluster").drop_duplicates("old_id")
        ids.loc[inherit["cluster"].to_numpy()] = inherit["old_id"].to_numpy()
    fresh = ids.index[ids.isna()]
    named = anchors["anchor"]
    if values is not None:
        codes = anchors.index.get_indexer(frame["cluster"])
        strong, _ = strong_anchors(values.assign(entity_type=frame["entity_type"].to_numpy()).reset_index(drop=True),
                                   codes, len(anchors))
        named = named.where(pd.isna(strong), pd.Series(strong, index=anchors.index))
    bases = fresh_ids(anchors.loc[fresh, "entity_type"], named.loc[fresh], key)
    clash = pd.Series(bases).isin(taken).to_numpy() | pd.Series(bases).duplicated().to_numpy()
    for i in np.flatnonzero(clash):  # 64-bit hashes: almost never more than none
        new, k = bases[i], 0
        while new in taken or new in bases[:i]:
            k += 1
            new = f"{bases[i]}-{k}"
        bases[i] = new
    taken.update(bases)
    ids.loc[fresh] = bases
    if overlap is not None:
        overlap["new_id"] = ids.loc[overlap["cluster"].to_numpy()].to_numpy()
        moved = overlap[overlap["old_id"] != overlap["new_id"]]
        kept = set(ids.to_numpy())
        kind = np.where(moved["old_id"].isin(kept), "split", "merged")
        changes = pd.DataFrame({"old_id": moved["old_id"].to_numpy(), "new_id": moved["new_id"].to_numpy(),
                                "change": kind, "mentions": moved["n"].to_numpy().astype(np.int64)})
    return pd.Series(ids.loc[frame["cluster"].to_numpy()].to_numpy(), index=frame.index), changes


def constraints(settings: Settings, df: pd.DataFrame) -> list[ConstraintValues]:
    n = len(df)
    return [ConstraintValues(c.column, df[c.column].astype(object).where(df[c.column].notna(), None).to_numpy()
                             if c.column in df else np.full(n, None, dtype=object), c.tolerance)
            for c in settings.constraints]


def pairs_touching(df: pd.DataFrame, rules: list[list[str]], is_new: np.ndarray, groups: np.ndarray | None,
                    within: bool) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs (i < j) of ``rules`` that hold at least one new record: new × its block."""
    n = len(df)
    keys = []
    for rule in rules:
        if any(c not in df.columns for c in rule):
            continue
        codes = _group_codes(df, rule)
        new_codes = distinct(codes[is_new & (codes >= 0)])
        if len(new_codes) == 0:
            continue
        members = np.flatnonzero(np.isin(codes, new_codes))
        order = members[np.argsort(codes[members], kind="stable")]
        grp = codes[order]
        starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
        sizes = np.diff(np.r_[starts, len(order)])
        group_of = np.repeat(np.arange(len(starts)), sizes)
        at = np.flatnonzero(is_new[order])          # positions in `order` of the new records
        reps = sizes[group_of[at]]
        a = np.repeat(order[at], reps)
        offs = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
        b = order[np.repeat(starts[group_of[at]], reps) + offs]
        keep = a != b
        a, b = a[keep], b[keep]
        i, j = np.minimum(a, b), np.maximum(a, b)
        if groups is not None and not within:
            cross = groups[i] != groups[j]
            i, j = i[cross], j[cross]
        keys.append(i.astype(np.int64) * n + j)
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key = distinct(np.concatenate(keys))
    return key // n, key % n


def incremental_type(table: pd.DataFrame, n_old: int, settings: Settings, judgments: pd.DataFrame,
                      taken: set[str], reason: str, key: str | None = None) -> TypeResult:
    """Resolve the new mentions of one type (rows ``n_old:`` of ``table``) against the stored ones.

    ``table``: stored mentions (with ``entity_id``) first, then the new ones (``entity_id`` None).
    """
    entity_type = str(table["entity_type"].iloc[0])
    n = len(table)
    is_new = np.arange(n) >= n_old
    old_ids = table["entity_id"].to_numpy(dtype=object)
    ent_codes, ent_uniques = pd.factorize(pd.Series(old_ids[:n_old]))
    labels = np.concatenate([ent_codes, len(ent_uniques) + np.arange(n - n_old)]).astype(np.int64)
    mention_ids = table["mention_id"].to_numpy(dtype=object)
    parts: list[Edges] = []
    details: list[np.ndarray] = []

    def add(i: np.ndarray, j: np.ndarray, weight: np.ndarray, origin: str, detail: str) -> None:
        if len(i):
            parts.append(Edges(i.astype(np.int64), j.astype(np.int64), weight, np.full(len(i), origin, dtype=object)))
            details.append(np.full(len(i), detail, dtype=object))

    same = _judgment_positions(judgments, table, "same")
    if same is not None:
        ja, jb = same
        keep = labels[ja] != labels[jb]
        add(ja[keep], jb[keep], np.full(int(keep.sum()), np.inf), "judgment", "analyst judgment")
    for col in settings.identifiers:
        if col not in table:
            continue
        codes = pd.factorize(table[col], use_na_sentinel=True)[0]
        ok = np.flatnonzero(codes >= 0)
        if not len(ok):
            continue
        first = pd.Series(ok).groupby(codes[ok]).transform("min").to_numpy()
        sel = is_new[ok] & (first != ok)
        add(first[sel], ok[sel], np.full(int(sel.sum()), np.inf), "identifier", f"same {col}")
    if settings.near_identifiers and n > 1:  # keys one character apart (keys_plate.py), touching a new mention
        near = near_identifier_edges(table, settings.near_identifiers, settings.budget.pairs_per_rule)
        touch = is_new[near.i] | is_new[near.j]
        add(near.i[touch], near.j[touch], near.weight[touch], NEAR_ORIGIN, NEAR_ORIGIN)
    if settings.probabilistic and n > 1:
        groups, within = _groups(table, settings)
        i, j = pairs_touching(table, settings.blocking, is_new, groups, within)
        if len(i):
            scored = score(settings, table, i, j, Columns(table), entities=labels)
            keep = scored.probability >= settings.threshold
            if settings.one_to_one:
                keep = one_to_one(scored.i, scored.j, scored.weight, keep)
            add(scored.i[keep], scored.j[keep], scored.weight[keep], "model", "model match")
    edges = Edges.concat(parts)
    detail = np.concatenate(details) if details else np.empty(0, dtype=object)
    touched = distinct(labels[np.concatenate([edges.i, edges.j])]) if len(edges.i) else np.empty(0, np.int64)
    work = np.flatnonzero(np.isin(labels, touched) | is_new)
    local = np.full(n, -1, dtype=np.int64)
    local[work] = np.arange(len(work))
    # existing entities stay whole: a star of unbreakable links per touched entity
    old_work = work[work < n_old]
    star_parts = []
    if len(old_work):
        wl = labels[old_work]
        first = pd.Series(old_work).groupby(wl).transform("min").to_numpy()
        sel = first != old_work
        star_parts.append(Edges(local[first[sel]], local[old_work[sel]], np.full(int(sel.sum()), np.inf),
                                np.full(int(sel.sum()), "judgment", dtype=object)))
    new_edges = Edges(local[edges.i], local[edges.j], edges.weight, edges.origin)
    all_edges = Edges.concat([new_edges] + star_parts)
    sub = table.iloc[work].reset_index(drop=True)
    different = _judgment_positions(judgments, sub, "different")
    clustering = cluster(len(work), all_edges, constraints(settings, sub), different)
    frame = pd.DataFrame({"mention_id": mention_ids[work], "entity_type": entity_type,
                          "cluster": clustering.labels, "old_id": old_ids[work]})
    ids, changes = assign_ids(frame, taken, key, sub)
    # the evidence behind each merge: the kinds of new links used inside the merged cluster
    used = clustering.used[: len(new_edges.i)]
    why = pd.DataFrame({"cluster": clustering.labels[new_edges.i[used]], "detail": detail[used]}).drop_duplicates()
    why = why.sort_values(["cluster", "detail"]).groupby("cluster")["detail"].agg(", ".join)
    if len(changes):
        cl_of = pd.Series(frame["cluster"].to_numpy(), index=ids.to_numpy())
        cl_of = cl_of[~cl_of.index.duplicated()]
        evidence = why.reindex(cl_of.reindex(changes["new_id"]).to_numpy()).fillna("").to_numpy()
        changes["reason"] = [f"{reason}: {e}" if e else reason for e in evidence]
    result = sub.assign(entity_id=ids.to_numpy())
    moved = result["entity_id"].to_numpy() != frame["old_id"].to_numpy()
    return TypeResult(entity_type, "incremental", result.loc[moved, ["mention_id", "entity_id"]].reset_index(drop=True),
                       set(frame["old_id"].dropna()), entity_rows(result), changes)


def full_type(table: pd.DataFrame, settings: Settings, judgments: pd.DataFrame, taken: set[str],
               reason: str, keep_table: bool = False, key: str | None = None) -> TypeResult:
    """Resolve every mention of one type from scratch (EM if ``settings`` is not trained), keeping
    the ids of ``table['entity_id']`` where clusters overlap them."""
    entity_type = str(table["entity_type"].iloc[0])
    table = table.sort_values("mention_id", kind="stable").reset_index(drop=True)
    old_ids = table["entity_id"].to_numpy(dtype=object)
    work = table.drop(columns=["entity_id"]).dropna(axis=1, how="all")
    res = resolve_table(work, settings, same=_judgment_positions(judgments, work, "same"),
                        different=_judgment_positions(judgments, work, "different"))
    frame = pd.DataFrame({"mention_id": table["mention_id"].to_numpy(), "entity_type": entity_type,
                          "cluster": res.labels, "old_id": old_ids})
    ids, changes = assign_ids(frame, taken, key, table)
    if len(changes):
        changes["reason"] = reason
    result = table.assign(entity_id=ids.to_numpy())
    moved = result["entity_id"].to_numpy() != old_ids
    return TypeResult(entity_type, "full", result.loc[moved, ["mention_id", "entity_id"]].reset_index(drop=True),
                       {i for i in old_ids if i is not None}, entity_rows(result), changes, res.settings, len(table),
                       (work, res) if keep_table else None)


def merge_entities(table: pd.DataFrame, ea: str, eb: str, reason: str) -> TypeResult:
    """An analyst's "same" on mentions of entities ``ea`` and ``eb`` (``table``: their mentions): the
    larger keeps its id (ties: the smaller id)."""
    sizes = table.groupby("entity_id").size()
    keep = sorted([ea, eb], key=lambda e: (-int(sizes.get(e, 0)), e))[0]
    gone = eb if keep == ea else ea
    result = table.assign(entity_id=keep)
    moved = table["entity_id"].to_numpy() == gone
    changes = pd.DataFrame({"old_id": [gone], "new_id": [keep], "change": ["merged"],
                            "mentions": [int(moved.sum())], "reason": [reason]})
    return TypeResult(str(table["entity_type"].iloc[0]), "judgment",
                      result.loc[moved, ["mention_id", "entity_id"]].reset_index(drop=True), {ea, eb},
                      entity_rows(result), changes)


def split_entity(table: pd.DataFrame, everything: pd.DataFrame | None, entity_type: str, settings: Settings,
                 judgments: pd.DataFrame, taken: set[str], reason: str, key: str | None) -> TypeResult:
    """Re-cluster one entity's mentions (``table``) after a "different": its identifier links and model
    matches (scored with the term frequencies of ``everything``, the whole type, when the model is
    trained), every judgment, the constraints."""
    table = table.reset_index(drop=True)
    n = len(table)
    parts = []
    same = _judgment_positions(judgments, table, "same")
    if same is not None and len(same[0]):
        parts.append(Edges(same[0], same[1], np.full(len(same[0]), np.inf), np.full(len(same[0]), "judgment", dtype=object)))
    parts.append(identifier_edges(table, settings.identifiers))
    if settings.probabilistic and settings.trained and n > 1 and everything is not None:
        inside = everything["mention_id"].isin(table["mention_id"]).to_numpy()
        pos = np.flatnonzero(inside)
        i, j = np.triu_indices(len(pos), k=1)
        ids = everything["mention_id"].to_numpy()
        labels = pd.factorize(everything["entity_id"])[0]
        scored = score(settings, everything, pos[i], pos[j], Columns(everything), entities=labels)
        keep = scored.probability >= settings.threshold
        local = pd.Series(np.arange(n), index=table["mention_id"])
        parts.append(Edges(local[ids[scored.i[keep]]].to_numpy(), local[ids[scored.j[keep]]].to_numpy(),
                           scored.weight[keep], np.full(int(keep.sum()), "model", dtype=object)))
    clustering = cluster(n, Edges.concat(parts), constraints(settings, table),
                         _judgment_positions(judgments, table, "different"))
    frame = pd.DataFrame({"mention_id": table["mention_id"], "entity_type": entity_type,
                          "cluster": clustering.labels, "old_id": table["entity_id"]})
    ids, changes = assign_ids(frame, taken, key, table)
    if len(changes):
        changes["reason"] = reason
    result = table.assign(entity_id=ids.to_numpy())
    moved = result["entity_id"].to_numpy() != table["entity_id"].to_numpy()
    return TypeResult(entity_type, "judgment", result.loc[moved, ["mention_id", "entity_id"]].reset_index(drop=True),
                      set(table["entity_id"]), entity_rows(result), changes)


def compute_types(loaded: dict[str, pd.DataFrame], new: pd.DataFrame | None, types: list[str], mode: str,
                  reason: str, judgments: pd.DataFrame, taken: set[str],
                  models: dict[str, tuple[Settings | None, Settings, int]], retrain_growth: float, retrain: bool,
                  timings: dict[str, float], key: str | None = None,
                  partial: set[str] = frozenset(), prior_ids: pd.Series | None = None) -> list[TypeResult]:
    """Per-type results. ``loaded``: the stored mentions of each type (with ``entity_id``); ``new``:
    the batch's mentions (None: none); ``models``: per type (trained, template, mentions trained on).
    ``prior_ids``: entity id by mention id for new mentions that replace stored ones (``ingest
    --replace``): a cluster overlapping them inherits their entity's id instead of a new one.
    ``partial``: types whose ``loaded`` table holds only the stored entities the new mentions can
    join (deterministic types in incremental mode)."""
    results = []
    for t in types:
        t0 = time.perf_counter()
        stored = loaded[t]
        fresh = new[new["entity_type"] == t] if new is not None and len(new) else None
        if fresh is not None and len(fresh):
            # one column set (the type's), one dtype (object): a cheap concatenation
            columns = list(stored.columns) + [c for c in fresh.columns if c not in stored.columns
                                              and c not in MENTION_BASE and fresh[c].notna().any()]
            fresh = fresh.sort_values("mention_id", kind="stable")
            prior = fresh["mention_id"].map(prior_ids) if prior_ids is not None and len(prior_ids) else None
            fresh = fresh.assign(entity_id=prior.astype(object).where(prior.notna(), None).to_numpy()
                                 if prior is not None else None)
            fresh = fresh.reindex(columns=columns).astype(object)
            stored = stored.reindex(columns=columns).astype(object)
            fresh = fresh.where(fresh.notna(), None)
            table = pd.concat([stored, fresh], ignore_index=True)
        else:
            table = stored.reset_index(drop=True)
        if table.empty:
            continue
        trained, template, n_trained = models.get(t, (None, Settings(entity_type=t), 0))
        grown = template.probabilistic and len(table) > retrain_growth * max(n_trained, 1)
        usable = trained is not None and (trained.trained or not trained.probabilistic)
        if t in partial and usable and not grown:
            r = incremental_type(table, len(stored), trained, judgments, taken, reason, key)
        elif retrain or stored.empty or not usable or grown:
            why = ("model retrained" if template.probabilistic else "deterministic")
            r = full_type(table, template, judgments, taken, f"{reason} (full re-resolution of {t}, {why})", key=key)
        elif mode == "full":
            r = full_type(table, trained, judgments, taken, f"{reason} (full re-resolution of {t}, stored model)",
                          key=key)
            r.model = None
        else:
            r = incremental_type(table, len(stored), trained, judgments, taken, reason, key)
        results.append(r)
        timings[f"resolve {t}"] = time.perf_counter() - t0
    return results
