"""``linkgraph`` commands over a saved run or a workspace: score, chart, export (explain: cli_explain).

Each reads a run folder (``linkgraph score out/run``, ``--run DIR``; default ``out/run``) or, with
``--workspace``, what ``--user`` may see there. None of them resolves again.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from linkgraph.cli_base import CASE_HELP, USER_HELP, USERS_HELP, WORKSPACE_HELP, _view, app
from linkgraph.cli_inputs import run_folder
from linkgraph.cli_run import RUN_HELP, out_console
from linkgraph.scoring.config import DEFAULT_SCORING, load_scoring


def _run_of(run: Optional[Path], run_opt: Optional[Path], command: str) -> Path:
    if run is not None and run_opt is not None and Path(run) != Path(run_opt):
        raise typer.BadParameter(f"two run folders given ({run} and --run {run_opt}): give one")
    return run_folder(run_opt or run, command)


def _load(run: Path):
    from linkgraph.run_folder import load_run

    return load_run(run)


MIN_MERGE_HELP = ("Keep only merges with a match probability of at least P (0 < P < 1): entities that rest "
                  "on a weaker merge are split back into their parts (ids ID~2, ID~3...).")


def _check_merge_probability(p: Optional[float], workspace: Optional[Path]) -> None:
    """Refuse a threshold that is not a probability, or a workspace (whose view keeps no merge
    links yet), before anything is read."""
    if p is not None:
        from linkgraph.match.uncertain import check_probability

        check_probability(p)
        if workspace is not None:
            raise typer.BadParameter("--min-merge-probability works on a run folder (it reads the run's merge "
                                     "links); a workspace view does not keep them yet")


def _certain_only(result, p: Optional[float]):
    """``result`` with only the merges at or above ``p`` (None: unchanged), and a one-line summary."""
    if p is None:
        return result, None
    from linkgraph.match.uncertain import split_uncertain

    split, report = split_uncertain(result, p)
    flagged = report[report["uncertain"]]
    line = (f"merges below probability {p:g}: {len(flagged)} entities rest on one and were split into "
            f"{int(flagged['parts'].sum())} parts ({len(result.entities)} → {len(split.entities)} entities)")
    return split, (line, flagged)


def _default_out(out: Optional[Path], workspace: Optional[Path], run: Optional[Path], name: str,
                 fallback: str) -> Path:
    if out is not None:
        return out
    return Path(fallback) if workspace is not None else Path(run) / name


# `linkgraph explain` lives in linkgraph/cli_explain.py


@app.command(name="score")
def score_cmd(
    run: Optional[Path] = typer.Argument(None, help=RUN_HELP),
    run_opt: Optional[Path] = typer.Option(None, "--run", "-r", help=RUN_HELP),
    top: int = typer.Option(20, help="Rank the whole graph and keep the top N (without --targets)."),
    targets: Optional[Path] = typer.Option(None, help="CSV of candidate targets: entity_id, full_name, "
                                           "first_name, last_name, dob, phone or plate columns."),
    listed: Optional[Path] = typer.Option(None, help="CSV with an entity_id column: already-listed targets."),
    scoring: Path = typer.Option(DEFAULT_SCORING, help="Scoring settings (rules/scoring.yaml)."),
    min_merge_probability: Optional[float] = typer.Option(None, "--min-merge-probability", help=MIN_MERGE_HELP),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (ranked.csv, ranked.json); "
                                       "default RUN/score (out/score with --workspace)."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
    engine: str = typer.Option("local", help="Graph engine: local, or spark (edge table, projection and the "
                               "factors' group-bys on Apache Spark; same ranking)."),
    spark_master: Optional[str] = typer.Option(None, help="Spark master (spark://host:7077, yarn, local[4]...)."),
) -> None:
    """Rank priority targets with each factor's contribution and its evidence rows."""
    import pandas as pd

    from linkgraph.graph.spark import ENGINES
    from linkgraph.scoring.export import write_scores
    from linkgraph.scoring.score import NOTICE, score
    from linkgraph.scoring.targets import resolve_targets

    if engine not in ENGINES:
        raise typer.BadParameter(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}", param_hint="--engine")
    session = None
    chosen = None
    _check_merge_probability(min_merge_probability, workspace)
    if workspace is not None:
        _, session, result = _view(workspace, users, user, case, "score", (),
                                   {"command": "score", "top": top, "targets": targets is not None})
    else:
        chosen = _run_of(run, run_opt, "score")
        result = _load(chosen)
    out = _default_out(out, workspace, chosen, "score", "out/score")
    result, uncertain = _certain_only(result, min_merge_probability)
    listed_ids = set(pd.read_csv(listed, dtype=str)["entity_id"]) if listed else set()
    spark = None
    if engine == "spark":
        from linkgraph.match.spark import spark_session

        spark = spark_session(spark_master)
    scores = score(result, load_scoring(scoring), listed_ids, engine=engine, spark=spark)
    if uncertain is not None:   # each line says which entity a part was split from
        split_from = result.entities.set_index("entity_id")["split_from"]
        scores.persons["split_from"] = scores.persons["entity_id"].map(split_from)
    resolved = None
    if targets:
        resolved = resolve_targets(result, pd.read_csv(targets, dtype=str, keep_default_na=False))
    paths = write_scores(scores, out, top=None if targets else top, targets=resolved)
    if uncertain is not None:
        from linkgraph.store.files import write_table

        paths += write_table(uncertain[1], out, "uncertain_merges", ("csv",))
    if session is not None:  # what was disclosed: the ranked ids written
        written = scores.persons if targets else scores.persons.head(top)
        session.record("export", list(written["entity_id"]), {"command": "score", "rows": len(written)})
    shown = scores.persons if not targets else scores.persons[scores.persons["entity_id"].isin(
        {e for cell in resolved["entities"] for e in cell.split(";") if e})]
    factors = ("network", "activity", "corroboration", "international", "financial", "concealment")
    table = Table(title=Text(f"priority targets → {out}"), caption=Text(NOTICE))
    table.add_column("rank", justify="right", no_wrap=True)
    table.add_column("entity", no_wrap=True)
    table.add_column("name", overflow="fold", min_width=20)
    table.add_column("score", justify="right", no_wrap=True)
    for col in factors:
        table.add_column(col, justify="right", no_wrap=True)
    for _, r in shown.head(top).iterrows():
        table.add_row(str(r["rank"]), Text(str(r["entity_id"])), Text(str(r["label"])), f"{r['score']:.3f}",
                      *(f"{r[c]:.3f}" for c in factors))
    stdout = out_console()
    stdout.print(table)
    if resolved is not None and (resolved["status"] != "resolved").any():
        stdout.print(Text(f"unresolved lines: {', '.join(map(str, resolved.loc[resolved['status'] != 'resolved', 'line']))}"))
    if uncertain is not None:
        stdout.print(Text(uncertain[0]))
    stdout.print(Text("written: " + ", ".join(map(str, paths))))


