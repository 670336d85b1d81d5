"""What the explorer serves: a resolution and everything derived from it, plus analysts' judgments.

``ExplorerState`` holds the current :class:`Snapshot` (resolution, edge table, scores, search
index, lookups) and a :class:`JudgmentStore` (``judgments.csv`` in the state's folder).
Judgments are saved at once and taken into account by :meth:`ExplorerState.reresolve`, which
re-runs the resolution over the same sources with every stored judgment, keeping entity ids
(the previous mention table is passed as ``previous``) and the trained matching models.
"""
from __future__ import annotations

import csv
import io
import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from linkgraph.api import SourceSpec, load_mappings, mention_table, resolve_sources
from linkgraph.graph.assemble import resolution_edges
from linkgraph.match.pipeline import Resolution
from linkgraph.match.settings import Settings
from linkgraph.service.search import SearchIndex

log = logging.getLogger(__name__)

JUDGMENT_COLUMNS = ["mention_a", "mention_b", "verdict", "analyst", "case_number", "justification", "at"]
VERDICTS = ("same", "different")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class JudgmentError(ValueError):
    """A judgment that cannot be stored (the message says why, without echoing the input)."""


def check_judgeable(snapshot, mention_a: str, mention_b: str) -> None:
    """KeyError unless both mentions are in ``snapshot``; JudgmentError unless they share a type."""
    for m in (mention_a, mention_b):
        if m not in snapshot.mentions.index:
            raise KeyError("no such mention")
    if snapshot.mentions.loc[mention_a, "entity_type"] != snapshot.mentions.loc[mention_b, "entity_type"]:
        raise JudgmentError("both mentions must be of the same entity type")


def _defuse(text: str) -> str:
    """A free-text cell a spreadsheet would run as a formula gets a leading ``'``."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def pair_key(a: str, b: str) -> tuple[str, str]:
    """An unordered pair of mention ids as a tuple (smaller first)."""
    return (a, b) if a <= b else (b, a)


def pair_keys(judgments: pd.DataFrame) -> set[tuple[str, str]]:
    """The unordered mention pairs of a judgments table (``mention_a``, ``mention_b``)."""
    return {pair_key(a, b) for a, b in zip(judgments["mention_a"], judgments["mention_b"])}


class JudgmentStore:
    """Analysts' verdicts on pairs of mentions, persisted as ``judgments.csv`` (UTF-8, with header).

    Each :meth:`add` rewrites the file through a temporary file in the same folder and an
    ``os.replace``: a reader sees the old file or the new one, never half a line.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def load(self) -> pd.DataFrame:
        """Every stored judgment, in the order given (an absent file: none)."""
        if not self.path.exists():
            return pd.DataFrame({c: pd.Series(dtype=object) for c in JUDGMENT_COLUMNS})
        frame = pd.read_csv(self.path, dtype=str, keep_default_na=False, encoding="utf-8")
        for col in JUDGMENT_COLUMNS:
            if col not in frame:
                frame[col] = ""
        return frame[JUDGMENT_COLUMNS]

    def effective(self) -> pd.DataFrame:
        """The verdicts to resolve with: the latest judgment of each unordered pair wins."""
        frame = self.load()
        if frame.empty:
            return frame[["mention_a", "mention_b", "verdict"]]
        frame = frame[frame["verdict"].isin(VERDICTS)]
        keys = [pair_key(a, b) for a, b in zip(frame["mention_a"], frame["mention_b"])]
        frame = frame.assign(_key=keys).drop_duplicates("_key", keep="last")
        return frame[["mention_a", "mention_b", "verdict"]].reset_index(drop=True)

    def judged_pairs(self) -> set[tuple[str, str]]:
        return pair_keys(self.load())

    def add(self, mention_a: str, mention_b: str, verdict: str, *, case_number: str, analyst: str = "",
            justification: str = "", at: datetime | None = None) -> dict:
        """Append one judgment (atomically) and return it as stored."""
        if verdict not in VERDICTS:
            raise JudgmentError("verdict must be 'same' or 'different'")
        if not case_number or not case_number.strip():
            raise JudgmentError("case_number is required: every judgment is tied to a case")
        if mention_a == mention_b:
            raise JudgmentError("a judgment needs two different mentions")
        row = {"mention_a": mention_a, "mention_b": mention_b, "verdict": verdict,
               "analyst": _defuse(analyst.strip()), "case_number": _defuse(case_number.strip()),
               "justification": _defuse(justification.strip()),
               "at": (at or datetime.now(timezone.utc)).isoformat(timespec="seconds")}
        line = io.StringIO()
        csv.DictWriter(line, JUDGMENT_COLUMNS, lineterminator="\n").writerow(row)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            old = self.path.read_bytes() if self.path.exists() else b""
            if not old:
                head = io.StringIO()
                csv.writer(head, lineterminator="\n").writerow(JUDGMENT_COLUMNS)
                old = head.getvalue().encode("utf-8")
            elif not old.endswith(b"\n"):
                old += b"\n"
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(old + line.getvalue().encode("utf-8"))
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return row


