"""``linkgraph`` commands on a workspace: search, init, ingest, erase, rebuild, judge, retention, users, audit."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from linkgraph.cli_base import CASE_HELP, DEFAULT_WAIT, USER_HELP, USERS_HELP, WAIT_HELP, _fail, _session, app
from linkgraph.errors import LinkgraphError


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
    from linkgraph.store.view import workspace_view

    try:
        ws, session = _session(workspace, users, user, case)
        session.allow("search", (), {"command": "search", "query": session.query_digest(query), "kind": kind})
        result = workspace_view(ws, session.user)
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
    from linkgraph.store.access import load_users
    from linkgraph.store.workspace import Workspace

    try:
        if users is not None:
            load_users(users)
        ws = Workspace.create(workspace)
        if users is not None:  # bound by its digest: changed only by `linkgraph users set`
            ws.bind_users(users)
    except LinkgraphError as exc:
        _fail(exc)
    print(f"created {ws.path} (audit log: {ws.audit_path}" +
          (f", users: {ws.users_path})" if users is not None else "; no users yet: `linkgraph users set`)"))


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
    wait: float = typer.Option(DEFAULT_WAIT, "--wait", help=WAIT_HELP),
) -> None:
    """Ingest a file into a workspace: atomic, idempotent on identical content, ids kept stable."""
    try:
        ws, session = _session(workspace, users, user, case, wait)
        session.check("ingest", [str(file.name)], {"command": "ingest"})
        checked = session.check_ingest(ws, mapping, replace)
        from linkgraph.store.watchlists import last_alert, read_alerts

        before = last_alert(ws)
        report = ws.ingest(file, checked, replace=replace, actor=session.actor)  # audited with the change
        raised = len(read_alerts(ws, session.user, since=before)) if report.alerts else 0   # those the user sees
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    print(f"{report.status}: {report.source} ({report.file}): {report.rows_in} rows, {report.rows_rejected} "
          f"rejected, {report.mentions} mentions" + _entity_counts(session, report, "; "))
    if raised:
        print(f"{raised} alert(s) on watched entities: see `linkgraph alerts --since {before}`")


@app.command()
def erase(
    source: str = typer.Argument(..., help="Source id to erase with everything derived from it."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    reason: str = typer.Option(..., help="Why (kept with the id changes)."),
    user: str = typer.Option(..., help=USER_HELP),
    case: str = typer.Option(..., help="Case number or decision reference (audit log)."),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    wait: float = typer.Option(DEFAULT_WAIT, "--wait", help=WAIT_HELP),
) -> None:
    """Erase a source and everything derived from it, then re-resolve (as if it had never come)."""
    try:
        ws, session = _session(workspace, users, user, case, wait)
        session.check("erase", [source], {"command": "erase"})
        known = ws.sources()
        row = known[known["source_id"] == source]
        if row.empty or not session.user.sees(row["agency"].iloc[0], row["classification"].iloc[0]):
            session.deny("erase", [source], {"command": "erase"}, "source")
        report = ws.erase_source(source, reason, actor=session.actor)  # audited with the change
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    # what the user saw of the source; id changes and entity links also count hidden merges: not printed
    shown = {k: v for k, v in report.removed.items() if k in ("rows", "rejects", "mentions", "relations", "sources")}
    print(f"erased {source}: " + ", ".join(f"{k} {v}" for k, v in shown.items()))


@app.command()
def rebuild(
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    retrain: bool = typer.Option(True, "--retrain/--keep-models",
                                 help="Re-estimate the models by EM (default) or keep the stored trained models."),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
    wait: float = typer.Option(DEFAULT_WAIT, "--wait", help=WAIT_HELP),
) -> None:
    """Resolve the whole workspace again (every stored mention, judgments honoured, ids kept)."""
    try:
        ws, session = _session(workspace, users, user, case, wait)
        session.check("resolve", [], {"command": "rebuild", "retrain": retrain})
        report = ws.rebuild(retrain=retrain, actor=session.actor)  # audited with the change
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
    wait: float = typer.Option(DEFAULT_WAIT, "--wait", help=WAIT_HELP),
) -> None:
    """Record an analyst's verdict on two mentions; it wins over the model now and on every later run."""
    from linkgraph.store.view import workspace_view

    try:
        ws, session = _session(workspace, users, user, case, wait)
        session.check("judgment", [mention_a, mention_b], {"command": "judge", "verdict": verdict})
        before = workspace_view(ws, session.user).mentions.set_index("mention_id")["entity_id"]
        if mention_a not in before.index or mention_b not in before.index:
            session.deny("judgment", [mention_a, mention_b], {"command": "judge"}, "mention")
        ws.add_judgment(mention_a, mention_b, verdict, analyst=session.user.name,
                        case_number=session.case_number, justification=justification)
        after = workspace_view(ws, session.user).mentions.set_index("mention_id")["entity_id"]
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    # counted on the user's view: whether the two are together before and after, nothing hidden
    was, now = before[mention_a] == before[mention_b], after[mention_a] == after[mention_b]
    print(f"{verdict}: {mention_a} / {mention_b} recorded ({int(now and not was)} merged, "
          f"{int(was and not now)} split in what you may see)")


