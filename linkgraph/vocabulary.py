"""The shared vocabulary: entity types, their fields, relation types, classification levels."""
from __future__ import annotations

ENTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "person": (
        "full_name", "first_name", "last_name", "dob", "birthplace", "address", "postcode",
        "city", "sex", "alias", "id_number", "nationality",
    ),
    "vehicle": ("plate", "vin", "make", "model", "colour"),
    "phone": ("number", "imei"),
    "company": ("name", "siren", "siret", "address", "postcode", "city"),
    "container": ("number",),
    "place": ("code", "name", "address", "postcode", "city"),
}
ENTITY_TYPES: tuple[str, ...] = tuple(ENTITY_FIELDS)

#: Entity id prefixes (stable ids look like ``P-3f9a1c2b7d``).
ID_PREFIX: dict[str, str] = {
    "person": "P", "vehicle": "V", "phone": "T", "company": "C", "container": "K", "place": "L",
}

RELATION_TYPES: tuple[str, ...] = (
    "called", "texted", "uses", "drives", "owns", "directs", "employs", "co_arrested",
    "seized_with", "seen_at", "located_at", "lives_at", "mentioned_with", "associated_with",
)

CLASSIFICATIONS: tuple[str, ...] = ("public", "restricted", "confidential", "secret")

DATE_FIELDS = frozenset({"dob"})
