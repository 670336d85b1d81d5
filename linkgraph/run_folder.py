"""A run folder: what ``linkgraph resolve`` writes, and what every later command loads.

``save_run`` writes the tables of a :class:`~linkgraph.match.pipeline.Resolution` into a fresh
temporary folder beside the target and moves it into place (no file of an earlier run survives,
nothing partial is left on failure). ``load_run`` reads it back as a ``Resolution`` whose
``tables`` are rebuilt on demand from the saved models and the mentions' normalized columns, so
``explain_pair``, ``why``, target lists and the explorer's review queue work without resolving again.

Layout::

    mentions.parquet|csv    every mention: entity id, provenance, record id, row attributes, values
    entities.parquet|csv    one row per entity
    relations.parquet|csv   mention relations lifted to entity ids
    rows.parquet|csv        every input row: provenance, record id, attributes, status
    rejects.csv             rejected rows with the reason
    id_changes.csv          merges and splits against --previous
    links.parquet           the links holding each entity together (for ``why``)
    models/TYPE.yaml        the trained matching settings of each entity type
    models/TYPE.report.json how it was trained (EM sessions, m/u/weights per level, λ, warnings)
    models/TYPE.tf.parquet  the groups term frequencies were counted over (exact waterfalls)
    summary.json            rows in = rows resolved + rows rejected, per source
    inputs.json             the mapping and file of each source (written by ``linkgraph resolve``)

>>> from linkgraph.run_folder import load_run      # doctest: +SKIP
>>> result = load_run("out/run")                  # doctest: +SKIP
>>> result.why(result.entities["entity_id"].iloc[0])  # doctest: +SKIP
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from linkgraph.errors import LinkgraphError
from linkgraph.match.cluster import Clustering, Edges
from linkgraph.match.pipeline import Resolution, _type_table
from linkgraph.match.settings import Settings, load_settings, save_settings
from linkgraph.normalize.placeholders import report as placeholder_report
from linkgraph.store.files import write_table

#: Where ``resolve`` writes and later commands read when no folder is given.
DEFAULT_RUN = Path("out/run")
#: Columns of mentions.* that come from the row, not from the mention (dropped again on load).
ROW_COLUMNS = ("record_id", "attributes")


class RunFolderError(LinkgraphError):
    """A run folder is missing, incomplete or not a linkgraph run folder."""


# ----------------------------------------------------------------------------------------- writing

def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"{out}: exists and is a file; give a folder as --out")
    if out.is_dir() and any(out.iterdir()) and not (out / "summary.json").exists():
        raise RunFolderError(f"{out}: exists, is not empty and is not a linkgraph run folder (no summary.json); "
                             "choose another --out or empty it: nothing was written")


def _state_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Parquet that reads back with the same values: object columns pyarrow cannot type become text."""
    import pyarrow as pa

    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object:
            try:
                pa.array(frame[col], from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                frame[col] = frame[col].map(lambda v: v if v is None or v != v else str(v))
    frame.to_parquet(path, index=False)
    return path


def _write(frame: pd.DataFrame, out: Path, name: str, formats: tuple[str, ...]) -> list[Path]:
    paths = [_state_parquet(frame, out / f"{name}.parquet")]
    if "csv" in formats:
        paths += write_table(frame, out, name, ("csv",))
    return paths


def mentions_out(result: Resolution) -> pd.DataFrame:
    """The mentions as written: base columns, the row's record id and attributes, then the values."""
    mentions = result.mentions
    rows = result.rows
    if len(rows) and len(mentions):
        extra = rows[["source", "row", *[c for c in ROW_COLUMNS if c in rows]]]
        mentions = mentions.drop(columns=[c for c in ROW_COLUMNS if c in mentions]).merge(
            extra, on=["source", "row"], how="left", sort=False)
    for col in ROW_COLUMNS:
        if col not in mentions:
            mentions = mentions.assign(**{col: None})
    # the resolution's own column order (load_run drops the two row columns and gets it back)
    order = [c for c in mentions.columns if c not in ROW_COLUMNS]
    order.insert(order.index("row") + 1 if "row" in order else len(order), "record_id")
    order.insert(order.index("raw") + 1 if "raw" in order else len(order), "attributes")
    return mentions[order]


def _links(result: Resolution) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The used links of every type (mention ids, origin, weight) and each type's tf groups."""
    parts, tf = [], {}
    for entity_type, (table, res) in result.tables.items():
        ids = table["mention_id"].to_numpy()
        e = res.edges
        used = np.asarray(res.clustering.used, dtype=bool)[: len(e.i)]
        parts.append(pd.DataFrame({"entity_type": entity_type, "mention_a": ids[e.i[used]],
                                   "mention_b": ids[e.j[used]], "origin": e.origin[used].astype(str),
                                   "weight": np.asarray(e.weight[used], dtype=float)}))
        if res.tf_entities is not None:
            tf[entity_type] = pd.DataFrame({"mention_id": ids, "tf_group": np.asarray(res.tf_entities, dtype=np.int64)})
    cols = ["entity_type", "mention_a", "mention_b", "origin", "weight"]
    return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)), tf


