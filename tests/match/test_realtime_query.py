"""Query records are normalized as an ingest normalizes a file: the few-record path (scalar
normalizers) gives the same columns as the vectorized one, and unreadable values are named."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from linkgraph.match.realtime import SMALL_QUERY, QueryError, normalize_query

REPO = Path(__file__).resolve().parents[2]
RENAME = {"nom": "last_name", "prenom": "first_name", "date_naissance": "dob", "commune_naissance": "birthplace",
          "adresse": "address", "code_postal": "postcode", "commune": "city", "telephone": "phone",
          "immatriculation": "plate"}


def _records() -> pd.DataFrame:
    g = pd.read_csv(REPO / "fixtures" / "data" / "gendarmerie.csv", dtype=str, keep_default_na=False)
    q = g.rename(columns=RENAME)[list(RENAME.values())]
    tricky = pd.DataFrame([
        {"last_name": "Çelik", "first_name": "François", "dob": "31/02/1990", "phone": "0012", "plate": "AB-12-CD",
         "address": "3 rue x 13001 marseille"},
        {"last_name": "de la Fontaine", "first_name": "Jean-Pierre", "dob": "1850-01-01", "siren": "732829320",
         "company": "Agx Open SARL", "siret": "73282932000074"},
        {"phone": "+262 692 12 34 56", "plate": "ab 568 rp"},
    ])
    return pd.concat([q, tricky], ignore_index=True)


def test_the_few_records_path_normalizes_as_the_file_path():
    records = _records()
    whole, errors = normalize_query(records)
    assert len(records) > SMALL_QUERY
    step = min(SMALL_QUERY, 5)
    for start in range(0, len(records), step):
        part, part_errors = normalize_query(records.iloc[start:start + step])
        for entity_type in set(part) | {t for t, f in whole.items() if f["q"].between(start, start + step - 1).any()}:
            ref = whole[entity_type]
            ref = ref[ref["q"].between(start, start + step - 1)].assign(q=lambda f: f["q"] - start)
            got = part.get(entity_type, pd.DataFrame(columns=["q"]))
            cols = sorted(set(ref.columns) | set(got.columns))
            # a column none of the few records fills is absent rather than empty: the same for matching
            ref = ref.reindex(columns=cols).astype(object).where(lambda f: f.notna(), None).reset_index(drop=True)
            got = got.reindex(columns=cols).astype(object).where(lambda f: f.notna(), None).reset_index(drop=True)
            assert got.to_dict("records") == ref.to_dict("records"), (entity_type, start)
        assert [(e["row"] + start, e["field"], e["reason"]) for e in part_errors] == \
            [(e["row"], e["field"], e["reason"]) for e in errors if start < e["row"] <= start + step]
    reasons = {(e["field"], e["reason"]) for e in errors}
    assert ("dob", "impossible date 31/02/1990") in reasons and any(f == "phone" for f, _ in reasons)


def test_a_phone_alone_asks_for_the_line_and_its_users():
    q, errors = normalize_query(pd.DataFrame([{"phone": "06 11 00 00 01"}]))
    assert errors == [] and set(q) == {"phone", "person"}
    assert q["phone"]["number"].tolist() == ["+33611000001"] and q["person"]["phone"].tolist() == ["+33611000001"]


def test_an_unknown_field_is_refused():
    with pytest.raises(QueryError, match="unknown field.*colour"):
        normalize_query(pd.DataFrame([{"colour": "red"}]))
