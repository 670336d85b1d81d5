"""What the command line reads: mapping/file pairs for ``resolve``/``evaluate``, run folders for the rest.

Mappings and files pair up as follows (``-m`` is repeatable):

* ``-m a.yaml:a.csv -m b.yaml:b.csv``: each mapping with its file;
* ``-m a.yaml -m b.yaml a.csv b.csv``: as many files as mappings, paired in order;
* ``-m a.yaml -m rules/sources/gendarmerie.yaml mine.csv``: fewer files than mappings, then the files go,
  in order, to the mappings that name no file (no ``file:`` key); the others read their ``file:``;
* no ``-m``: every mapping of ``--sources`` (``rules/sources``) with its ``file:``; a mapping there
  without ``file:`` is reported and left out.

A relative ``file:`` is looked up beside the mapping first; a file that cannot be found is an error
that names the mapping and what was tried, before anything is read.
"""
from __future__ import annotations

import re
from pathlib import Path

from linkgraph.errors import LinkgraphError
from linkgraph.run_folder import DEFAULT_RUN, RunFolderError, is_run
from linkgraph.sources.mapping import SourceMapping, load_mapping

_PAIR = re.compile(r"^(?P<mapping>.+\.ya?ml):(?P<file>.+)$", re.IGNORECASE)


def split_pair(text: str) -> tuple[Path, Path | None]:
    """``MAPPING.yaml:FILE`` → (mapping, file); ``MAPPING.yaml`` → (mapping, None).

    >>> split_pair("police.yaml:data/2024.csv")
    (PosixPath('police.yaml'), PosixPath('data/2024.csv'))
    """
    m = _PAIR.match(text)
    if m and not Path(text).exists():
        return Path(m["mapping"]), Path(m["file"])
    return Path(text), None


def _target(mapping: SourceMapping, where: str) -> Path:
    if mapping.file is None:
        raise LinkgraphError(f"{where}: the mapping names no file (no file: key); give its file: "
                             f"-m {where}:FILE")
    target = mapping.default_file()
    if target is None or not Path(target).exists():
        tried = Path(mapping.file) if Path(mapping.file).is_absolute() else Path(where).resolve().parent / mapping.file
        raise LinkgraphError(f"{where}: file: {mapping.file} not found (looked for {tried}); fix file: or give the "
                             f"file on the command line: -m {where}:FILE")
    return Path(target)


def source_specs(mappings: list[str] | None, files: list[Path] | None, sources_dir: Path,
                 warn=print) -> list[tuple[SourceMapping, Path | None]]:
    """(mapping, file) pairs as described in the module docstring; ``warn`` gets each skipped mapping."""
    given = [split_pair(str(m)) for m in mappings or []]
    files = [Path(f) for f in files or []]
    for f in files + [f for _, f in given if f is not None]:
        if not f.exists():
            raise LinkgraphError(f"{f}: no such file")
        if not f.is_file():
            raise LinkgraphError(f"{f}: not a regular file")
    if not given:
        if files:
            raise LinkgraphError("files given without a mapping: say which mapping reads each, "
                                 "e.g. -m MAPPING.yaml FILE or -m MAPPING.yaml:FILE")
        paths = sorted(Path(sources_dir).glob("*.yaml")) + sorted(Path(sources_dir).glob("*.yml"))
        if not paths:
            raise LinkgraphError(f"{sources_dir}: no mapping (*.yaml) here; give one with -m MAPPING.yaml FILE")
        specs = []
        for p in paths:
            m = load_mapping(p)
            if m.file is None:
                warn(f"note: {p} names no file (no file: key), left out; resolve it with -m {p}:FILE")
                continue
            specs.append((m, _target(m, str(p))))
        if not specs:
            raise LinkgraphError(f"{sources_dir}: no mapping names its file (file:); give them with -m MAPPING.yaml:FILE")
        return specs
    loaded = [(load_mapping(m), m, f) for m, f in given]
    open_slots = [k for k, (_, _, f) in enumerate(loaded) if f is None]
    chosen: dict[int, Path] = {}
    if files:
        if len(files) == len(open_slots):
            chosen = dict(zip(open_slots, files))
        else:
            fileless = [k for k in open_slots if loaded[k][0].file is None]
            if len(files) != len(fileless):
                raise LinkgraphError(
                    f"{len(files)} file(s) for {len(open_slots)} mapping(s) without a file: pair them explicitly, "
                    "e.g. -m a.yaml:a.csv -m b.yaml:b.csv")
            chosen = dict(zip(fileless, files))
    specs = []
    for k, (mapping, path, f) in enumerate(loaded):
        f = f or chosen.get(k)
        specs.append((mapping, f if f is not None else _target(mapping, str(path))))
    return specs


def run_folder(run: Path | None, command: str) -> Path:
    """The run folder a command reads: the one given, else ``out/run`` if a run is there."""
    if run is not None:
        if not is_run(run):
            raise RunFolderError(f"{run}: not a run folder (no summary.json and mentions.parquet); write one with "
                                 f"`linkgraph resolve -o {run}`")
        return Path(run)
    if is_run(DEFAULT_RUN):
        return DEFAULT_RUN
    raise RunFolderError(f"no run to read: run `linkgraph resolve` first (it writes {DEFAULT_RUN}), or give a run "
                         f"folder: `linkgraph {command} FOLDER` (or --workspace for a workspace)")