@app.command()
def retention(
    before: str = typer.Argument(..., help="Remove every row dated before this ISO date."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    reason: str = typer.Option(..., help="Why (the retention rule or decision)."),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
    wait: float = typer.Option(DEFAULT_WAIT, "--wait", help=WAIT_HELP),
) -> None:
    """Apply a retention date: remove older rows and everything derived from them, then re-resolve."""
    from linkgraph.store.access import AccessDenied
    from linkgraph.store.view import sees_everything

    try:
        ws, session = _session(workspace, users, user, case, wait)
        session.check("retention", [], {"command": "retention", "before": before})
        if not sees_everything(session.user):  # it removes rows of every agency
            session.record("access_denied", [], {"command": "retention", "action": "retention"})
            raise AccessDenied(action="retention (needs a user who sees every agency and level)")
        report = ws.apply_retention(before, reason, actor=session.actor)  # audited with the change
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    print(f"retention before {before}: " + ", ".join(f"{k} {v}" for k, v in report.removed.items()))


users_app = typer.Typer(help="The users bound to a workspace (roles, agencies, classification).")
app.add_typer(users_app, name="users")


@users_app.command("set")
def users_set(
    file: Path = typer.Argument(..., help="The new users file (checked first)."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    user: str = typer.Option(..., help="An administrator of the workspace (in its current users file)."),
    case: str = typer.Option(..., help="Case number or decision reference (audit log)."),
) -> None:
    """Replace the users of a workspace (admin only; audited as manage_users). A workspace created
    without users takes its first file from the account that created it (`init --users` is better)."""
    from linkgraph.service.session import Session
    from linkgraph.store.workspace import Workspace

    try:
        ws = Workspace.open(workspace)
        if ws.users_digest() is None:
            actor = None  # first binding: the operating-system account that runs it is recorded
        else:
            session = Session.open(ws, user, case)
            session.check("manage_users", [], {"command": "users set"})
            actor = session.actor
        digest = ws.bind_users(file, actor=actor)
    except LinkgraphError as exc:
        _fail(exc)
    print(f"users of {ws.path}: {ws.users_path} (sha256 {digest[:16]}…)")


audit_app = typer.Typer(help="The audit log: check that no line was edited, deleted or reordered.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    path: Path = typer.Argument(..., help="The audit log (JSON lines; WORKSPACE.audit.jsonl)."),
    head: Optional[str] = typer.Option(None, "--head", "--anchor", help="A head copied earlier from "
                                       "`linkgraph audit anchor` (SEQ:HASH): that record must still be there."),
) -> None:
    """Verify an audit log: its hash chain and head file and, for a workspace's log, each record's
    signature and the workspace database's own copy of the chain. Exit 1 and name the problems."""
    from linkgraph.store.audit import AuditError, parse_head
    from linkgraph.store.ledger import verify_path

    expected = None
    if head:
        try:
            expected = parse_head(head)
        except AuditError:
            raise typer.BadParameter("--head takes SEQ:HASH (a number, a colon, 64 hex digits)") from None
    try:
        result = verify_path(path, expected)
    except LinkgraphError as exc:
        _fail(exc)
    for note in result.notes:
        print(f"note: {path}: {note}")
    if result.ok:
        print(f"ok: {path}: {result.records} records, head {result.head[0]}:{result.head[1]}")
        return
    for problem in result.problems:
        print(f"broken: {path}: {problem}")
    raise typer.Exit(code=1)


@audit_app.command("anchor")
def audit_anchor(workspace: Path = typer.Argument(..., help="Workspace database file.")) -> None:
    """Print the head of the workspace's audit chain (SEQ:HASH, with the time) to copy into an external
    register (syslog, a paper register, a timestamping service); `audit verify --anchor` checks it later."""
    from linkgraph.store.ledger import anchor_of

    try:
        print(anchor_of(workspace))
    except LinkgraphError as exc:
        _fail(exc)
