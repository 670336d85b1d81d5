"""Real French name-frequency distributions and per-name spelling forms for the realistic generator.

Name strings and their rank among people living in France come from ``benchmarks/data/``
(derived once from ``names-dataset`` by ``benchmarks/data/derive_names.py``; its docstring
states the source). A rank list carries no counts, so shares are fitted to published
French frequencies by a piecewise power law through anchor points (rank -> share of people):

* surnames: Martin carries about 0.3 % of people, rank 10 about 0.12 %, rank 100 0.04 %,
  rank 1,000 0.009 %, rank 10,000 0.0015 %; what the ranked ~18k names leave (about 40 %
  of people, the long tail of France's ~1.3M surnames) is spread evenly over the ~40k
  unranked real surnames of the table;
* given names, per sex, over all adult cohorts: the most common about 1.6 %, rank 10 1.0 %, rank 100 0.25 %,
  rank 1,000 0.012 %, beyond that a steep tail.

>>> t = NameTables.load()
>>> round(float(t.surname_share[0]), 3), t.surnames[0]
(0.003, 'Martin')
"""
from __future__ import annotations

import random
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fixtures import names as N  # noqa: E402
from fixtures.noise import Noise, strip_accents  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
SURNAME_ANCHORS = [(1, 0.0030), (10, 0.0012), (100, 0.0004), (1000, 0.00009), (10000, 0.000015), (20000, 0.000008)]
GIVEN_ANCHORS = [(1, 0.016), (10, 0.010), (100, 0.0025), (1000, 0.00012), (5000, 0.000005)]
ORIGINS = ["fr", "magh", "latin", "waf", "tr", "asia", "east", "km"]


def power_law(ranks: np.ndarray, anchors: list[tuple[int, float]]) -> np.ndarray:
    """Share of each rank by log-log interpolation between anchors (extrapolated past the last).

    >>> power_law(np.array([1, 10, 100]), [(1, 0.01), (100, 0.0001)]).round(6).tolist()
    [0.01, 0.001, 0.0001]
    """
    lr = np.log(np.array([a for a, _ in anchors], dtype=float))
    ls = np.log(np.array([s for _, s in anchors], dtype=float))
    x = np.log(np.maximum(ranks.astype(float), 1.0))
    y = np.interp(x, lr, ls)
    slope = (ls[-1] - ls[-2]) / (lr[-1] - lr[-2])
    y = np.where(x > lr[-1], ls[-1] + slope * (x - lr[-1]), y)
    return np.exp(y)


_FOLD = {c: unicodedata.normalize("NFKD", chr(c)).encode("ascii", "ignore").decode().lower() or None
         for c in range(0xC0, 0x250)}
_FOLD.update({ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("ß"): "ss"})
_NON_LETTER = re.compile(r"[^a-z]")
_DOUBLE = re.compile(r"(.)\1+")


def skeleton(name: str) -> str:
    """A spelling-insensitive key: 'Mohammed' and 'Mohamed', 'Youssouf' and 'Yousouf' share one."""
    s = _NON_LETTER.sub("", name.translate(_FOLD).lower())
    for a, b in (("ph", "f"), ("ou", "u"), ("y", "i"), ("k", "c"), ("q", "c"), ("ck", "c"), ("dj", "j"), ("h", "")):
        s = s.replace(a, b)
    return _DOUBLE.sub(lambda m: m.group(1), s)


@dataclass
class NameTables:
    surnames: np.ndarray          # str, table order (ranked first)
    surname_origin: np.ndarray    # origin index into ORIGINS
    surname_share: np.ndarray     # share of people bearing it (sums to 1)
    given: dict                   # sex -> (names, origin index, share)

    @classmethod
    def load(cls) -> "NameTables":
        s = pd.read_csv(DATA / "fr_surnames.csv.gz", keep_default_na=False, dtype={"rank": str})
        ranked = s["rank"] != ""
        share = np.zeros(len(s))
        share[ranked.to_numpy()] = power_law(np.arange(1, ranked.sum() + 1), SURNAME_ANCHORS)
        tail = (~ranked).to_numpy()
        rest = max(0.0, 1.0 - share.sum())
        share[tail] = min(rest / max(tail.sum(), 1), share[ranked.to_numpy()][-1])
        share /= share.sum()
        code = {o: i for i, o in enumerate(ORIGINS)}
        g = pd.read_csv(DATA / "fr_given_names.csv.gz", keep_default_na=False)
        given = {}
        for sex in ("M", "F"):
            part = g[g["sex"] == sex].sort_values("rank")
            w = power_law(np.arange(1, len(part) + 1), GIVEN_ANCHORS)
            given[sex] = (part["name"].to_numpy(object), part["origin"].map(code).to_numpy(np.int8), w / w.sum())
        return cls(s["name"].to_numpy(object), s["origin"].map(code).to_numpy(np.int8), share, given)


