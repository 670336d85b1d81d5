"""The entity table: one row per entity with a label, its main values and its provenance."""
from __future__ import annotations

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
    """Most frequent non-missing value of ``column`` per entity (ties: smallest value)."""
    frame = mentions[["entity_id", column]].dropna()
    if frame.empty:
        return pd.Series(dtype=object)
    counts = frame.groupby(["entity_id", column]).size().rename("n").reset_index()
    counts = counts.sort_values(["entity_id", "n", column], ascending=[True, False, True])
    return counts.drop_duplicates("entity_id").set_index("entity_id")[column]


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


def entity_table(mentions: pd.DataFrame) -> pd.DataFrame:
    """Aggregate mentions (with ``entity_id``) into one row per entity."""
    mentions = mentions.assign(date=mentions["date"].astype("string"))  # undated sources hold None
    g = mentions.groupby("entity_id", sort=True)
    out = pd.DataFrame({
        "entity_type": g["entity_type"].first(),
        "mentions": g.size(),
        "sources": g["source"].nunique(),
        "agencies": g["agency"].agg(lambda s: ";".join(sorted(set(s)))),
        "first_seen": g["date"].min(),
        "last_seen": g["date"].max(),
    })
    columns = sorted({c for cols in MAIN_VALUES.values() for c in cols if c in mentions})
    for col in columns:
        out[col] = _mode(mentions, col).reindex(out.index)
    out.insert(1, "label", _label(out))
    return out.reset_index()
