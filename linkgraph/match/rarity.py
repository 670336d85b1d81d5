"""How many *other* entities bear a value: the term frequency of a rarity level (``rarity:``).

Splink's term-frequency adjustment replaces the u of an exact level by the value's frequency.
For a value borne by one entity only (a rare trade name), that frequency still counts the
entity itself, so two mentions of "Nettoyage Correia", one of them with the name alone, weigh
no more than two mentions of any name: with a prior of 1 in 8,000 pairs, a name-only match
never merges. What makes two mentions of a value *different* entities is another entity
bearing it, so a rarity level counts, once first-pass entities are known, the entities bearing
the value minus one. Only entities that say who or where they are count: the ``rarity`` columns
are tiers tried in order (``[siren, address, city]``: the entities known by a SIREN bearing the
value, else those with an address, else those with a town, else all); a mention with the name
alone is not evidence of another company. The counts are smoothed towards u like any term frequency
(:func:`linkgraph.match.model.tf_adjustments`): a value borne by one located entity weighs
log2((total + 50) / 50) bits more than u says. A value borne by k ≥ 2 located entities is
ambiguous: a mention that agrees with one of them on it agrees with the others as well, so
the agreement is worth at most 1 in k; the level then weighs −log2(k) (its Bayes factor is
cancelled): with a ``name_town`` column, two companies of one name in one town make "same name,
same town" a negative — the town-level negative for homonymous firms — and the address or the
SIREN decides.

>>> import numpy as np
>>> codes = np.array([0, 0, 0, 1, 1, 1, -1])        # two names; record 6 has none
>>> entities = np.array([0, 0, 1, 2, 3, 4, 5])       # name 0: entities 0 and 1; name 1: entities 2, 3, 4
>>> siren = np.array([True, True, False, True, True, False, True])
>>> others, total = other_entities(codes, entities, [siren])
>>> others.tolist(), total                          # name 0: entity 1 has no SIREN; name 1: 2 and 3 have
([0, 1], 3)
>>> others, _ = other_entities(codes, entities, [np.zeros(7, bool), siren])   # no SIREN: the next tier
>>> others.tolist()
[0, 1]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def other_entities(codes: np.ndarray, entities: np.ndarray, tiers: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """Per value code: the entities bearing it minus one (those with a record in the first tier —
    a boolean per record — that has any, else all), and the sum of the entity counts (the total
    the frequencies are taken over)."""
    ok = codes >= 0
    n_values = int(codes.max()) + 1 if ok.any() else 0
    if n_values == 0:
        return np.zeros(0, dtype=np.int64), 0
    ent, _ = pd.factorize(entities)
    ent = ent.astype(np.int64)
    pairs = pd.unique(ent[ok] * n_values + codes[ok])   # distinct (entity, value)
    value = pairs % n_values
    count = np.bincount(value, minlength=n_values)
    decided = np.zeros(n_values, dtype=bool)
    for tier in tiers:
        in_tier = np.zeros(int(ent.max()) + 1, dtype=bool)
        in_tier[ent[tier]] = True
        placed = np.bincount(value[in_tier[pairs // n_values]], minlength=n_values)
        take = ~decided & (placed > 0)
        count[take] = placed[take]
        decided |= take
    return np.maximum(count - 1, 0), int(count.sum())


def rarity_table(cols, col: str, context: list[str], entities: np.ndarray, m: float, u: float,
                 pseudo: float, shared: str = "negative", place: str | None = None,
                 within: str | None = None) -> pd.Series:
    """:func:`rarity_adjustment` by value (the distinct values of ``col``), as engines pass it around."""
    return pd.Series(rarity_adjustment(cols, col, context, entities, m, u, pseudo, shared, place, within)[:-1],
                     index=cols.uniques(col))


def unknown_bearers(cols, col: str, within: str, context: list, entities: np.ndarray) -> np.ndarray:
    """Per value code of ``col`` (a refinement of ``within``: the name and its legal form, of the
    name): the entities of the first ``context`` tier (known by a SIREN) bearing its ``within``
    value with no value of ``col`` at all — a company whose form no mention gives may be of any
    form. (Not those of later tiers: a company known by an address or a town alone and no form is
    as often a piece of a company a first pass did not join as another company.)

    >>> import pandas as pd
    >>> from linkgraph.match.compare import Columns
    >>> df = pd.DataFrame({"name": ["a", "a", "a", "a"], "nf": ["a|SAS", None, "a|SARL", None],
    ...                    "city": ["x", "y", "z", None]})
    >>> unknown_bearers(Columns(df), "nf", "name", ["city"], np.array([0, 1, 2, 3])).tolist()
    [1, 1]
    """
    codes, wcodes = cols.codes(col), cols.codes(within)
    ent = pd.factorize(entities)[0].astype(np.int64)
    located = np.zeros(int(ent.max()) + 1 if len(ent) else 0, dtype=bool)
    if context:
        located[ent[_has(cols, context[0])]] = True
    ok = wcodes >= 0
    per = pd.DataFrame({"e": ent[ok], "w": wcodes[ok], "has": codes[ok] >= 0})
    per = per.groupby(["e", "w"], sort=False)["has"].any().reset_index()
    per = per[~per["has"].to_numpy() & located[per["e"].to_numpy()]]
    unknown = per.groupby("w").size()
    refine = pd.DataFrame({"v": codes[ok & (codes >= 0)], "w": wcodes[ok & (codes >= 0)]}).drop_duplicates("v")
    out = np.zeros(len(cols.uniques(col)), dtype=np.int64)
    out[refine["v"].to_numpy()] = refine["w"].map(unknown).fillna(0).to_numpy(dtype=np.int64)
    return out


def rarity_adjustment(cols, col: str, context: list[str], entities: np.ndarray, m: float, u: float,
                      pseudo: float, shared: str = "negative", place: str | None = None,
                      within: str | None = None) -> np.ndarray:
    """The adjustment (log2) of each value code of ``col`` (one more entry: missing, 0), for a level
    of Bayes factor m/u: log2(u / f) with f = (others + pseudo·u) / (total + pseudo) for a value
    no other located entity bears; for one borne by k ≥ 2 located entities, ``shared="negative"``:
    −log2(m/u) − log2(k) (the level then weighs −log2(k)), ``shared="frequency"``: the same
    log2(u / f) with others = k − 1 — the chance that another entity bears the value, as a term
    frequency counted per entity says it (a name two companies bear still weighs about
    log2(m · total) bits: with an address or a SIREN's address it merges, alone it does not).
    ``place`` (a column, e.g. the town): an entity of a later tier placed where no entity of the
    first tier is counts as well (:func:`group_bearers`).

    >>> import pandas as pd
    >>> from linkgraph.match.compare import Columns
    >>> df = pd.DataFrame({"name": ["a", "a", "b", "b"], "city": ["x", "x", "y", "z"]})
    >>> adj = rarity_adjustment(Columns(df), "name", ["city"], np.array([0, 0, 1, 2]), 0.9, 0.01, 50)
    >>> [round(float(v), 2) for v in adj]            # "a": one entity; "b": two located entities
    [0.08, -7.49, 0.0]
    >>> adj = rarity_adjustment(Columns(df), "name", ["city"], np.array([0, 0, 1, 2]), 0.9, 0.01, 50, "frequency")
    >>> [round(float(v), 2) for v in adj]            # "b": one other entity in 2 (+ 50 pseudo-entities)
    [0.08, -1.5, 0.0]
    """
    others, total = other_entities(cols.codes(col), entities, [_has(cols, c) for c in context])
    if place is not None:    # and those placed where no entity of the first tier is
        others = placed_others(cols, col, context, place, entities)
    if within is not None:   # and those bearing the coarser value with no value of col (:func:`unknown_bearers`)
        others = others + unknown_bearers(cols, col, within, context, entities)
    freq = (others + pseudo * u) / (total + pseudo)
    adjustment = np.log2(u / np.maximum(freq, 1e-300))
    if shared != "frequency":
        adjustment = np.where(others == 0, adjustment, -np.log2(m / u) - np.log2(others + 1.0))
    return np.append(adjustment, 0.0)


def _has(cols, tier) -> np.ndarray:
    """Per record: whether it has a value in the tier's column (or any of its columns, for a list)."""
    columns = [tier] if isinstance(tier, str) else list(tier)
    out = np.zeros(len(cols.df), dtype=bool)
    for c in columns:
        out |= cols.codes(c) >= 0
    return out


def entity_tiers(cols, context: list, ent: np.ndarray) -> np.ndarray:
    """Per entity (codes ``ent`` per record): the first ``context`` tier (a column, or a list of
    columns any of which counts) any of its records has a value in, ``len(context)`` when none has."""
    n_ent = int(ent.max()) + 1 if len(ent) else 0
    tier = np.full(n_ent, len(context), dtype=np.int64)
    for t in range(len(context) - 1, -1, -1):
        tier[ent[_has(cols, context[t])]] = t
    return tier


def entity_places(cols, place: str, ent: np.ndarray, context: list[str]) -> pd.DataFrame:
    """The distinct (entity ``e``, place code ``p``, the record's own tier ``rt``) of the records with a
    ``place``: a record without a SIREN placed elsewhere than the entity's records with one says
    so even when a first pass put it in that entity."""
    codes = cols.codes(place)
    ok = codes >= 0
    rt = np.full(len(codes), len(context), dtype=np.int64)
    for t in range(len(context) - 1, -1, -1):
        rt[_has(cols, context[t])] = t
    return pd.DataFrame({"e": ent[ok], "p": codes[ok].astype(np.int64), "rt": rt[ok]}).drop_duplicates()


def group_bearers(bearers: pd.DataFrame, tier: np.ndarray, places: pd.DataFrame | None, last: int = 1 << 30) -> pd.Series:
    """Per group ``g`` of ``bearers`` (distinct rows ``g``, ``e``: the entities bearing a value, or either
    value of a pair): the entities of the first tier any of them is in (all when none is), plus,
    with ``places`` (:func:`entity_places`), one per place where only records of a later tier are
    and the first tier's records are placed elsewhere — a company with an address in another town
    than every company known by a SIREN is another company. A record of tier ``last`` or later
    (known by its town alone) counts so only when its entity holds none of the first tier's: a
    first pass that joined it to one of them found it to be another establishment.

    >>> b = pd.DataFrame({"g": [0, 0, 0, 1, 1], "e": [0, 1, 2, 3, 4]})
    >>> tier = np.array([0, 1, 1, 0, 1])            # entities 0 and 3 have a SIREN
    >>> places = pd.DataFrame({"e": [0, 1, 2, 3, 4], "p": [7, 7, 8, 5, 5], "rt": [0, 1, 1, 0, 1]})
    >>> group_bearers(b, tier, places).tolist()     # group 0: entity 2 is placed where no SIREN is
    [2, 1]
    """
    b = bearers.assign(t=tier[bearers["e"].to_numpy()])
    top = b.groupby("g")["t"].transform("min").to_numpy()
    first = b[b["t"].to_numpy() == top]
    count = first.groupby("g").size()
    if places is None or b.empty:
        return count
    b = b.assign(top=top)
    placed = b.merge(places, on="e")
    covered = placed[placed["rt"] == placed["top"]][["g", "p"]].drop_duplicates()
    later = placed[(placed["rt"] > placed["top"]) & ((placed["rt"] < last) | (placed["t"] > placed["top"]))]
    later = later[["g", "p"]].drop_duplicates()
    later = later[later["g"].isin(covered["g"])]
    later = later.merge(covered.assign(seen=True), on=["g", "p"], how="left")
    extra = later[later["seen"].isna()].groupby("g").size()
    return count.add(extra, fill_value=0).astype(np.int64)


def placed_others(cols, col: str, context: list[str], place: str, entities: np.ndarray) -> np.ndarray:
    """:func:`other_entities`' count per value code of ``col``, with the entities placed where no
    entity of the first tier is (:func:`group_bearers`) counted as well."""
    codes = cols.codes(col)
    ok = codes >= 0
    n = len(cols.uniques(col))
    ent = pd.factorize(entities)[0].astype(np.int64)
    bearers = pd.DataFrame({"g": codes[ok].astype(np.int64), "e": ent[ok]}).drop_duplicates()
    count = group_bearers(bearers, entity_tiers(cols, context, ent), entity_places(cols, place, ent, context),
                          _place_tier(context, place))
    out = np.zeros(n, dtype=np.int64)
    out[count.index.to_numpy(dtype=np.int64)] = count.to_numpy()
    return np.maximum(out - 1, 0)


@dataclass
class PairRarity:
    """A rarity level that compares two *different* values (one typo apart): the entities counted are
    those bearing either value, in the first tier where any does (:func:`group_bearers`).

    "trsnsports nguyen" (a name-only mention) and "transports nguyen" (one company with a SIREN)
    are borne by one located entity: the typo weighs as a rare name does. "garage maire" and
    "garage laire", each borne by a company with a SIREN, are two: the typo says little. Kept by
    value (``values``), so that another engine can score a batch with it.

    >>> import pandas as pd
    >>> from linkgraph.match.compare import Columns
    >>> df = pd.DataFrame({"name": ["transports nguyen", "trsnsports nguyen", "garage maire", "garage laire"],
    ...                    "siren": ["1", None, "2", "3"]})
    >>> r = pair_rarity(Columns(df), "name", ["siren"], None, np.array([0, 1, 2, 3]), 0.03, 0.0001, 50)
    >>> r.others(np.array([1, 3]), np.array([0, 2])).tolist()    # nguyen: one company; maire / laire: two
    [0, 1]
    >>> [round(float(v), 2) for v in r.on(np.arange(4))(np.array([1, 3]), np.array([0, 2]))]
    [0.11, -7.54]
    """

    values: pd.Index
    bearers: pd.DataFrame                # distinct (value code ``g``, entity ``e``)
    tier: np.ndarray                     # per entity
    places: pd.DataFrame | None          # distinct (entity ``e``, place ``p``)
    total: int
    m: float
    u: float
    pseudo: float
    shared: str = "frequency"
    last: int = 1 << 30                  # entities of this tier or later are not counted by place

    def others(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The entities bearing value ``a`` or ``b`` (codes into ``values``) minus one, per pair."""
        n = np.int64(max(len(self.values), 1))
        key = np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)
        uniq, inverse = np.unique(key, return_inverse=True)
        g = np.arange(len(uniq), dtype=np.int64)
        sides = pd.DataFrame({"g": np.concatenate([g, g]), "v": np.concatenate([uniq // n, uniq % n])})
        bearers = sides.merge(self.bearers.rename(columns={"g": "v"}), on="v")[["g", "e"]].drop_duplicates()
        count = group_bearers(bearers, self.tier, self.places, self.last).reindex(g, fill_value=0).to_numpy()
        return np.maximum(count - 1, 0)[inverse]

    def adjustment(self, others: np.ndarray) -> np.ndarray:
        freq = (others + self.pseudo * self.u) / (self.total + self.pseudo)
        adj = np.log2(self.u / np.maximum(freq, 1e-300))
        if self.shared != "frequency":
            adj = np.where(others == 0, adj, -np.log2(self.m / self.u) - np.log2(others + 1.0))
        return adj

    def on(self, mapping: np.ndarray) -> "PairAdjuster":
        """An adjuster for a table whose value code ``k`` is ``values[mapping[k]]`` (-1: unseen)."""
        return PairAdjuster(self, np.asarray(mapping, dtype=np.int64))


@dataclass
class PairAdjuster:
    """:class:`PairRarity` on one table's value codes: called with the two sides' codes of some pairs."""

    rarity: PairRarity
    mapping: np.ndarray

    def __call__(self, ci: np.ndarray, cj: np.ndarray) -> np.ndarray:
        out = np.zeros(len(ci))
        ok = (ci >= 0) & (cj >= 0)
        a, b = np.full(len(ci), -1, np.int64), np.full(len(ci), -1, np.int64)
        a[ok], b[ok] = self.mapping[ci[ok]], self.mapping[cj[ok]]
        ok &= (a >= 0) & (b >= 0)
        if ok.any():
            out[ok] = self.rarity.adjustment(self.rarity.others(a[ok], b[ok]))
        return out

    def max(self) -> float:
        """The largest adjustment any pair can get (no other entity)."""
        return float(self.rarity.adjustment(np.zeros(1, dtype=np.int64))[0])


def pair_rarity(cols, col: str, context: list[str], place: str | None, entities: np.ndarray, m: float, u: float,
                pseudo: float, shared: str = "frequency") -> PairRarity:
    """The :class:`PairRarity` of ``col`` over the whole table (``cols``), entities ``entities``.

    A first-pass entity's records are counted per spelling: a first pass that joined two spellings
    on the typo itself (same town, another address) says nothing about whether they are one
    company, so each located spelling counts (a typo'd mention that gives the name alone, or the
    company's own address, needs no count to merge)."""
    codes = cols.codes(col)
    ok = codes >= 0
    _, total = other_entities(codes, entities, [_has(cols, c) for c in context])
    ent = pd.factorize(entities)[0].astype(np.int64)
    ent = pd.factorize(np.where(ok, ent * (len(cols.uniques(col)) + 1) + codes, -1 - np.arange(len(ent))))[0]
    ent = ent.astype(np.int64)
    bearers = pd.DataFrame({"g": codes[ok].astype(np.int64), "e": ent[ok]}).drop_duplicates()
    places = entity_places(cols, place, ent, context) if place else None
    return PairRarity(pd.Index(cols.uniques(col)), bearers, entity_tiers(cols, context, ent), places, total, m, u,
                      pseudo, shared, _place_tier(context, place))


def _place_tier(context: list[str], place: str | None) -> int:
    """The tier from which records are not counted by place: the last, coarsest one (a record known
    by its town alone may be any establishment there)."""
    return max(len(context) - 1, 0)
