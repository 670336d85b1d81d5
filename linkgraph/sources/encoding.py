"""Open an input file safely and decode it, checking every line against the chosen encoding.

Only regular files are read, up to a size limit (``LINKGRAPH_MAX_INPUT_MB``, default 2048 MB;
raise it for a bigger file). When ``LINKGRAPH_DATA_ROOTS`` is set (folders separated by
``os.pathsep``), a file outside those folders is refused.

Decoding (``decode``):

* a byte order mark decides: UTF-8, UTF-16 LE/BE (``encoding: auto`` or a UTF-8/UTF-16
  encoding); a BOM contradicting the mapping's single-byte encoding is an error;
* UTF-16 without a BOM (every other byte NUL) is recognised: ``auto`` reads it, another
  declared encoding is an error saying so;
* ``auto``: UTF-8 when the whole file is valid UTF-8; cp1252 when it holds no UTF-8 sequence
  at all (a Windows export); a file holding both (UTF-8 with some cp1252 lines) is an error
  naming its first line that is not UTF-8, never decoded wholesale as cp1252;
* a single-byte encoding (cp1252, latin-1...) declared for a file that is valid UTF-8 with
  accented letters is an error (it would be garbled: ``é`` read ``Ã©``);
* any byte the encoding cannot decode is an error naming its line.

>>> decode("é\\n".encode("utf-8"), "auto", "f.csv")
('é\\n', 'utf-8')
>>> decode("é\\n".encode("cp1252"), "auto", "f.csv")
('é\\n', 'cp1252')
"""
from __future__ import annotations

import codecs
import os
import re
import stat
from pathlib import Path

from linkgraph.errors import SourceError

DEFAULT_MAX_MB = 2048
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def max_input_bytes() -> int:
    """The size limit of an input file in bytes (``LINKGRAPH_MAX_INPUT_MB``, default 2048 MB)."""
    raw = os.environ.get("LINKGRAPH_MAX_INPUT_MB", "")
    try:
        mb = float(raw) if raw.strip() else DEFAULT_MAX_MB
    except ValueError:
        raise SourceError("LINKGRAPH_MAX_INPUT_MB", f"not a number of megabytes: {raw!r}") from None
    return int(mb * 1024 * 1024)


def _check_roots(path: Path) -> None:
    roots = [r for r in os.environ.get("LINKGRAPH_DATA_ROOTS", "").split(os.pathsep) if r.strip()]
    if not roots:
        return
    real = path.resolve()
    if not any(real.is_relative_to(Path(r).resolve()) for r in roots):
        raise SourceError(str(path), "outside the data folders allowed by LINKGRAPH_DATA_ROOTS")


def read_input(path: str | Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (default ``max_input_bytes()``).

    Devices (``/dev/zero``), folders, FIFOs and sockets are refused before being opened.
    """
    path = Path(path)
    name = str(path)
    limit = max_input_bytes() if limit is None else limit
    _check_roots(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise SourceError(name, f"cannot read file: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a device, pipe or socket"
        raise SourceError(name, f"not a regular file ({kind}): give a data file")
    if st.st_size > limit:
        raise SourceError(name, f"file is {st.st_size / 2**20:.0f} MB, over the {limit / 2**20:.0f} MB limit "
                                "(raise it with LINKGRAPH_MAX_INPUT_MB)")
    try:
        with open(path, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise SourceError(name, "not a regular file")
            data = fh.read(limit + 1)
    except OSError as exc:
        raise SourceError(name, f"cannot read file: {exc.strerror}") from None
    if len(data) > limit:
        raise SourceError(name, f"file grew over the {limit / 2**20:.0f} MB limit while being read")
    return data


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _codec(encoding: str, path: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise SourceError(path, f"unknown encoding {encoding!r} (try utf-8, cp1252, latin-1 or auto)") from None


def _strict(data: bytes, encoding: str, path: str, what: str | None = None) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise SourceError(path, f"cannot decode byte 0x{byte:02x} at line {_line_of(data, exc.start)} as "
                                f"{what or encoding}: the file is not in that encoding (set encoding: in the "
                                "mapping, or fix that line)") from None


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _is_unicode(codec: str) -> bool:
    return codec.startswith(("utf-8", "utf-16", "utf-32", "utf_8", "utf_16", "utf_32"))


def decode(data: bytes, encoding: str, path: str) -> tuple[str, str]:
    """``(text, encoding used)`` of a file's bytes; see the module docstring for the rules."""
    auto = encoding == "auto"
    codec = "auto" if auto else _codec(encoding, path)
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            if not auto and not _is_unicode(codec):
                raise SourceError(path, f"the file starts with a {bom_codec.replace('-sig', '').upper()} byte order mark "
                                        f"but the mapping says encoding: {encoding} (use encoding: auto)")
            if bom_codec == "utf-16":
                return _strict(data, "utf-16", path, "UTF-16"), "utf-16"
            return _strict(data, "utf-8-sig", path, "UTF-8"), "utf-8-sig"
    wide = _utf16_without_bom(data)
    if wide and (auto or not codec.startswith(("utf-16", "utf_16"))):
        if not auto:
            raise SourceError(path, f"the file looks like UTF-16 ({wide}, no byte order mark) but the mapping says "
                                    f"encoding: {encoding} (use encoding: {wide} or auto)")
        return _strict(data, wide, path), wide
    if auto:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            if _UTF8_MULTIBYTE.search(data) is None:
                return _strict(data, "cp1252", path, "UTF-8 or cp1252"), "cp1252"
            raise SourceError(path, f"line {_line_of(data, exc.start)} is not valid UTF-8 while other lines are: "
                                    "the file mixes encodings (re-export it in one encoding, or fix that line)"
                              ) from None
    if not _is_unicode(codec) and not data.isascii():
        m = _UTF8_MULTIBYTE.search(data)
        if m is not None:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                sample = m.group().decode("utf-8")
                raise SourceError(path, f"the file is UTF-8 but the mapping says encoding: {encoding}: line "
                                        f"{_line_of(data, m.start())} would read {m.group().decode(codec, 'replace')!r} "
                                        f"for {sample!r} (use encoding: utf-8 or auto)")
    return _strict(data, codec, path, encoding), codec