@dataclass
class Snapshot:
    """One resolution and what the explorer derives from it (read-only once built)."""

    result: Resolution
    edges: pd.DataFrame
    scores: object | None                 # linkgraph.scoring.score.Scores, None when scoring failed
    scores_error: str | None
    index: SearchIndex
    mentions: pd.DataFrame                 # result.mentions indexed by mention_id
    entities: pd.DataFrame                 # result.entities indexed by entity_id
    mentions_of: dict[str, np.ndarray]     # entity_id -> positions in result.mentions
    relations_of: dict[str, np.ndarray]    # entity_id -> positions in result.relations
    edges_of: dict[str, np.ndarray]        # entity_id -> positions in edges
    graph: nx.Graph                        # simple undirected entity graph (for paths)
    candidates: pd.DataFrame               # scored mention pairs: entity_type, mention_a, mention_b, probability, together
    version: int = 1
    built_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))


def _index_by(*columns: pd.Series) -> dict[str, np.ndarray]:
    if not columns or len(columns[0]) == 0:
        return {}
    n = len(columns[0])
    keys = np.concatenate([c.astype(object).to_numpy() for c in columns])
    pos = np.tile(np.arange(n), len(columns))
    frame = pd.DataFrame({"k": keys, "p": pos}).dropna().drop_duplicates()
    return {str(k): np.sort(g.to_numpy()) for k, g in frame.groupby("k")["p"]}


