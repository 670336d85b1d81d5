"""Propose a source mapping for a new file from its header and a sample of its values.

``propose_mapping(path)`` sniffs the format (CSV, JSON, JSON lines, XLSX), the encoding (the
readers' ``auto`` rules), the delimiter (the candidate splitting the first lines into the
same number of fields) and the date formats, then reads the column names in French or English
(``nom``, ``prénom``, ``date_naissance``/``ddn``, ``téléphone``/``portable``, ``immatriculation``,
``siren``, ``raison_sociale``... and prefixed groups such as ``dirigeant1_nom``) and checks them
against sample values. Columns it cannot place are kept as row attributes and listed in the
notes, with the guesses a human should check.

>>> from linkgraph.sources.propose import column_key
>>> column_key("NOM Prénom"), column_key("Date de naissance")
('nom_prenom', 'date_de_naissance')
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from linkgraph.errors import LinkgraphError, SourceError
from linkgraph.normalize import NormalizationError, fold, normalize_phone, normalize_plate, parse_date
from linkgraph.sources.csv_reader import read_delimited
from linkgraph.sources.encoding import decode, read_input
from linkgraph.sources.mapping import SourceMapping, parse_mapping

#: normalized column name -> (entity type, field); ``date`` and ``record_id`` are row keys.
SYNONYMS: dict[str, tuple[str, str]] = {}
for _type, _field, _names in [
    ("person", "full_name", "nom_prenom nom_prenoms nom_et_prenom prenom_nom identite nom_complet full_name fullname "
                            "person_name"),
    ("person", "last_name", "nom nom_famille nom_de_famille nom_naissance nom_usage last_name lastname surname "
                            "family_name"),
    ("person", "first_name", "prenom prenoms first_name firstname given_name forename"),
    ("person", "dob", "date_naissance date_de_naissance ddn naissance ne_le dob date_of_birth birth_date birthdate"),
    ("person", "birthplace", "lieu_naissance lieu_de_naissance commune_naissance ville_naissance birthplace "
                             "place_of_birth"),
    ("person", "address", "adresse adresse_domicile domicile address street rue"),
    ("person", "postcode", "code_postal cp postcode post_code postal_code zip zipcode"),
    ("person", "city", "ville commune localite city town"),
    ("person", "sex", "sexe sex genre gender"),
    ("person", "alias", "surnom alias pseudo sobriquet nickname aka"),
    ("person", "id_number", "numero_piece piece_identite num_piece cni passeport passport id_number titre_sejour"),
    ("person", "nationality", "nationalite nationality"),
    ("phone", "number", "telephone tel tel_portable portable mobile gsm phone phone_number numero_telephone "
                        "num_tel numero_tel ligne msisdn appelant appele"),
    ("phone", "imei", "imei"),
    ("vehicle", "plate", "immatriculation immat plaque plaque_immatriculation plaque_lue plate license_plate "
                         "licence_plate registration"),
    ("vehicle", "vin", "vin numero_serie vin_number"),
    ("vehicle", "make", "marque make brand"),
    ("vehicle", "model", "modele model"),
    ("vehicle", "colour", "couleur colour color"),
    ("company", "name", "raison_sociale denomination societe entreprise company company_name enseigne"),
    ("company", "siren", "siren"),
    ("company", "siret", "siret"),
    ("container", "number", "conteneur container numero_conteneur container_number"),
    ("", "date", "date date_faits date_fait date_des_faits date_infraction date_intervention date_signalement "
                 "date_saisie date_controle date_evenement date_creation horodatage timestamp debut datetime"),
    ("", "record_id", "num_procedure numero_procedure n_procedure procedure num_pv numero_pv pv ref reference "
                      "identifiant id record_id num_main_courante numero_dossier num_dossier dossier"),
]:
    for _name in _names.split():
        SYNONYMS[_name] = (_type, _field)

#: Relations proposed between the mentions of one row (from type, to type) -> relation type.
RELATIONS = {("person", "phone"): "uses", ("person", "vehicle"): "drives", ("person", "company"): "directs",
             ("company", "phone"): "uses", ("company", "vehicle"): "associated_with",
             ("person", "container"): "seized_with", ("company", "container"): "seized_with"}
_DEFAULT_SLOT = {"person": "person", "phone": "phone", "vehicle": "vehicle", "company": "company",
                 "container": "container"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_FR_DATETIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")
_SLASH_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")


def column_key(name: str) -> str:
    """A column name folded to lower-case ASCII words joined by ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", (fold(str(name)) or "").lower()).strip("_")


@dataclass
class Proposal:
    """A proposed mapping document and what a human should check."""

    document: dict
    notes: list[str] = field(default_factory=list)
    mapping: SourceMapping | None = None


