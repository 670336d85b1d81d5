"""Write result tables as CSV and Parquet, atomically and safe to open in a spreadsheet."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import re

# blanks a spreadsheet skips before reading a formula: spaces, NBSP, zero-width characters
_LEAD = r"[\s\u00a0\u180e\u200b-\u200d\u2060\ufeff]*"
# a cell a spreadsheet would run: = or @ first (after blanks), + or - first unless the whole cell is a
# plain number (+33612345678, -1.5, 2e-3 are numbers, not formulas), or tab/CR first
_RISKY = re.compile(rf"^(?:{_LEAD}[=@]|{_LEAD}[+\-](?![0-9]+(?:[.,][0-9]+)?(?:[eE][+\-]?[0-9]+)?$)|[\t\r])")


def is_formula(value: object) -> bool:
    """Whether a spreadsheet opening this cell would run it as a formula.

    >>> [is_formula(v) for v in ("=cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", "+33612345678", "-1.5", "a=b")]
    [True, True, True, False, False, False]
    """
    return isinstance(value, str) and _RISKY.match(value) is not None


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix with ``'`` the text cells a spreadsheet would run as a formula (OWASP CSV injection).

    Only for files meant for spreadsheets. Only text cells that :func:`is_formula` flags change:
    a plain number, as a number or as text (``-1``, ``+33612345678``), stays as it is.
    Each column's distinct values are checked once.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
        flagged = np.fromiter((is_formula(v) for v in uniques), dtype=bool, count=len(uniques))
        if not flagged.any():
            continue
        risky = (codes >= 0) & np.append(flagged, False)[codes]
        out[col] = s.astype(object)
        out.loc[risky, col] = "'" + s[risky].astype(str)
    return out


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(frame: pd.DataFrame, out_dir: Path, name: str, formats: tuple[str, ...] = ("csv", "parquet")) -> list[Path]:
    """Write ``frame`` as ``name.csv`` / ``name.parquet`` in ``out_dir``; return the paths."""
    paths = []
    for fmt in formats:
        path = Path(out_dir) / f"{name}.{fmt}"
        if fmt == "csv":
            safe = defuse_formulas(frame)
            _atomic_write(path, lambda p: safe.to_csv(p, index=False, encoding="utf-8"))
        elif fmt == "parquet":
            typed = frame.copy()
            for col in typed.columns:
                if typed[col].dtype == object:
                    typed[col] = typed[col].astype("string")
            _atomic_write(path, lambda p: typed.to_parquet(p, index=False))
        else:
            raise ValueError(f"unknown format {fmt!r}: expected csv or parquet")
        paths.append(path)
    return paths
