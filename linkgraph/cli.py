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


def _run_resolution(specs, rules: Path, judgments: Optional[Path], previous: Optional[Path], resolver=None):
    import pandas as pd

    with _progress() as bar:
        task = bar.add_task("reading", total=len(specs) + 7)

        def step(message: str) -> None:
            bar.update(task, description=message, advance=1)

        extraction = read_sources(specs, progress=step)
        prev = pd.read_csv(previous, dtype=str) if previous else None
        judged = pd.read_csv(judgments, dtype=str) if judgments else None
        result = resolve(extraction, rules, previous=prev, judgments=judged, progress=step, table_resolver=resolver)
        bar.update(task, description="done", completed=len(specs) + 7)
    return result


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
) -> None:
    """Resolve mentions into entities; write mentions, entities, relations and rejects."""
    from linkgraph.match.spark import ENGINES, table_resolver

    if engine not in ENGINES:
        raise typer.BadParameter(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}", param_hint="--engine")
    try:
        specs = _specs(mapping, files, sources)
        result = _run_resolution(specs, rules, judgments, previous, table_resolver(engine, spark_master))
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
) -> None:
    """Show why two mentions match or not: each comparison's level and weight (a waterfall)."""
    try:
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
) -> None:
    """Rank priority targets with each factor's contribution and its evidence rows."""
    import pandas as pd

    from linkgraph.scoring.export import write_scores
    from linkgraph.scoring.score import NOTICE, score
    from linkgraph.scoring.targets import resolve_targets

    try:
        result = _run_resolution(_specs(None, None, sources), rules, None, None)
        listed_ids = set(pd.read_csv(listed, dtype=str)["entity_id"]) if listed else set()
        scores = score(result, load_scoring(scoring), listed_ids)
        resolved = None
        if targets:
            resolved = resolve_targets(result, pd.read_csv(targets, dtype=str, keep_default_na=False))
        paths = write_scores(scores, out, top=None if targets else top, targets=resolved)
    except (LinkgraphError, ValueError, KeyError) as exc:
        _fail(exc)
    shown = scores.persons if not targets else scores.persons[scores.persons["entity_id"].isin(
        {e for cell in resolved["entities"] for e in cell.split(";") if e})]
    table = Table(title=f"priority targets → {out}", caption=NOTICE)
    for col in ("rank", "label", "score", "network", "activity", "corroboration", "international", "financial"):
        table.add_column(col)
    for _, r in shown.head(top).iterrows():
        table.add_row(str(r["rank"]), str(r["label"]), f"{r['score']:.3f}", *(f"{r[c]:.3f}" for c in (
            "network", "activity", "corroboration", "international", "financial")))
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
) -> None:
    """Write a self-contained interactive link chart (works air-gapped)."""
    from linkgraph.render import chart_data, write_chart

    if path is not None and len(path) != 2:
        raise typer.BadParameter("--path takes two entity ids: --path A --path B")
    try:
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
    folder: Path = typer.Option(Path("out/explorer"), help="Folder keeping the analysts' judgments.csv."),
) -> None:
    """Start the investigators' explorer (search, entity pages, chart, paths, targets, review queue)."""
    from linkgraph.service import run

    run(host=host, port=port, folder=folder)


@app.command(name="export")
def export_cmd(
    out: Path = typer.Option(Path("out/export"), "--out", "-o", help="Output folder."),
    png: bool = typer.Option(False, help="Also render the chart as PNG (needs Chromium)."),
    sources: Path = typer.Option(DEFAULT_SOURCES, help="Folder of mappings."),
    rules: Path = typer.Option(DEFAULT_RULES, help="Folder of matching settings."),
) -> None:
    """Export the entity graph: GraphML, GEXF (Gephi), i2 Analyst's Notebook CSV, Neo4j CSVs, SVG."""
    from linkgraph.render.exports import export_all

    try:
        result = _run_resolution(_specs(None, None, sources), rules, None, None)
        paths = export_all(result, out, png=png)
    except LinkgraphError as exc:
        _fail(exc)
    for name, path in paths.items():
        print(f"{name}: {path}")


