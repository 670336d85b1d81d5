"""How each agency writes a person, vectorized: names, dates, places, addresses, phones with noise.

Used by ``benchmarks/persons_realistic.py``; every function takes arrays of person indices
and returns one column of strings for all those rows at once (pandas / numpy string ops; the
only Python loops run once per distinct name, city or street).
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fixtures import names as N  # noqa: E402
from fixtures.noise import Noise  # noqa: E402
from persons_names import ascii_fold  # noqa: E402

#: agency -> share of the records (four-file layout)
AGENCIES = {"police": 0.35, "gendarmerie": 0.30, "bailleur": 0.15, "douane": 0.20}
MENTION = {"police": "suspect", "gendarmerie": "person", "bailleur": "tenant", "douane": "passenger",
           "persons": "person"}
#: agency -> (other spelling, accents dropped, typo, first/last swapped, given names in full,
#:            double surname cut, birth date missing, phone given)
NOISE = {
    "police": (0.12, 0.25, 0.02, 0.0, 0.15, 0.3, 0.08, 0.5),
    "gendarmerie": (0.12, 0.3, 0.02, 0.02, 0.3, 0.25, 0.05, 0.45),
    "bailleur": (0.08, 0.5, 0.02, 0.01, 0.1, 0.4, 0.5, 0.6),
    "douane": (0.15, 0.6, 0.03, 0.01, 0.6, 0.1, 0.04, 0.3),
    "persons": (0.12, 0.35, 0.025, 0.02, 0.25, 0.3, 0.15, 0.45),
}
ABROAD = {
    "fr": [("Bruxelles", "Belgique")],
    "magh": [(c, p) for c, p, _ in N.ORIGINS["magh"][5]],
    "latin": [("Porto", "Portugal"), ("Braga", "Portugal"), ("Lisbonne", "Portugal"), ("Madrid", "Espagne"),
              ("Naples", "Italie"), ("Palerme", "Italie"), ("São Paulo", "Brésil")],
    "waf": [(c, p) for c, p, _ in N.ORIGINS["waf"][5]],
    "tr": [("Istanbul", "Turquie"), ("Ankara", "Turquie"), ("Konya", "Turquie"), ("Kayseri", "Turquie")],
    "asia": [("Hô Chi Minh-Ville", "Viêt Nam"), ("Hanoï", "Viêt Nam"), ("Phnom Penh", "Cambodge"),
             ("Wenzhou", "Chine"), ("Vientiane", "Laos")],
    "east": [("Varsovie", "Pologne"), ("Bucarest", "Roumanie"), ("Erevan", "Arménie"), ("Tirana", "Albanie"),
             ("Moscou", "Russie")],
    "km": [("Moroni", "Comores"), ("Mutsamudu", "Comores"), ("Fomboni", "Comores")],
}
NUMBERS = np.array([str(i) for i in range(300)], dtype=object)
PAIRS = np.array([f"{i:02d}" for i in range(100)], dtype=object)
YEARS = np.array([str(1900 + i) for i in range(200)], dtype=object)
ORIGIN_KEYS = ["fr", "magh", "latin", "waf", "tr", "asia", "east", "km"]
BIG = {"Marseille": 8, "Paris": 10, "Lyon": 5, "Toulouse": 4, "Nice": 3, "Nantes": 3, "Lille": 3, "Bordeaux": 3,
       "Strasbourg": 3, "Montpellier": 3}


class Places:
    """French cities (weighted), streets, birthplaces and their written forms."""

    def __init__(self, seed: int) -> None:
        self.cities = list(N.CITIES)
        w = np.array([BIG.get(c, 1.0) for c in self.cities])
        self.city_cum = np.cumsum(w) / w.sum()
        self.postcodes = [N.CITIES[c][0] for c in self.cities]
        self.depts = [N.CITIES[c][1] for c in self.cities]
        fr_births = [(c, N.CITIES[c][1]) for c in self.cities] + list(N.BIRTH_FR_EXTRA)
        self.fr_births = fr_births
        wb = np.array([BIG.get(c, 1.0) for c, _ in fr_births])
        self.fr_birth_cum = np.cumsum(wb) / wb.sum()
        self._typos: dict | None = None

    # -- birthplace ----------------------------------------------------------------------
    def birthplace(self, origin: np.ndarray, abroad: np.ndarray, u: np.ndarray, form_u: np.ndarray,
                   upper: np.ndarray, accents: np.ndarray) -> np.ndarray:
        """'Marseille', 'Marseille (13)', 'Alger (Algérie)', 'ALGER - ALGERIE'... per row."""
        city = np.empty(len(u), dtype=object)
        where = np.empty(len(u), dtype=object)
        fr = ~abroad
        k = np.minimum(np.searchsorted(self.fr_birth_cum, u[fr]), len(self.fr_births) - 1)
        fb = np.array(self.fr_births, dtype=object)
        city[fr], where[fr] = fb[k, 0], fb[k, 1]
        for o, key in enumerate(ORIGIN_KEYS):
            rows = np.flatnonzero(abroad & (origin == o))
            if len(rows):
                opts = np.array(ABROAD[key], dtype=object)
                j = (u[rows] * len(opts)).astype(np.int64)
                city[rows], where[rows] = opts[j, 0], opts[j, 1]
        s = pd.Series(city, dtype=object)
        w = pd.Series(where, dtype=object)
        paren = form_u < 0.25
        dash = (form_u >= 0.25) & (form_u < 0.35) & abroad
        s = s.where(~paren, s + " (" + w + ")")
        s = s.where(~dash, s + " - " + w)
        out = s.to_numpy(object)
        out[accents] = ascii_fold(out[accents]) if accents.any() else out[accents]
        if upper.any():
            out[upper] = pd.Series(out[upper]).str.upper().to_numpy(object)
        return out

    # -- addresses -----------------------------------------------------------------------
    def address(self, addr: np.ndarray, rng: np.random.Generator, *, upper: float, abbr: float = 0.25,
                accents: float = 0.2, building: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(street, postcode, city) strings of address ids: '12 bd Henri Barnier', '13015', 'Marseille'."""
        n = len(addr)
        num = addr % 240 + 1
        street = (addr // 240) % len(N.STREETS)
        ci = np.minimum(np.searchsorted(self.city_cum, ((addr >> 22) % 100000) / 100000.0), len(self.cities) - 1)
        pcs = self._postcodes(ci, addr)
        stype = np.array([t for t, _ in N.STREETS], dtype=object)[street]
        sname = np.array([s for _, s in N.STREETS], dtype=object)[street]
        ab = rng.random(n) < abbr
        if ab.any():
            short = {t: v[0] for t, v in N.STREET_ABBR.items()}
            stype[ab] = pd.Series(stype[ab]).map(lambda t: short.get(t, t)).to_numpy(object)
        u = rng.random((3, n))
        # street names as clerks write them: a typo (3 %), the number left out (4 %), "bis" (3 %)
        sname = sname.copy()
        ty = u[0] < 0.03
        if ty.any():
            sname[ty] = self._street_typos(sname[ty], addr[ty])
        number = NUMBERS[num]
        number = np.where(u[1] < 0.03, number + " bis", number)
        s = pd.Series(np.where(u[2] < 0.04, "", number + " ")) + pd.Series(stype) + " " + pd.Series(sname)
        if building:
            b = rng.random(n) < 0.15
            s = s.where(~b, s + " bât " + pd.Series(np.array(list("ABCDEFGH"), dtype=object)[(addr >> 30) % 8]))
        out = s.to_numpy(object)
        acc = rng.random(n) < accents
        if acc.any():
            out[acc] = ascii_fold(out[acc])
        up = rng.random(n) < upper
        if up.any():
            out[up] = pd.Series(out[up]).str.upper().to_numpy(object)
        city = np.array(self.cities, dtype=object)[ci]
        return out, pcs, city

    def _street_typos(self, names: np.ndarray, seed: np.ndarray) -> np.ndarray:
        """One typo per street name, chosen by the address id (the same slip for a row's rerun)."""
        if self._typos is None:
            nz = Noise(random.Random("streets"), 1.0)
            self._typos = {s: [nz.typo(s) for _ in range(4)] for _, s in N.STREETS}
        return np.array([self._typos[s][int(h) % 4] for s, h in zip(names, seed >> 5)], dtype=object)

    def _postcodes(self, ci: np.ndarray, addr: np.ndarray) -> np.ndarray:
        out = np.empty(len(ci), dtype=object)
        for c in np.unique(ci):
            rows = np.flatnonzero(ci == c)
            p = np.array(self.postcodes[c], dtype=object)
            out[rows] = p[(addr[rows] >> 12) % len(p)]
        return out


# ------------------------------------------------------------------------------------ names
def render_names(ctx: dict, who: np.ndarray, rng: np.random.Generator, agency: str) -> tuple[np.ndarray, np.ndarray]:
    """(last, first) as this agency writes them, for persons ``who`` (one row each)."""
    pp = ctx["people"]
    translit, accents, typo, swap, full_given, cut, _, _ = NOISE[agency]
    n = len(who)
    fl, ff = ctx["forms_last"], ctx["forms_first"]

    def pick(forms, ids, tr, ac, ty):
        u = rng.random((4, len(ids)))
        return forms.pick(ids, u[0] < tr, u[1] < ac, u[2] < ty, u[3])

    last = pick(fl, ctx["last_to"][pp.last[who]], translit, accents, typo)
    l2 = pp.last2[who]
    has2 = (l2 >= 0) & (rng.random(n) >= cut)
    if has2.any():
        second = pick(fl, ctx["last_to"][l2[has2]], translit, accents, typo)
        sep = np.where(pp.origin[who[has2]] == 2, " ", np.where(rng.random(has2.sum()) < 0.7, "-", " "))
        last[has2] = (pd.Series(last[has2]) + pd.Series(sep) + pd.Series(second)).to_numpy(object)
    first = pick(ff, ctx["first_to"][pp.first[who]], translit, accents, typo)
    mid = pp.middle[who]
    hasm = (mid >= 0) & (rng.random(n) < full_given)
    if hasm.any():
        m = pick(ff, ctx["first_to"][mid[hasm]], translit * 0.5, accents, typo * 0.5)
        first[hasm] = (pd.Series(first[hasm]) + " " + pd.Series(m)).to_numpy(object)
    sw = rng.random(n) < swap
    last[sw], first[sw] = first[sw], last[sw].copy()
    return last, first


def upper(values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    out = values.copy()
    if mask is None:
        mask = np.ones(len(values), dtype=bool)
    if mask.any():
        out[mask] = pd.Series(values[mask]).str.upper().to_numpy(object)
    return out


def full_name(last: np.ndarray, first: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Police one-line "NOM Prénom": 3 % "Prénom NOM", 3 % all upper, 1 % truly swapped."""
    u = rng.random(len(last))
    L, F = pd.Series(upper(last)), pd.Series(first)
    s = L + " " + F
    s = s.where(~(u < 0.03), F + " " + L)
    s = s.where(~((u >= 0.03) & (u < 0.06)), L + " " + F.str.upper())
    s = s.where(~((u >= 0.06) & (u < 0.07)), F.str.upper() + " " + pd.Series(last).str.title())
    return s.to_numpy(object)


# ------------------------------------------------------------------------------------ dates
def render_dob(dob: np.ndarray, rng: np.random.Generator, missing: float, fmt: str) -> np.ndarray:
    """Birth dates with clerk slips: 3 % day/month swapped (when it still is a date), 0.7 % a year
    typo (±1, last digits swapped), 0.7 % a day typo (±1); ``missing`` of them empty."""
    n = len(dob)
    y = dob.astype("datetime64[Y]").astype(np.int64) + 1970
    m = (dob.astype("datetime64[M]").astype(np.int64) % 12) + 1
    d = (dob - dob.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    u = rng.random((4, n))
    sw = (u[0] < 0.03) & (d <= 12) & (d != m)
    m, d = np.where(sw, d, m), np.where(sw, m, d)
    yt = u[1] < 0.007
    alt = np.where(u[2] < 0.5, y + np.where(u[3] < 0.5, -1, 1), (y // 100) * 100 + (y % 10) * 10 + (y // 10) % 10)
    y = np.where(yt & (alt <= 2006) & (alt >= 1940), alt, y)
    dt = (u[2] > 0.993) & (d > 1) & (d < 28)
    d = np.where(dt, d + np.where(u[3] < 0.5, -1, 1), d)
    Y, M, D = YEARS[y - 1900], PAIRS[m], PAIRS[d]
    out = {"dmy": D + "/" + M + "/" + Y, "iso": Y + "-" + M + "-" + D, "compact": Y + M + D}[fmt]
    out[rng.random(n) < missing] = ""
    return out


# ------------------------------------------------------------------------------------ phones
def render_phone(ctx: dict, who: np.ndarray, when: np.ndarray, rng: np.random.Generator, given: float) -> np.ndarray:
    """The line the person used at that date ('06 12 34 56 78', '0612345678', '+33612345678'), or ''."""
    pp = ctx["people"]
    second = (pp.n_phone[who] > 1) & (when > 0.5)
    num = np.where(second, pp.phone[who, 1], pp.phone[who, 0])
    seven = num % 7 == 0
    g = [PAIRS[(num // 10 ** e) % 100] for e in (6, 4, 2, 0)]
    u = rng.random(len(who))
    out = np.where(u < 0.5, np.where(seven, "07", "06").astype(object) + g[0] + g[1] + g[2] + g[3],
                   np.where(u < 0.85, np.where(seven, "07 ", "06 ").astype(object) + g[0] + " " + g[1] + " " + g[2]
                            + " " + g[3],
                            np.where(seven, "+337", "+336").astype(object) + g[0] + g[1] + g[2] + g[3]))
    out[~pp.has_phone[who] | (rng.random(len(who)) >= given)] = ""
    return out


# ------------------------------------------------------------------------------------ agencies
def render(agency: str, who: np.ndarray, idx: np.ndarray, ctx: dict):
    """The rows of one agency's file for persons ``who`` (record numbers ``idx``): a DataFrame
    (or JSON-lines text for customs) and the file name."""
    pp, pl = ctx["people"], ctx["places"]
    rng = np.random.default_rng([ctx["seed"], 3, list(MENTION).index(agency)])
    n = len(who)
    when = rng.random(n)                                      # where in the person's history
    year = 2016 + (when * 9).astype(np.int64)
    event = pd.Series(year).astype(str) + "-" + pd.Series(rng.integers(1, 13, n)).astype(str).str.zfill(2) + "-" \
        + pd.Series(rng.integers(1, 29, n)).astype(str).str.zfill(2)
    slot = np.minimum((when * pp.n_addr[who]).astype(np.int64), pp.n_addr[who] - 1)
    addr = pp.addr[who, slot]
    last, first = render_names(ctx, who, rng, agency)
    missing_dob, phone_rate = NOISE[agency][6], NOISE[agency][7]
    bp_args = (pp.origin[who], pp.born_abroad[who], pp.birthplace_u[who], rng.random(n))
    ids = pd.Series(idx).astype(str).str.zfill(7)
    dmy = event.str[8:10] + "/" + event.str[5:7] + "/" + event.str[:4]

    def blank(values: np.ndarray, rate: float) -> np.ndarray:
        values = np.asarray(values, dtype=object).copy()
        values[rng.random(n) < rate] = ""
        return values

    if agency == "police":
        street, pc, city = pl.address(addr, rng, upper=0.1)
        city = upper(city, rng.random(n) < 0.5)
        full_addr = blank((pd.Series(street) + " " + pd.Series(pc) + " " + pd.Series(city)).to_numpy(object), 0.08)
        bp = pl.birthplace(*bp_args, rng.random(n) < 0.5, rng.random(n) < 0.3)
        return pd.DataFrame({"num_procedure": event.str[:4] + "/" + ids, "date_faits": dmy,
                             "NOM Prénom": full_name(last, first, rng),
                             "date_naissance": render_dob(pp.dob[who], rng, missing_dob, "dmy"),
                             "lieu_naissance": blank(bp, 0.15), "adresse": full_addr,
                             "telephone": render_phone(ctx, who, when, rng, phone_rate)}), "police.csv"
    if agency in ("gendarmerie", "persons"):
        street, pc, city = pl.address(addr, rng, upper=0.05)
        bp = pl.birthplace(*bp_args, rng.random(n) < 0.3, rng.random(n) < 0.3)
        first = upper(first, rng.random(n) < 0.08)
        cols = {"nom": upper(last), "prenom": first,
                "sexe": blank(pp.sex[who].astype(object), 0.03),
                "date_naissance": render_dob(pp.dob[who], rng, missing_dob, "iso" if agency == "gendarmerie" else "dmy"),
                "commune_naissance": blank(bp, 0.1), "adresse": blank(street, 0.08), "code_postal": pc,
                "commune": upper(city, rng.random(n) < 0.5),
                "telephone": render_phone(ctx, who, when, rng, phone_rate)}
        head = {"num_pv": ids + "/" + event.str[:4], "date_fait": event} if agency == "gendarmerie" else \
            {"id_fiche": "F" + ids, "date_fiche": dmy}
        return pd.DataFrame({**head, **cols}), f"{agency}.csv"
    if agency == "bailleur":
        street, pc, city = pl.address(addr, rng, upper=0.3, building=False)
        return pd.DataFrame({"reference": "SIG-" + ids, "date_signalement": dmy, "adresse": street,
                             "code_postal": pc, "ville": upper(city), "nom": upper(last), "prenom": upper(first),
                             "date_naissance": render_dob(pp.dob[who], rng, missing_dob, "dmy"),
                             "telephone": render_phone(ctx, who, when, rng, phone_rate)}), "bailleur.csv"
    if agency == "douane":
        street, pc, city = pl.address(addr, rng, upper=0.2)
        bp = pl.birthplace(*bp_args, np.ones(n, dtype=bool), rng.random(n) < 0.6)
        person = pd.DataFrame({"nom": upper(last), "prenom": first,
                               "naissance": render_dob(pp.dob[who], rng, missing_dob, "compact"),
                               "lieu_naissance": blank(bp, 0.2), "adresse": blank(street, 0.3),
                               "code_postal": blank(pc, 0.3), "ville": blank(upper(city), 0.2),
                               "telephone": render_phone(ctx, who, when, rng, phone_rate)})
        inner = pd.Series(person.to_json(orient="records", lines=True, force_ascii=False).splitlines())
        head = '{"id_controle": "DN-' + ids + '", "date": "' + event + '"'
        text = head + ', "personne": ' + inner + "}\n"
        return "".join(text.tolist()), "douane.jsonl"
    raise ValueError(agency)
