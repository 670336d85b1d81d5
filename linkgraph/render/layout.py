"""Node positions for a link chart, computed once in Python so that the browser draws without physics.

Each connected component is laid out on its own (igraph's Fruchterman–Reingold from a seeded random
start, fewer iterations for big components), scaled to about ``spacing`` pixels between
neighbours, and the components are packed in rows, biggest first. Deterministic for a seed.
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

import igraph as ig
import numpy as np
from scipy.spatial import cKDTree

__all__ = ["layout_positions"]

# Fruchterman–Reingold iterations: igraph computes all pairwise repulsions up to 1 000 nodes (work
# n² per iteration: capped at _PAIR_WORK, ~0.7 s) and uses a grid above (about linear per iteration)
_MAX_ITER, _MIN_ITER, _GRID_ITER, _PAIR_WORK = 500, 80, 300, 250_000_000
_MIN_GAP = 0.55  # median distance to the nearest node, in edge lengths


def _iterations(n: int) -> int:
    if n > 1000:
        return _GRID_ITER
    return int(max(_MIN_ITER, min(_MAX_ITER, _PAIR_WORK // max(n * n, 1))))


def _component_layout(g: ig.Graph, rng: np.random.Generator) -> np.ndarray:
    """Positions of one connected component, centred, in units of about one edge length."""
    n = g.vcount()
    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[-0.5, 0.0], [0.5, 0.0]])
    start = rng.uniform(-1.0, 1.0, size=(n, 2)) * np.sqrt(n)
    coords = np.asarray(g.layout_fruchterman_reingold(seed=start.tolist(), niter=_iterations(n),
                                                      grid="auto").coords, dtype=float)
    coords -= coords.mean(axis=0)
    # FR's natural edge length varies with size: bring the median edge to length 1, then spread
    # dense components until nodes are at least _MIN_GAP from their nearest neighbour (median)
    ends = np.asarray(g.get_edgelist())
    lengths = np.linalg.norm(coords[ends[:, 0]] - coords[ends[:, 1]], axis=1)
    edge = float(np.median(lengths[lengths > 0])) if (lengths > 0).any() else 1.0
    nearest, _ = cKDTree(coords).query(coords, k=2)
    gaps = nearest[:, 1][nearest[:, 1] > 0]
    gap = float(np.median(gaps)) if len(gaps) else edge
    scale = max(1.0 / edge if edge > 0 else 1.0, _MIN_GAP / gap if gap > 0 else 1.0)
    return coords * scale


def layout_positions(node_ids: Sequence[str], pairs: Iterable[tuple[str, str]], *, seed: int = 0,
                     spacing: float = 110.0) -> dict[str, tuple[float, float]]:
    """``{node id: (x, y)}`` in pixels for the graph of ``node_ids`` and the undirected ``pairs``
    (pairs naming unknown ids, self-loops and repeats are ignored)."""
    ids = list(dict.fromkeys(node_ids))
    if not ids:
        return {}
    index = {k: i for i, k in enumerate(ids)}
    edges = {(min(a, b), max(a, b)) for a, b in ((index.get(u), index.get(v)) for u, v in pairs)
             if a is not None and b is not None and a != b}
    g = ig.Graph(n=len(ids), edges=sorted(edges), directed=False)
    rng = np.random.default_rng(seed)
    members = sorted((list(c) for c in g.connected_components()), key=lambda c: (-len(c), c[0]))
    blocks = []
    singletons: list[int] = []
    ig.set_random_number_generator(random.Random(seed))  # FR draws random jitter from igraph's RNG
    try:
        for comp in members:
            if len(comp) == 1:
                singletons.append(comp[0])
                continue
            blocks.append((comp, _component_layout(g.induced_subgraph(comp), rng)))
    finally:
        ig.set_random_number_generator(random)
    if singletons:  # isolated nodes: one square grid, unit spacing
        side = int(np.ceil(np.sqrt(len(singletons))))
        k = np.arange(len(singletons))
        coords = np.column_stack([k % side, k // side]).astype(float)
        blocks.append((singletons, coords - coords.mean(axis=0)))

    # shelf packing: rows of components, row width about the square root of the total area
    margin = 1.5
    sizes = [(float(np.ptp(c[:, 0])) + margin, float(np.ptp(c[:, 1])) + margin) for _, c in blocks]
    width = max(max(w for w, _ in sizes), float(np.sqrt(sum(w * h for w, h in sizes))) * 1.2)
    out = np.zeros((len(ids), 2))
    x = y = row_h = 0.0
    for (comp, coords), (w, h) in zip(blocks, sizes):
        if x > 0 and x + w > width:
            x, y, row_h = 0.0, y + row_h, 0.0
        lo = coords.min(axis=0)
        out[comp] = coords - lo + np.array([x + margin / 2, y + margin / 2])
        x += w
        row_h = max(row_h, h)
    out -= (out.max(axis=0) + out.min(axis=0)) / 2
    out *= spacing
    return {k: (round(float(out[i, 0]), 1), round(float(out[i, 1]), 1)) for i, k in enumerate(ids)}
