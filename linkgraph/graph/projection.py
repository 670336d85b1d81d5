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

from linkgraph.graph._agg import joined_sets, lists_by_group
from linkgraph.graph.edge_refs import KEY as REFS_KEY, coded_kinds, edge_evidence, entity_codes, evidence_lists
from linkgraph.graph.kinds import entity_types

CALL_TYPES = frozenset({"called", "texted"})
SHARE_VIA = frozenset({"drives", "owns", "uses", "directs", "employs", "associated_with", "seized_with"})
SHARED_ASSETS = frozenset({"vehicle", "company", "container", "phone"})
PROJECTION_COLUMNS = ["from_entity", "to_entity", "from_type", "to_type", "weight", "direct", "calls", "shared",
                      "rules", "via", "evidence"]


def _pairs(a: np.ndarray, b: np.ndarray, rule: np.ndarray | str, weight: np.ndarray, via: list[np.ndarray],
           lean: bool = False) -> pd.DataFrame:
    """Pair rows (smaller id first) with three ``via`` columns: edge ids (None where a rule has fewer),
    or with ``lean`` edge positions (-1 where none), so that the parts concatenate column for column."""
    frame = pd.DataFrame({"a": np.minimum(a, b), "b": np.maximum(a, b), "rule": rule, "w": weight})
    for i in range(3):
        v = via[i] if i < len(via) else np.full(len(frame), -1 if lean else None, dtype=np.int64 if lean else object)
        if lean:
            v = np.asarray(v)
            if v.dtype.kind not in "iu":   # ids, or None / NaN where a phone has no inferred holder
                v = pd.to_numeric(pd.Series(v, dtype=object), errors="coerce").fillna(-1).to_numpy(dtype=np.int64)
        frame[f"via{i}"] = v
    return frame[frame["a"] != frame["b"]]


def _holders(edges: pd.DataFrame, ftype: pd.Series, ttype: pd.Series, ids: pd.Series) -> pd.DataFrame:
    """phone → the people using it (``inferred``: only through an attributed line, whose edge id is
    ``via``); a phone with no person user holds for itself."""
    mask = (edges["type"] == "uses").to_numpy() & (ftype == "person").to_numpy() & (ttype == "phone").to_numpy()
    uses = edges[mask]
    inferred = uses["inferred"].eq(True).to_numpy() if "inferred" in uses else np.zeros(len(uses), bool)
    users = pd.DataFrame({"phone": uses["to_entity"].to_numpy(), "holder": uses["from_entity"].to_numpy(),
                          "inferred": inferred, "via": np.where(inferred, ids.to_numpy()[mask], None)})
    return users.sort_values("inferred").drop_duplicates(["phone", "holder"])


