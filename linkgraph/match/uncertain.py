"""Match uncertainty carried into the graph (issue 17, item 5).

An entity is held together by links (``Resolution.why``): identifier links and analysts' "same"
judgments are certain; a model link has a match weight ``w`` (bits), i.e. a match probability
``2**w / (1 + 2**w)``. Given a threshold ``P``:

* :func:`merge_report` flags every entity whose weakest link is below ``P`` (``uncertain``);
* :func:`split_uncertain` gives the resolution with only the links at or above ``P``: each flagged
  entity is split back into the parts those links hold together. The largest part keeps the id,
  the others get ``<id>~2``, ``<id>~3``... (``split_from`` names the entity they came from), and the
  relations, the entity table and everything computed from them (scores, charts) follow.

Vectorized: one sparse connected-components pass per entity type over its used links.

>>> round(float(merge_probability(np.array([0.0, 3.0, -3.0, np.inf]))[1]), 3)
0.889
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from linkgraph.errors import LinkgraphError
from linkgraph.match.pipeline import Resolution

REPORT_COLUMNS = ["entity_id", "entity_type", "mentions", "links", "weakest_probability", "uncertain", "parts"]


def merge_probability(weight: np.ndarray) -> np.ndarray:
    """Match probability of a link of ``weight`` bits (``inf``: an identifier or a judgment → 1)."""
    w = np.asarray(weight, dtype=float)
    with np.errstate(over="ignore"):
        return np.where(np.isinf(w) & (w > 0), 1.0, 1.0 / (1.0 + np.exp2(-np.nan_to_num(w, posinf=1e3, neginf=-1e3))))


def check_probability(value: float) -> float:
    """A probability threshold strictly between 0 and 1 (else a clear error)."""
    if not (isinstance(value, (int, float)) and 0.0 < float(value) < 1.0):
        raise LinkgraphError(f"--min-merge-probability must be a probability between 0 and 1 "
                             f"(exclusive), e.g. 0.9; got {value!r}")
    return float(value)


def _parts(result: Resolution, threshold: float) -> tuple[pd.Series, pd.DataFrame]:
    """(mention_id → part key ``entity_id#k``, the per-entity report)."""
    keys, reports = [], []
    entity_of = result.mentions.set_index("mention_id")["entity_id"]
    for entity_type, (table, res) in result.tables.items():
        ids = table["mention_id"].to_numpy()
        entity = table["mention_id"].map(entity_of).to_numpy(dtype=object)
        e = res.edges
        used = np.asarray(res.clustering.used, dtype=bool)[: len(e.i)]
        i, j = e.i[used], e.j[used]
        prob = merge_probability(e.weight[used])
        inside = entity[i] == entity[j]
        i, j, prob = i[inside], j[inside], prob[inside]
        keep = prob >= threshold
        n = len(ids)
        graph = coo_matrix((np.ones(int(keep.sum())), (i[keep], j[keep])), shape=(n, n))
        _, comp = connected_components(graph, directed=False)
        codes, uniques = pd.factorize(pd.Series(entity, dtype=object))
        # part number within the entity: components ranked by size (largest first, then first mention)
        frame = pd.DataFrame({"e": codes, "c": comp, "pos": np.arange(n)})
        sizes = frame.groupby(["e", "c"]).agg(size=("pos", "size"), first=("pos", "min")).reset_index()
        sizes = sizes.sort_values(["e", "size", "first"], ascending=[True, False, True])
        sizes["k"] = sizes.groupby("e").cumcount() + 1
        frame = frame.merge(sizes[["e", "c", "k"]], on=["e", "c"], how="left")
        part = np.where(frame["k"].to_numpy() == 1, uniques[frame["e"].to_numpy()],
                        pd.Series(uniques[frame["e"].to_numpy()]).astype(str) + "~" + frame["k"].astype(str))
        keys.append(pd.Series(part, index=ids[frame["pos"].to_numpy()]))
        link_e = pd.Series(entity[i], dtype=object)
        stats = pd.DataFrame({"entity_id": link_e, "p": prob}).groupby("entity_id")["p"].agg(["size", "min"])
        n_parts = sizes.groupby("e")["k"].max()
        members = frame.groupby("e").size()
        rep = pd.DataFrame({"entity_id": uniques, "entity_type": entity_type,
                            "mentions": members.reindex(range(len(uniques))).to_numpy()})
        rep["links"] = rep["entity_id"].map(stats["size"]).fillna(0).astype(int)
        rep["weakest_probability"] = rep["entity_id"].map(stats["min"])
        rep["parts"] = n_parts.reindex(range(len(uniques))).to_numpy()
        rep["uncertain"] = rep["parts"] > 1     # rests on a merge below the threshold (a weak link another
                                                # link makes redundant does not count)
        reports.append(rep[rep["links"] > 0])
    part_of = pd.concat(keys) if keys else pd.Series(dtype=object)
    report = pd.concat(reports, ignore_index=True) if reports else pd.DataFrame(columns=REPORT_COLUMNS)
    return part_of, report[REPORT_COLUMNS]


def merge_report(result: Resolution, threshold: float) -> pd.DataFrame:
    """Per entity built from at least one link: mentions, links, the weakest link's probability,
    into how many parts the links at or above ``threshold`` hold it, and ``uncertain`` (more than one:
    the entity rests on a merge below the threshold)."""
    return _parts(result, check_probability(threshold))[1]


def split_uncertain(result: Resolution, threshold: float) -> tuple[Resolution, pd.DataFrame]:
    """The resolution with only merges at or above ``threshold`` (see the module), and the report.

    The entity table gains ``split_from`` (the entity a part came from, None when whole) and
    ``uncertain_merge`` (True on every part of a split entity)."""
    threshold = check_probability(threshold)
    part_of, report = _parts(result, threshold)
    mentions = result.mentions.copy()
    new_ids = mentions["mention_id"].map(part_of)
    mentions["entity_id"] = new_ids.where(new_ids.notna(), mentions["entity_id"])
    relations = result.relations.copy()
    if len(relations):
        eid = mentions.set_index("mention_id")["entity_id"]
        relations["from_entity"] = relations["from_mention"].map(eid)
        relations["to_entity"] = relations["to_mention"].map(eid)
    from linkgraph.match.entities import entity_table

    entities = entity_table(mentions)
    origin = entities["entity_id"].astype(str).str.split("~").str[0]
    split = set(report.loc[report["parts"] > 1, "entity_id"])
    entities["split_from"] = np.where(entities["entity_id"].astype(str).str.contains("~", regex=False), origin, None)
    entities["uncertain_merge"] = origin.isin(split).to_numpy()
    return replace(result, mentions=mentions, entities=entities, relations=relations), report