def _sniff_format(path: Path, data: bytes) -> str:
    if path.suffix.lower() in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"[":
        return "json"
    if head[:1] == b"{":
        return "jsonl"
    return "csv"


def sniff_delimiter(text: str) -> str:
    """The candidate (``; , TAB |``) splitting the first lines into the most, equal, fields."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    best, best_score = ",", (0, 0)
    for cand in (";", ",", "\t", "|"):
        counts = [ln.count(cand) for ln in lines]
        if not counts or counts[0] == 0:
            continue
        same = sum(c == counts[0] for c in counts)
        score = (same, counts[0])
        if score > best_score:
            best, best_score = cand, score
    return best


def _values(frame: pd.DataFrame, col: str, n: int = 500) -> list[str]:
    s = frame[col].astype(str).str.strip()
    return s[s != ""].head(n).tolist()


def _share(values: list[str], func) -> float:
    if not values:
        return 0.0
    ok = 0
    for v in values:
        try:
            ok += func(v) is not None
        except NormalizationError:
            pass
    return ok / len(values)


def _date_spec(frame: pd.DataFrame, col: str) -> dict:
    """``{column, format}`` when every value has one ISO or timestamp form, else ``{column, dayfirst}``."""
    s = frame[col].astype(str).str.strip()
    s = s[s != ""]
    for pattern, fmt in ((_ISO_DATE, "%Y-%m-%d"), (_ISO_DATETIME, "%Y-%m-%dT%H:%M:%S"),
                         (_FR_DATETIME, "%d/%m/%Y %H:%M:%S")):
        if len(s) and s.str.fullmatch(pattern.pattern).all():
            return {"column": col, "format": fmt}
    parts = s.str.extract(_SLASH_DATE.pattern).dropna().astype(int)
    dayfirst = not (len(parts) and (parts[1] > 12).any() and not (parts[0] > 12).any())
    return {"column": col, "dayfirst": dayfirst}


def _place(key: str) -> tuple[str, str, str] | None:
    """``(entity type, field, group)`` of a column key: exact synonym, or ``group_synonym``/``synonym_group``."""
    if key in SYNONYMS:
        return (*SYNONYMS[key], "")
    words = key.split("_")
    for i in range(1, len(words)):
        head, tail = "_".join(words[:i]), "_".join(words[i:])
        if tail in SYNONYMS and SYNONYMS[tail][0]:
            return (*SYNONYMS[tail], head)
        if head in SYNONYMS and SYNONYMS[head][0] and SYNONYMS[head][0] != "person":
            return (*SYNONYMS[head], tail)
    return None


def _by_values(values: list[str]) -> tuple[str, str] | None:
    if len(values) < 3:
        return None
    if _share(values, lambda v: normalize_plate(v) if re.search(r"[A-Za-z].*\d|\d.*[A-Za-z]", v) else None) > 0.9 \
            and all(re.fullmatch(r"[A-Za-z]{2}[- ]?\d{3}[- ]?[A-Za-z]{2}", v) for v in values[:50]):
        return ("vehicle", "plate")
    if _share(values, lambda v: normalize_phone(v) if sum(ch.isdigit() for ch in v) >= 9 else None) > 0.9:
        return ("phone", "number")
    return None


def _read_xlsx(path: Path, data: bytes, sheet: str | int | None, notes: list[str]) -> tuple[dict, pd.DataFrame]:
    """The given sheet, else the sheet with the most cells (named in the notes)."""
    from linkgraph.sources.xlsx_reader import read_xlsx

    def probe(which):
        return parse_mapping({"source": "probe", "agency": "probe", "classification": "public", "format": "xlsx",
                              "sheet": which, "mentions": {"x": {"type": "place", "fields": {"name": "x"}}}},
                             str(path))

    if sheet is not None:
        return {"format": "xlsx", "sheet": sheet}, read_xlsx(data, probe(sheet), str(path))
    try:
        names = CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names
    except Exception as exc:  # calamine raises its own types for a file that is not a workbook
        raise SourceError(str(path), f"cannot read the workbook: {type(exc).__name__}: {exc}") from None
    best: tuple[int, str, pd.DataFrame] | None = None
    for name in names:
        try:
            frame = read_xlsx(data, probe(name), str(path))
        except LinkgraphError:
            continue
        size = frame.shape[0] * frame.shape[1]
        if best is None or size > best[0]:
            best = (size, name, frame)
    if best is None:
        raise LinkgraphError(f"{path}: no sheet with a header and rows")
    if len(names) > 1:
        notes.append(f"sheet {best[1]!r} chosen (the most cells) among {', '.join(map(repr, names))}")
    return {"format": "xlsx", "sheet": best[1]}, best[2]


def _read_sample(path: Path, sheet: str | int | None, notes: list[str]) -> tuple[dict, pd.DataFrame]:
    data = read_input(path)
    fmt = _sniff_format(path, data)
    doc: dict = {"format": fmt}
    if fmt == "xlsx":
        return _read_xlsx(path, data, sheet, notes)
    text, encoding = decode(data, "auto", str(path))
    doc["encoding"] = {"utf-8-sig": "auto", "utf-16": "auto"}.get(encoding, encoding)
    if fmt == "csv":
        doc["delimiter"] = sniff_delimiter(text)
        return doc, read_delimited(text, doc["delimiter"], str(path))
    from linkgraph.sources.readers import json_frame
    return doc, json_frame(text, fmt, str(path))


def propose_mapping(path: str | Path, source: str | None = None, agency: str | None = None,
                    classification: str = "restricted", sheet: str | int | None = None) -> Proposal:
    """A mapping for ``path`` (module docstring); raises LinkgraphError when no entity is found."""
    path = Path(path)
    source = source or column_key(path.stem) or "new_source"
    doc: dict = {"source": source, "agency": agency or source.split("_")[0], "classification": classification}
    notes: list[str] = []
    read, frame = _read_sample(path, sheet, notes)
    doc.update(read)
    if agency is None:
        notes.append(f"agency '{doc['agency']}' and classification '{classification}' are guesses: set them")
    names = [str(c) for c in frame.columns]
    # a JSON object that is sometimes null gives a column of its own beside its keys: skip it
    columns = [c for c in frame.columns if not str(c).startswith("_reject")
               and not any(n.startswith(f"{c}.") for n in names)]
    mentions: dict[str, dict] = {}
    slot_types: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for col in columns:
        key = column_key(col)
        values = _values(frame, col)
        placed = _place(key)
        if placed is None:
            guess = _by_values(values)
            if guess:
                placed = (*guess, key)
                notes.append(f"column {col!r}: read as {guess[0]} {guess[1]} from its values (name not known)")
        if placed is None or (placed[0] == "" and placed[1] in doc):
            if values or placed is not None:
                attributes[key or f"column_{len(attributes)}"] = col
                notes.append(f"column {col!r}: not recognised, kept as attribute {key!r}")
            continue
        etype, fname, group = placed
        if etype == "":
            doc[fname] = _date_spec(frame, col) if fname == "date" else col
            continue
        spec: object = col
        if fname == "dob":
            spec = _date_spec(frame, col)
            bad = 1 - _share(values, lambda v: parse_date(v, spec.get("dayfirst", True), spec.get("format")))
            if values and bad > 0.05:
                notes.append(f"column {col!r}: {bad:.0%} of sample values are not dates")
        elif fname == "full_name":
            spec = {"column": col, "order": "auto"}
        elif (etype, fname) == ("phone", "number"):
            spec = {"column": col, "region": "FR"}
        slot = group or _DEFAULT_SLOT.get(etype, etype)
        slot = re.sub(r"[^A-Za-z0-9_-]", "_", slot)
        base, k = slot, 2
        while slot in mentions and (slot_types[slot] != etype or fname in mentions[slot]["fields"]):
            slot, k = f"{base}{k}", k + 1
        mentions.setdefault(slot, {"type": etype, "fields": {}})["fields"][fname] = spec
        slot_types[slot] = etype
    for slot, m in mentions.items():
        if m["type"] == "person" and "full_name" in m["fields"] and {"first_name", "last_name"} & set(m["fields"]):
            m["fields"].pop("full_name")
    if not mentions:
        raise LinkgraphError(f"{path}: no column could be read as a person, phone, vehicle, company or container "
                             f"(columns: {', '.join(map(str, columns))}): write the mapping by hand")
    if attributes:
        doc["attributes"] = attributes
    doc["file"] = str(path)
    doc["mentions"] = mentions
    relations = []
    slots = list(mentions)
    for i, a in enumerate(slots):
        for j, b in enumerate(slots):
            pair = (mentions[a]["type"], mentions[b]["type"])
            rel = RELATIONS.get(pair) or ("called" if pair == ("phone", "phone") and i < j else None)
            if rel and a != b and not (pair == ("phone", "phone") and any(t == "person" for t in slot_types.values())):
                relations.append({"type": rel, "from": a, "to": b})
    if relations:
        doc["relations"] = relations
    for key in ("date", "record_id"):
        if key not in doc:
            notes.append(f"no column recognised as {'the date of the facts' if key == 'date' else 'the record id'}"
                         f" ({key}:)")
    return Proposal(doc, notes, parse_mapping(doc, "<proposed mapping>"))
