"""Where the known key players of real criminal networks rank: linkgraph's priority score against
plain centralities (degree, betweenness, PageRank, strength), through the whole chain.

    python benchmarks/real_networks.py            # CAVIAR aggregate + 11 phases, Montagna meetings + calls

Each network (``fixtures/networks/``, sources in its README) is written as a phone-records file
(one line per caller → callee with its number of calls, or of meetings for Montagna's meeting
graph), resolved with a phones-only mapping, projected and scored with ``rules/scoring.yaml``; the
centralities are :func:`linkgraph.graph.analytics.analyse`'s on the same projection. A key player
counts as "in the top k" only if at most k people score at least as much as him (ties count
against the method). CAVIAR's key players: n1, n3, n12, n76, n87 (top 5); Montagna's: the bosses
and the underboss of ``mont_attr.csv`` (top 10).
"""
from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import linkgraph
from linkgraph.graph.analytics import analyse
from linkgraph.graph.datasets import NETWORKS, caviar_calls_csv, caviar_number
from linkgraph.graph.edges import edge_table
from linkgraph.graph.projection import person_projection
from linkgraph.scoring.config import ScoringSettings, load_scoring
from linkgraph.scoring.score import Scores, score
from linkgraph.sources.mapping import parse_mapping

CAVIAR_KEYS = (1, 3, 12, 76, 87)
CENTRALITIES = ("degree", "betweenness", "pagerank", "weighted_degree")


def phones_mapping() -> object:
    """Phone records with numbers only: every node is a line whose holder is unknown."""
    return parse_mapping({"source": "network", "agency": "police", "classification": "secret", "format": "csv",
                          "mentions": {"caller": {"type": "phone", "fields": {"number": "appelant"}},
                                       "callee": {"type": "phone", "fields": {"number": "appele"}}},
                          "relations": [{"type": "called", "from": "caller", "to": "callee",
                                         "attributes": {"calls": "nb_appels"}}]}, "network mapping")


def montagna_calls_csv(edges_csv: Path, out_csv: Path) -> pd.DataFrame:
    """Montagna's ``from,to,weight`` list as a phone-records file (node k → :func:`caviar_number` (k))."""
    e = pd.read_csv(edges_csv, encoding="utf-8-sig")
    e.columns = ["from", "to", "weight"]
    e = e[e["from"] != e["to"]]
    table = pd.DataFrame({"appelant": caviar_number(e["from"].to_numpy()), "appele": caviar_number(e["to"].to_numpy()),
                          "nb_appels": e["weight"].astype(int).to_numpy()})
    table.to_csv(out_csv, index=False)
    return table


def montagna_leaders() -> list[int]:
    attr = pd.read_csv(NETWORKS / "mont_attr.csv", encoding="utf-8-sig", dtype=str)
    return sorted(int(n[1:]) for n in attr.loc[attr["title"].isin(["boss", "underboss"]), "node"])


@dataclass
class Graph:
    name: str
    keys: tuple[int, ...]
    k: int
    values: pd.DataFrame        # node number → score, raw_network, centralities
    scores: Scores


def _node_of(result) -> pd.Series:
    numbers = result.entities.set_index("entity_id")["number"].dropna()
    return numbers.str[-4:].astype(int)


def run_graph(name: str, csv: Path, keys: tuple[int, ...], k: int, settings: ScoringSettings) -> Graph:
    result = linkgraph.resolve_sources([(phones_mapping(), csv)])
    scores = score(result, settings)
    node = _node_of(result)
    p = scores.persons.set_index("entity_id")
    values = pd.DataFrame({"score": p["score"], "rank": p["rank"], "raw_network": p["raw_network"]})
    projection = person_projection(edge_table(result.relations), result.entities, lists=False)
    metrics = analyse(projection)
    for c in CENTRALITIES:
        values[c] = metrics[c].reindex(values.index).fillna(0.0)
    for c in ("betweenness", "effective_size"):
        values[f"part_{c}"] = scores.network_parts[c].reindex(values.index).fillna(0.0)
    values.index = values.index.map(node)
    return Graph(name, tuple(x for x in keys if x in values.index), k, values, scores)


