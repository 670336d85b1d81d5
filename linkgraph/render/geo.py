"""Located entities: dealing points and places with coordinates, for the map (measure 5).

Coordinates come from the data where given (a source mapping's ``lat``/``lon`` attributes: the
reporting platform's rows, LAPI cameras or cell sites when their files carry them), else from an
offline geocoding of the place's address against a Base Adresse Nationale extract the user
supplies (the BAN CSV of a department, ``;``-separated, from adresse.data.gouv.fr), with the
precision stated:

* ``coordinates``: given by the source rows (median of the reports);
* ``address``: house number, street and postcode found in the BAN;
* ``street``: the street found but not the number (centre of the street's known numbers);
* ``commune``: only the postcode or commune found (centre of its addresses).

Repeated reports of one dealing point are merged: count, first and last seen, the last status
(``active``, ``moved``, ``dismantled``), every report with its record id.

>>> ban = BanIndex(pd.DataFrame({"numero": ["10", "12"], "rep": ["", ""], "nom_voie": ["Rue Pasteur"] * 2,
...     "code_postal": ["93200"] * 2, "nom_commune": ["Saint-Denis"] * 2, "lon": ["2.35", "2.36"], "lat": ["48.93", "48.94"]}))
>>> ban.geocode(["10 r. Pasteur", "14 rue pasteur", "3 place Nulle"], ["93200"] * 3, ["Saint-Denis"] * 3)[["precision"]].to_numpy().ravel().tolist()
['address', 'street', 'commune']
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["STATUS", "BanIndex", "dealing_points", "located_places"]

#: Report status (French, as the platform writes it) → status on the map.
STATUS = {"actif": "active", "active": "active", "déplacé": "moved", "deplace": "moved", "moved": "moved",
          "démantelé": "dismantled", "demantele": "dismantled", "dismantled": "dismantled"}
_ABBR = {"r": "rue", "bd": "boulevard", "bld": "boulevard", "av": "avenue", "ave": "avenue", "ch": "chemin",
         "chem": "chemin", "trav": "traverse", "all": "allee", "pl": "place", "imp": "impasse", "rte": "route",
         "q": "quai", "sq": "square", "crs": "cours"}


def _fold(text: Any) -> str:
    """Lower case, no accents, abbreviations of street kinds expanded, single spaces."""
    text = unicodedata.normalize("NFD", str(text or "")).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", text)
    return " ".join(_ABBR.get(w, w) for w in words)


def _split_number(address: str) -> tuple[str, str]:
    """(house number with its repetition index, street) of ``"12 bis rue X"``."""
    m = re.match(r"^\s*(\d+)\s*(bis|ter|quater|[a-d])?\b[\s,]*(.*)$", _fold(address))
    if not m:
        return "", _fold(address)
    return m.group(1) + (m.group(2) or ""), m.group(3)


class BanIndex:
    """A Base Adresse Nationale extract, indexed for offline geocoding (address, street, commune)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        f = frame.fillna("").astype(str)
        lat = pd.to_numeric(f["lat"], errors="coerce")
        lon = pd.to_numeric(f["lon"], errors="coerce")
        base = pd.DataFrame({"number": f["numero"].str.strip() + f.get("rep", "").str.strip().str.lower(),
                             "street": f["nom_voie"].map(_fold), "postcode": f["code_postal"].str.strip(),
                             "commune": f["nom_commune"].map(_fold), "lat": lat, "lon": lon}).dropna(subset=["lat", "lon"])
        self.addresses = base.drop_duplicates(["number", "street", "postcode"]).set_index(["number", "street", "postcode"])
        self.streets = base.groupby(["street", "postcode"])[["lat", "lon"]].mean()
        self.postcodes = base.groupby("postcode")[["lat", "lon"]].mean()
        self.communes = base.groupby("commune")[["lat", "lon"]].mean()
        self.size = len(base)

    @classmethod
    def read(cls, path: str | Path) -> "BanIndex":
        """Read a BAN CSV (``;``-separated, UTF-8, optionally gzipped)."""
        frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False,
                            usecols=lambda c: c in {"numero", "rep", "nom_voie", "code_postal", "nom_commune", "lon", "lat"})
        missing = {"numero", "nom_voie", "code_postal", "nom_commune", "lon", "lat"} - set(frame.columns)
        if missing:
            raise ValueError(f"{path}: not a Base Adresse Nationale CSV (missing column(s) {', '.join(sorted(missing))})")
        return cls(frame)

    def geocode(self, addresses, postcodes, communes) -> pd.DataFrame:
        """``lat, lon, precision`` (``address``/``street``/``commune``; None where nothing is found) for
        each address, postcode and commune given (distinct values looked up once, by joins)."""
        q = pd.DataFrame({"address": list(addresses), "postcode": [str(p or "").strip() for p in postcodes],
                          "commune": [_fold(c) for c in communes]})
        parts = q["address"].map(lambda a: _split_number(a) if a else ("", ""))
        q["number"], q["street"] = parts.str[0], parts.str[1]
        out = pd.DataFrame({"lat": np.nan, "lon": np.nan, "precision": None}, index=q.index)
        keys = pd.MultiIndex.from_arrays([q["number"], q["street"], q["postcode"]])
        hit = self.addresses.reindex(keys)
        found = hit["lat"].notna().to_numpy()
        out.loc[found, ["lat", "lon"]] = hit.loc[found, ["lat", "lon"]].to_numpy()
        out.loc[found, "precision"] = "address"
        street = self.streets.reindex(pd.MultiIndex.from_arrays([q["street"], q["postcode"]]))
        take = ~found & street["lat"].notna().to_numpy()
        out.loc[take, ["lat", "lon"]] = street.loc[take, ["lat", "lon"]].to_numpy()
        out.loc[take, "precision"] = "street"
        found |= take
        for table, column in ((self.postcodes, "postcode"), (self.communes, "commune")):
            town = table.reindex(q[column])
            take = ~found & town["lat"].notna().to_numpy()
            out.loc[take, ["lat", "lon"]] = town.loc[take, ["lat", "lon"]].to_numpy()
            out.loc[take, "precision"] = "commune"
            found |= take
        return out


