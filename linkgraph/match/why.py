"""Why two mentions are, or are not, one entity: blocking, identifiers, comparisons, decision, reason.

:func:`explain_pair` answers for one pair of mentions of one type, from a resolution (run in
memory, a loaded run folder or a workspace view):

* **compared or not**: each blocking rule, as the run applied it (after budget refinement), says
  whether it pairs the two mentions, and if not which key differs or is missing, or which
  refinement key put them in different sub-blocks;
* **identifiers** shared (a deterministic link) or not;
* **the waterfall**: the prior, each comparison's level and weight, term-frequency adjustments;
* **the decision** (weight against the threshold) and, when the two are apart, **why**: never
  compared, below the threshold, refused by a constraint (with the conflicting values), split by
  an analyst's judgment, or separated while their component was re-clustered.

The reason is found by clustering the type again exactly as the run did (its kept scored pairs,
identifier edges, judgments, constraints); this costs one clustering of the type, not of all pairs.

>>> from linkgraph.match.why import explain_pair      # doctest: +SKIP
>>> print("\\n".join(explain_pair(result, "police:12:suspect", "gendarmerie:40:person").lines()))  # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from linkgraph.errors import LinkgraphError
from linkgraph.match.cluster import Edges, _components
from linkgraph.match.compare import Columns
from linkgraph.match.model import ScoredPairs, _groups, explain, score
from linkgraph.match.resolve_table import _cluster, blocking_plan, identifier_edges, threshold_weight

#: Kinds of reason, in the order they are looked for.
REASONS = ("same mention", "merged", "not compared", "below threshold", "refused by constraint", "split by judgment",
           "separated by re-clustering", "no link")


@dataclass
class PairExplanation:
    """Everything :func:`explain_pair` found for one pair (``to_dict`` for JSON, ``lines`` for people)."""

    mention_a: str
    mention_b: str
    entity_type: str
    entity_a: str
    entity_b: str
    same_entity: bool
    compared: bool
    blocking: list[dict] = field(default_factory=list)     # rule, pairs, note
    identifiers: list[dict] = field(default_factory=list)  # column, a, b, shared
    steps: list[dict] = field(default_factory=list)        # the waterfall (prior ... total)
    weight: float | None = None
    probability: float | None = None
    threshold: float | None = None
    decision: str = ""
    reason: str = ""       # one of REASONS
    details: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = asdict(self)
        for key in ("weight", "probability", "threshold"):
            v = out[key]
            out[key] = None if v is None or not np.isfinite(v) else float(v)
        out["steps"] = [{**s, "weight": None if not np.isfinite(s["weight"]) else s["weight"],
                         "infinite": bool(np.isinf(s["weight"]))} for s in self.steps]
        return out

    def lines(self) -> list[str]:
        """The explanation as plain sentences (the CLI prints them under its tables)."""
        out = [f"{self.mention_a} vs {self.mention_b} ({self.entity_type})"]
        if self.blocking:
            out.append("compared: " + ("yes" if self.compared else "no") + " — " + (
                ", ".join(f"[{', '.join(b['rule'])}]" for b in self.blocking if b["pairs"]) or "no blocking rule pairs them"))
        else:
            out.append("compared: no — the model of this type compares nothing: only shared identifiers link")
        for b in self.blocking:
            out.append(f"  rule [{', '.join(b['rule'])}]: {'pairs them' if b['pairs'] else 'does not pair them'}"
                       + (f" ({b['note']})" if b["note"] else ""))
        for d in self.identifiers:
            out.append(f"  identifier {d['column']}: {d['a'] or '(missing)'} / {d['b'] or '(missing)'}"
                       + (" — shared" if d["shared"] else ""))
        if self.weight is not None:
            out.append(f"weight {self.weight:+.2f} bits, probability {self.probability:.6f}, threshold {self.threshold}")
        out.append(f"decision: {self.decision}")
        out.append(f"same entity: {'yes' if self.same_entity else 'no'} ({self.entity_a} / {self.entity_b})")
        out.append(f"why: {self.reason}")
        out += [f"  {d}" for d in self.details]
        return out


def _value(table: pd.DataFrame, col: str, k: int):
    if col not in table:
        return None
    v = table[col].iloc[k]
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else v


def _blocking(table: pd.DataFrame, res, i: int, j: int) -> list[dict]:
    """Each blocking rule: does it pair ``i`` and ``j`` as the run planned it (budget refinement included)?"""
    settings = res.settings
    if not settings.probabilistic or len(table) < 2:
        return []
    plan = blocking_plan(table, settings, Columns(table))
    planned = {tuple(r.rule): r for r in plan.rules}
    groups, within = _groups(table, settings)
    out = []
    for rule in settings.blocking:
        missing_cols = [c for c in rule if c not in table]
        if missing_cols:
            out.append({"rule": list(rule), "pairs": False,
                        "note": f"{', '.join(missing_cols)} empty in every {settings.entity_type} mention: rule unused"})
            continue
        values = [(c, _value(table, c, i), _value(table, c, j)) for c in rule]
        absent = [c for c, a, b in values if a is None or b is None]
        differ = [f"{c} {a} / {b}" for c, a, b in values if a is not None and b is not None and a != b]
        plan_rule = planned[tuple(rule)]
        note, pairs = "", False
        if absent:
            note = "missing: " + ", ".join(f"{c} ({'both' if _value(table, c, i) is None and _value(table, c, j) is None else 'one side'})"
                                           for c in absent)
        elif differ:
            note = "differ: " + "; ".join(differ)
        elif plan_rule.codes[i] != plan_rule.codes[j]:
            keys = [f"{k} {_value(table, k, i) or '(missing)'} / {_value(table, k, j) or '(missing)'}"
                    for k in plan_rule.keys_added if _value(table, k, i) != _value(table, k, j)]
            note = (f"same keys, but the block was over the pair budget and was refined by "
                    f"{', '.join(plan_rule.keys_added)}: " + ("; ".join(keys) or "different sub-blocks"))
        elif groups is not None and not within and groups[i] == groups[j]:
            note = "same keys, but the model links across sources only (link_only) and both come from one source"
        else:
            pairs = True
        out.append({"rule": list(rule), "pairs": pairs, "note": note})
    return out


def _judgment_pairs(judgments: pd.DataFrame | None, table: pd.DataFrame, verdict: str) -> tuple[np.ndarray, np.ndarray]:
    empty = (np.empty(0, np.int64), np.empty(0, np.int64))
    if judgments is None or len(judgments) == 0:
        return empty
    pos = pd.Series(np.arange(len(table)), index=table["mention_id"].to_numpy())
    j = judgments[judgments["verdict"] == verdict]
    j = j[j["mention_a"].isin(pos.index) & j["mention_b"].isin(pos.index)]
    return pos[j["mention_a"]].to_numpy(np.int64), pos[j["mention_b"]].to_numpy(np.int64)


def _recluster(table: pd.DataFrame, res, judgments: pd.DataFrame | None):
    """The type clustered again as the run did: (edges, clustering, cannot-link pairs)."""
    settings = res.settings
    same = _judgment_pairs(judgments, table, "same")
    different = _judgment_pairs(judgments, table, "different")
    fixed = []
    if len(same[0]):
        fixed.append(Edges(same[0], same[1], np.full(len(same[0]), np.inf), np.full(len(same[0]), "judgment", dtype=object)))
    fixed.append(identifier_edges(table, settings.identifiers))
    scored = res.scored if settings.probabilistic and settings.trained else None
    edges, clustering = _cluster(table, settings, fixed, scored, different if len(different[0]) else None)
    return edges, clustering, different


def _refused_between(clustering, ids: np.ndarray, members: set[int]) -> pd.DataFrame:
    refused = clustering.refused
    if refused is None or refused.empty:
        return pd.DataFrame(columns=["i", "j", "weight", "origin", "reason"])
    inside = refused["i"].isin(members) & refused["j"].isin(members)
    return refused[inside]


def _edge_text(ids: np.ndarray, row) -> str:
    w = "identifier" if not np.isfinite(row["weight"]) else f"{row['weight']:+.2f} bits"
    return f"{ids[int(row['i'])]} — {ids[int(row['j'])]} ({row['origin']}, {w}): {row['reason']}"


def _reason(out: PairExplanation, table: pd.DataFrame, res, i: int, j: int, judgments) -> None:
    """Fill ``reason`` and ``details`` of a pair the resolution put apart (or together)."""
    ids = table["mention_id"].to_numpy()
    if out.same_entity:  # the run's own links say how (no clustering again)
        edges = res.edges
        used = np.asarray(res.clustering.used, dtype=bool)[: len(edges.i)]
        direct = (((edges.i == i) & (edges.j == j)) | ((edges.i == j) & (edges.j == i))) & used
        out.reason = "merged"
        if direct.any():
            k = int(np.flatnonzero(direct)[0])
            how = edges.origin[k]
            out.details.append(f"linked directly ({how}" + ("" if not np.isfinite(edges.weight[k])
                                                            else f", {edges.weight[k]:+.2f} bits") + ")")
        else:
            out.details.append("linked through other mentions of the entity (`linkgraph why` lists its links)")
        return
    edges, clustering, different = _recluster(table, res, judgments)
    components = _components(len(table), edges.i, edges.j)
    together_before = components[i] == components[j]
    members = set(np.flatnonzero(components == components[i]).tolist()) if together_before else {i, j}
    refused = _refused_between(clustering, ids, members)
    direct_refused = refused[((refused["i"] == i) & (refused["j"] == j)) | ((refused["i"] == j) & (refused["j"] == i))]
    judged = [(a, b) for a, b in zip(*different) if {int(a), int(b)} <= members]
    if len(direct_refused):
        row = direct_refused.iloc[0]
        if str(row["reason"]).startswith("an analyst"):
            out.reason = "split by judgment"
            out.details += [f"judged not the same: {ids[a]} / {ids[b]}" for a, b in judged] or [row["reason"]]
        else:
            out.reason = "refused by constraint"
            out.details.append(f"their link was refused: {row['reason']}")
            for c in res.settings.constraints:
                va, vb = _value(table, c.column, i), _value(table, c.column, j)
                if va is not None or vb is not None:
                    out.details.append(f"constraint {c.column}: {va or '(missing)'} / {vb or '(missing)'}")
        return
    if together_before:
        if judged:
            out.reason = "split by judgment"
            out.details += [f"judged not the same: {ids[a]} / {ids[b]}" for a, b in judged]
        else:
            out.reason = "separated by re-clustering"
            out.details.append("linked through other mentions into one component, which held conflicting values "
                               "and was re-clustered strongest link first; links refused there:")
        if out.probability is not None and out.probability < out.threshold:
            out.details.insert(0, f"on their own they are below the threshold ({out.weight:+.2f} bits < "
                                  f"{threshold_weight(res.settings):+.2f}); they were together only through other mentions")
        out.details += [_edge_text(ids, r) for _, r in refused.head(5).iterrows()]
        if len(refused) > 5:
            out.details.append(f"... and {len(refused) - 5} more refused links")
        return
    if res.settings.probabilistic and not out.compared and not any(d["shared"] for d in out.identifiers):
        out.reason = "not compared"
        out.details.append("no blocking rule pairs them and they share no identifier (see the rules above)")
        return
    if out.weight is not None and out.probability is not None and out.probability < out.threshold:
        out.reason = "below threshold"
        out.details.append(f"weight {out.weight:+.2f} bits < {threshold_weight(res.settings):+.2f} bits "
                           f"(probability {out.probability:.4f} < {out.threshold})")
        return
    out.reason = "no link"
    if res.settings.probabilistic:
        out.details.append("no link joins them (the pair was not kept by the run)")
    else:
        shared = [d["column"] for d in out.identifiers if d["shared"]]
        out.details.append(f"the {out.entity_type} model links mentions only by a shared identifier "
                           f"({', '.join(d['column'] for d in out.identifiers) or 'none'}), and they share "
                           + (", ".join(shared) if shared else "none"))


def explain_pair(result, mention_a: str, mention_b: str, judgments: pd.DataFrame | None = None) -> PairExplanation:
    """Why ``mention_a`` and ``mention_b`` are, or are not, one entity in ``result`` (a Resolution).

    Mentions are named as users write them (``SOURCE:ROW:MENTION`` or ``AGENCY:ROW:MENTION``); an
    unknown one raises :class:`~linkgraph.errors.UnknownId`, two types a :class:`LinkgraphError`.
    ``judgments``: analysts' verdicts (``mention_a, mention_b, verdict``) the resolution applied.
    """
    from linkgraph.lookup import mention_id as find

    a, b = find(result.mentions, mention_a), find(result.mentions, mention_b)
    by_id = result.mentions.set_index("mention_id")
    ta, tb = by_id.loc[a, "entity_type"], by_id.loc[b, "entity_type"]
    if ta != tb:
        raise LinkgraphError(f"{a} is a {ta}, {b} a {tb}: only mentions of one entity type compare")
    table, res = result.tables[ta]
    pos = pd.Series(np.arange(len(table)), index=table["mention_id"].to_numpy())
    i, j = int(pos[a]), int(pos[b])
    ea, eb = str(by_id.loc[a, "entity_id"]), str(by_id.loc[b, "entity_id"])
    settings = res.settings
    out = PairExplanation(a, b, str(ta), ea, eb, ea == eb, False, threshold=float(settings.threshold))
    if a == b:
        out.decision, out.reason = "one mention", "same mention"
        out.details.append("the two ids name one mention")
        return out
    out.blocking = _blocking(table, res, i, j)
    out.compared = any(r["pairs"] for r in out.blocking)
    for col in settings.identifiers:
        va, vb = _value(table, col, i), _value(table, col, j)
        if va is not None or vb is not None:
            out.identifiers.append({"column": col, "a": va, "b": vb, "shared": va is not None and va == vb})
    if settings.probabilistic and settings.trained:
        scored: ScoredPairs = score(settings, table, np.array([i]), np.array([j]), Columns(table),
                                    entities=res.tf_entities)
        out.steps = explain(settings, scored, 0)
        out.weight, out.probability = float(scored.weight[0]), float(scored.probability[0])
    shared = [d for d in out.identifiers if d["shared"]]
    if shared:
        out.decision = f"linked by a shared identifier ({', '.join(d['column'] + ' ' + str(d['a']) for d in shared)})"
    elif out.probability is None:
        out.decision = "no comparison model for this type: only shared identifiers link"
    elif out.probability >= settings.threshold:
        out.decision = (f"match: probability {out.probability:.4f} ≥ threshold {settings.threshold}"
                        + ("" if out.compared else " (but the pair is never compared: no blocking rule pairs it)"))
    else:
        out.decision = f"no match: probability {out.probability:.4f} < threshold {settings.threshold}"
    _reason(out, table, res, i, j, judgments)
    return out
