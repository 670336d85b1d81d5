"""Clustering of matched pairs into entities, guarded against chaining.

Connected components are computed for all edges at once (scipy). Only components that break
a constraint (two different strong identifiers, incompatible dates of birth, an analyst's
"not the same") are re-clustered, greedily from the strongest edge down, refusing any merge
that would put incompatible mentions together. Analysts' "same" judgments are applied first
and always; deterministic (strong identifier) edges come next.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz.distance import Levenshtein
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass
class ConstraintValues:
    """One constraint's value per record (``None`` = unknown) and how values may differ."""

    name: str
    values: np.ndarray
    tolerance: str = "none"  # "none" | "date"


@dataclass
class Edges:
    """Edges between records: endpoints, weight (``inf`` for deterministic links) and origin."""

    i: np.ndarray
    j: np.ndarray
    weight: np.ndarray
    origin: np.ndarray  # "judgment" | "identifier" | "model"

    @staticmethod
    def empty() -> "Edges":
        return Edges(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0, dtype=object))

    @staticmethod
    def concat(parts: list["Edges"]) -> "Edges":
        parts = [p for p in parts if len(p.i)]
        if not parts:
            return Edges.empty()
        return Edges(np.concatenate([p.i for p in parts]), np.concatenate([p.j for p in parts]),
                     np.concatenate([p.weight for p in parts]), np.concatenate([p.origin for p in parts]))


@dataclass
class Clustering:
    labels: np.ndarray
    used: np.ndarray  # mask over the input edges that joined two clusters or lie within one kept
    refused: pd.DataFrame = field(default_factory=pd.DataFrame)  # edges refused by a constraint


def dates_compatible(a: str, b: str) -> bool:
    """Equal, day/month swapped, one typo apart, or the same day and month with the year one typo
    away (1969 / 1996, 1999 / 2000: :func:`~linkgraph.match.compare.year_typo_pairs`) (ISO dates).

    Whether such a pair is the same person is the model's to weigh (its ``year_typo`` and
    ``levenshtein`` levels); only dates no typo explains are a veto here.
    """
    if a == b:
        return True
    if len(a) == 10 and len(b) == 10 and a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return True
    if len(a) == 10 and len(b) == 10 and a[4:] == b[4:] and a[:4].isdigit() and b[:4].isdigit():
        from linkgraph.match.compare import year_typo_pairs

        return bool(year_typo_pairs(np.array([int(a[:4])]), np.array([int(b[:4])]))[0])
    return Levenshtein.distance(a, b) <= 1


