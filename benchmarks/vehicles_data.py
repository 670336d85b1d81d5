"""Vehicle records as hard as real agency files, with ground truth (``benchmarks/causes_vehicle.py``).

Vehicles: French SIV plates (``AB-123-CD``; letters I, O, U never used, ``SS`` never issued, the
left pair concentrated on the series issued since 2009, ``AA`` to ``GZ``), old FNI plates
(``1234 AB 75``, a tenth of the fleet) and a few foreign plates; a VIN for most; make, model and
colour drawn from a skewed French market (many Clio, 208, Sandero...). Companies register
fleets on one day, so a fleet's plates follow one another (``FB-123-KD``, ``FB-124-KD``...):
sibling vehicles whose plates differ by one legitimate character, and share make, model and
colour.

Three files (``--rows`` records in all, each vehicle seen 1 to 8 times, skewed):

- ``pv.csv`` (police reports): plate as typed (``AB-123-CD``, ``ab 123 cd``, ``AB123CD``), VIN
  on half the rows, make/model/colour often, sometimes missing; a few rows with the VIN only.
- ``lapi.csv`` (plate readers): plate only, in the camera's layout; 9 % of reads carry an OCR
  confusion (0/O/D/Q, 1/I/L, 8/B, 5/S, 2/Z, 6/G), 3 % a dropped character (either end or the
  middle), a few both.
- ``controles.csv`` (roadside checks): plate and make/colour, sometimes the VIN.

Every row names its true vehicle (``truth``) and its cause (``clean``, ``format``, ``ocr``,
``dropped``, ``ocr+dropped``, ``vin_only``; ``fni`` and ``foreign`` for those plates) in
``truth.csv``; ``siblings.csv`` lists the pairs of sibling vehicles.
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

SIV_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"  # no I, O, U
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O, Q
#: make, model, market weight (a skewed French market: a few models make most of the fleet)
MODELS = [("RENAULT", "CLIO", 14), ("PEUGEOT", "208", 12), ("DACIA", "SANDERO", 10), ("PEUGEOT", "2008", 7),
          ("RENAULT", "CAPTUR", 7), ("CITROEN", "C3", 7), ("PEUGEOT", "308", 6), ("RENAULT", "MEGANE", 5),
          ("VOLKSWAGEN", "GOLF", 4), ("TOYOTA", "YARIS", 4), ("DACIA", "DUSTER", 4), ("RENAULT", "KANGOO", 4),
          ("CITROEN", "BERLINGO", 3), ("PEUGEOT", "PARTNER", 3), ("FIAT", "500", 2), ("BMW", "SERIE 3", 2),
          ("MERCEDES", "CLASSE A", 2), ("AUDI", "A3", 2), ("FORD", "TRANSIT", 2), ("RENAULT", "MASTER", 2),
          ("VOLKSWAGEN", "POLO", 2), ("OPEL", "CORSA", 2), ("SEAT", "LEON", 1), ("NISSAN", "QASHQAI", 1)]
COLOURS = [("BLANC", 25), ("GRIS", 24), ("NOIR", 18), ("BLEU", 11), ("ROUGE", 10), ("BEIGE", 3), ("VERT", 2),
           ("JAUNE", 1)]
DEPTS = ["75", "13", "69", "59", "93", "94", "92", "33", "31", "06", "44", "67", "34", "2A", "971"]
#: OCR look-alikes a plate reader confuses, both ways
OCR = {"0": "ODQ", "O": "0", "D": "0", "Q": "0", "1": "IL", "I": "1", "L": "1", "8": "B", "B": "8",
       "5": "S", "S": "5", "2": "Z", "Z": "2", "6": "G", "G": "6"}


def _pair(rng: np.random.Generator, first: str | None = None) -> str:
    while True:
        p = (first or SIV_LETTERS[rng.integers(0, 7)]) + SIV_LETTERS[rng.integers(0, len(SIV_LETTERS))]
        if p != "SS":
            return p


def _siv_left(rng: np.random.Generator) -> str:
    # series issued in order since 2009: AA..GZ, more of the recent ones
    first = "ABCDEFG"[min(int(rng.triangular(0, 6, 7)), 6)]
    return _pair(rng, first)


def _fleet_plates(rng: np.random.Generator, size: int) -> list[str]:
    """``size`` consecutive SIV registrations (one day's fleet), plates one character apart."""
    left, right = _siv_left(rng), _pair(rng)
    start = int(rng.integers(1, 999 - size))
    return [f"{left}-{n:03d}-{right}" for n in range(start, start + size)]


def _fni(rng: np.random.Generator) -> str:
    digits = str(int(rng.integers(1, 10 ** int(rng.integers(2, 5)))))
    letters = "".join(SIV_LETTERS[k] for k in rng.integers(0, len(SIV_LETTERS), int(rng.integers(2, 4))))
    return f"{digits} {letters} {DEPTS[int(rng.integers(0, len(DEPTS)))]}"


def _foreign(rng: np.random.Generator) -> str:
    kind = rng.integers(0, 3)
    if kind == 0:  # Spain 1234 BCD
        return f"{int(rng.integers(0, 10000)):04d} " + "".join(rng.choice(list("BCDFGHJKLMNPRSTVWXYZ"), 3))
    if kind == 1:  # Belgium 1-ABC-123
        return f"{rng.integers(1, 3)}-" + "".join(rng.choice(list(SIV_LETTERS), 3)) + f"-{rng.integers(0, 1000):03d}"
    return "".join(rng.choice(list("ABCDEFGHKLMN"), 2)) + f"-{rng.integers(0, 1000):03d}-" + "".join(
        rng.choice(list("ABCDEFGHKLMN"), 1))  # Netherlands-like AB-123-C


def _vin(rng: np.random.Generator) -> str:
    return "VF" + "".join(rng.choice(list(VIN_CHARS), 15))


def _layout(rng: np.random.Generator, plate: str, camera: bool) -> str:
    alnum = "".join(ch for ch in plate if ch.isalnum())
    r = rng.random()
    if camera:
        return alnum if r < 0.6 else plate if r < 0.85 else plate.replace("-", " ")
    if r < 0.55:
        return plate
    if r < 0.7:
        return plate.lower()
    if r < 0.85:
        return alnum
    return plate.replace("-", " ")


def _ocr(rng: np.random.Generator, text: str) -> str | None:
    spots = [k for k, ch in enumerate(text) if ch in OCR]
    if not spots:
        return None
    k = spots[int(rng.integers(0, len(spots)))]
    sub = OCR[text[k]]
    return text[:k] + sub[int(rng.integers(0, len(sub)))] + text[k + 1:]


def _drop(rng: np.random.Generator, text: str) -> str:
    """One character lost; the reader then cannot lay the plate out, so it sends letters and digits."""
    text = "".join(ch for ch in text if ch.isalnum())
    spots = list(range(len(text)))
    # readers lose the first or last character most often (plate frame, tow bar)
    r = rng.random()
    k = spots[0] if r < 0.3 else spots[-1] if r < 0.6 else spots[int(rng.integers(0, len(spots)))]
    return text[:k] + text[k + 1:]


def _weighted(rng: np.random.Generator, table: list[tuple]) -> tuple:
    w = np.array([t[-1] for t in table], dtype=float)
    return table[int(rng.choice(len(table), p=w / w.sum()))]


def generate(rows: int, out: Path, seed: int = 12) -> dict:
    """Write the three files, ``truth.csv`` and ``siblings.csv`` under ``out``; return counts."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    vehicles: list[dict] = []
    siblings: list[tuple[int, int]] = []
    seen_plates: set[str] = set()
    target = rows / 2.8  # mean sightings per vehicle
    while len(vehicles) < target:
        r = rng.random()
        if r < 0.05:  # a fleet: 2 to 8 consecutive plates, one make, model and colour
            plates = _fleet_plates(rng, int(rng.integers(2, 9)))
            make, model, _ = _weighted(rng, MODELS)
            colour = _weighted(rng, COLOURS)[0]
            if any(p in seen_plates for p in plates):
                continue
            first = len(vehicles)
            for p in plates:
                vehicles.append({"plate": p, "kind": "siv", "make": make, "model": model, "colour": colour,
                                 "vin": _vin(rng)})
            siblings += [(a, a + 1) for a in range(first, len(vehicles) - 1)]
            seen_plates.update(plates)
            continue
        kind = "fni" if r < 0.15 else "foreign" if r < 0.18 else "siv"
        plate = _fni(rng) if kind == "fni" else _foreign(rng) if kind == "foreign" else \
            f"{_siv_left(rng)}-{int(rng.integers(1, 1000)):03d}-{_pair(rng)}"
        if plate in seen_plates:
            continue
        seen_plates.add(plate)
        make, model, _ = _weighted(rng, MODELS)
        vehicles.append({"plate": plate, "kind": kind, "make": make, "model": model,
                         "colour": _weighted(rng, COLOURS)[0], "vin": _vin(rng) if kind != "foreign" else ""})
    files = {"pv": [], "lapi": [], "controles": []}
    truth = []
    counts = np.minimum(rng.geometric(1 / 2.9, len(vehicles)), 8)
    for v, n in enumerate(counts):
        car = vehicles[v]
        for _ in range(int(n)):
            source = ["pv", "lapi", "controles"][int(rng.choice(3, p=[0.3, 0.45, 0.25]))]
            cause = car["kind"] if car["kind"] != "siv" else "clean"
            plate = _layout(rng, car["plate"], source == "lapi")
            if plate != car["plate"] and cause == "clean":
                cause = "format"
            row = {"plate": plate}
            if source == "lapi":
                r = rng.random()
                if r < 0.09:
                    plate2 = _ocr(rng, plate)
                    if plate2:
                        row["plate"], cause = plate2, "ocr"
                elif r < 0.12:
                    row["plate"], cause = _drop(rng, plate), "dropped"
                elif r < 0.13:
                    plate2 = _ocr(rng, plate)
                    if plate2:
                        row["plate"], cause = _drop(rng, plate2), "ocr+dropped"
            else:
                row["make"] = car["make"] if rng.random() < 0.8 else ""
                row["model"] = car["model"] if source == "pv" and rng.random() < 0.7 else ""
                row["colour"] = car["colour"] if rng.random() < 0.7 else ""
                if rng.random() < 0.15:
                    row["make"] = row["make"].title()
                want_vin = 0.5 if source == "pv" else 0.15
                row["vin"] = car["vin"] if rng.random() < want_vin else ""
                if source == "pv" and car["vin"] and rng.random() < 0.04:
                    row["plate"], row["vin"], cause = "", car["vin"], "vin_only"
            rid = f"{source}-{len(files[source]) + 1}"
            row["ref"] = rid
            files[source].append(row)
            truth.append({"source": source, "row": len(files[source]), "ref": rid, "truth": v, "cause": cause})
    order = rng.permutation(len(truth))  # interleave the vehicles in each file
    for source, recs in files.items():
        idx = rng.permutation(len(recs))
        remap = {int(old) + 1: new + 1 for new, old in enumerate(idx)}
        files[source] = [recs[k] for k in idx]
        for t in truth:
            if t["source"] == source:
                t["row"] = remap[t["row"]]
    headers = {"pv": ["ref", "plate", "vin", "make", "model", "colour"], "lapi": ["ref", "plate"],
               "controles": ["ref", "plate", "make", "colour", "vin"]}
    for source, recs in files.items():
        with open(out / f"{source}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=headers[source], extrasaction="ignore")
            w.writeheader()
            w.writerows(recs)
    with open(out / "truth.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["source", "row", "ref", "truth", "cause"])
        w.writeheader()
        w.writerows(truth[k] for k in order)
    with open(out / "siblings.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "b"])
        w.writerows(siblings)
    return {"vehicles": len(vehicles), "rows": len(truth), "sibling_pairs": len(siblings)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--out", type=Path, default=Path("out/bench/vehicles"))
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()
    print(generate(args.rows, args.out, args.seed))