def _fixture_variants() -> dict[str, list[str]]:
    """Curated spelling groups of ``fixtures/names.py`` (Mohamed/Mohammed/Mouhamed, Ben Ali/Benali)."""
    out: dict[str, list[str]] = {}
    groups = []
    for _, m, f, lasts, _, _ in N.ORIGINS.values():
        groups += [*m, *f, *lasts]
    groups += [["Mohamed", "Mohammed", "Muhammad", "Mouhamed", "Mohamad"], ["Nguyen", "Nguyên"]]
    for grp in groups:
        for v in grp:
            out.setdefault(v, [])
            out[v] += [x for x in grp if x != v and x not in out[v]]
    return out


class Forms:
    """Every spelling a clerk may write for each distinct name, laid out flat for vectorized lookup.

    Per name, slots: 0 canonical, 1 accents stripped, 2-4 three typos (keyboard neighbour,
    deletion, doubling, transposition), 5.. the other spellings of the same name (curated
    transliterations, the table's names with the same :func:`skeleton`, particles glued or
    split, hyphen or space). ``pick(ids, slot)`` returns the strings of many rows at once.
    """

    N_TYPO = 3

    def __init__(self, names: list[str], pool: list[str], seed: int) -> None:
        r = random.Random(f"{seed}:forms")
        nz = Noise(r, 1.0)
        curated = _fixture_variants()
        by_skel: dict[str, list[str]] = {}
        for p in pool:
            by_skel.setdefault(skeleton(p), []).append(p)
        flat: list[str] = []
        self.offset = np.zeros(len(names), dtype=np.int64)
        self.n_alt = np.zeros(len(names), dtype=np.int64)
        for k, name in enumerate(names):
            alts = [a for a in curated.get(name, [])]
            alts += [a for a in by_skel.get(skeleton(name), [])[:4] if a != name and a not in alts]
            for a, b in ((" ", ""), (" ", "-"), ("-", " "), ("-", "")):
                if a in name and name.replace(a, b) not in alts:
                    alts.append(name.replace(a, b))
            self.offset[k] = len(flat)
            flat.append(name)
            flat.append(strip_accents(name))
            for _ in range(self.N_TYPO):
                flat.append(nz.typo(name) if len(name) >= 4 else name)
            alts = alts[:4]
            self.n_alt[k] = len(alts)
            flat += alts
        self.flat = np.array(flat, dtype=object)

    def pick(self, ids: np.ndarray, translit: np.ndarray, accents: np.ndarray, typo: np.ndarray,
             u: np.ndarray) -> np.ndarray:
        """The form of name ``ids[i]`` for each row: another spelling where ``translit`` (if the
        name has one), else a typo where ``typo``, else accents stripped where ``accents``."""
        slot = np.zeros(len(ids), dtype=np.int64)
        slot[accents] = 1
        slot[typo] = 2 + (u[typo] * self.N_TYPO).astype(np.int64)
        n_alt = self.n_alt[ids]
        alt = translit & (n_alt > 0)
        slot[alt] = 2 + self.N_TYPO + (u[alt] * n_alt[alt]).astype(np.int64)
        return self.flat[self.offset[ids] + slot]


def ascii_fold(values: np.ndarray) -> np.ndarray:
    """Accents stripped, once per distinct value."""
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    folded = np.array([unicodedata.normalize("NFKD", v).encode("ascii", "ignore").decode() for v in uniq], dtype=object)
    return folded[inv]
