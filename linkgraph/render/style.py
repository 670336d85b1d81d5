"""The one visual vocabulary of linkgraph: what an entity, an agency and a relation look like, in the
offline chart (:mod:`linkgraph.render.chart`), the explorer (its pages embed :func:`vocabulary`)
and the SVG export (:mod:`linkgraph.render.exports.svg`).

* **Entity types**: a colour and a pictogram each. The pictograms are the outline icons of Tabler
  Icons 3.35.0 (MIT licence, ``third_party/LICENSE-tabler-icons.txt``; npm ``@tabler/icons``): their
  SVG path data on a 24 x 24 grid, drawn in white on a disc of the type's colour (canvas ``Path2D``
  in the pages, ``<path>`` in the SVG, so no image URL is needed anywhere).
* **Agencies**: one colour each (known agencies fixed, others from a stable hash of the name).
* **Relations**: colour, dash pattern and arrow per relation type; *inferred* links (attributed
  lines, co-sightings) are always dashed, links stated by a file are solid — unless every row
  stating them is weakly graded (source reliability / information credibility, e.g. an anonymous
  tip F6: :mod:`linkgraph.sources.grading`), then they are dotted (:data:`WEAK_DASH`).
* **Labels**: :func:`edge_label` gives "called ×12 · 2021-03-02 → 2021-09-30".

>>> entity_style("phone")["icon"], entity_style("phone")["colour"]
('device-mobile', '#2f855a')
>>> entity_style("unknown kind")["name"]
'other'
>>> edge_label({"type": "called", "count": 12, "first_seen": "2021-03-02", "last_seen": "2021-09-30T10:00"})
'called ×12 · 2021-03-02 → 2021-09-30'
"""
from __future__ import annotations

import hashlib
from typing import Any

__all__ = [
    "AGENCY_COLOURS", "ENTITY_STYLES", "ICON_SOURCE", "RELATION_STYLES", "agency_colour", "edge_label",
    "edge_style", "entity_style", "icon_svg", "vocabulary",
]

ICON_SOURCE = "Tabler Icons 3.35.0 (npm @tabler/icons), MIT licence, (c) 2020-2025 Pawel Kuna"

#: type → (display name, colour, Tabler icon name, SVG path data on a 24 x 24 grid).
_ENTITY: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "person": ("person", "#2b6cb0", "user", (
        "M8 7a4 4 0 1 0 8 0a4 4 0 0 0 -8 0", "M6 21v-2a4 4 0 0 1 4 -4h4a4 4 0 0 1 4 4v2")),
    "phone": ("phone", "#2f855a", "device-mobile", (
        "M6 5a2 2 0 0 1 2 -2h8a2 2 0 0 1 2 2v14a2 2 0 0 1 -2 2h-8a2 2 0 0 1 -2 -2v-14z", "M11 4h2", "M12 17v.01")),
    "vehicle": ("vehicle", "#c05621", "car", (
        "M7 17m-2 0a2 2 0 1 0 4 0a2 2 0 1 0 -4 0", "M17 17m-2 0a2 2 0 1 0 4 0a2 2 0 1 0 -4 0",
        "M5 17h-2v-6l2 -5h9l4 5h1a2 2 0 0 1 2 2v4h-2m-4 0h-6m-6 -6h15m-6 0v-5")),
    "company": ("company", "#6b46c1", "building", (
        "M3 21l18 0", "M9 8l1 0", "M9 12l1 0", "M9 16l1 0", "M14 8l1 0", "M14 12l1 0", "M14 16l1 0",
        "M5 21v-16a2 2 0 0 1 2 -2h10a2 2 0 0 1 2 2v16")),
    "container": ("container", "#7b5b3a", "container", (
        "M20 4v.01", "M20 20v.01", "M20 16v.01", "M20 12v.01", "M20 8v.01",
        "M8 4m0 1a1 1 0 0 1 1 -1h6a1 1 0 0 1 1 1v14a1 1 0 0 1 -1 1h-6a1 1 0 0 1 -1 -1z",
        "M4 4v.01", "M4 20v.01", "M4 16v.01", "M4 12v.01", "M4 8v.01")),
    "place": ("place", "#0f766e", "map-pin", (
        "M9 11a3 3 0 1 0 6 0a3 3 0 0 0 -6 0",
        "M17.657 16.657l-4.243 4.243a2 2 0 0 1 -2.827 0l-4.244 -4.243a8 8 0 1 1 11.314 0z")),
    "dealing_point": ("dealing point", "#c53030", "pill", (
        "M4.5 12.5l8 -8a4.94 4.94 0 0 1 7 7l-8 8a4.94 4.94 0 0 1 -7 -7", "M8.5 8.5l7 7")),
    "camera": ("camera (LAPI)", "#0f766e", "camera", (
        "M5 7h1a2 2 0 0 0 2 -2a1 1 0 0 1 1 -1h6a1 1 0 0 1 1 1a2 2 0 0 0 2 2h1a2 2 0 0 1 2 2v9a2 2 0 0 1 -2 2h-14"
        "a2 2 0 0 1 -2 -2v-9a2 2 0 0 1 2 -2", "M9 13a3 3 0 1 0 6 0a3 3 0 0 0 -6 0")),
    "cell_site": ("cell site", "#0f766e", "antenna", (
        "M20 4v8", "M16 4.5v7", "M12 5v16", "M8 5.5v5", "M4 6v4", "M20 8h-16")),
    "other": ("other", "#718096", "circle-dot", (
        "M12 12m-1 0a1 1 0 1 0 2 0a1 1 0 1 0 -2 0", "M12 12m-9 0a9 9 0 1 0 18 0a9 9 0 1 0 -18 0")),
}
ENTITY_STYLES: dict[str, dict[str, Any]] = {
    k: {"name": name, "colour": colour, "icon": icon, "paths": list(paths)}
    for k, (name, colour, icon, paths) in _ENTITY.items()
}

