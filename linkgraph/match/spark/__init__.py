"""The Spark engine: blocking, comparison, training counts, scoring and clustering as Spark jobs.

Importing this package needs ``pyspark`` (the ``spark`` extra) and a Java 17 runtime.
"""
from __future__ import annotations

from linkgraph.match.spark.session import spark_session

ENGINES = ("local", "spark")


def table_resolver(engine: str = "local", spark_master: str | None = None, spark=None):
    """The ``table_resolver`` for :func:`linkgraph.match.pipeline.resolve`: None for the local engine."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "local":
        return None
    from linkgraph.match.spark.resolve import SparkTableResolver

    return SparkTableResolver(spark or spark_session(spark_master))


__all__ = ["ENGINES", "spark_session", "table_resolver"]
