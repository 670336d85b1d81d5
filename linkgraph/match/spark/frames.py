"""One type's records as a Spark DataFrame: ``rid`` (the record's position) plus the columns matching reads."""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.match.settings import Settings

RID = "rid"


def used_columns(settings: Settings, table: pd.DataFrame) -> list[str]:
    """The columns of ``table`` that blocking, comparisons, identifiers, constraints or link type read."""
    cols = set(settings.identifiers) | {c.column for c in settings.constraints}
    cols |= {c for rule in settings.blocking for c in rule}
    for comp in settings.comparisons:
        cols |= comp.columns()
    if settings.link_type != "dedupe_only":
        cols.add("source")
    return [c for c in table.columns if c in cols]


def as_text(values: pd.Series) -> pd.Series:
    """A column as Python strings with ``None`` for missing values (what the local engine compares)."""
    s = values.astype(object)
    present = s.notna()
    out = pd.Series(None, index=s.index, dtype=object)
    out[present] = s[present].astype(str)
    return out


def records_frame(spark, table: pd.DataFrame, columns: list[str]):
    """``table``'s ``columns`` as strings, with ``rid`` = row position (0..n-1), in Spark."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    pdf = pd.DataFrame({RID: np.arange(len(table), dtype=np.int64)})
    for col in columns:
        pdf[col] = as_text(table[col]).to_numpy()
    schema = StructType([StructField(RID, LongType(), False)] + [StructField(c, StringType(), True) for c in columns])
    return spark.createDataFrame(pdf, schema=schema)


def pairs_frame(spark, i: np.ndarray, j: np.ndarray, names: tuple[str, str] = ("i", "j")):
    """Two aligned index arrays as a Spark DataFrame of longs."""
    from pyspark.sql.types import LongType, StructField, StructType

    schema = StructType([StructField(names[0], LongType(), False), StructField(names[1], LongType(), False)])
    pdf = pd.DataFrame({names[0]: np.asarray(i, dtype=np.int64), names[1]: np.asarray(j, dtype=np.int64)})
    return spark.createDataFrame(pdf, schema=schema)