def in_top(values: pd.Series, keys: tuple[int, ...], k: int) -> int:
    """Keys whose pessimistic rank (people scoring at least as much, himself included) is at most k."""
    return sum(int((values >= values[x]).sum()) <= k for x in keys)


def top_ties(scores: Scores, n: int = 5) -> int:
    """Equal scores among the first ``n``."""
    head = scores.persons["score"].head(n).to_numpy()
    return int(n - len(np.unique(head))) if len(head) else 0


def graphs(work: Path, settings: ScoringSettings) -> list[Graph]:
    out = []
    sets = [("CAVIAR aggregate", NETWORKS / "morselli_caviar.csv")] + [
        (f"CAVIAR phase {i}", NETWORKS / f"phase{i}.csv") for i in range(1, 12)]
    for name, matrix in sets:
        csv = work / (matrix.stem + "_calls.csv")
        caviar_calls_csv(matrix, csv)
        out.append(run_graph(name, csv, CAVIAR_KEYS, 5, settings))
    leaders = tuple(montagna_leaders())
    for name, file in (("Montagna meetings", "mont_meet.csv"), ("Montagna calls", "mont_phone.csv")):
        csv = work / (Path(file).stem + "_calls.csv")
        montagna_calls_csv(NETWORKS / file, csv)
        out.append(run_graph(name, csv, leaders, 10, settings))
    return out


def report(results: list[Graph]) -> dict[str, dict[str, int]]:
    """Print the tables; return {family: {method: key players found}}."""
    methods = ("linkgraph score",) + CENTRALITIES
    print("| graph | key players present | top k | " + " | ".join(methods) + " | ties in score top 5 |")
    print("|---|---|---|" + "---|" * (len(methods) + 1))
    totals: dict[str, dict[str, int]] = {}
    for g in results:
        family = g.name.split()[0]
        cells = []
        for m in methods:
            col = "score" if m == "linkgraph score" else m
            found = in_top(g.values[col], g.keys, g.k)
            totals.setdefault(family, {}).setdefault(m, 0)
            totals[family][m] += found
            cells.append(str(found))
        totals[family].setdefault("present", 0)
        totals[family]["present"] += len(g.keys)
        print(f"| {g.name} | {len(g.keys)} | {g.k} | " + " | ".join(cells) + f" | {top_ties(g.scores)} |")
    for family, t in totals.items():
        print(f"| **{family} total** | {t['present']} | | " + " | ".join(str(t[m]) for m in methods) + " | |")
    print()
    print("Network factor, uncapped (each part divided by its maximum in the graph), per CAVIAR graph:")
    print("| graph | leader (rank 1) | n1 rank | n1 network | n3 network | n12 network | n1 betweenness (normalized) | n1 effective size |")
    print("|---|---|---|---|---|---|---|---|")
    for g in results:
        if not g.name.startswith("CAVIAR"):
            continue
        v = g.values
        lead = int(v["rank"].idxmin())
        cell = lambda n, c: f"{v.at[n, c]:.3f}" if n in v.index else "–"
        print(f"| {g.name} | n{lead} | {int(v.at[1, 'rank']) if 1 in v.index else '–'} | {cell(1, 'raw_network')} | "
              f"{cell(3, 'raw_network')} | {cell(12, 'raw_network')} | {cell(1, 'part_betweenness')} | "
              f"{cell(1, 'part_effective_size')} |")
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scoring", type=Path, default=None, help="scoring settings (default rules/scoring.yaml)")
    args = ap.parse_args()
    settings = load_scoring(args.scoring) if args.scoring else load_scoring()
    with tempfile.TemporaryDirectory() as tmp:
        report(graphs(Path(tmp), settings))


if __name__ == "__main__":
    main()
