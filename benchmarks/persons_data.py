"""N person records with duplicates across agencies, for the person-matching scale benchmark.

    python benchmarks/persons_data.py --records 100000 --out out/bench/persons-100000

Reuses the fixtures' machinery: people come from :meth:`fixtures.world.World.new_person`
(origins, name variants, birthplaces, addresses, moves), and every record is written by one
agency in its own conventions through :class:`fixtures.noise.Noise` and the fixtures'
renderers (transliterations, accents, typos, hyphens, day/month swaps, missing values,
"NOM Prénom" in one column, birthplace and address forms). Twins (same last name, birth
date, birthplace and address, different first name) are planted as hard negatives. A fifth of
the people bear the fixtures' common surnames (namesakes collide on their own at this size);
the others a rarer synthetic surname, for a long tail of name frequencies as in a real
population.

Four files, one per agency, each read by linkgraph through its mapping in
``benchmarks/persons/`` (copied next to the data):

* ``police.csv``: cp1252, ``;``, "NOM Prénom", dd/mm/yyyy, address in one string;
* ``gendarmerie.csv``: UTF-8, ``,``, separate names, ISO dates, postcode and city apart;
* ``bailleur.csv``: UTF-8, ``;``, upper-case names, dd/mm/yyyy, half the birth dates missing;
* ``douane.jsonl``: one JSON object per line, the person nested, birth date ``yyyymmdd``.

``truth.csv`` gives every record's mention id (``source:row:mention``) and its true person.
Same (records, seed) give byte-identical files.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fixtures.noise import Noise, fmt_date  # noqa: E402
from fixtures.sources import full_name_police, rand_date, render_birthplace, render_city, render_street  # noqa: E402
from fixtures.world import World  # noqa: E402

MAPPINGS = Path(__file__).resolve().parent / "persons"
#: agency -> share of the records
AGENCIES = {"police": 0.35, "gendarmerie": 0.30, "bailleur": 0.15, "douane": 0.20}
#: agency -> mention name in its mapping
MENTION = {"police": "suspect", "gendarmerie": "person", "bailleur": "tenant", "douane": "passenger"}
TWIN_RATE = 0.01
#: share of people whose last name comes from the fixtures' (small, very common) pools; the
#: others get a rarer synthetic surname, so that name frequencies have a long tail as in a real
#: population (a few hundred surnames cannot carry a million records)
POOL_SURNAMES = 0.2
_ONSETS = ["b", "br", "ch", "d", "f", "g", "gr", "j", "l", "m", "n", "p", "r", "s", "t", "v", "k", "h", "z", "tr"]
_VOWELS = ["a", "e", "i", "o", "ou", "au", "é", "ai", "ei"]
_CODAS = ["", "n", "r", "l", "s", "t", "d", "m", "x", "z"]
_ENDINGS = ["", "", "et", "ard", "ier", "in", "on", "eau", "ini", "ez", "ane", "aoui", "ou", "ba"]


def synthetic_surname(r: random.Random) -> list[str]:
    """A pronounceable rare surname with its spelling variants ('Gauret', 'Gaurret', 'Gorret')."""
    word = "".join(r.choice(_ONSETS) + r.choice(_VOWELS) + r.choice(_CODAS) for _ in range(r.choice([1, 2, 2, 3])))
    word = (word + r.choice(_ENDINGS)).capitalize()
    variants = [word]
    for a, b in (("au", "o"), ("ou", "u"), ("é", "e"), ("k", "c"), ("ai", "e"), ("z", "s")):
        if a in word[1:] and len(variants) < 3:
            variants.append(word[0] + word[1:].replace(a, b, 1))
    m = re.search(r"([rlnt])", word[1:])
    if m and len(variants) < 3:
        k = m.start() + 1
        variants.append(word[:k] + word[k] + word[k:])
    return variants


def _records_of(r: random.Random) -> int:
    """How many records one person has: 1 + a geometric draw (mean about 1.8), at most 6."""
    return 1 + min(5, int(r.expovariate(0.8)))


def _police(p, d: date, nz: Noise, k: int) -> dict:
    r = nz.r
    a = p.address_at(d)
    addr = "" if nz.p(0.08) else f"{render_street(a, nz)} {a.postcode} {render_city(a.city, nz, upper=r.random() < 0.5)}"
    return {"num_procedure": f"{d.year}/{k:07d}", "date_faits": fmt_date(d, "dmy"),
            "NOM Prénom": full_name_police(p, nz),
            "date_naissance": "" if nz.p(0.08) else nz.dob(p.dob, "dmy"),
            "lieu_naissance": "" if nz.p(0.15) else render_birthplace(p, nz, upper=r.random() < 0.5),
            "adresse": addr}


def _gendarmerie(p, d: date, nz: Noise, k: int) -> dict:
    r = nz.r
    last = nz.name(p.last, translit=0.12, accents=0.3).upper()
    first = nz.name(p.first, translit=0.12, accents=0.2)
    if nz.p(0.08):
        first = first.upper()
    if nz.p(0.02):
        last, first = first, last
    a = p.address_at(d)
    return {"num_pv": f"{k:07d}/{d.year}", "date_fait": fmt_date(d, "iso"), "nom": last, "prenom": first,
            "sexe": "" if nz.p(0.03) else p.sex,
            "date_naissance": "" if nz.p(0.05) else nz.dob(p.dob, "iso"),
            "commune_naissance": "" if nz.p(0.1) else render_birthplace(p, nz, upper=r.random() < 0.3),
            "adresse": "" if nz.p(0.08) else render_street(a, nz),
            "code_postal": a.postcode, "commune": render_city(a.city, nz, upper=r.random() < 0.5)}


def _bailleur(p, d: date, nz: Noise, k: int) -> dict:
    r = nz.r
    a = p.address_at(d)
    return {"reference": f"SIG-{k:07d}", "date_signalement": fmt_date(d, "dmy"),
            "adresse": render_street(a, nz, building=False), "code_postal": a.postcode,
            "ville": render_city(a.city, nz, upper=True),
            "nom": nz.name(p.last, translit=0.08, accents=0.5).upper(),
            "prenom": nz.name(p.first, translit=0.08, accents=0.5).upper(),
            "date_naissance": nz.dob(p.dob, "dmy") if r.random() < 0.5 else ""}


def _douane(p, d: date, nz: Noise, k: int) -> dict:
    a = p.address_at(d)
    dob = "" if nz.p(0.04) else nz.dob(p.dob, "iso").replace("-", "")
    last = nz.name(p.last, translit=0.15, accents=0.6, typo=0.03).upper()
    first = nz.name(p.first, translit=0.15, accents=0.6, typo=0.03)
    return {"id_controle": f"DN-{k:07d}", "date": fmt_date(d, "iso"),
            "personne": {"nom": last, "prenom": first, "naissance": dob,
                         "lieu_naissance": "" if nz.p(0.2) else render_birthplace(p, nz, upper=True),
                         "adresse": "" if nz.p(0.3) else render_street(a, nz),
                         "code_postal": "" if nz.p(0.3) else a.postcode,
                         "ville": "" if nz.p(0.2) else render_city(a.city, nz, upper=True)}}


RENDER = {"police": _police, "gendarmerie": _gendarmerie, "bailleur": _bailleur, "douane": _douane}


def people(n_records: int, seed: int) -> tuple[World, list]:
    """Persons (with twins) and how many records each gets, until ``n_records`` are planned."""
    w = World(seed, scale=1.0)
    r = random.Random(f"{seed}:persons")
    plan: list = []
    total = 0
    while total < n_records:
        last = None if r.random() < POOL_SURNAMES else synthetic_surname(r)
        p = w.new_person(age=(18, 70), last=last)
        p.id = f"P{len(w.persons):07d}"
        k = min(_records_of(r), n_records - total)
        plan.append((p, k))
        total += k
        if total < n_records and r.random() < TWIN_RATE:
            firsts = [f for f in (w.r.choice(_firsts(p)) for _ in range(5)) if f[0] != p.first[0]]
            if firsts:
                t = w.new_person(origin=p.origin, sex=p.sex, first=firsts[0], last=p.last, dob=p.dob,
                                 birth=(p.birth_city, p.birth_where, p.born_abroad, p.nationality),
                                 home=p.addresses[0], move=0.0)
                t.id = f"P{len(w.persons):07d}"
                t.plan["twin"] = 1
                k = min(_records_of(r), n_records - total)
                plan.append((t, k))
                total += k
    return w, plan


def _firsts(p) -> list:
    from fixtures import names as N

    _, m_first, f_first, _, _, _ = N.ORIGINS[p.origin]
    return m_first if p.sex == "M" else f_first


def generate(out: Path, n_records: int, seed: int = 7) -> dict:
    """Write the four files, their mappings and ``truth.csv`` into ``out``; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    _, plan = people(n_records, seed)
    r = random.Random(f"{seed}:records")
    nz = Noise(r, 1.0)
    names, weights = list(AGENCIES), list(AGENCIES.values())
    events = []
    for p, k in plan:
        for agency in r.choices(names, weights, k=k):
            events.append((rand_date(r), agency, p))
    r.shuffle(events)
    rows: dict[str, list] = {a: [] for a in names}
    truth: dict[str, list] = {a: [] for a in names}
    for n, (d, agency, p) in enumerate(events):
        rows[agency].append(RENDER[agency](p, d, nz, n))
        truth[agency].append(p.id)
    files = {}
    for agency in names:
        path = out / ("douane.jsonl" if agency == "douane" else f"{agency}.csv")
        if agency == "douane":
            text = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in rows[agency])
            path.write_text(text, encoding="utf-8")
        else:
            sep = "," if agency == "gendarmerie" else ";"
            frame = pd.DataFrame(rows[agency])
            enc = "cp1252" if agency == "police" else "utf-8"
            frame.to_csv(path, sep=sep, index=False, encoding=enc, lineterminator="\r\n" if agency == "police" else "\n")
        files[agency] = path.name
        shutil.copy(MAPPINGS / f"{agency}.yaml", out / f"{agency}.yaml")
    parts = [pd.DataFrame({"mention_id": [f"{a}:{i}:{MENTION[a]}" for i in range(1, len(truth[a]) + 1)],
                           "entity_id": truth[a], "source": a}) for a in names]
    t = pd.concat(parts, ignore_index=True)
    t.to_csv(out / "truth.csv", index=False)
    sizes = t.groupby("entity_id").size()
    manifest = {"records": int(len(t)), "seed": seed, "persons": int(len(sizes)),
                "true_pairs": int((sizes * (sizes - 1) // 2).sum()),
                "files": files, "rows": {a: len(rows[a]) for a in names}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def ensure(out: Path, n_records: int, seed: int = 7) -> dict:
    """Generate unless ``out`` already holds the same (records, seed)."""
    m = out / "manifest.json"
    if m.exists():
        manifest = json.loads(m.read_text())
        if manifest.get("records") == n_records and manifest.get("seed") == seed:
            return manifest
    shutil.rmtree(out, ignore_errors=True)
    return generate(out, n_records, seed)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    print(json.dumps(ensure(args.out, args.records, args.seed), indent=1))


if __name__ == "__main__":
    main()
