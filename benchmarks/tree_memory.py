"""Peak memory of a process and its forked children together (scoring forks children that hold pages
of their own: the caller's RSS alone does not show them).

The figure is the largest sum, over time, of the PSS (proportional set size: a page shared by n
processes counts 1/n in each) of the process and its descendants, read from
``/proc/<pid>/smaps_rollup`` every ``interval`` seconds by a separate sampler process (a thread would
stop scoring from forking: see ``linkgraph/graph/background.py``). Linux only.

    with TreePeak() as peak:
        run_pipeline()
    print(peak.mb)

Run as a script, it is that sampler: ``python tree_memory.py PID OUT [INTERVAL]``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_pss_mb(root: int, leave_out: int | None = None) -> tuple[float, int]:
    """(PSS of ``root`` and its descendants in MB, how many processes), ``leave_out`` not counted."""
    total, count, todo = 0.0, 0, [root]
    while todo:
        pid = todo.pop()
        if pid == leave_out:
            continue
        total += _pss_mb(pid)
        count += 1
        todo += _children(pid)
    return total, count


class TreePeak:
    """Context manager: the peak PSS of this process and its children while the block runs (``mb``,
    ``processes`` at the peak; None where ``/proc`` has no ``smaps_rollup``)."""

    def __init__(self, interval: float = 0.1):
        self.interval, self.mb, self.processes = interval, None, None

    def __enter__(self) -> "TreePeak":
        self._out = tempfile.NamedTemporaryFile(prefix="tree_memory_", suffix=".txt", delete=False)
        self._out.close()
        self._proc = None
        if os.path.exists(f"/proc/{os.getpid()}/smaps_rollup"):
            self._proc = subprocess.Popen([sys.executable, __file__, str(os.getpid()), self._out.name, str(self.interval)])
        return self

    def __exit__(self, *exc) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait()
            with open(self._out.name) as f:
                text = f.read().split()
            if text:
                self.mb, self.processes = float(text[0]), int(text[1])
        os.unlink(self._out.name)


def _sample(root: int, out: str, interval: float) -> None:
    best = 0.0
    me = os.getpid()
    while os.path.exists(f"/proc/{root}"):
        mb, n = tree_pss_mb(root, leave_out=me)
        if mb > best:
            best = mb
            with open(out + ".tmp", "w") as f:
                f.write(f"{mb:.0f} {n}\n")
            os.replace(out + ".tmp", out)
        time.sleep(interval)


if __name__ == "__main__":
    _sample(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.1)
