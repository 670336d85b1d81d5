"""The forked background computation gives the value computed inline, bit for bit, and falls back to
computing inline when the child fails."""
import os

import igraph as ig
import numpy as np

from linkgraph.graph.analytics import betweenness_values
from linkgraph.graph.background import in_background


def test_forked_betweenness_is_the_inline_value_bit_for_bit(tmp_path):
    g = ig.Graph.Barabasi(3000, 3)
    inline = betweenness_values(g, sample_threshold=100, k=40, seed=2)
    where = tmp_path / "pid"

    def in_child(graph, **kw):
        where.write_text(str(os.getpid()))
        return betweenness_values(graph, **kw)

    job = in_background(in_child, g, size=g.vcount(), min_size=0, sample_threshold=100, k=40, seed=2)
    forked = job()
    assert int(where.read_text()) != os.getpid()      # computed in another process
    assert forked.dtype == np.float64 and forked.shape == (3000,)
    assert np.array_equal(forked, inline)
    assert forked.max() > 0


def test_a_failing_child_falls_back_to_the_caller():
    parent = os.getpid()

    def only_here(n):
        if os.getpid() != parent:      # the child dies; the caller computes the same thing itself
            raise MemoryError("killed")
        return np.arange(n, dtype=float) * 2

    assert in_background(only_here, 5, size=10, min_size=0)().tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_small_work_runs_inline_without_a_child():
    parent = os.getpid()
    seen = []
    job = in_background(lambda: np.array([float(os.getpid() == parent)]) if not seen.append(1) else None, size=10)
    assert seen == [1]          # ran already, here
    assert job().tolist() == [1.0]


def test_a_result_never_asked_for_leaves_no_process_behind(tmp_path):
    """The caller raised before asking (the child is blocked writing more than a pipe holds): dropping
    the job kills and reaps the child."""
    import gc

    where = tmp_path / "pid"

    def big(n):
        where.write_text(str(os.getpid()))
        return np.ones(n)                      # 8 MB: more than the pipe's buffer

    job = in_background(big, 1_000_000, size=10, min_size=0)
    for _ in range(200):
        if where.exists() and where.read_text():
            break
        import time
        time.sleep(0.05)
    child = int(where.read_text())
    del job
    gc.collect()
    try:
        os.kill(child, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive
