"""Shared pieces of the ``linkgraph`` command line: the app, its error handler, common options.

Every error a command raises becomes one message on stderr (what happened, where, what to do)
and exit code 2; ``--debug`` (or ``LINKGRAPH_DEBUG=1``) also prints the trace. User values are
printed as text, never as rich markup (``[brackets]`` survive).
"""
from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text
from typer.core import TyperGroup

from linkgraph.api import read_sources
from linkgraph.errors import LinkgraphError
from linkgraph.match.pipeline import resolve

console = Console(stderr=True)
_DEBUG = {"on": os.environ.get("LINKGRAPH_DEBUG", "") not in ("", "0")}


def error_message(exc: BaseException) -> str:
    """One line for a user: what happened, where, what to do (no trace)."""
    if isinstance(exc, LinkgraphError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return ("out of memory: the input is too large for this machine's memory. Try --workers 1, fewer files "
                "at a time, lower budget.pairs_per_rule and budget.chunk_pairs in the matching settings "
                "(rules/matching/TYPE.yaml), or --engine spark; nothing partial was kept")
    if isinstance(exc, OSError):
        where = exc.filename or "the output"
        if exc.errno == errno.ENOSPC:
            return f"disk full while writing {where}: free some space or write elsewhere (--out); nothing partial was kept"
        if exc.errno == errno.EDQUOT:
            return f"disk quota exceeded while writing {where}: free some space or write elsewhere (--out)"
        if isinstance(exc, FileNotFoundError):
            return f"{where}: no such file or folder; check the path"
        if isinstance(exc, PermissionError):
            return f"{where}: permission denied; check the file's rights or choose another path"
        if isinstance(exc, IsADirectoryError):
            return f"{where}: is a folder, a file was expected"
        if isinstance(exc, NotADirectoryError):
            return f"{where}: a folder was expected"
        return f"{where}: {exc.strerror or exc}"
    if isinstance(exc, UnicodeError):
        return f"cannot decode or encode text ({exc}); give the file's encoding in its mapping (encoding: cp1252...)"
    try:
        import pandas as pd

        if isinstance(exc, (pd.errors.EmptyDataError, pd.errors.ParserError)):
            return f"cannot read a CSV file: {exc}"
    except ImportError:  # pragma: no cover
        pass
    if isinstance(exc, KeyError):
        return f"unknown {exc.args[0] if exc.args else 'key'}"
    if isinstance(exc, ValueError):
        return str(exc)
    return (f"internal error ({type(exc).__name__}: {exc}). This is a bug in linkgraph: run the command again "
            "with --debug and send the output to the maintainers")


def report(exc: BaseException) -> None:
    """Print ``exc`` for a user (and its trace with --debug)."""
    if _DEBUG["on"]:
        console.print_exception(show_locals=False)
    line = Text("error: ", style="bold red")
    line.append(error_message(exc))
    console.print(line, highlight=False, soft_wrap=True)


class _Group(TyperGroup):
    """The command group: every exception of a command is reported by :func:`report`, exit code 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except (Exception, MemoryError) as exc:  # noqa: BLE001 - the one top-level handler
            if hasattr(exc, "exit_code") and hasattr(exc, "show"):  # click's usage errors: its own message
                raise
            report(exc)
            raise typer.Exit(code=2) from None


app = typer.Typer(cls=_Group, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Entity resolution and link analysis for drug-trafficking intelligence cells.")


def _version(value: bool) -> None:
    if value:
        from linkgraph import __version__

        print(f"linkgraph {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit."),
          debug: bool = typer.Option(False, "--debug", help="Show the Python trace of an error (for bug reports).")
          ) -> None:
    """Entity resolution and link analysis for drug-trafficking intelligence cells."""
    _DEBUG["on"] = debug or os.environ.get("LINKGRAPH_DEBUG", "") not in ("", "0")


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                    TextColumn("{task.completed:,.0f}/{task.total:,.0f}"), TimeElapsedColumn(),
                    TextColumn("{task.fields[remaining]}"), console=console,
                    disable=not console.is_terminal)


class _Steps:
    """The progress of a run: one bar of steps, and one bar per entity type of pairs compared / total
    (with the time left, estimated from the pairs compared so far)."""

    def __init__(self, bar: Progress, task) -> None:
        self.bar, self.task, self.pair_tasks, self.row_tasks = bar, task, {}, {}

    def __call__(self, message: str) -> None:
        self.bar.update(self.task, description=message, advance=1)

    def reading(self, file: str, done: int, total: int) -> None:
        """Rows of a file extracted so far (a large file is extracted in chunks), with the time left."""
        if file not in self.row_tasks:
            self.row_tasks[file] = self.bar.add_task(f"read {Path(file).name}: rows", total=max(total, 1), remaining="")
        task = self.row_tasks[file]
        self.bar.update(task, completed=done, total=max(total, 1))
        left = self.bar.tasks[[x.id for x in self.bar.tasks].index(task)].time_remaining
        self.bar.update(task, remaining=f"~{left:.0f} s left" if left is not None and done < total else "")

    def rows(self, file: str, rows: int) -> None:
        if file not in self.row_tasks:
            self.row_tasks[file] = self.bar.add_task(f"read {Path(file).name}: rows", total=max(rows, 1), remaining="")
        self.bar.update(self.row_tasks[file], completed=max(rows, 1), remaining="")  # finished: its clock stops

    def pairs(self, entity_type: str, done: int, total: int) -> None:
        if entity_type not in self.pair_tasks:
            self.pair_tasks[entity_type] = self.bar.add_task(f"{entity_type}: pairs compared", total=max(total, 1),
                                                             remaining="")
        task = self.pair_tasks[entity_type]
        self.bar.update(task, completed=done, total=max(total, 1))
        t = self.bar.tasks[[x.id for x in self.bar.tasks].index(task)]
        left = t.time_remaining
        self.bar.update(task, remaining=f"~{left:.0f} s left" if left is not None and done < total else "")


def _matching_lines(matching: dict) -> list[str]:
    """One line per entity type on its candidate pairs, and one per blocking rule the budget refined."""
    lines = []
    for entity_type, rep in matching.items():
        if "pairs_compared" in rep:
            lines.append(f"{entity_type}: {rep['pairs_compared']:,} candidate pairs compared, {rep.get('pairs_kept', 0):,} kept")
        for rule in rep.get("blocking", []):
            if rule["refined_blocks"]:
                lines.append(f"  rule [{', '.join(rule['rule'])}]: {rule['pairs_counted']:,} pairs over budget → "
                             f"{rule['pairs_after_refinement']:,} after splitting {rule['refined_blocks']:,} blocks "
                             f"by {', '.join(rule['keys_added'])}")
    return lines


def _fail(exc: Exception) -> None:
    report(exc)
    raise typer.Exit(code=2)


def _run_resolution(specs, rules: Path, judgments: Optional[Path], previous: Optional[Path], resolver=None,
                    workers: int = 1):
    import pandas as pd

    with _progress() as bar:
        task = bar.add_task("reading", total=len(specs) + 7, remaining="")
        step = _Steps(bar, task)

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


WAIT_HELP = "Seconds to wait for another writer of the workspace before giving up (a line shows the wait)."
DEFAULT_WAIT = 300.0


def _session(workspace: Path, users: Optional[Path], user: Optional[str], case: Optional[str],
             wait: float = DEFAULT_WAIT):
    """(workspace, session) of ``user`` for ``case``: refused (exit 2) without a user or a case.
    ``wait``: seconds a write (or a read, while a writer commits) waits for another writer."""
    from linkgraph.service.session import Session
    from linkgraph.store.workspace import Workspace

    if not user:
        raise typer.BadParameter("--user is required with --workspace")
    if not case or not case.strip():
        raise typer.BadParameter("--case is required with --workspace (the justification of the access)")
    ws = Workspace.open(workspace, wait=wait, read_wait=max(wait, 1.0))
    ws.progress = lambda line: console.print(Text(line), highlight=False)
    return ws, Session.open(ws, user, case, users=users)


def _view(workspace: Path, users: Optional[Path], user: Optional[str], case: Optional[str], action: str,
          object_ids=(), details=None):
    """The user's view of the workspace after the role check and the audit record of ``action``."""
    from linkgraph.store.view import workspace_view

    ws, session = _session(workspace, users, user, case)
    session.allow(action, object_ids, details)
    return ws, session, workspace_view(ws, session.user)
