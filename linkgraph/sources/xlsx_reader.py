"""Excel workbooks (``format: xlsx``) read with python-calamine, one sheet as ``str`` cells.

The sheet is ``sheet:`` of the mapping (a name, or a number from 0), else the first one. The
first non-empty row is the header; the same checks as for CSV apply (true duplicate names
refused, NUL bytes rejected). Cells become text as an analyst reads them: integral numbers
without ``.0`` (``612345678``), dates ISO (``2021-03-04``, with ``T12:30:00`` when a time
is set), or spelled with the mapping's ``format:`` for that column when it has one, booleans
``true``/``false``. A workbook whose content would expand past 20 times the size limit is
refused (a zip bomb).
"""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timedelta

import pandas as pd

from linkgraph.errors import SourceError
from linkgraph.sources.csv_reader import reject_nul
from linkgraph.sources.encoding import max_input_bytes
from linkgraph.sources.mapping import SourceMapping


def _formats(mapping: SourceMapping) -> dict[str, str]:
    out: dict[str, str] = {}
    if mapping.date and mapping.date.format:
        out[mapping.date.column] = mapping.date.format
    for mention in mapping.mentions.values():
        for spec in mention.fields.values():
            if spec.format:
                out[spec.column] = spec.format
    return out


def cell_text(value: object, fmt: str | None = None) -> str:
    """The text of one workbook cell (module docstring).

    >>> cell_text(612345678.0), cell_text(datetime(2021, 3, 4)), cell_text(date(2021, 3, 4), "%d/%m/%Y")
    ('612345678', '2021-03-04', '04/03/2021')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        if fmt:
            return value.strftime(fmt)
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.strftime(fmt) if fmt else value.isoformat()
    if isinstance(value, (time, timedelta)):
        return str(value)
    return str(value)


def _check_zip(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            expanded = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile:
        raise SourceError(name, "not an XLSX workbook (not a zip archive); an old .xls must be saved as .xlsx") from None
    if expanded > 20 * max_input_bytes():
        raise SourceError(name, f"workbook expands to {expanded / 2**20:.0f} MB: over 20 times the size limit "
                                "(raise LINKGRAPH_MAX_INPUT_MB)")


def read_xlsx(data: bytes, mapping: SourceMapping, name: str) -> pd.DataFrame:
    """The records of one sheet of an XLSX workbook as ``str`` cells under the header's names."""
    from python_calamine import CalamineWorkbook

    _check_zip(data, name)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = book.sheet_names
        which = mapping.sheet if mapping.sheet is not None else 0
        if isinstance(which, int):
            if not 0 <= which < len(sheets):
                raise SourceError(name, f"no sheet number {which}: the workbook has {len(sheets)} ({', '.join(sheets)})")
            sheet = book.get_sheet_by_index(which)
        else:
            if which not in sheets:
                raise SourceError(name, f"no sheet named {which!r}: the workbook has {', '.join(map(repr, sheets))}")
            sheet = book.get_sheet_by_name(which)
        rows = sheet.to_python(skip_empty_area=False)
    except SourceError:
        raise
    except Exception as exc:  # calamine raises its own types for a corrupted workbook
        raise SourceError(name, f"cannot read the workbook: {type(exc).__name__}: {exc}") from None
    numbers = [k + 1 for k, r in enumerate(rows) if any(cell_text(c).strip() for c in r)]
    rows = [rows[k - 1] for k in numbers]
    if not rows:
        raise SourceError(name, "empty sheet (no header)")
    header = [cell_text(c).strip() for c in rows[0]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    names = [h or f"Unnamed: {i}" for i, h in enumerate(header)]
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise SourceError(name, "duplicate column in header (rename one of them)", column=n)
        seen.add(n)
    formats = _formats(mapping)
    columns = {n: [cell_text(r[i] if i < len(r) else None, formats.get(n)) for r in rows[1:]]
               for i, n in enumerate(names)}
    frame = pd.DataFrame(columns, dtype=object)
    extra = [i for i, r in enumerate(rows[1:]) if any(cell_text(c).strip() for c in r[width:])]
    if extra:
        frame["_reject_reason"] = None
        frame["_reject_column"] = ""
        for i in extra:
            frame.loc[i, "_reject_reason"] = f"sheet row {numbers[i + 1]}: a value right of the header's last column"
    return reject_nul(frame, names)
