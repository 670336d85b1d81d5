"""Reading a workspace: its tables, and the whole of it as a resolution (see :mod:`linkgraph.store.workspace`)."""
from __future__ import annotations

import pandas as pd

from linkgraph.match.incremental import effective_judgments
from linkgraph.match.pipeline import Resolution, _judgment_positions
from linkgraph.match.resolve_table import TableResolution, resolve_table
from linkgraph.match.settings import Settings
from linkgraph.store import tables as T
from linkgraph.store.schema import ENTITY_BASE, ID_KEY, MENTION_BASE, RELATION_BASE, TABLES, WorkspaceError


class WorkspaceReads:
    """The read methods of :class:`~linkgraph.store.workspace.Workspace` (each opens its own connection)."""

    def judgments(self) -> pd.DataFrame:
        """Every stored judgment, oldest first."""
        with self._reading() as con:
            return T.judgments(con)

    # ---------------------------------------------------------------- reading
    def sources(self) -> pd.DataFrame:
        with self._reading() as con:
            return T.df(con, "SELECT * EXCLUDE (mapping_yaml) FROM sources ORDER BY seq")

    def view_key(self) -> str:
        """The id key of the parts a user view splits off (:func:`linkgraph.store.view.view_key`):
        derived one-way from the secret id key, which itself never leaves the workspace."""
        from linkgraph.store.view import view_key

        with self._reading() as con:
            return view_key(T.id_key(con))

    def id_changes(self) -> pd.DataFrame:
        with self._reading() as con:
            return T.df(con, "SELECT * FROM id_changes ORDER BY seq")

    def models(self) -> dict[str, Settings]:
        """The trained model of each type (the template where none was trained yet)."""
        with self._reading() as con:
            return {t: trained or template for t, (trained, template, _) in T.models(con).items()}

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        with self._reading() as con:
            return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}

    def table(self, name: str) -> pd.DataFrame:
        """One stored table as is (for inspection and tests)."""
        if name not in TABLES:
            raise WorkspaceError(f"no table {name!r}; tables: {', '.join(TABLES)}")
        with self._reading() as con:
            if name == "meta":  # the id key stays inside the workspace
                return T.df(con, "SELECT * FROM meta WHERE key <> ?", [ID_KEY])
            return T.df(con, f"SELECT * FROM {name}")

    def mention_entities(self) -> pd.DataFrame:
        """mention_id → entity_id (the table :func:`linkgraph.mention_table` gives for a resolution)."""
        with self._reading() as con:
            return T.df(con, "SELECT mention_id, entity_id FROM mention_entity ORDER BY mention_id")

    def result(self, *, tables: bool = False) -> Resolution:
        """The workspace as a :class:`~linkgraph.match.pipeline.Resolution` (mentions with entity ids and
        provenance, entities, relations lifted to entities, rows, rejects, id changes, models), for the
        scoring, charts, exports and the explorer. ``tables=True`` also re-scores each type with its
        stored model (no EM) so that ``explain_pair`` and ``why`` work; it costs a resolution."""
        with self._reading() as con:
            mentions = T.df(con, """SELECT m.mention_id, e.entity_id, m.* EXCLUDE (ord, mention_id)
                FROM mentions m JOIN mention_entity e USING (mention_id) JOIN sources s ON s.source_id = m.source
                ORDER BY s.seq, m.ord""")
            entities = T.df(con, "SELECT * FROM entities ORDER BY entity_id")
            relations = T.df(con, """SELECT r.from_mention, r.to_mention, a.entity_id AS from_entity,
                b.entity_id AS to_entity, r.* EXCLUDE (ord, from_mention, to_mention)
                FROM relations r JOIN sources s ON s.source_id = r.source
                LEFT JOIN mention_entity a ON a.mention_id = r.from_mention
                LEFT JOIN mention_entity b ON b.mention_id = r.to_mention ORDER BY s.seq, r.ord""")
            rows = T.df(con, "SELECT r.* FROM rows r JOIN sources s ON s.source_id = r.source ORDER BY s.seq, r.\"row\"")
            rejects = T.df(con, "SELECT r.* FROM rejects r JOIN sources s ON s.source_id = r.source "
                                    "ORDER BY s.seq, r.\"row\", r.\"column\"")
            changes = T.df(con, "SELECT old_id, new_id, change, mentions, reason, operation, \"at\" FROM id_changes "
                                    "ORDER BY seq")
            models = {t: trained or template for t, (trained, template, _) in T.models(con).items()}
            judgments = effective_judgments(T.judgments(con))
        value_cols = [c for c in mentions.columns if c not in MENTION_BASE and c != "entity_id"]
        mentions = mentions.drop(columns=[c for c in value_cols if mentions[c].isna().all()])
        mentions = mentions.astype({c: object for c in mentions.columns if mentions[c].dtype != object and c != "row"})
        entity_values = [c for c in entities.columns if c not in ENTITY_BASE]
        entities = entities.drop(columns=[c for c in entity_values if entities[c].isna().all()])
        rel_attrs = [c for c in relations.columns if c not in RELATION_BASE + ["from_entity", "to_entity"]]
        relations = relations.drop(columns=[c for c in rel_attrs if relations[c].isna().all()])
        used = set(mentions["entity_type"].unique()) if len(mentions) else set()
        models = {t: s for t, s in models.items() if t in used}
        result_tables: dict[str, tuple[pd.DataFrame, TableResolution]] = {}
        if tables:
            for t in sorted(used):
                table = mentions[mentions["entity_type"] == t].dropna(axis=1, how="all")
                table = table.drop(columns=["entity_id"]).sort_values("mention_id", kind="stable").reset_index(drop=True)
                res = resolve_table(table, models[t], same=_judgment_positions(judgments, table, "same"),
                                    different=_judgment_positions(judgments, table, "different"))
                result_tables[t] = (table, res)
        return Resolution(mentions, entities, relations, rows, rejects, changes, models, result_tables)