def _audit(workspace: Path, user: str, action: str, case: str, object_ids=(), details=None) -> None:
    from linkgraph.store.audit import AuditLog

    AuditLog(Path(str(workspace) + ".audit.jsonl")).append(user, action, case_number=case,
                                                           object_ids=list(object_ids), details=details)


@app.command()
def init(workspace: Path = typer.Argument(..., help="Workspace database file to create (DuckDB).")) -> None:
    """Create an empty workspace (one embedded database file, its audit log beside it)."""
    from linkgraph.store.workspace import Workspace

    try:
        Workspace.create(workspace)
    except LinkgraphError as exc:
        _fail(exc)
    print(f"created {workspace} (audit log: {workspace}.audit.jsonl)")


@app.command()
def ingest(
    file: Path = typer.Argument(..., help="Agency file to ingest."),
    mapping: Path = typer.Option(..., "--mapping", "-m", help="Its source mapping YAML."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    user: str = typer.Option(..., help="Who ingests (written to the audit log)."),
    case: str = typer.Option(..., help="Case number justifying the collection (audit log)."),
    replace: bool = typer.Option(False, help="Replace a source already ingested with other content."),
) -> None:
    """Ingest a file into a workspace: atomic, idempotent on identical content, ids kept stable."""
    from linkgraph.store.workspace import Workspace

    try:
        report = Workspace.open(workspace).ingest(file, mapping, replace=replace)
        _audit(workspace, user, "ingest", case, [report.source],
               {"status": report.status, "rows": report.rows_in, "rejected": report.rows_rejected})
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    print(f"{report.status}: {report.source} ({report.file}): {report.rows_in} rows, {report.rows_rejected} "
          f"rejected, {report.mentions} mentions; entities {report.entities_before} → {report.entities_after} "
          f"({report.merged} merged, {report.split} split)")


@app.command()
def erase(
    source: str = typer.Argument(..., help="Source id to erase with everything derived from it."),
    workspace: Path = typer.Option(..., "--workspace", "-w", help="Workspace database file."),
    reason: str = typer.Option(..., help="Why (kept with the id changes)."),
    user: str = typer.Option(..., help="Who erases (audit log)."),
    case: str = typer.Option(..., help="Case number or decision reference (audit log)."),
) -> None:
    """Erase a source and everything derived from it, then re-resolve (as if it had never come)."""
    from linkgraph.store.workspace import Workspace

    try:
        report = Workspace.open(workspace).erase_source(source, reason)
        _audit(workspace, user, "erase", case, [source], {k: int(v) for k, v in report.removed.items()})
    except (LinkgraphError, ValueError) as exc:
        _fail(exc)
    print(f"erased {source}: " + ", ".join(f"{k} {v}" for k, v in report.removed.items()))


audit_app = typer.Typer(help="The audit log: check that no line was edited, deleted or reordered.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    path: Path = typer.Argument(..., help="The audit log (JSON lines; WORKSPACE.audit.jsonl)."),
    head: Optional[str] = typer.Option(None, help="Expected last record as SEQ:HASH (catches a cut tail)."),
) -> None:
    """Verify the hash chain of an audit log; exit 1 and name the lines when it is broken."""
    from linkgraph.store.audit import verify

    expected = None
    if head:
        seq, _, digest = head.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise typer.BadParameter("--head takes SEQ:HASH (a number, a colon, 64 hex digits)")
        expected = (int(seq), digest)
    result = verify(path, expected_head=expected)
    if result.ok:
        print(f"ok: {path}: {result.records} records, head {result.head[0]}:{result.head[1]}")
        return
    for problem in result.problems:
        print(f"broken: {path}: {problem}")
    raise typer.Exit(code=1)


@app.command()
def validate(mappings: list[Path] = typer.Argument(..., help="Mapping or settings YAML files to check.")) -> None:
    """Check mapping documents; print the first error of each invalid one."""
    from linkgraph.sources.mapping import load_mapping

    bad = 0
    for path in mappings:
        try:
            m = load_mapping(path)
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
