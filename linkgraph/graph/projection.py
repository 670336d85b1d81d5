"""The person–person projection of the entity graph: who is linked to whom, and through what.

Rules (each gives a person pair, weights add up over rules and underlying edges):

1. **direct**: a relation between two people (``co_arrested``, ``associated_with``, ``employs``...)
   links them with the weight of that edge (its number of rows).
2. **calls**: person A ``uses`` phone X, person B ``uses`` phone Y and X ``called``/``texted`` Y:
   A–B with weight = the calls (the edge weight: number of call rows, or the ``calls`` attribute
   of a phone-records file). A ``uses`` edge marked ``inferred`` (an attributed line,
   :mod:`linkgraph.graph.attribution`) counts too: the pair's rule reads ``calls:inferred`` and its
   ``via``/``evidence`` include the attribution and the rows behind it.
   A phone nobody is known to use (or used only by a company) stands
   for its unknown holder: it stays a phone node, so a file of phone numbers only still projects.
   A phone with several users links each of them, with the full weight. Two phones of one person
   calling each other give nothing (no self-loops).
3. **shared**: two people tied to the same vehicle, company, container or phone (``drives``,
   ``owns``, ``uses``, ``directs``, ``employs``, ``associated_with``, ``seized_with``) are linked
   with weight 1 per shared asset (co-driving one car, co-directing one company, seized with one
   container, sharing a line). Assets tied to more than ``max_sharers`` people (a rental fleet, a
   switchboard) are skipped. Places are never shared assets (a cell tower or a camera links nobody).

Output: one row per pair (``from_entity`` < ``to_entity``), with ``weight`` = direct + calls +
shared, each part, ``rules`` (';'-joined: ``direct:TYPE``, ``calls``, ``shared:TYPE``), ``via``
(the underlying edge ids) and ``evidence`` (their ``source:row`` references).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.arrays import distinct
from linkgraph.graph._agg import group_keys, joined_sets, lists_by_group, plain
from linkgraph.graph.edge_refs import (CODES_KEY, KEY as REFS_KEY, EntityCodes, coded_kinds, edge_evidence, entity_codes,
                                      evidence_lists, used_names)
from linkgraph.graph.kinds import entity_types

CALL_TYPES = frozenset({"called", "texted"})
SHARE_VIA = frozenset({"drives", "owns", "uses", "directs", "employs", "associated_with", "seized_with"})
SHARED_ASSETS = frozenset({"vehicle", "company", "container", "phone"})
PROJECTION_COLUMNS = ["from_entity", "to_entity", "from_type", "to_type", "weight", "direct", "calls", "shared",
                      "rules", "via", "evidence"]


class _Parts:
    """Pair rows (smaller code first) gathered as flat arrays: ``rule`` as codes into ``vocab``, three
    ``via`` columns (edge ids, None where a rule has fewer; with ``lean`` edge positions, -1)."""

    def __init__(self, lean: bool):
        self.lean, self.cols, self.vocab = lean, [], {}

    def add(self, a: np.ndarray, b: np.ndarray, rule: np.ndarray | tuple, weight: np.ndarray, via: list[np.ndarray]) -> None:
        """``rule``: per row its text, or (codes, names) already coded."""
        codes, names = rule if isinstance(rule, tuple) else pd.factorize(pd.Series(rule, dtype=object))
        names = np.asarray(names, dtype=object)
        at = np.array([self.vocab.setdefault(r, len(self.vocab)) for r in names] + [-1], dtype=np.int64)
        keep = a != b
        part = [np.minimum(a, b)[keep], np.maximum(a, b)[keep], at[codes][keep], np.asarray(weight, dtype=float)[keep]]
        for i in range(3):
            if i < len(via):
                v = np.asarray(via[i])
                if self.lean and v.dtype.kind not in "iu":   # None / NaN where a phone has no inferred holder
                    v = pd.to_numeric(pd.Series(v, dtype=object), errors="coerce").fillna(-1).to_numpy(dtype=np.int64)
                part.append(v[keep])
            else:
                part.append(np.full(int(keep.sum()), -1 if self.lean else None, dtype=np.int64 if self.lean else object))
        self.cols.append(part)

    def arrays(self) -> list[np.ndarray] | None:
        if not any(len(p[0]) for p in self.cols):
            return None
        return [np.concatenate([p[i] for p in self.cols]) for i in range(7)]


def _holders(phone: np.ndarray, holder: np.ndarray, inferred: np.ndarray, ids: np.ndarray) -> pd.DataFrame:
    """phone → the people using it (``inferred``: only through an attributed line, whose edge id is
    ``via``, -1 / None when stated); a phone with no person user holds for itself."""
    none = -1 if ids.dtype.kind in "iu" else None
    users = pd.DataFrame({"phone": phone, "holder": holder, "inferred": inferred, "via": np.where(inferred, ids, none)})
    return users.sort_values("inferred").drop_duplicates(["phone", "holder"])


def _left_join(keys: np.ndarray, holders: pd.DataFrame, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """``pd.merge(keys, holders, left_on=..., right_on="phone", how="left")`` as positions: for each key
    in order, its holder rows in their order (-1 where it has none): (key position, holder row).
    Keys and phones are entity codes below ``n_codes``: each key's rows found by two array lookups."""
    phone = holders["phone"].to_numpy(dtype=np.int64)
    order = np.argsort(phone, kind="stable")
    count = np.bincount(phone, minlength=n_codes)
    start = np.cumsum(count) - count
    lo, found = start[keys], count[keys]
    rep = np.maximum(found, 1)
    row = np.repeat(np.arange(len(keys)), rep)
    k = np.arange(int(rep.sum())) - np.repeat(np.cumsum(rep) - rep, rep)
    hit = np.repeat(found > 0, rep)
    at = np.where(hit, order[np.minimum(np.repeat(lo, rep) + k, max(len(order) - 1, 0))] if len(order) else -1, -1)
    return row, at


