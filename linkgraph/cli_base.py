"""Shared pieces of the ``linkgraph`` command line: the app, its error handler, common options."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from linkgraph.api import load_mappings, read_sources
from linkgraph.errors import LinkgraphError
from linkgraph.match.pipeline import resolve

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Entity resolution and link analysis for drug-trafficking intelligence cells.")
console = Console(stderr=True)


def _specs(mappings: list[Path] | None, files: list[Path] | None, sources_dir: Path) -> list[tuple[Path, Path | None]]:
    """Pair mappings with files: one mapping for all files, one file per mapping, or ``file:`` keys."""
    mappings = list(mappings or [])
    files = list(files or [])
    if not mappings:
        if files:
            raise typer.BadParameter("files given without --mapping: say which mapping reads them")
        found = load_mappings(sources_dir)
        if not found:
            raise typer.BadParameter(f"no mapping naming its file (file:) in {sources_dir}")
        return [(m, None) for m in found]
    if not files:
        return [(m, None) for m in mappings]
    if len(mappings) == 1:
        if len(files) > 1:
            raise typer.BadParameter("one mapping reads one file: give one --mapping per file (same order)")
        return [(mappings[0], files[0])]
    if len(mappings) != len(files):
        raise typer.BadParameter(f"{len(mappings)} mappings for {len(files)} files: give one --mapping per file")
    return list(zip(mappings, files))


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=console,
                    disable=not console.is_terminal)


def _fail(exc: Exception) -> None:
    console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
    raise typer.Exit(code=2)


def _run_resolution(specs, rules: Path, judgments: Optional[Path], previous: Optional[Path], resolver=None,
                    workers: int = 1):
    import pandas as pd

    with _progress() as bar:
        task = bar.add_task("reading", total=len(specs) + 7)

        def step(message: str) -> None:
            bar.update(task, description=message, advance=1)

        extraction = read_sources(specs, progress=step, workers=workers)
        prev = pd.read_csv(previous, dtype=str) if previous else None
        judged = pd.read_csv(judgments, dtype=str) if judgments else None
        result = resolve(extraction, rules, previous=prev, judgments=judged, progress=step, table_resolver=resolver)
        bar.update(task, description="done", completed=len(specs) + 7)
    return result


WORKSPACE_HELP = "Workspace database file: work on what --user may see there (needs --user and --case)."
USERS_HELP = "Users file (roles, agencies, classification); default WORKSPACE.users.yaml."
USER_HELP = "Who you are (a name in the users file): what you may see and do; written to the audit log."
CASE_HELP = "Case number justifying this access (mandatory with --workspace; written to the audit log)."


def _session(workspace: Path, users: Optional[Path], user: Optional[str], case: Optional[str]):
    """(workspace, session) of ``user`` for ``case``: refused (exit 2) without a user or a case."""
    from linkgraph.service.session import Session
    from linkgraph.store.workspace import Workspace

    if not user:
        raise typer.BadParameter("--user is required with --workspace")
    if not case or not case.strip():
        raise typer.BadParameter("--case is required with --workspace (the justification of the access)")
    return Workspace.open(workspace), Session.open(workspace, user, case, users=users)


def _view(workspace: Path, users: Optional[Path], user: Optional[str], case: Optional[str], action: str,
          object_ids=(), details=None):
    """The user's view of the workspace after the role check and the audit record of ``action``."""
    from linkgraph.store.view import workspace_view

    ws, session = _session(workspace, users, user, case)
    session.allow(action, object_ids, details)
    return ws, session, workspace_view(ws, session.user)
