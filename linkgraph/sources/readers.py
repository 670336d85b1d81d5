"""Read agency files (CSV, JSON, JSON lines) into string DataFrames, one row per record.

Every reader returns a DataFrame of ``str`` cells (missing = ``""``) with a ``_row`` column
numbering records from 1 (the first record after the CSV header, the first JSON element).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from linkgraph.errors import SourceError
from linkgraph.sources.mapping import SourceMapping

ROW = "_row"
_BOMS = {b"\xef\xbb\xbf": "utf-8-sig"}


def decode(data: bytes, encoding: str, path: str) -> tuple[str, str]:
    """Decode file bytes; ``auto`` tries UTF-8 (with or without BOM), then cp1252.

    Returns ``(text, encoding used)``. A byte that the chosen encoding cannot decode raises a
    SourceError naming the line it is on.
    """
    candidates = ["utf-8-sig", "cp1252"] if encoding == "auto" else [encoding]
    last: UnicodeDecodeError | None = None
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            last = exc
        except LookupError:
            raise SourceError(path, f"unknown encoding {encoding!r}") from None
    assert last is not None
    line = data[: last.start].count(b"\n") + 1
    raise SourceError(path, f"cannot decode byte 0x{last.object[last.start]:02x} at line {line} as {' or '.join(candidates)}")


def _cell(v: object) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else str(v)


def _frame_of_records(records: list, path: str) -> pd.DataFrame:
    if set(map(type, records)) - {dict}:  # the row-by-row search only runs to name a bad row
        for i, rec in enumerate(records, start=1):
            if not isinstance(rec, dict):
                raise SourceError(path, "expected a JSON object", row=i)
    df = pd.json_normalize(records, sep=".") if records else pd.DataFrame()
    df = df.astype(object).where(df.notna(), "")
    for col in df.columns:  # only columns holding something other than text are converted cell by cell
        if pd.api.types.infer_dtype(df[col], skipna=False) != "string":
            df[col] = df[col].map(_cell)
    return df


def _json_lines(text: str, name: str) -> list:
    """The records of a JSON-lines text: parsed in one call, line by line only to locate an error."""
    lines = list(filter(None, map(str.strip, text.splitlines())))
    try:
        records = json.loads("[" + ",".join(lines) + "]")
        if len(records) == len(lines):
            return records
    except json.JSONDecodeError:
        pass
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SourceError(name, f"malformed JSON: {exc.msg}", row=len(records) + 1) from None
    return records


def read_records(path: str | Path, mapping: SourceMapping) -> pd.DataFrame:
    """Read ``path`` as ``mapping`` says; check that every mapped column is present."""
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(name, f"cannot read file: {exc.strerror}") from None
    text, _ = decode(data, mapping.encoding, name)
    if mapping.format == "csv":
        try:
            df = pd.read_csv(io.StringIO(text), sep=mapping.delimiter, dtype=str, keep_default_na=False,
                             na_filter=False, engine="c", skip_blank_lines=True)
        except pd.errors.ParserError as exc:
            raise SourceError(name, f"malformed CSV: {exc}") from None
        except pd.errors.EmptyDataError:
            raise SourceError(name, "empty file (no header)") from None
        dupes = [c for c in df.columns if "." in c and c.rsplit(".", 1)[0] in df.columns and c.rsplit(".", 1)[1].isdigit()]
        if dupes:
            raise SourceError(name, "duplicate column in header", column=dupes[0].rsplit(".", 1)[0])
        df.columns = [c.strip() for c in df.columns]
    elif mapping.format == "json":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(name, f"malformed JSON: {exc.msg}", row=None) from None
        if not isinstance(records, list):
            raise SourceError(name, "expected a JSON array of records")
        df = _frame_of_records(records, name)
    else:  # jsonl
        df = _frame_of_records(_json_lines(text, name), name)
    missing = [c for c in mapping.columns() if c not in df.columns]
    if mapping.format != "csv":
        # A JSON key may be absent where its parent object is null; its top-level key must exist.
        tops = {c.split(".", 1)[0] for c in df.columns}
        missing_now = [c for c in missing if c.split(".", 1)[0] not in tops]
    else:
        missing_now = missing
    if missing_now and (len(df) or mapping.format == "csv"):
        raise SourceError(name, f"mapped column missing from the file (mapping {mapping.path})", column=missing_now[0])
    for col in missing:
        df[col] = ""
    df = df.reset_index(drop=True)
    df.insert(0, ROW, range(1, len(df) + 1))
    return df