def person_projection(edges: pd.DataFrame, entities: pd.DataFrame | None = None, *,
                      max_sharers: int = 50, lists: bool = True) -> pd.DataFrame:
    """Weighted undirected person–person edge table (see the module docstring for the rules).

    ``lists=False``: no ``via`` and ``evidence`` list per pair (the cost at national scale); instead
    ``out.attrs["via_index"]`` (a :class:`ViaIndex`): pair ``i``'s underlying edges are the rows
    ``positions[offsets[i]:offsets[i + 1]]`` of ``edges`` (by position), whose ``evidence`` gives the
    pair's references when somebody looks (:func:`pair_evidence`).
    """
    if len(edges) == 0:
        return _empty(lists)
    if lists and REFS_KEY in edges.attrs:   # an edge table made with lists=False: its lists made here
        edges = edges.assign(evidence=evidence_lists(edges))
    # entity ids as integer codes in id order (made once by edge_table, carried in its attrs): joins
    # and group-bys on integers, same order as the ids
    codes, names = entity_codes(edges)
    kinds = coded_kinds(edges, names, entities)
    ne = len(edges)
    loops = edges["self_loop"].to_numpy(dtype=bool) if "self_loop" in edges else codes[:ne] == codes[ne:]
    position = np.flatnonzero(~loops).astype(np.int64)
    cf, ct = codes[:ne][position], codes[ne:][position]
    del codes
    etype = plain(edges["type"]).to_numpy(dtype=object)[position]
    if not lists:   # an edge is referred to by its position in the caller's table
        ids = position
    elif "edge_id" in edges:
        ids = edges["edge_id"].to_numpy(dtype=object)[position]
    else:
        ids = (pd.Series(names[cf]) + "|" + pd.Series(etype) + "|" + pd.Series(names[ct])).to_numpy(dtype=object)
    weight = pd.to_numeric(edges["weight"], errors="coerce").fillna(1.0).to_numpy(dtype=float)[position] \
        if "weight" in edges else np.ones(len(position))
    inferred = edges["inferred"].eq(True).to_numpy()[position] if "inferred" in edges else np.zeros(len(position), bool)
    # entity kinds as small codes (a comparison per edge on integers)
    kind_codes, kind_names = pd.factorize(pd.Series(kinds, dtype=object))
    kind_of = {k: i for i, k in enumerate(kind_names)}
    fk, tk = kind_codes[cf], kind_codes[ct]
    person, phone = kind_of.get("person", -2), kind_of.get("phone", -2)
    type_codes, type_names = pd.factorize(pd.Series(etype, dtype=object))
    is_type = lambda names_: np.isin(type_codes, [i for i, t in enumerate(type_names) if t in names_])  # noqa: E731
    parts = _Parts(lean=not lists)

    direct = (fk == person) & (tk == person)
    parts.add(cf[direct], ct[direct], ("direct:" + pd.Series(etype[direct], dtype=object)).to_numpy(), weight[direct],
              [ids[direct]])

    calls = is_type(CALL_TYPES) & (fk == phone) & (tk == phone)
    if calls.any():
        users = is_type({"uses"}) & (fk == person) & (tk == phone)
        holders = _holders(ct[users], cf[users], inferred[users], ids[users])
        h_holder, h_inferred, h_via = (holders[c].to_numpy() for c in ("holder", "inferred", "via"))
        x, y, w, via0 = cf[calls], ct[calls], weight[calls], ids[calls]
        side = {}
        for end in ("x", "y"):
            row, at = _left_join(x if end == "x" else y, holders, len(names))
            x, y, w, via0 = x[row], y[row], w[row], via0[row]
            side = {k: v[row] for k, v in side.items()}
            hit = at >= 0
            own = x if end == "x" else y
            side[f"h{end}"] = np.where(hit, h_holder[np.maximum(at, 0)] if len(h_holder) else own, own).astype(np.int64)
            side[f"i{end}"] = hit & (h_inferred[np.maximum(at, 0)] if len(h_inferred) else hit)
            none = -1 if lists is False else None
            side[f"v{end}"] = np.where(hit, h_via[np.maximum(at, 0)] if len(h_via) else none, none) if len(at) else \
                np.zeros(0, dtype=np.int64 if none == -1 else object)
        inferred_pair = side["ix"] | side["iy"]
        parts.add(side["hx"], side["hy"], (inferred_pair.astype(np.int64), ["calls", "calls:inferred"]), w,
                  [via0, side["vx"], side["vy"]])
        del x, y, w, via0, side, row, at, hit, own, inferred_pair    # (memory: only the parts are kept)

    person_end = np.where(fk == person, 1, np.where(tk == person, 2, 0))
    asset_kind = np.where(person_end == 1, tk, np.where(person_end == 2, fk, -1))
    shared_kinds = [kind_of[k] for k in SHARED_ASSETS if k in kind_of]
    tie = is_type(SHARE_VIA) & np.isin(asset_kind, shared_kinds) & ~direct & ~inferred
    if tie.any():
        t = pd.DataFrame({
            "person": np.where(person_end[tie] == 1, cf[tie], ct[tie]),
            "asset": np.where(person_end[tie] == 1, ct[tie], cf[tie]),
            "kind": np.asarray(kind_names, dtype=object)[asset_kind[tie]], "via": ids[tie]})
        sharers = t.groupby("asset")["person"].nunique()
        t = t[t["asset"].map(sharers).between(2, max_sharers)]
        first = t.drop_duplicates(["asset", "person"])
        m = first.merge(first, on=["asset", "kind"], suffixes=("_a", "_b"))
        m = m[m["person_a"] < m["person_b"]]
        if len(m):
            parts.add(m["person_a"].to_numpy(), m["person_b"].to_numpy(), ("shared:" + m["kind"]).to_numpy(),
                      np.ones(len(m)), [m["via_a"].to_numpy(), m["via_b"].to_numpy()])

    del cf, ct, etype, weight, inferred, fk, tk, type_codes, person_end, asset_kind, direct, calls, tie
    allp = parts.arrays()
    parts.cols = []        # (the parts' own arrays freed: the concatenation holds them)
    if allp is None:
        return _empty(lists)
    a, b, rule, w, *vias = allp
    key = a * max(len(names), 1) + b
    first, groups = group_keys(key)
    del key
    n = len(first)
    rules = np.array(list(parts.vocab), dtype=object)
    family = pd.Series(rules, dtype=object).str.split(":", n=1).str[0].to_numpy()
    weights = {name: np.bincount(groups, weights=np.where(np.isin(rule, np.flatnonzero(family == name)), w, 0.0),
                                 minlength=n) for name in ("direct", "calls", "shared")}
    # the columns added one by one in their final order (no copy of the table to reorder it)
    out = pd.DataFrame({"from_entity": names[a[first]]})
    out["to_entity"] = names[b[first]]
    out["from_type"], out["to_type"] = kinds[a[first]], kinds[b[first]]
    out["weight"] = weights["direct"] + weights["calls"] + weights["shared"]
    for name in ("direct", "calls", "shared"):
        out[name] = weights[name]
    out["rules"], _ = joined_sets(groups, pd.Series(pd.Categorical.from_codes(rule, categories=rules)), n)
    if not lists:
        out.attrs["via_index"] = _via_index(groups, vias, n)
        return _coded(out, names, a[first], b[first])
    via = pd.concat([pd.DataFrame({"g": groups, "via": v}) for v in vias]).dropna()
    out["via"] = lists_by_group(via["g"].to_numpy(), via["via"].to_numpy(), n).to_numpy()
    if "evidence" in edges:
        refs = edges["evidence"].iloc[position]
        if pd.api.types.infer_dtype(refs, skipna=True) == "string":  # read back from CSV: 'a:1;b:2'
            refs = refs.str.split(";")
        ev = pd.DataFrame({"via": ids, "ref": refs.to_numpy()}).explode("ref").dropna()
        ev = via.merge(ev, on="via")
        out["evidence"] = lists_by_group(ev["g"].to_numpy(), ev["ref"].to_numpy(), n).to_numpy()
    else:
        out["evidence"] = pd.Series([[] for _ in range(n)], dtype=object).to_numpy()
    return _coded(out[PROJECTION_COLUMNS], names, a[first], b[first])


