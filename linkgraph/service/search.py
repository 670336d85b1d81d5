"""Find entities by name, plate, phone number, SIREN or other identifier.

Identifiers typed by an analyst are normalized first (``06 12 34 56 78`` → ``+33612345678``,
``ab123cd`` → ``AB-123-CD``, a SIRET → its SIREN) and looked up exactly; then the query,
folded (lower case, no accents, no punctuation), is compared with rapidfuzz to the folded
names and identifiers of every mention and entity label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from linkgraph.normalize import (
    NormalizationError, as_text, fold, normalize_container, normalize_phone, normalize_plate, normalize_siren,
    normalize_siret, normalize_vin, siren_of_siret,
)

KINDS = ("auto", "name", "phone", "plate", "siren")
#: Identifier columns looked up exactly, by kind of query that may name them.
IDENTIFIERS = {"phone": ["number"], "plate": ["plate"], "siren": ["siren"], "siret": ["siret"], "vin": ["vin"],
               "imei": ["imei"], "id_number": ["id_number"], "container": ["number"], "code": ["code"]}
_DIGITS = re.compile(r"\D+")


def _fold(value) -> str | None:
    text = as_text(value) if not isinstance(value, str) else value
    return fold(text) if text else None


def _compact(value) -> str | None:
    text = _fold(value)
    return text.replace(" ", "") if text else None


@dataclass
class SearchIndex:
    """Folded texts (with the entities they belong to) and exact identifiers."""

    texts: list[str]                      # distinct folded texts
    text_kind: np.ndarray                 # "name" | "phone" | "plate" | "siren" | "other", per text
    owners: list[np.ndarray]              # entity ids per text
    exact: dict[tuple[str, str], set[str]]  # (column, normalized value) -> entity ids
    entities: pd.DataFrame                # entity table indexed by entity_id

    @classmethod
    def build(cls, result) -> "SearchIndex":
        m = result.mentions
        rows: list[pd.DataFrame] = []

        def add(kind: str, text: pd.Series, owner: pd.Series):
            frame = pd.DataFrame({"kind": kind, "text": text.to_numpy(dtype=object), "entity_id": owner.to_numpy()})
            rows.append(frame.dropna())

        def col(frame: pd.DataFrame, name: str) -> pd.Series:
            return frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)

        persons = m[m["entity_type"] == "person"]
        first, last = col(persons, "first_name"), col(persons, "last_name")
        add("name", (first.fillna("") + " " + last.fillna("")).map(_fold), persons["entity_id"])
        add("name", (last.fillna("") + " " + first.fillna("")).map(_fold), persons["entity_id"])
        add("name", col(persons, "alias").map(_fold), persons["entity_id"])
        for t, c in (("company", "name"), ("place", "name"), ("place", "code")):
            part = m[m["entity_type"] == t]
            add("name" if c == "name" else "other", col(part, c).map(_fold), part["entity_id"])
        phones = m[m["entity_type"] == "phone"]
        number = col(phones, "number")
        add("phone", number.map(lambda v: _DIGITS.sub("", v) if isinstance(v, str) else None), phones["entity_id"])
        add("phone", number.map(_national), phones["entity_id"])
        vehicles = m[m["entity_type"] == "vehicle"]
        add("plate", col(vehicles, "plate").map(_compact), vehicles["entity_id"])
        add("other", col(vehicles, "vin").map(_compact), vehicles["entity_id"])
        companies = m[m["entity_type"] == "company"]
        add("siren", col(companies, "siren"), companies["entity_id"])
        containers = m[m["entity_type"] == "container"]
        add("other", col(containers, "number").map(_compact), containers["entity_id"])
        ents = result.entities
        add("name", ents["label"].map(_fold), ents["entity_id"])

        table = pd.concat(rows, ignore_index=True)
        table = table[table["text"].str.len() > 0].drop_duplicates(["text", "entity_id", "kind"])
        grouped = table.groupby("text", sort=True)
        texts = list(grouped.groups.keys())
        owners = [np.unique(g.to_numpy()) for _, g in grouped["entity_id"]]
        kind = grouped["kind"].agg(lambda s: "name" if "name" in set(s) else s.iloc[0]).reindex(texts).to_numpy()

        exact: dict[tuple[str, str], set[str]] = {}
        for column_kind, columns in IDENTIFIERS.items():
            etype = {"phone": "phone", "imei": "phone", "plate": "vehicle", "vin": "vehicle", "siren": "company",
                     "siret": "company", "id_number": "person", "container": "container", "code": "place"}[column_kind]
            part = m[m["entity_type"] == etype]
            for c in columns:
                if c not in part:
                    continue
                pairs = part[[c, "entity_id"]].dropna().drop_duplicates()
                for value, eid in zip(pairs[c].astype(str), pairs["entity_id"]):
                    exact.setdefault((column_kind, value), set()).add(eid)
        return cls(texts, kind, owners, exact, ents.set_index("entity_id", drop=False))

    def _exact_hits(self, q: str, kind: str) -> list[tuple[str, str, str]]:
        """(entity_id, matched value, how) for every identifier the query normalizes to."""
        tries: list[tuple[str, str | None]] = []

        def attempt(what: str, fn):
            try:
                tries.append((what, fn(q)))
            except (NormalizationError, ValueError, TypeError):
                pass

        digits = _DIGITS.sub("", q)
        if kind in ("auto", "phone") and len(digits) >= 6:
            attempt("phone", normalize_phone)
            if kind == "phone" and digits != q:
                attempt("imei", lambda _: digits if len(digits) in (14, 15) else None)
        if kind in ("auto", "plate"):
            attempt("plate", normalize_plate)
        if kind in ("auto", "siren"):
            if len(digits) == 9:
                attempt("siren", normalize_siren)
            elif len(digits) == 14:
                attempt("siret", normalize_siret)
                attempt("siren", lambda s: siren_of_siret(normalize_siret(s)))
        if kind == "auto":
            attempt("vin", normalize_vin)
            attempt("container", normalize_container)
            attempt("code", lambda s: s.strip())
            attempt("id_number", lambda s: re.sub(r"[^A-Z0-9]", "", s.upper()) or None)
        hits = []
        for what, value in tries:
            if value:
                for eid in sorted(self.exact.get((what, value), ())):
                    hits.append((eid, value, f"{what} (exact)"))
        return hits

    def search(self, query: str, *, kind: str = "auto", entity_type: str | None = None, limit: int = 20,
               cutoff: float = 70.0) -> list[dict]:
        """Best entities for ``query``: exact identifier hits first, then fuzzy matches (score 0–100)."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        q = as_text(query)
        if not q:
            raise ValueError("the query is empty")
        best: dict[str, tuple[float, str, str]] = {}
        for eid, value, how in self._exact_hits(q, kind):
            best.setdefault(eid, (100.0, value, how))
        folded = fold(q) or ""
        if len(folded) >= 2:
            wanted = {"auto": None, "name": {"name"}, "phone": {"phone"}, "plate": {"plate"}, "siren": {"siren"}}[kind]
            probe = folded
            if kind == "phone":
                probe = _DIGITS.sub("", q)
            elif kind in ("plate",):
                probe = folded.replace(" ", "")
            choices = self.texts if wanted is None else None
            if wanted is not None:
                keep = np.flatnonzero(np.isin(self.text_kind, list(wanted)))
                choices = {int(k): self.texts[k] for k in keep}
            if probe:
                found = process.extract(probe, choices, scorer=fuzz.WRatio, score_cutoff=cutoff,
                                        limit=None if entity_type else max(limit * 10, 100))
                for text, sc, key in found:
                    for eid in self.owners[int(key)]:
                        if eid not in best or best[eid][0] < sc:
                            best[eid] = (float(sc), text, "fuzzy")
        out = []
        for eid, (sc, matched, how) in best.items():
            if eid not in self.entities.index:
                continue
            row = self.entities.loc[eid]
            if entity_type and row["entity_type"] != entity_type:
                continue
            out.append({"entity_id": eid, "entity_type": row["entity_type"], "label": str(row["label"]),
                        "score": round(sc, 1), "matched": matched, "match": how,
                        "mentions": int(row["mentions"]), "agencies": row["agencies"]})
        out.sort(key=lambda h: (-h["score"], h["match"] == "fuzzy", -h["mentions"], h["entity_id"]))
        return out[:limit]


def _national(e164) -> str | None:
    """``+33612345678`` → ``0612345678`` (French numbers only; others: None)."""
    if isinstance(e164, str) and e164.startswith("+33"):
        return "0" + e164[3:]
    return None
