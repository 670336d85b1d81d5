"""Which engine builds the scoring context's tables: the local functions, or their Spark versions.

``ScoringContext.of(..., engine="spark")`` asks :func:`graph_engine` for a :class:`SparkGraph`
and builds the edge table, the projection and the factors' person table through it; igraph,
attribution, co-sightings and the score itself run on the driver as with the local engine.
"""
from __future__ import annotations

import pandas as pd

from linkgraph.graph.spark import ENGINES


def graph_engine(engine: str = "local", spark=None, spark_master: str | None = None) -> "SparkGraph | None":
    """None for the local engine; a :class:`SparkGraph` on ``spark`` (default: the session of
    :func:`linkgraph.match.spark.spark_session` on ``spark_master``) for ``spark``."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "local":
        return None
    if spark is None:
        from linkgraph.match.spark.session import spark_session

        spark = spark_session(spark_master)
    return SparkGraph(spark)


class SparkGraph:
    """The Spark builders of the scoring context's tables (each equal to the local one)."""

    def __init__(self, spark) -> None:
        self.spark = spark

    def resolution_edges(self, result, *, cosighting_window: float | None = 120, cosighting_min_times: int = 3,
                         lists: bool = False) -> pd.DataFrame:
        """:func:`linkgraph.graph.assemble.resolution_edges` with the edge table made in Spark (grades
        and LAPI co-sightings added on the driver, as locally)."""
        from linkgraph.graph.assemble import with_cosightings, with_grades
        from linkgraph.graph.spark.edges import edge_table_spark

        edges = with_grades(edge_table_spark(self.spark, result.relations, lists=lists), result.relations)
        return with_cosightings(edges, result, cosighting_window, cosighting_min_times)

    def projection(self, edges: pd.DataFrame, entities: pd.DataFrame | None) -> pd.DataFrame:
        from linkgraph.graph.spark.projection import person_projection_spark

        return person_projection_spark(self.spark, edges, entities)

    def prime(self, ctx) -> None:
        from linkgraph.graph.spark.factors import prime

        prime(self.spark, ctx)