def _coded(out: pd.DataFrame, names: np.ndarray, a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    """``out`` with its ends' codes into ``names`` kept in its attrs (:class:`EntityCodes`), for the stages
    after it (the igraph build) to read instead of hashing the ids again."""
    out.attrs[CODES_KEY] = EntityCodes(names, a, b, (out["from_entity"].to_numpy(), out["to_entity"].to_numpy()))
    return out


def _empty(lists: bool) -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in PROJECTION_COLUMNS})
    if not lists:
        out = out.drop(columns=["via", "evidence"])
        out.attrs["via_index"] = ViaIndex(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64))
    return out


class ViaIndex:
    """Pair → underlying edge positions (CSR). Kept in ``DataFrame.attrs``: pandas copies and compares
    attrs on every operation, so it copies as itself and compares by identity."""

    __slots__ = ("offsets", "positions")

    def __init__(self, offsets: np.ndarray, positions: np.ndarray):
        self.offsets, self.positions = offsets, positions

    def __iter__(self):
        return iter((self.offsets, self.positions))

    def __deepcopy__(self, memo) -> "ViaIndex":
        return self

    def __copy__(self) -> "ViaIndex":
        return self

    def of(self, pair: int) -> np.ndarray:
        return self.positions[self.offsets[pair]:self.offsets[pair + 1]]


