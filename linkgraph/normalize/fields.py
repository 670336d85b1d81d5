"""Which normalizer each mapped field goes through, and which normalized columns it yields.

``normalize_field`` turns one raw column into one or more normalized columns (for example a
person's ``last_name`` yields ``last_name``, ``last_key`` and ``last_phon``), and an error
series naming why a present value could not be parsed.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from linkgraph.normalize import (
    fold, legal_form_family, name_key, normalize_address, normalize_city, normalize_company_name, normalize_container,
    normalize_id_number, normalize_imei, normalize_name, normalize_phone, normalize_plate,
    normalize_postcode, normalize_sex, normalize_siren, normalize_siret, normalize_vin, parse_dob,
    phonetic_key, plate_ocr_key,
)
from linkgraph.normalize.address import _address, _city
from linkgraph.normalize.names import phonetic_keys
from linkgraph.normalize.text import fold_many
from linkgraph.normalize.vectorize import apply_unique, spread


def _code(value: str | None) -> str | None:
    folded = fold(value)
    return folded.replace(" ", "").upper() if folded else None


#: (entity type, field) -> [(output column, function over the raw value)]; the first function
#: of each field decides whether the value is valid, the others derive from the raw value too.
def _person_name(prefix: str) -> list[tuple[str, Callable]]:
    return [(f"{prefix}_name", normalize_name), (f"{prefix}_key", name_key), (f"{prefix}_phon", phonetic_key)]


FIELD_OUTPUTS: dict[tuple[str, str], list[tuple[str, Callable]]] = {
    ("person", "first_name"): _person_name("first"),
    ("person", "last_name"): _person_name("last"),
    ("person", "birthplace"): [("birthplace", normalize_city)],
    ("person", "address"): [("address", normalize_address)],
    ("person", "postcode"): [("postcode", normalize_postcode)],
    ("person", "city"): [("city", normalize_city)],
    ("person", "sex"): [("sex", normalize_sex)],
    ("person", "alias"): [("alias", normalize_name)],
    ("person", "id_number"): [("id_number", normalize_id_number)],
    ("person", "nationality"): [("nationality", fold)],
    ("vehicle", "plate"): [("plate", normalize_plate), ("plate_key", plate_ocr_key)],
    ("vehicle", "vin"): [("vin", normalize_vin)],
    ("vehicle", "make"): [("make", fold)],
    ("vehicle", "model"): [("model", fold)],
    ("vehicle", "colour"): [("colour", fold)],
    ("phone", "number"): [("number", normalize_phone)],
    ("phone", "imei"): [("imei", normalize_imei)],
    ("company", "name"): [("name", normalize_company_name), ("legal_form", legal_form_family)],
    ("company", "siren"): [("siren", normalize_siren)],
    ("company", "siret"): [("siret", normalize_siret)],
    ("company", "address"): [("address", normalize_address)],
    ("company", "postcode"): [("postcode", normalize_postcode)],
    ("company", "city"): [("city", normalize_city)],
    ("container", "number"): [("number", normalize_container)],
    ("place", "code"): [("code", _code)],
    ("place", "name"): [("name", fold)],
    ("place", "address"): [("address", normalize_address)],
    ("place", "postcode"): [("postcode", normalize_postcode)],
    ("place", "city"): [("city", normalize_city)],
}


def normalize_field(entity_type: str, field: str, raw: pd.Series, **options) -> tuple[dict[str, pd.Series], pd.Series]:
    """Normalize one raw column: ``({output column: values}, error reasons)``.

    ``options`` carries the mapping's field options (``dayfirst``, ``format``, ``region``).
    """
    if field == "dob":
        values, errors = apply_unique(raw, parse_dob, dayfirst=options.get("dayfirst", True), fmt=options.get("format"))
        return {"dob": values}, errors
    if (entity_type, field) == ("phone", "number"):
        values, errors = apply_unique(raw, normalize_phone, region=options.get("region", "FR"))
        return {"number": values}, errors
    if entity_type == "person" and field in ("first_name", "last_name"):
        return _name_outputs(field.split("_")[0], raw)
    outputs = FIELD_OUTPUTS[(entity_type, field)]
    if len(outputs) == 1 and outputs[0][1] in _AFTER_FOLD:
        column, func = outputs[0]
        return {column: apply_unique(_folded(raw), _AFTER_FOLD[func])[0]}, _no_errors(raw)
    result: dict[str, pd.Series] = {}
    errors = None
    for column, func in outputs:
        values, errs = apply_unique(raw, func)
        result[column] = values
        errors = errs if errors is None else errors
    assert errors is not None
    return result, errors


def _per_distinct(series: pd.Series, many: Callable[[list], list]) -> pd.Series:
    """``many`` (a function of a list of values) over the distinct non-missing values of ``series``."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return pd.Series(spread(many(list(uniques)), codes), index=series.index, dtype=object)


def _folded(raw: pd.Series) -> pd.Series:
    """``fold`` of every cell, once per distinct value (``fold_many``)."""
    return _per_distinct(raw, fold_many)


