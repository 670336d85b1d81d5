"""Real-time lookup: records (a name, a date of birth, a phone, a plate, a SIREN… any subset) against
a workspace's match index, with the stored models' scoring.

:func:`normalize_query` turns raw query records into the normalized columns of each entity type
(the same normalizers as an ingest); :func:`match_pairs` finds, for every query row at once, the
indexed mentions sharing a lookup key (an identifier or a blocking rule of the type) and scores
them with the type's trained model and the index's term frequencies
(:func:`linkgraph.match.model.score`); :func:`best_per_entity` keeps each entity's best mention.
Everything is vectorized over the queries: a file of records costs one comparison matrix.

    >>> import pandas as pd
    >>> q, errors = normalize_query(pd.DataFrame([{"last_name": "Ben Ali", "first_name": "Mohamed",
    ...                                              "dob": "12/03/1990"}]))
    >>> q["person"][["last_key", "first_key", "dob", "birth_year"]].iloc[0].tolist()
    ['BENALI', 'MOHAMED', '1990-03-12', '1990']
    >>> errors
    []
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkgraph.match.compare import Columns
from linkgraph.match.model import ScoredPairs, explain, score
from linkgraph.normalize.fields import derive_columns, normalize_field

#: Query field → the (entity type, mapped field) it fills. ``phone`` and ``plate`` are also the
#: person's context columns (the phone a person uses, the vehicle they drive), as at ingest.
QUERY_FIELDS: dict[str, list[tuple[str, str]]] = {
    "first_name": [("person", "first_name")], "last_name": [("person", "last_name")],
    "dob": [("person", "dob")], "birthplace": [("person", "birthplace")], "address": [("person", "address")],
    "postcode": [("person", "postcode")], "city": [("person", "city")], "sex": [("person", "sex")],
    "id_number": [("person", "id_number")],
    "phone": [("phone", "number")], "imei": [("phone", "imei")],
    "plate": [("vehicle", "plate")], "vin": [("vehicle", "vin")],
    "siren": [("company", "siren")], "siret": [("company", "siret")], "company": [("company", "name")],
}
#: Fields that make a person query on their own (``phone`` and ``plate`` only add context).
PERSON_FIELDS = ("first_name", "last_name", "dob", "id_number")


class QueryError(ValueError):
    """A query with no usable field, or a value that cannot be read (names the row and the field)."""


def normalize_query(records: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Per entity type, the normalized query rows (column ``q``: the row of ``records``), and the
    errors: ``{"row", "field", "value", "reason"}`` for every present value that cannot be read
    (the value is left out of the query). Unknown columns are an error (:class:`QueryError`)."""
    unknown = [c for c in records.columns if c not in QUERY_FIELDS]
    if unknown:
        raise QueryError(f"unknown field(s) {', '.join(map(str, unknown))}; a record may hold "
                         f"{', '.join(QUERY_FIELDS)}")
    if len(records) <= SMALL_QUERY:
        return _normalize_small(records)
    records = pd.DataFrame({c: [_text(v) for v in records[c].tolist()] for c in records.columns}, dtype=object)
    errors: list[dict] = []
    columns: dict[str, dict[str, pd.Series]] = {}
    field_of = normalize_field
    for name in records.columns:
        raw = records[name]
        if raw.isna().all():
            continue
        for entity_type, field in QUERY_FIELDS[name]:
            values, errs = field_of(entity_type, field, raw)
            bad = errs.notna() & raw.notna()
            for row in np.flatnonzero(bad.to_numpy(dtype=bool)):
                errors.append({"row": int(row) + 1, "field": name, "value": str(raw.iloc[row]),
                               "reason": str(errs.iloc[row])})
            for col, series in values.items():
                columns.setdefault(entity_type, {})[col] = series.where(~bad, None)
    out: dict[str, pd.DataFrame] = {}
    context = {"phone": columns.get("phone", {}).get("number"), "plate": columns.get("vehicle", {}).get("plate")}
    for entity_type, cols in columns.items():
        frame = pd.DataFrame(cols)
        present = frame.notna().any(axis=1)
        if entity_type == "person":
            present = frame[[c for c in frame.columns if c.split("_")[0] in ("first", "last", "dob", "id")]
                            ].notna().any(axis=1) if len(frame.columns) else present
        out[entity_type] = derive_columns(entity_type, frame)
        out[entity_type]["q"] = np.arange(len(frame))
        out[entity_type] = out[entity_type][present.to_numpy(dtype=bool)]
    # context columns of the person query; a phone or a plate alone also asks who uses / drives it
    person = out.get("person", pd.DataFrame({"q": np.arange(0)}))
    extra = [s.notna() for s in context.values() if s is not None]
    if extra:
        wanted = np.flatnonzero(np.logical_or.reduce([e.to_numpy(dtype=bool) for e in extra]))
        missing = np.setdiff1d(wanted, person["q"].to_numpy())
        if len(missing):
            person = pd.concat([person, pd.DataFrame({"q": missing})], ignore_index=True).sort_values("q")
        for name, s in context.items():
            if s is not None:
                person[name] = s.to_numpy(dtype=object)[person["q"].to_numpy(dtype=np.int64)]
        out["person"] = person.reset_index(drop=True)
    return {t: f.reset_index(drop=True).astype({c: object for c in f.columns if c != "q"})
            for t, f in out.items() if len(f)}, errors


