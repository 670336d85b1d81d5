"""Connected components in Spark DataFrames against scipy's, on graphs that stress the rounds."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as scipy_components

from linkgraph.match.spark.components import connected_components
from linkgraph.match.spark.frames import pairs_frame

pytestmark = pytest.mark.spark


def _partition(labels: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)}


def _spark_labels(spark, n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    nodes = spark.range(n).withColumnRenamed("id", "node")
    got = connected_components(pairs_frame(spark, i, j), nodes).toPandas()
    assert len(got) == n and got["node"].is_unique  # every node once, isolated ones included
    labels = np.full(n, -1, dtype=np.int64)
    labels[got["node"].to_numpy()] = got["component"].to_numpy()
    return labels


def _check(spark, n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    labels = _spark_labels(spark, n, i, j)
    expected = scipy_components(coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)), directed=False)[1]
    assert _partition(labels) == _partition(expected)
    # the component label is its smallest node
    frame = pd.DataFrame({"label": labels, "node": np.arange(n)})
    assert (frame.groupby("label")["node"].min() == frame.groupby("label")["node"].min().index).all()
    return labels


def test_shapes_that_need_many_rounds(spark):
    """A long path with shuffled ids, a star, a cycle, a random tree, isolated nodes, self-loops, duplicates."""
    rng = np.random.default_rng(7)
    ids = rng.permutation(3000)  # node ids scattered over the shapes
    parts, at = [], 0

    def take(k):
        nonlocal at
        out = ids[at:at + k]
        at += k
        return out

    path = take(1200)
    parts.append((path[:-1], path[1:]))  # diameter 1199
    star = take(300)
    parts.append((np.full(299, star[0]), star[1:]))
    cycle = take(400)
    parts.append((cycle, np.roll(cycle, 1)))
    tree = take(600)
    parent = np.array([rng.integers(0, k) for k in range(1, 600)])
    parts.append((tree[1:], tree[parent]))
    loops = take(50)
    parts.append((loops, loops))  # self-loops only: these stay alone
    parts.append((path[:10], path[1:11]))  # duplicate edges
    take(450)  # isolated nodes
    i = np.concatenate([p[0] for p in parts])
    j = np.concatenate([p[1] for p in parts])
    labels = _check(spark, 3000, i, j)
    assert len(_partition(labels)) == 4 + 50 + 450
    assert labels[path].min() == labels[path].max() == path.min()


def test_random_sparse_graphs(spark):
    rng = np.random.default_rng(11)
    n = 2500
    i, j = rng.integers(0, n, 2200), rng.integers(0, n, 2200)  # near the giant-component threshold
    labels = _check(spark, n, i, j)
    sizes = np.bincount(pd.factorize(labels)[0])
    assert sizes.max() > 50 and (sizes == 1).sum() > 100  # both a large component and singletons


def test_no_edges_every_node_alone(spark):
    labels = _spark_labels(spark, 5, np.empty(0, np.int64), np.empty(0, np.int64))
    assert labels.tolist() == [0, 1, 2, 3, 4]
