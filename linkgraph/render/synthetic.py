"""Generated chart data (the shape :func:`linkgraph.render.subgraph.chart_data` returns), for
benchmarks and browser tests: communities of persons with their phones, vehicles, companies,
containers and places, calls inside and across communities. Seeded, no resolution needed."""
from __future__ import annotations

import numpy as np

__all__ = ["synthetic_chart_data"]

_TYPES = ("person", "phone", "vehicle", "company", "container", "place")
_SHARE = (0.40, 0.30, 0.15, 0.06, 0.02, 0.07)
_PREFIX = {"person": "P", "phone": "T", "vehicle": "V", "company": "C", "container": "K", "place": "L"}
_AGENCIES = ("police", "gendarmerie", "douane", "police_municipale", "registre", "lapi")
_RELATION = {("person", "phone"): "uses", ("person", "vehicle"): "drives", ("person", "company"): "directs",
             ("phone", "phone"): "called", ("vehicle", "place"): "seen_at", ("person", "person"): "co_arrested",
             ("company", "container"): "seized_with", ("person", "place"): "lives_at"}
_FIRST = ("Karim", "Sofiane", "Léa", "Inès", "Mehdi", "Jérôme", "Aïcha", "Noé", "Zoé", "Anis")
_LAST = ("BENALI", "DURAND", "NGUYEN", "MARTIN", "EL AMRANI", "LEFÈVRE", "DIALLO", "GARCIA", "ROUSSEAU", "KHELIF")


def _label(kind: str, i: int, rng: np.random.Generator) -> str:
    if kind == "person":
        return f"{_FIRST[rng.integers(len(_FIRST))]} {_LAST[rng.integers(len(_LAST))]} {i}"
    if kind == "phone":
        return "+336" + "".join(str(d) for d in rng.integers(0, 10, 8))
    if kind == "vehicle":
        letters = "ABCDEFGHJKLMNPQRSTVWXYZ"
        return f"{letters[rng.integers(23)]}{letters[rng.integers(23)]}-{rng.integers(100, 999)}-" \
               f"{letters[rng.integers(23)]}{letters[rng.integers(23)]}"
    if kind == "company":
        return f"SARL TRANSPORTS {i}"
    if kind == "container":
        return f"MSCU{rng.integers(1000000, 9999999)}"
    return f"A7 PÉAGE {i}"


def _day(rng: np.random.Generator) -> str:
    d = np.datetime64("2018-01-01") + int(rng.integers(0, 6 * 365))
    return str(d)


def synthetic_chart_data(n_nodes: int = 2000, n_edges: int = 4000, *, seed: int = 0, community_size: int = 40) -> dict:
    """Chart data with ``n_nodes`` entities and ``n_edges`` distinct links (no ``x``/``y``: lay them out
    with :func:`~linkgraph.render.layout.layout_positions` or let ``render_chart`` do it)."""
    rng = np.random.default_rng(seed)
    counts = np.floor(np.array(_SHARE) * n_nodes).astype(int)
    counts[0] += n_nodes - counts.sum()
    kinds = np.repeat(np.array(_TYPES, dtype=object), counts)
    rng.shuffle(kinds)
    community = np.arange(n_nodes) // max(community_size, 1)
    nodes = []
    for i, kind in enumerate(kinds):
        first = _day(rng)
        last = min(str(np.datetime64(first) + int(rng.integers(0, 900))), "2023-12-31")
        agencies = sorted(set(rng.choice(_AGENCIES, size=int(rng.integers(1, 4)))))
        prov = [{"agency": agencies[k % len(agencies)], "source": f"{agencies[k % len(agencies)]}_file",
                 "file": f"{agencies[k % len(agencies)]}.csv", "row": int(rng.integers(1, 50_000)), "date": first}
                for k in range(min(3, len(agencies)))]
        nodes.append({
            "id": f"{_PREFIX[kind]}-{i:010x}", "label": _label(kind, i, rng), "type": kind, "agencies": agencies,
            "first_seen": first, "last_seen": last, "mentions": int(rng.integers(1, 12)),
            "score": round(float(rng.beta(1.2, 6)), 4) if kind == "person" else None, "rank": None,
            "attributes": {}, "provenance": prov, "provenance_total": len(prov) + int(rng.integers(0, 5)),
            "on_path": False,
        })
    ids = [n["id"] for n in nodes]
    pairs: set[tuple[int, int]] = set()
    members = {c: np.flatnonzero(community == c) for c in np.unique(community)}
    while len(pairs) < n_edges:
        a = int(rng.integers(n_nodes))
        if rng.random() < 0.85:
            pool = members[community[a]]
            b = int(pool[rng.integers(len(pool))])
        else:
            b = int(rng.integers(n_nodes))
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    edges = []
    for k, (a, b) in enumerate(sorted(pairs)):
        kind = _RELATION.get((kinds[a], kinds[b])) or _RELATION.get((kinds[b], kinds[a]), "associated_with")
        if (kinds[b], kinds[a]) in _RELATION and (kinds[a], kinds[b]) not in _RELATION:
            a, b = b, a
        count = int(rng.geometric(0.4))
        first = _day(rng)
        evidence = [f"{_AGENCIES[r % 6]}_file:{int(rng.integers(1, 50_000))}" for r in range(count)]
        edges.append({
            "id": f"e{k}", "from": ids[a], "to": ids[b], "type": kind,
            "directed": kind not in ("co_arrested", "seized_with", "associated_with"), "count": count,
            "weight": float(count), "agencies": sorted({_AGENCIES[r % 6] for r in range(count)}),
            "classification": "restricted", "first_seen": first, "last_seen": first,
            "evidence": evidence[:20], "evidence_total": len(evidence), "on_path": False,
        })
    meta = {"selection": {"synthetic": True, "seed": seed}, "counts": {"nodes": len(nodes), "edges": len(edges)},
            "types": {t: int((kinds == t).sum()) for t in _TYPES}, "agencies": sorted(_AGENCIES),
            "date_min": "2018-01-01", "date_max": "2023-12-31", "path": [], "scored": True}
    return {"nodes": nodes, "edges": edges, "meta": meta}