def _candidates(result: Resolution) -> pd.DataFrame:
    ent = result.mentions.set_index("mention_id")["entity_id"]
    parts = []
    for entity_type, (table, res) in result.tables.items():
        scored = res.scored
        if scored is None or len(scored.i) == 0:
            continue
        ids = table["mention_id"].to_numpy()
        a, b = ids[scored.i], ids[scored.j]
        parts.append(pd.DataFrame({"entity_type": entity_type, "mention_a": a, "mention_b": b,
                                   "probability": np.asarray(scored.probability, dtype=float),
                                   "weight": np.asarray(scored.weight, dtype=float),
                                   "together": ent.reindex(a).to_numpy() == ent.reindex(b).to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=["entity_type", "mention_a", "mention_b", "probability", "weight", "together"])
    return pd.concat(parts, ignore_index=True)


def build_snapshot(result: Resolution, *, version: int = 1, scoring: bool = True) -> Snapshot:
    """Everything the explorer needs from a resolution, computed once."""
    edges = resolution_edges(result).reset_index(drop=True)
    scores, scores_error = None, None
    if scoring:
        try:
            from linkgraph.scoring.score import score

            scores = score(result)
        except Exception as exc:  # scoring is advisory: the explorer works without it
            log.exception("scoring failed")
            scores_error = f"scoring failed: {type(exc).__name__}"
    mentions = result.mentions
    relations = result.relations
    graph = nx.Graph()
    graph.add_nodes_from(result.entities["entity_id"])
    if len(edges):
        graph.add_edges_from(zip(edges["from_entity"], edges["to_entity"]))
    graph.remove_edges_from(nx.selfloop_edges(graph))
    return Snapshot(
        result=result, edges=edges, scores=scores, scores_error=scores_error,
        index=SearchIndex.build(result),
        mentions=mentions.set_index("mention_id", drop=False),
        entities=result.entities.set_index("entity_id", drop=False),
        mentions_of=_index_by(mentions["entity_id"]),
        relations_of=_index_by(relations["from_entity"], relations["to_entity"]) if len(relations) else {},
        edges_of=_index_by(edges["from_entity"], edges["to_entity"]) if len(edges) else {},
        graph=graph, candidates=_candidates(result), version=version)


def default_sources() -> list[SourceSpec]:
    """Every mapping of ``rules/sources`` that names its file, with that file."""
    return [(m, None) for m in load_mappings()]


class ExplorerState:
    """The explorer's data: the current snapshot, the sources it came from, the judgments store.

    ``folder``: where ``judgments.csv`` lives (created when needed).
    ``sources``: ``(mapping, path)`` pairs (default: every mapping in ``rules/sources`` with its file).
    ``settings``: matching settings for the first resolution (default ``rules/matching``); later
    re-resolutions reuse the trained models so that scores stay comparable.
    ``result``: an existing resolution of those sources, to skip the first run.
    """

    def __init__(self, folder: str | Path, sources: Iterable[SourceSpec] | None = None, *,
                 settings: dict[str, Settings] | str | Path | None = None, result: Resolution | None = None,
                 scoring: bool = True):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sources: list[SourceSpec] = list(sources) if sources is not None else default_sources()
        self.judgments = JudgmentStore(self.folder / "judgments.csv")
        self.scoring = scoring
        self._lock = threading.Lock()
        if result is None:
            judgments = self.judgments.effective()
            result = resolve_sources(self.sources, settings, judgments=judgments if len(judgments) else None)
        self.settings: dict[str, Settings] | str | Path | None = result.models or settings
        self.snapshot = build_snapshot(result, version=1, scoring=scoring)

    # the parts of the current snapshot, for convenience
    @property
    def result(self) -> Resolution:
        return self.snapshot.result

    @property
    def edges(self) -> pd.DataFrame:
        return self.snapshot.edges

    @property
    def scores(self):
        return self.snapshot.scores

    @property
    def index(self) -> SearchIndex:
        return self.snapshot.index

    def judgment_rows(self) -> pd.DataFrame:
        """Every stored judgment."""
        return self.judgments.load()

    def judged_pairs(self) -> set[tuple[str, str]]:
        return self.judgments.judged_pairs()

    def judge(self, mention_a: str, mention_b: str, verdict: str, *, case_number: str, analyst: str = "",
              justification: str = "") -> dict:
        """Store a verdict in ``judgments.csv``; it is applied at the next :meth:`reresolve`."""
        s = self.snapshot
        check_judgeable(s, mention_a, mention_b)
        row = self.judgments.add(mention_a, mention_b, verdict, case_number=case_number, analyst=analyst,
                                 justification=justification)
        together = bool(s.mentions.loc[mention_a, "entity_id"] == s.mentions.loc[mention_b, "entity_id"])
        return {"saved": row, "applied": False, "currently_together": together,
                "note": "saved; applied at the next re-resolution (POST /api/reresolve)"}

    def reresolve(self) -> dict:
        """Resolve the sources again with every stored judgment; keep entity ids where possible.

        Returns a summary: version, entities before/after, mentions whose entity changed.
        """
        with self._lock:
            before = self.snapshot
            judgments = self.judgments.effective()
            result = resolve_sources(self.sources, self.settings, previous=mention_table(before.result),
                                     judgments=judgments if len(judgments) else None)
            snapshot = build_snapshot(result, version=before.version + 1, scoring=self.scoring)
            old = before.result.mentions.set_index("mention_id")["entity_id"]
            new = result.mentions.set_index("mention_id")["entity_id"]
            changed = int((old.reindex(new.index) != new).sum())
            self.snapshot = snapshot
        return {"version": snapshot.version, "judgments": int(len(judgments)),
                "entities_before": int(len(before.result.entities)), "entities_after": int(len(result.entities)),
                "mentions_changed": changed, "built_at": snapshot.built_at}

