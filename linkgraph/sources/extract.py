"""Apply a source mapping to a file's records: mentions, mention relations, rows and rejects.

Vectorized: each mapped column is normalized once per distinct value, never row by row.
A row with any present value that cannot be parsed is rejected whole (with the reason, the
column and the raw record) so that rows in = rows kept + rows rejected.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from linkgraph.normalize import NormalizationError, parse_past_date, parse_past_datetime
from linkgraph.normalize.fields import derive_columns, normalize_field
from linkgraph.normalize.names import split_full_names
from linkgraph.normalize.placeholders import blank_placeholders, load_stoplist, mark
from linkgraph.normalize.vectorize import apply_unique, spread
from linkgraph.sources.grading import parse_grade
from linkgraph.sources.mapping import SourceMapping
from linkgraph.sources.readers import INTERNAL, REJECT_COLUMN, REJECT_REASON, ROW, read_records

PROVENANCE = ["source", "agency", "classification", "file", "row", "date"]
_DATETIME_ATTRS = {"start", "end", "time", "timestamp"}
_NUMBER_ATTRS = {"duration", "quantity", "quantity_kg", "amount", "weight"}
REJECT_COLUMNS = ["source", "file", "row", "column", "value", "reason", "record"]


@dataclass
class Extraction:
    """What one source contributes: its rows, mentions, relations and rejects."""

    rows: pd.DataFrame
    mentions: pd.DataFrame
    relations: pd.DataFrame
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))

    @staticmethod
    def concat(parts: list["Extraction"]) -> "Extraction":
        def cat(frames: list[pd.DataFrame]) -> pd.DataFrame:
            frames = [f for f in frames if len(f.columns)]
            return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return Extraction(cat([p.rows for p in parts]), cat([p.mentions for p in parts]),
                          cat([p.relations for p in parts]),
                          cat([p.rejects for p in parts]) if parts else pd.DataFrame(columns=REJECT_COLUMNS))


class _Rejects:
    """Collects per-row failures; the first failure of a row is the one reported first."""

    def __init__(self, n: int) -> None:
        self.mask = np.zeros(n, dtype=bool)
        self.items: list[pd.DataFrame] = []

    def add(self, column: str, raw: pd.Series, errors: pd.Series) -> None:
        bad = errors.notna().to_numpy()
        if bad.any():
            self.mask |= bad
            self.items.append(pd.DataFrame({"idx": np.flatnonzero(bad), "column": column,
                                            "value": raw[bad].to_numpy(), "reason": errors[bad].to_numpy()}))

    def add_read(self, records: pd.DataFrame) -> None:
        """Rows the reader could not take apart (wrong field count, NUL byte): rejected first."""
        if REJECT_REASON not in records:
            return
        bad = records[REJECT_REASON].notna().to_numpy()
        if bad.any():
            idx = np.flatnonzero(bad)
            columns = records[REJECT_COLUMN].to_numpy()[idx]
            values = [records[c].iat[i] if c in records else "" for i, c in zip(idx, columns)]
            self.mask |= bad
            self.items.append(pd.DataFrame({"idx": idx, "column": columns, "value": values,
                                            "reason": records[REJECT_REASON].to_numpy()[idx]}))


def _split_full_names(raw: pd.Series, order: str) -> tuple[pd.Series, pd.Series]:
    """First and last names of a full-name column, each distinct value split once."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    first, last = split_full_names(list(uniques), order=order)
    return (pd.Series(spread(first, codes), index=raw.index, dtype=object),
            pd.Series(spread(last, codes), index=raw.index, dtype=object))


def _parse_number(value: str | None) -> float | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise NormalizationError(f"not a number: {value!r}") from None
    if not np.isfinite(number):
        raise NormalizationError(f"not a finite number: {value!r}")
    return number


def _attribute_values(name: str, raw: pd.Series, dayfirst: bool = True) -> tuple[pd.Series, pd.Series]:
    if name in _DATETIME_ATTRS:
        return apply_unique(raw, parse_past_datetime, dayfirst=dayfirst)
    if name in _NUMBER_ATTRS:
        return apply_unique(raw, _parse_number)
    return raw.where(raw.str.strip() != "", None), pd.Series(None, index=raw.index, dtype=object)


