"""``linkgraph`` commands over a resolution: resolve, evaluate, explain, score, chart, serve, export."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from linkgraph.api import DEFAULT_SOURCES, save_resolution, summarize
from linkgraph.cli_base import (CASE_HELP, USER_HELP, USERS_HELP, WORKSPACE_HELP, _fail, _run_resolution, _session,
                                _specs, _view, app, console)
from linkgraph.errors import LinkgraphError
from linkgraph.match.pipeline import DEFAULT_RULES
from linkgraph.scoring.config import DEFAULT_SCORING, load_scoring


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
