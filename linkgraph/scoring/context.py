"""What scoring reads from a resolution: persons, their rows, the entity graph and projection."""
from __future__ import annotations

from dataclasses import dataclass, field

import igraph as ig
import pandas as pd

from linkgraph.graph._agg import plain
from linkgraph.graph.assemble import resolution_edges
from linkgraph.graph.edge_refs import carry
from linkgraph.graph.attribution import AttributionRules, attribute_lines, home_towns, inferred_uses
from linkgraph.graph.projection import person_projection
from linkgraph.match.pipeline import Resolution


@dataclass
class ScoringContext:
    persons: pd.Index            # who is scored: person ids, and phones with no known user (their holder)
    entities: pd.DataFrame       # the entity table
    mentions: pd.DataFrame       # mention_id, entity_id, entity_type, source, row, agency, date
    rows: pd.DataFrame           # source, row, agency, date, attributes (JSON text)
    edges: pd.DataFrame          # entity-level edge table (graph.edges.edge_table) + inferred `uses` (attributed lines)
    projection: pd.DataFrame     # person–person projection (graph.projection.person_projection; evidence per
                                 # pair in the pair's list or through attrs["via_index"] into ``edges``)
    reference_date: pd.Timestamp
    attributed: pd.DataFrame | None = None   # graph.attribution.attribute_lines: person, phone, reasons, evidence
    graph: ig.Graph | None = None            # the projection as igraph (built once, shared with analyse and charts)
    analysis: pd.DataFrame | None = None     # graph.analytics.analyse on that graph, when the caller ran it
    cache: dict = field(default_factory=dict, repr=False, compare=False)   # joins several factors read, made once

    def projection_graph(self) -> ig.Graph:
        """The projection's igraph form (vertex ``name``, edge ``weight``), built on first use and kept."""
        if self.graph is None:
            from linkgraph.graph.analytics import as_igraph

            self.graph = as_igraph(self.projection[["from_entity", "to_entity", "weight"]], directed=False)
        return self.graph

    @staticmethod
    def of(result: Resolution, reference_date: str | None = None, cosighting_window: float | None = 120,
           cosighting_min_times: int = 3, attribution: AttributionRules | None = None, engine: str = "local",
           spark=None) -> "ScoringContext":
        """``attribution``: rules for attributing lines nobody is known to use (None = no attribution;
        a scoring document's are ``settings.attribution.rules()``). ``engine="spark"``: the edge table,
        the projection and the factors' person table made by Spark (``spark``: a session, default
        :func:`~linkgraph.match.spark.spark_session`; :mod:`linkgraph.graph.spark`), the same tables."""
        from linkgraph.graph.spark.engine import graph_engine

        on_spark = graph_engine(engine, spark)
        edges = (on_spark.resolution_edges if on_spark else resolution_edges)(
            result, cosighting_window=cosighting_window, cosighting_min_times=cosighting_min_times,
            lists=False)   # evidence as integer arrays, text for the people shown
        entities = result.entities
        attributed = None
        if attribution is not None:
            attributed = attribute_lines(edges, entities, attribution, home_towns(result.mentions))
            if len(attributed):
                edges = carry(pd.concat([edges.assign(inferred=False), inferred_uses(attributed)], ignore_index=True), edges)
        projection = on_spark.projection(edges, entities) if on_spark else \
            person_projection(edges, entities, lists=False)   # evidence made per person shown
        people = entities.loc[entities["entity_type"] == "person", "entity_id"]
        holders = pd.concat([projection.loc[projection["from_type"] == "phone", "from_entity"],
                             projection.loc[projection["to_type"] == "phone", "to_entity"]]).drop_duplicates()
        persons = pd.Index(pd.concat([people, holders]).drop_duplicates(), name="entity_id")
        graded = ["grade"] if "grade" in result.mentions else []   # intelligence grades (sources.grading)
        mentions = result.mentions[["mention_id", "entity_id", "entity_type", "source", "row", "agency", "date"] + graded]
        rows = result.rows[result.rows["status"] == "ok"][["source", "row", "agency", "date", "attributes"]
                                                          + (["grade"] if "grade" in result.rows else [])]
        ref = pd.Timestamp(reference_date) if reference_date else pd.to_datetime(plain(mentions["date"]), errors="coerce").max()
        if pd.isna(ref):
            ref = pd.Timestamp("today").normalize()
        ctx = ScoringContext(persons, entities, mentions, rows, edges, projection, ref, attributed)
        if on_spark:
            on_spark.prime(ctx)
        return ctx

