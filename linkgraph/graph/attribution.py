"""Line attribution: who probably uses a phone line that no file attributes to anybody.

Phone records name lines, not people; careful users rotate lines and register one as a
company's contact number. An analyst attributes such a line to a person when several
independent clues agree. Each clue below is a plain table join, and each attribution keeps
its clues (``reasons``) and the ``source:row`` references behind them (``evidence``):

* **company** — the line is the contact number of a company the person directs (registry);
  **company group** — of a company directed by someone the person co-directs another company with.
* **correspondents** — the line talks to the same lines as a line the person is known to use
  (switchboards — lines with more than ``hub_degree`` correspondents — do not count).
* **cells** — the line's calls go through the same cell sites as the person's known lines.
* **home cells** — the line's calls go through cell sites in the person's home town (a cell's town:
  the most common home town of the known users of lines seen at that cell).
* **relay** (``ligne relais``) — one of the person's known lines falls silent well before the
  end of the records while this line starts shortly before: a substitute line.

A line that calls one of a person's own known lines is never attributed to that person
(nobody calls themselves). Clue points add up (``rules/scoring.yaml``: ``attribution``); the
line goes to the best candidate when its points reach ``min_points`` and beat the runner-up.
Only known (file-stated) lines are used as anchors: an inferred line never anchors another.
The relay clue is looked for only on (line, person) pairs another clue names (a relay alone never
attributes a line when two kinds are required), else by a range join over line start dates.

Bounded by the clues: when the strong kinds are company, company group and relay, a line can only
go to a person with one of them for it. Those (line, person) pairs are found first (the company
joins, and the relay pairs by the range join over start dates, unless that join would be larger than
the call table), and the correspondents and cells are compared on them only; no pair, no search.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkgraph.arrays import distinct
from linkgraph.graph._agg import plain
from linkgraph.graph.edge_refs import coded_kinds, edge_evidence, entity_codes

CALL_TYPES = ("called", "texted")
ATTRIBUTION_COLUMNS = ["person", "phone", "points", "runner_up", "reasons", "evidence"]


@dataclass(frozen=True)
class AttributionRules:
    """Points per clue and the thresholds (see the module docstring)."""

    company: float = 2.0
    company_group: float = 1.0
    correspondent: float = 1.0          # per shared correspondent line, up to max_correspondents
    max_correspondents: int = 3
    cell: float = 0.5                   # per shared cell site, up to max_cells
    max_cells: int = 2
    home_cells: float = 1.0
    relay: float = 1.5
    relay_days: float = 60.0            # the new line starts at most this long before the old one stops
    silent_days: float = 30.0           # the old line stops at least this long before the records end
    hub_degree: int = 30
    min_points: float = 2.0
    min_kinds: int = 2                  # clues of at least this many different kinds
    strong: tuple = ("company", "company_group", "relay")   # one of them is required
    relay_min_calls: int = 8            # both lines of a relay have at least this many call rows
    margin: float = 0.5                 # the best candidate beats the runner-up by this much


class _Clues:
    """The clues found so far: one frame per clue kind (``line, person, kind, points``[, ``n``], and
    ``cid`` a clue row id) and their evidence as (``cid``, edge position) rows, made into text only
    for the attributions kept."""

    def __init__(self):
        self.frames: list[pd.DataFrame] = []
        self.evidence: list[pd.DataFrame] = []
        self.next = 0

    def add(self, frame: pd.DataFrame, ev_rows: np.ndarray | None, ev_pos: list[np.ndarray]) -> None:
        """``frame``'s rows get the next ids; ``ev_pos`` are edge positions, one array per evidence
        column, of the frame's rows (``ev_rows`` None) or of the rows ``ev_rows`` (frame row numbers)."""
        if len(frame) == 0:
            return
        cid = np.arange(self.next, self.next + len(frame), dtype=np.int64)
        self.next += len(frame)
        self.frames.append(frame.reset_index(drop=True).assign(cid=cid))
        owner = cid if ev_rows is None else cid[ev_rows]
        self.evidence += [pd.DataFrame({"cid": owner, "pos": np.asarray(p, dtype=np.int64)}) for p in ev_pos]

    def __bool__(self) -> bool:
        return bool(self.frames)

    def pairs(self) -> pd.DataFrame:
        return pd.concat([x[["line", "person"]] for x in self.frames]).drop_duplicates()


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ATTRIBUTION_COLUMNS})


def home_towns(mentions: pd.DataFrame) -> pd.Series:
    """Each person's home town: the city of their latest dated mention that gives one (person → city)."""
    m = mentions[(mentions["entity_type"] == "person")] if "entity_type" in mentions else mentions
    if "city" not in m:
        return pd.Series(dtype=object)
    m = m[m["city"].notna() & (m["city"].astype(str) != "")]
    m = m.assign(_d=pd.to_datetime(m["date"], errors="coerce", format="mixed")).sort_values(["entity_id", "_d"])
    return m.drop_duplicates("entity_id", keep="last").set_index("entity_id")["city"]


def _shared_clue(clues: _Clues, shared: pd.DataFrame, thing: str, kind: str, points: float, cap: int) -> None:
    """One clue per (line, person) from what the open line shares with the person's known lines
    (``thing``: a correspondent or a cell; ``ev``/``ev_k`` the two sides' edge positions): ``points``
    per distinct shared ``thing``, at most ``cap`` of them; evidence: every such edge."""
    per = shared.drop_duplicates(["line", "person", thing])
    group = per.groupby(["line", "person"], sort=True).ngroup().to_numpy()
    n = per.groupby(["line", "person"], sort=True).size().reset_index(name="n")
    frame = pd.DataFrame({"line": n["line"], "person": n["person"], "kind": kind,
                          "points": points * np.minimum(n["n"], cap), "n": n["n"].to_numpy()})
    clues.add(frame, group, [per["ev"].to_numpy(), per["ev_k"].to_numpy()])


def _relay_window(old: pd.DataFrame, new: pd.DataFrame, relay_days: float, silent_days: float) -> pd.DataFrame:
    """Range join: every (old line, new line) pair whose new line starts between ``relay_days`` before
    and ``silent_days`` after the old line's last call (new lines sorted by start, each old line's
    window found by binary search, so only the pairs in a window are built)."""
    new = new.dropna(subset=["first"]).sort_values("first", kind="stable").reset_index(drop=True)
    old = old.dropna(subset=["last"]).reset_index(drop=True)
    starts = new["first"].to_numpy(dtype="datetime64[ns]")
    last = old["last"].to_numpy(dtype="datetime64[ns]")
    lo = np.searchsorted(starts, last - np.timedelta64(int(relay_days * 86400), "s"), side="left")
    hi = np.searchsorted(starts, last + np.timedelta64(int(silent_days * 86400), "s"), side="right")
    n = np.maximum(hi - lo, 0)
    oi = np.repeat(np.arange(len(old)), n)
    ni = np.repeat(lo, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    left = old.iloc[oi].reset_index(drop=True).rename(columns={"first": "first_old", "last": "last_old",
                                                             "calls": "calls_old"})
    right = new.iloc[ni].reset_index(drop=True).rename(columns={"first": "first_new", "last": "last_new",
                                                              "calls": "calls_new"})
    return pd.concat([left, right], axis=1)


def _relay_candidates(cand: pd.DataFrame, old: pd.DataFrame, new: pd.DataFrame, relay_days: float,
                      silent_days: float) -> pd.DataFrame:
    """The (old line, new line) pairs of :func:`_relay_window` restricted to the (open line, person)
    pairs of ``cand``: two equi-joins, as large as ``cand`` times the person's known lines."""
    p = cand.rename(columns={"line": "new"}).merge(old, on="person").merge(new, on="new", suffixes=("_old", "_new"))
    lead = p["last_old"] - p["first_new"]
    return p[((lead >= -pd.Timedelta(days=silent_days)) & (lead <= pd.Timedelta(days=relay_days))).to_numpy()]


def _dates(values: np.ndarray) -> np.ndarray:
    """``pd.to_datetime(values, errors="coerce", format="mixed")`` as datetime64[ns], each distinct
    value parsed once (a line's call dates repeat over its edges)."""
    codes, uniques = pd.factorize(values)
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object), errors="coerce", format="mixed")
    parsed = np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    return parsed[codes]     # code -1 (no date) reads the appended NaT


