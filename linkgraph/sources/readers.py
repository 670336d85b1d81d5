"""Read agency files (CSV, JSON, JSON lines, XLSX) into string DataFrames, one row per record.

Every reader returns a DataFrame of ``str`` cells (missing = ``""``) with a ``_row`` column
numbering records from 1 (the first record after the CSV header, the first JSON element).
Files are opened by ``encoding.read_input`` (regular files under a size limit) and decoded by
``encoding.decode`` (every line checked); delimited text is split by ``csv_reader``.
"""
from __future__ import annotations

import difflib
import json
from pathlib import Path

import pandas as pd

from linkgraph.errors import SourceError
from linkgraph.sources.csv_reader import REJECT_COLUMN, REJECT_REASON, read_delimited, reject_nul
from linkgraph.sources.encoding import decode, read_input
from linkgraph.sources.mapping import SourceMapping

ROW = "_row"
#: Columns the readers add beside the file's own: the record number and why a row is rejected.
INTERNAL = (ROW, REJECT_REASON, REJECT_COLUMN)


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
    # split on line feeds only: U+2028 or U+0085 may sit inside a JSON string
    lines = list(filter(None, map(str.strip, text.split("\n"))))
    try:
        records = json.loads("[" + ",".join(lines) + "]")
        if len(records) == len(lines):
            return records
    except ValueError:
        pass
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SourceError(name, f"malformed JSON: {exc.msg}", row=len(records) + 1) from None
        except ValueError as exc:  # a number of thousands of digits
            raise SourceError(name, f"unreadable JSON value: {exc}", row=len(records) + 1) from None
    return records


def _parse_json(text: str, name: str) -> list:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(name, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:  # a number of thousands of digits
        raise SourceError(name, f"unreadable JSON value: {exc}") from None
    except RecursionError:
        raise SourceError(name, "JSON nested too deep (over ~1,000 levels): not a file of records") from None
    if not isinstance(records, list):
        raise SourceError(name, "expected a JSON array of records")
    return records


def nearest_column(column: str, columns) -> str:
    """`` (did you mean 'x'?)`` naming the file column closest to ``column``, or ``""``."""
    close = difflib.get_close_matches(column, [str(c) for c in columns], n=1, cutoff=0.6)
    if not close:
        folded = {str(c).casefold().strip(): str(c) for c in columns}
        close = [folded[column.casefold().strip()]] if column.casefold().strip() in folded else []
    return f" (did you mean {close[0]!r}?)" if close else ""


def read_frame(path: str | Path, mapping: SourceMapping) -> pd.DataFrame:
    """The file's records as read (``str`` cells), before the mapped columns are checked."""
    path = Path(path)
    name = str(path)
    data = read_input(path)
    if mapping.format == "xlsx":
        from linkgraph.sources.xlsx_reader import read_xlsx
        return read_xlsx(data, mapping, name)
    text, _ = decode(data, mapping.encoding, name)
    if mapping.format == "csv":
        return read_delimited(text, mapping.delimiter, name)
    return json_frame(text, mapping.format, name)


def json_frame(text: str, fmt: str, name: str) -> pd.DataFrame:
    """The records of a JSON (``fmt="json"``) or JSON-lines text as ``str`` cells; NUL bytes rejected."""
    try:
        records = _parse_json(text, name) if fmt == "json" else _json_lines(text, name)
        frame = _frame_of_records(records, name)
    except RecursionError:
        raise SourceError(name, "JSON nested too deep (over ~1,000 levels): not a file of records") from None
    return reject_nul(frame, [c for c in frame.columns])


def read_records(path: str | Path, mapping: SourceMapping) -> pd.DataFrame:
    """Read ``path`` as ``mapping`` says; check that every mapped column is present.

    Rows the reader could not take apart (wrong field count, NUL byte) are kept, marked by
    ``_reject_reason`` and ``_reject_column``: the extraction rejects them with that reason.
    """
    name = str(path)
    df = read_frame(path, mapping)
    missing = [c for c in mapping.columns() if c not in df.columns]
    if mapping.format in ("json", "jsonl"):
        # A JSON key may be absent where its parent object is null; its top-level key must exist.
        tops = {c.split(".", 1)[0] for c in df.columns}
        missing_now = [c for c in missing if c.split(".", 1)[0] not in tops]
    else:
        missing_now = missing
    if missing_now and (len(df) or mapping.format in ("csv", "xlsx")):
        hint = nearest_column(missing_now[0], [c for c in df.columns if c not in INTERNAL])
        raise SourceError(name, f"mapped column missing from the file (mapping {mapping.path}){hint}",
                          column=missing_now[0])
    for col in missing:
        df[col] = ""
    df = df.reset_index(drop=True)
    df.insert(0, ROW, range(1, len(df) + 1))
    return df