def extract(records: pd.DataFrame, mapping: SourceMapping, file: str) -> Extraction:
    """Turn the records of one file into rows, mentions, relations and rejects."""
    n = len(records)
    rejects = _Rejects(n)
    rejects.add_read(records)
    base = pd.DataFrame({"source": mapping.source, "agency": mapping.agency,
                         "classification": mapping.classification, "file": file,
                         "row": records[ROW].to_numpy()})
    if mapping.date:
        dates, errs = apply_unique(records[mapping.date.column], parse_past_date,
                                   dayfirst=mapping.date.dayfirst, fmt=mapping.date.format)
        rejects.add(mapping.date.column, records[mapping.date.column], errs)
        base["date"] = dates.to_numpy()
    else:
        base["date"] = None
    base["record_id"] = records[mapping.record_id].to_numpy() if mapping.record_id else None
    provenance = list(PROVENANCE)
    if mapping.grading is not None:   # the row's intelligence grade, carried on its mentions and relations
        base["grade"] = mapping.grading.default
        if mapping.grading.column:
            column = records[mapping.grading.column]
            grades, errs = apply_unique(column, parse_grade)
            rejects.add(mapping.grading.column, column, errs)
            base["grade"] = grades.where(grades.notna(), mapping.grading.default).to_numpy()
        provenance.append("grade")
    attrs = pd.DataFrame({name: records[col].to_numpy() for name, col in mapping.attributes.items()})
    base["attributes"] = _json_rows(attrs, n)

    stoplist = load_stoplist()
    mention_frames: dict[str, pd.DataFrame] = {}
    for slot, spec in mapping.mentions.items():
        raw_cols = {name: records[f.column] for name, f in spec.fields.items()}
        present = np.zeros(n, dtype=bool)
        for col in raw_cols.values():
            present |= (col.str.strip() != "").to_numpy()
        frame = pd.DataFrame(index=records.index)
        fields = dict(spec.fields)
        if "full_name" in fields:
            fspec = fields.pop("full_name")
            first, last = _split_full_names(records[fspec.column], fspec.order)
            for part, values in (("first_name", first), ("last_name", last)):
                if part not in fields:
                    out, _ = normalize_field("person", part, values.fillna(""))
                    for col, v in out.items():
                        frame[col] = v
        for name, fspec in fields.items():
            raw = records[fspec.column]
            kept, placeholder = blank_placeholders(raw, stoplist, spec.type, name)  # "0000000000": missing
            mark(frame, placeholder, name, raw)
            out, errs = normalize_field(spec.type, name, kept, dayfirst=fspec.dayfirst, format=fspec.format,
                                        region=fspec.region)
            rejects.add(fspec.column, raw, errs)
            for col, v in out.items():
                frame[col] = v
        frame = derive_columns(spec.type, frame)
        frame.insert(0, "raw", _json_rows(pd.DataFrame({k: v.to_numpy() for k, v in raw_cols.items()}), n))
        frame.insert(0, "slot", slot)
        frame.insert(0, "entity_type", spec.type)
        frame["_present"] = present
        mention_frames[slot] = frame

    rel_frames = []
    for rel in mapping.relations:
        frame = pd.DataFrame({"type": rel.type, "from_slot": rel.from_, "to_slot": rel.to}, index=records.index)
        for name, col in rel.attributes.items():
            values, errs = _attribute_values(name, records[col])
            rejects.add(col, records[col], errs)
            frame[name] = values
        rel_frames.append(frame)

    keep = ~rejects.mask
    any_mention = np.zeros(n, dtype=bool)
    for frame in mention_frames.values():
        any_mention |= frame["_present"].to_numpy()
    empty = keep & ~any_mention
    if empty.any():
        rejects.items.append(pd.DataFrame({"idx": np.flatnonzero(empty), "column": "",
                                           "value": "", "reason": "empty row: no mention"}))
        rejects.mask |= empty
        keep = ~rejects.mask

    base["status"] = np.where(keep, "ok", "rejected")
    mentions = []
    for slot, frame in mention_frames.items():
        sel = keep & frame["_present"].to_numpy()
        part = pd.concat([base.loc[sel, provenance].reset_index(drop=True),
                          frame.loc[sel].drop(columns="_present").reset_index(drop=True)], axis=1)
        part.insert(0, "mention_id", part["source"] + ":" + part["row"].astype(str) + ":" + slot)
        mentions.append(part)
    mention_df = pd.concat(mentions, ignore_index=True) if mentions else pd.DataFrame()

    relations = []
    for rel, frame in zip(mapping.relations, rel_frames):
        sel = keep & mention_frames[rel.from_]["_present"].to_numpy() & mention_frames[rel.to]["_present"].to_numpy()
        part = pd.concat([base.loc[sel, provenance].reset_index(drop=True), frame.loc[sel].reset_index(drop=True)], axis=1)
        rows = part["source"] + ":" + part["row"].astype(str) + ":"
        part.insert(0, "from_mention", rows + rel.from_)
        part.insert(1, "to_mention", rows + rel.to)
        relations.append(part)
    relation_df = pd.concat(relations, ignore_index=True) if relations else pd.DataFrame()

    reject_df = _reject_frame(rejects, records, mapping, file)
    return Extraction(base, mention_df, relation_df, reject_df)