def _call_spans(frm: np.ndarray, to: np.ndarray, first: np.ndarray, last: np.ndarray, count: np.ndarray,
                n_codes: int) -> pd.DataFrame:
    """Per line (entity code, both ends of the call edges): its first and last call (NaT skipped) and
    its call rows, as ``groupby("line").agg(first=min, last=max, calls=sum)`` on integer arrays."""
    line = np.concatenate([frm, to]).astype(np.int64)
    nat = np.iinfo(np.int64).min
    big = np.iinfo(np.int64).max
    f = np.concatenate([first, first]).astype("datetime64[ns]").view(np.int64)
    lo = np.full(n_codes, big, dtype=np.int64)
    np.minimum.at(lo, line, np.where(f == nat, big, f))
    lo[lo == big] = nat
    hi = np.full(n_codes, nat, dtype=np.int64)
    np.maximum.at(hi, line, np.concatenate([last, last]).astype("datetime64[ns]").view(np.int64))
    n = np.concatenate([count, count])
    calls = np.bincount(line, weights=n.astype(float), minlength=n_codes)
    idx = np.flatnonzero(np.bincount(line, minlength=n_codes) > 0)
    return pd.DataFrame({"first": lo[idx].view("datetime64[ns]"), "last": hi[idx].view("datetime64[ns]"),
                         "calls": calls[idx].astype(n.dtype if n.dtype.kind in "iuf" else np.int64)},
                        index=pd.Index(idx, name="line"))


def _focus_people(span: pd.DataFrame, known: pd.DataFrame, company_line: pd.DataFrame,
                  directs: pd.DataFrame, rules: AttributionRules) -> pd.Index:
    """The people a line can be attributed to when the strong kinds are company, company group and
    relay: directors of a company with a contact line, their co-directors, and users of a known line
    that falls silent (``silent_days`` before the records end, ``relay_min_calls`` call rows).
    ``span``: every line's calls (:func:`_call_spans`)."""
    people = []
    if len(company_line) and len(directs):
        firms = directs[directs["company"].isin(company_line["company"])]
        people += [firms["person"], directs.loc[directs["company"].isin(
            directs.loc[directs["person"].isin(firms["person"]), "company"]), "person"]]
    # the records' end: the last call of any line (at least relay's own end, over lines with enough calls)
    end = span["last"].max()
    span = span[span.index.isin(known["line"].unique())]
    if len(span) and pd.notna(end):
        span = span[(span["calls"] >= rules.relay_min_calls) & ((end - span["last"]).dt.days >= rules.silent_days)]
        people.append(known.loc[known["line"].isin(span.index), "person"])
    return pd.Index(pd.concat(people).unique()) if people else pd.Index([])


def _relay_pairs(known: pd.DataFrame, span: pd.DataFrame, end, open_lines: pd.Index, rules: AttributionRules,
                 budget: int) -> pd.DataFrame | None:
    """Every (new line, person) pair with a relay clue, by the range join of :func:`_relay_window`
    (None when that join would exceed ``budget`` rows: the caller does without this bound)."""
    none = pd.DataFrame({"line": np.zeros(0, dtype=np.int64), "person": np.zeros(0, dtype=np.int64)})
    if pd.isna(end):
        return none
    old = known[["person", "line", "ev"]].merge(span, left_on="line", right_index=True)
    old = old[(end - old["last"]).dt.days >= rules.silent_days]
    new = span[span.index.isin(open_lines)].rename_axis("new").reset_index()
    if len(old) == 0 or len(new) == 0:
        return none
    if _window_size(old, new, rules.relay_days, rules.silent_days) > budget:
        return None
    pairs = _relay_window(old, new, rules.relay_days, rules.silent_days)
    ok = ((pairs["last_new"] > pairs["last_old"]) & (pairs["first_new"] > pairs["first_old"])).to_numpy()
    return pd.DataFrame({"line": pairs["new"].to_numpy()[ok], "person": pairs["person"].to_numpy()[ok]})


