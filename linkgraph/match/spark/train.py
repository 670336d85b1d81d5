"""Training with the Spark engine: the local training, run on the driver over bounded samples.

Training never compares all candidate pairs (:mod:`linkgraph.match.training`): u from at most
``u_sample_pairs`` random pairs, one EM session per rule over at most ``session_pairs`` of its
pairs, drawn from per-block pair counts. The driver holds the records table already (one row per
mention, as the local engine does), so it draws the same seeded samples and compares them with
the local code: the trained model is the local engine's, bit for bit.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame

from linkgraph.match.model import train as local_train
from linkgraph.match.settings import Settings
from linkgraph.match.spark.frames import RID


def known_labels(known: DataFrame | None, n: int) -> np.ndarray | None:
    """A label per record from ``known`` (``rid, entity``); a record outside it is alone in its group."""
    if known is None:
        return None
    got = known.select(RID, "entity").toPandas()
    labels = -1 - np.arange(n, dtype=np.int64)  # distinct negative labels: every record alone
    if len(got):
        labels[got[RID].to_numpy(np.int64)] = pd.factorize(got["entity"])[0]
    return labels


def train(settings: Settings, table: pd.DataFrame, records: DataFrame, columns: list[str], pairs: DataFrame,
          known: DataFrame | None = None) -> Settings:
    """Trained settings, as the local engine trains them on ``table``.

    ``known`` (``rid, entity``): records already known to be one entity; random pairs inside one
    are left out of the u sample (as locally). ``records``, ``columns`` and ``pairs`` are accepted
    for compatibility: training draws its own samples from ``table``.
    """
    del records, columns, pairs
    table = table.reset_index(drop=True)
    return local_train(settings, table, known_same=known_labels(known, len(table)))