def _attributes(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows' JSON attributes as columns (only rows that have some)."""
    texts = rows["attributes"].fillna("{}")
    return pd.DataFrame([json.loads(t) if t else {} for t in texts], index=rows.index)


def dealing_points(result: Any, ban: BanIndex | None = None, *, slot: str = "dealing_point") -> list[dict]:
    """The dealing points of a resolution (place entities mentioned in a ``slot`` of some source),
    their reports merged: ``id, label, lat, lon, precision, status, count, first_seen, last_seen,
    reports`` (date, record id, status, comment, position), ``linked`` (vehicles and people within
    two links, through vehicles and phones). Points that cannot be located keep ``lat``/``lon`` None."""
    men = result.mentions
    points = men[(men["slot"] == slot) & (men["entity_type"] == "place")]
    if points.empty:
        return []
    names = {}  # the point's name as the reports write it (raw "name" field), else the entity label
    for eid, raw in zip(points["entity_id"], points["raw"] if "raw" in points else [None] * len(points)):
        try:
            name = json.loads(raw).get("name") if isinstance(raw, str) else None
        except ValueError:
            name = None
        if name and str(name).strip():
            names[eid] = str(name).strip()
    points = points[["entity_id", "source", "row"]]
    rows = result.rows
    keyed = rows.assign(row=rows["row"].astype(int)).set_index(["source", "row"])
    sel = keyed.reindex(pd.MultiIndex.from_arrays([points["source"], points["row"].astype(int)]))
    attrs = _attributes(sel.reset_index())
    rep = pd.DataFrame({"entity_id": points["entity_id"].to_numpy(), "date": sel["date"].astype(str).to_numpy(),
                        "record_id": sel["record_id"].to_numpy()})
    for col in ("status", "comment", "address", "postcode", "city", "lat", "lon"):
        rep[col] = attrs[col].to_numpy() if col in attrs else None
    rep["lat"], rep["lon"] = pd.to_numeric(rep["lat"], errors="coerce"), pd.to_numeric(rep["lon"], errors="coerce")
    rep["state"] = rep["status"].map(lambda s: STATUS.get(_fold(s).replace(" ", ""), STATUS.get(str(s), None)))
    rep = rep.sort_values(["entity_id", "date"], kind="stable")
    labels = result.entities.set_index("entity_id")["label"]
    types = result.entities.set_index("entity_id")["entity_type"]
    rel = result.relations
    out = []
    for eid, group in rep.groupby("entity_id", sort=True):
        located = group.dropna(subset=["lat", "lon"])
        lat = lon = None
        precision = None
        if len(located):
            lat, lon, precision = float(located["lat"].median()), float(located["lon"].median()), "coordinates"
        elif ban is not None:
            last = group.iloc[-1]
            g = ban.geocode([last["address"] or ""], [last["postcode"] or ""], [last["city"] or ""]).iloc[0]
            if g["precision"]:
                lat, lon, precision = float(g["lat"]), float(g["lon"]), g["precision"]
        near = rel[(rel["from_entity"] == eid) | (rel["to_entity"] == eid)]
        first = set(near["from_entity"]) | set(near["to_entity"])
        first.discard(eid)
        second = rel[(rel["from_entity"].isin(first) | rel["to_entity"].isin(first))
                     & rel["type"].isin(["drives", "owns", "uses"])]
        linked = (first | set(second["from_entity"]) | set(second["to_entity"])) - {eid}
        linked = sorted(i for i in linked if types.get(i) in ("person", "vehicle", "phone"))
        out.append({
            "id": eid, "label": names.get(eid) or str(labels.get(eid, eid)), "code": str(labels.get(eid, eid)), "lat": lat, "lon": lon, "precision": precision,
            "status": group["state"].dropna().iloc[-1] if group["state"].notna().any() else None,
            "count": int(len(group)), "first_seen": str(group["date"].iloc[0]), "last_seen": str(group["date"].iloc[-1]),
            "reports": [{"date": str(r["date"]), "record_id": None if pd.isna(r["record_id"]) else str(r["record_id"]),
                         "status": r["state"], "comment": None if pd.isna(r["comment"]) else str(r["comment"]),
                         "lat": None if pd.isna(r["lat"]) else float(r["lat"]),
                         "lon": None if pd.isna(r["lon"]) else float(r["lon"])} for _, r in group.iterrows()],
            "linked": [{"id": i, "label": str(labels.get(i, i)), "type": str(types.get(i))} for i in linked[:50]],
            "linked_total": len(linked),
        })
    return out


def located_places(result: Any) -> list[dict]:
    """Places whose source rows carry coordinates (cameras, cell sites...), other than dealing
    points: ``id, label, lat, lon, count`` (median position of their rows)."""
    rows = result.rows
    if not len(rows):
        return []
    has = rows["attributes"].fillna("").str.contains('"lat"', regex=False)
    if not has.any():
        return []
    sub = rows[has]
    attrs = _attributes(sub)
    pos = pd.DataFrame({"source": sub["source"].to_numpy(), "row": sub["row"].astype(int).to_numpy(),
                        "lat": pd.to_numeric(attrs.get("lat"), errors="coerce").to_numpy(),
                        "lon": pd.to_numeric(attrs.get("lon"), errors="coerce").to_numpy()}).dropna()
    men = result.mentions
    places = men[(men["entity_type"] == "place") & (men["slot"] != "dealing_point")][["entity_id", "source", "row"]]
    places = places.assign(row=places["row"].astype(int)).merge(pos, on=["source", "row"])
    labels = result.entities.set_index("entity_id")["label"]
    agg = places.groupby("entity_id").agg(lat=("lat", "median"), lon=("lon", "median"), count=("row", "size"))
    return [{"id": i, "label": str(labels.get(i, i)), "lat": float(r["lat"]), "lon": float(r["lon"]),
             "count": int(r["count"])} for i, r in agg.iterrows()]