def _window_size(old: pd.DataFrame, new: pd.DataFrame, relay_days: float, silent_days: float) -> int:
    """How many rows :func:`_relay_window` would build (binary searches only)."""
    starts = np.sort(new["first"].dropna().to_numpy(dtype="datetime64[ns]"))
    last = old["last"].dropna().to_numpy(dtype="datetime64[ns]")
    lo = np.searchsorted(starts, last - np.timedelta64(int(relay_days * 86400), "s"), side="left")
    hi = np.searchsorted(starts, last + np.timedelta64(int(silent_days * 86400), "s"), side="right")
    return int(np.maximum(hi - lo, 0).sum())


def _within(line: np.ndarray, person: np.ndarray, allowed: np.ndarray | None, width: int) -> np.ndarray:
    """True where (line, person) is among the ``allowed`` pair keys (``line * width + person``, sorted);
    everywhere when there is no bound."""
    if allowed is None:
        return np.ones(len(line), dtype=bool)
    key = np.asarray(line, dtype=np.int64) * width + np.asarray(person, dtype=np.int64)
    at = np.minimum(np.searchsorted(allowed, key), max(len(allowed) - 1, 0))
    return (allowed[at] == key) if len(allowed) else np.zeros(len(key), dtype=bool)


def _distinct_others(calls: pd.DataFrame, lines: np.ndarray | None = None) -> pd.Series:
    """Per line (of ``lines``, default every line), how many distinct lines it talks to."""
    c = calls if lines is None else calls[calls["line"].isin(lines)]
    width = int(max(c["line"].max(), c["other"].max())) + 1 if len(c) else 1
    key = distinct(c["line"].to_numpy(dtype=np.int64) * width + c["other"].to_numpy(dtype=np.int64))
    line, n = np.unique(key // width, return_counts=True)
    return pd.Series(n, index=pd.Index(line, name="line"), name="other")


def attribute_lines(edges: pd.DataFrame, entities: pd.DataFrame | None = None,
                    rules: AttributionRules | None = None, homes: pd.Series | None = None) -> pd.DataFrame:
    """Inferred ``uses`` links (person → phone) for lines no file attributes to a person.

    ``edges``: an entity edge table (:func:`~linkgraph.graph.edges.edge_table`); ``homes``: person →
    home town (:func:`home_towns`), for the home-cells clue. Returns one row per
    attributed line: ``person``, ``phone``, ``points``, ``runner_up`` (points of the second
    candidate), ``reasons`` (clues, ';'-joined) and ``evidence`` (``source:row`` references).
    """
    rules = rules or AttributionRules()
    if edges is None or len(edges) == 0:
        return _empty()
    every_edge = edges
    # entity ids as integer codes in id order (made once by edge_table, carried in its attrs; joins on
    # integers, sorting codes sorts the ids)
    codes, names = entity_codes(edges)
    kinds = coded_kinds(edges, names, entities)
    n_all = len(edges)
    keep = codes[:n_all] != codes[n_all:]
    position = np.flatnonzero(keep)   # evidence: edge positions in the caller's table, text at the end
    cf, ct = codes[:n_all][keep], codes[n_all:][keep]
    ftype, ttype = kinds[cf], kinds[ct]
    edges = pd.DataFrame({"from_entity": cf, "to_entity": ct, "type": plain(edges["type"]).to_numpy()[keep],
                          **{c: edges[c].to_numpy()[keep] for c in ("first_seen", "last_seen", "count") if c in edges}})
    if homes is not None and len(homes):
        at = pd.Index(names).get_indexer(homes.index)
        homes = pd.Series(homes.to_numpy()[at >= 0], index=at[at >= 0])
    etype = edges["type"].to_numpy()

    def links(mask: np.ndarray, source: str, target: str, ev: str = "ev") -> pd.DataFrame:
        """The edges under ``mask`` as (source, target, edge position) columns."""
        return pd.DataFrame({source: edges["from_entity"].to_numpy()[mask], target: edges["to_entity"].to_numpy()[mask],
                             ev: position[mask]})

    known = links((etype == "uses") & (ftype == "person") & (ttype == "phone"), "person", "line")
    calls_mask = np.isin(etype, CALL_TYPES) & (ftype == "phone") & (ttype == "phone")
    if not calls_mask.any() or known.empty:
        return _empty()
    # bounded by the clues: with the strong kinds company / company group / relay, only people with a
    # company clue or a known line falling silent can get a line; nobody of them: no further scan
    company_line = links((etype == "uses") & (ftype == "company") & (ttype == "phone"), "company", "line", "ev_c")
    directs = links((etype == "directs") & (ftype == "person") & (ttype == "company"), "person", "company", "ev_d")
    cf, ct = edges["from_entity"].to_numpy()[calls_mask], edges["to_entity"].to_numpy()[calls_mask]
    ev = position[calls_mask]
    # every line's first and last call and call rows (dates parsed once per distinct string)
    span_all = _call_spans(cf, ct, _dates(edges["first_seen"].to_numpy()[calls_mask]),
                           _dates(edges["last_seen"].to_numpy()[calls_mask]), edges["count"].to_numpy()[calls_mask],
                           len(names))
    bounded = set(rules.strong) <= {"company", "company_group", "relay"}
    focus = None
    if bounded:
        focus = _focus_people(span_all, known, company_line, directs, rules)
        if len(focus) == 0:
            return _empty()
    # the lines to attribute: in the call records, with no person known to use them
    lines = pd.Index(span_all.index)
    open_lines = lines.difference(pd.Index(known["line"].unique()))
    if len(open_lines) == 0:
        return _empty()
    every_known = known
    if focus is not None:   # the other clues only for the people who can get a line
        known = known[known["person"].isin(focus)]
    clues = _Clues()
    # relay: the lines with enough calls, and the records' end
    span = span_all[span_all["calls"] >= rules.relay_min_calls]
    end = span["last"].max()

    # company contact numbers
    company_line = company_line[company_line["line"].isin(open_lines)]
    strong = []
    if len(company_line) and len(directs):
        direct = company_line.merge(directs, on="company")
        clues.add(pd.DataFrame({"line": direct["line"], "person": direct["person"], "kind": "company",
                                "points": rules.company}), None, [direct["ev_c"].to_numpy(), direct["ev_d"].to_numpy()])
        # co-directors: people directing another company with one of this company's directors
        co = directs.merge(directs, on="company", suffixes=("", "_co"))
        co = co[co["person"] != co["person_co"]][["person", "person_co", "ev_d", "ev_d_co"]]
        group = direct.rename(columns={"person": "director"}).merge(co, left_on="director", right_on="person_co")
        group = group[group["person"] != group["director"]]
        clues.add(pd.DataFrame({"line": group["line"], "person": group["person"], "kind": "company_group",
                                "points": rules.company_group}), None,
                  [group[c].to_numpy() for c in ("ev_c", "ev_d_x", "ev_d_y", "ev_d_co")])
        strong += [direct[["line", "person"]], group[["line", "person"]]]

    # bounded by the clues: a line goes only to a person with a strong clue for it, so the other clues
    # are looked for on those (line, person) pairs only (the relay pairs by a range join over line
    # start dates, when that join is not larger than the call table): none, nothing to attribute
    allowed = None
    width = max(len(names), 1)
    if bounded:
        relay = _relay_pairs(known, span, end, open_lines, rules, budget=max(2 * len(cf), 1_000_000))
        if relay is not None:
            pairs = pd.concat(strong + [relay]) if strong else relay
            allowed = distinct(pairs["line"].to_numpy(dtype=np.int64) * width + pairs["person"].to_numpy(dtype=np.int64))
            if len(allowed) == 0:
                return _empty()
            known = known[known["person"].isin(distinct(allowed % width))]

    # every call edge from both ends: line, the other line, the edge's position
    calls = pd.DataFrame({"line": np.concatenate([cf, ct]), "other": np.concatenate([ct, cf]),
                          "ev": np.concatenate([ev, ev])})
    # shared correspondents (switchboards left out)
    mine = calls.merge(known[["person", "line"]], on="line")                    # known line of person → other
    theirs = calls[calls["line"].isin(open_lines if allowed is None else open_lines.intersection(distinct(allowed // width)))]
    others = None if allowed is None else np.union1d(mine["other"].to_numpy(), theirs["other"].to_numpy())
    degree = _distinct_others(calls, others)
    mine = mine[mine["other"].map(degree).fillna(0).to_numpy() <= rules.hub_degree]
    theirs = theirs[theirs["other"].map(degree).fillna(0).to_numpy() <= rules.hub_degree]
    shared = theirs.merge(mine[["person", "other", "ev"]], on="other", suffixes=("", "_k"))
    shared = shared[(shared["person"] != shared["line"]).to_numpy()
                    & _within(shared["line"].to_numpy(), shared["person"].to_numpy(), allowed, width)]
    if len(shared):
        _shared_clue(clues, shared, "other", "correspondents", rules.correspondent, rules.max_correspondents)

    # shared cell sites
    cells = links((etype == "located_at") & (ftype == "phone") & (ttype == "place"), "line", "cell")
    if len(cells):
        kc = cells.merge(known[["person", "line"]], on="line")[["person", "cell", "ev"]]
        oc = cells[cells["line"].isin(open_lines)].merge(kc, on="cell", suffixes=("", "_k"))
        oc = oc[_within(oc["line"].to_numpy(), oc["person"].to_numpy(), allowed, width)]
        if len(oc):
            _shared_clue(clues, oc, "cell", "cells", rules.cell, rules.max_cells)

        if homes is not None and len(homes):
            # a cell's town: the most common home town of the known users of the lines seen there
            town = cells.merge(every_known[["person", "line"]], on="line").drop_duplicates(["cell", "person"])
            town = town.assign(city=town["person"].map(homes)).dropna(subset=["city"])
            town = town.groupby(["cell", "city"]).size().rename("n").reset_index().sort_values(
                ["cell", "n", "city"], ascending=[True, False, True]).drop_duplicates("cell").set_index("cell")["city"]
            oc = cells[cells["line"].isin(open_lines)].assign(city=lambda f: f["cell"].map(town)).dropna(subset=["city"])
            cand = pd.DataFrame({"person": homes.index, "city": homes.to_numpy()})
            # candidates: people with another clue for the line (a town holds many people)
            hc = oc.merge(cand, on="city")
            if len(hc) and clues:
                hc = hc.merge(clues.pairs(), on=["line", "person"]).drop_duplicates(["line", "person", "cell"])
                group = hc.groupby(["line", "person"], sort=True).ngroup().to_numpy()
                n = hc.groupby(["line", "person"], sort=True).size().reset_index()
                clues.add(pd.DataFrame({"line": n["line"], "person": n["person"], "kind": "home_cells",
                                        "points": rules.home_cells}), group, [hc["ev"].to_numpy()])

    # relay: a known line falls silent, this one starts shortly before
    if pd.notna(end):
        old = known[["person", "line", "ev"]].merge(span, left_on="line", right_index=True)
        old = old[(end - old["last"]).dt.days >= rules.silent_days]
        new = span[span.index.isin(open_lines)].rename_axis("new").reset_index()
        have = clues.pairs() if clues else pd.DataFrame(columns=["line", "person"])
        if len(old) and len(new) and rules.min_kinds >= 2:
            # a relay alone never attributes a line: only the pairs another clue names are looked at
            pairs = _relay_candidates(have, old, new, rules.relay_days, rules.silent_days)
        elif len(old) and len(new):
            pairs = _relay_window(old, new, rules.relay_days, rules.silent_days)
        if len(old) and len(new):
            ok = (pairs["last_new"] > pairs["last_old"]) & (pairs["first_new"] > pairs["first_old"])
            r = pairs[ok.to_numpy()]
            clues.add(pd.DataFrame({"line": r["new"], "person": r["person"], "kind": "relay", "points": rules.relay}),
                      None, [r["ev"].to_numpy()])

    if not clues:
        return _empty()
    allc = pd.concat(clues.frames, ignore_index=True)
    # a line calling one of the person's own lines is not theirs
    near = calls[calls["line"].isin(allc["line"].unique())]
    self_call = near.merge(known[["person", "line"]].rename(columns={"line": "other"}), on="other")[["line", "person"]]
    self_call = self_call.drop_duplicates().assign(_x=True)
    allc = allc.merge(self_call, on=["line", "person"], how="left")
    allc = allc[allc["_x"].isna()].drop(columns="_x")
    # the best kind of each clue counts once per (line, person, kind) (ties: the first found, whatever
    # the other rows: a stable sort)
    allc = allc.sort_values("points", ascending=False, kind="stable").drop_duplicates(["line", "person", "kind"])
    allc["strong"] = allc["kind"].isin(rules.strong)
    total = allc.groupby(["line", "person"]).agg(points=("points", "sum"), kinds=("kind", "nunique"),
                                                 strong=("strong", "any")).reset_index()
    total.loc[(total["kinds"] < rules.min_kinds) | ~total["strong"], "points"] = 0.0
    total = total.sort_values(["line", "points", "person"], ascending=[True, False, True])
    second = total.groupby("line")["points"].nth(1)
    best = total.drop_duplicates("line").set_index("line")
    best["runner_up"] = second.groupby(total.loc[second.index, "line"]).first().reindex(best.index).fillna(0.0) \
        if len(second) else 0.0
    best = best[(best["points"] >= rules.min_points) & (best["points"] - best["runner_up"] >= rules.margin)].reset_index()
    if best.empty:
        return _empty()
    why = allc.merge(best[["line", "person"]], on=["line", "person"])
    label = why["kind"] + np.where(why.get("n", pd.Series(np.nan, index=why.index)).notna(),
                                   "(" + why.get("n", pd.Series(0, index=why.index)).fillna(0).astype(int).astype(str) + ")", "")
    why = why.assign(label=label.to_numpy())
    reasons = why.sort_values(["line", "kind"]).groupby(["line", "person"])["label"].agg(";".join)
    ev = pd.concat(clues.evidence, ignore_index=True).merge(why[["cid", "line", "person"]], on="cid")
    evidence = ev.groupby(["line", "person"])["pos"].agg(lambda pos: edge_evidence(every_edge, pos.to_numpy()))
    best = best.set_index(["line", "person"])
    out = pd.DataFrame({"person": names[best.index.get_level_values(1)], "phone": names[best.index.get_level_values(0)],
                        "points": best["points"].to_numpy(), "runner_up": best["runner_up"].to_numpy(),
                        "reasons": reasons.reindex(best.index).to_numpy(),
                        "evidence": evidence.reindex(best.index).to_numpy()})
    return out[ATTRIBUTION_COLUMNS].sort_values(["phone"]).reset_index(drop=True)


def inferred_uses(attributed: pd.DataFrame) -> pd.DataFrame:
    """Attributed lines as ``uses`` rows of an edge table, marked ``inferred`` with their reasons."""
    a = attributed
    return pd.DataFrame({
        "edge_id": a["person"] + "|uses~inferred|" + a["phone"], "from_entity": a["person"], "to_entity": a["phone"],
        "type": "uses", "directed": True, "self_loop": False, "count": 1, "weight": 1.0, "agencies": "",
        "n_agencies": 0, "sources": "", "n_sources": 0, "evidence": a["evidence"], "inferred": True,
        "reasons": a["reasons"], "points": a["points"]})
