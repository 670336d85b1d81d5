"""The relational part of the graph and scoring on Apache Spark (``--engine spark``).

Edge aggregation (:mod:`.edges`), the person projection (:mod:`.projection`) and the per-person
group-bys of the scoring factors (:mod:`.factors`) run as Spark DataFrame group-bys and joins on
integer codes; only the compact integer-coded results come back to the driver, where igraph and
the rest of scoring run unchanged. Each gives the local engine's table (same columns, values and
order). Importing a module here needs ``pyspark`` (the ``spark`` extra) and a Java 17 runtime; this
package's ``__init__`` does not import it.
"""
from __future__ import annotations

ENGINES = ("local", "spark")
