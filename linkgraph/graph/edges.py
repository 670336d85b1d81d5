"""Mention-level relations → entity-level edges, one row per (from_entity, to_entity, type).

Symmetric relation types (:data:`~linkgraph.graph.kinds.SYMMETRIC_RELATIONS`) are stored with
the smaller entity id first so that (a, b) and (b, a) aggregate together. Every edge keeps its
evidence: the ``source:row`` references of the rows that state it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.graph._agg import factorize_ids, group_keys, joined_sets, plain
from linkgraph.graph.edge_refs import CODES_KEY, KEY as REFS_KEY, EdgeRefs, EntityCodes
from linkgraph.graph.kinds import CLASSIFICATION_RANK, is_symmetric

EDGE_KEY = ["from_entity", "to_entity", "type"]
EDGE_COLUMNS = [
    "edge_id", "from_entity", "to_entity", "type", "directed", "self_loop", "count", "weight",
    "first_seen", "last_seen", "agencies", "n_agencies", "sources", "n_sources", "classification",
    "total_duration", "total_quantity", "evidence",
]
_LEVELS = np.array(sorted(CLASSIFICATION_RANK, key=CLASSIFICATION_RANK.get), dtype=object)


def empty_edges() -> pd.DataFrame:
    """An edge table with no rows (the columns of :func:`edge_table`)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in EDGE_COLUMNS})


def _numbers(relations: pd.DataFrame, column: str) -> pd.Series:
    if column not in relations:
        return pd.Series(np.nan, index=relations.index)
    return pd.to_numeric(relations[column], errors="coerce")


def seen_time(relations: pd.DataFrame) -> pd.Series:
    """When the fact was seen: ``date``, else the ``start`` or ``time`` attribute (ISO strings)."""
    seen = pd.Series(pd.NA, index=relations.index, dtype="string")
    for col in ("date", "start", "time"):
        if col in relations:
            seen = seen.fillna(relations[col].astype("string"))
    return seen


def _text_categories(values: pd.Series) -> bool:
    """A categorical whose categories are all text."""
    return isinstance(values.dtype, pd.CategoricalDtype) and all(isinstance(c, str) for c in values.cat.categories)


