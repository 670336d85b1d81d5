"""The factors of the priority score, each a plain function of the scoring context.

Every factor returns ``(raw value per person, evidence per person)``; evidence maps a person to
the sorted ``source:row`` references behind the value, so each score line can be checked by hand.
It is an :class:`~linkgraph.scoring.evidence.EvidenceIndex`: integer row ids per person, turned into
text only for the person asked for (no Python list per person, edge or pair).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.graph._agg import plain
from linkgraph.normalize.phones import phone_country
from linkgraph.normalize.text import fold
from linkgraph.normalize.vectorize import apply_unique
from linkgraph.scoring.codes import NONE, end_codes, factorize_ids, group_codes, group_max, group_min, sorted_codes
from linkgraph.scoring.config import ActivityFactor, ConcealmentFactor, FinancialFactor
from linkgraph.scoring.context import ScoringContext
from linkgraph.scoring.evidence import EvidenceIndex, merge
from linkgraph.sources.grading import grade_weight
# the network factor lives in its own module; its names are read here too (score.py calls F.network...)
from linkgraph.scoring.network import (NETWORK_PARTS, NetworkGraph, effective_size, network,  # noqa: F401,E402
                                       network_graph, tied_holders)

Factor = tuple[pd.Series, EvidenceIndex]


def _person_rows(ctx: ScoringContext) -> pd.DataFrame:
    """One line per (person, row) the person is mentioned in, with the row's attributes (joined once
    per context: activity, the financial factor and the known population read it)."""
    cached = ctx.cache.get("person_rows")
    if cached is not None and cached[0] is ctx.mentions and cached[1] is ctx.rows:
        return cached[2]
    mine = ctx.mentions[ctx.mentions["entity_type"] == "person"][["entity_id", "source", "row"]].drop_duplicates()
    rows = mine.merge(ctx.rows, on=["source", "row"], how="inner")
    ctx.cache["person_rows"] = (ctx.mentions, ctx.rows, rows)
    return rows


def _decay(dates: pd.Series, ref: pd.Timestamp, half_life: float) -> np.ndarray:
    age = (ref - pd.to_datetime(dates, errors="coerce")).dt.days.to_numpy(dtype=float)
    age = np.nan_to_num(np.maximum(age, 0.0), nan=half_life)  # an undated row counts as one half-life old
    return np.exp2(-age / half_life)


def _json_number(text: pd.Series, key: str) -> pd.Series:
    return pd.to_numeric(text.str.extract(rf'"{key}"\s*:\s*"?([0-9.]+)', expand=False), errors="coerce")


def _distinct_texts(attributes: pd.Series) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """The rows' attribute texts coded once: (each row's code, the distinct texts — missing as "" —,
    those texts folded); keyword tests and number extraction then run once per distinct text."""
    codes, uniques = pd.factorize(attributes)
    raw = pd.Series(np.append(np.asarray(uniques, dtype=object), ""), dtype=object)
    codes = np.where(codes < 0, len(raw) - 1, codes)
    return codes, raw, apply_unique(raw, fold)[0].fillna("")


def activity(ctx: ScoringContext, cfg: ActivityFactor, half_life: float) -> Factor:
    """Procedures and seizures: seriousness × agency × quantity and drug × recency."""
    rows = _person_rows(ctx)
    if rows.empty:
        return pd.Series(0.0, index=ctx.persons), EvidenceIndex.empty()
    code, raw_text, text = _distinct_texts(rows["attributes"])    # each distinct text read once
    seriousness = np.full(len(text), cfg.offences.get("other", 0.3))
    matched = np.zeros(len(text), dtype=bool)
    best = np.zeros(len(text))
    for keyword, weight in cfg.offences.items():
        if keyword == "other":
            continue
        hit = text.str.contains(fold(keyword), regex=False).to_numpy()
        best = np.where(hit, np.maximum(best, weight), best)
        matched |= hit
    seriousness = np.where(matched, best, seriousness)
    kg = _json_number(raw_text, "quantity_kg").to_numpy()
    seizure = ~np.isnan(kg)
    drug = np.ones(len(text))
    for name, weight in cfg.drugs.items():
        drug = np.where(text.str.contains(fold(name), regex=False).to_numpy() & seizure, weight, drug)
    seizure_value = cfg.seizure_base * (1 + np.log1p(np.nan_to_num(kg))) * drug
    value = np.where(seizure, np.maximum(seizure_value, seriousness), seriousness)[code]
    agency = plain(rows["agency"]).map(cfg.agencies).fillna(0.0).to_numpy(dtype=float)
    rows = rows.assign(v=value * agency * _grade_weights(rows) * _decay(rows["date"], ctx.reference_date, half_life))
    counted = rows[rows["v"] > 0]
    raw = counted.groupby("entity_id")["v"].sum().reindex(ctx.persons, fill_value=0.0)
    return raw, EvidenceIndex.of_rows(counted["entity_id"], counted["source"], counted["row"])


def _grade_weights(frame: pd.DataFrame) -> np.ndarray:
    """Each row's intelligence-grade weight (sources.grading; ungraded: 1)."""
    return grade_weight(frame["grade"]) if "grade" in frame else np.ones(len(frame))