def _compatible(tolerance: str, left: set, right: set) -> bool:
    if not left or not right:
        return True
    if tolerance == "none":
        return left == right and len(left) == 1
    return all(dates_compatible(a, b) for a in left for b in right)


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    if n == 0:
        return np.empty(0, np.int64)
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def _suspect_components(labels: np.ndarray, constraints: list[ConstraintValues],
                        cannot_link: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Components holding two or more distinct values of a constraint, or a cannot-link pair."""
    suspect = np.zeros(labels.max() + 1 if len(labels) else 0, dtype=bool)
    for c in constraints:
        codes, uniques = pd.factorize(c.values)  # -1 = unknown
        ok = codes >= 0
        if len(uniques) < 2:
            continue
        pairs = pd.unique(labels[ok].astype(np.int64) * len(uniques) + codes[ok])  # distinct (component, value)
        suspect |= np.bincount(pairs // len(uniques), minlength=len(suspect)) > 1
    a, b = cannot_link
    same = labels[a] == labels[b]
    suspect[labels[a[same]]] = True
    return suspect


def cluster(n: int, edges: Edges, constraints: list[ConstraintValues] = (),
            cannot_link: tuple[np.ndarray, np.ndarray] | None = None) -> Clustering:
    """Cluster ``n`` records linked by ``edges``, honouring constraints and cannot-link pairs."""
    cannot_link = cannot_link or (np.empty(0, np.int64), np.empty(0, np.int64))
    labels = _components(n, edges.i, edges.j)
    used = np.ones(len(edges.i), dtype=bool)
    refused_rows: list[dict] = []
    suspect = _suspect_components(labels, list(constraints), cannot_link)
    if suspect.any():
        offset = int(labels.max()) + 1  # re-clustered parts are labelled offset + root record
        edge_comp = labels[edges.i] if len(edges.i) else np.empty(0, np.int64)
        comps = np.flatnonzero(suspect)
        members_of = _split_by(np.flatnonzero(suspect[labels]), labels, comps)
        edges_of = _split_by(np.flatnonzero(suspect[edge_comp]), edge_comp, comps)
        for members, sel in zip(members_of, edges_of):
            sub_labels, sub_used, refused = _greedy(members, edges, sel, list(constraints), cannot_link)
            labels[members] = sub_labels + offset
            used[sel] = sub_used
            refused_rows += refused
    labels = pd.factorize(labels)[0]
    return Clustering(labels, used, pd.DataFrame(refused_rows, columns=["i", "j", "weight", "origin", "reason"]))


def _split_by(items: np.ndarray, key: np.ndarray, groups: np.ndarray) -> list[np.ndarray]:
    """``items`` (ascending positions) split by ``key[items]`` into one array per value of ``groups``
    (sorted, each present), each keeping ascending order: one sort instead of a scan per group."""
    order = items[np.argsort(key[items], kind="stable")]
    bounds = np.searchsorted(key[order], groups, side="right")
    return np.split(order, bounds[:-1]) if len(groups) else []


RANK = {"judgment": 0, "identifier": 1, "model": 2}  # merge order of edge origins (others last)


def edge_order(edges: Edges, sel: np.ndarray) -> np.ndarray:
    """``sel`` (edge positions) strongest first: judgments, identifiers, model edges by falling
    weight; ties keep the order of ``sel`` (as a stable sort does)."""
    origin = edges.origin[sel]
    rank = np.full(len(sel), 3, dtype=np.int64)
    for name, r in RANK.items():
        rank[origin == name] = r
    return sel[np.lexsort((-edges.weight[sel], rank))]


def _greedy(members: np.ndarray, edges: Edges, sel: np.ndarray, constraints: list[ConstraintValues],
            cannot_link: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Union-find over one suspect component, strongest edges first (judgments, identifiers, model)."""
    member_list = members.tolist()
    parent = {m: m for m in member_list}
    size = dict.fromkeys(member_list, 1)
    # each root's set of values per constraint (empty = unknown)
    values = {m: [] for m in member_list}
    for c in constraints:
        for m, v in zip(member_list, c.values[members].tolist()):
            values[m].append({v} if v is not None and v == v else set())
    forbid: dict[int, set[int]] = {}
    roots_members: dict[int, set[int]] = {}
    member_set = set(member_list)
    for a, b in zip(cannot_link[0].tolist(), cannot_link[1].tolist()):
        if a in member_set and b in member_set:
            forbid.setdefault(a, set()).add(b)
            forbid.setdefault(b, set()).add(a)
    if forbid:  # members per root, to test "not the same" judgments between two clusters
        roots_members = {m: {m} for m in member_list}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    order = edge_order(edges, sel)
    pos = dict(zip(sel.tolist(), range(len(sel))))
    used = np.zeros(len(sel), dtype=bool)
    refused: list[dict] = []
    tolerances = [c.tolerance for c in constraints]
    ei, ej, origin = edges.i[order].tolist(), edges.j[order].tolist(), edges.origin[order].tolist()
    for e, x, y, how in zip(order.tolist(), ei, ej, origin):
        a, b = find(x), find(y)
        if a == b:
            used[pos[e]] = True
            continue
        reason = None
        if how != "judgment":
            if forbid and forbid.get(a, set()) & roots_members[b]:
                reason = "an analyst judged two of these mentions not the same"
            else:
                for c, (va, vb) in enumerate(zip(values[a], values[b])):
                    if va and vb and not _compatible(tolerances[c], va, vb):
                        reason = f"different {constraints[c].name}: {sorted(va)[0]} / {sorted(vb)[0]}"
                        break
        if reason:
            refused.append({"i": x, "j": y, "weight": float(edges.weight[e]), "origin": how, "reason": reason})
            continue
        if size[a] < size[b]:
            a, b = b, a
        parent[b] = a
        size[a] += size.pop(b)
        if forbid:
            roots_members[a] |= roots_members.pop(b)
            if b in forbid:
                forbid.setdefault(a, set()).update(forbid.pop(b))
        values[a] = [va | vb for va, vb in zip(values[a], values.pop(b))]
        used[pos[e]] = True
    labels = np.array([find(m) for m in member_list], dtype=np.int64)
    return labels, used, refused