def _write_all(result: Resolution, out: Path, formats: tuple[str, ...], inputs: list[dict] | None) -> list[Path]:
    from linkgraph.api import summarize

    written = _write(mentions_out(result), out, "mentions", formats)
    written += _write(result.entities, out, "entities", formats)
    written += _write(result.relations, out, "relations", formats)
    written += _write(result.rows, out, "rows", formats)
    written += write_table(result.rejects, out, "rejects", ("csv",))
    written += write_table(result.id_changes, out, "id_changes", ("csv",))
    written += write_table(placeholder_report(result.mentions), out, "placeholders", ("csv",))
    links, tf = _links(result)
    written.append(_state_parquet(links, out / "links.parquet"))
    models = out / "models"
    models.mkdir()
    for entity_type, settings in result.models.items():
        save_settings(settings, models / f"{entity_type}.yaml")
        written.append(models / f"{entity_type}.yaml")
        if getattr(settings, "training_report", None) is not None:  # how it was trained: sessions, m/u, λ
            report = models / f"{entity_type}.report.json"
            report.write_text(json.dumps(settings.training_report, indent=1, default=float), encoding="utf-8")
            written.append(report)
    for entity_type, frame in tf.items():
        written.append(_state_parquet(frame, models / f"{entity_type}.tf.parquet"))
    summary = summarize(result)
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    written.append(out / "summary.json")
    if inputs is not None:
        (out / "inputs.json").write_text(json.dumps(inputs, indent=2), encoding="utf-8")
        written.append(out / "inputs.json")
    return written


def save_run(result: Resolution, out_dir: str | Path, formats: tuple[str, ...] = ("csv", "parquet"), *,
             inputs: list[dict] | None = None) -> list[Path]:
    """Write ``result`` as a run folder at ``out_dir`` (replaced whole, atomically); return the paths.

    The Parquet tables are always written (later commands load them); ``formats`` adds CSV copies.
    An existing folder is replaced only if it is a run folder (has ``summary.json``) or empty.
    ``inputs``: the mapping/file pairs read (``[{"mapping": ..., "file": ...}]``), kept in
    ``inputs.json`` so that the explorer can resolve them again with new judgments.
    """
    unknown = set(formats) - {"csv", "parquet"}
    if unknown or not formats:
        raise RunFolderError(f"unknown output format {', '.join(sorted(unknown)) or '(none)'}: expected csv, parquet or both")
    out = Path(out_dir)
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    try:
        written = _write_all(result, tmp, tuple(formats), inputs)
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
            os.replace(out, old / "run")
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out / p.relative_to(tmp) for p in written]


# ----------------------------------------------------------------------------------------- reading

class SavedTable:
    """One type's links, model and (on first use) scored candidate pairs, as a resolution keeps them.

    Duck-types :class:`~linkgraph.match.resolve_table.TableResolution`; ``scored`` re-scores the
    candidate pairs with the saved trained model (blocking and scoring, no training).
    """

    def __init__(self, table: pd.DataFrame, entity_ids: np.ndarray, settings: Settings, edges: Edges,
                 tf_entities: np.ndarray | None) -> None:
        self.labels = pd.factorize(pd.Series(entity_ids, dtype=object))[0].astype(np.int64)
        self.settings, self.edges, self.tf_entities, self._table = settings, edges, tf_entities, table
        self.clustering = Clustering(self.labels, np.ones(len(edges.i), dtype=bool))

    @cached_property
    def scored(self):
        """The kept scored pairs of the run, recomputed as the run made them (same blocking plan,
        same passes and floor) from the saved trained model and first-pass entities."""
        from linkgraph.match.compare import Columns
        from linkgraph.match.resolve_table import blocking_plan, first_pass, second_pass

        s = self.settings
        if not (s.probabilistic and s.trained) or len(self._table) < 2:
            return None
        cols = Columns(self._table)
        plan = blocking_plan(self._table, s, cols)
        scored, first_adj, _ = first_pass(plan, s, self._table, cols)
        if first_adj is not None and self.tf_entities is not None:
            scored, _ = second_pass(plan, s, self._table, cols, scored, first_adj, self.tf_entities)
        return scored