def _json_rows(frame: pd.DataFrame, n: int) -> pd.Series:
    """One JSON object per row (blank or missing cells as null), keys in column order.

    Each column's distinct values are encoded once (``json.dumps``) and the objects are put
    together by array concatenation; a cell holding something other than text is spelled by
    ``json.dumps`` too (its ``str`` when it has no JSON form).
    """
    if frame.shape[1] == 0 or n == 0:
        return pd.Series(["{}"] * n, dtype=object)
    rows: np.ndarray | None = None
    for k, col in enumerate(frame.columns):
        cells = _encoded_cells(frame[col])
        key = ("{" if k == 0 else ",") + json.dumps(str(col), ensure_ascii=False) + ":"
        rows = key + cells if rows is None else rows + key + cells
    assert rows is not None
    return pd.Series(rows + "}", dtype=object)


def _encoded_cells(column: pd.Series) -> np.ndarray:
    """The JSON text of each cell of ``column`` (``null`` when blank or missing), per distinct value."""
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    except TypeError:  # unhashable cells: one encoding per cell
        codes, uniques = np.arange(len(column)), column.to_numpy()
    encoded = [json.dumps(u, ensure_ascii=False, default=str) if str(u).strip() != "" else "null" for u in uniques]
    return spread(encoded, codes, missing="null")


def _reject_frame(rejects: _Rejects, records: pd.DataFrame, mapping: SourceMapping, file: str) -> pd.DataFrame:
    if not rejects.items:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    items = pd.concat(rejects.items, ignore_index=True).drop_duplicates(["idx", "column"])
    cols = [c for c in records.columns if c not in INTERNAL]
    record_json = _json_rows(records.loc[items["idx"], cols].reset_index(drop=True), len(items))
    return pd.DataFrame({"source": mapping.source, "file": file,
                         "row": records[ROW].to_numpy()[items["idx"].to_numpy()],
                         "column": items["column"].to_numpy(), "value": items["value"].to_numpy(),
                         "reason": items["reason"].to_numpy(), "record": record_json.to_numpy()})


CHUNK_ROWS = 250_000


def read_source(mapping: SourceMapping, path: str | Path | None = None,
                on_rows: Callable[[int, int], None] | None = None, chunk_rows: int = CHUNK_ROWS) -> Extraction:
    """Read one file through its mapping (``path`` defaults to the mapping's ``file:``).

    A large file is extracted ``chunk_rows`` rows at a time (every row is extracted on its own, so
    the result is the same as in one piece; mentions and relations are put back in the one-piece
    order); ``on_rows(done, total)`` is told the rows extracted so far after each chunk.
    """
    target = Path(path) if path is not None else mapping.default_file()
    if target is None:
        from linkgraph.errors import SourceError
        raise SourceError(mapping.path or mapping.source, "no file given and the mapping has no 'file:' key")
    records = read_records(target, mapping)
    total = len(records)
    if total <= chunk_rows:
        result = extract(records, mapping, str(target))
        if on_rows:
            on_rows(total, total)
        return result
    parts = []
    for start in range(0, total, chunk_rows):
        chunk = records.iloc[start:start + chunk_rows].reset_index(drop=True)
        parts.append(extract(chunk, mapping, str(target)))
        if on_rows:
            on_rows(min(start + chunk_rows, total), total)
    del records
    return _in_one_piece_order(Extraction.concat(parts), mapping)


def _in_one_piece_order(ext: Extraction, mapping: SourceMapping) -> Extraction:
    """Chunks give slot A, slot B per chunk; one piece gives every slot A mention, then slot B."""
    slots = {slot: k for k, slot in enumerate(mapping.mentions)}
    if len(ext.mentions):
        rank = ext.mentions["slot"].map(slots).to_numpy()
        ext.mentions = ext.mentions.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    if len(ext.relations) and len(mapping.relations) > 1:
        order = {f"{r.type}\x1f{r.from_}\x1f{r.to}": k for k, r in enumerate(mapping.relations)}
        keys = ext.relations["type"] + "\x1f" + ext.relations["from_slot"] + "\x1f" + ext.relations["to_slot"]
        rank = keys.map(order).to_numpy()
        ext.relations = ext.relations.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    return ext
