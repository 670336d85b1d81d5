"""Numpy columns to a Spark DataFrame and back: integer codes, numbers and flags only.

The driver codes every string once (``pd.factorize``, sorted, so a code's order is the string's);
Spark groups and joins the codes; what comes back is integer-coded and small (one row per edge or
pair), decoded on the driver.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _spark_type(values: np.ndarray):
    from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType

    kind = values.dtype.kind
    if kind == "b":
        return BooleanType()
    if kind in "iu":
        return LongType()
    if kind == "f":
        return DoubleType()
    return StringType()


def to_spark(spark, columns: dict[str, np.ndarray]):
    """A Spark DataFrame of the given aligned numpy columns (int → long, float → double, bool, object → string).

    >>> # to_spark(spark, {"i": np.arange(3), "w": np.ones(3)}).count() == 3
    """
    from pyspark.sql.types import StructField, StructType

    pdf = pd.DataFrame({name: (values.astype(np.int64) if values.dtype.kind in "iu" else values)
                        for name, values in columns.items()})
    schema = StructType([StructField(name, _spark_type(np.asarray(values)), values.dtype.kind in "fO")
                         for name, values in columns.items()])
    return spark.createDataFrame(pdf, schema=schema)


def collect(df) -> pd.DataFrame:
    """The (small, integer-coded) DataFrame on the driver, through Arrow."""
    return df.toPandas()
