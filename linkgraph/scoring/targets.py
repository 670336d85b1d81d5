"""Resolve a list of candidate targets (names, dates of birth, plates, phones, entity ids) to entities."""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.match.blocking import candidate_pairs
from linkgraph.match.compare import Columns
from linkgraph.match.model import score as score_pairs
from linkgraph.match.pipeline import Resolution
from linkgraph.normalize import NormalizationError, normalize_phone, normalize_plate
from linkgraph.normalize.fields import derive_columns, normalize_field

TARGET_COLUMNS = ("entity_id", "full_name", "first_name", "last_name", "dob", "phone", "plate")


def _people_using(result: Resolution, asset_ids: set[str], relation: str) -> list[str]:
    rel = result.relations
    if rel.empty:
        return []
    hit = rel[(rel["type"] == relation) & rel["to_entity"].isin(asset_ids)]
    return sorted(set(hit["from_entity"]) & set(result.entities.loc[result.entities["entity_type"] == "person", "entity_id"]))


def _person_by_name(result: Resolution, line: pd.Series) -> tuple[list[str], float | None]:
    """Best person entity for a name (and date of birth), by the trained person model."""
    if "person" not in result.tables:
        return [], None
    table, res = result.tables["person"]
    settings = res.settings
    raw = {}
    if isinstance(line.get("full_name"), str) and line.get("full_name").strip():
        from linkgraph.normalize.names import split_full_name
        raw["first_name"], raw["last_name"] = split_full_name(line["full_name"])
    for col in ("first_name", "last_name", "dob"):
        if isinstance(line.get(col), str) and line.get(col).strip():
            raw[col] = line[col]
    if not raw or not settings.trained:
        return [], None
    probe = pd.DataFrame(index=[0])
    for field, value in raw.items():
        out, errors = normalize_field("person", field, pd.Series([value or ""]))
        if errors.notna().any():
            raise NormalizationError(str(errors.iloc[0]))
        for col, values in out.items():
            probe[col] = values.to_numpy()
    probe = derive_columns("person", probe)
    probe["mention_id"] = "target"
    both = pd.concat([table, probe], ignore_index=True)
    i, j = candidate_pairs(both, settings.blocking)
    last = len(both) - 1
    sel = (j == last) | (i == last)
    i, j = i[sel], j[sel]
    if len(i) == 0:
        return [], None
    scored = score_pairs(settings, both, i, j, Columns(both))
    other = np.where(i == last, j, i)
    best = int(np.argmax(scored.probability))
    if scored.probability[best] < settings.threshold:
        return [], float(scored.probability[best])
    mention = table["mention_id"].iloc[other[best]]
    return [result.entity_of(mention)], float(scored.probability[best])


def resolve_targets(result: Resolution, targets: pd.DataFrame) -> pd.DataFrame:
    """One row per target line: the entities it resolves to (``;``-joined) and how, or why not."""
    if not set(targets.columns) & set(TARGET_COLUMNS):
        raise ValueError(f"targets need at least one of the columns {', '.join(TARGET_COLUMNS)}")
    known_ids = set(result.entities["entity_id"])
    ents = result.entities.set_index("entity_id")
    rows = []
    for k, line in targets.reset_index(drop=True).iterrows():  # a target list is short: a loop is fine
        found: list[str] = []
        how, note = "", ""
        try:
            if isinstance(line.get("entity_id"), str) and line["entity_id"].strip():
                eid = line["entity_id"].strip()
                found, how = ([eid], "entity_id") if eid in known_ids else ([], "entity_id")
                note = "" if found else "unknown entity id"
            elif isinstance(line.get("phone"), str) and line["phone"].strip():
                number = normalize_phone(line["phone"])
                phones = set(ents.index[(ents["entity_type"] == "phone") & (ents.get("number") == number)])
                found = _people_using(result, phones, "uses") or sorted(phones)
                how, note = "phone", "" if found else f"no phone {number}"
            elif isinstance(line.get("plate"), str) and line["plate"].strip():
                plate = normalize_plate(line["plate"])
                vehicles = set(ents.index[(ents["entity_type"] == "vehicle") & (ents.get("plate") == plate)])
                found = _people_using(result, vehicles, "drives")
                how, note = "plate", "" if found else f"no driver known for {plate}"
            else:
                found, prob = _person_by_name(result, line)
                how = "name"
                note = f"match probability {prob:.3f}" if prob is not None else "no candidate"
        except NormalizationError as exc:
            note = f"unreadable value: {exc}"
        rows.append({"line": k + 1, "entities": ";".join(found), "resolved_by": how,
                     "status": "resolved" if found else "unresolved", "note": note})
    return pd.DataFrame(rows)
