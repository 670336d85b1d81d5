"""``linkgraph watch`` (watchlists) and ``linkgraph alerts`` (what new data touched) on a workspace.

See :mod:`linkgraph.store.watchlists`. Creating a watchlist needs the ``watch`` permission (analyst
and above); reading alerts the ``alerts`` permission (every role), recorded in the audit log with the
ids of the alerts shown.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from linkgraph.cli_base import CASE_HELP, USER_HELP, USERS_HELP, _fail, _session, app
from linkgraph.cli_run import out_console
from linkgraph.errors import LinkgraphError

watch_app = typer.Typer(help="Watchlists: entities and rules whose new data raises alerts (see `linkgraph alerts`).",
                        no_args_is_help=True)
app.add_typer(watch_app, name="watch")
WS_HELP = "Workspace database file."
KIND_HELP = ("list (the entities given: national priority list, a cell's list), top (the top N of the "
             "priority score), second-agency (a person newly known to another agency), score-rise "
             "(a person whose score rose by more than --rise).")


def _entities(view, given: list[str], file: Optional[Path]) -> list[str]:
    """Entity ids from ids, names or mention ids (``SOURCE:ROW:MENTION``) and a CSV ``entity_id`` column."""
    import pandas as pd

    from linkgraph.lookup import entity_id

    wanted = list(given or [])
    if file is not None:
        table = pd.read_csv(file, dtype=str, keep_default_na=False)
        if "entity_id" not in table:
            raise LinkgraphError(f"{file}: needs an entity_id column")
        wanted += [v for v in table["entity_id"] if v.strip()]
    out = []
    for item in wanted:
        if view.mentions["mention_id"].eq(item).any():
            out.append(view.entity_of(item))
        else:
            out.append(entity_id(view.entities, item))
    return out


@watch_app.command("add")
def watch_add(
    name: str = typer.Argument(..., help="The watchlist's name (e.g. 'national priority list')."),
    kind: str = typer.Option("list", help=KIND_HELP),
    entity: Optional[list[str]] = typer.Option(None, help="An entity to watch (id, name or mention id); repeatable."),
    entities: Optional[Path] = typer.Option(None, help="CSV with an entity_id column: the entities to watch."),
    top: Optional[int] = typer.Option(None, help="top: how many of the priority list to watch."),
    rise: Optional[float] = typer.Option(None, help="score-rise: the rise in score points (0-1) that alerts."),
    description: str = typer.Option("", help="A note shown with the list."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help=WS_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Create a watchlist: every later ingest checks its new data against it."""
    from linkgraph.store.view import workspace_view
    from linkgraph.store.watchlists import add_watchlist, owner_scores

    try:
        kind = kind.replace("-", "_")
        ws, session = _session(workspace, users, user, case)
        session.check("watch", [name], {"command": "watch add", "kind": kind})
        ids: list[str] = []
        if kind == "list":
            ids = _entities(workspace_view(ws, session.user), entity or [], entities)
        scores = owner_scores(ws, session.user.name) if kind in ("top", "score_rise") else None
        made = add_watchlist(ws, name, kind, entities=ids, n=top, rise=rise, description=description,
                             owner=session.user.name, case_number=session.case_number, scores=scores)
    except (LinkgraphError, ValueError, KeyError) as exc:
        _fail(exc)
    print(f"watchlist {made['name']!r} ({made['kind']}): {made['entries']} entities watched")


@watch_app.command("list")
def watch_list(
    workspace: Path = typer.Option(..., "--workspace", "-w", help=WS_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """The workspace's watchlists (name, kind, owner, entries)."""
    from linkgraph.store.watchlists import watchlists

    try:
        ws, session = _session(workspace, users, user, case)
        session.allow("alerts", [], {"command": "watch list"})
        with ws._reading() as con:
            lists = watchlists(con)
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    table = Table(title=f"{len(lists)} watchlist(s)")
    for col in ("name", "kind", "owner", "entries", "created"):
        table.add_column(col)
    for w in lists.itertuples(index=False):
        table.add_row(Text(str(w.name)), w.kind, Text(str(w.owner)), str(w.entries), str(w.created_at))
    out_console().print(table)


@app.command()
def alerts(
    workspace: Path = typer.Option(..., "--workspace", "-w", help=WS_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
    since: int = typer.Option(0, help="Only alerts with a number above this one (a nightly job passes the last seen)."),
    watchlist: Optional[str] = typer.Option(None, help="Only this watchlist's alerts."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (for a nightly job) instead of a table."),
) -> None:
    """Alerts raised by new data on watched entities, as --user may see them (the read is audited)."""
    from linkgraph.store.watchlists import read_alerts

    try:
        if since < 0:
            raise LinkgraphError(f"--since must be an alert number (0 or more), got {since}")
        ws, session = _session(workspace, users, user, case)
        session.check("alerts", [], {"command": "alerts"})
        shown = read_alerts(ws, session.user, since=since, watchlist=watchlist)
        session.allow("alerts", [str(a["alert_id"]) for a in shown][:100],
                      {"command": "alerts", "since": since, "shown": len(shown)})
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    if as_json:
        print(json.dumps({"alerts": shown, "last": max([a["alert_id"] for a in shown], default=since)},
                         ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(shown)} alert(s)")
    for col in ("#", "when", "watchlist", "entity", "what", "new rows", "agencies"):
        table.add_column(col, overflow="fold")
    for a in shown:
        table.add_row(str(a["alert_id"]), a["at"], Text(a["watchlist"]), Text(f"{a['label']} ({a['entity_id']})"),
                      Text(a.get("matched", "")), Text(", ".join(r["ref"] for r in a["rows"])),
                      Text(", ".join(a.get("agencies", []))))
    out_console().print(table)
