"""Delimited text to a frame of ``str`` cells, without ever shifting a column.

Every record must have the header's number of fields. The whole file is parsed once by
Arrow's CSV reader (vectorized); only when a record has another count does a second pass
with Python's ``csv`` module (the slow path, for malformed files only) locate each bad record
by its line:

* a record with too many or too few fields is kept as a rejected row (its reason names the
  line and the field counts), never spread over the wrong columns;
* an empty extra field at the end of *every* data row (an export writing ``a;b;c;``) is
  recognised, named in a warning, and ignored;
* when most records have the wrong count, the delimiter is probably wrong: an error says so.

A NUL byte in a value rejects its row (naming the column); true duplicate column names are
an error, while ``adresse`` and ``adresse.1`` are two distinct columns.

>>> frame = read_delimited("a;b\\n1;2\\n3;4;5\\n", ";", "f.csv")
>>> frame[["a", "b"]].values.tolist(), frame["_reject_reason"].tolist()
([['1', '2'], ['3', '4']], [None, 'line 3: 3 fields where the header has 2 (extra: "5")'])
"""
from __future__ import annotations

import csv
import io
import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from linkgraph.errors import SourceError

REJECT_REASON, REJECT_COLUMN = "_reject_reason", "_reject_column"
log = logging.getLogger("linkgraph.sources")


class _Ragged(Exception):
    pass


def _header(text: str, delimiter: str, name: str) -> list[str]:
    reader = csv.reader(io.StringIO(text[: 1 << 20], newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                return row
    except csv.Error as exc:
        raise SourceError(name, f"malformed CSV header: {exc}") from None
    raise SourceError(name, "empty file (no header)")


def _fast(text: str, delimiter: str, width: int) -> pd.DataFrame:
    """All records (header first) with Arrow, or ``_Ragged`` at the first record of another width."""
    names = [f"c{i}" for i in range(width)]

    def bad(_row) -> str:  # stop at the first record of another width: the slow path takes over
        return "error"

    try:
        table = pcsv.read_csv(
            pa.py_buffer(text.encode("utf-8")),
            read_options=pcsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=bad),
            convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, _Ragged):
        raise _Ragged() from None
    frame = table.to_pandas(types_mapper=None)
    return frame.astype(object)


def _slow(text: str, delimiter: str, width: int, name: str) -> tuple[list[list[str]], list[int]]:
    """Every non-blank record (header first) and the line each starts on, with Python's csv."""
    csv.field_size_limit(1 << 26)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    end = 0
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:
        raise SourceError(name, f"malformed CSV at line {reader.line_num}: {exc}") from None
    return rows, lines


def _ragged_frame(rows: list[list[str]], lines: list[int], width: int, delimiter: str, name: str) -> pd.DataFrame:
    data = rows[1:]
    counts = np.fromiter((len(r) for r in data), dtype=np.int64, count=len(data))
    if len(data) and width > 1 and rows[0][-1].strip() == "" and bool((counts == width - 1).all()):
        log.warning("%s: the header ends with an empty extra field (a trailing %r) that no row has: it is ignored",
                    name, delimiter)
        data = [r + [""] for r in data]
        counts = counts + 1
    trailing = len(data) > 0 and bool((counts == width + 1).all()) and all(r[-1] == "" for r in data)
    if trailing:
        log.warning("%s: every data row ends with an empty extra field (a trailing %r): it is ignored",
                    name, delimiter)
        data = [r[:width] for r in data]
        counts = np.full(len(data), width)
    bad = np.flatnonzero(counts != width)
    if len(bad) and len(bad) * 2 > len(data):
        i = int(bad[0])
        raise SourceError(name, f"line {lines[i + 1]} has {counts[i]} fields where the header has {width}, and so "
                                f"do {len(bad)} of {len(data)} rows: is the delimiter {delimiter!r} right?")
    reasons: list[str | None] = [None] * len(data)
    for i in bad:
        row = data[i]
        count = len(row)
        if count > width:
            extra = ", ".join(f'"{v}"' for v in row[width:][:5])
            reasons[i] = f"line {lines[i + 1]}: {count} fields where the header has {width} (extra: {extra})"
            data[i] = row[:width]
        else:
            reasons[i] = f"line {lines[i + 1]}: {count} fields where the header has {width} (missing fields)"
            data[i] = row + [""] * (width - count)
    frame = pd.DataFrame(data, columns=[f"c{i}" for i in range(width)], dtype=object) if data else \
        pd.DataFrame({f"c{i}": pd.Series(dtype=object) for i in range(width)})
    if len(bad):
        frame[REJECT_REASON] = reasons
        frame[REJECT_COLUMN] = ""
    return frame


def _column_names(header: list[str], frame: pd.DataFrame, name: str) -> tuple[list[str], pd.DataFrame]:
    names = [h.strip() for h in header]
    if names and names[-1] == "" and len(names) > 1 and (frame[f"c{len(names) - 1}"] == "").all():
        log.warning("%s: the header and every row end with an empty extra field: it is ignored", name)
        frame = frame.drop(columns=f"c{len(names) - 1}")
        names = names[:-1]
    names = [n or f"Unnamed: {i}" for i, n in enumerate(names)]
    seen: set[str] = set()
    for n in names:
        if "\x00" in n:
            raise SourceError(name, "NUL byte in the header: not a text file?")
        if n in seen:
            raise SourceError(name, "duplicate column in header (rename one of them)", column=n)
        seen.add(n)
    return names, frame


def reject_nul(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Rows with a NUL byte in a value are rejected (the value is shown as ``\\x00``)."""
    for col in names:
        if frame[col].dtype != object:
            continue
        has = frame[col].str.contains("\x00", regex=False, na=False).to_numpy(dtype=bool)
        if not has.any():
            continue
        if REJECT_REASON not in frame:
            frame[REJECT_REASON] = None
            frame[REJECT_COLUMN] = ""
        fresh = has & frame[REJECT_REASON].isna().to_numpy()
        frame.loc[fresh, REJECT_REASON] = "NUL byte in the value (binary or corrupted export)"
        frame.loc[fresh, REJECT_COLUMN] = col
        frame.loc[has, col] = frame.loc[has, col].str.replace("\x00", "\\x00", regex=False)
    return frame


def read_delimited(text: str, delimiter: str, name: str) -> pd.DataFrame:
    """The records of a delimited text as ``str`` cells under the header's names (module docstring).

    Rejected rows carry ``_reject_reason`` and ``_reject_column`` (absent when none is).
    """
    header = _header(text, delimiter, name)
    width = len(header)
    try:
        frame = _fast(text, delimiter, width).iloc[1:].reset_index(drop=True)
    except _Ragged:
        rows, lines = _slow(text, delimiter, width, name)
        frame = _ragged_frame(rows, lines, width, delimiter, name)
    names, frame = _column_names(header, frame, name)
    frame.columns = names + [c for c in frame.columns if c in (REJECT_REASON, REJECT_COLUMN)]
    return reject_nul(frame, names)
