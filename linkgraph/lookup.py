"""Find mentions and entities the way users name them: exact ids, agency-style mention ids, names.

>>> import pandas as pd
>>> m = pd.DataFrame({"mention_id": ["police_procedures:12:suspect"], "source": ["police_procedures"],
...                   "agency": ["police"]})
>>> mention_id(m, "police:12:suspect")
'police_procedures:12:suspect'
"""
from __future__ import annotations

import pandas as pd
from unidecode import unidecode

from linkgraph.errors import UnknownId


def mention_id(mentions: pd.DataFrame, text: str) -> str:
    """The mention id ``text`` names: itself, or ``AGENCY:ROW:MENTION`` when one source of that
    agency has that mention (``police:12:suspect`` → ``police_procedures:12:suspect``)."""
    ids = mentions["mention_id"]
    text = str(text).strip()
    if (ids == text).any():
        return text
    parts = text.split(":")
    if len(parts) == 3:
        head, row, slot = parts
        sources = sorted(set(mentions.loc[mentions["agency"] == head, "source"])) if "agency" in mentions else []
        hits = [f"{s}:{row}:{slot}" for s in sources if (ids == f"{s}:{row}:{slot}").any()]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise UnknownId(f"{text!r} names several mentions ({', '.join(hits)}): give the full id")
    known = sorted(mentions["source"].unique()) if "source" in mentions and len(mentions) else []
    example = ids.iloc[0] if len(ids) else "SOURCE:ROW:MENTION"
    raise UnknownId(f"no mention {text!r} in this run: mention ids are SOURCE:ROW:MENTION (e.g. {example}); "
                    f"sources here: {', '.join(known) or 'none'}")


def _fold(text: str) -> str:
    return " ".join(unidecode(str(text)).lower().split())


def entity_id(entities: pd.DataFrame, text: str, *, limit: int = 10) -> str:
    """The entity ``text`` names: an entity id, or a label matched without case or accents (exactly,
    else as a substring) when one entity matches; otherwise an error listing the candidates."""
    text = str(text).strip()
    ids = entities["entity_id"].astype(str)
    if (ids == text).any():
        return text
    labels = entities["label"].astype(str).map(_fold) if "label" in entities else pd.Series([], dtype=str)
    wanted = _fold(text)
    for hit in (labels == wanted, labels.str.contains(wanted, regex=False)):
        found = entities[hit.to_numpy()] if len(labels) else entities.iloc[0:0]
        if len(found) == 1:
            return str(found["entity_id"].iloc[0])
        if len(found) > 1:
            shown = found.sort_values("mentions", ascending=False) if "mentions" in found else found
            lines = [f"{r.entity_id} {r.label} ({r.entity_type}, {getattr(r, 'mentions', '?')} mentions)"
                     for r in shown.head(limit).itertuples()]
            more = f" and {len(found) - limit} more" if len(found) > limit else ""
            raise UnknownId(f"{text!r} matches {len(found)} entities: " + "; ".join(lines) + more
                            + ". Give the entity id")
    raise UnknownId(f"no entity {text!r} in this run (give an entity id such as "
                    f"{ids.iloc[0] if len(ids) else 'P-…'} or a name)")
