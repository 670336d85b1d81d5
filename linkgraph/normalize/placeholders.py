"""Placeholder identifier values: a SIRET of zeros, "0000000000", a switchboard number.

Such a value is written when the real one was unknown, and shared by unrelated mentions it
would merge them (three people directing "one" company). The stop-list of ``rules/placeholders.yaml``
names them per ``type.field`` (literal values and regular expressions, over the raw value
upper-cased with every character other than a letter or a digit removed); a value that many
mentions share while their names disagree (``shared``) is detected too. Either way the value
becomes missing for matching, the raw value stays in the mention's ``raw`` provenance, and the
mention's ``placeholder`` column says which value was dropped (``column=value``), which the run
summary and ``placeholders.csv`` count.

>>> stop = load_stoplist()
>>> keep, hit = blank_placeholders(pd.Series(["000 000 000 00000", "30406658200053", ""]), stop, "company", "siret")
>>> keep.tolist(), hit.tolist()
(['', '30406658200053', ''], [True, False, False])
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator

from linkgraph.documents import read_yaml, validate

DEFAULT_PLACEHOLDERS = Path(__file__).resolve().parents[2] / "rules" / "placeholders.yaml"
_NOT_ALNUM = r"[^A-Z0-9]+"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StopEntry(_Strict):
    values: list[str] = []
    patterns: list[str] = []

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {p!r} ({exc})") from None
        return patterns


class Shared(_Strict):
    type: str
    column: str
    disagree_on: str
    prefix: int = 3
    min_mentions: int = 3
    min_distinct: int = 3


class Placeholders(_Strict):
    stoplist: dict[str, StopEntry] = {}
    shared: list[Shared] = []
    path: str | None = None


@lru_cache(maxsize=8)
def load_stoplist(path: str | Path = DEFAULT_PLACEHOLDERS) -> Placeholders:
    """The placeholder rules of ``path`` (errors name the file and the key); none if it is absent."""
    if not Path(path).exists():
        return Placeholders()
    return validate(Placeholders, read_yaml(path), str(path), "placeholders")


def _key(raw: pd.Series) -> pd.Series:
    return raw.fillna("").astype(str).str.upper().str.replace(_NOT_ALNUM, "", regex=True)


def blank_placeholders(raw: pd.Series, rules: Placeholders, entity_type: str, field: str) -> tuple[pd.Series, np.ndarray]:
    """``raw`` with stop-listed values blanked ("") and which cells were (vectorized, per cell)."""
    entry = rules.stoplist.get(f"{entity_type}.{field}")
    if entry is None or len(raw) == 0:
        return raw, np.zeros(len(raw), dtype=bool)
    key = _key(raw)
    hit = key.isin({re.sub(_NOT_ALNUM, "", v.upper()) for v in entry.values}).to_numpy()
    for pattern in entry.patterns:
        hit |= key.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    hit &= (key != "").to_numpy()
    return raw.where(~hit, ""), hit


def mark(frame: pd.DataFrame, hit: np.ndarray, column: str, raw: pd.Series) -> None:
    """Record in ``frame["placeholder"]`` that ``column`` held a placeholder on the ``hit`` rows."""
    if not hit.any():
        return
    note = pd.Series(None, index=frame.index, dtype=object)
    note[hit] = (column + "=" + raw[hit].astype(str).str.strip()).to_numpy()
    old = frame["placeholder"] if "placeholder" in frame else pd.Series(None, index=frame.index, dtype=object)
    both = old.notna() & note.notna()
    frame["placeholder"] = old.where(old.notna(), note).where(~both, old + "; " + note)


def drop_shared(mentions: pd.DataFrame, rules: Placeholders) -> pd.DataFrame:
    """Blank identifier values shared by mentions that disagree (``rules.shared``), noting them."""
    for rule in rules.shared:
        if not len(mentions) or not {"entity_type", rule.column, rule.disagree_on} <= set(mentions.columns):
            continue
        rows = mentions.index[(mentions["entity_type"] == rule.type) & mentions[rule.column].notna()]
        if not len(rows):
            continue
        sub = pd.DataFrame({"v": mentions.loc[rows, rule.column].astype(str),
                            "d": mentions.loc[rows, rule.disagree_on].astype("string").str[:rule.prefix]})
        stats = sub.groupby("v").agg(n=("d", "size"), distinct=("d", "nunique"))
        bad = stats.index[(stats["n"] >= rule.min_mentions) & (stats["distinct"] >= rule.min_distinct)]
        if not len(bad):
            continue
        hit_rows = rows[sub["v"].isin(bad).to_numpy()]
        hit = mentions.index.isin(hit_rows)
        mentions = mentions.copy()
        mark(mentions, hit, rule.column, mentions[rule.column].astype(str))
        mentions.loc[hit, rule.column] = None
        if rule.type == "company" and rule.column == "siren" and "siret" in mentions:
            mentions.loc[hit, "siret"] = None
    return mentions


def report(mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per placeholder found: entity_type, column, value, mentions (how many carried it)."""
    cols = ["entity_type", "column", "value", "mentions"]
    if "placeholder" not in mentions or not mentions["placeholder"].notna().any():
        return pd.DataFrame(columns=cols)
    notes = mentions.loc[mentions["placeholder"].notna(), ["entity_type", "placeholder"]]
    notes = notes.assign(placeholder=notes["placeholder"].str.split("; ")).explode("placeholder")
    parts = notes["placeholder"].str.split("=", n=1, expand=True)
    table = pd.DataFrame({"entity_type": notes["entity_type"].to_numpy(), "column": parts[0].to_numpy(),
                          "value": parts[1].to_numpy()})
    out = table.groupby(["entity_type", "column", "value"]).size().rename("mentions").reset_index()
    return out.sort_values(["mentions", "entity_type", "column"], ascending=[False, True, True], ignore_index=True)
