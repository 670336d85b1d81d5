"""``linkgraph`` commands on a workspace: search, init, ingest, erase, rebuild, judge, retention, audit."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from linkgraph.cli_base import CASE_HELP, USER_HELP, USERS_HELP, _fail, _session, _view, app
from linkgraph.errors import LinkgraphError
from linkgraph.store.access import can


@app.command()
def search(
    query: str = typer.Argument(..., help="A name, phone number, plate or SIREN."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
    kind: str = typer.Option("auto", help="auto, name, phone, plate or siren."),
    limit: int = typer.Option(20, help="Most results shown."),
) -> None:
    """Find entities in a workspace among what --user may see (the query is logged as a digest)."""
    from linkgraph.service.search import SearchIndex
    from linkgraph.store.audit import query_digest

    try:
        _, _, result = _view(workspace, users, user, case, "search", (),
                             {"command": "search", "query": query_digest(query), "kind": kind})
        hits = SearchIndex.build(result).search(query, kind=kind, limit=limit)
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    table = Table(title=f"{len(hits)} result(s)")
    for col in ("entity", "type", "label", "score", "match", "mentions", "agencies"):
        table.add_column(col)
    for h in hits:
        table.add_row(Text(h["entity_id"]), Text(h["entity_type"]), Text(str(h["label"])), f"{h['score']:.0f}", Text(str(h["match"])),
                      str(h["mentions"]), str(h["agencies"]))
    Console(width=200).print(table)


@app.command()
def init(workspace: Path = typer.Argument(..., help="Workspace database file to create (DuckDB)."),
         users: Optional[Path] = typer.Option(None, help="Users file to install as WORKSPACE.users.yaml "
                                              "(checked first).")) -> None:
    """Create an empty workspace (one embedded database file, its audit log and users file beside it)."""
    import shutil

    from linkgraph.service.session import audit_path, users_path
    from linkgraph.store.access import load_users
    from linkgraph.store.audit import start_log
    from linkgraph.store.workspace import Workspace

    try:
        if users is not None:
            load_users(users)
        Workspace.create(workspace)
        start_log(audit_path(workspace))
        if users is not None:
            shutil.copyfile(users, users_path(workspace))
    except LinkgraphError as exc:
        _fail(exc)
    print(f"created {workspace} (audit log: {workspace}.audit.jsonl" +
          (f", users: {users_path(workspace)})" if users is not None else ")"))


def _entity_counts(session, report, lead: str) -> str:
    """Workspace-wide entity counts of a change, only for a user who sees everything (for anyone else
    they would count facts they may not see); else nothing."""
    from linkgraph.store.view import sees_everything

    if not sees_everything(session.user):
        return ""
    return (f"{lead}entities {report.entities_before} → {report.entities_after} "
            f"({report.merged} merged, {report.split} split)")


@app.command()
def ingest(
    file: Path = typer.Argument(..., help="Agency file to ingest."),
    mapping: Path = typer.Option(..., "--mapping", "-m", help="Its source mapping YAML."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    user: str = typer.Option(..., help=USER_HELP),
    case: str = typer.Option(..., help="Case number justifying the collection (audit log)."),
    replace: bool = typer.Option(False, help="Replace a source already ingested with other content."),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
) -> None:
    """Ingest a file into a workspace: atomic, idempotent on identical content, ids kept stable."""
    try:
        ws, session = _session(workspace, users, user, case)
        if not can(session.user, "ingest"):
            session.allow("ingest", [str(file.name)], {"command": "ingest"})
        report = ws.ingest(file, mapping, replace=replace)
        session.record("ingest", [report.source], {"status": report.status, "rows": report.rows_in,
                                                   "rejected": report.rows_rejected, "sha256": report.sha256})
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    print(f"{report.status}: {report.source} ({report.file}): {report.rows_in} rows, {report.rows_rejected} "
          f"rejected, {report.mentions} mentions" + _entity_counts(session, report, "; "))


@app.command()
def erase(
    source: str = typer.Argument(..., help="Source id to erase with everything derived from it."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    reason: str = typer.Option(..., help="Why (kept with the id changes)."),
    user: str = typer.Option(..., help=USER_HELP),
    case: str = typer.Option(..., help="Case number or decision reference (audit log)."),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
) -> None:
    """Erase a source and everything derived from it, then re-resolve (as if it had never come)."""
    try:
        ws, session = _session(workspace, users, user, case)
        if not can(session.user, "erase"):
            session.allow("erase", [source], {"command": "erase"})
        known = ws.sources()
        row = known[known["source_id"] == source]
        if row.empty or not session.user.sees(row["agency"].iloc[0], row["classification"].iloc[0]):
            from linkgraph.store.access import AccessDenied

            session.record("access_denied", [source], {"command": "erase", "action": "erase"})
            raise AccessDenied("source")
        report = ws.erase_source(source, reason)
        session.record("erase", [source], {k: int(v) for k, v in report.removed.items()})
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    print(f"erased {source}: " + ", ".join(f"{k} {v}" for k, v in report.removed.items()))


@app.command()
def rebuild(
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    retrain: bool = typer.Option(True, "--retrain/--keep-models",
                                 help="Re-estimate the models by EM (default) or keep the stored trained models."),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Resolve the whole workspace again (every stored mention, judgments honoured, ids kept)."""
    try:
        ws, session = _session(workspace, users, user, case)
        session.allow("resolve", [], {"command": "rebuild", "retrain": retrain})
        report = ws.rebuild(retrain=retrain)
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    print(f"rebuilt in {report.seconds:.1f} s" + _entity_counts(session, report, ": "))