def _via_index(groups: np.ndarray, via: list[np.ndarray], n: int) -> ViaIndex:
    """CSR of the distinct edge positions per pair (positions; -1 where a rule has none)."""
    via = [np.asarray(col, dtype=np.int64) for col in via]
    g = np.concatenate([groups[col >= 0] for col in via]).astype(np.int64)   # (-1: none, left out first)
    v = np.concatenate([col[col >= 0] for col in via])
    width = int(v.max()) + 1 if len(v) else 1
    key = distinct(g * width + v)
    g, v = key // width, key % width
    offsets = np.concatenate([[0], np.cumsum(np.bincount(g, minlength=n))]).astype(np.int64)
    return ViaIndex(offsets, v)


def pair_evidence(projection: pd.DataFrame, edges: pd.DataFrame, pairs: np.ndarray) -> list[str]:
    """Sorted distinct ``source:row`` references behind the projection rows ``pairs`` (positions), from
    the ``evidence`` column when the projection has one, else through ``attrs["via_index"]`` into
    ``edges`` (the table the projection was built from)."""
    pairs = np.asarray(pairs, dtype=np.int64)
    if "evidence" in projection:
        refs = set()
        for cell in projection["evidence"].to_numpy()[pairs]:
            if isinstance(cell, str):
                refs.update(cell.split(";"))
            elif cell is not None and not (isinstance(cell, float) and np.isnan(cell)):
                refs.update(cell)
        return sorted(refs)
    offsets, positions = projection.attrs["via_index"]
    rows = np.concatenate([positions[offsets[i]:offsets[i + 1]] for i in pairs]) if len(pairs) else positions[:0]
    return edge_evidence(edges, rows)


def projection_nodes(projection: pd.DataFrame, entities: pd.DataFrame | None = None) -> pd.DataFrame:
    """The nodes of a projection: every person of ``entities`` (isolated ones too) and every phone
    standing for an unknown holder; columns of the entity table when known."""
    if entities is not None and len(entities) and projection.attrs.get(CODES_KEY) is not None:
        codes, names = entity_codes(projection)     # the ends coded by person_projection: not hashed again
        ends = pd.Index(names[used_names(codes, names)], dtype=object)
    else:
        ends = pd.Index(pd.concat([projection["from_entity"], projection["to_entity"]]).unique())
    if entities is None or len(entities) == 0:
        return pd.DataFrame({"entity_id": ends, "entity_type": entity_types(pd.Series(ends)).to_numpy()})
    keep = entities[(entities["entity_type"] == "person") | entities["entity_id"].isin(ends)]
    extra = ends.difference(pd.Index(keep["entity_id"]))
    if len(extra):
        keep = pd.concat([keep, pd.DataFrame({"entity_id": extra, "entity_type": entity_types(pd.Series(extra)).to_numpy()})],
                         ignore_index=True)
    return keep.reset_index(drop=True)