class SavedTables(Mapping):
    """``Resolution.tables`` of a loaded run: each type's table built when first asked for."""

    def __init__(self, folder: Path, mentions: pd.DataFrame, models: dict[str, Settings]) -> None:
        self._folder, self._mentions, self._models = folder, mentions, models
        self._types = sorted(mentions["entity_type"].unique()) if len(mentions) else []
        self._built: dict[str, tuple[pd.DataFrame, SavedTable]] = {}
        self._links: pd.DataFrame | None = None

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)

    def __getitem__(self, entity_type: str) -> tuple[pd.DataFrame, SavedTable]:
        if entity_type not in self._types:
            raise KeyError(entity_type)
        if entity_type not in self._built:
            self._built[entity_type] = self._build(entity_type)
        return self._built[entity_type]

    def _build(self, entity_type: str) -> tuple[pd.DataFrame, SavedTable]:
        full = _type_table(self._mentions, entity_type)
        entity_ids = full["entity_id"].to_numpy(dtype=object)
        table = full.drop(columns=["entity_id"])
        pos = pd.Series(np.arange(len(table)), index=table["mention_id"].to_numpy())
        if self._links is None:
            path = self._folder / "links.parquet"
            self._links = pd.read_parquet(path) if path.exists() else pd.DataFrame(
                columns=["entity_type", "mention_a", "mention_b", "origin", "weight"])
        mine = self._links[self._links["entity_type"] == entity_type]
        mine = mine[mine["mention_a"].isin(pos.index) & mine["mention_b"].isin(pos.index)]
        edges = Edges(pos[mine["mention_a"]].to_numpy(np.int64), pos[mine["mention_b"]].to_numpy(np.int64),
                      mine["weight"].to_numpy(float), mine["origin"].to_numpy(object))
        tf = None
        tf_path = self._folder / "models" / f"{entity_type}.tf.parquet"
        if tf_path.exists():
            groups = pd.read_parquet(tf_path).set_index("mention_id")["tf_group"]
            tf = groups.reindex(table["mention_id"]).fillna(-1).to_numpy(np.int64)
        settings = self._models.get(entity_type) or Settings(entity_type=entity_type)
        return table, SavedTable(table, entity_ids, settings, edges, tf)


def is_run(folder: str | Path) -> bool:
    """Whether ``folder`` holds a run (its ``summary.json`` and ``mentions.parquet``)."""
    folder = Path(folder)
    return (folder / "summary.json").is_file() and (folder / "mentions.parquet").is_file()


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    if path.exists():
        return pd.read_parquet(path)
    csv = folder / f"{name}.csv"
    if csv.exists():
        return pd.read_csv(csv, dtype=str, keep_default_na=False).replace("", None)
    return pd.DataFrame()


def load_run(folder: str | Path) -> Resolution:
    """The resolution saved in ``folder`` by :func:`save_run` (``linkgraph resolve -o FOLDER``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(f"{folder}: no such run folder; run `linkgraph resolve -o {folder}` first")
    if not is_run(folder):
        missing = [n for n in ("summary.json", "mentions.parquet") if not (folder / n).is_file()]
        raise RunFolderError(f"{folder}: not a complete run folder ({', '.join(missing)} missing); "
                             f"run `linkgraph resolve -o {folder}` again")
    try:
        mentions = pd.read_parquet(folder / "mentions.parquet")
        entities = _read(folder, "entities")
        relations = _read(folder, "relations")
        rows = _read(folder, "rows")
        rejects = _read(folder, "rejects")
        changes = _read(folder, "id_changes")
        models = {p.stem: load_settings(p) for p in sorted((folder / "models").glob("*.yaml"))}
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"{folder}: cannot read the run ({exc}); run `linkgraph resolve -o {folder}` again") from exc
    mentions = mentions.drop(columns=[c for c in ROW_COLUMNS if c in mentions])
    if "row" in rejects and len(rejects):
        rejects["row"] = pd.to_numeric(rejects["row"], errors="coerce").astype("Int64")
    return Resolution(mentions, entities, relations, rows, rejects, changes, models,
                      SavedTables(folder, mentions, models))


def run_inputs(folder: str | Path) -> list[tuple[Path, Path]] | None:
    """The (mapping, file) pairs a run was resolved from (``inputs.json``), or None."""
    path = Path(folder) / "inputs.json"
    if not path.exists():
        return None
    return [(Path(d["mapping"]), Path(d["file"])) for d in json.loads(path.read_text(encoding="utf-8"))]
