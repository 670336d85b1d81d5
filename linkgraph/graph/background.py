"""Run one long C computation (igraph, networkit) in another process while the caller goes on: a
forked child (:func:`in_background`, :func:`in_background_parts`), or a new interpreter given its
arrays as files (:func:`in_fresh_process`: holds no page of the caller's).

On a machine with two or more cores, scoring's sampled betweenness (seconds to tens of seconds at a
million people, one core of igraph C code) can run next to the table work of the other factors
instead of before it. The child is a ``fork`` of the caller: it reads the graph the caller already
built (copy-on-write, nothing serialized), computes, writes a float64 array to a pipe and exits.

The value is the same bit for bit as computed inline (the same function on the same graph). Where
fork is not available, the caller runs other Python threads (a fork would copy their locks), the
work is small (``min_size``), or the child fails (killed, out of memory), the function runs inline,
in the caller: the result never depends on the route.

>>> import numpy as np
>>> job = in_background(lambda n: np.arange(n, dtype=float), 3, size=0)   # small: inline
>>> job().tolist()
[0.0, 1.0, 2.0]
"""
from __future__ import annotations

import gc
import importlib
import inspect
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable

import numpy as np

MIN_SIZE = 50_000        # below this many nodes the work is too short to be worth a process
# "1" in the environment of a worker process (a forked child, a new process): it exits once its result is
# written, so a function may load less than it would in the caller (linkgraph.graph.kadabra: networkit
# without its optional integrations)
WORKER_VARIABLE = "LINKGRAPH_WORKER"


def _can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1 and (os.cpu_count() or 1) > 1


def in_background(fn: Callable[..., np.ndarray], *args, size: int, min_size: int = MIN_SIZE,
                  **kwargs) -> Callable[[], np.ndarray]:
    """Start ``fn(*args, **kwargs)`` (returning a 1-d float array) in a forked child when ``size`` (the
    graph's node count) is at least ``min_size``; returns a function that gives the array (waiting for
    the child, or computing inline when no child was started or it failed)."""
    if size < min_size or not _can_fork():
        value = np.asarray(fn(*args, **kwargs), dtype=np.float64)
        return lambda: value
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:    # child: compute, write, leave without running the parent's cleanup
        status = 1
        try:
            gc.disable()            # a collection would touch (and copy) every page of the parent
            os.close(read_end)
            os.environ[WORKER_VARIABLE] = "1"
            data = np.ascontiguousarray(fn(*args, **kwargs), dtype=np.float64).tobytes()
            view, done = memoryview(data), 0
            while done < len(view):
                done += os.write(write_end, view[done:])
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return _Child(pid, read_end, lambda: np.asarray(fn(*args, **kwargs), dtype=np.float64))


def in_background_parts(fn: Callable[..., np.ndarray], *args, size: int, parts: int | None = None,
                        min_size: int = MIN_SIZE, **kwargs) -> Callable[[], np.ndarray]:
    """``fn`` additive over ``part=(i, parts)`` (as :func:`~linkgraph.graph.analytics.betweenness_values`'s
    pivots): each part in its own forked child (``parts``: default the cores, at most 4), the sum
    returned when asked for. Small work, or no fork: one inline call with ``part=(0, 1)`` — the value
    of :func:`in_background`, bit for bit.

    >>> import numpy as np
    >>> def share(n, part): return np.arange(n, dtype=float) * (part[0] + 1) / part[1]
    >>> in_background_parts(share, 3, size=0)().tolist()    # small: one inline call, part (0, 1)
    [0.0, 1.0, 2.0]
    """
    parts = parts or min(os.cpu_count() or 1, 4)
    if size < min_size or not _can_fork() or parts <= 1:
        return in_background(fn, *args, size=size, min_size=min_size, part=(0, 1), **kwargs)
    jobs = [in_background(fn, *args, size=size, min_size=min_size, part=(i, parts), **kwargs) for i in range(parts)]

    def total() -> np.ndarray:
        value = jobs[0]()
        for job in jobs[1:]:
            value = value + job()
        return value
    return total


