"""Graph build, analytics and scoring at scale on generated data (issue 3), optionally side by side
with plain networkx.

    python benchmarks/graph_scale.py --nodes 1000000 --edges 5000000
    python benchmarks/graph_scale.py --nodes 20000 --edges 100000 --networkx

Data (generated with numpy, seeded, vectorized): a ``Resolution``-like set of tables.

* entities (``entity_id, entity_type, label`` + ``number`` for phones, ``plate`` for vehicles,
  ``name`` for companies): 60 % persons ``P-``, 30 % phones ``T-``, 6 % vehicles ``V-``,
  4 % companies ``C-``; 5 % of the numbers and plates are foreign.
* rows (``source, row, agency, date, attributes, status``): one procedure / seizure row per person
  mention (police ``police_procedures``, gendarmerie ``gendarmerie``, douane ``douane_saisies``;
  attributes ``{"offence": ...}`` or ``{"drug": ..., "quantity_kg": ...}``) and one phone-records
  row per call (``fadettes``, ``{"duration": s}``).
* mentions (``mention_id, entity_id, entity_type, source, row, agency, date``): 1–3 mentions per
  person (60/30/10 %) across the three agencies; one mention per asset stated in a person's row;
  caller and callee mentions of every call row.
* relations (``from_mention, to_mention, from_entity, to_entity, source, agency, classification,
  file, row, date, type, duration``): ``uses`` person → phone (``--phone-share`` of the persons
  hold 1–2 phones; their first phones are distinct, a second phone is any phone, so most phones
  have one holder, some are shared and some have none and stand for an unknown holder),
  ``drives`` person → vehicle (1–2 drivers), ``directs`` person → company (1–2 directors) and
  ``called`` phone → phone for the rest of the edge budget: callers drawn with Pareto(1.8) weights
  (heavy-tailed out-degree); the callee is, with probability ``--intra`` (0.7), a uniform phone of
  the caller's community (blocks of ~30–40 phones), else drawn with the same Pareto weights
  (Chung–Lu: heavy-tailed in-degree); distinct (caller, callee) pairs, each with
  1 + Geometric(0.75) call rows.

The entity graph (``edge_table``) has ``--nodes`` entities and ``--edges`` edges (± rounding).
``--compact`` (default): the low-cardinality text columns are pandas categoricals, as a loader reading
them with ``dtype="category"`` holds them (the pipeline gives the same results on either); the
generator's freed temporaries are returned to the system (``malloc_trim``) and, with ``--reload``
(default), the tables are written to a temporary file and read back (as a loader makes them: the
generator's freed strings leave its live ones scattered over pages that cannot be returned), so the
RSS the pipeline starts from is the tables'. The CPU column counts forked children (scoring's betweenness).

Stages, each timed and with its own peak RSS (the kernel's VmHWM, reset before each stage through
``/proc/self/clear_refs``; falls back to ``ru_maxrss`` where not available): edge_table,
line attribution (``attribute_lines`` with rules/scoring.yaml's rules, its inferred ``uses`` edges
added to the edge table, as ``ScoringContext.of`` does; ``--no-attribution`` skips it),
person_projection (``lists=False``, as ``ScoringContext.of``: edge positions per pair, no lists),
analyse on the entity graph (``--entity-analytics``, off by default: not part of the ranked list),
one igraph build of the projection + analyse on it (only the metrics scoring reads, its communities;
``--all-metrics``: every metric), ScoringContext (sharing that graph and
analyse's table) + score; the top 20's evidence made into text, as an export does. Inner functions are timed by wrapping the module attributes
(no linkgraph file is changed). ``--networkx``: the plain networkx equivalent on the projection
(degree, pagerank, k-sampled betweenness with linkgraph's k and seed, louvain_communities(seed=0),
constraint, core_number; exact betweenness with ``--nx-exact``) next to linkgraph's figures for
the same metrics on the same graph, with agreement checks.
"""
from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import re
import resource
import sys
import time
import traceback
from contextlib import contextmanager

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tree_memory import TreePeak  # noqa: E402

MB = 1024 * 1024

