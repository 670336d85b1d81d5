"""The explorer's data for one user over a workspace: a snapshot of what that user may see.

``WorkspaceState(workspace, user)`` builds its :class:`~linkgraph.service.state.Snapshot` from
:func:`linkgraph.store.view.workspace_view` (visible facts only; entities joined through hidden
facts split), so every answer the explorer computes (search, entity, neighbours, path, timeline,
targets, review queue, counts) is computed from visible facts and cannot reveal a hidden one.
Judgments go to the workspace (applied at once, kept across later ingests) and the snapshot is
rebuilt.
"""
from __future__ import annotations

import threading

import pandas as pd

from linkgraph.service.state import (JUDGMENT_COLUMNS, JudgmentError, Snapshot, build_snapshot, check_judgeable,
                                     pair_keys)
from linkgraph.store.access import User
from linkgraph.store.view import workspace_view


class WorkspaceState:
    """The explorer state of ``user`` over ``workspace`` (a :class:`~linkgraph.store.workspace.Workspace`)."""

    def __init__(self, workspace, user: User, *, scoring: bool = True):
        self.workspace = workspace
        self.user = user
        self.scoring = scoring
        self._lock = threading.Lock()
        self.snapshot: Snapshot = self._build(1)

    def _build(self, version: int) -> Snapshot:
        return build_snapshot(workspace_view(self.workspace, self.user), version=version, scoring=self.scoring)

    @property
    def result(self):
        return self.snapshot.result

    def judgment_rows(self) -> pd.DataFrame:
        """The stored judgments on two mentions this user may both see."""
        rows = self.workspace.judgments()
        if rows.empty:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in JUDGMENT_COLUMNS})
        seen = self.snapshot.mentions.index
        rows = rows[rows["mention_a"].isin(seen) & rows["mention_b"].isin(seen)]
        return rows[JUDGMENT_COLUMNS].reset_index(drop=True)

    def judged_pairs(self) -> set[tuple[str, str]]:
        return pair_keys(self.judgment_rows())

    def judge(self, mention_a: str, mention_b: str, verdict: str, *, case_number: str, analyst: str = "",
              justification: str = "") -> dict:
        """Store a verdict (as this user) and apply it: the workspace re-resolves the two entities."""
        s = self.snapshot
        check_judgeable(s, mention_a, mention_b)
        from linkgraph.store.workspace import JudgmentError as StoreJudgmentError

        try:
            self.workspace.add_judgment(mention_a, mention_b, verdict, analyst=self.user.name,
                                        case_number=case_number, justification=justification)
        except StoreJudgmentError as exc:
            raise JudgmentError(str(exc)) from None
        self.reresolve()
        e = self.snapshot.mentions["entity_id"]
        saved = self.judgment_rows().tail(1).to_dict("records")
        return {"saved": saved[0] if saved else None, "applied": True,
                "currently_together": bool(e.get(mention_a) == e.get(mention_b)),
                "note": "saved and applied: the workspace re-resolved the entities concerned"}

    def reresolve(self) -> dict:
        """Reload this user's view of the workspace (after judgments, or files ingested meanwhile)."""
        with self._lock:
            before = self.snapshot
            snapshot = self._build(before.version + 1)
            old = before.result.mentions.set_index("mention_id")["entity_id"]
            new = snapshot.result.mentions.set_index("mention_id")["entity_id"]
            changed = int((old.reindex(new.index) != new).sum())
            self.snapshot = snapshot
        return {"version": snapshot.version, "judgments": int(len(self.judgment_rows())),
                "entities_before": int(len(before.result.entities)),
                "entities_after": int(len(snapshot.result.entities)), "mentions_changed": changed,
                "built_at": snapshot.built_at}
