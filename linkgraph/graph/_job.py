"""The child side of :func:`linkgraph.graph.background.in_fresh_process`: read the job from standard
input (the function's module and name, its arguments — arrays as ``.npy`` files —, its keyword
arguments), run it, write the float64 result to standard output. Run as
``run`` from a ``python -c`` that has read the job and put the parent's ``sys.path`` first."""
from __future__ import annotations

import importlib
import sys

import numpy as np


def run(spec: dict) -> None:
    fn = getattr(importlib.import_module(spec["module"]), spec["name"])
    args = [np.load(value) if kind == "array" else value for kind, value in spec["args"]]
    out = np.ascontiguousarray(fn(*args, **spec["kwargs"]), dtype=np.float64)
    sys.stdout.buffer.write(out.tobytes())
    sys.stdout.buffer.flush()
