"""Write result tables as CSV and Parquet, atomically and safe to open in a spreadsheet."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

# a cell a spreadsheet would run: = + - @ first (after blanks, NBSP or zero-width characters), or tab/CR first
_RISKY = r"^(?:[\s\u00a0\u180e\u200b-\u200d\u2060\ufeff]*[=+\-@]|[\t\r])"


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with ``'`` (OWASP CSV injection).

    Only text cells change: the number -1 stays a number, the text "-1" becomes "'-1".
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        is_text = s.map(type).eq(str).to_numpy()
        risky = is_text & s.astype("string").str.contains(_RISKY, regex=True).fillna(False).to_numpy()
        if risky.any():
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
