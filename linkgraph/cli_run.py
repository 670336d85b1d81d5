"""``linkgraph`` commands that make or read a run: resolve, evaluate, serve.

``resolve`` writes a run folder (default ``out/run``); every later command reads it (or a
workspace) and never resolves again behind the user's back.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from linkgraph.api import DEFAULT_SOURCES, summarize
from linkgraph.cli_base import (CASE_HELP, USER_HELP, USERS_HELP, WORKSPACE_HELP, _matching_lines, _run_resolution, _session,
                                app, console)
from linkgraph.cli_inputs import run_folder, source_specs
from linkgraph.match.pipeline import DEFAULT_RULES
from linkgraph.run_folder import DEFAULT_RUN, save_run

MAPPING_HELP = ("Source mapping YAML, repeatable; MAPPING.yaml:FILE pairs a mapping with its file, else files "
                "pair in order (or go to the mappings without file:).")
RUN_HELP = f"Run folder written by `linkgraph resolve` (default {DEFAULT_RUN})."


def out_console() -> Console:
    """Standard output; wide enough when piped that names are never cut."""
    c = Console()
    return c if c.is_terminal else Console(width=max(c.width, 200))


def warn(message: str) -> None:
    console.print(Text(message, style="yellow"), highlight=False, soft_wrap=True)


def next_steps(run: Path) -> str:
    r = str(run)
    return ("next:\n"
            f"  linkgraph score {r}                  # priority targets ({r}/score/ranked.csv)\n"
            f"  linkgraph chart {r} --top 10         # link chart ({r}/chart.html)\n"
            f"  linkgraph chart {r} --ego NAME_OR_ID # one entity's neighbourhood\n"
            f"  linkgraph export {r}                 # GraphML, GEXF, i2, Neo4j, SVG ({r}/export/)\n"
            f"  linkgraph serve {r} --case CASE      # the explorer (audited; open the printed address)")


@app.command(name="resolve")
def resolve_cmd(
    files: Optional[list[Path]] = typer.Argument(None, help="Agency files (default: each mapping's file: key)."),
    mapping: Optional[list[str]] = typer.Option(None, "--mapping", "-m", help=MAPPING_HELP),
    sources: Path = typer.Option(DEFAULT_SOURCES, help="Folder of mappings used when no --mapping is given."),
    rules: Path = typer.Option(DEFAULT_RULES, help="Folder of matching settings."),
    out: Path = typer.Option(DEFAULT_RUN, "--out", "-o", help="Run folder to write (replaced whole)."),
    fmt: str = typer.Option("csv,parquet", "--format", help="Table formats: csv, parquet or both (Parquet is "
                            "always kept: later commands load it)."),
    previous: Optional[Path] = typer.Option(None, help="An earlier mentions.csv whose entity ids to keep."),
    judgments: Optional[Path] = typer.Option(None, help="CSV of analyst judgments: mention_a,mention_b,verdict."),
    engine: str = typer.Option("local", help="Matching engine: local, or spark (Apache Spark; same results)."),
    spark_master: Optional[str] = typer.Option(None, help="Spark master (spark://host:7077, yarn, local[4]...)."),
    workers: int = typer.Option(1, min=1, help="Files read at a time, each in its own process (same result)."),
) -> None:
    """Resolve mentions into entities; write a run folder (mentions, entities, relations, rejects, models)."""
    from linkgraph.match.spark import ENGINES, table_resolver

    if engine not in ENGINES:
        raise typer.BadParameter(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}", param_hint="--engine")
    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    if not formats or set(formats) - {"csv", "parquet"}:
        raise typer.BadParameter(f"unknown output format in {fmt!r}: expected csv, parquet or both", param_hint="--format")
    start = time.perf_counter()
    specs = source_specs(mapping, files, sources, warn=warn)
    result = _run_resolution(specs, rules, judgments, previous, table_resolver(engine, spark_master), workers)
    inputs = [{"mapping": str(Path(m.path).resolve()) if m.path else None, "file": str(Path(f).resolve())}
              for m, f in specs]
    save_run(result, out, formats, inputs=inputs)
    summary = summarize(result)
    table = Table(title=f"linkgraph resolve → {out}")
    for col in ("source", "rows in", "resolved", "rejected"):
        table.add_column(col, justify="right" if col != "source" else "left")
    for src, c in summary["sources"].items():
        table.add_row(Text(src), str(c["rows_in"]), str(c["rows_resolved"]), str(c["rows_rejected"]))
    table.add_row(Text("total", style="bold"), str(summary["rows_in"]), str(summary["rows_resolved"]),
                  str(summary["rows_rejected"]))
    stdout = out_console()
    stdout.print(table)
    ents = ", ".join(f"{k}: {summary['mentions'].get(k, 0)} mentions → {v} entities" for k, v in summary["entities"].items())
    stdout.print(Text(ents))
    for line in _matching_lines(summary.get("matching", {})):
        stdout.print(Text(line))
    for p in summary.get("placeholders", []):  # rules/placeholders.yaml: treated as missing
        stdout.print(Text(f"placeholder {p['entity_type']}.{p['column']} {p['value']!r}: {p['mentions']} mentions, "
                          "not used as an identifier (placeholders.csv)"))
    stdout.print(Text(f"written: {out}/ (mentions, entities, relations, rows, rejects, models) in "
                      f"{time.perf_counter() - start:.1f} s"))
    stdout.print(Text(next_steps(out)))


@app.command()
def evaluate(
    paths: Optional[list[Path]] = typer.Argument(None, help=f"The run folder of the fixtures to score (default "
                                                 f"{DEFAULT_RUN}); with --truth, the labelled file(s)."),
    dataset: str = typer.Option("fixtures", help="fixtures, febrl3 or febrl4 (ignored with --truth)."),
    mapping: Optional[list[str]] = typer.Option(None, "--mapping", "-m", help="Mapping of a labelled file."),
    truth: Optional[Path] = typer.Option(None, help="Labelled file's truth CSV: entity_id and either mention_id, or "
                                         "record_id (+ mention or entity_type when a row mentions several)."),
    rules: Path = typer.Option(DEFAULT_RULES, help="Folder of matching settings (with --truth)."),
    fixtures: Path = typer.Option(Path(__file__).resolve().parents[1] / "fixtures" / "data", help="Fixture data folder."),
    scoring: bool = typer.Option(False, "--scoring", help="Evaluate priority scoring on the fixtures' planted roles."),
) -> None:
    """Print `TYPE precision=P recall=R f1=F` (pairwise over the final clusters)."""
    from linkgraph.evaluate import runs
    from linkgraph.run_folder import load_run

    paths = list(paths or [])
    if truth is not None:
        if not mapping:
            raise typer.BadParameter("--truth needs the labelled file's mapping: -m MAPPING.yaml FILE")
        lines = runs.evaluate_labelled(source_specs(mapping, paths, DEFAULT_SOURCES, warn=warn), truth, rules)
    elif dataset in ("febrl3", "febrl4"):
        lines = runs.evaluate_febrl(dataset)
    elif dataset != "fixtures":
        raise typer.BadParameter(f"unknown dataset {dataset!r}: expected fixtures, febrl3 or febrl4")
    elif len(paths) > 1:
        raise typer.BadParameter("one run folder at most (labelled files need --truth and -m)")
    elif scoring:
        lines = runs.evaluate_scoring_run(load_run(run_folder(paths[0] if paths else None, "evaluate --scoring")),
                                          fixtures)
    else:
        lines = runs.evaluate_fixtures_run(load_run(run_folder(paths[0] if paths else None, "evaluate")), fixtures)
    for line in lines:
        print(line)


@app.command()
def serve(
    run: Optional[Path] = typer.Argument(None, help=RUN_HELP + " Not used with --workspace."),
    host: str = typer.Option("127.0.0.1", help="Address to bind (loopback by default; another needs TLS)."),
    port: int = typer.Option(8765, help="Port."),
    folder: Path = typer.Option(Path("out/explorer"), help="Folder keeping the analysts' judgments.csv and the "
                                "audit log (without --workspace)."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
    tls_cert: Optional[Path] = typer.Option(None, help="TLS certificate (PEM), needed to listen beyond loopback."),
    tls_key: Optional[Path] = typer.Option(None, help="TLS private key (PEM)."),
) -> None:
    """Start the investigators' explorer (search, entity pages, chart, paths, targets, review queue).

    One analyst's session (--case; with --workspace also --user) over what they may see, every
    request audited; open the address printed (it carries the session token in its fragment).
    Without --workspace: over a run folder, as the account that runs it, audited to FOLDER/audit.jsonl."""
    import secrets

    from linkgraph.service import ExplorerState, run as serve_app

    if workspace is None:
        import getpass
        import re as _re

        from linkgraph.run_folder import load_run, run_inputs
        from linkgraph.service.session import Session
        from linkgraph.store.access import User
        from linkgraph.store.audit import AuditLog

        if not case or not case.strip():
            raise typer.BadParameter("--case is required (the justification of the access, audited)")
        chosen = run_folder(run, "serve")
        name = _re.sub(r"[^A-Za-z0-9._@-]", "_", getpass.getuser())[:64] or "analyst"
        session = Session(User(name=name, role="reviewer", agencies="*", max_classification="secret"),
                          case, AuditLog(Path(folder) / "audit.jsonl"), secrets.token_urlsafe(24))
        session.allow("login", (), {"command": "serve"})
        state = ExplorerState(folder, run_inputs(chosen) or [], result=load_run(chosen))
        where = f"over {chosen} (judgments and audit log in {folder}/)"
    else:
        from linkgraph.service.workspace_state import WorkspaceState

        ws, session = _session(workspace, users, user, case)
        ws.read_wait = 5.0  # a request on a busy workspace answers 503 (Retry-After) after 5 s, not 300
        ws.linger()  # the file stays open between requests; let go when idle or when another process asks
        session.token = secrets.token_urlsafe(24)
        session.allow("login", (), {"command": "serve"})
        state = WorkspaceState(ws, session.user)
        where = f"for {session.user.name} (case {session.case_number})"
    scheme = "https" if tls_cert else "http"
    console.print(Text(f"explorer {where}: {scheme}://{host}:{port}/#token={session.token}"), highlight=False)
    serve_app(host=host, port=port, state=state, folder=folder, session=session,
              ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None)