@app.command()
def chart(
    run: Optional[Path] = typer.Argument(None, help=RUN_HELP),
    run_opt: Optional[Path] = typer.Option(None, "--run", "-r", help=RUN_HELP),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="HTML file to write; default RUN/chart.html "
                                       "(out/chart.html with --workspace)."),
    ego: Optional[str] = typer.Option(None, help="Entity (id or name) whose neighbourhood to chart."),
    depth: int = typer.Option(1, help="Hops around --ego (and --top)."),
    path: Optional[list[str]] = typer.Option(None, help="Two entities (ids or names): chart the path between them."),
    top: Optional[int] = typer.Option(None, help="Chart the top N priority targets and their neighbours."),
    community: Optional[int] = typer.Option(None, help="Chart one organisation (community number)."),
    title: str = typer.Option("linkgraph chart", help="Title of the page."),
    layout: Optional[Path] = typer.Option(None, help="A layout saved from a chart page (JSON): positions, notes."),
    min_merge_probability: Optional[float] = typer.Option(None, "--min-merge-probability", help=MIN_MERGE_HELP),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Write a self-contained interactive link chart (works air-gapped)."""
    from linkgraph.lookup import entity_id
    from linkgraph.render import chart_data, write_chart

    if path is not None and len(path) != 2:
        raise typer.BadParameter("--path takes two entities: --path A --path B")
    _check_merge_probability(min_merge_probability, workspace)
    chosen = None
    if workspace is not None:
        _, _, result = _view(workspace, users, user, case, "chart", [i for i in [ego, *(path or [])] if i],
                             {"command": "chart", "depth": depth, "top": top, "community": community})
    else:
        chosen = _run_of(run, run_opt, "chart")
        result = _load(chosen)
        ego = entity_id(result.entities, ego) if ego else None
        path = [entity_id(result.entities, p) for p in path] if path else None
    saved = _read_layout(layout) if layout is not None else None
    out = _default_out(out, workspace, chosen, "chart.html", "out/chart.html")
    result, uncertain = _certain_only(result, min_merge_probability)
    if uncertain is not None:
        print(uncertain[0])
    data = chart_data(result, ego=ego, depth=depth, path=tuple(path) if path else None, top=top,
                      community=community)
    written = write_chart(data, out, title, layout=saved)
    print(f"{written}: {len(data['nodes'])} nodes, {len(data['edges'])} edges")


def _read_layout(path: Path) -> dict:
    """A chart layout saved by a chart page ("Save layout"), checked."""
    import json

    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable layout file ({exc.__class__.__name__})") from None
    if not isinstance(saved, dict) or saved.get("format") != "linkgraph-chart-layout":
        raise ValueError(f"{path}: not a linkgraph chart layout (format: linkgraph-chart-layout)")
    return saved


@app.command(name="map")
def map_(
    run: Optional[Path] = typer.Argument(None, help=RUN_HELP),
    run_opt: Optional[Path] = typer.Option(None, "--run", "-r", help=RUN_HELP),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder: map.html and charts/; default RUN/map."),
    ban: Optional[Path] = typer.Option(None, help="Base Adresse Nationale CSV to locate points given by address."),
) -> None:
    """Write the offline map of dealing points, each opening its chart (works air-gapped).

    The points come from the run's reporting-platform rows (resolve the platform's file with the
    others, e.g. ``-m fixtures/map/plateforme_signalements.yaml``)."""
    from linkgraph.render.mapview import load_tiles, write_map

    chosen = _run_of(run, run_opt, "map")
    result = _load(chosen)
    written = write_map(result, _default_out(out, None, chosen, "map", "out/map"), ban=ban, tiles=load_tiles())
    print(f"{written}")


@app.command(name="export")
def export_cmd(
    run: Optional[Path] = typer.Argument(None, help=RUN_HELP),
    run_opt: Optional[Path] = typer.Option(None, "--run", "-r", help=RUN_HELP),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder; default RUN/export "
                                       "(out/export with --workspace)."),
    png: bool = typer.Option(False, help="Also render the chart as PNG (needs Chromium)."),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Export the entity graph: GraphML, GEXF (Gephi), i2 Analyst's Notebook CSV, Neo4j CSVs, SVG."""
    from linkgraph.render.exports import export_all

    chosen = None
    if workspace is not None:
        _, _, result = _view(workspace, users, user, case, "export", (), {"command": "export", "png": png})
    else:
        chosen = _run_of(run, run_opt, "export")
        result = _load(chosen)
    out = _default_out(out, workspace, chosen, "export", "out/export")
    paths = export_all(result, out, png=png)
    for name, p in paths.items():
        print(f"{name}: {p}")
