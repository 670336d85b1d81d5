"""Company records as hard as reality, with ground truth and the cause each mention carries.

    python benchmarks/companies_data.py --records 20000 --out out/bench/companies-20000

Companies (seeded): a trade name built as French firms name themselves — an activity and a
surname drawn with France's surname frequencies ("Transports Lamy", "Boulangerie Martin":
common surnames make namesakes by themselves), an activity and a place word ("Pharmacie du
Centre", "Café des Sports": found in every town), a family or place SCI ("SCI Les Pins",
"SCI Martin"), a given name ("Coiffure Sandrine", "Chez Mimi"), initials ("JMB Services") or a
fancy brand ("Atlas Telecom", "Kebab Express") —, a legal form, a SIREN, a head office and, for
15 % of them, other establishments (SIRETs with other NICs, in the same or another town). Hard
negatives on purpose: 4 % of companies get a namesake company in another town, 2 % one in the
same town (another address, another SIREN), and 12 % of those of the ten largest towns are
domiciled at one of two business-centre addresses shared with other companies.

Four agency files write them with their own conventions and noise (``--records`` rows in all):
``registre.csv`` (one row per establishment: SIREN, SIRET, name, address, postcode, city),
``banque.csv`` (suspicious-transaction reports: name, SIRET of any establishment 75 %, address
80 %, postcode and city 90 %), ``douane.csv`` (name, SIREN 70 %, city 60 %), ``police.csv``
(name, a one-line address 40 %, else the city 70 %, SIRET 10 %); ``--sparse`` fills far fewer
(``SPARSE``: a quarter of all mentions then give the name alone). Names are written with
their legal form in any place and spelling ("SARL X", "X S.A.R.L.", "X (SARL)", "Sté X",
"Société X", "X - Société à responsabilité limitée") and misspelt or glued forms
("X E.U.RL..", "Société civileimmobilière X", "StéB âtiment X"), upper or title case, accents
dropped, a typo (3 %), words hyphenated or glued, "&"/"et"; identifiers with or without spaces,
a few placeholder SIRETs of zeros. ``truth.csv`` gives each mention's company and its causes
(``typo``, ``legal_form``, ``other_establishment``, ``missing_fields``, ``homonym_other_town``,
``homonym_same_town``; none = ``clean``). Same (records, seed) give byte-identical files.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from stdnum import luhn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (HERE, ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from fixtures import names as N  # noqa: E402
from fixtures.noise import Noise, strip_accents  # noqa: E402
from persons_names import NameTables  # noqa: E402

MAPPINGS = HERE / "companies"
VERSION = 4
CAUSES = ["typo", "legal_form", "other_establishment", "missing_fields", "homonym_other_town", "homonym_same_town"]

ACTIVITIES = [  # (word in the name, weight, legal forms)
    ("Transports", 6, ["SARL", "SAS", "EURL"]), ("Boulangerie", 5, ["SARL", "EURL", "SAS"]),
    ("Boucherie", 2, ["SARL", "EURL"]), ("Garage", 5, ["SARL", "SAS"]), ("Plomberie", 3, ["SARL", "EURL", "EI"]),
    ("Électricité", 3, ["SARL", "EURL", "EI"]), ("Menuiserie", 2, ["SARL", "EURL"]),
    ("Maçonnerie", 3, ["SARL", "EURL", "SASU"]), ("Peinture", 2, ["SARL", "EURL"]), ("Carrosserie", 2, ["SARL"]),
    ("Taxi", 4, ["EI", "SASU", "SARL"]), ("Ambulances", 1, ["SARL", "SAS"]), ("Coiffure", 4, ["SARL", "EI", "SASU"]),
    ("Restaurant", 3, ["SARL", "SAS"]), ("Pizzeria", 3, ["SARL", "SASU"]), ("Nettoyage", 3, ["SARL", "SASU"]),
    ("Sécurité", 2, ["SAS", "SARL"]), ("Immobilier", 2, ["SARL", "SAS"]), ("Pressing", 1, ["SARL", "EI"]),
    ("Bâtiment", 4, ["SARL", "SASU", "EURL"]), ("Location", 2, ["SARL", "SAS"]), ("Déménagements", 1, ["SARL"]),
    ("Primeurs", 2, ["SARL", "EI"]), ("Épicerie", 2, ["SARL", "EI"]), ("Kebab", 2, ["SARL", "SASU"]),
    ("Terrassement", 2, ["SARL", "SAS"]), ("Paysages", 2, ["SARL", "EI"]), ("Informatique", 2, ["SASU", "SARL"]),
    ("Conseil", 2, ["SASU", "EURL"]), ("Auto-école", 1, ["SARL"]), ("Fleurs", 1, ["SARL", "EI"]),
    ("Optique", 1, ["SARL", "SAS"]), ("Charpente", 1, ["SARL", "EURL"]), ("Import Export", 2, ["SARL", "SAS"]),
]
PLACE_NAMES = [  # (activity, place word): the names found in every town
    ("Pharmacie", "du Centre"), ("Pharmacie", "de la Gare"), ("Pharmacie", "du Marché"), ("Café", "des Sports"),
    ("Café", "de la Mairie"), ("Café", "du Commerce"), ("Bar", "du Marché"), ("Bar", "de la Poste"),
    ("Tabac", "de la Gare"), ("Tabac", "de la Mairie"), ("Garage", "de la Gare"), ("Garage", "du Centre"),
    ("Boulangerie", "de la Place"), ("Boulangerie", "du Centre"), ("Hôtel", "de la Gare"), ("Hôtel", "du Commerce"),
    ("Restaurant", "du Port"), ("Brasserie", "des Halles"), ("Auto-école", "du Centre"), ("Boucherie", "des Halles"),
    ("Pressing", "de la Mairie"), ("Coiffure", "du Marché"), ("Librairie", "de la Place"), ("Fleurs", "du Midi"),
]
SCI_WORDS = ["Les Pins", "Les Oliviers", "Les Tilleuls", "Le Moulin", "La Colline", "Les Chênes", "Du Port",
             "La Fontaine", "Les Lilas", "Le Clos", "Les Mimosas", "Saint-Jean", "Les Cigales", "Le Mas", "Les Jardins",
             "Du Soleil", "Bellevue", "Beau Site", "Les Roses", "Le Verger"]
GIVEN_TEMPLATES = ["Coiffure {G}", "Chez {G}", "Le Fournil de {G}", "{G} Fleurs", "L'Atelier de {G}", "Pizza {G}",
                   "Institut {G}", "Les Délices de {G}"]
FANCY = ["{W} Telecom", "Kebab {W}", "{W} Market", "{W} Express", "{W} Services", "{W} Trading", "{W} Auto",
         "{W} Distribution", "Bati {W}", "{W} Voyages", "{W} Sécurité", "{W} Logistique", "{W} Immobilier"]
INITIAL_ACTS = ["Services", "Transports", "Bâtiment", "Conseil", "Distribution", "Rénovation", "Multiservices",
                "Logistique", "Négoce", "Travaux", "Menuiserie", "Électricité"]
LONG_FORMS = {"SARL": "Société à responsabilité limitée", "SAS": "Société par actions simplifiée",
              "SASU": "Société par actions simplifiée unipersonnelle",
              "EURL": "Entreprise unipersonnelle à responsabilité limitée", "SCI": "Société civile immobilière",
              "SA": "Société anonyme", "EI": "Entreprise individuelle"}
#: how clerks get a legal form wrong: misspelt, dotted oddly, spaced out, glued
MISSPELT = {"SARL": ["S.A.R.L", "SARl", "S.A.R.L..", "S A R L", "Sarl.", "S.a.r.l"],
            "SAS": ["S.A.S", "S.A.S..", "S A S", "Sas."], "SASU": ["S.A.S.U", "S.A.S.U.", "SASU."],
            "EURL": ["E.U.RL..", "E.U.R.L", "E U R L", "Eurl."], "SCI": ["S.C.I", "S.C.I.", "S C I"],
            "SA": ["S.A", "S.A."], "EI": ["E.I.", "E.I"]}
BUSINESS_STREETS = ["ZI des Paluds", "ZA de la Plaine", "Zone artisanale du Moulin", "avenue de l'Industrie",
                    "rue de l'Artisanat", "ZAC des Portes du Sud", "chemin des Entreprises", "parc d'activités Les Milles"]
BIG = {"Marseille": 8, "Paris": 10, "Lyon": 5, "Toulouse": 4, "Nice": 3, "Nantes": 3, "Lille": 3, "Bordeaux": 3,
       "Strasbourg": 3, "Montpellier": 3}
#: which fields each file fills: banque (SIRET, address, postcode+city), douane (SIREN, city),
#: police (one-line address, city when no address, SIRET). A bank report names the account
#: holder's SIRET and address; a customs declaration the consignee's EORI (FR + SIREN) and town; a
#: procedure the firm's town at least. ``SPARSE``: far fewer (``--sparse``), a harder variant.
RATES = {"banque": (0.75, 0.8, 0.9), "douane": (0.7, 0.6), "police": (0.4, 0.7, 0.1)}
SPARSE = {"banque": (0.6, 0.7, 0.8), "douane": (0.55, 0.35), "police": (0.35, 0.45, 0.1)}
#: source -> share of the mentions that are not registry rows
SOURCES = {"banque": 0.35, "douane": 0.25, "police": 0.40}


@dataclass
class Company:
    cid: str
    core: str                  # trade name as registered, without legal form: "Transports Lamy"
    forme: str
    siren: str
    establishments: list = field(default_factory=list)   # [(siret, street, postcode, city)]
    causes: set = field(default_factory=set)


class World:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.np = np.random.default_rng(seed)
        t = NameTables.load()
        self.surnames, self.surname_cum = t.surnames, np.cumsum(t.surname_share)
        gm, _, sm = t.given["M"]
        gf, _, sf = t.given["F"]
        self.given = np.concatenate([gm, gf])
        w = np.concatenate([sm, sf])
        self.given_cum = np.cumsum(w) / w.sum()
        self.cities = list(N.CITIES)
        cw = np.array([BIG.get(c, 1.0) for c in self.cities])
        self.city_cum = np.cumsum(cw) / cw.sum()
        self.act_cum = np.cumsum([w for _, w, _ in ACTIVITIES]) / sum(w for _, w, _ in ACTIVITIES)
        self.sirens: set[str] = set()
        self.companies: list[Company] = []
        # business centres: a few domiciliation addresses per big town, shared by many companies
        self.centres = {c: [f"{self.r.randint(1, 90)} {s}" for s in self.r.sample(BUSINESS_STREETS, 2)] for c in BIG}

    # -- drawing ------------------------------------------------------------------------------
    def surname(self) -> str:
        return str(self.surnames[min(int(np.searchsorted(self.surname_cum, self.r.random())), len(self.surnames) - 1)])

    def given_name(self) -> str:
        return str(self.given[min(int(np.searchsorted(self.given_cum, self.r.random())), len(self.given) - 1)])

    def city(self) -> str:
        return self.cities[min(int(np.searchsorted(self.city_cum, self.r.random())), len(self.cities) - 1)]

    def activity(self) -> tuple[str, list[str]]:
        a, _, formes = ACTIVITIES[min(int(np.searchsorted(self.act_cum, self.r.random())), len(ACTIVITIES) - 1)]
        return a, formes

    def name(self) -> tuple[str, str]:
        r = self.r
        u = r.random()
        if u < 0.38:
            act, formes = self.activity()
            s = self.surname()
            core = r.choice([f"{act} {s}", f"{act} {s}", f"{s} {act}", f"{s} et Fils", f"{act} {s} Frères"])
            return core, r.choice(formes)
        if u < 0.42:
            act, place = r.choice(PLACE_NAMES)
            return f"{act} {place}", r.choice(["SARL", "EURL", "SNC", "SAS"])
        if u < 0.56:
            return r.choice([f"{r.choice(SCI_WORDS)}", self.surname(), self.surname(),
                             f"{self.surname()} {self.given_name()}"]), "SCI"
        if u < 0.70:
            return r.choice(GIVEN_TEMPLATES).replace("{G}", self.given_name()), r.choice(["EI", "SARL", "SASU"])
        if u < 0.84:
            letters = "".join(r.choice("ABCDEFGHJLMNPRSTV") for _ in range(r.choice([2, 3, 3, 4])))
            return f"{letters} {r.choice(INITIAL_ACTS)}", r.choice(["SARL", "SAS", "SASU", "EURL"])
        w = r.choice(N.COMPANY_WORDS).title()
        if r.random() < 0.6:   # a second word or the region: brands are rarely one common word
            w = f"{w} {r.choice(N.COMPANY_WORDS + ['Sud', 'Nord', 'Est', 'Ouest', 'France', 'Europe']).title()}"
        return r.choice(FANCY).replace("{W}", w), r.choice(["SARL", "SAS", "SASU"])

    def new_siren(self) -> str:
        while True:
            body = str(self.r.randrange(3, 10)) + "".join(self.r.choice("0123456789") for _ in range(7))
            siren = body + luhn.calc_check_digit(body)
            if siren not in self.sirens:
                self.sirens.add(siren)
                return siren

    def siret(self, siren: str, k: int) -> str:
        body = siren + f"{k:04d}"
        return body + luhn.calc_check_digit(body)

    def address(self, city: str) -> tuple[str, str, str]:
        r = self.r
        if r.random() < 0.2:
            street = f"{r.randint(1, 120)} {r.choice(BUSINESS_STREETS)}"
        else:
            t, s = r.choice(N.STREETS)
            street = f"{r.randint(1, 240)} {t} {s}"
        return street, r.choice(N.CITIES[city][0]), city

    def company(self, core: str | None = None, forme: str | None = None, city: str | None = None) -> Company:
        r = self.r
        if core is None:
            core, forme = self.name()
        siren = self.new_siren()
        c = Company(f"C{len(self.companies):06d}", core, forme, siren)
        city = city or self.city()
        street, pc, city = self.address(city)
        if city in self.centres and r.random() < 0.12:   # domiciled at a business centre
            street = r.choice(self.centres[city])
        c.establishments.append((self.siret(siren, r.randrange(1, 40)), street, pc, city))
        if r.random() < 0.15:
            for _ in range(r.choice([1, 1, 1, 2, 2, 3, 5])):
                other = city if r.random() < 0.6 else self.city()
                street2, pc2, _ = self.address(other)
                c.establishments.append((self.siret(siren, r.randrange(40, 900)), street2, pc2, other))
        self.companies.append(c)
        return c

    def populate(self, n_companies: int) -> None:
        while len(self.companies) < n_companies:
            c = self.company()
            u = self.r.random()
            if u < 0.04:      # a namesake company in another town
                other = self.city()
                while other == c.establishments[0][3]:
                    other = self.city()
                self.company(c.core, c.forme, other)
            elif u < 0.06:    # a namesake company in the same town (another address, another SIREN)
                self.company(c.core, self.r.choice([c.forme, "SAS", "SARL"]), c.establishments[0][3])
        self.tag_namesakes()

    def tag_namesakes(self) -> None:
        """Every company sharing its name (as folded) with another: ``homonym_same_town`` when one
        of them has its head office in the same town, else ``homonym_other_town`` (planted ones and
        those the name frequencies made by themselves)."""
        frame = pd.DataFrame({"k": range(len(self.companies)),
                              "name": [strip_accents(c.core).lower() for c in self.companies],
                              "town": [c.establishments[0][3] for c in self.companies]})
        per_name = frame.groupby("name")["k"].transform("size")
        per_town = frame.groupby(["name", "town"])["k"].transform("size")
        for k, many, here in zip(frame["k"], per_name, per_town):
            if here > 1:
                self.companies[k].causes.add("homonym_same_town")
            elif many > 1:
                self.companies[k].causes.add("homonym_other_town")


# ---------------------------------------------------------------------------------- rendering
def render_name(c: Company, nz: Noise, official: bool) -> tuple[str, set]:
    """The trade name as one clerk writes it, and the causes it carries (``typo``, ``legal_form``)."""
    r = nz.r
    core, f = c.core, c.forme
    causes = set()
    if nz.p(0.5):
        core = core.replace(" et ", " & ")
    if nz.p(0.03):   # a hyphen, or two words glued
        words = core.split(" ")
        if len(words) > 1:
            k = r.randrange(len(words) - 1)
            core = " ".join(words[:k]) + (" " if k else "") + words[k] + r.choice(["-", ""]) + words[k + 1] + \
                (" " + " ".join(words[k + 2:]) if k + 2 < len(words) else "")
    if not official and nz.p(0.03) or official and nz.p(0.005):
        core = nz.typo(core)
        if core != c.core:
            causes.add("typo")
    u = r.random()
    plain = [f"{f} {core}", f"{core} {f}", core, f"{core} ({f})"]
    if official:
        s = r.choice([f"{f} {core}", f"{core}", f"{core} {f}"])
    elif u < 0.55:
        s = r.choice(plain)
    elif u < 0.75:
        s = r.choice([f"Sté {core}", f"Société {core}", f"Ste {core}", f"Ets {core}", f"{'.'.join(f)}. {core}"])
        causes.add("legal_form")
    elif u < 0.87:
        long = LONG_FORMS.get(f, f)
        s = r.choice([f"{core} - {long}", f"{long} {core}", f"{core} ({long.lower()})"])
        causes.add("legal_form")
    else:   # misspelt, glued or spaced-out forms
        causes.add("legal_form")
        v = r.random()
        long = LONG_FORMS.get(f, "Société")
        if v < 0.45:
            s = f"{core} {r.choice(MISSPELT.get(f, [f]))}"
        elif v < 0.65 and " " in long:   # a spelled-out form with two words glued or a misspelt ending
            w = long.split(" ")
            k = r.randrange(len(w) - 1)
            glued = " ".join(w[:k] + [w[k] + w[k + 1].lower()] + w[k + 2:])
            s = f"{r.choice([glued, long.replace('ée', 'é')])} {core}"
        elif v < 0.85:     # "StéB âtiment": the space shifted one letter left (as typed, not upper-cased)
            return f"Sté{core[0].upper()} {core[1:]}", causes
        else:
            s = f"{r.choice(MISSPELT.get(f, [f]))}{r.choice(['', ' '])}{core}"
    if nz.p(0.45):
        s = strip_accents(s)
    v = r.random()
    s = s.upper() if v < 0.5 else s
    return s, causes


def fmt_id(number: str, nz: Noise) -> str:
    if number is None:
        return ""
    if nz.p(0.3):
        return " ".join([number[:3], number[3:6], number[6:9]] + ([number[9:]] if len(number) > 9 else []))
    return number


def render_street(street: str, nz: Noise) -> str:
    s = street
    for t, abbr in N.STREET_ABBR.items():
        if f" {t} " in s and nz.p(0.3):
            s = s.replace(f" {t} ", f" {nz.r.choice(abbr)} ")
    if nz.p(0.03):
        s = nz.typo(s)
    if nz.p(0.4):
        s = strip_accents(s)
    return s.upper() if nz.p(0.5) else s


def records(world: World, n_records: int, seed: int, rates: dict = RATES) -> dict[str, tuple[pd.DataFrame, list[dict]]]:
    r = random.Random(seed + 1)
    nz = Noise(r)
    out: dict[str, tuple[list, list]] = {s: ([], []) for s in ["registre", *SOURCES]}
    companies = world.companies
    # the registry extract holds 55 % of the companies, one row per establishment
    for c in companies:
        if r.random() < 0.55:
            for k, (siret, street, pc, city) in enumerate(c.establishments):
                name, causes = render_name(c, nz, official=True)
                out["registre"][0].append({"siren": fmt_id(c.siren, nz), "siret": fmt_id(siret, nz),
                                           "raison_sociale": name, "forme_juridique": c.forme,
                                           "adresse": render_street(street, nz), "code_postal": pc, "ville": city})
                out["registre"][1].append((c, causes | ({"other_establishment"} if k else set())))
    n_registry = len(out["registre"][0])
    rest = max(n_records - n_registry, 0)
    # the other files: a few companies are mentioned often (fronts), most once or twice
    weight = np.minimum(np.random.default_rng(seed).pareto(1.6, len(companies)) + 0.3, 6.0)   # fronts: up to ~40
    pick = np.random.default_rng(seed + 2).choice(len(companies), size=rest, p=weight / weight.sum())
    srcs = list(SOURCES)
    src_cum = np.cumsum(list(SOURCES.values()))
    for ci in pick.tolist():
        c = companies[ci]
        src = srcs[int(np.searchsorted(src_cum, r.random()))]
        k = 0 if len(c.establishments) == 1 or r.random() < 0.6 else r.randrange(1, len(c.establishments))
        siret, street, pc, city = c.establishments[k]
        name, causes = render_name(c, nz, official=False)
        if k:
            causes.add("other_establishment")
        if src == "banque":
            has_siret, has_addr, has_city = (r.random() < p for p in rates["banque"])
            if has_siret and r.random() < 0.01:
                siret = "00000000000000"
            row = {"beneficiaire": name, "siret": fmt_id(siret, nz) if has_siret else "",
                   "adresse": render_street(street, nz) if has_addr else "", "cp": pc if has_city else "",
                   "commune": city.upper() if has_city else ""}
            present = has_siret or has_addr
        elif src == "douane":
            has_siren, has_city = (r.random() < p for p in rates["douane"])
            row = {"societe": name, "siren": fmt_id(c.siren, nz) if has_siren else "",
                   "ville": city if has_city else ""}
            present = has_siren
        else:
            has_addr, has_city, has_siret = (r.random() < p for p in rates["police"])
            row = {"etablissement": name, "adresse": f"{render_street(street, nz)} {pc} {city}" if has_addr else "",
                   "ville": city if has_city and not has_addr else "", "siret": fmt_id(siret, nz) if has_siret else ""}
            present = has_addr or has_siret
        if not present:
            causes.add("missing_fields")
        out[src][0].append(row)
        out[src][1].append((c, causes))
    result = {}
    for src, (rows, truth) in out.items():
        result[src] = (pd.DataFrame(rows), [{"company": c.cid, "causes": " ".join(sorted(causes | c.causes))}
                                            for c, causes in truth])
    return result


MENTION = {"registre": "company", "banque": "company", "douane": "company", "police": "company"}


def generate(n_records: int, out: Path, seed: int = 12, sparse: bool = False) -> dict:
    """Write the four files, their mappings, ``truth.csv`` and ``manifest.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    world = World(seed)
    world.populate(max(int(n_records / 2.3), 10))
    truth = []
    for src, (frame, rows) in records(world, n_records, seed, SPARSE if sparse else RATES).items():
        frame.to_csv(out / f"{src}.csv", sep=";", index=False, encoding="utf-8")
        for k, t in enumerate(rows):
            truth.append({"mention_id": f"{src}:{k + 1}:{MENTION[src]}", "entity_id": t["company"],
                          "entity_type": "company", "causes": t["causes"]})
        shutil.copy(MAPPINGS / f"{src}.yaml", out / f"{src}.yaml")
    truth_frame = pd.DataFrame(truth)
    truth_frame.to_csv(out / "truth.csv", index=False)
    manifest = {"version": VERSION, "records": len(truth_frame), "companies": len(world.companies), "seed": seed,
                "sparse": sparse,
                "mentions_per_cause": {c: int(truth_frame["causes"].str.contains(c).sum()) for c in CAUSES}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--sparse", action="store_true", help="far fewer identifiers and places (SPARSE)")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args()
    out = a.out or ROOT / "out" / "bench" / f"companies-{a.records}{'-sparse' if a.sparse else ''}"
    print(json.dumps(generate(a.records, out, a.seed, a.sparse), indent=1))


if __name__ == "__main__":
    main()
