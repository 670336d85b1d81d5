"""One local Spark session for all Spark tests (Java 17 and pyspark are required: no skipping)."""
from __future__ import annotations

import pytest

from linkgraph.match.spark import spark_session


@pytest.fixture(scope="session")
def spark():
    session = spark_session("local[2]", conf={"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2",
                                              "spark.driver.memory": "1g"})
    yield session
    session.stop()
