"""Normalizers: one small module per kind of value, each a pure ``str | None`` function.

Every scalar normalizer returns ``None`` for empty input (``None``, ``""``, blanks, NaN), the
normalized value otherwise, and raises ``NormalizationError`` (with a human-readable reason)
for a present value it cannot parse. ``apply_unique`` runs one over a pandas column.
"""
from __future__ import annotations

from linkgraph.normalize.address import normalize_address, normalize_city, normalize_postcode
from linkgraph.normalize.company import (
    legal_form, legal_form_family, normalize_company_name, normalize_siren, normalize_siret, siren_of_siret,
)
from linkgraph.normalize.dates import (
    parse_date, parse_datetime, parse_dob, parse_past_date, parse_past_datetime, swap_day_month,
)
from linkgraph.normalize.errors import NormalizationError
from linkgraph.normalize.identifiers import normalize_container, normalize_id_number, normalize_imei, normalize_sex
from linkgraph.normalize.names import PARTICLES, name_key, normalize_name, phonetic_key, split_full_name
from linkgraph.normalize.phones import normalize_phone, phone_country
from linkgraph.normalize.plates import normalize_plate, plate_kind, plate_ocr_key
from linkgraph.normalize.text import as_text, fold
from linkgraph.normalize.vectorize import apply_unique
from linkgraph.normalize.vin import normalize_vin, vin_check_digit_ok

__all__ = [
    "NormalizationError", "PARTICLES", "apply_unique", "as_text", "fold", "legal_form", "legal_form_family", "name_key",
    "normalize_address", "normalize_city", "normalize_company_name", "normalize_container",
    "normalize_id_number", "normalize_imei", "normalize_name", "normalize_phone", "normalize_plate",
    "normalize_postcode", "normalize_sex", "normalize_siren", "normalize_siret", "normalize_vin",
    "parse_date", "parse_datetime", "parse_dob", "parse_past_date", "parse_past_datetime", "phone_country", "phonetic_key", "plate_kind", "plate_ocr_key",
    "siren_of_siret", "split_full_name", "swap_day_month", "vin_check_digit_ok",
]
