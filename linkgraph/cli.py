"""The ``linkgraph`` command line: the same operations as the Python API.

The commands live in :mod:`linkgraph.cli_run` (resolve, evaluate, serve), :mod:`linkgraph.cli_analysis`
(explain, score, chart, export over a run folder) and :mod:`linkgraph.cli_workspace` (a workspace); shared options, the app and
its error handler in :mod:`linkgraph.cli_base`. ``linkgraph.cli:app`` is the entry point.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from linkgraph import cli_alerts, cli_analysis, cli_explain, cli_match, cli_run, cli_workspace  # noqa: F401 - registers their commands
from linkgraph.cli_base import app
from linkgraph.errors import LinkgraphError


@app.command()
def validate(mappings: list[Path] = typer.Argument(..., help="Mapping or settings YAML files to check."),
             file: Optional[list[Path]] = typer.Option(None, "--file", "-f", help="Check against this data file "
                                                       "(its header and a sample of rows); one per mapping.")) -> None:
    """Check source mappings and matching models (rules/matching/*.yaml); print the first error of each invalid one."""
    if file:
        from linkgraph.sources.cli_mapping import validate_with_files
        if validate_with_files(mappings, file):
            raise typer.Exit(code=2)
        return

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


from linkgraph.sources.cli_mapping import mapping_app  # noqa: E402  (mapping new: help writing a mapping)

app.add_typer(mapping_app, name="mapping")


def main() -> None:
    """The ``linkgraph`` command: :data:`app`, with errors raised before a command runs (while the
    command line itself is built or parsed) reported like the commands' own, never as a trace."""
    from linkgraph.cli_base import report

    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except (Exception, MemoryError) as exc:  # noqa: BLE001 - the outermost handler
        report(exc)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