#: Up to this many records, values are normalized one by one with the scalar normalizers (the same
#: functions :func:`normalize_field` runs once per distinct value, without its pandas overhead).
SMALL_QUERY = 8


def _outputs(entity_type: str, field: str) -> list:
    from linkgraph.normalize.dates import parse_dob
    from linkgraph.normalize.fields import FIELD_OUTPUTS
    from linkgraph.normalize.phones import normalize_phone

    if field == "dob":
        return [("dob", parse_dob)]
    if (entity_type, field) == ("phone", "number"):
        return [("number", normalize_phone)]
    return FIELD_OUTPUTS[(entity_type, field)]


def _normalize_small(records: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """:func:`normalize_query` for a few records: the same scalar normalizers and derived columns
    (:func:`linkgraph.normalize.fields.derive_columns`), value by value, without pandas' per-call cost."""
    n = len(records)
    rows = {c: [_text(v) for v in records[c].tolist()] for c in records.columns}
    errors: list[dict] = []
    columns: dict[str, dict[str, list]] = {}
    for name, raw in rows.items():
        if all(v is None for v in raw):
            continue
        for entity_type, field in QUERY_FIELDS[name]:
            outputs = _outputs(entity_type, field)
            cols = columns.setdefault(entity_type, {})
            for col, _ in outputs:
                cols[col] = [None] * n
            for k, value in enumerate(raw):
                if value is None:
                    continue
                for pos, (col, func) in enumerate(outputs):
                    try:
                        cols[col][k] = func(value)
                    except ValueError as exc:
                        if pos == 0:  # the first normalizer decides whether the value is valid
                            errors.append({"row": k + 1, "field": name, "value": value,
                                           "reason": str(exc) or type(exc).__name__})
                            break
    context = {"phone": columns.get("phone", {}).get("number"), "plate": columns.get("vehicle", {}).get("plate")}
    out: dict[str, pd.DataFrame] = {}
    for entity_type, cols in columns.items():
        keys = [c for c in cols if entity_type != "person" or c.split("_")[0] in ("first", "last", "dob", "id")]
        present = [any(cols[c][k] is not None for c in keys) for k in range(n)]
        _derive_small(entity_type, cols, n)
        if entity_type == "person":
            for name, values in context.items():
                if values is not None:
                    present = [p or values[k] is not None for k, p in enumerate(present)]
                    cols[name] = list(values)
        wanted = [k for k in range(n) if present[k]]
        if wanted:
            frame = pd.DataFrame({c: [v[k] for k in wanted] for c, v in cols.items()}, dtype=object)
            frame["q"] = np.array(wanted, dtype=np.int64)
            out[entity_type] = frame
    if "person" not in out and any(v is not None for v in context.values()):
        wanted = [k for k in range(n) if any(v is not None and v[k] is not None for v in context.values())]
        if wanted:
            frame = pd.DataFrame({c: [v[k] for k in wanted] for c, v in context.items() if v is not None}, dtype=object)
            frame["q"] = np.array(wanted, dtype=np.int64)
            out["person"] = frame
    return out, errors


def _derive_small(entity_type: str, cols: dict[str, list], n: int) -> None:
    """:func:`linkgraph.normalize.fields.derive_columns` over lists (same rules, value by value)."""
    import re

    from linkgraph.normalize.fields import _TAIL, _VALID_FR_PLATE

    if entity_type == "company" and "siret" in cols:
        siren = cols.get("siren", [None] * n)
        cols["siren"] = [a if a is not None else (b[:9] if b is not None else None) for a, b in zip(siren, cols["siret"])]
    if "address" in cols:
        tail = re.compile(_TAIL)
        for k, address in enumerate(cols["address"]):
            m = tail.search(address) if address is not None else None
            if m and m.group("street"):
                cols["address"][k] = m.group("street")
                for part in ("postcode", "city"):
                    values = cols.setdefault(part, [None] * n)
                    if values[k] is None:
                        values[k] = m.group(part)
    if entity_type == "person" and "dob" in cols:
        cols["birth_year"] = [d[:4] if d is not None else None for d in cols["dob"]]
    if entity_type == "person" and "first_key" in cols and "last_key" in cols:
        cols["names_key"] = [(min(a, b) + " " + max(a, b)) if a is not None and b is not None else None
                             for a, b in zip(cols["first_key"], cols["last_key"])]
    if entity_type == "company" and "name" in cols:
        cols["name_key"] = [("".join(sorted(v.split())) or None) if v is not None else None for v in cols["name"]]
        from linkgraph.match.keys_company import company_keys  # the fuzzy blocking keys, as derive_columns

        names = pd.DataFrame({c: cols[c] for c in ("name", "city", "legal_form") if c in cols}, dtype=object)
        for col, values in company_keys(names).items():
            values = values.astype(object)
            cols[col] = values.where(values.notna(), None).tolist()
    if entity_type == "vehicle" and "plate" in cols:
        valid = re.compile(_VALID_FR_PLATE)
        cols["plate_valid"] = [v if v is not None and valid.fullmatch(v) else None for v in cols["plate"]]


def _text(value) -> str | None:
    """A query value as stripped text (None when missing or blank)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


@dataclass
class Pairs:
    """Scored (query row, record row) pairs of one type: ``q`` (query row), ``row`` (record row in
    the index), ``identifier`` (they share a strong identifier), and the scoring (``scored``,
    over ``i`` = position in the query frame and ``j`` = position in the compared frame)."""

    q: np.ndarray
    row: np.ndarray
    identifier: np.ndarray
    probability: np.ndarray
    weight: np.ndarray
    scored: ScoredPairs | None


def match_pairs(ti, query: pd.DataFrame, visible: np.ndarray | None = None,
                min_probability: float = 0.0) -> Pairs:
    """Every indexed record of type index ``ti`` sharing a lookup key with a row of ``query``
    (normalized, as :func:`normalize_query` gives), restricted to ``visible`` records, scored.

    A pair sharing an identifier has probability 1 (identifier links are never broken at
    resolution); others are scored by the type's trained model (a type without one only matches
    by identifier). Pairs below ``min_probability`` are dropped."""
    from linkgraph.store.match_index import rule_keys

    n_rec = np.int64(max(len(ti.records), 1))
    qs, rows, ident = [], [], []
    n_ident = len(ti.settings.identifiers)
    probabilistic = ti.settings.probabilistic and ti.settings.trained
    for r, rule in enumerate(ti.rules):
        if r >= n_ident and not probabilistic:
            break
        if any(c not in query for c in rule):
            continue
        q, row = ti.lookup(r, rule_keys(query, rule))
        q, row = _within_refined_blocks(ti, r, query, q, row)
        qs.append(q)
        rows.append(row)
        ident.append(np.full(len(q), r < n_ident))
    if not qs or not sum(len(x) for x in qs):
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty, np.zeros(0, dtype=bool), np.zeros(0), np.zeros(0), None)
    q, row, idf = np.concatenate(qs), np.concatenate(rows), np.concatenate(ident)
    if visible is not None:
        keep = visible[row]
        q, row, idf = q[keep], row[keep], idf[keep]
    key = q.astype(np.int64) * n_rec + row
    order = np.lexsort((~idf, key))                 # identifier pairs first within a key
    key, q, row, idf = key[order], q[order], row[order], idf[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    q, row, idf = q[first], row[first], idf[first]
    scored = None
    probability = np.where(idf, 1.0, 0.0)
    weight = np.where(idf, np.inf, -np.inf)
    if probabilistic and len(q):
        urows, inverse = np.unique(row, return_inverse=True)
        cols = [c for c in ti.records.columns if c in query.columns or c in _compared(ti.settings)]
        nq = len(query)
        frame = pd.DataFrame({c: np.concatenate([_objects(query[c]) if c in query else np.full(nq, None, dtype=object),
                                                 _objects(ti.records[c].to_numpy(dtype=object)[urows])])
                              for c in cols})
        i, j = q.astype(np.int64), nq + inverse.astype(np.int64)
        scored = score(ti.settings, frame, i, j, Columns(frame), tables=ti.tf)
        probability = np.where(idf, 1.0, scored.probability)
        weight = np.where(idf, np.inf, scored.weight)
    keep = idf | (probability >= min_probability)
    if scored is not None:
        scored = ScoredPairs(scored.i[keep], scored.j[keep], scored.levels[keep], scored.weight[keep],
                             scored.probability[keep], scored.tf_adjustment[keep])
    return Pairs(q[keep], row[keep], idf[keep], probability[keep], weight[keep], scored)


def _within_refined_blocks(ti, r: int, query: pd.DataFrame, q: np.ndarray, row: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of rule ``r`` that a resolution of the index's records would compare: where the
    rule's block is over the pair budget, the resolution splits it by refine keys
    (:meth:`~linkgraph.store.match_index.TypeIndex.refinement`); a query row then pairs only with
    the records of its block that agree with it on the keys that split that record's block (a
    missing value on both sides counts as agreement, as at resolution)."""
    refined = ti.refinement(r)
    if refined is None or not len(q):
        return q, row
    masks, keys = refined
    mask = masks[row]
    keep = np.ones(len(q), dtype=bool)
    for bit, col in enumerate(keys):
        split = (mask & np.uint8(1 << bit)) != 0
        if not split.any():
            continue
        theirs = ti.records[col].to_numpy(dtype=object)[row[split]]
        mine = (query[col].to_numpy(dtype=object)[q[split]] if col in query
                else np.full(int(split.sum()), None, dtype=object))
        same = (theirs == mine) | (pd.isna(theirs) & pd.isna(mine))
        keep[np.flatnonzero(split)[~same]] = False
    return q[keep], row[keep]