#: Colours of the agencies of the fixtures' sources; any other agency gets :func:`agency_colour`'s hash colour.
AGENCY_COLOURS: dict[str, str] = {
    "police": "#1a365d", "gendarmerie": "#2c5282", "douane": "#276749", "police_municipale": "#4a5568",
    "bailleur": "#975a16", "lapi": "#553c9a", "registre": "#702459", "operateur": "#285e61",
    "plateforme": "#9b2c2c",
}
_HASH_PALETTE = ("#3182ce", "#38a169", "#d69e2e", "#805ad5", "#dd6b20", "#319795", "#d53f8c", "#718096")

#: Relation type → colour, dash pattern ([] = solid), directed. Inferred links get :data:`INFERRED_DASH`.
RELATION_STYLES: dict[str, dict[str, Any]] = {
    "called": {"colour": "#2f855a", "dash": [], "directed": True},
    "texted": {"colour": "#48bb78", "dash": [], "directed": True},
    "uses": {"colour": "#4a5568", "dash": [], "directed": True},
    "drives": {"colour": "#c05621", "dash": [], "directed": True},
    "owns": {"colour": "#c05621", "dash": [], "directed": True},
    "directs": {"colour": "#6b46c1", "dash": [], "directed": True},
    "employs": {"colour": "#6b46c1", "dash": [], "directed": True},
    "co_arrested": {"colour": "#c53030", "dash": [], "directed": False},
    "seized_with": {"colour": "#c53030", "dash": [], "directed": False},
    "seen_at": {"colour": "#0f766e", "dash": [], "directed": True},
    "located_at": {"colour": "#0f766e", "dash": [], "directed": True},
    "lives_at": {"colour": "#0f766e", "dash": [], "directed": True},
    "reported_at": {"colour": "#c53030", "dash": [], "directed": True},
    "mentioned_with": {"colour": "#718096", "dash": [2, 3], "directed": False},
    "associated_with": {"colour": "#718096", "dash": [2, 3], "directed": False},
    "seen_together": {"colour": "#553c9a", "dash": [8, 5], "directed": False, "inferred": True},
}
INFERRED_DASH = [8, 5]
#: Link strength: a link whose best report is weakly graded (under ``grading.STRONG_WEIGHT``) is dotted.
WEAK_DASH = [2, 5]
_OTHER_RELATION = {"colour": "#8a94a6", "dash": [], "directed": True}


def entity_style(kind: Any) -> dict[str, Any]:
    """Colour, icon name, icon paths and display name of an entity type (``other`` when unknown)."""
    return ENTITY_STYLES.get(str(kind), ENTITY_STYLES["other"])


def agency_colour(agency: Any) -> str:
    """The colour of an agency: fixed for the known ones, else a stable hash of its name."""
    name = str(agency or "")
    if name in AGENCY_COLOURS:
        return AGENCY_COLOURS[name]
    digest = hashlib.sha1(name.encode("utf-8")).digest()[0]
    return _HASH_PALETTE[digest % len(_HASH_PALETTE)]


def edge_style(kind: Any, inferred: bool = False, weak: bool = False) -> dict[str, Any]:
    """Colour, dash pattern and direction of a relation type; dashed whenever ``inferred``, dotted
    when ``weak`` (only weakly graded reports state it).

    >>> edge_style("uses")["dash"], edge_style("uses", weak=True)["dash"], edge_style("uses", True, True)["dash"]
    ([], [2, 5], [8, 5])
    """
    base = RELATION_STYLES.get(str(kind).split("~")[0], _OTHER_RELATION)
    out = dict(base)
    if inferred or "~inferred" in str(kind):
        out["dash"], out["inferred"] = list(INFERRED_DASH), True
    elif weak:
        out["dash"], out["weak"] = list(WEAK_DASH), True
    return out


def _day(value: Any) -> str:
    return "" if value is None else str(value)[:10]


def edge_label(edge: dict) -> str:
    """``type ×count · first → last`` (count when above 1; one date when both days are equal)."""
    text = str(edge.get("type") or "")
    count = edge.get("count")
    if isinstance(count, int | float) and count > 1:
        text += f" ×{int(count)}"
    first, last = _day(edge.get("first_seen")), _day(edge.get("last_seen"))
    if first or last:
        text += " · " + (first or last if not (first and last) or first == last else f"{first} → {last}")
    return text


def icon_svg(kind: Any, size: int = 24) -> str:
    """A standalone SVG of the type's pictogram: white outline icon on a disc of the type's colour."""
    style = entity_style(kind)
    paths = "".join(f'<path d="{d}"/>' for d in style["paths"])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="-4 -4 32 32">'
            f'<circle cx="12" cy="12" r="15.5" fill="{style["colour"]}"/>'
            f'<g fill="none" stroke="#ffffff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
            f"{paths}</g></svg>")


def vocabulary(agencies: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The vocabulary as JSON-ready data for the pages' scripts: ``entities``, ``relations``,
    ``inferred_dash``, ``weak_dash``, ``agencies`` (the known ones and ``agencies``), ``icon_source``."""
    colours = dict(AGENCY_COLOURS)
    for a in agencies:
        colours.setdefault(str(a), agency_colour(a))
    return {"entities": ENTITY_STYLES, "relations": RELATION_STYLES, "other_relation": _OTHER_RELATION,
            "inferred_dash": INFERRED_DASH, "weak_dash": WEAK_DASH, "agencies": colours, "icon_source": ICON_SOURCE}
