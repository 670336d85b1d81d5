"""Generated person records with ground truth, and planted hard cases, for the person-model tests.

A background population (a Zipf-like head of common French names and a long tail of made-up
ones, birth dates, birthplaces, addresses, phones; about two records per person with typos and
missing dates) plus, per cause of issue 12, a few planted groups whose truth is known:

* ``swap_typo``: one person written "first last" and "LAST' first" with a typo on one name;
* ``twins``: two people with the same surname, birth date, birthplace, address and phone and
  unrelated given names (each written twice);
* ``namesake_missing_dob``: two people with the most common first and last names, one record
  without a birth date, nothing else in common;
* ``namesake_dob_digit``: two people with common names whose birth dates differ by one digit,
  nothing else in common;
* ``year_typo``: one person whose birth year is mistyped (1969 / 1996, 1978 / 1988) on one
  record, the address and phone the same.

Records come out normalized as the resolution sees them (``linkgraph.normalize.fields``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from linkgraph.normalize.fields import derive_columns, normalize_field

FIRST = ["Thomas", "Nicolas", "Julien", "Mohamed", "Kevin", "Alexandre", "Maxime", "Anthony", "Sébastien",
         "Jérémy", "Romain", "Mehdi", "Karim", "Yassine", "David", "Laurent", "Pierre", "Sofiane", "Mamadou",
         "Marie", "Sarah", "Julie", "Fatima", "Camille", "Nadia", "Lucas", "Hugo", "Rachid", "Florian",
         "Guillaume", "Christophe", "Olivier", "Stéphane", "Patrick", "Bilal", "Ibrahim", "Moussa", "Samir",
         "Adrien", "Vincent"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
        "Morel", "Girard", "Andre", "Mercier", "Dupont", "Lambert", "Bonnet", "Francois", "Martinez", "Legrand",
        "Benali", "Haddad", "Diallo", "Traore", "Da Silva", "Pereira", "Nguyen", "Yilmaz", "Mansouri", "Cisse"]
CITIES = ["Paris", "Marseille", "Lyon", "Toulouse", "Nice", "Nantes", "Lille", "Rennes", "Montpellier",
          "Strasbourg", "Bordeaux", "Grenoble", "Rouen", "Sevran", "Grigny", "Vitrolles", "Alger", "Casablanca"]
STREETS = ["rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Gambetta", "rue Pasteur",
           "rue Émile Zola", "avenue de la Liberté", "rue des Écoles", "chemin des Aubagnens", "rue Voltaire"]
SYLLABLES = ["ba", "be", "bi", "ko", "ka", "la", "lo", "ma", "me", "mi", "na", "no", "ra", "ri", "sa", "so", "ta",
             "te", "va", "vi", "za", "dou", "lan", "mar", "ter", "gon", "zel", "rin", "bou", "cha", "che", "gui"]


def _zipf(rng: np.random.Generator, n_values: int, top_share: float, size: int) -> np.ndarray:
    ranks = np.arange(1, n_values + 1, dtype=float)
    lo, hi = 0.3, 3.0
    for _ in range(50):  # the exponent that gives the most common value its share
        s = (lo + hi) / 2
        p = ranks ** -s
        lo, hi = (s, hi) if p[0] / p.sum() < top_share else (lo, s)
    p = ranks ** -s
    return rng.choice(n_values, size=size, p=p / p.sum())


def _names(rng: np.random.Generator, head: list[str], n_values: int) -> np.ndarray:
    """``head`` (the common names, in order) then made-up names of 2 to 3 syllables."""
    tail = ["".join(rng.choice(SYLLABLES, int(rng.integers(2, 4)))).capitalize() for _ in range(n_values - len(head))]
    return np.array(head + tail, dtype=object)


def _typo(rng: np.random.Generator, value: str) -> str:
    p = int(rng.integers(1, len(value)))
    return value[:p] + value[p] + value[p:] if rng.random() < 0.5 else value[:p] + value[p + 1:]


def background(n_people: int, seed: int = 0) -> list[dict]:
    """Raw records of ``n_people`` people (one to three each), person id in ``truth``."""
    rng = np.random.default_rng(seed)
    firsts, lasts = _names(rng, FIRST, 1500), _names(rng, LAST, 30000)
    first = firsts[_zipf(rng, len(firsts), 0.02, n_people)]
    last = lasts[_zipf(rng, len(lasts), 0.005, n_people)]
    days = rng.integers(0, 45 * 365, n_people)
    dob = (pd.Timestamp("1960-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    rows = []
    for p in range(n_people):
        city = CITIES[int(rng.integers(len(CITIES)))]
        address = f"{int(rng.integers(1, 250))} {STREETS[int(rng.integers(len(STREETS)))]}"
        phone = f"06{int(rng.integers(0, 10 ** 8)):08d}" if rng.random() < 0.5 else None
        for _ in range(int(rng.integers(1, 4))):
            f, ln, d = str(first[p]), str(last[p]), dob[p]
            if rng.random() < 0.05:
                f = _typo(rng, f)
            if rng.random() < 0.05:
                ln = _typo(rng, ln)
            rows.append({"truth": f"B{p}", "first_name": f, "last_name": ln,
                         "dob": None if rng.random() < 0.2 else d, "birthplace": city if rng.random() < 0.7 else None,
                         "address": address if rng.random() < 0.7 else None, "city": city,
                         "phone": phone if rng.random() < 0.6 else None})
    return rows


def planted(seed: int = 1, copies: int = 6) -> list[dict]:
    """``copies`` instances of each planted case; ``case`` names the cause, ``truth`` the person."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []

    def add(case: str, truth: str, **fields) -> None:
        base = {"birthplace": None, "address": None, "city": None, "phone": None, "dob": None}
        rows.append({**base, **fields, "case": case, "truth": truth})

    twins = [("Jérémy", "William"), ("Pierre", "François"), ("Nacer", "Cali"), ("Chafik", "Guillaume"),
             ("Sarah", "Inès"), ("Thomas", "Bryan")]
    for k in range(copies):  # each copy its own people: names, towns, streets and dates differ between copies
        street, city = STREETS[k % len(STREETS)], CITIES[k % len(CITIES)]
        # one person, names swapped with a typo in one of them ("GUILLON Christelle" / "Christelle GUILLLON")
        surname = ("Guillon", "Saidi", "Moreau", "Traore", "Lefebvre", "Nguyen")[k % 6]
        given = ("Christelle", "Fatima", "Sandrine", "Moussa", "Aurelie", "Thanh")[k % 6]
        add("swap_typo", f"S{k}", first_name=given, last_name=surname, dob=f"198{k}-03-{14 + k}",
            address=f"{10 + k} {street}", city=city)
        add("swap_typo", f"S{k}", first_name=_typo(rng, surname), last_name=given, dob=f"198{k}-03-{14 + k}",
            address=f"{10 + k} {street}", city=city, birthplace=city)
        # twins: surname, birth date, birthplace, address and phone shared; given names unrelated
        phone = f"0755{k:06d}"
        for twin, name in zip((f"TA{k}", f"TB{k}"), twins[k % len(twins)]):
            for _ in range(2):
                add("twins", twin, first_name=name, last_name=("Da Luz", "Benhamou", "Kowalski", "Diop",
                                                               "Marchetti", "Ozturk")[k % 6],
                    dob=f"19{70 + 3 * k}-09-{10 + k}", birthplace=city, address=f"{9 + k} {street}", city=city,
                    phone=phone)
        # the most common names, one birth date missing, nothing else in common
        add("namesake_missing_dob", f"NA{k}", first_name=FIRST[k], last_name=LAST[k], dob=None,
            address=f"{100 + k} {street}", city=city)
        add("namesake_missing_dob", f"NB{k}", first_name=FIRST[k], last_name=LAST[k], dob=f"199{k}-05-21",
            address=f"{k + 3} {STREETS[(k + 5) % len(STREETS)]}", city=CITIES[(k + 9) % len(CITIES)],
            birthplace=CITIES[(k + 9) % len(CITIES)])
        # common names, birth dates one digit apart, nothing else in common
        add("namesake_dob_digit", f"DA{k}", first_name=FIRST[10 + k], last_name=LAST[10 + k],
            dob=f"19{65 + 4 * k}-0{k + 1}-12", address=f"{20 + k} {street}", city=city, birthplace=city)
        add("namesake_dob_digit", f"DB{k}", first_name=FIRST[10 + k], last_name=LAST[10 + k],
            dob=f"19{65 + 4 * k}-0{k + 1}-13", address=f"{40 + k} {STREETS[(k + 5) % len(STREETS)]}",
            city=CITIES[(k + 9) % len(CITIES)], birthplace=CITIES[(k + 12) % len(CITIES)])
        # one person, a typo in the birth year (digits swapped or one digit off), address and phone the same
        year_a, year_b = (("1969", "1996"), ("1978", "1988"), ("1981", "1991"))[k % 3]
        given, surname = ("Jean-Loup", "Alexis", "Guillaume", "Bryan", "Jimmy", "Lydia")[k % 6], \
            ("Kelly", "Vigreux", "Quarroz", "Berthelier", "Villette", "Kaw")[k % 6]
        for year in (year_a, year_b):
            add("year_typo", f"Y{k}", first_name=given, last_name=surname, dob=f"{year}-1{k % 3}-{17 + k}",
                address=f"{46 + k} {street}", city=city, phone=f"0617{k:06d}", birthplace="Harfleur")
    return rows


def person_table(rows: list[dict]) -> pd.DataFrame:
    """The raw rows normalized as the resolution's person table (plus ``truth`` and ``case``)."""
    raw = pd.DataFrame(rows)
    out = pd.DataFrame(index=raw.index)
    for field in ("first_name", "last_name", "dob", "birthplace", "address", "city"):
        values, _ = normalize_field("person", field, raw[field].astype(object).where(raw[field].notna(), None))
        for column, series in values.items():
            out[column] = series.to_numpy()
    out["phone"] = raw["phone"].to_numpy()
    for column in ("plate", "id_number", "postcode"):
        out[column] = None
    out = derive_columns("person", out)
    out["truth"] = raw["truth"].to_numpy()
    out["case"] = raw["case"].to_numpy() if "case" in raw else None
    return out.reset_index(drop=True)