def _objects(values) -> np.ndarray:
    """Values as an object array with None for missing."""
    a = np.asarray(values, dtype=object)
    missing = pd.isna(a)
    if missing.any():
        a = a.copy()
        a[missing] = None
    return a


def _compared(settings) -> set[str]:
    cols = set()
    for c in settings.comparisons:
        cols.add(c.column)
        if c.other_column:
            cols.add(c.other_column)
        for lvl in c.levels:
            if lvl.column:
                cols.add(lvl.column)
    return cols


def best_per_entity(ti, pairs: Pairs) -> np.ndarray:
    """Indices into ``pairs`` of the best pair of every (query row, entity), strongest first per query."""
    if not len(pairs.q):
        return np.zeros(0, dtype=np.int64)
    ent = ti.entity_codes[pairs.row]
    order = np.lexsort((-pairs.weight, ent, pairs.q))
    q, e = pairs.q[order], ent[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (q[1:] != q[:-1]) | (e[1:] != e[:-1])
    best = order[first]
    return best[np.lexsort((-pairs.weight[best], pairs.q[best]))]


def waterfall(ti, pairs: Pairs, k: int) -> list[dict]:
    """The explanation of pair ``k``: the prior, each comparison's level and weight, term-frequency
    adjustments and the total (:func:`linkgraph.match.model.explain`); for an identifier pair, the
    identifier shared."""
    if pairs.identifier[k] or pairs.scored is None:
        shared = [c for c in ti.settings.identifiers]
        return [{"step": "identifier", "level": f"same {' or '.join(shared)} (strong identifier: always the same "
                 f"{ti.entity_type})", "m": None, "u": None, "weight": None},
                {"step": "total", "level": "probability 1", "m": None, "u": None, "weight": None}]
    return explain(ti.settings, pairs.scored, k)