def _span(groups: np.ndarray, seen: pd.Series, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest ``seen`` string per group (None when none), through sorted integer codes."""
    if _text_categories(seen):      # the categories sorted once, the rows' codes mapped
        cats = np.asarray(seen.cat.categories, dtype=object)
        order = np.array(sorted(range(len(cats)), key=lambda i: cats[i]), dtype=np.int64)
        rank = np.zeros(max(len(cats), 1), dtype=np.int64)
        rank[order] = np.arange(len(cats))
        c = seen.cat.codes.to_numpy().astype(np.int64)
        codes, uniques = np.where(c < 0, -1, rank[np.maximum(c, 0)]), cats[order]
    else:
        codes, uniques = pd.factorize(seen, sort=True)
    has = codes >= 0
    uniques = np.append(np.asarray(uniques, dtype=object), None)
    lo = np.full(n, len(uniques), dtype=np.int64)
    hi = np.full(n, -1, dtype=np.int64)
    np.minimum.at(lo, groups[has], codes[has])
    np.maximum.at(hi, groups[has], codes[has])
    lo[lo == len(uniques)] = -1                  # a group without any date: None (the appended last)
    return uniques[lo], uniques[hi]


def edge_id(from_entity: pd.Series, type_: pd.Series, to_entity: pd.Series) -> pd.Series:
    """The reference of an edge: ``from|type|to``."""
    return from_entity.astype(str) + "|" + type_.astype(str) + "|" + to_entity.astype(str)


def edge_table(relations: pd.DataFrame, *, weight_column: str = "calls", lists: bool = True) -> pd.DataFrame:
    """Aggregate relations (``Resolution.relations``) into one row per (from_entity, to_entity, type).

    Columns: ``edge_id``, the key, ``directed``, ``self_loop`` (from == to, kept), ``count`` (relation
    rows), ``weight`` (sum of the numeric ``weight_column`` attribute where present, 1 per row
    otherwise: a phone-records file giving a number of calls per line weighs by calls),
    ``first_seen``/``last_seen`` (``date``, else ``start``/``time``), ``agencies``/``sources``
    (sorted, ';'-joined) with their counts, ``classification`` (highest level of the evidence),
    ``total_duration``/``total_quantity`` (sums where present, NaN when never given) and
    ``evidence`` (list of distinct ``source:row``, in source then row order).

    ``lists=False`` (the scaling paths: scoring, the benchmarks): no ``evidence`` column; the same
    references are kept as integer arrays in ``attrs["evidence_refs"]``
    (:class:`~linkgraph.graph.edge_refs.EdgeRefs`, read with :func:`~linkgraph.graph.edge_refs.edge_evidence`).
    Groups are found on integer codes of the key (each column factorized with its distinct values
    sorted), so the rows come in (from, to, type) string order without sorting strings.
    """
    if relations is None or len(relations) == 0:
        out = empty_edges()
        if not lists:
            out = out.drop(columns="evidence")
            out.attrs[REFS_KEY] = EdgeRefs(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64),
                                           np.zeros(0, dtype=object), np.zeros(0, dtype=object))
        return out
    # the ids made into text and coded once, both ends together (codes sort as the ids do); rows
    # missing an end left out (found by the same hashing)
    ends, (cf, ct), names = _id_codes(relations["from_entity"], relations["to_entity"])
    rel = relations if ends.all() else relations[ends]      # (no copy of the table when nothing is missing)
    (type_codes,), type_names = _text_codes(rel["type"])
    swap = np.asarray(is_symmetric(pd.Series(type_names, dtype=object)))[type_codes] & (cf > ct)
    cf, ct = np.where(swap, ct, cf), np.where(swap, cf, ct)
    del swap
    key = (cf * max(len(names), 1) + ct) * max(len(type_names), 1) + type_codes
    first, groups = group_keys(key)
    del key
    n = len(first)
    # per edge: its ends' and type's codes (the row-level arrays freed: memory at national scale)
    cf, ct, tc = cf[first], ct[first], type_codes[first]
    del type_codes

    out = pd.DataFrame({"from_entity": names[cf]})      # (columns added one by one: no block copied)
    out["to_entity"], out["type"] = names[ct], type_names[tc]
    out["directed"] = ~is_symmetric(out["type"])
    out["self_loop"] = cf == ct
    out["count"] = np.bincount(groups, minlength=n)
    out["weight"] = np.bincount(groups, weights=_numbers(rel, weight_column).fillna(1.0).to_numpy(), minlength=n)
    compact_dates = [c for c in ("date", "start", "time") if c in rel] == ["date"] and _text_categories(rel["date"])
    out["first_seen"], out["last_seen"] = _span(groups, rel["date"] if compact_dates else seen_time(rel), n)
    out["agencies"], out["n_agencies"] = joined_sets(groups, rel["agency"], n)
    out["sources"], out["n_sources"] = joined_sets(groups, rel["source"], n)
    top = np.full(n, -1, dtype=np.int64)
    np.maximum.at(top, groups, _levels(rel["classification"]))
    out["classification"] = np.where(top >= 0, _LEVELS[np.clip(top, 0, None)], None)
    del top
    out["total_duration"] = _sum_present(groups, _numbers(rel, "duration").to_numpy(), n)
    out["total_quantity"] = _sum_present(groups, _numbers(rel, "quantity").to_numpy(), n)
    refs = _refs(groups, rel["source"], rel["row"], n)
    del groups
    out = finish_edges(out, refs, lists, _coded_ids(names, type_names, cf, tc, ct))
    out.attrs[CODES_KEY] = EntityCodes(names, cf, ct, (out["from_entity"].to_numpy(), out["to_entity"].to_numpy()))
    return out


def _id_codes(frm: pd.Series, to: pd.Series) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Rows with both ends, and their ends' codes into the sorted distinct ids made text (as
    :func:`_text_codes`): each column hashed once, its missing values found by the same pass."""
    raw = [factorize_ids(plain(col).to_numpy(dtype=object)) for col in (frm, to)]
    ends = (raw[0][0] >= 0) & (raw[1][0] >= 0)
    texts = [np.asarray(pd.Series(u, dtype=object).astype(str), dtype=object) for _, u in raw]
    inverse, names = _sorted_factorize(np.concatenate(texts))
    a = inverse[:len(texts[0])][raw[0][0][ends]]
    b = inverse[len(texts[0]):][raw[1][0][ends]]
    used = np.zeros(len(names), dtype=bool)
    used[a], used[b] = True, True
    if not used.all():        # ids only on rows missing their other end
        keep = np.cumsum(used) - 1
        a, b, names = keep[a], keep[b], names[used]
    return ends, (a, b), names


def _sorted_factorize(text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(text, sort=True)`` for text values: hashed, then the distinct values sorted by
    Arrow (UTF-8 byte order is code point order, Python's), Python's sort when they are not all text."""
    codes, uniques = pd.factorize(text)
    uniques = np.asarray(uniques, dtype=object)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        order = pc.array_sort_indices(pa.array(uniques, type=pa.string())).to_numpy()
    except (ImportError, TypeError, ValueError):   # (pyarrow's ArrowTypeError / ArrowInvalid are these)
        order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], uniques[order]


def _coded_ids(names: np.ndarray, type_names: np.ndarray, frm: np.ndarray, types: np.ndarray,
               to: np.ndarray) -> np.ndarray:
    """The edge ids ``from|type|to`` from codes: each distinct ``from|type|`` made once, then one
    concatenation per edge."""
    width = max(len(type_names), 1)
    head, heads = pd.factorize(frm.astype(np.int64) * width + types)
    heads = np.asarray(heads, dtype=np.int64)
    prefix = (pd.Series(names[heads // width], dtype=object) + "|" + pd.Series(type_names[heads % width], dtype=object)
              + "|").to_numpy(dtype=object)
    return np.add(prefix[head], names[to]) if len(head) else np.zeros(0, dtype=object)


def _text_codes(*columns: pd.Series) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Per column, integer codes into the sorted distinct text of all the columns (``astype(str)``
    semantics: None is "None"), as ``pd.factorize(np.concatenate([c.astype(str) ...]), sort=True)``
    split back per column; each distinct value is made into text once, a text categorical read by its
    codes (no hashing)."""
    raw, texts = [], []
    for col in columns:
        if _text_categories(col) and not (col.cat.codes.to_numpy() < 0).any():
            raw.append(col.cat.codes.to_numpy().astype(np.int64))
            texts.append(np.asarray(col.cat.categories, dtype=object))
        else:
            codes, uniques = pd.factorize(plain(col).to_numpy(dtype=object), use_na_sentinel=False)
            raw.append(codes.astype(np.int64))
            texts.append(np.asarray(pd.Series(uniques, dtype=object).astype(str), dtype=object))
    inverse, names = _sorted_factorize(np.concatenate(texts) if len(texts) > 1 else texts[0])
    used = np.zeros(len(names), dtype=bool)
    out, start = [], 0
    for codes, text in zip(raw, texts):
        mapped = inverse[start:start + len(text)].astype(np.int64)[codes]
        used[mapped] = True
        out.append(mapped)
        start += len(text)
    names = np.asarray(names, dtype=object)
    if not used.all():    # categories no row has: left out, as a factorize of the values does
        keep = np.cumsum(used) - 1
        out, names = [keep[c] for c in out], names[used]
    return tuple(out), names


def _levels(values: pd.Series) -> np.ndarray:
    """Classification rank per row (-1: unknown or missing); a categorical's categories ranked once."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        rank = pd.Series(values.cat.categories, dtype=object).map(CLASSIFICATION_RANK).fillna(-1).to_numpy()
        rank = np.append(rank.astype(np.int64), -1)    # code -1 (missing) reads the appended -1
        return rank[values.cat.codes.to_numpy().astype(np.int64)]
    return values.map(CLASSIFICATION_RANK).fillna(-1).to_numpy().astype(np.int64)


def finish_edges(out: pd.DataFrame, refs, lists: bool, ids: np.ndarray | None = None) -> pd.DataFrame:
    """The edge table in its final form: ids (``ids``: made already), columns in order, evidence as
    lists or kept as ``refs``."""
    if lists:
        out["evidence"] = refs.lists()
    out.insert(0, "edge_id", edge_id(out["from_entity"], out["type"], out["to_entity"]) if ids is None else ids)
    columns = [c for c in EDGE_COLUMNS if lists or c != "evidence"]
    if list(out.columns) != columns:     # (already in order from edge_table: no copy of the table)
        out = out[columns]
    if not lists:
        out.attrs[REFS_KEY] = refs
    return out


def _sum_present(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per group the sum of its non-NaN values, NaN when it has none."""
    have = ~np.isnan(values)
    total = np.bincount(groups[have], weights=values[have], minlength=n)
    return np.where(np.bincount(groups[have], minlength=n) > 0, total, np.nan)


def _refs(groups: np.ndarray, source: pd.Series, row: pd.Series, n: int) -> EdgeRefs:
    """Per group its distinct (source, row) in source then numeric row order (ties: first seen).

    Integer rows (what the readers give) are kept as integers, made into text when looked at; others
    as their text."""
    (cs,), sources = _text_codes(source)
    ns = max(len(sources), 1)
    values = row.to_numpy()
    if values.dtype.kind in "iu" and len(values):
        lo = int(values.min())
        width = int(values.max()) - lo + 1
        if n * ns * width < 2 ** 62:   # one sorted integer key: group, source, row (text is injective on integers)
            key = (groups * ns + cs) * width + (values.astype(np.int64) - lo)
            pick = np.unique(key, return_index=True)[1]
            offsets = np.concatenate([[0], np.cumsum(np.bincount(groups[pick], minlength=n))]).astype(np.int64)
            return EdgeRefs(offsets, cs[pick].astype(_small(ns)), values[pick].astype(np.int64), sources)
    raw, values = pd.factorize(values, use_na_sentinel=False)   # each distinct row value made text once
    values = pd.Index(values)
    text = np.asarray(values.astype(str), dtype=object)
    codes, _ = pd.factorize(text)
    cr = codes[raw]
    distinct = np.unique((groups * ns + cs) * max(int(cr.max()) + 1 if len(cr) else 1, 1) + cr, return_index=True)[1]
    number = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").fillna(-1).to_numpy(dtype=float)[raw]
    pick = distinct[np.lexsort((distinct, number[distinct], cs[distinct], groups[distinct]))]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(groups[pick], minlength=n))]).astype(np.int64)
    return EdgeRefs(offsets, cs[pick].astype(_small(ns)), text[raw[pick]], np.asarray(sources, dtype=object))


def _small(n: int) -> type:
    """The smallest integer type holding codes below ``n`` (a reference's source code: 1 byte, not 8)."""
    return np.int8 if n < 2 ** 7 else np.int16 if n < 2 ** 15 else np.int32 if n < 2 ** 31 else np.int64