class _Child:
    """The result of a forked child: read once when asked for. A child whose result is never asked
    for (the caller raised first, or dropped it) is killed and reaped when this object goes away or
    at exit, so no process is left blocked on its pipe."""

    def __init__(self, pid: int, read_end: int, inline: Callable[[], np.ndarray]):
        self.pid, self.read_end, self.inline = pid, read_end, inline
        self.value: np.ndarray | None = None
        self._reaper = weakref.finalize(self, _reap, pid, read_end)

    def __call__(self) -> np.ndarray:
        if self.value is not None:
            return self.value
        self._reaper.detach()
        chunks = []
        with os.fdopen(self.read_end, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        _, status = os.waitpid(self.pid, 0)
        if status != 0:         # the child failed: the same computation, here
            self.value = self.inline()
        else:
            self.value = np.frombuffer(b"".join(chunks), dtype=np.float64).copy()
        return self.value


def _reap(pid: int, read_end: int) -> None:
    for step in (lambda: os.close(read_end), lambda: os.kill(pid, signal.SIGKILL), lambda: os.waitpid(pid, 0)):
        try:
            step()
        except OSError:
            pass


def in_fresh_process(fn: Callable[..., np.ndarray], *args, size: int, min_size: int = MIN_SIZE,
                     **kwargs) -> Callable[[], np.ndarray]:
    """Start ``fn(*args, **kwargs)`` in a *new* Python process, not a fork: ``fn`` a module-level
    function returning a 1-d float array (its module's file loaded on its own, without its package),
    its array arguments written to a temporary folder as ``.npy`` files. The process holds only its
    own memory, where a forked child keeps the old copy of every page the caller rewrites or frees
    while it runs (1M people: 0.4 to 1.5 GB, depending on how long it runs). Small work
    (``min_size``), one core, a function that cannot be found by its name, or a failed process:
    inline, the same value.

    >>> import numpy as np
    >>> in_fresh_process(np.arange, 3.0, size=0)().tolist()    # small: inline
    [0.0, 1.0, 2.0]
    """
    def inline() -> np.ndarray:
        return np.asarray(fn(*args, **kwargs), dtype=np.float64)
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    try:
        found = module is not None and getattr(importlib.import_module(module), name, None) is fn
    except ImportError:
        found = False
    if size < min_size or (os.cpu_count() or 1) < 2 or not found:
        value = inline()
        return lambda: value
    folder = tempfile.mkdtemp(prefix="linkgraph-job-")
    try:
        spec_args = []
        for i, value in enumerate(args):
            if isinstance(value, np.ndarray):
                path = os.path.join(folder, f"{i}.npy")
                np.save(path, value, allow_pickle=False)
                spec_args.append(("array", path))
            else:
                spec_args.append(("value", value))
        spec = pickle.dumps({"file": inspect.getfile(fn), "name": name, "args": spec_args, "kwargs": kwargs,
                             "path": sys.path}, protocol=pickle.HIGHEST_PROTOCOL)
        process = subprocess.Popen([sys.executable, "-c", _JOB], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, env={**os.environ, WORKER_VARIABLE: "1"})
        process.stdin.write(spec)       # small (the arrays are files): no wait for the child
        process.stdin.close()
    except (OSError, pickle.PicklingError, TypeError, ValueError):
        shutil.rmtree(folder, ignore_errors=True)
        value = inline()
        return lambda: value
    return _Process(process, folder, inline)


# the new process's program: it loads the function's own file, not its package (``import linkgraph``
# brings pandas and the whole library: 0.9 s before the work could start)
_JOB = """
import importlib.util, pickle, sys
spec = pickle.load(sys.stdin.buffer)
sys.path[:0] = spec["path"]
import numpy as np
found = importlib.util.spec_from_file_location("_linkgraph_job", spec["file"])
module = importlib.util.module_from_spec(found)
found.loader.exec_module(module)
args = [np.load(value) if kind == "array" else value for kind, value in spec["args"]]
out = np.ascontiguousarray(getattr(module, spec["name"])(*args, **spec["kwargs"]), dtype=np.float64)
sys.stdout.buffer.write(out.tobytes())
sys.stdout.buffer.flush()
"""


class _Process:
    """The result of :func:`in_fresh_process`: read once when asked for; the process killed and its
    folder removed when this object goes away unread."""

    def __init__(self, process: subprocess.Popen, folder: str, inline: Callable[[], np.ndarray]):
        self.process, self.folder, self.inline = process, folder, inline
        self.value: np.ndarray | None = None
        self._reaper = weakref.finalize(self, _end_process, process, folder)

    def __call__(self) -> np.ndarray:
        if self.value is None:
            self._reaper.detach()
            data = self.process.stdout.read()
            self.process.stdout.close()
            status = self.process.wait()
            shutil.rmtree(self.folder, ignore_errors=True)
            ok = status == 0 and len(data) % 8 == 0 and len(data) > 0
            self.value = np.frombuffer(data, dtype=np.float64).copy() if ok else self.inline()
        return self.value


def _end_process(process: subprocess.Popen, folder: str) -> None:
    try:
        process.kill()
        process.wait()
    except OSError:
        pass
    shutil.rmtree(folder, ignore_errors=True)
