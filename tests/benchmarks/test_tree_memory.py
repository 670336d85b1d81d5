"""The benchmark's memory figure counts a forked child's own pages, which the caller's RSS does not."""
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from tree_memory import TreePeak, tree_pss_mb  # noqa: E402


def test_a_forked_childs_own_memory_is_counted():
    base, _ = tree_pss_mb(os.getpid())
    with TreePeak(interval=0.05) as peak:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            held = np.ones(300 * 1024 * 1024 // 8)    # 300 MB of the child's own
            os.write(write_end, b"1")
            time.sleep(1.0)
            os._exit(0 if held[0] == 1 else 1)
        os.close(write_end)
        os.read(read_end, 1)           # the child holds its memory from here
        os.waitpid(pid, 0)
        os.close(read_end)
    assert peak.processes >= 2          # (this process, the child, and any other child it already has)
    assert peak.mb > base + 250
