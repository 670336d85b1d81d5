"""Commands that help write a mapping: ``linkgraph mapping new FILE`` and ``validate M --file F``.

Messages are plain text (``typer.echo``): a column named ``[nom]`` is printed as written.
Errors are raised as linkgraph errors (file, row, column named) for the top-level handler.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
import yaml

from linkgraph.errors import LinkgraphError, SourceError
from linkgraph.sources.extract import extract
from linkgraph.sources.mapping import SourceMapping, load_mapping
from linkgraph.sources.readers import INTERNAL, ROW, nearest_column, read_frame

mapping_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Write and check source mappings.")
SAMPLE_ROWS = 1000


@mapping_app.callback()
def _group() -> None:
    """Write and check source mappings."""


def check_file(mapping: SourceMapping, path: Path, sample: int = SAMPLE_ROWS) -> tuple[list[str], list[str]]:
    """``(problems, report)`` of reading ``path`` with ``mapping``: every mapped column missing from
    the header (with the nearest name), then how a sample of rows parses (rejects per column).

    The whole file is read (its encoding checked on every line); the sample is its first rows.
    """
    frame = read_frame(path, mapping)
    header = [c for c in frame.columns if c not in INTERNAL]
    problems = []
    for col in mapping.columns():
        if col not in frame.columns:
            problems.append(f"{path}: column {col!r} of the mapping is not in the file{nearest_column(col, header)}")
    if problems:
        return problems, [f"{path}: header: {', '.join(map(repr, header))}"]
    head = frame.head(sample).reset_index(drop=True)
    head.insert(0, ROW, range(1, len(head) + 1))
    ext = extract(head, mapping, str(path))
    kept = int((ext.rows["status"] == "ok").sum())
    report = [f"{path}: {len(frame)} rows; first {len(head)} read: {kept} kept, {len(head) - kept} rejected"]
    if len(ext.rejects):
        for col, group in ext.rejects.groupby("column", sort=False):
            first = group.iloc[0]
            where = f"column {col!r}" if col else "whole row"
            report.append(f"  {where}: {len(group)} rejected, e.g. row {first['row']}: {first['reason']}")
            if len(report) > 20:
                report.append("  ...")
                break
    return [], report


def validate_with_files(mappings: list[Path], files: list[Path]) -> int:
    """``validate M... --file F...``: each mapping checked against its file; the number that failed."""
    if len(files) not in (1, len(mappings)):
        raise typer.BadParameter(f"{len(mappings)} mappings for {len(files)} files: one --file per mapping")
    bad = 0
    for path, file in zip(mappings, files * len(mappings) if len(files) == 1 else files):
        try:
            m = load_mapping(path)
            problems, report = check_file(m, file)
        except LinkgraphError as exc:
            bad += 1
            typer.echo(f"error: {exc}")
            continue
        for line in problems:
            typer.echo(f"error: {line}")
        bad += bool(problems)
        if not problems:
            typer.echo(f"{path}: ok ({m.source}, {len(m.mentions)} mentions, {len(m.relations)} relations)")
        for line in report:
            typer.echo(line)
    return bad


def _yaml(proposal, file_value: str) -> str:
    doc = dict(proposal.document)
    doc["file"] = file_value
    head = ["# Proposed by `linkgraph mapping new`: check it, then run `linkgraph validate THIS --file DATA`."]
    head += [f"# - {note}" for note in proposal.notes]
    return "\n".join(head) + "\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)


@mapping_app.command("new")
def new(file: Path = typer.Argument(..., help="The data file (CSV, JSON, JSON lines or XLSX)."),
        out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the mapping here (default: print it)."),
        source: Optional[str] = typer.Option(None, help="Source id (default: from the file name)."),
        agency: Optional[str] = typer.Option(None, help="Agency that sent the file."),
        classification: str = typer.Option("restricted", help="public, restricted, confidential or secret."),
        sheet: Optional[str] = typer.Option(None, help="XLSX: the sheet to read (default: the one with most cells)."),
        force: bool = typer.Option(False, help="Overwrite --out if it exists.")) -> None:
    """Propose a mapping from the file's header and sample values; list what to check."""
    try:
        _new(file, out, source, agency, classification, sheet, force)
    except LinkgraphError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None


def _new(file: Path, out: Optional[Path], source: Optional[str], agency: Optional[str], classification: str,
         sheet: Optional[str], force: bool) -> None:
    from linkgraph.sources.propose import propose_mapping

    which: str | int | None = int(sheet) if sheet is not None and sheet.isdigit() else sheet
    proposal = propose_mapping(file, source=source, agency=agency, classification=classification, sheet=which)
    if out is None:
        typer.echo(_yaml(proposal, str(file)), nl=False)
        return
    if out.exists() and not force:
        raise SourceError(str(out), "exists already (use --force to overwrite)")
    rel = os.path.relpath(file.resolve(), out.resolve().parent)
    rel = str(file.resolve()) if rel.startswith("..") else rel
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(_yaml(proposal, rel), encoding="utf-8")
    os.replace(tmp, out)
    typer.echo(f"wrote {out}")
    for note in proposal.notes:
        typer.echo(f"  check: {note}")
    _, report = check_file(load_mapping(out), file)
    for line in report:
        typer.echo(line)
