"""The Python API's entry points: read sources through mappings, resolve, save."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from linkgraph.errors import LinkgraphError
from linkgraph.match.pipeline import Resolution, resolve
from linkgraph.match.settings import Settings
from linkgraph.normalize.placeholders import report as placeholder_report
from linkgraph.sources.extract import Extraction, read_source
from linkgraph.sources.mapping import SourceMapping, load_mapping

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = REPO_ROOT / "rules" / "sources"

SourceSpec = tuple[SourceMapping | str | Path, str | Path | None]


def load_mappings(folder: str | Path = DEFAULT_SOURCES) -> list[SourceMapping]:
    """Every mapping of a folder that names its file (``file:``), in name order."""
    mappings = [load_mapping(p) for p in sorted(Path(folder).glob("*.yaml"))]
    return [m for m in mappings if m.file is not None]


def read_sources(specs: Iterable[SourceSpec], progress: Callable[[str], None] | None = None,
                 workers: int = 1) -> Extraction:
    """Read several files, each through its mapping (``(mapping, path)``; path None = ``file:``).

    Nothing is returned unless every file could be read: a bad file raises before any result.
    ``workers`` > 1 reads that many files at a time in forked processes (largest files first;
    the result is the same as with one).
    """
    jobs: list[tuple[SourceMapping, str | Path | None, object]] = []
    seen: dict[str, str] = {}
    for mapping, path in specs:
        mapping = mapping if isinstance(mapping, SourceMapping) else load_mapping(mapping)
        target = path or mapping.default_file()
        key = f"{mapping.source}"
        if path is None and key in seen:
            continue
        jobs.append((mapping, path, target))
        seen[key] = str(target)
    if workers > 1 and len(jobs) > 1:
        parts = _read_parallel(jobs, workers, progress)
    else:
        parts = []
        for mapping, path, target in jobs:
            if progress:
                progress(f"reading {target}")
            parts.append(read_source(mapping, path, on_rows=_rows_so_far(progress, target)))
            _rows_read(progress, target, parts[-1])
    # two files read through one mapping would produce the same mention ids: tell them apart
    return _disambiguate(parts)


def _rows_read(progress, target: object, part: Extraction) -> None:
    """Tell a progress that has a ``rows(file, rows)`` method how many rows a file gave."""
    rows = getattr(progress, "rows", None)
    if rows is not None:
        rows(str(target), int(len(part.rows)))


def _rows_so_far(progress, target: object) -> Callable[[int, int], None] | None:
    """A ``read_source`` rows callback for a progress that has a ``reading(file, done, total)`` method."""
    reading = getattr(progress, "reading", None)
    if reading is None:
        return None
    return lambda done, total: reading(str(target), done, total)


def _read_one(mapping: SourceMapping, path: str | Path | None) -> tuple[bool, object]:
    """``read_source`` in a worker: (True, extraction) or (False, the error's class, state, args)."""
    try:
        return True, read_source(mapping, path)
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        return False, (type(exc), dict(exc.__dict__), exc.args)


def _read_parallel(jobs: list, workers: int, progress: Callable[[str], None] | None) -> list[Extraction]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    def size(target: object) -> int:
        try:
            return Path(str(target)).stat().st_size
        except OSError:
            return 0

    order = sorted(range(len(jobs)), key=lambda k: -size(jobs[k][2]))
    pool = ProcessPoolExecutor(min(workers, len(jobs)), mp_context=multiprocessing.get_context("fork"))
    try:
        futures = {k: pool.submit(_read_one, jobs[k][0], jobs[k][1]) for k in order}
        parts = []
        for k, (_, _, target) in enumerate(jobs):
            if progress:
                progress(f"reading {target}")
            ok, value = futures[k].result()
            if not ok:
                cls, state, args = value
                error = cls.__new__(cls)
                error.args = args
                error.__dict__.update(state)
                raise error
            parts.append(value)
            _rows_read(progress, target, value)
        return parts
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _disambiguate(parts: list[Extraction]) -> Extraction:
    counts: dict[str, int] = {}
    for part in parts:
        if part.rows.empty:
            continue
        src = part.rows["source"].iloc[0]
        counts[src] = counts.get(src, 0) + 1
        if counts[src] > 1:
            raise LinkgraphError(f"source {src!r} given twice: give each file its own mapping `source:` id, "
                                 "or concatenate the files")
    extraction = Extraction.concat(parts)
    # an identifier shared by mentions whose names disagree is a placeholder (rules/placeholders.yaml)
    from linkgraph.normalize.placeholders import drop_shared, load_stoplist

    extraction.mentions = drop_shared(extraction.mentions, load_stoplist())
    return extraction


def resolve_sources(specs: Iterable[SourceSpec], settings: dict[str, Settings] | str | Path | None = None,
                    *, engine: str = "local", spark_master: str | None = None, workers: int = 1,
                    **kwargs) -> Resolution:
    """Read and resolve in one call (see :func:`linkgraph.resolve` for the keyword arguments).

    ``engine="spark"`` runs matching on Apache Spark (``spark_master``, default ``$LINKGRAPH_SPARK_MASTER``
    or ``local[*]``); the result is the local engine's. ``workers``: files read at a time, see
    :func:`read_sources`.
    """
    from linkgraph.match.spark import table_resolver

    progress = kwargs.get("progress")
    resolver = table_resolver(engine, spark_master)
    return resolve(read_sources(specs, progress=progress, workers=workers), settings, table_resolver=resolver,
                   **kwargs)


def save_resolution(result: Resolution, out_dir: str | Path, formats: tuple[str, ...] = ("csv", "parquet")) -> list[Path]:
    """Write a run folder: mentions (with record ids and row attributes), entities, relations, rows,
    rejects, id changes, links, trained models and a summary; replaced whole, atomically (see
    :mod:`linkgraph.run_folder`; :func:`load_resolution` reads it back)."""
    from linkgraph.run_folder import save_run

    return save_run(result, out_dir, formats)


def load_resolution(folder: str | Path) -> Resolution:
    """The resolution saved by :func:`save_resolution` (``linkgraph resolve -o FOLDER``), without
    resolving again; ``explain_pair`` and ``why`` work on it."""
    from linkgraph.run_folder import load_run

    return load_run(folder)


def why_pair(result: Resolution, mention_a: str, mention_b: str, judgments: pd.DataFrame | None = None):
    """Why two mentions are, or are not, one entity (:func:`linkgraph.match.why.explain_pair`): the
    blocking rules that pair them or not, shared identifiers, the waterfall, the decision and the
    reason (``.reason``, ``.details``; ``.to_dict()`` for JSON, ``.lines()`` for text).
    ``judgments``: the analysts' verdicts the resolution applied (``mention_a, mention_b, verdict``)."""
    from linkgraph.match.why import explain_pair

    return explain_pair(result, mention_a, mention_b, judgments)


def summarize(result: Resolution) -> dict:
    """Counts that must add up: rows in = rows resolved + rows rejected, per source."""
    rows = result.rows
    per_source = {}
    for src, g in rows.groupby("source"):
        per_source[src] = {"rows_in": int(len(g)), "rows_resolved": int((g["status"] == "ok").sum()),
                           "rows_rejected": int((g["status"] == "rejected").sum())}
    by_type = result.entities.groupby("entity_type").size().to_dict() if len(result.entities) else {}
    mentions_by_type = result.mentions.groupby("entity_type").size().to_dict() if len(result.mentions) else {}
    matching = {t: res.report for t, (_, res) in result.tables.items() if getattr(res, "report", None)}
    return {"sources": per_source,
            "rows_in": int(len(rows)), "rows_resolved": int((rows["status"] == "ok").sum()) if len(rows) else 0,
            "rows_rejected": int((rows["status"] == "rejected").sum()) if len(rows) else 0,
            "mentions": {k: int(v) for k, v in mentions_by_type.items()},
            "entities": {k: int(v) for k, v in by_type.items()},
            "matching": matching,
            "placeholders": placeholder_report(result.mentions).to_dict("records")}


def entity_graph_of(result: Resolution, cosighting_window: float | None = 120, cosighting_min_times: int = 3):
    """The entity graph as a networkx MultiDiGraph: one edge per (from, to, relation type) with its
    evidence (rows, agencies, first/last seen, count), LAPI co-sightings included."""
    from linkgraph.graph.assemble import resolution_edges
    from linkgraph.graph.build import entity_graph

    return entity_graph(result.entities, resolution_edges(result, cosighting_window=cosighting_window,
                                                          cosighting_min_times=cosighting_min_times))


def mention_table(result: Resolution) -> pd.DataFrame:
    """mention_id → entity_id, the table to pass as ``previous`` on the next run."""
    return result.mentions[["mention_id", "entity_id"]].copy()
