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


def _mode(mentions: pd.DataFrame, column: str) -> pd.Series:
    """Most frequent non-missing value of ``column`` per entity (ties: smallest value).

    Counted on integer codes (values factorized in sorted order, so the smallest code is the
    smallest value) with one unique and one lexsort, not a group-by over strings.
    """
    frame = mentions[["entity_id", column]].dropna()
    if frame.empty:
        return pd.Series(dtype=object)
    e_codes, entities = pd.factorize(frame["entity_id"])
    v_codes, values = pd.factorize(frame[column], sort=True)
    width = np.int64(len(values))
    keys, counts = np.unique(e_codes.astype(np.int64) * width + v_codes, return_counts=True)
    e, v = keys // width, keys % width
    order = np.lexsort((v, -counts, e))  # per entity: most frequent first, then smallest value
    first = order[np.r_[True, e[order][1:] != e[order][:-1]]]
    return pd.Series(np.asarray(values, dtype=object)[v[first]], index=pd.Index(np.asarray(entities)[e[first]],
                     name="entity_id"), name=column, dtype=object)


def _label(entities: pd.DataFrame) -> pd.Series:
    t = entities["entity_type"]
    first = entities.get("first_name", pd.Series(index=entities.index, dtype=object)).fillna("").str.title()
    last = entities.get("last_name", pd.Series(index=entities.index, dtype=object)).fillna("").str.upper()
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


def _agencies(mentions: pd.DataFrame) -> pd.Series:
    """Each entity's agencies, sorted and joined with ';' (spelt once per distinct set, via bit masks)."""
    codes, names = pd.factorize(mentions["agency"])
    pairs = pd.DataFrame({"e": mentions["entity_id"].to_numpy(), "a": codes}).drop_duplicates()
    bits = pairs["a"].to_numpy()
    small = len(names) < 63
    masks = pd.Series(np.left_shift(np.int64(1), bits) if small else [1 << int(b) for b in bits]).groupby(
        pairs["e"].to_numpy()).sum()
    spelt = {mask: ";".join(sorted(str(names[k]) for k in range(len(names)) if (int(mask) >> k) & 1))
             for mask in pd.unique(masks.to_numpy())}
    return masks.map(spelt)


def _first_last(mentions: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Earliest and latest date per entity (ISO strings sort as dates; undated mentions ignored)."""
    dates = mentions[["entity_id", "date"]].dropna()
    if dates.empty:
        return pd.Series(dtype=object), pd.Series(dtype=object)
    dates = dates.sort_values(["entity_id", "date"], kind="stable")
    first = dates.drop_duplicates("entity_id", keep="first").set_index("entity_id")["date"]
    last = dates.drop_duplicates("entity_id", keep="last").set_index("entity_id")["date"]
    return first, last


def entity_table(mentions: pd.DataFrame) -> pd.DataFrame:
    """Aggregate mentions (with ``entity_id``) into one row per entity.

    Vectorized group operations only (no per-entity Python): agencies through bit masks, first
    and last seen through one sort.
    """
    mentions = mentions.assign(date=mentions["date"].astype("string"))  # undated sources hold None
    g = mentions.groupby("entity_id", sort=True)
    out = pd.DataFrame({
        "entity_type": g["entity_type"].first(),
        "mentions": g.size(),
        "sources": g["source"].nunique(),
    })
    out["agencies"] = _agencies(mentions).reindex(out.index) if len(mentions) else pd.Series(dtype=object)
    first, last = _first_last(mentions)
    out["first_seen"] = first.reindex(out.index).astype("string")
    out["last_seen"] = last.reindex(out.index).astype("string")
    columns = sorted({c for cols in MAIN_VALUES.values() for c in cols if c in mentions})
    for col in columns:
        out[col] = _mode(mentions, col).reindex(out.index)
    out.insert(1, "label", _label(out))
    return out.reset_index()
