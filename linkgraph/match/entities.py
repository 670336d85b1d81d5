"""The entity table: one row per entity with a label, its main values and its provenance."""
from __future__ import annotations

import numpy as np
import pandas as pd

#: The values shown for each type, most frequent among the entity's mentions.
MAIN_VALUES: dict[str, list[str]] = {
    "person": ["first_name", "last_name", "dob", "birthplace", "city", "id_number"],
    "vehicle": ["plate", "vin", "make"],
    "phone": ["number", "imei"],
    "company": ["name", "siren", "city"],
    "container": ["number"],
    "place": ["code", "name", "city"],
}


def sorted_factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)`` (codes, -1 = missing; distinct values as an object array).

    Strings are factorized in order of appearance (a hash) and only the distinct values sorted,
    as fixed-width strings; the order is checked against Python's before it is used, so that the
    result is pandas' in every case.
    """
    codes, uniques = pd.factorize(values)
    uniques = np.asarray(uniques, dtype=object)
    if len(uniques) < 2:
        return codes, uniques
    if pd.api.types.infer_dtype(uniques, skipna=False) != "string":
        codes, uniques = pd.factorize(values, sort=True)
        return codes, np.asarray(uniques, dtype=object)
    order = np.argsort(uniques.astype(str), kind="stable")
    spelt = uniques[order]
    if not (spelt[1:] > spelt[:-1]).all():  # e.g. NUL characters, which fixed-width strings ignore
        codes, uniques = pd.factorize(values, sort=True)
        return codes, np.asarray(uniques, dtype=object)
    rank = np.empty(len(order), dtype=codes.dtype)
    rank[order] = np.arange(len(order), dtype=codes.dtype)
    return np.where(codes >= 0, rank[np.maximum(codes, 0)], codes), spelt


def _mode_per_entity(entity: np.ndarray, n_entities: int, values: pd.Series) -> np.ndarray:
    """Most frequent non-missing value per entity code (ties: smallest value; NaN where none).

    Counted on integer codes (values factorized in sorted order, so the smallest code is the
    smallest value) with one hashed count, then one running maximum per entity of
    ``count * width + (width - 1 - code)`` (more mentions first, then the smaller value);
    not a group-by over strings.
    """
    out = np.full(n_entities, np.nan, dtype=object)
    v_codes, uniques = sorted_factorize(values)
    ok = v_codes >= 0
    if not ok.any():
        return out
    width = np.int64(len(uniques))
    counted = pd.Series(entity[ok].astype(np.int64) * width + v_codes[ok]).value_counts(sort=False)  # a hash
    keys, counts = counted.index.to_numpy(dtype=np.int64), counted.to_numpy()
    e, v = keys // width, keys % width
    best = np.full(n_entities, -1, dtype=np.int64)
    np.maximum.at(best, e, counts.astype(np.int64) * width + (width - 1 - v))
    has = np.flatnonzero(best >= 0)
    out[has] = np.asarray(uniques, dtype=object)[width - 1 - best[has] % width]
    return out


def _mode(mentions: pd.DataFrame, column: str) -> pd.Series:
    """Most frequent non-missing value of ``column`` per entity id (ties: smallest value)."""
    codes, entities = pd.factorize(mentions["entity_id"])
    values = _mode_per_entity(codes, len(entities), mentions[column])
    keep = pd.notna(values)
    return pd.Series(values[keep], index=pd.Index(np.asarray(entities, dtype=object)[keep], name="entity_id"),
                     name=column, dtype=object)


def _per_value(s: pd.Series, how) -> pd.Series:
    """``how`` (elementwise over a Series of strings) computed once per distinct value of ``s`` (no NaN)."""
    codes, uniques = pd.factorize(s)
    done = how(pd.Series(np.asarray(uniques, dtype=object), dtype=object)).to_numpy(dtype=object)
    return pd.Series(done[codes], index=s.index, dtype=object)


def _label(entities: pd.DataFrame) -> pd.Series:
    t = entities["entity_type"]
    first = _per_value(entities.get("first_name", pd.Series(index=entities.index, dtype=object)).fillna(""),
                       lambda v: v.str.title())
    last = _per_value(entities.get("last_name", pd.Series(index=entities.index, dtype=object)).fillna(""),
                      lambda v: v.str.upper())
    person = (first + " " + last).str.strip()
    label = pd.Series("", index=entities.index, dtype=object)
    label[t == "person"] = person[t == "person"]
    for typ, col in (("vehicle", "plate"), ("phone", "number"), ("company", "name"), ("container", "number"),
                     ("place", "code")):
        if col in entities:
            label[t == typ] = entities.loc[t == typ, col].fillna("")
    if "name" in entities:
        label[(t == "company")] = entities.loc[t == "company", "name"].fillna("").str.upper()
    if "vin" in entities:
        no_plate = (t == "vehicle") & (label == "")
        label[no_plate] = entities.loc[no_plate, "vin"].fillna("")
    return label.where(label != "", entities.index.to_series())


def _agencies(entity: np.ndarray, n_entities: int, agency: pd.Series) -> np.ndarray:
    """Each entity's agencies, sorted and joined with ';' (spelt once per distinct set, via bit masks)."""
    codes, names = pd.factorize(agency)
    pairs = pd.unique(entity.astype(np.int64) * (len(names) + 1) + codes)  # distinct (entity, agency)
    e, bits = pairs // (len(names) + 1), pairs % (len(names) + 1)
    small = len(names) < 63
    masks = pd.Series(np.left_shift(np.int64(1), bits) if small else [1 << int(b) for b in bits]).groupby(e).sum()
    spelt = {mask: ";".join(sorted(str(names[k]) for k in range(len(names)) if (int(mask) >> k) & 1))
             for mask in pd.unique(masks.to_numpy())}
    return masks.map(spelt).reindex(range(n_entities)).to_numpy(dtype=object)