def person_projection(edges: pd.DataFrame, entities: pd.DataFrame | None = None, *,
                      max_sharers: int = 50, lists: bool = True) -> pd.DataFrame:
    """Weighted undirected person–person edge table (see the module docstring for the rules).

    ``lists=False``: no ``via`` and ``evidence`` list per pair (the cost at national scale); instead
    ``out.attrs["via_index"]`` (a :class:`ViaIndex`): pair ``i``'s underlying edges are the rows
    ``positions[offsets[i]:offsets[i + 1]]`` of ``edges`` (by position), whose ``evidence`` gives the
    pair's references when somebody looks (:func:`pair_evidence`).
    """
    if len(edges) == 0:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in PROJECTION_COLUMNS})
        if not lists:
            out = out.drop(columns=["via", "evidence"])
            out.attrs["via_index"] = ViaIndex(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64))
        return out
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
    edges = edges[[c for c in ("edge_id", "type", "weight", "inferred", "evidence")
                   if c in edges and (lists or c not in ("edge_id", "evidence"))]]   # only what is read below
    edges = edges.iloc[position] if len(position) < ne else edges
    edges = edges.assign(from_entity=cf, to_entity=ct)
    if not lists:   # an edge is referred to by its position in the caller's table
        ids = pd.Series(position, index=edges.index)
    else:
        ids = edges["edge_id"] if "edge_id" in edges else \
            pd.Series(names[cf], index=edges.index) + "|" + edges["type"] + "|" + pd.Series(names[ct], index=edges.index)
    ne = len(edges)
    ftype = pd.Series(kinds[cf], index=edges.index, dtype=object)
    ttype = pd.Series(kinds[ct], index=edges.index, dtype=object)
    weight = pd.to_numeric(edges["weight"], errors="coerce").fillna(1.0) if "weight" in edges \
        else pd.Series(1.0, index=edges.index)
    parts = []

    direct = (ftype == "person") & (ttype == "person")
    d = edges[direct]
    parts.append(_pairs(d["from_entity"].to_numpy(), d["to_entity"].to_numpy(), ("direct:" + d["type"]).to_numpy(),
                        weight[direct].to_numpy(), [ids[direct].to_numpy()], not lists))

    calls = edges["type"].isin(CALL_TYPES) & (ftype == "phone") & (ttype == "phone")
    if calls.any():
        holders = _holders(edges, ftype, ttype, ids)
        c = pd.DataFrame({"x": edges.loc[calls, "from_entity"].to_numpy(), "y": edges.loc[calls, "to_entity"].to_numpy(),
                          "w": weight[calls].to_numpy(), "via0": ids[calls].to_numpy()})
        for end, col in (("x", "hx"), ("y", "hy")):
            c = c.merge(holders.rename(columns={"phone": end, "holder": col, "inferred": f"i{col}", "via": f"v{col}"}),
                        on=end, how="left")
            c[col] = c[col].fillna(c[end]).astype(np.int64)
        inferred = c["ihx"].eq(True).to_numpy() | c["ihy"].eq(True).to_numpy()
        parts.append(_pairs(c["hx"].to_numpy(), c["hy"].to_numpy(), np.where(inferred, "calls:inferred", "calls"),
                            c["w"].to_numpy(), [c["via0"].to_numpy(), c["vhx"].to_numpy(), c["vhy"].to_numpy()], not lists))

    person_end = np.where(ftype == "person", "from", np.where(ttype == "person", "to", ""))
    asset_type = np.where(person_end == "from", ttype, np.where(person_end == "to", ftype, None))
    stated = ~edges["inferred"].eq(True).to_numpy() if "inferred" in edges else True
    tie = edges["type"].isin(SHARE_VIA).to_numpy() & pd.Series(asset_type).isin(SHARED_ASSETS).to_numpy() \
        & ~direct.to_numpy() & stated
    if tie.any():
        t = pd.DataFrame({
            "person": np.where(person_end[tie] == "from", edges["from_entity"].to_numpy()[tie], edges["to_entity"].to_numpy()[tie]),
            "asset": np.where(person_end[tie] == "from", edges["to_entity"].to_numpy()[tie], edges["from_entity"].to_numpy()[tie]),
            "kind": asset_type[tie], "via": ids.to_numpy()[tie]})
        sharers = t.groupby("asset")["person"].nunique()
        t = t[t["asset"].map(sharers).between(2, max_sharers)]
        first = t.drop_duplicates(["asset", "person"])
        m = first.merge(first, on=["asset", "kind"], suffixes=("_a", "_b"))
        m = m[m["person_a"] < m["person_b"]]
        if len(m):
            parts.append(_pairs(m["person_a"].to_numpy(), m["person_b"].to_numpy(), ("shared:" + m["kind"]).to_numpy(),
                                np.ones(len(m)), [m["via_a"].to_numpy(), m["via_b"].to_numpy()], not lists))

    allp = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
    if allp is None:
        return person_projection(edges.iloc[:0], entities, lists=lists)
    groups = allp.groupby(["a", "b"], sort=True).ngroup().to_numpy()
    n = int(groups.max()) + 1
    rule_codes, rules = pd.factorize(allp["rule"])
    family = pd.Series(rules, dtype=object).str.split(":", n=1).str[0].to_numpy()[rule_codes]
    out = allp.iloc[np.unique(groups, return_index=True)[1]][["a", "b"]].reset_index(drop=True)
    out.columns = ["from_entity", "to_entity"]
    out["from_type"], out["to_type"] = kinds[out["from_entity"].to_numpy()], kinds[out["to_entity"].to_numpy()]
    out["from_entity"], out["to_entity"] = names[out["from_entity"].to_numpy()], names[out["to_entity"].to_numpy()]
    for name in ("direct", "calls", "shared"):
        out[name] = np.bincount(groups, weights=np.where(family == name, allp["w"].to_numpy(), 0.0), minlength=n)
    out["weight"] = out["direct"] + out["calls"] + out["shared"]
    out["rules"], _ = joined_sets(groups, allp["rule"], n)
    via_cols = [c for c in allp.columns if c.startswith("via")]
    if not lists:
        out = out[[c for c in PROJECTION_COLUMNS if c not in ("via", "evidence")]]
        out.attrs["via_index"] = _via_index(groups, [allp[c].to_numpy() for c in via_cols], n)
        return out
    via = pd.concat([pd.DataFrame({"g": groups, "via": allp[c].to_numpy()}) for c in via_cols]).dropna()
    out["via"] = lists_by_group(via["g"].to_numpy(), via["via"].to_numpy(), n).to_numpy()
    if "evidence" in edges:
        refs = edges["evidence"]
        if pd.api.types.infer_dtype(refs, skipna=True) == "string":  # read back from CSV: 'a:1;b:2'
            refs = refs.str.split(";")
        ev = pd.DataFrame({"via": ids.to_numpy(), "ref": refs.to_numpy()}).explode("ref").dropna()
        ev = via.merge(ev, on="via")
        out["evidence"] = lists_by_group(ev["g"].to_numpy(), ev["ref"].to_numpy(), n).to_numpy()
    else:
        out["evidence"] = pd.Series([[] for _ in range(n)], dtype=object).to_numpy()
    return out[PROJECTION_COLUMNS]


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
    g = np.concatenate([groups] * len(via)).astype(np.int64)
    v = np.concatenate([np.asarray(col, dtype=np.int64) for col in via])
    keep = v >= 0
    g, v = g[keep], v[keep]
    width = int(v.max()) + 1 if len(v) else 1
    key = np.sort(g * width + v)
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
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
    ends = pd.Index(pd.concat([projection["from_entity"], projection["to_entity"]]).unique())
    if entities is None or len(entities) == 0:
        return pd.DataFrame({"entity_id": ends, "entity_type": entity_types(pd.Series(ends)).to_numpy()})
    keep = entities[(entities["entity_type"] == "person") | entities["entity_id"].isin(ends)]
    extra = ends.difference(pd.Index(keep["entity_id"]))
    if len(extra):
        keep = pd.concat([keep, pd.DataFrame({"entity_id": extra, "entity_type": entity_types(pd.Series(extra)).to_numpy()})],
                         ignore_index=True)
    return keep.reset_index(drop=True)
