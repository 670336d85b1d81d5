"""A Fellegi–Sunter model of one entity type: train, score candidate pairs, explain a pair."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkgraph.match.compare import NULL, Columns, comparison_matrix
from linkgraph.match.em import Parameters, log2_ratios
from linkgraph.match.rarity import pair_rarity, rarity_table
from linkgraph.match.settings import VETO_WEIGHT, Settings


#: Term frequencies are shrunk towards the level's u as if this many extra records had been seen.
TF_PSEUDO_RECORDS = 50


@dataclass
class ScoredPairs:
    """Candidate pairs with their comparison levels, match weight and probability."""

    i: np.ndarray
    j: np.ndarray
    levels: np.ndarray
    weight: np.ndarray
    probability: np.ndarray
    tf_adjustment: np.ndarray  # pairs × comparisons, log2 units (0 where no adjustment)


def _groups(df: pd.DataFrame, settings: Settings) -> tuple[np.ndarray | None, bool]:
    if settings.link_type == "dedupe_only":
        return None, True
    return pd.factorize(df["source"])[0], settings.link_type == "link_and_dedupe"


def parameters_of(settings: Settings) -> Parameters:
    """The trained parameters stored in a settings document."""
    if not settings.trained:
        raise ValueError(f"{settings.path or settings.entity_type}: the model is not trained")
    return Parameters([np.array([lvl.m for lvl in c.levels]) for c in settings.comparisons],
                      [np.array([lvl.u for lvl in c.levels]) for c in settings.comparisons],
                      float(settings.probability_two_random_records_match))


def with_parameters(settings: Settings, params: Parameters) -> Settings:
    """A copy of ``settings`` holding ``params`` (so the trained model can be saved)."""
    comparisons = []
    for c, m, u in zip(settings.comparisons, params.m, params.u):
        levels = [lvl.model_copy(update={"m": float(mm), "u": float(uu)}) for lvl, mm, uu in zip(c.levels, m, u)]
        comparisons.append(c.model_copy(update={"levels": levels}))
    return settings.model_copy(update={"comparisons": comparisons,
                                       "probability_two_random_records_match": float(params.prior)})


def total_pairs(n: int, groups: np.ndarray | None, within: bool) -> int:
    if groups is None or within:
        return n * (n - 1) // 2
    sizes = np.bincount(groups)
    return int((sizes.sum() ** 2 - (sizes ** 2).sum()) // 2)


def train(settings: Settings, df: pd.DataFrame, pairs: tuple[np.ndarray, np.ndarray] | None = None,
          known_same: np.ndarray | None = None, *, cols: Columns | None = None,
          levels: np.ndarray | None = None, sample_fraction: float = 1.0) -> Settings:
    """Trained settings: u on random pairs, m by one EM session per training rule, λ from the sessions.

    See :mod:`linkgraph.match.training` (the method does not depend on the size of ``df``: each
    session runs over a bounded sample of its rule's pairs). ``known_same``: a label per record
    grouping records already known to be one entity (shared strong identifier); random pairs
    inside one group are left out of the u estimate, which must describe non-matches.
    ``cols``: column caches of ``df``. ``pairs``, ``levels`` and ``sample_fraction`` (candidate
    pairs, their levels, the share of all candidates they are) are accepted for compatibility and
    not used: training draws its own samples, rule by rule.
    The trained model must pass :func:`linkgraph.match.monotone.check_monotone`, else
    :class:`linkgraph.errors.ModelError`; ``trained.training_report`` says how it was estimated.
    """
    from linkgraph.match.monotone import check_monotone
    from linkgraph.match.training import describe, train_sessions

    del pairs, levels, sample_fraction
    params, report = train_sessions(settings, df, known_same, cols)
    trained = with_parameters(settings, params)
    trained._training_report = describe(trained, report)
    check_monotone(trained, f"{settings.path or settings.entity_type + ' model'} (as trained on {len(df):,} records)")
    return trained


def tf_tables(settings: Settings, df: pd.DataFrame, entities: np.ndarray | None = None) -> dict[str, pd.Series]:
    """Term frequency of every value of each column that has a tf level.

    With ``entities`` (a cluster label per record, from a first pass), a value counts once per
    entity: a name is common when many entities bear it, not when one entity is mentioned often.
    Returns counts; :func:`score` turns them into smoothed frequencies.
    """
    out = {}
    for c in settings.comparisons:
        for lvl in c.levels:
            if lvl.tf:
                col = lvl.column or c.column
                s = df[col] if col in df else pd.Series(None, index=df.index, dtype=object)
                if entities is not None:
                    frame = pd.DataFrame({"e": entities, "v": s.to_numpy()}).dropna().drop_duplicates()
                    s = frame["v"]
                out[col] = s.dropna().value_counts()
    return out


def content_groups(settings: Settings, cols: Columns) -> np.ndarray:
    """A label per record shared by the records identical on every column the comparisons read.

    The first pass counts term frequencies once per such group: rows repeating one entity's same
    values (a person on 25 rows of one phone-records file under one name and one line) say
    nothing about how common the name is, and counted per row they made that person's own name
    "common" and split him. Records that differ on any compared column still count apart.

    >>> import pandas as pd
    >>> from linkgraph.match.settings import parse_settings
    >>> s = parse_settings({"entity_type": "person", "blocking": [["name"]], "comparisons": [
    ...     {"name": "name", "column": "name", "levels": [{"kind": "exact", "tf": True}, {"kind": "else"}]},
    ...     {"name": "phone", "column": "phone", "levels": [{"kind": "exact"}, {"kind": "else"}]}]})
    >>> df = pd.DataFrame({"name": ["ana", "ana", "ana", "bo"], "phone": ["1", "1", "2", None]})
    >>> content_groups(s, Columns(df)).tolist()
    [0, 0, 1, 2]
    """
    n = len(cols.df)
    label = np.zeros(n, dtype=np.int64)
    for col in sorted({c for comp in settings.comparisons for c in comp.columns()}):
        if col not in cols.df:
            continue
        codes = cols.codes(col).astype(np.int64) + 1  # missing (-1) is a value of its own
        label = pd.factorize(label * (int(codes.max(initial=0)) + 1) + codes)[0].astype(np.int64)
    return label


def _tf_counts(codes: np.ndarray, entities: np.ndarray | None) -> np.ndarray:
    """Records (or, with ``entities``, entities) bearing each value code: ``tf_tables`` on codes."""
    ok = codes >= 0
    n_values = int(codes.max()) + 1 if ok.any() else 0
    if entities is None:
        return np.bincount(codes[ok], minlength=n_values)
    e = pd.factorize(entities)[0].astype(np.int64)[ok]
    pairs = pd.unique(e * max(n_values, 1) + codes[ok])  # distinct (entity, value): a hash, not a sort
    return np.bincount(pairs % max(n_values, 1), minlength=n_values)


def rarity_key(col: str) -> str:
    """The key of a rarity level's adjustments (by value) in a ``tables`` dict."""
    return f"{col}\x1frarity"


def pair_rarity_key(col: str) -> str:
    """The key of a fuzzy rarity level's :class:`~linkgraph.match.rarity.PairRarity` in a ``tables`` dict."""
    return f"{col}\x1fpair rarity"


def _pair_level(lvl) -> bool:
    """A rarity level comparing two different values (a fuzzy level): counted over both values."""
    return lvl.rarity is not None and lvl.kind != "exact"


def rarity_tables(settings: Settings, cols: Columns, entities: np.ndarray) -> dict[str, pd.Series]:
    """Every rarity level's adjustment by value over the whole table (``cols``), keyed by
    :func:`rarity_key` (a fuzzy level's :class:`~linkgraph.match.rarity.PairRarity` by
    :func:`pair_rarity_key`): what another engine passes in ``tables`` when it scores a batch."""
    params = parameters_of(settings)
    out = {}
    for c, comp in enumerate(settings.comparisons):
        for k, lvl in enumerate(comp.levels):
            if not (lvl.tf and lvl.rarity is not None):
                continue
            col = lvl.column or comp.column
            if _pair_level(lvl):
                out[pair_rarity_key(col)] = pair_rarity(cols, col, lvl.rarity, lvl.rarity_place, entities,
                                                        params.m[c][k], params.u[c][k], TF_PSEUDO_RECORDS,
                                                        lvl.rarity_shared)
            else:
                out[rarity_key(col)] = rarity_table(cols, col, lvl.rarity, entities, params.m[c][k], params.u[c][k],
                                                    TF_PSEUDO_RECORDS, lvl.rarity_shared, lvl.rarity_place, lvl.rarity_within)
    return out


def tf_adjustments(settings: Settings, cols: Columns, entities: np.ndarray | None = None,
                   tables: dict[str, pd.Series] | None = None,
                   rarity: bool = True) -> dict[tuple[int, int], np.ndarray]:
    """The term-frequency adjustment (log2) of every value, per tf level (comparison, level).

    Each array is indexed by the value codes of the level's column (``cols.codes``), with one
    more entry, 0 count, read by a missing value (code -1). ``entities`` and ``tables`` as in
    :func:`score`. Computed once per table, then read by every chunk of pairs. ``rarity=False``:
    rarity levels are adjusted as plain term-frequency levels (the first pass, whose ``entities``
    are only groups of identical records, not entities).
    """
    params = parameters_of(settings)
    out = {}
    for c, comp in enumerate(settings.comparisons):
        for k, lvl in enumerate(comp.levels):
            if not lvl.tf:
                continue
            col = lvl.column or comp.column
            if _pair_level(lvl):
                # counted over the pair's two values (a callable on both sides' codes); none in a first pass
                given = (tables or {}).get(pair_rarity_key(col))
                if given is None and rarity and entities is not None and tables is None:
                    given = pair_rarity(cols, col, lvl.rarity, lvl.rarity_place, entities, params.m[c][k],
                                        params.u[c][k], TF_PSEUDO_RECORDS, lvl.rarity_shared)
                if given is not None and rarity:
                    out[(c, k)] = given.on(given.values.get_indexer(cols.uniques(col)))
                continue
            if lvl.rarity is not None and rarity and (entities is not None and tables is None or rarity_key(col) in (tables or {})):
                # the other entities bearing each value (computed here, or given by another engine)
                given = (tables or {}).get(rarity_key(col))
                if given is None:
                    given = rarity_table(cols, col, lvl.rarity, entities, params.m[c][k], params.u[c][k],
                                         TF_PSEUDO_RECORDS, lvl.rarity_shared, lvl.rarity_place, lvl.rarity_within)
                out[(c, k)] = np.append(given.reindex(cols.uniques(col)).fillna(0.0).to_numpy(dtype=float), 0.0)
                continue
            if tables is None:
                per_code = _tf_counts(cols.codes(col), entities)   # the counts of tf_tables, by value code
                total = per_code.sum()
            else:
                given = tables.get(col, pd.Series(dtype=float))
                per_code = given.reindex(cols.uniques(col)).fillna(0).to_numpy()
                total = given.sum()
            # once per distinct value (the last entry: a missing value, counted 0), then spread to the pairs
            count = np.append(np.asarray(per_code, dtype=float), 0.0)
            # shrink towards u with TF_PSEUDO_RECORDS pseudo-records: a small file's counts say little
            freq = (count + TF_PSEUDO_RECORDS * params.u[c][k]) / (total + TF_PSEUDO_RECORDS)
            freq = np.maximum(freq, max(settings.tf_minimum, 1e-12))
            # Splink's adjustment: replace u of the exact level by the value's own frequency
            out[(c, k)] = np.log2(params.u[c][k] / freq)
    return out


def vetoes(settings: Settings) -> list[tuple[int, int]]:
    """(comparison, level) of every ``veto`` level: a pair there is never a model link."""
    return [(c, k) for c, comp in enumerate(settings.comparisons) for k, lvl in enumerate(comp.levels) if lvl.veto]


def score(settings: Settings, df: pd.DataFrame, i: np.ndarray, j: np.ndarray,
          cols: Columns | None = None, entities: np.ndarray | None = None,
          tables: dict[str, pd.Series] | None = None, *, levels: np.ndarray | None = None,
          adjustments: dict[tuple[int, int], np.ndarray] | None = None) -> ScoredPairs:
    """Levels, weights (log2 Bayes factor incl. prior and tf adjustment) and probability per pair.

    ``entities``: first-pass cluster labels, to count term frequencies per entity.
    ``tables``: term-frequency counts computed elsewhere (as :func:`tf_tables` returns them), e.g. by
    another engine over the whole table when ``df`` is only a batch of it.
    ``levels``: the pairs' level matrix if already computed (it depends on the data only).
    ``adjustments``: :func:`tf_adjustments` computed once for many calls (then ``entities`` and
    ``tables`` are not read).
    """
    params = parameters_of(settings)
    cols = cols or Columns(df)
    if levels is None:
        levels = comparison_matrix(settings.comparisons, cols, i, j)
    weight = log2_ratios(levels, params.log2_bayes_factors()) + np.log2(params.prior / (1 - params.prior))
    tf_adj = np.zeros(levels.shape, dtype=float)
    has_tf = any(lvl.tf for comp in settings.comparisons for lvl in comp.levels)
    if has_tf and adjustments is None and len(i):
        adjustments = tf_adjustments(settings, cols, entities, tables)
    for (c, k), adjustment in (adjustments or {}).items():
        comp = settings.comparisons[c]
        col = comp.levels[k].column or comp.column
        rows = np.flatnonzero(levels[:, c] == k)
        if len(rows) and callable(adjustment):   # a fuzzy rarity level: both sides' values
            tf_adj[rows, c] = adjustment(cols.codes(col)[i[rows]], cols.codes(col)[j[rows]])
        elif len(rows):
            tf_adj[rows, c] = adjustment[cols.codes(col)[i[rows]]]  # code -1 reads the last entry
    weight = weight + tf_adj.sum(axis=1)
    for c, k in vetoes(settings):
        weight[levels[:, c] == k] = VETO_WEIGHT
    probability = 1.0 / (1.0 + np.exp2(-np.clip(weight, -200, 200)))
    return ScoredPairs(i, j, levels, weight, probability, tf_adj)


def explain(settings: Settings, scored: ScoredPairs, k: int) -> list[dict]:
    """A waterfall for pair ``k`` of ``scored``: the prior, then each comparison's level and weight."""
    params = parameters_of(settings)
    rows = [{"step": "prior", "level": "probability two random records match",
             "m": None, "u": None, "weight": float(np.log2(params.prior / (1 - params.prior)))}]
    bfs = params.log2_bayes_factors()
    for c, comp in enumerate(settings.comparisons):
        lvl = int(scored.levels[k, c])
        if lvl == NULL:
            rows.append({"step": comp.name, "level": "missing value (neutral)", "m": None, "u": None, "weight": 0.0})
            continue
        level = comp.levels[lvl]
        rows.append({"step": comp.name, "level": level.describe(comp.column), "m": float(params.m[c][lvl]),
                     "u": float(params.u[c][lvl]), "weight": float(bfs[c][lvl])})
        if level.veto:
            rows.append({"step": f"{comp.name} (veto)", "level": "this level refuses the pair: total set to "
                         f"{VETO_WEIGHT:g} bits", "m": None, "u": None, "weight": 0.0})
        if scored.tf_adjustment[k, c]:
            rows.append({"step": f"{comp.name} (term frequency)", "level": "adjustment for how common the value is",
                         "m": None, "u": None, "weight": float(scored.tf_adjustment[k, c])})
    rows.append({"step": "total", "level": f"probability {scored.probability[k]:.6f}", "m": None, "u": None,
                 "weight": float(scored.weight[k])})
    return rows
