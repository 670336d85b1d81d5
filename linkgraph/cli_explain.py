"""``linkgraph explain A B``: why two mentions are, or are not, one entity (:mod:`linkgraph.match.why`).

Over a saved run (``--run``, default ``out/run``), over files resolved on the spot (``-m MAPPING[:FILE]``,
as ``resolve`` takes them), or over what ``--user`` may see in a ``--workspace``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from linkgraph.cli_base import CASE_HELP, USER_HELP, USERS_HELP, WORKSPACE_HELP, _run_resolution, _view, app
from linkgraph.cli_run import MAPPING_HELP, RUN_HELP, out_console
from linkgraph.match.pipeline import DEFAULT_RULES


def _result(mention_a, mention_b, files, mapping, rules, judgments, run, workspace, users, user, case):
    """(resolution, judgments frame) from the one source of mentions given."""
    import pandas as pd

    if sum(x is not None for x in (mapping or None, run, workspace)) > 1:
        raise typer.BadParameter("give one of --mapping (files), --run or --workspace")
    judged = pd.read_csv(judgments, dtype=str) if judgments else None
    if workspace is not None:
        from linkgraph.match.incremental import effective_judgments

        ws, _, result = _view(workspace, users, user, case, "view", [mention_a, mention_b], {"command": "explain"})
        if result.mentions["mention_id"].isin([mention_a, mention_b]).sum() != 2:
            from linkgraph.store.access import AccessDenied

            raise AccessDenied("mention")
        return result, effective_judgments(ws.judgments())
    if mapping:
        from linkgraph.api import DEFAULT_SOURCES
        from linkgraph.cli_inputs import source_specs

        specs = source_specs(mapping, files, DEFAULT_SOURCES, warn=lambda m: print(m))
        return _run_resolution(specs, rules, judgments, None), judged
    if files:
        raise typer.BadParameter("files given without a mapping: -m MAPPING.yaml FILE or -m MAPPING.yaml:FILE")
    from linkgraph.cli_inputs import run_folder
    from linkgraph.run_folder import load_run

    return load_run(run_folder(run, "explain A B --run")), judged


@app.command()
def explain(
    mention_a: str = typer.Argument(..., help="A mention id (SOURCE:ROW:MENTION, or AGENCY:ROW:MENTION)."),
    mention_b: str = typer.Argument(..., help="Another mention id of the same type."),
    files: Optional[list[Path]] = typer.Argument(None, help="Agency files for --mapping (else MAPPING:FILE or file:)."),
    mapping: Optional[list[str]] = typer.Option(None, "--mapping", "-m", help=MAPPING_HELP + " Resolves them first."),
    rules: Path = typer.Option(DEFAULT_RULES, help="Folder of matching settings (with --mapping)."),
    judgments: Optional[Path] = typer.Option(None, help="CSV of analyst judgments (mention_a,mention_b,verdict) "
                                             "the run applied (with --mapping or --run)."),
    run: Optional[Path] = typer.Option(None, "--run", "-r", help=RUN_HELP),
    workspace: Optional[Path] = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    users: Optional[Path] = typer.Option(None, help=USERS_HELP),
    user: Optional[str] = typer.Option(None, help=USER_HELP),
    case: Optional[str] = typer.Option(None, help=CASE_HELP),
) -> None:
    """Why two mentions are, or are not, one entity: blocking rules, identifiers, each comparison's level
    and weight, the decision and the reason (not compared, below threshold, refused by a constraint,
    split by a judgment, separated by re-clustering)."""
    from linkgraph.match.why import explain_pair

    result, judged = _result(mention_a, mention_b, files, mapping, rules, judgments, run, workspace, users, user, case)
    why = explain_pair(result, mention_a, mention_b, judged)
    if why.reason == "same mention":
        from linkgraph.errors import LinkgraphError

        raise LinkgraphError(f"{why.mention_a} given twice: give two different mentions")
    stdout = out_console()
    fmt = lambda v: "" if v is None else f"{v:.4g}"  # noqa: E731
    if why.steps:
        table = Table(title=Text(f"{why.mention_a} vs {why.mention_b}"))
        for col in ("step", "level", "m", "u", "weight (bits)"):
            table.add_column(col)
        for s in why.steps:
            table.add_row(Text(str(s["step"])), Text(str(s["level"])), fmt(s["m"]), fmt(s["u"]), f"{s['weight']:+.2f}")
        stdout.print(table)
    for line in why.lines():
        stdout.print(Text(line))
