"""The ``linkgraph`` command line: the same operations as the Python API."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from linkgraph.api import DEFAULT_SOURCES, load_mappings, read_sources, save_resolution, summarize
from linkgraph.errors import LinkgraphError
from linkgraph.match.pipeline import DEFAULT_RULES, resolve
from linkgraph.scoring.config import DEFAULT_SCORING, load_scoring
from linkgraph.store.access import can

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
                    TextColumn("{task.completed:,.0f}/{task.total:,.0f}"), TimeElapsedColumn(),
                    TextColumn("{task.fields[remaining]}"), console=console,
                    disable=not console.is_terminal)


class _Steps:
    """The progress of a run: one bar of steps, and one bar per entity type of pairs compared / total
    (with the time left, estimated from the pairs compared so far)."""

    def __init__(self, bar: Progress, task) -> None:
        self.bar, self.task, self.pair_tasks = bar, task, {}

    def __call__(self, message: str) -> None:
        self.bar.update(self.task, description=message, advance=1)

    def rows(self, file: str, rows: int) -> None:
        task = self.bar.add_task(f"read {Path(file).name}: rows", total=max(rows, 1), remaining="")
        self.bar.update(task, completed=max(rows, 1))  # finished: its clock stops

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
    console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
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


@app.command(name="resolve")
def resolve_cmd(
    files: Optional[list[Path]] = typer.Argument(None, help="Agency files (default: each mapping's file: key)."),
    mapping: Optional[list[Path]] = typer.Option(None, "--mapping", "-m", help="Source mapping YAML (repeatable)."),
    sources: Path = typer.Option(DEFAULT_SOURCES, help="Folder of mappings used when no --mapping is given."),
    rules: Path = typer.Option(DEFAULT_RULES, help="Folder of matching settings."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder."),
    fmt: str = typer.Option("csv,parquet", "--format", help="Output formats: csv, parquet or both."),
    previous: Optional[Path] = typer.Option(None, help="An earlier mentions.csv whose entity ids to keep."),
    judgments: Optional[Path] = typer.Option(None, help="CSV of analyst judgments: mention_a,mention_b,verdict."),
    engine: str = typer.Option("local", help="Matching engine: local, or spark (Apache Spark; same results)."),
    spark_master: Optional[str] = typer.Option(None, help="Spark master (spark://host:7077, yarn, local[4]...)."),
    workers: int = typer.Option(1, min=1, help="Files read at a time, each in its own process (same result)."),
) -> None:
    """Resolve mentions into entities; write mentions, entities, relations and rejects."""
    from linkgraph.match.spark import ENGINES, table_resolver

    if engine not in ENGINES:
        raise typer.BadParameter(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}", param_hint="--engine")
    try:
        specs = _specs(mapping, files, sources)
        result = _run_resolution(specs, rules, judgments, previous, table_resolver(engine, spark_master), workers)
        formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
        save_resolution(result, out, formats)
    except LinkgraphError as exc:
        _fail(exc)
    except MemoryError:  # the budgets should prevent it; never a traceback
        _fail(LinkgraphError("out of memory: lower budget.pairs_per_rule and budget.chunk_pairs in the matching "
                             f"settings ({rules}), or run with --engine spark on a machine with more memory"))
    summary = summarize(result)
    table = Table(title=f"linkgraph resolve → {out}")
    for col in ("source", "rows in", "resolved", "rejected"):
        table.add_column(col, justify="right" if col != "source" else "left")
    for src, c in summary["sources"].items():
        table.add_row(src, str(c["rows_in"]), str(c["rows_resolved"]), str(c["rows_rejected"]))
    table.add_row("[bold]total", str(summary["rows_in"]), str(summary["rows_resolved"]), str(summary["rows_rejected"]))
    Console().print(table)
    ents = ", ".join(f"{k}: {summary['mentions'].get(k, 0)} mentions → {v} entities" for k, v in summary["entities"].items())
    Console().print(ents)
    for line in _matching_lines(summary.get("matching", {})):
        Console().print(line, highlight=False)
    for p in summary.get("placeholders", []):  # rules/placeholders.yaml: treated as missing
        Console().print(f"placeholder {p['entity_type']}.{p['column']} {p['value']!r}: {p['mentions']} mentions, "
                        "not used as an identifier (placeholders.csv)", highlight=False)


@app.command()
def evaluate(
    dataset: str = typer.Option("fixtures", help="fixtures, febrl3 or febrl4 (ignored with --truth)."),
    mapping: Optional[list[Path]] = typer.Option(None, "--mapping", "-m", help="Mapping of a labelled file."),
    truth: Optional[Path] = typer.Option(None, help="CSV with record_id,entity_id for a labelled file."),
    files: Optional[list[Path]] = typer.Argument(None, help="Labelled files (with --mapping and --truth)."),
    rules: Path = typer.Option(DEFAULT_RULES, help="Folder of matching settings."),
    fixtures: Path = typer.Option(Path(__file__).resolve().parents[1] / "fixtures" / "data", help="Fixture data folder."),
    scoring: bool = typer.Option(False, "--scoring", help="Evaluate priority scoring on the fixtures' planted roles."),
) -> None:
    """Print `TYPE precision=P recall=R f1=F` (pairwise over the final clusters)."""
    from linkgraph.evaluate import runs

    try:
        if scoring:
            lines = runs.evaluate_scoring(fixtures, DEFAULT_SOURCES, rules)
        elif truth is not None:
            lines = runs.evaluate_labelled(_specs(mapping, files, DEFAULT_SOURCES), truth, rules)
        elif dataset in ("febrl3", "febrl4"):
            lines = runs.evaluate_febrl(dataset)
        elif dataset == "fixtures":
            lines = runs.evaluate_fixtures(fixtures, DEFAULT_SOURCES, rules)
        else:
            raise typer.BadParameter(f"unknown dataset {dataset!r}: expected fixtures, febrl3 or febrl4")
    except LinkgraphError as exc:
        _fail(exc)
    for line in lines:
        print(line)


@app.command()
def explain(
    mention_a: str = typer.Argument(..., help="A mention id (source:row:mention)."),
    mention_b: str = typer.Argument(..., help="Another mention id of the same type."),
    sources: Path = typer.Option(DEFAULT_SOURCES, help="Folder of mappings."),
    rules: Path = typer.Option(DEFAULT_RULES, help="Folder of matching settings."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Show why two mentions match or not: each comparison's level and weight (a waterfall)."""
    try:
        if workspace is not None:
            _, _, result = _view(workspace, users, user, case, "view", [mention_a, mention_b],
                                 {"command": "explain"})
            if not result.mentions["mention_id"].isin([mention_a, mention_b]).sum() == 2:
                from linkgraph.store.access import AccessDenied

                raise AccessDenied("mention")
        else:
            result = _run_resolution(_specs(None, None, sources), rules, None, None)
        steps = result.explain_pair(mention_a, mention_b)
    except (LinkgraphError, KeyError, ValueError) as exc:
        _fail(exc)
    table = Table(title=f"{mention_a} vs {mention_b}")
    for col in ("step", "level", "m", "u", "weight (bits)"):
        table.add_column(col)
    for s in steps:
        fmt = lambda v: "" if v is None else f"{v:.4g}"
        table.add_row(s["step"], s["level"], fmt(s["m"]), fmt(s["u"]), f"{s['weight']:+.2f}")
    Console().print(table)
    same = result.entity_of(mention_a) == result.entity_of(mention_b)
    Console().print(f"same entity: {'yes' if same else 'no'} ({result.entity_of(mention_a)} / {result.entity_of(mention_b)})")


