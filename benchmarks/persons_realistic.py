"""Person records as hard as reality: real French name frequencies by origin, namesakes, agency noise.

    python benchmarks/persons_realistic.py --records 100000 --out out/bench/realistic-100000
    python benchmarks/persons_realistic.py --records 2000000 --single-file --out out/bench/realistic-single-2000000

People (vectorized, seeded; about 2 records each, 2 % repeat offenders with 4 to 10):

* sex (80 % men, as in police files), then a given name from France's given-name distribution for that sex
  (``benchmarks/persons_names.py``: the most common ~1.8 % of people of a sex); the name's
  origin (French, Maghrebi, Portuguese/Spanish/Italian, West-African, Comorian, Turkish,
  Asian, Eastern-European) makes the surname: 80 % drawn from the surnames of that origin,
  20 % from all (mixed families), each with France's surname frequencies (Martin ~0.3 %),
  4 % a double surname ("Da Silva Pereira", "Martin-Diallo"); 12 % a second given name;
* age 18+ skewed young as in police files (mean ~32), birthplace by origin (born abroad or
  not), one to three addresses over time, zero to two phone lines;
* hard negatives: 1 % twins (same surname, birth date, birthplace, address, another given
  name), 3 % siblings (same surname, address and often phone line);
* namesakes arise by themselves from the frequencies (same first and last name, sometimes
  the same birth year or birth date by chance).

Records: each written by one agency with its conventions and noise (other spellings of a
name — Mohamed/Mohammed/Muhammad, Benali/Ben Ali —, accents dropped, typos, first/last
swapped, swapped *and* misspelt, one-line "NOM Prénom" vs split fields, double surname cut
to its first part, given names in full or not, missing birth dates, day/month swaps, year
and day typos, birthplace forms, address abbreviations, the address and phone in use at the
record's date). Layouts: four agency files as ``benchmarks/persons_data.py`` (police CSV
cp1252 "NOM Prénom"; gendarmerie CSV; bailleur CSV, half the dates missing; douane JSON
lines, person nested) or ``--single-file`` (one ``persons.csv``). Mappings are copied next
to the data from ``benchmarks/persons_realistic/``; ``truth.csv`` gives every person
mention's true person; ``manifest.json`` the figures. Same (records, seed, layout) give
byte-identical files.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from persons_names import ORIGINS, Forms, NameTables, ascii_fold  # noqa: E402
from persons_render import AGENCIES, MENTION, Places, render  # noqa: E402

MAPPINGS = HERE / "persons_realistic"
VERSION = 2   # bumped whenever the same (records, seed) would give other files: cached data is remade
ORIGIN_LOYALTY = 0.8      # share of people whose surname comes from their given name's origin
DOUBLE_SURNAME = 0.04
MIDDLE_NAME = 0.12
TWINS, SIBLINGS = 0.01, 0.03
#: origin mixes: "national" = as France's given-name frequencies imply (French ~77 %); "cells" =
#: closer to the files of the anti-drug cells the fixtures model (fixtures/names.py ORIGINS)
MIXES = {"cells": {"fr": 0.6, "magh": 0.2, "latin": 0.07, "waf": 0.06, "tr": 0.03, "asia": 0.02, "east": 0.01,
                   "km": 0.01}}
MALE = 0.8        # people in police and gendarmerie files are mostly men (~85 % of "mis en cause")
REPEAT = 0.02
REF_YEAR = 2024
YEAR0, BIN, FASHION = 1945, 5, 6.0     # birth-year bins of 5 years; a name's fashion lasts ~2x6 years
#: approximate birth years when common French given names peaked (INSEE fichier des prénoms);
#: other names get a peak year drawn once (fixed seed)
PEAKS = {"nathalie": 1967, "isabelle": 1964, "sylvie": 1962, "martine": 1955, "christine": 1960, "catherine": 1957,
         "sandrine": 1971, "celine": 1980, "stephanie": 1977, "julie": 1985, "laura": 1990, "camille": 1995,
         "manon": 1995, "emma": 2005, "sophie": 1973, "aurelie": 1982, "virginie": 1975, "audrey": 1985,
         "elodie": 1984, "emilie": 1984, "caroline": 1975, "valerie": 1965, "veronique": 1962, "patricia": 1960,
         "nicolas": 1980, "david": 1972, "christophe": 1970, "stephane": 1968, "philippe": 1960, "laurent": 1966,
         "thomas": 1990, "julien": 1982, "sebastien": 1977, "kevin": 1992, "alexandre": 1985, "maxime": 1992,
         "lucas": 2005, "hugo": 2005, "enzo": 2004, "michel": 1950, "alain": 1952, "patrick": 1955, "eric": 1963,
         "thierry": 1962, "pascal": 1962, "olivier": 1970, "guillaume": 1985, "romain": 1988, "vincent": 1975,
         "anthony": 1988, "jeremy": 1988, "frederic": 1970, "cedric": 1978, "mickael": 1980, "florian": 1993,
         "quentin": 1995, "dylan": 1996, "theo": 2000, "jordan": 1993, "benjamin": 1985, "antoine": 1990}
#: classics given in every generation
TIMELESS = {"marie", "pierre", "jean", "anne", "paul", "mohamed", "ahmed", "ali", "fatima", "francois", "louis"}


def cohort_table(share: np.ndarray, years: np.ndarray, names: np.ndarray | None = None) -> np.ndarray:
    """P(given name | birth-year bin): each name peaks around its own year (:data:`PEAKS`, else
    drawn once per name), scaled (iterative proportional fitting) so that over all adult
    cohorts alike the names keep their national ``share`` (a young population, as in police
    files, then has fewer Nathalies and more Kevins; ``years`` is kept for the signature).

    >>> t = cohort_table(np.array([0.5, 0.3, 0.2]), np.arange(1950, 2006))
    >>> t.shape, bool(np.allclose(t.sum(axis=1), 1))
    ((13, 3), True)
    """
    n_bins = (REF_YEAR - 18 - YEAR0) // BIN + 1
    peak = np.random.default_rng(0).uniform(YEAR0, REF_YEAR - 15, len(share))
    timeless = np.zeros(len(share), dtype=bool)
    if names is not None:
        folded = pd.Series(ascii_fold(names)).str.lower()
        known = folded.map(PEAKS)
        peak = np.where(known.notna(), known.to_numpy(float), peak)
        timeless = folded.isin(TIMELESS).to_numpy()
    centre = YEAR0 + BIN * np.arange(n_bins) + BIN / 2
    g = np.exp(-0.5 * ((centre[:, None] - peak[None, :]) / FASHION) ** 2) + 0.005
    g[:, timeless] = 1.0
    pb = np.full(n_bins, 1.0 / n_bins)   # the national shares hold over all adult cohorts alike
    col = share.copy()
    for _ in range(30):
        t = g * col[None, :]
        t /= t.sum(axis=1, keepdims=True)
        got = pb @ t
        col *= np.where(got > 0, share / np.maximum(got, 1e-300), 1.0)
    t = g * col[None, :]
    return t / t.sum(axis=1, keepdims=True)


class People:
    """The population behind the records: one row per person in parallel arrays."""

    def __init__(self, n_records: int, seed: int, tables: NameTables, origins: str = "national") -> None:
        rng = np.random.default_rng([seed, 1])
        self.tables = tables
        n_max = int(n_records / 1.5) + 100
        # records per person: 1 + a geometric draw (mean ~1.8), and 2 % of repeat offenders
        # with 4 to 10 records (heavy tail, as in police files)
        k = 1 + np.minimum(5, np.floor(rng.exponential(1 / 0.8, n_max))).astype(np.int64)
        rep = rng.random(n_max) < REPEAT
        k[rep] = rng.integers(4, 11, rep.sum())
        total = np.cumsum(k)
        P = int(np.searchsorted(total, n_records) + 1)
        k = k[:P]
        k[-1] -= total[P - 1] - n_records
        self.k = k
        self.n = P
        self.sex = np.where(rng.random(P) < MALE, "M", "F")
        age = 18 + np.minimum(57.0, rng.gamma(1.6, 9.0, P))
        year = (REF_YEAR - np.floor(age)).astype(np.int64)
        self.dob = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(0, 365, P)
        # given names: one index space over the male then the female table; each name is in
        # fashion around its own birth year (a generation), the national shares kept overall
        gm, gf = tables.given["M"], tables.given["F"]
        self.given_names = np.concatenate([gm[0], gf[0]])
        given_origin = np.concatenate([gm[1], gf[1]])
        male = self.sex == "M"
        first = np.empty(P, dtype=np.int64)
        middle = np.full(P, -1, dtype=np.int64)
        has_mid = rng.random(P) < MIDDLE_NAME
        for sex, base, rows_sex in (("M", 0, male), ("F", len(gm[0]), ~male)):
            by_bin = cohort_table(tables.given[sex][2], year[rows_sex], tables.given[sex][0])
            rows = np.flatnonzero(rows_sex)
            b = np.clip((year[rows] - YEAR0) // BIN, 0, by_bin.shape[0] - 1)
            name_origin = tables.given[sex][1]
            for k in np.unique(b):
                sel = rows[b == k]
                if origins == "national":
                    first[sel] = base + rng.choice(by_bin.shape[1], size=len(sel), p=by_bin[k])
                    mid = sel[has_mid[sel]]
                    middle[mid] = base + rng.choice(by_bin.shape[1], size=len(mid), p=by_bin[k])
                    continue
                # origin first (the mix of the cells' files), then a name of that origin
                mix = np.array([MIXES[origins][o] for o in ORIGINS])
                drawn = rng.choice(len(ORIGINS), size=len(sel), p=mix / mix.sum())
                for o in np.unique(drawn):
                    cols = np.flatnonzero(name_origin == o)
                    if not len(cols):
                        cols = np.flatnonzero(name_origin == 0)
                    w = by_bin[k, cols] / by_bin[k, cols].sum()
                    who = sel[drawn == o]
                    first[who] = base + cols[rng.choice(len(cols), size=len(who), p=w)]
                    mid = who[has_mid[who]]
                    middle[mid] = base + cols[rng.choice(len(cols), size=len(mid), p=w)]
        self.first = first
        self.middle = np.where(middle == first, -1, middle)
        self.origin = given_origin[first]
        self.last = self._surnames(rng, self.origin)
        self.last2 = np.where(rng.random(P) < DOUBLE_SURNAME, self._surnames(rng, self.origin), -1)
        self.last2 = np.where(self.last2 == self.last, -1, self.last2)
        self.born_abroad = rng.random(P) < np.array([0.02, 0.35, 0.3, 0.45, 0.4, 0.4, 0.6, 0.5])[self.origin]
        self.birthplace_u = rng.random(P)
        n_addr = 1 + (rng.random(P) < 0.35) + (rng.random(P) < 0.1)
        self.addr = rng.integers(0, 2**40, (P, 3))
        self.n_addr = n_addr
        self.has_phone = rng.random(P) < 0.75
        self.phone = rng.integers(0, 10**8, (P, 2))
        self.n_phone = 1 + (rng.random(P) < 0.3)
        self.twin = np.zeros(P, dtype=np.int8)
        self._relatives(rng)

    def _surnames(self, rng: np.random.Generator, origin: np.ndarray) -> np.ndarray:
        t = self.tables
        out = rng.choice(len(t.surnames), size=len(origin), p=t.surname_share)
        loyal = rng.random(len(origin)) < ORIGIN_LOYALTY
        for o in range(len(ORIGINS)):
            pool = np.flatnonzero(t.surname_origin == o)
            rows = np.flatnonzero(loyal & (origin == o))
            if len(pool) and len(rows):
                w = t.surname_share[pool]
                out[rows] = pool[rng.choice(len(pool), size=len(rows), p=w / w.sum())]
        return out

    def _relatives(self, rng: np.random.Generator) -> None:
        """Twins and siblings: copy family fields from the previous person (hard negatives)."""
        P = self.n
        u = rng.random(P)
        twin = np.flatnonzero((u < TWINS) & (np.arange(P) > 0))
        sib = np.flatnonzero((u >= TWINS) & (u < TWINS + SIBLINGS) & (np.arange(P) > 0))
        for rows, same_dob in ((twin, True), (sib, False)):
            src = rows - 1
            self.last[rows], self.last2[rows] = self.last[src], self.last2[src]
            self.origin[rows] = self.origin[src]
            self.born_abroad[rows], self.birthplace_u[rows] = self.born_abroad[src], self.birthplace_u[src]
            self.addr[rows, 0] = self.addr[src, 0]
            self.n_addr[rows] = 1
            if same_dob:
                self.dob[rows] = self.dob[src]
                self.twin[rows] = 1
            else:
                self.dob[rows] = self.dob[src] + rng.integers(300, 3000, len(rows)) * rng.choice([-1, 1], len(rows))
                self.twin[rows] = 2
            shared = rng.random(len(rows)) < 0.3
            self.phone[rows[shared], 0] = self.phone[src[shared], 0]
            self.has_phone[rows[shared]] = self.has_phone[src[shared]]
        # a twin or sibling with the same given name as the source is no hard negative: change it
        fam = np.concatenate([twin, sib])
        same = fam[self.first[fam] == self.first[fam - 1]]
        alt = self.first[same] - 1                 # the previous name of the same sex's table
        edge = np.isin(alt, [-1, len(self.tables.given["M"][0]) - 1])
        self.first[same] = np.where(edge, self.first[same] + 1, alt)


def generate(out: Path, n_records: int, seed: int = 7, single_file: bool = False, origins: str = "national") -> dict:
    """Write the files, their mappings, ``truth.csv`` and ``manifest.json`` into ``out``."""
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    tables = NameTables.load()
    pp = People(n_records, seed, tables, origins)
    rng = np.random.default_rng([seed, 2])
    person = np.repeat(np.arange(pp.n), pp.k)[rng.permutation(n_records)]
    if single_file:
        agency = np.zeros(n_records, dtype=np.int64)
        names = ["persons"]
    else:
        names = list(AGENCIES)
        agency = rng.choice(len(names), size=n_records, p=list(AGENCIES.values()))
    used_last = np.unique(np.concatenate([pp.last, pp.last2[pp.last2 >= 0]]))
    used_first = np.unique(np.concatenate([pp.first, pp.middle[pp.middle >= 0]]))
    forms_last = Forms(list(tables.surnames[used_last]), list(tables.surnames), seed)
    forms_first = Forms(list(pp.given_names[used_first]), list(pp.given_names), seed + 1)
    # person-level name ids into the forms tables
    last_to = np.full(len(tables.surnames), -1, dtype=np.int64)
    last_to[used_last] = np.arange(len(used_last))
    first_to = np.full(len(pp.given_names), -1, dtype=np.int64)
    first_to[used_first] = np.arange(len(used_first))
    ctx = {"people": pp, "forms_last": forms_last, "forms_first": forms_first, "last_to": last_to,
           "first_to": first_to, "places": Places(seed), "seed": seed}
    truth_parts, rows = [], {}
    for a, name in enumerate(names):
        idx = np.flatnonzero(agency == a)
        who = person[idx]
        frame, fname = render(name, who, idx, ctx)
        path = out / fname
        if fname.endswith(".jsonl"):
            path.write_text(frame, encoding="utf-8")
            n = frame.count("\n")
        else:
            enc = "cp1252" if name == "police" else "utf-8"
            sep = "," if name == "gendarmerie" else ";"
            frame.to_csv(path, sep=sep, index=False, encoding=enc, lineterminator="\r\n" if name == "police" else "\n")
            n = len(frame)
        rows[name] = n
        shutil.copy(MAPPINGS / f"{name}.yaml", out / f"{name}.yaml")
        truth_parts.append(pd.DataFrame({
            "mention_id": pd.Series(np.arange(1, n + 1)).astype(str).radd(f"{name}:") + f":{MENTION[name]}",
            "entity_id": pd.Series(who).map("P{:07d}".format), "source": name}))
    truth = pd.concat(truth_parts, ignore_index=True)
    truth.to_csv(out / "truth.csv", index=False)
    sizes = np.bincount(person, minlength=pp.n)
    manifest = {"generator": "realistic", "version": VERSION, "records": int(n_records), "seed": seed,
                "single_file": single_file, "origins": origins,
                "persons": int((sizes > 0).sum()), "true_pairs": int((sizes * (sizes - 1) // 2).sum()),
                "files": {n: ("douane.jsonl" if n == "douane" else f"{n}.csv") for n in names}, "rows": rows,
                "seconds": round(time.perf_counter() - t0, 1)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def ensure(out: Path, n_records: int, seed: int = 7, single_file: bool = False, origins: str = "national") -> dict:
    """Generate unless ``out`` already holds the same (records, seed, layout)."""
    m = out / "manifest.json"
    if m.exists():
        manifest = json.loads(m.read_text())
        if (manifest.get("generator"), manifest.get("version"), manifest.get("records"), manifest.get("seed"),
                manifest.get("single_file"), manifest.get("origins", "national")) \
                == ("realistic", VERSION, n_records, seed, single_file, origins):
            return manifest
    shutil.rmtree(out, ignore_errors=True)
    return generate(out, n_records, seed, single_file, origins)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--single-file", action="store_true", help="one persons.csv instead of four agency files")
    ap.add_argument("--origins", choices=["national", *MIXES], default="national",
                    help="origin mix: national (default) or cells (more Maghrebi and West-African names)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    print(json.dumps(ensure(args.out, args.records, args.seed, args.single_file, args.origins), indent=1))


if __name__ == "__main__":
    main()