# --------------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def _hwm_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (scoring's betweenness runs in a
    forked child on large graphs: its CPU counts)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _release_freed() -> None:
    """Return the heap memory freed so far to the system (glibc ``malloc_trim``; no-op elsewhere)."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


RESULTS: list[dict] = []      # stage rows
INNER: list[dict] = []        # inner function timings (stage, function, seconds, calls)
_CURRENT = {"stage": None}


@contextmanager
def stage(name: str, nodes: int | None = None, edges: int | None = None, note: str = ""):
    """Time a stage and record its peak RSS (process high-water mark during the stage)."""
    gc.collect()
    _reset_hwm()
    start_rss = _rss_mb()
    _CURRENT["stage"] = name
    row = {"stage": name, "nodes": nodes, "edges": edges, "note": note}
    t0, c0 = time.perf_counter(), _cpu()
    print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
    try:
        yield row
        row["status"] = "ok"
    except Exception as exc:  # a failing stage is a result too: report it, go on
        row["status"] = f"FAILED: {type(exc).__name__}: {exc}"
        row["traceback"] = traceback.format_exc()
        print(row["traceback"], file=sys.stderr, flush=True)
    finally:
        row["seconds"] = time.perf_counter() - t0
        row["cpu"] = _cpu() - c0   # CPU of the process and its children: less sensitive than wall time to a shared machine
        row["child_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        row["peak_rss_mb"] = _hwm_mb()
        row["start_rss_mb"] = start_rss
        row["delta_mb"] = row["peak_rss_mb"] - start_rss
        _CURRENT["stage"] = None
        RESULTS.append(row)
        print(f"[{time.strftime('%H:%M:%S')}] {name}: {row['seconds']:.1f} s (CPU {row['cpu']:.1f} s), peak RSS {row['peak_rss_mb']:.0f} MB "
              f"(+{row['delta_mb']:.0f}) {row['status']}", flush=True)


def timed(module, name: str, label: str | None = None) -> None:
    """Wrap ``module.name`` so that each call's time is recorded under the current stage."""
    fn = getattr(module, name)
    if getattr(fn, "_bench_wrapped", False):
        return
    label = label or f"{module.__name__.rsplit('.', 1)[-1]}.{name}"

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            INNER.append({"stage": _CURRENT["stage"], "function": label, "seconds": time.perf_counter() - t0})

    wrapper._bench_wrapped = True
    setattr(module, name, wrapper)


# --------------------------------------------------------------------------------------------
# Data generation
# --------------------------------------------------------------------------------------------

OFFENCES = ["ILS - trafic de stupéfiants", "ILS - usage de stupéfiants", "ILS - détention de stupéfiants",
            "ILS - cession de stupéfiants", "Association de malfaiteurs", "Blanchiment", "Vol avec violence",
            "Importation de stupéfiants", "Recel"]
OFFENCE_P = [0.25, 0.2, 0.15, 0.1, 0.05, 0.03, 0.12, 0.03, 0.07]
DRUGS = ["cocaine", "résine de cannabis", "héroïne", "herbe de cannabis"]
AGENCIES = np.array(["police", "gendarmerie", "douane"], dtype=object)
PERSON_SOURCES = np.array(["police_procedures", "gendarmerie", "douane_saisies"], dtype=object)
LEVELS = np.array(["public", "restricted", "confidential", "secret"], dtype=object)
LAST = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU",
        "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER",
        "MOREL", "GIRARD", "ANDRE", "MERCIER", "DUPONT", "LAMBERT", "BONNET", "FRANCOIS", "MARTINEZ", "BENALI",
        "HADDAD", "MANSOURI", "DIALLO", "TRAORE", "NGUYEN", "SILVA", "FERREIRA", "ROSSI", "KAYA", "YILMAZ"]
FIRST = ["Jean", "Marie", "Pierre", "Nathalie", "Karim", "Sofiane", "Mehdi", "Julie", "Nicolas", "Sarah",
         "Mohamed", "Yassine", "Kevin", "Laura", "Thomas", "Ines", "Lucas", "Camille", "Moussa", "Fatou"]


def _ids(rng: np.random.Generator, prefix: str, n: int) -> np.ndarray:
    """``n`` distinct pseudo-random ids ``prefix-xxxxxxxxxx`` (a bijection of 0..n-1 mod 2**40)."""
    x = (rng.permutation(n).astype(np.uint64) * np.uint64(0x9E3779B97F) + np.uint64(rng.integers(1 << 40))) \
        & np.uint64((1 << 40) - 1)
    return np.char.add(f"{prefix}-", np.char.mod("%010x", x)).astype(object)


def _pool(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=object)


def _cat(*parts) -> np.ndarray:
    """Elementwise string concatenation of object arrays / scalars (pandas, vectorized)."""
    out = None
    for p in parts:
        s = pd.Series(p, dtype=object) if not isinstance(p, str) else p
        out = s if out is None else out + s
    return np.asarray(out, dtype=object)


def _within(codes: np.ndarray) -> np.ndarray:
    """0, 1, 2... within each code, in array order."""
    return pd.Series(codes).groupby(codes).cumcount().to_numpy()