@app.command()
def judge(
    mention_a: str = typer.Argument(..., help="A mention id (source:row:mention)."),
    mention_b: str = typer.Argument(..., help="Another mention id of the same type."),
    verdict: str = typer.Argument(..., help="same or different."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
    justification: str = typer.Option("", help="Why (kept with the judgment, not in the audit log)."),
) -> None:
    """Record an analyst's verdict on two mentions; it wins over the model now and on every later run."""
    from linkgraph.store.access import AccessDenied
    from linkgraph.store.view import workspace_view

    try:
        ws, session = _session(workspace, users, user, case)
        session.allow("judgment", [mention_a, mention_b], {"command": "judge", "verdict": verdict})
        seen = set(workspace_view(ws, session.user).mentions["mention_id"])
        if mention_a not in seen or mention_b not in seen:
            raise AccessDenied("mention")
        report = ws.add_judgment(mention_a, mention_b, verdict, analyst=session.user.name,
                                 case_number=session.case_number, justification=justification)
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    print(f"{verdict}: {mention_a} / {mention_b} recorded ({report.merged} merged, {report.split} split)")


@app.command()
def retention(
    before: str = typer.Argument(..., help="Remove every row dated before this ISO date."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    reason: str = typer.Option(..., help="Why (the retention rule or decision)."),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Apply a retention date: remove older rows and everything derived from them, then re-resolve."""
    from linkgraph.store.access import AccessDenied
    from linkgraph.store.view import sees_everything

    try:
        ws, session = _session(workspace, users, user, case)
        session.allow("retention", [], {"command": "retention", "before": before})
        if not sees_everything(session.user):  # it removes rows of every agency
            raise AccessDenied(action="retention (needs a user who sees every agency and level)")
        report = ws.apply_retention(before, reason)
        session.record("erase", [], {"command": "retention", "before": before,
                                     **{k: int(v) for k, v in report.removed.items()}})
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    print(f"retention before {before}: " + ", ".join(f"{k} {v}" for k, v in report.removed.items()))


audit_app = typer.Typer(help="The audit log: check that no line was edited, deleted or reordered.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    path: Path = typer.Argument(..., help="The audit log (JSON lines; WORKSPACE.audit.jsonl)."),
    head: Optional[str] = typer.Option(None, help="Expected record as SEQ:HASH (default: the log's own "
                                       "PATH.head file, which catches a cut tail)."),
) -> None:
    """Verify the hash chain of an audit log and its head file; exit 1 and name the lines when broken."""
    from linkgraph.store.audit import AuditError, parse_head, verify, verify_log

    if head:
        try:
            expected = parse_head(head)
        except AuditError:
            raise typer.BadParameter("--head takes SEQ:HASH (a number, a colon, 64 hex digits)") from None
        result = verify(path, expected_head=expected)
    else:
        result = verify_log(path)
    if result.ok:
        print(f"ok: {path}: {result.records} records, head {result.head[0]}:{result.head[1]}")
        return
    for problem in result.problems:
        print(f"broken: {path}: {problem}")
    raise typer.Exit(code=1)