def _first_last(entity: np.ndarray, n_entities: int, dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Earliest and latest date per entity code (ISO strings sort as dates; undated mentions ignored)."""
    d_codes, uniques = sorted_factorize(dates)
    ok = d_codes >= 0
    grouped = pd.Series(d_codes[ok]).groupby(entity[ok])
    spelt = np.append(np.asarray(uniques, dtype=object), None)
    first = grouped.min().reindex(range(n_entities), fill_value=-1).to_numpy()
    last = grouped.max().reindex(range(n_entities), fill_value=-1).to_numpy()
    return pd.Series(spelt[first], dtype="string"), pd.Series(spelt[last], dtype="string")


def entity_table(mentions: pd.DataFrame) -> pd.DataFrame:
    """Aggregate mentions (with ``entity_id``) into one row per entity, sorted by entity id.

    Vectorized: the entity ids are factorized once (in sorted order) and every aggregate is an
    integer operation on those codes (agencies through bit masks, first and last seen as the
    smallest and largest date code, main values by counting (entity, value) codes).
    """
    columns = sorted({c for cols in MAIN_VALUES.values() for c in cols if c in mentions})
    if mentions.empty:
        out = pd.DataFrame({"entity_id": pd.Series(dtype=object), "entity_type": pd.Series(dtype=object),
                            "mentions": pd.Series(dtype="int64"), "sources": pd.Series(dtype="int64"),
                            "agencies": pd.Series(dtype=object), "first_seen": pd.Series(dtype="string"),
                            "last_seen": pd.Series(dtype="string"),
                            **{c: pd.Series(dtype=object) for c in columns}})
        out.insert(2, "label", pd.Series(dtype=object))
        return out
    if mentions["entity_id"].isna().any():
        mentions = mentions[mentions["entity_id"].notna()]
    entity, ids = sorted_factorize(mentions["entity_id"])
    n = len(ids)
    first_row = np.full(n, len(entity), dtype=np.int64)
    np.minimum.at(first_row, entity, np.arange(len(entity), dtype=np.int64))  # each entity's first mention
    s_codes = pd.factorize(mentions["source"])[0].astype(np.int64)
    source_pairs = pd.unique(entity.astype(np.int64) * (s_codes.max() + 2) + s_codes + 1)
    source_pairs = source_pairs[source_pairs % (s_codes.max() + 2) > 0]  # missing sources do not count
    out = pd.DataFrame({
        "entity_type": mentions["entity_type"].to_numpy()[first_row],
        "mentions": np.bincount(entity, minlength=n).astype(np.int64),
        "sources": np.bincount(source_pairs // (s_codes.max() + 2), minlength=n).astype(np.int64),
        "agencies": _agencies(entity, n, mentions["agency"]),
    }, index=pd.Index(np.asarray(ids, dtype=object), name="entity_id"))
    first, last = _first_last(entity, n, mentions["date"].astype("string"))  # undated sources hold None
    out["first_seen"] = pd.array(first, dtype="string")
    out["last_seen"] = pd.array(last, dtype="string")
    for col in columns:
        out[col] = _mode_per_entity(entity, n, mentions[col])
    out.insert(1, "label", _label(out))
    return out.reset_index()