def generate(n_nodes: int, n_edges: int, seed: int = 0, phone_share: float = 0.45, intra: float = 0.7,
             compact: bool = False) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n_p, n_t, n_v = int(0.6 * n_nodes), int(0.3 * n_nodes), int(0.06 * n_nodes)
    n_c = n_nodes - n_p - n_t - n_v
    pid, tid, vid, cid = _ids(rng, "P", n_p), _ids(rng, "T", n_t), _ids(rng, "V", n_v), _ids(rng, "C", n_c)
    days = pd.date_range("2019-01-01", "2024-12-31", freq="D").strftime("%Y-%m-%d").to_numpy(dtype=object)

    # ---- entities
    last, first = _pool(LAST), _pool(FIRST)
    p_label = _cat(last[rng.integers(len(LAST), size=n_p)], " ", first[rng.integers(len(FIRST), size=n_p)])
    foreign = rng.random(n_t) < 0.05
    prefixes = _pool(["+324", "+346", "+2126", "+316", "+447"])
    num_prefix = np.where(foreign, prefixes[rng.integers(len(prefixes), size=n_t)], "+336").astype(object)
    numbers = _cat(num_prefix, np.char.mod("%08d", rng.integers(10**8, size=n_t)).astype(object))
    letters = np.array(list("ABCDEFGHJKLMNPQRSTVWXYZ"), dtype=object)
    L = lambda: letters[rng.integers(len(letters), size=n_v)]  # noqa: E731
    digits = np.char.mod("%03d", rng.integers(1000, size=n_v)).astype(object)
    plates = _cat(L(), L(), "-", digits, "-", L(), L())
    foreign_v = rng.random(n_v) < 0.05
    plates[foreign_v] = _cat("1-", L()[foreign_v], L()[foreign_v], L()[foreign_v], "-", digits[foreign_v])
    c_names = _cat(_pool(["SARL ", "SAS ", "EURL ", "SCI "])[rng.integers(4, size=n_c)], last[rng.integers(len(LAST), size=n_c)],
                   " ", np.char.mod("%d", np.arange(n_c)).astype(object))
    entities = pd.DataFrame({
        "entity_id": np.concatenate([pid, tid, vid, cid]),
        "entity_type": np.repeat(_pool(["person", "phone", "vehicle", "company"]), [n_p, n_t, n_v, n_c]),
        "label": np.concatenate([p_label, numbers, plates, c_names]),
    })
    entities["number"] = pd.Series(np.concatenate([np.full(n_p, None), numbers, np.full(n_v + n_c, None)]), dtype=object)
    entities["plate"] = pd.Series(np.concatenate([np.full(n_p + n_t, None), plates, np.full(n_c, None)]), dtype=object)
    entities["name"] = pd.Series(np.concatenate([np.full(n_p + n_t + n_v, None), c_names]), dtype=object)

    # ---- person mentions, one procedure / seizure row each
    k = rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1], size=n_p)
    m_person = np.repeat(np.arange(n_p), k)
    offset = np.concatenate([[0], np.cumsum(k)[:-1]])
    ag = rng.choice(3, p=[0.45, 0.35, 0.2], size=len(m_person))
    prow = _within(ag) + 1
    pdate = days[rng.integers(len(days), size=len(m_person))]
    psrc = PERSON_SOURCES[ag]
    offence_json = _pool([json.dumps({"offence": o}, ensure_ascii=False) for o in OFFENCES])
    qty = np.round(np.exp(rng.normal(1.0, 1.5, size=400)), 1)
    drug_json = _pool([json.dumps({"drug": DRUGS[i % len(DRUGS)], "quantity_kg": float(q)}, ensure_ascii=False)
                       for i, q in enumerate(qty)])
    attrs = np.where(ag == 2, drug_json[rng.integers(len(drug_json), size=len(m_person))],
                     offence_json[rng.choice(len(OFFENCES), p=OFFENCE_P, size=len(m_person))]).astype(object)
    p_mention_id = _cat(psrc, ":", prow.astype(str).astype(object), ":person")

    # ---- asset relations stated in a person's row: uses, drives, directs
    holders_n = min(int(phone_share * n_p), n_t)
    holders = rng.choice(n_p, holders_n, replace=False)
    second = rng.random(holders_n) < 0.3
    uses = pd.DataFrame({"p": np.concatenate([holders, holders[second]]),
                         "a": np.concatenate([rng.permutation(n_t)[:holders_n], rng.integers(n_t, size=int(second.sum()))])})
    drivers = 1 + (rng.random(n_v) < 0.3)
    drives = pd.DataFrame({"p": rng.integers(n_p, size=int(drivers.sum())), "a": np.repeat(np.arange(n_v), drivers)})
    directors = 1 + (rng.random(n_c) < 0.3)
    directs = pd.DataFrame({"p": rng.integers(n_p, size=int(directors.sum())), "a": np.repeat(np.arange(n_c), directors)})
    asset_parts = []
    for type_, frame, ids, slot, etype in (("uses", uses, tid, "phone", "phone"), ("drives", drives, vid, "vehicle", "vehicle"),
                                           ("directs", directs, cid, "company", "company")):
        frame = frame.drop_duplicates()
        p, a = frame["p"].to_numpy(), frame["a"].to_numpy()
        m = offset[p] + rng.integers(k[p])  # one of the person's rows
        asset_parts.append(pd.DataFrame({"type": type_, "m": m, "person": pid[p], "asset": ids[a], "slot": slot,
                                         "etype": etype}))
    assets = pd.concat(asset_parts, ignore_index=True)
    am = assets["m"].to_numpy()
    n_in_row = _within(am.astype(np.int64) * 4 + pd.factorize(assets["slot"])[0])
    suffix = np.where(n_in_row == 0, "", (n_in_row + 1).astype(str)).astype(object)
    a_mention_id = _cat(psrc[am], ":", prow[am].astype(str).astype(object), ":", assets["slot"].to_numpy(dtype=object), suffix)

    # ---- calls: the rest of the edge budget, heavy-tailed Chung–Lu endpoints
    n_calls = max(n_edges - len(assets), 0)
    w = rng.pareto(1.8, n_t) + 1.0
    p_end = w / w.sum()
    keys = np.zeros(0, dtype=np.int64)
    # phone communities (consecutive index blocks, lognormal sizes around 40): a call stays inside the
    # caller's community with probability ``intra``, else its callee is drawn from the whole graph
    sizes = np.maximum(2, rng.lognormal(np.log(30), 0.8, size=n_t // 10 + 1).astype(np.int64))
    bounds = np.cumsum(sizes)
    bounds = np.concatenate([[0], bounds[bounds < n_t], [n_t]])
    comm = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
    c_start, c_size = bounds[:-1][comm], np.diff(bounds)[comm]
    while len(keys) < n_calls:  # a few rounds of oversampling (not a loop over edges)
        need = int((n_calls - len(keys)) * 1.3) + 16
        s = rng.choice(n_t, need, p=p_end)
        t = np.where(rng.random(need) < intra, c_start[s] + rng.integers(0, 1 << 62, size=need) % c_size[s],
                     rng.choice(n_t, need, p=p_end))
        new = (s.astype(np.int64) * n_t + t)[s != t]
        both = np.concatenate([keys, new])
        _, first_idx = np.unique(both, return_index=True)
        keys = both[np.sort(first_idx)]
    keys = keys[:n_calls]
    cs, ct = keys // n_t, keys % n_t
    reps = rng.geometric(0.75, size=n_calls)
    call_edge = np.repeat(np.arange(n_calls), reps)
    n_call_rows = len(call_edge)
    crow = np.arange(1, n_call_rows + 1)
    crow_s = crow.astype(str).astype(object)
    c_ag = AGENCIES[rng.integers(2, size=n_calls)][call_edge]  # police or gendarmerie asked for the records
    cdate = days[rng.integers(len(days), size=n_call_rows)]
    duration = rng.integers(0, 600, size=n_call_rows)
    dur_json = _pool([json.dumps({"duration": int(d)}) for d in range(600)])
    caller_m, callee_m = _cat("fadettes:", crow_s, ":caller"), _cat("fadettes:", crow_s, ":callee")
    c_from, c_to = tid[cs][call_edge], tid[ct][call_edge]

    # ---- tables
    rows = pd.DataFrame({
        "source": np.concatenate([psrc, np.full(n_call_rows, "fadettes", dtype=object)]),
        "row": np.concatenate([prow, crow]),
        "agency": np.concatenate([AGENCIES[ag], c_ag]),
        "date": np.concatenate([pdate, cdate]),
        "attributes": np.concatenate([attrs, dur_json[duration]]),
        "status": "ok",
    })
    mentions = pd.DataFrame({
        "mention_id": np.concatenate([p_mention_id, a_mention_id, caller_m, callee_m]),
        "entity_id": np.concatenate([pid[m_person], assets["asset"].to_numpy(dtype=object), c_from, c_to]),
        "entity_type": np.concatenate([np.full(len(m_person), "person", dtype=object), assets["etype"].to_numpy(dtype=object),
                                       np.full(2 * n_call_rows, "phone", dtype=object)]),
        "source": np.concatenate([psrc, psrc[am], np.full(2 * n_call_rows, "fadettes", dtype=object)]),
        "row": np.concatenate([prow, prow[am], crow, crow]),
        "agency": np.concatenate([AGENCIES[ag], AGENCIES[ag][am], c_ag, c_ag]),
        "date": np.concatenate([pdate, pdate[am], cdate, cdate]),
    })
    n_a = len(assets)
    file_of = {"police_procedures": "police_procedures.csv", "gendarmerie": "gendarmerie.csv",
               "douane_saisies": "douane_saisies.json", "fadettes": "fadettes.csv"}
    rel_src = np.concatenate([psrc[am], np.full(n_call_rows, "fadettes", dtype=object)])
    files = pd.Series(rel_src).map(file_of).to_numpy(dtype=object)
    relations = pd.DataFrame({
        "from_mention": np.concatenate([p_mention_id[am], caller_m]),
        "to_mention": np.concatenate([a_mention_id, callee_m]),
        "from_entity": np.concatenate([assets["person"].to_numpy(dtype=object), c_from]),
        "to_entity": np.concatenate([assets["asset"].to_numpy(dtype=object), c_to]),
        "source": rel_src,
        "agency": np.concatenate([AGENCIES[ag][am], c_ag]),
        "classification": LEVELS[rng.choice(4, p=[0.1, 0.5, 0.35, 0.05], size=n_a + n_call_rows)],
        "file": files,
        "row": np.concatenate([prow[am], crow]),
        "date": np.concatenate([pdate[am], cdate]),
        "type": np.concatenate([assets["type"].to_numpy(dtype=object), np.full(n_call_rows, "called", dtype=object)]),
        "duration": np.concatenate([np.full(n_a, np.nan), duration.astype(float)]),
    })
    tables = {"entities": entities, "mentions": mentions, "rows": rows, "relations": relations}
    if compact:
        for name, cols in COMPACT.items():
            for col in cols:
                tables[name][col] = tables[name][col].astype("category")
    return tables


# low-cardinality text columns held as pandas categoricals with --compact (a loader reading them with
# dtype="category", or Arrow dictionaries, holds them so): 1 byte a row instead of an 8-byte pointer
COMPACT = {"entities": ["entity_type"], "mentions": ["entity_type", "source", "agency", "date"],
           "rows": ["source", "agency", "date", "attributes", "status"],
           "relations": ["source", "agency", "classification", "file", "date", "type"]}


# --------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------


def instrument() -> None:
    """Time the inner functions of analytics and scoring (module attributes wrapped, files untouched)."""
    import linkgraph.graph.analytics as A
    import linkgraph.scoring.factors as F
    import linkgraph.scoring.network as N
    import linkgraph.scoring.score as S

    for name in ("as_igraph", "degree", "weighted_degree", "betweenness", "pagerank", "communities", "burt_constraint",
                 "coreness", "bridges_between_communities"):
        timed(A, name)
    for name in ("activity", "network", "corroboration", "listed_links", "international", "financial", "concealment"):
        timed(F, name, f"factors.{name}")
    timed(F, "network_graph", "factors(network).network_graph")     # score.py calls these through factors
    for name in ("as_igraph", "burt_constraint", "effective_size", "_fragmentation"):
        timed(N, name, f"factors(network).{name}")
    for name in ("_person_rows", "tied_holders"):
        timed(F, name, f"factors.{name}")
    timed(S, "_organisations", "score._organisations")
    timed(S, "communities", "score(_organisations).communities")


def run_linkgraph(data: dict, args) -> dict:
    from linkgraph.graph.analytics import analyse, as_igraph
    from linkgraph.graph.attribution import attribute_lines, home_towns, inferred_uses
    from linkgraph.graph.edge_refs import carry
    from linkgraph.graph.edges import edge_table
    from linkgraph.scoring.config import load_scoring
    from linkgraph.graph.projection import person_projection, projection_nodes
    from linkgraph.scoring.context import ScoringContext
    from linkgraph.scoring.score import ANALYSIS_METRICS, score

    ent, rel = data["entities"], data["relations"]
    out: dict = {}
    with stage("build: edge_table(relations, lists=False)", None, len(rel), "relation rows in") as row:
        edges = edge_table(rel, lists=False)   # as ScoringContext.of: evidence as integer arrays, no list per edge
    # (counted after the stage: the benchmark's own hashing of the ids is not the pipeline's)
    row["nodes"] = int(pd.unique(np.concatenate([edges["from_entity"].to_numpy(), edges["to_entity"].to_numpy()])).size)
    row["edges"] = len(edges)
    row["note"] = f"{len(rel):,} relation rows in; {len(ent):,} entities"
    out["edges"] = edges
    attributed = None
    rules = load_scoring().attribution.rules() if args.scoring and args.attribution else None
    if rules is not None:
        # as ScoringContext.of does: lines nobody is known to use get a likely user, whose inferred
        # `uses` edges join the edge table before the projection is built
        with stage("build: attribute_lines(edges, entities)", None, len(edges)) as row:
            attributed = attribute_lines(edges, ent, rules, home_towns(data["mentions"]))
            if len(attributed):
                edges = carry(pd.concat([edges.assign(inferred=False), inferred_uses(attributed)], ignore_index=True), edges)
            row["nodes"] = int(attributed["phone"].nunique()) if len(attributed) else 0
            row["note"] = f"{len(attributed):,} lines attributed (scoring.yaml rules); nodes = attributed lines"
    with stage("build: person_projection(edges, entities, lists=False)") as row:
        proj = person_projection(edges, ent, lists=False)   # as ScoringContext.of: edge positions per pair, no lists
    row["edges"] = len(proj)     # (counted after the stage, as above)
    row["nodes"] = int(pd.unique(np.concatenate([proj["from_entity"].to_numpy(), proj["to_entity"].to_numpy()])).size)
    row["note"] = "nodes = endpoints"
    out["projection"] = proj
    if args.entity_analytics:
        with stage("analytics: analyse(entity graph)", len(ent), len(edges)) as row:
            a = analyse(edges[["from_entity", "to_entity", "weight"]], ent[["entity_id", "entity_type", "label"]],
                        k=args.k, sample_threshold=args.sample_threshold)
            row["nodes"] = len(a)
            row["note"] = _btw_note(len(a), args)
        del a
    with stage("analytics: as_igraph + analyse(projection)") as row:
        pnodes = projection_nodes(proj, ent)[["entity_id", "entity_type", "label"]]
        # one igraph build, shared by analyse and scoring (network factor, organisations)
        graph = as_igraph(proj[["from_entity", "to_entity", "weight"]], nodes=pnodes["entity_id"].tolist())
        # what scoring reads from it (its communities); every metric with --all-metrics
        metrics = None if args.all_metrics or not args.scoring else ANALYSIS_METRICS
        a = analyse(graph, pnodes, k=args.k, sample_threshold=args.sample_threshold, metrics=metrics)
        row["nodes"], row["edges"] = len(a), len(proj)
        row["note"] = ((_btw_note(len(a), args) + "; " if "betweenness" in a else "")
                       + f"metrics: {', '.join(c for c in a.columns if c not in ('entity_type', 'label'))}; "
                       "nodes = all persons + unheld phones; graph shared with scoring")
    out["analysis"] = a
    if not args.scoring:
        return out
    with stage("scoring: ScoringContext + score(ctx)", len(ent), len(edges)) as row:
        persons = pd.Index(ent.loc[ent["entity_type"] == "person", "entity_id"], name="entity_id")
        ctx = ScoringContext(persons=persons, entities=ent, mentions=data["mentions"],
                             rows=data["rows"].loc[data["rows"]["status"] == "ok", ["source", "row", "agency", "date", "attributes"]],
                             edges=edges, projection=proj, reference_date=pd.Timestamp(args.reference_date),
                             attributed=attributed, graph=graph, analysis=a)
        scores = score(ctx)
        shown = {e: scores.explain(e) for e in scores.persons["entity_id"].head(20)}   # what a user reads
        row["nodes"] = len(scores.persons)
        top = scores.persons["score"].max()
        row["note"] = (f"{len(scores.persons):,} persons scored, {len(scores.organisations):,} organisations; "
                       f"{int((scores.persons['score'] == top).sum()):,} tied at the top score {top:.3f}; "
                       f"{sum(len(f['evidence']) for x in shown.values() for f in x['factors'].values()):,} "
                       "evidence references made into text for the top 20")
        out["scores"] = scores
    return out


def _reload(data: dict) -> dict:
    """The tables written to a file and read back, the generated ones freed: the pipeline starts from
    tables laid out as a loader makes them, not from the generator's heap, where the millions of
    intermediate strings it freed leave the live ones scattered over pages malloc cannot return
    (5.2 GB of RSS at 1M / 5M for tables that take 2.2 GB once read back)."""
    import pickle
    import tempfile

    with tempfile.TemporaryFile(dir=os.environ.get("TMPDIR", "/tmp")) as f:
        pickle.dump(data, f, protocol=5)
        data.clear()
        del data
        _release_freed()
        f.seek(0)
        return pickle.load(f)


def _btw_note(n: int, args) -> str:
    if n > args.sample_threshold and args.k < n:
        return f"betweenness sampled: k={args.k} pivots (n={n:,} > {args.sample_threshold})"
    return "betweenness exact"


def run_networkx(data: dict, lg: dict, args) -> list[dict]:
    """Plain networkx on the projection vs linkgraph's functions on the same graph, metric by metric."""
    import networkx as nx
    from linkgraph.graph import analytics as A
    from linkgraph.graph.projection import projection_nodes

    proj = lg["projection"]
    nodes = projection_nodes(proj, data["entities"])["entity_id"].tolist()
    frame = proj[["from_entity", "to_entity", "weight"]]
    side: list[dict] = []

    def both(metric: str, nx_fn, lg_fn):
        r = {"metric": metric}
        for tool, fn in (("networkx", nx_fn), ("linkgraph", lg_fn)):
            if fn is None:
                continue
            with stage(f"{tool}: {metric}", len(nodes), len(proj)) as row:
                r[f"{tool}_value"] = fn()
            r[f"{tool}_s"], r[f"{tool}_mb"], r[f"{tool}_status"] = row["seconds"], row["delta_mb"], row["status"]
        side.append(r)
        return r

    G = both("build graph", lambda: _nx_graph(nodes, frame), lambda: A.as_igraph(frame, nodes=nodes))
    g_nx, g_ig = G["networkx_value"], G["linkgraph_value"]
    assert list(g_nx.nodes) == g_ig.vs["name"], "node orders differ: sampled betweenness would not compare"
    both("degree", lambda: dict(g_nx.degree()), lambda: A.degree(g_ig))
    pr = both("pagerank", lambda: nx.pagerank(g_nx, weight="weight"), lambda: A.pagerank(g_ig))
    bt = both(f"betweenness k={args.k}", lambda: nx.betweenness_centrality(g_nx, k=args.k, seed=0),
              lambda: A.betweenness(g_ig, k=args.k, seed=0, sample_threshold=0))
    ex = None
    if args.nx_exact:
        ex = both("betweenness exact", lambda: nx.betweenness_centrality(g_nx),
             lambda: A.betweenness(g_ig, sample_threshold=len(nodes) + 1))
    cm = both("communities (nx louvain / lg leiden)", lambda: nx.community.louvain_communities(g_nx, weight="weight", seed=0),
              lambda: A.communities(g_ig, seed=0))
    lv = both("communities louvain (lg multilevel)", None, lambda: A.communities(g_ig, method="louvain", seed=0))
    cs = both("constraint", lambda: nx.constraint(g_nx, weight="weight"), lambda: A.burt_constraint(g_ig))
    kc = both("core number", lambda: nx.core_number(g_nx), lambda: A.coreness(g_ig))

    # agreement
    names = g_ig.vs["name"]

    def diff(r):
        a = pd.Series(r["networkx_value"]).reindex(names).to_numpy(dtype=float)
        b = r["linkgraph_value"].reindex(names).to_numpy(dtype=float)
        ok = ~(np.isnan(a) & np.isnan(b))
        return float(np.nanmax(np.abs(a[ok] - b[ok]))) if ok.any() else 0.0

    pr["agreement"] = f"max |Δ| {diff(pr):.1e}"
    bt["agreement"] = f"max |Δ| {diff(bt):.1e} (same pivots)"
    if ex is not None:
        ex["agreement"] = f"max |Δ| {diff(ex):.1e}"
    cs["agreement"] = f"max |Δ| {diff(cs):.1e}"
    kc["agreement"] = "identical" if diff(kc) == 0 else f"max |Δ| {diff(kc)}"
    gw = g_ig.es["weight"]
    pos = {n: i for i, n in enumerate(names)}
    memb = np.zeros(len(names), dtype=int)
    for c, members in enumerate(cm["networkx_value"]):
        memb[[pos[m] for m in members]] = c
    q_nx = g_ig.modularity(memb.tolist(), weights=gw)
    q_le = g_ig.modularity(cm["linkgraph_value"].reindex(names).astype(int).tolist(), weights=gw)
    q_lv = g_ig.modularity(lv["linkgraph_value"].reindex(names).astype(int).tolist(), weights=gw)
    cm["agreement"] = (f"modularity nx {q_nx:.4f} ({len(cm['networkx_value'])} comms) vs leiden {q_le:.4f} "
                       f"({cm['linkgraph_value'].nunique()} comms)")
    lv["agreement"] = f"modularity {q_lv:.4f} ({lv['linkgraph_value'].nunique()} comms)"
    for r in side:
        r.pop("networkx_value", None)
        r.pop("linkgraph_value", None)
    return side


def _nx_graph(nodes, frame):
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from(nodes)
    G.add_weighted_edges_from(zip(frame["from_entity"].to_numpy(), frame["to_entity"].to_numpy(),
                                  frame["weight"].to_numpy(dtype=float).tolist()))
    return G


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _fmt(v) -> str:
    return "" if v is None else f"{v:,}" if isinstance(v, (int, np.integer)) else str(v)


def stage_table(rows: list[dict]) -> str:
    lines = ["| stage | nodes | edges | seconds | CPU s | peak RSS MB | Δ RSS MB | note |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        note = r["note"] if r["status"] == "ok" else f"{r['status']} {r['note']}"
        lines.append(f"| {r['stage']} | {_fmt(r['nodes'])} | {_fmt(r['edges'])} | {r['seconds']:.1f} | {r['cpu']:.1f} | "
                     f"{r['peak_rss_mb']:.0f} | {r['delta_mb']:+.0f} | {note} |")
    return "\n".join(lines)


def inner_table(stages: list[str]) -> str:
    frame = pd.DataFrame(INNER)
    if frame.empty:
        return ""
    frame = frame[frame["stage"].isin(stages)]
    agg = frame.groupby(["stage", "function"], sort=False)["seconds"].agg(["sum", "size"]).reset_index()
    lines = ["| stage | function | seconds | calls |", "|---|---|---|---|"]
    for r in agg.itertuples():
        lines.append(f"| {r.stage} | {r.function} | {r.sum:.1f} | {r.size} |")
    return "\n".join(lines)


def side_table(side: list[dict]) -> str:
    lines = ["| metric | networkx s | networkx Δ RSS MB | linkgraph s | linkgraph Δ RSS MB | speed-up | agreement |",
             "|---|---|---|---|---|---|---|"]
    for r in side:
        nx_s = r.get("networkx_s")
        lg_s = r.get("linkgraph_s")
        fmt_nx = "" if nx_s is None else f"{nx_s:.2f}"
        fmt_nxm = "" if nx_s is None else f"{r['networkx_mb']:+.0f}"
        speed = f"{nx_s / lg_s:.1f}×" if nx_s is not None and lg_s else ""
        lines.append(f"| {r['metric']} | {fmt_nx} | {fmt_nxm} | {lg_s:.2f} | {r['linkgraph_mb']:+.0f} | {speed} | "
                     f"{r.get('agreement', '')} |")
    total_nx = sum(r.get("networkx_s") or 0 for r in side)
    total_lg = sum(r["linkgraph_s"] for r in side if r.get("networkx_s") is not None)
    lines.append(f"| **total (metrics both run)** | {total_nx:.1f} | | {total_lg:.1f} | | {total_nx / total_lg:.1f}× | |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=5_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--phone-share", type=float, default=0.45, help="share of persons holding phones")
    ap.add_argument("--intra", type=float, default=0.7, help="share of calls inside the caller's phone community")
    ap.add_argument("--k", type=int, default=128, help="betweenness pivots above --sample-threshold (analyse's default)")
    ap.add_argument("--sample-threshold", type=int, default=5000)
    ap.add_argument("--reference-date", default="2025-01-01")
    ap.add_argument("--entity-analytics", action=argparse.BooleanOptionalAction, default=False,
                    help="also analyse the whole entity graph (N nodes, M edges; not part of the ranked list)")
    ap.add_argument("--compact", action=argparse.BooleanOptionalAction, default=True,
                    help="low-cardinality text columns of the generated tables as categoricals (the pipeline "
                         "accepts both; --no-compact: plain Python strings)")
    ap.add_argument("--reload", action=argparse.BooleanOptionalAction, default=True,
                    help="write the generated tables to a temporary file and read them back before the pipeline, "
                         "so that the RSS it starts from is the tables' and not the generator's scattered heap "
                         "(--no-reload: as generated)")
    ap.add_argument("--all-metrics", action="store_true",
                    help="analyse computes every metric (default: only what scoring reads, its communities)")
    ap.add_argument("--scoring", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--attribution", action=argparse.BooleanOptionalAction, default=True,
                    help="attribute lines nobody is known to use before scoring, as ScoringContext.of does")
    ap.add_argument("--networkx", action="store_true", help="plain networkx side by side on the projection")
    ap.add_argument("--nx-exact", action="store_true", help="also exact betweenness (networkx: O(nm) in Python)")
    ap.add_argument("--json", help="write the stage and inner timings to this file")
    args = ap.parse_args()

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1024**3:.0f} GB, Python {platform.python_version()}")
    print(f"command: python benchmarks/graph_scale.py {' '.join(sys.argv[1:])}", flush=True)
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    instrument()
    with stage("generate data (numpy)", args.nodes, args.edges) as row:
        data = generate(args.nodes, args.edges, args.seed, args.phone_share, args.intra, args.compact)
        row["note"] = ", ".join(f"{k} {len(v):,}" for k, v in data.items())
        row["note"] += f"; RSS {_rss_mb():,.0f} MB"
        _release_freed()    # the generator's temporaries, freed but kept by malloc: the RSS left is the tables'
        row["note"] += f", {_rss_mb():,.0f} MB once freed memory is returned (malloc_trim)"
        if args.reload:
            data = _reload(data)
            row["note"] += f", {_rss_mb():,.0f} MB once written and read back (as a loader reads them)"
    sizes = {k: len(v) for k, v in data.items()}
    print("tables:", sizes, flush=True)
    with TreePeak() as tree:      # this process and scoring's forked children together
        lg = run_linkgraph(data, args)
    side = run_networkx(data, lg, args) if args.networkx else []

    main_stages = [r for r in RESULTS if not r["stage"].startswith(("networkx:", "linkgraph:"))]
    print("\n## linkgraph stages\n")
    print(stage_table(main_stages))
    print("\n## inner functions\n")
    print(inner_table([r["stage"] for r in main_stages]))
    if side:
        print("\n## networkx vs linkgraph on the projection\n")
        print(side_table(side))
    pipe = [r for r in main_stages if not r["stage"].startswith("generate")]
    wall, cpu = sum(r["seconds"] for r in pipe), sum(r["cpu"] for r in pipe)
    sc = [r for r in pipe if r["stage"].startswith("scoring")]
    print(f"\npipeline (stages after generation): {wall:.1f} s wall, {cpu:.1f} s CPU; peak RSS "
          f"{max(r['peak_rss_mb'] for r in pipe):.0f} MB; scoring's share {sum(r['seconds'] for r in sc) / wall:.0%} of wall, "
          f"{sum(r['cpu'] for r in sc) / cpu:.0%} of CPU; load average at the end {os.getloadavg()[0]:.1f}")
    if tree.mb is not None:
        print(f"peak memory of the pipeline with its forked children (sum of PSS, sampled every 0.1 s): "
              f"{tree.mb:.0f} MB over {tree.processes} processes")
    print(f"\npeak RSS of the whole run (max over stages, MB): {max(r['peak_rss_mb'] for r in RESULTS):.0f}")
    if "scores" in lg:
        print("\ntop 5:\n", lg["scores"].persons.head(5)[["rank", "entity_id", "label", "score"]].to_string(index=False))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "tables": sizes, "stages": RESULTS, "inner": INNER, "side": side}, f,
                      indent=1, default=str)


if __name__ == "__main__":
    main()
