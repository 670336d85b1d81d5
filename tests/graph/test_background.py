"""The forked background computation gives the value computed inline, bit for bit, and falls back to
computing inline when the child fails."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from linkgraph.graph.background import in_background

REPO = Path(__file__).resolve().parents[2]


def _alone(code: str) -> str:
    """Run ``code`` in a fresh interpreter: the fork path needs a process without other threads, and
    the test session has some (Spark's gateway, servers), where the job rightly runs inline."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def test_forked_betweenness_is_the_inline_value_bit_for_bit():
    line = _alone("""
        import os, tempfile
        import igraph as ig
        import numpy as np
        from linkgraph.graph.analytics import betweenness_values
        from linkgraph.graph.background import in_background
        g = ig.Graph.Barabasi(3000, 3)
        inline = betweenness_values(g, sample_threshold=100, k=40, seed=2)
        where = tempfile.mktemp()

        def in_child(graph, **kw):
            open(where, "w").write(str(os.getpid()))
            return betweenness_values(graph, **kw)

        forked = in_background(in_child, g, size=g.vcount(), min_size=0, sample_threshold=100, k=40, seed=2)()
        print(int(open(where).read()) != os.getpid(), forked.dtype == np.float64 and forked.shape == (3000,),
              bool(np.array_equal(forked, inline)), bool(forked.max() > 0))
    """)
    assert line == "True True True True"  # computed in another process, the same array bit for bit


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


def test_a_result_never_asked_for_leaves_no_process_behind():
    """The caller raised before asking (the child is blocked writing more than a pipe holds): dropping
    the job kills and reaps the child."""
    line = _alone("""
        import gc, os, tempfile, time
        import numpy as np
        from linkgraph.graph.background import in_background
        where = tempfile.mktemp()

        def big(n):
            open(where, "w").write(str(os.getpid()))
            return np.ones(n)                      # 8 MB: more than the pipe's buffer

        job = in_background(big, 1_000_000, size=10, min_size=0)
        for _ in range(200):
            if os.path.exists(where) and open(where).read():
                break
            time.sleep(0.05)
        child = int(open(where).read())
        assert child != os.getpid()
        del job
        gc.collect()
        try:
            os.kill(child, 0)
            print("alive")
        except ProcessLookupError:
            print("gone")
    """)
    assert line == "gone"


def test_betweenness_split_over_forked_children_adds_up_to_the_inline_value():
    line = _alone("""
        import os, tempfile
        import igraph as ig
        import numpy as np
        from linkgraph.graph.analytics import betweenness_values
        from linkgraph.graph.background import in_background_parts
        g = ig.Graph.Barabasi(3000, 3)
        inline = betweenness_values(g, sample_threshold=100, k=40, seed=2)
        where = tempfile.mkdtemp()

        def in_child(graph, **kw):
            open(os.path.join(where, str(os.getpid())), "w").write(str(kw["part"]))
            return betweenness_values(graph, **kw)

        split = in_background_parts(in_child, g, size=g.vcount(), parts=2, min_size=0, sample_threshold=100, k=40,
                                    seed=2)()
        pids = {int(p) for p in os.listdir(where)}
        parts = sorted(open(os.path.join(where, p)).read() for p in os.listdir(where))
        print(len(pids) == 2 and os.getpid() not in pids, parts == ["(0, 2)", "(1, 2)"],
              bool(np.allclose(split, inline, rtol=1e-12, atol=1e-15)), bool(split.max() > 0))
    """)
    assert line == "True True True True"   # two children, one half of the pivots each, the same values


def test_split_betweenness_on_a_small_graph_is_the_single_inline_value():
    import igraph as ig

    from linkgraph.graph.analytics import betweenness_values
    from linkgraph.graph.background import in_background_parts

    g = ig.Graph.Barabasi(2000, 2)
    whole = betweenness_values(g, sample_threshold=100, k=30, seed=1)
    assert np.array_equal(in_background_parts(betweenness_values, g, size=g.vcount(), sample_threshold=100, k=30,
                                              seed=1)(), whole)   # inline, one call: bit for bit


def _pid_and(n: int, values: np.ndarray) -> np.ndarray:
    """(module level: a fresh process finds it by its name) the process id, then ``values * n``."""
    return np.concatenate([[float(os.getpid())], values * n])


def test_a_fresh_process_computes_the_inline_value_and_holds_no_page_of_the_caller():
    """``in_fresh_process`` runs the function in a new interpreter (not a fork: no page of the caller's
    is kept there), its arrays handed over as files, and gives the inline value; a function it
    cannot find by name (a lambda) runs inline; so does a process that fails."""
    from linkgraph.graph.background import in_fresh_process

    values = np.arange(5, dtype=np.float64)
    out = in_fresh_process(_pid_and, 3, values, size=10, min_size=0)()
    assert out[0] != os.getpid() and out[1:].tolist() == [0.0, 3.0, 6.0, 9.0, 12.0]
    here = in_fresh_process(lambda n, v: np.concatenate([[float(os.getpid())], v * n]), 3, values, size=10, min_size=0)()
    assert here[0] == os.getpid() and here[1:].tolist() == out[1:].tolist()
    parent = os.getpid()
    failing = in_fresh_process(_fails_elsewhere, values, size=10, min_size=0, parent=parent)()
    assert failing.tolist() == (values + 1).tolist()         # the child raised: computed here


def _worker_flag(n: int) -> np.ndarray:
    """(module level) whether this process is marked as a worker (``background.WORKER_VARIABLE``)."""
    from linkgraph.graph.background import WORKER_VARIABLE
    return np.array([float(os.environ.get(WORKER_VARIABLE) == "1")] * n)


def test_worker_processes_are_marked_and_the_caller_is_not():
    """A forked child and a new process both run with ``WORKER_VARIABLE`` set (a function there may
    load less than in the caller); the caller's environment is left as it was."""
    from linkgraph.graph.background import WORKER_VARIABLE, in_fresh_process

    forked = _alone("""
        import os
        import numpy as np
        from linkgraph.graph.background import WORKER_VARIABLE, in_background

        def flag(n):
            return np.array([float(os.getpid()), float(os.environ.get(WORKER_VARIABLE) == "1")] * n)

        out = in_background(flag, 1, size=10, min_size=0)()
        print(out[0] != os.getpid(), out[1] == 1.0, os.environ.get(WORKER_VARIABLE) is None)
    """)
    assert forked == "True True True"       # a forked child, marked; this process not
    assert os.environ.get(WORKER_VARIABLE) is None
    assert in_fresh_process(_worker_flag, 2, size=10, min_size=0)().tolist() == [1.0, 1.0]
    assert _worker_flag(1).tolist() == [0.0] and os.environ.get(WORKER_VARIABLE) is None


def _fails_elsewhere(values: np.ndarray, parent: int) -> np.ndarray:
    if os.getpid() != parent:
        raise MemoryError("killed")
    return values + 1