def _no_errors(raw: pd.Series) -> pd.Series:
    return pd.Series(None, index=raw.index, dtype=object)


def _name_outputs(prefix: str, raw: pd.Series) -> tuple[dict[str, pd.Series], pd.Series]:
    """A person name's three columns (``FIELD_OUTPUTS``), each computed once per distinct value.

    ``normalize_name`` is ``fold`` (never raises); the key and the phonetic key are computed
    from the distinct folded names (``name_key`` of a folded name is that of the raw value,
    ``fold`` being idempotent; ``phonetic_key`` reads ``ç`` as ``s`` where ``fold`` gives ``c``,
    so those rows are folded again with ``ç`` replaced), the phonetic keys all at once
    (``phonetic_keys``).
    """
    folded = _folded(raw)
    key = _per_distinct(folded, lambda values: [v.replace(" ", "") for v in values])
    text = raw.astype(str)
    cedilla = text.str.contains("[çÇ]", regex=True).to_numpy(dtype=bool)
    pre = folded
    if cedilla.any():
        pre = folded.copy()
        pre[cedilla] = _folded(text[cedilla].str.replace("[çÇ]", "s", regex=True)).to_numpy()
    phon = _per_distinct(pre, phonetic_keys)
    return {f"{prefix}_name": folded, f"{prefix}_key": key, f"{prefix}_phon": phon}, _no_errors(raw)


#: Normalizers that are ``fold`` followed by a function of the folded text (neither raises):
#: the fold runs once over the distinct raw values, the rest once per distinct folded value.
_AFTER_FOLD: dict[Callable, Callable] = {normalize_address: _address, normalize_city: _city}


def derive_columns(entity_type: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns derived from other normalized columns (a SIRET's SIREN, a birth year)."""
    if entity_type == "company" and "siret" in frame:
        from_siret = frame["siret"].str[:9]
        frame["siren"] = frame["siren"].where(frame["siren"].notna(), from_siret) if "siren" in frame else from_siret
    if "address" in frame:
        frame = _split_address_tail(frame)
    if entity_type == "person" and "dob" in frame:
        frame["birth_year"] = frame["dob"].str[:4]
    if entity_type == "person" and "first_key" in frame and "last_key" in frame:
        frame["names_key"] = _unordered(frame["first_key"], frame["last_key"])
    if entity_type == "company" and "name" in frame:
        frame["name_key"] = _sorted_tokens(frame["name"])
        from linkgraph.match.keys_company import company_keys  # fuzzy blocking keys (issue 12)

        for col, values in company_keys(frame).items():
            frame[col] = values
    if entity_type == "vehicle" and "plate" in frame:
        valid = frame["plate"].astype("string").str.fullmatch(_VALID_FR_PLATE).fillna(False).astype(bool)
        frame["plate_valid"] = frame["plate"].where(valid, None)
    return frame


_TAIL = r"^(?P<street>.*?)\s+(?P<postcode>\d{5})\s+(?P<city>[a-z][a-z ]*)$"


def _split_address_tail(frame: pd.DataFrame) -> pd.DataFrame:
    """An address written on one line ("3 rue x 13001 marseille") gives its street part as the
    address, and its postcode and city where those columns are empty (normalized text)."""
    codes, uniques = pd.factorize(frame["address"], use_na_sentinel=True)  # once per distinct address
    distinct = pd.Series(uniques, dtype=object).astype("string").str.extract(_TAIL)
    missing = pd.DataFrame({c: [pd.NA] for c in distinct.columns}, dtype="string")
    parts = pd.concat([distinct, missing], ignore_index=True).iloc[np.where(codes < 0, len(uniques), codes)]
    parts.index = frame.index
    has = parts["street"].notna() & (parts["street"].str.len() > 0)
    if not has.any():
        return frame
    frame["address"] = frame["address"].where(~has, parts["street"].astype(object))
    for col in ("postcode", "city"):
        value = parts[col].astype(object).where(has, None)
        frame[col] = frame[col].where(frame[col].notna(), value) if col in frame else value
    return frame


# SIV "AB-123-CD" and FNI "123 ABC 75" as normalize_plate writes them
_VALID_FR_PLATE = r"[A-Z]{2}-\d{3}-[A-Z]{2}|\d{1,4} [A-Z]{1,3} (?:\d{2}|2A|2B|97\d)"


def _unordered(a: pd.Series, b: pd.Series) -> pd.Series:
    """The two values in alphabetical order, so that swapped first/last names block together."""
    both = a.notna() & b.notna()
    lo = a.where(a.astype(str) <= b.astype(str), b)
    hi = b.where(a.astype(str) <= b.astype(str), a)
    return (lo + " " + hi).where(both, None)


def _sorted_tokens(s: pd.Series) -> pd.Series:
    """Words sorted and joined without spaces: word order and spacing do not matter."""
    return apply_unique(s, lambda v: "".join(sorted(v.split())) or None)[0]