@app.command(name="score")
def score_cmd(
    top: int = typer.Option(20, help="Rank the whole graph and keep the top N (without --targets)."),
    targets: Optional[Path] = typer.Option(None, help="CSV of candidate targets: entity_id, full_name, "
                                           "first_name, last_name, dob, phone or plate columns."),
    listed: Optional[Path] = typer.Option(None, help="CSV with an entity_id column: already-listed targets."),
    scoring: Path = typer.Option(DEFAULT_SCORING, help="Scoring settings (rules/scoring.yaml)."),
    sources: Path = typer.Option(DEFAULT_SOURCES, help="Folder of mappings."),
    rules: Path = typer.Option(DEFAULT_RULES, help="Folder of matching settings."),
    out: Path = typer.Option(Path("out/score"), "--out", "-o", help="Output folder (ranked.csv, ranked.json)."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Rank priority targets with each factor's contribution and its evidence rows."""
    import pandas as pd

    from linkgraph.scoring.export import write_scores
    from linkgraph.scoring.score import NOTICE, score
    from linkgraph.scoring.targets import resolve_targets

    session = None
    try:
        if workspace is not None:
            _, session, result = _view(workspace, users, user, case, "score", (),
                                       {"command": "score", "top": top, "targets": targets is not None})
        else:
            result = _run_resolution(_specs(None, None, sources), rules, None, None)
        listed_ids = set(pd.read_csv(listed, dtype=str)["entity_id"]) if listed else set()
        scores = score(result, load_scoring(scoring), listed_ids)
        resolved = None
        if targets:
            resolved = resolve_targets(result, pd.read_csv(targets, dtype=str, keep_default_na=False))
        paths = write_scores(scores, out, top=None if targets else top, targets=resolved)
        if session is not None:  # what was disclosed: the ranked ids written
            written = scores.persons if targets else scores.persons.head(top)
            session.record("export", list(written["entity_id"]), {"command": "score", "rows": len(written)})
    except (LinkgraphError, ValueError, KeyError) as exc:
        _fail(exc)
    shown = scores.persons if not targets else scores.persons[scores.persons["entity_id"].isin(
        {e for cell in resolved["entities"] for e in cell.split(";") if e})]
    table = Table(title=f"priority targets → {out}", caption=NOTICE)
    for col in ("rank", "label", "score", "network", "activity", "corroboration", "international", "financial",
                "concealment"):
        table.add_column(col)
    for _, r in shown.head(top).iterrows():
        table.add_row(str(r["rank"]), str(r["label"]), f"{r['score']:.3f}", *(f"{r[c]:.3f}" for c in (
            "network", "activity", "corroboration", "international", "financial", "concealment")))
    Console().print(table)
    if resolved is not None and (resolved["status"] != "resolved").any():
        Console().print(f"unresolved lines: {', '.join(map(str, resolved.loc[resolved['status'] != 'resolved', 'line']))}")
    Console().print("written: " + ", ".join(map(str, paths)))


@app.command()
def chart(
    out: Path = typer.Option(Path("out/chart.html"), "--out", "-o", help="HTML file to write."),
    ego: Optional[str] = typer.Option(None, help="Entity id whose neighbourhood to chart."),
    depth: int = typer.Option(1, help="Hops around --ego (and --top)."),
    path: Optional[list[str]] = typer.Option(None, help="Two entity ids: chart the path between them."),
    top: Optional[int] = typer.Option(None, help="Chart the top N priority targets and their neighbours."),
    community: Optional[int] = typer.Option(None, help="Chart one organisation (community number)."),
    title: str = typer.Option("linkgraph chart", help="Title of the page."),
    sources: Path = typer.Option(DEFAULT_SOURCES, help="Folder of mappings."),
    rules: Path = typer.Option(DEFAULT_RULES, help="Folder of matching settings."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Write a self-contained interactive link chart (works air-gapped)."""
    from linkgraph.render import chart_data, write_chart

    if path is not None and len(path) != 2:
        raise typer.BadParameter("--path takes two entity ids: --path A --path B")
    try:
        if workspace is not None:
            _, _, result = _view(workspace, users, user, case, "chart", [i for i in [ego, *(path or [])] if i],
                                 {"command": "chart", "depth": depth, "top": top, "community": community})
        else:
            result = _run_resolution(_specs(None, None, sources), rules, None, None)
        data = chart_data(result, ego=ego, depth=depth, path=tuple(path) if path else None, top=top,
                          community=community)
        written = write_chart(data, out, title)
    except (LinkgraphError, ValueError, KeyError) as exc:
        _fail(exc)
    print(f"{written}: {len(data['nodes'])} nodes, {len(data['edges'])} edges")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind (loopback by default)."),
    port: int = typer.Option(8765, help="Port."),
    folder: Path = typer.Option(Path("out/explorer"), help="Folder keeping the analysts' judgments.csv "
                                "(without --workspace)."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Start the investigators' explorer (search, entity pages, chart, paths, targets, review queue).

    With --workspace: one analyst's session (--user, --case) over what they may see, every request
    audited; open the address printed (it carries the session token)."""
    from linkgraph.service import run

    if workspace is None:
        run(host=host, port=port, folder=folder)
        return
    import secrets

    from linkgraph.service.workspace_state import WorkspaceState

    try:
        ws, session = _session(workspace, users, user, case)
        session.token = secrets.token_urlsafe(24)
        session.allow("login", (), {"command": "serve"})
        state = WorkspaceState(ws, session.user)
    except LinkgraphError as exc:
        _fail(exc)
    console.print(f"explorer for {session.user.name} (case {session.case_number}): "
                  f"http://{host}:{port}/?token={session.token}", highlight=False)
    run(host=host, port=port, state=state, session=session)


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
        table.add_row(h["entity_id"], h["entity_type"], h["label"], f"{h['score']:.0f}", h["match"],
                      str(h["mentions"]), str(h["agencies"]))
    Console(width=200).print(table)


@app.command(name="export")
def export_cmd(
    out: Path = typer.Option(Path("out/export"), "--out", "-o", help="Output folder."),
    png: bool = typer.Option(False, help="Also render the chart as PNG (needs Chromium)."),
    sources: Path = typer.Option(DEFAULT_SOURCES, help="Folder of mappings."),
    rules: Path = typer.Option(DEFAULT_RULES, help="Folder of matching settings."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Export the entity graph: GraphML, GEXF (Gephi), i2 Analyst's Notebook CSV, Neo4j CSVs, SVG."""
    from linkgraph.render.exports import export_all

    try:
        if workspace is not None:
            _, session, result = _view(workspace, users, user, case, "export", (), {"command": "export", "png": png})
        else:
            result = _run_resolution(_specs(None, None, sources), rules, None, None)
        paths = export_all(result, out, png=png)
    except LinkgraphError as exc:
        _fail(exc)
    for name, path in paths.items():
        print(f"{name}: {path}")


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


@app.command()
def validate(mappings: list[Path] = typer.Argument(..., help="Mapping or settings YAML files to check.")) -> None:
    """Check source mappings and matching models (rules/matching/*.yaml); print the first error of each invalid one."""
    from linkgraph.documents import read_yaml
    from linkgraph.match.settings import parse_settings
    from linkgraph.sources.mapping import parse_mapping

    bad = 0
    for path in mappings:
        try:
            data = read_yaml(path)
            if isinstance(data, dict) and "entity_type" in data and "source" not in data:  # a matching model
                s = parse_settings(data, str(path))
                print(f"{path}: ok (matching model of {s.entity_type}, {len(s.comparisons)} comparisons, "
                      f"{'trained' if s.trained else 'untrained' if s.probabilistic else 'deterministic'})")
                continue
            m = parse_mapping(data, str(path))
            print(f"{path}: ok ({m.source}, {len(m.mentions)} mentions, {len(m.relations)} relations)")
        except LinkgraphError as exc:
            bad += 1
            print(f"error: {exc}")
    if bad:
        raise typer.Exit(code=2)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