def corroboration(ctx: ScoringContext) -> Factor:
    """Agencies reporting the person or the phones and vehicles they use: raw = agencies − 1.

    Graded: each agency counts the weight of its best report (sources.grading), a phone's or
    vehicle's report at most the weight of the link that ties it to the person, and raw = the sum of
    the agencies' weights minus the largest (ungraded: agencies − 1). An anonymous tip (F6) tying a
    person to a phone seen by five agencies adds 0.09 per agency, not 1."""
    made = ctx.cache.get("corroboration")   # made by the Spark engine (linkgraph.graph.spark.factors)
    if made is not None and made[0] is ctx.mentions and made[1] is ctx.edges:
        return made[2]
    m, e = ctx.mentions, ctx.edges
    stated = ~e["inferred"].eq(True).to_numpy() if "inferred" in e else True   # attributed lines are no report
    owned_at = np.flatnonzero(e["type"].isin(["uses", "drives"]).to_numpy() & _from_person(ctx) & stated)
    owned = e.iloc[owned_at]
    link = _grade_weights(owned)
    frm, to, edge_ids = _edge_codes(ctx)
    asset_of, asset_codes = pd.factorize(to[owned_at])       # (integers: the edge table's codes)
    assets = edge_ids[np.asarray(asset_codes)]
    # integer work from here: the mentions' columns as codes (categoricals: no hashing), the owned
    # assets' mentions found with one hash pass over the mentions' entity ids
    mention_of, mentioned = factorize_ids(m["entity_id"].to_numpy(dtype=object))
    code = np.append(pd.Index(assets).get_indexer(mentioned), -1)[mention_of]     # (code −1: no id)
    at = np.flatnonzero(code >= 0)
    src, source_of = sorted_codes(m["source"])
    row, row_of = sorted_codes(m["row"])
    agency, n_agencies = group_codes(m["agency"])
    weight = _grade_weights(m)
    width = int(row.max()) + 2 if len(row) else 1
    # per (asset, agency): its first report in (source, row) order and the weight of its best report
    slots = n_agencies + 1                 # slot 0: no agency (no report: left out below)
    group = code[at].astype(np.int64) * slots + (agency[at] + 1)
    first = group_min(group, (src[at] + 1) * width + (row[at] + 1), len(assets) * slots)
    best = group_max(group, weight[at], len(assets) * slots)
    # each owned link × each agency reporting its asset, worth at most the link's weight
    link_i = np.repeat(np.arange(len(owned_at)), n_agencies)
    slot = np.tile(np.arange(1, slots), len(owned_at))
    g = asset_of[link_i].astype(np.int64) * slots + slot
    hit = first[g] != NONE
    link_i, slot, g = link_i[hit], slot[hit], g[hit]
    person_at = np.flatnonzero((m["entity_type"] == "person").to_numpy())
    # one id space for the people: the mentions' ids, then the owners no mention names (codes, no
    # id hashed per row: the owners' codes are the edge table's, mapped once per distinct id)
    owner = pd.Index(mentioned).get_indexer(edge_ids)
    unnamed = owner < 0
    owner[unnamed] = len(mentioned) + np.arange(int(unnamed.sum()))
    names = np.concatenate([np.asarray(mentioned, dtype=object), np.asarray(edge_ids[unnamed], dtype=object)])
    owner = np.append(owner, -1)             # (the edges' missing-id code)
    ent = np.concatenate([mention_of[person_at], owner[frm[owned_at][link_i]]])
    ag = np.concatenate([agency[person_at], slot - 1])
    sc = np.concatenate([src[person_at], first[g] // width - 1])
    rc = np.concatenate([row[person_at], first[g] % width - 1])
    w = np.concatenate([weight[person_at], np.minimum(best[g], link[link_i])])
    # per person: the best weight of each agency (in the group-by's agency order), their sum − the largest
    ok = (ent >= 0) & (ag >= 0)
    pg = ent[ok] * n_agencies + ag[ok]
    seen = np.flatnonzero(np.bincount(pg, minlength=len(names) * n_agencies))
    per_agency = pd.Series(group_max(pg, w[ok], len(names) * n_agencies)[seen], name="w")
    by_person = per_agency.groupby(seen // n_agencies)
    raw = (by_person.sum() - by_person.max()).clip(lower=0)
    positive = np.zeros(len(names), dtype=bool)
    positive[raw.index.to_numpy()[raw.to_numpy() > 0]] = True
    raw.index = pd.Index(np.asarray(names, dtype=object)[raw.index.to_numpy()], name="entity_id")
    raw = raw.reindex(ctx.persons, fill_value=0).astype(float)
    # evidence: per (person, agency — none last) the first row in (source, row) order, missing last
    agency_slots = n_agencies + 1
    keep = ent >= 0
    fg = ent[keep] * agency_slots + np.where(ag[keep] < 0, n_agencies, ag[keep])
    rank = np.where(sc[keep] < 0, int(src.max(initial=0)) + 1, sc[keep]) * (width + 1) + \
        np.where(rc[keep] < 0, width, rc[keep])
    firsts = group_min(fg, rank, len(names) * agency_slots)
    shown = np.flatnonzero(firsts != NONE)
    shown = shown[positive[shown // agency_slots]]
    sk, rk = firsts[shown] // (width + 1), firsts[shown] % (width + 1)
    smax = int(src.max(initial=0))
    sources = np.asarray(source_of(np.minimum(sk, smax)), dtype=object)
    rows = np.asarray(row_of(np.minimum(rk, width - 2)), dtype=object)
    sources[sk > smax], rows[rk > width - 2] = None, None       # missing values, as they were
    keys = np.asarray(names, dtype=object)[shown // agency_slots]
    order = np.argsort(keys, kind="stable")     # people in id order (each one's agencies in theirs), as the Spark engine's
    return raw, EvidenceIndex.of_rows(keys[order], sources[order], rows[order])


def listed_links(ctx: ScoringContext, listed: set[str]) -> Factor:
    """Distinct projection neighbours already on the priority list."""
    p = ctx.projection
    if not listed or p.empty:
        return pd.Series(0.0, index=ctx.persons), EvidenceIndex.empty()
    pos = np.arange(len(p))
    to_listed, from_listed = p["to_entity"].isin(listed).to_numpy(), p["from_entity"].isin(listed).to_numpy()
    pairs = pd.DataFrame({"entity_id": np.concatenate([p["from_entity"].to_numpy()[to_listed], p["to_entity"].to_numpy()[from_listed]]),
                          "other": np.concatenate([p["to_entity"].to_numpy()[to_listed], p["from_entity"].to_numpy()[from_listed]]),
                          "pos": np.concatenate([pos[to_listed], pos[from_listed]])})
    raw = pairs.groupby("entity_id")["other"].nunique().reindex(ctx.persons, fill_value=0).astype(float)
    return raw, EvidenceIndex.of_pairs(pairs["entity_id"], pairs["pos"].to_numpy(), p, ctx.edges)


def _edge_codes(ctx: ScoringContext) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """The edges' endpoints as codes into one index of their ids (hashed once per context): a test
    "is the source / target in this set" is then a lookup in an array as long as the ids, not a hash
    of every edge. Code ``len(ids)`` stands for a missing id (test arrays end with False)."""
    cached = ctx.cache.get("edge_codes")
    if cached is not None and cached[0] is ctx.edges:
        return cached[1]
    n = len(ctx.edges)
    codes, ids = end_codes(ctx.edges)
    codes = np.where(codes < 0, len(ids), codes)
    out = (codes[:n], codes[n:], pd.Index(ids))
    ctx.cache["edge_codes"] = (ctx.edges, out)
    return out


def _member(ids: pd.Index, values) -> np.ndarray:
    """Per id (and a last False for the missing-id code): is it among ``values``."""
    return np.append(ids.isin(values), False)


def _from_person(ctx: ScoringContext) -> np.ndarray:
    """Edges of ``ctx.edges`` whose source is a scored person (hashed once per context)."""
    cached = ctx.cache.get("from_person")
    if cached is not None and cached[0] is ctx.edges and cached[1] is ctx.persons:
        return cached[2]
    frm, _, ids = _edge_codes(ctx)
    mask = _member(ids, ctx.persons)[frm]
    ctx.cache["from_person"] = (ctx.edges, ctx.persons, mask)
    return mask


def _assets_of(ctx: ScoringContext, types: list[str]) -> pd.DataFrame:
    e = ctx.edges
    keep = e["type"].isin(types).to_numpy() & _from_person(ctx)
    mine = e.loc[keep, ["from_entity", "to_entity", "type"]].rename(columns={"from_entity": "entity_id", "to_entity": "asset"})
    return mine.assign(pos=np.flatnonzero(keep))     # pos: the edge's position in ctx.edges (its evidence)


def _foreign_numbers(ents: pd.DataFrame) -> pd.Series:
    """entity id → country of its number, for numbers of a country other than France."""
    if "number" not in ents:
        return pd.Series(dtype=object)
    numbers = ents["number"].dropna().astype(str)
    numbers = numbers[~numbers.str.startswith(("+33", "33")).to_numpy()]   # country code 33: France only
    country = pd.Series(apply_unique(numbers, phone_country)[0].to_numpy(), index=numbers.index, dtype=object)
    return country[country.notna() & (country != "FR")]


def international(ctx: ScoringContext) -> Factor:
    """Foreign countries reached by phone, foreign plates driven, containers in seizures."""
    ents = ctx.entities.set_index("entity_id")
    phones = _assets_of(ctx, ["uses"])
    # the foreign numbers first (a +33 number is French or invalid: never parsed), then only the calls
    # that reach one of them from a person's phone — not every call of every phone
    country = _foreign_numbers(ents)
    is_call = ctx.edges["type"].isin(["called", "texted"]).to_numpy()
    frm, to = ctx.edges["from_entity"].to_numpy(), ctx.edges["to_entity"].to_numpy()
    fc, tc, ids = _edge_codes(ctx)
    held, foreign = _member(ids, phones["asset"].unique()), _member(ids, country.index)
    out_mask = is_call & foreign[tc] & held[fc]
    in_mask = is_call & foreign[fc] & held[tc]
    out = pd.DataFrame({"asset": frm[out_mask], "phone": to[out_mask], "pos": np.flatnonzero(out_mask)})
    inc = pd.DataFrame({"asset": to[in_mask], "phone": frm[in_mask], "pos": np.flatnonzero(in_mask)})
    owners = phones[["entity_id", "asset"]]
    contacts = pd.concat([out.merge(owners, on="asset"), inc.merge(owners, on="asset"),
                          phones[["entity_id", "asset", "pos"]].assign(phone=phones["asset"])], ignore_index=True)
    contacts["country"] = contacts["phone"].map(country).to_numpy()
    foreign = contacts[contacts["country"].notna()]
    countries = foreign.groupby("entity_id")["country"].nunique()
    vehicles = _assets_of(ctx, ["drives", "owns"])
    plates = vehicles["asset"].map(ents["plate"]) if "plate" in ents else pd.Series(index=vehicles.index, dtype=object)
    foreign_plate = vehicles[plates.notna() & ~plates.astype(str).str.match(r"^[A-Z]{2}-\d{3}-[A-Z]{2}$|^\d{1,4} [A-Z]{1,3} \w{2,3}$")]
    containers = _assets_of(ctx, ["seized_with"])
    containers = containers[containers["asset"].map(ents["entity_type"]) == "container"]
    raw = (countries.reindex(ctx.persons, fill_value=0)
           + foreign_plate.groupby("entity_id")["asset"].nunique().reindex(ctx.persons, fill_value=0)
           + containers.groupby("entity_id")["asset"].nunique().reindex(ctx.persons, fill_value=0)).astype(float)
    ev = pd.concat([foreign, foreign_plate, containers])[["entity_id", "pos"]]
    return raw, EvidenceIndex.of_edges(ev["entity_id"], ev["pos"].to_numpy(), ctx.edges)


def laundering_rows(ctx: ScoringContext, cfg: FinancialFactor) -> pd.DataFrame:
    """(entity_id, source, row) of law-enforcement rows about a person whose text names a money-laundering
    signal (a laundering offence, unjustified resources, undeclared cash)."""
    rows = _person_rows(ctx) if len(ctx.rows) and len(ctx.mentions) else pd.DataFrame()
    if rows.empty or not cfg.laundering_keywords:
        return pd.DataFrame(columns=["entity_id", "source", "row"])
    rows = rows[rows["agency"].isin(cfg.laundering_agencies)]
    code, _, text = _distinct_texts(rows["attributes"])
    hit = np.zeros(len(text), dtype=bool)
    for keyword in cfg.laundering_keywords:
        hit |= text.str.contains(fold(keyword), regex=False).to_numpy()
    return rows.loc[hit[code], ["entity_id", "source", "row"]]


def financial(ctx: ScoringContext, cfg: FinancialFactor | None = None) -> Factor:
    """Companies directed, owned or tied to, and money-laundering signals: the strongest tie (a company
    named in a seizure or tied to a container is worth ``seizure_firm``, another 1, a laundering
    signal ``laundering``) plus ``extra_company`` per further company."""
    cfg = cfg or FinancialFactor()
    ents = ctx.entities.set_index("entity_id")
    ties = _assets_of(ctx, ["directs", "owns", "associated_with", "employs"])
    ties = ties[ties["asset"].map(ents["entity_type"]) == "company"]
    e = ctx.edges
    seizure_firms = set(e.loc[e["type"].isin(["seized_with"]), "from_entity"]) | set(
        ctx.mentions.loc[(ctx.mentions["entity_type"] == "company") & (ctx.mentions["agency"] == "douane"), "entity_id"])
    ties = ties.assign(value=np.where(ties["asset"].isin(seizure_firms), cfg.seizure_firm, 1.0))
    ties = ties.drop_duplicates(["entity_id", "asset"])
    g = ties.groupby("entity_id")["value"]
    companies = g.max() + cfg.extra_company * (g.size() - 1)
    signals = laundering_rows(ctx, cfg)
    laundering = pd.Series(cfg.laundering, index=pd.Index(signals["entity_id"].unique()), dtype=float)
    raw = pd.concat([companies, laundering], axis=1).max(axis=1).reindex(ctx.persons, fill_value=0.0)
    ev = merge(EvidenceIndex.of_edges(ties["entity_id"], ties["pos"].to_numpy(), ctx.edges),
               EvidenceIndex.of_rows(signals["entity_id"], signals["source"], signals["row"]))
    return raw, ev


def own_business_lines(ctx: ScoringContext) -> pd.DataFrame:
    """(person, phone): contact numbers of companies the person directs (``uses`` company → phone)."""
    e = ctx.edges
    stated = ~e["inferred"].eq(True) if "inferred" in e else pd.Series(True, index=e.index)
    lines = e[(e["type"] == "uses") & stated][["from_entity", "to_entity"]].set_axis(["company", "phone"], axis=1)
    directs = e[e["type"] == "directs"][["from_entity", "to_entity"]].set_axis(["person", "company"], axis=1)
    return directs.merge(lines, on="company")[["person", "phone"]].drop_duplicates()


def concealment(ctx: ScoringContext, cfg: ConcealmentFactor | None = None) -> Factor:
    """Lines a person uses that no file puts in their name, found by line attribution (a relay line
    taking over from a line that falls silent, a company's contact number used by somebody who does
    not run that company): line rotation and borrowed lines are counter-surveillance. The contact
    number of the person's own company is no concealment and does not count. Raw = such lines, at
    most ``max_lines``; evidence = the rows behind each attribution."""
    cfg = cfg or ConcealmentFactor()
    a = ctx.attributed
    if a is None or a.empty:
        return pd.Series(0.0, index=ctx.persons), EvidenceIndex.empty()
    own = own_business_lines(ctx).assign(_own=True)
    a = a.merge(own, on=["person", "phone"], how="left")
    a = a[a["_own"].isna()]
    n = a.groupby("person")["phone"].nunique().clip(upper=cfg.max_lines)
    raw = n.reindex(ctx.persons, fill_value=0).astype(float)
    return raw, EvidenceIndex.of_lists(a["person"], np.arange(len(a)), a["evidence"])
