"""What an entity's fresh id hashes, computed plainly per entity (an independent spelling of
linkgraph/match/strong_ids.py for the tests): the strong identifier of a phone, vehicle or company
(first column of the order that has a value; the value most mentions carry, ties the smallest),
else the entity's first mention id."""
from __future__ import annotations

import pandas as pd

from linkgraph.match.ids import fresh_id

ORDER = {"phone": [("number", "number"), ("imei", "imei")],
         "vehicle": [("plate_valid", "plate"), ("vin", "vin"), ("plate", "plate")],
         "company": [("siren", "siren")]}


def anchor(mentions: pd.DataFrame) -> str:
    """The anchor of one entity (its mentions)."""
    for column, label in ORDER.get(str(mentions["entity_type"].iloc[0]), []):
        values = mentions[column].dropna() if column in mentions else pd.Series(dtype=object)
        if len(values):
            counts = values.value_counts()
            return f"strong\x1f{label}\x1f{sorted(counts[counts == counts.max()].index)[0]}"
    return str(mentions["mention_id"].min())


def expected_ids(mentions: pd.DataFrame, key: str | None = None) -> dict[str, str]:
    """entity_id -> the id its anchor gives under ``key`` (mentions with ``entity_id``)."""
    return {e: fresh_id(str(g["entity_type"].iloc[0]), anchor(g), key) for e, g in mentions.groupby("entity_id")}
