"""Helpers for the graph tests: mention-level relation rows as Resolution.relations has them."""
from __future__ import annotations

from collections.abc import Callable

import pytest


def make_relation(frm: str, to: str, type_: str, source: str = "police", row: int = 1, agency: str = "police",
                  date: str | None = None, classification: str = "restricted", **attrs) -> dict:
    return {"from_mention": f"{source}:{row}:a", "to_mention": f"{source}:{row}:b", "from_entity": frm,
            "to_entity": to, "source": source, "agency": agency, "classification": classification,
            "file": f"{source}.csv", "row": row, "date": date, "type": type_, "from_slot": "a", "to_slot": "b", **attrs}


@pytest.fixture
def rel() -> Callable[..., dict]:
    """``rel(from, to, type, source, row, agency=..., date=..., **attributes)`` → one relation row."""
    return make_relation
