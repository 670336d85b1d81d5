"""Splink 5 (DuckDB) on the person-scale files of ``benchmarks/persons_data.py``.

    python benchmarks/splink_persons.py out/bench/persons-100000     # prints scores and timings
    python benchmarks/splink_persons.py out/bench/realistic-100000 --model default

``--model scale`` (the default here, for the old synthetic case) blocks as the benchmark
scale model ``benchmarks/persons/matching/person.yaml``; ``--model default`` as linkgraph's
default ``rules/matching/person.yaml`` ([dob] and [first name, birth year] alone included),
and compares the phone line in use too. Files of both generators (``persons_data.py``,
``persons_realistic.py``, four agency files or the single ``persons.csv``) are read; a
missing column (no phone in the old files) is NULL.

Called by ``benchmarks/persons_scale.py`` in its own process. Fully unsupervised; the truth
is read only to score. The set-up is the careful one the FEBRL reference uses
(``splink_febrl.py``), adapted to these files:

* reading: the four files with pandas (cp1252 / UTF-8, JSON lines flattened);
* cleaning (vectorized pandas): accents stripped, lower case, punctuation to spaces, empty ->
  NULL; police "NOM Prénom" split on case (leading upper-case words = last name; "Prénom NOM"
  recognised too); birthplaces without their "(dept)" / "- country" suffix; police addresses
  split into street, postcode, city; street abbreviations expanded and building suffixes
  dropped; birth dates parsed per file format to ISO ``yyyy-mm-dd``; a metaphone key of each
  name (jellyfish, once per distinct value) for blocking and a phonetic level;
* blocking (prediction): the same rules as the linkgraph model of the run (:data:`BLOCKING`):
  ``scale`` (``benchmarks/persons/matching/person.yaml``): first+last, metaphone first+last,
  swapped first/last, dob+metaphone first, dob+metaphone last, dob+postcode, metaphone
  last+birth year; ``default`` (``rules/matching/person.yaml``): first+last, metaphone
  first+last, swapped, dob, metaphone last+birth year, metaphone first+birth year, phone;
* comparisons: first / last name: exact (TF) / swapped (symmetric) / metaphone / JW >= 0.92 /
  JW >= 0.8; dob: exact / day-month swapped / DL <= 1 / within a year; birthplace: exact (TF) /
  JW >= 0.9; address: exact / JW >= 0.88; postcode: exact; city: exact (TF); phone: exact
  (``default`` only; digits, +33 read as 0);
* training: prior from deterministic rules (first+last+dob) with recall 0.8; u from 1e7
  random pairs (seed 42); m by EM blocked on dob, then on first+last (u fixed), each on at most
  5M blocked pairs (Splink 5's ``max_pairs`` sampling; without it EM on dob takes ~250 s at 1M);
* prediction at match probability 0.5 (the Bayes decision point), clustering by connected
  components at the same threshold.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

THRESHOLD = 0.5
EM_MAX_PAIRS = 5e6
ABBR = {r"\bav\b\.?": "avenue", r"\bbd\b\.?": "boulevard", r"\bbld\b\.?": "boulevard", r"\bch\b\.?": "chemin",
        r"\bimp\b\.?": "impasse", r"\bpl\b\.?": "place", r"\bfbg\b\.?": "faubourg", r"\brte\b\.?": "route",
        r"\bst\b": "saint", r"\bste\b": "sainte"}
UPPER = r"[A-ZÀ-ÖØ-Þ'\-]+"


def ascii_lower(s: pd.Series) -> pd.Series:
    """Accents off, lower case, punctuation to spaces, spaces collapsed, empty -> NA."""
    s = s.astype("string").str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    s = s.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
    return s.mask(s == "")


def split_full_name(full: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'BEN ALI Mohamed' -> ('BEN ALI', 'Mohamed'); 'Mohamed BEN ALI' too; all upper: first word = last name."""
    full = full.astype("string").str.strip()
    a = full.str.extract(rf"^((?:{UPPER}\s+)*{UPPER})\s+(.*[a-zß-ÿ].*)$")
    b = full.str.extract(rf"^(.*[a-zß-ÿ].*?)\s+((?:{UPPER}\s+)*{UPPER})$")
    c = full.str.extract(r"^(\S+)\s+(.*)$")
    last = a[0].fillna(b[1]).fillna(c[0]).fillna(full)
    first = a[1].fillna(b[0]).fillna(c[1])
    return last, first


def clean_birthplace(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.replace(r"\s*(\([^)]*\)|\s-\s.*)$", "", regex=True)
    return ascii_lower(s)


def clean_street(s: pd.Series) -> pd.Series:
    s = ascii_lower(s.astype("string").str.replace(r"(?i)^cit[ée] [^,]*,\s*", "", regex=True))
    s = s.str.replace(r"\s(bat|batiment)\s[a-z]$", "", regex=True)
    for pat, rep in ABBR.items():
        s = s.str.replace(pat, rep, regex=True)
    return s


def iso_dates(s: pd.Series, fmt: str) -> pd.Series:
    d = pd.to_datetime(s.astype("string").replace("", None), format=fmt, errors="coerce")
    return d.dt.strftime("%Y-%m-%d").astype("string")


def clean_phone(s: pd.Series) -> pd.Series:
    """'06 12 34 56 78', '+33612345678' -> '0612345678'; empty -> NA."""
    s = s.astype("string").str.replace(r"\D", "", regex=True).str.replace(r"^33", "0", regex=True)
    return s.mask(s == "")


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series([""] * len(frame), index=frame.index)


def load(folder: Path) -> pd.DataFrame:
    """The agency files (or the single ``persons.csv``) as one cleaned table (``unique_id`` =
    linkgraph's mention id)."""
    if (folder / "persons.csv").exists():
        df = _load_single(folder)
    else:
        df = _load_agencies(folder)
    return _clean(df)


def _load_single(folder: Path) -> pd.DataFrame:
    s = pd.read_csv(folder / "persons.csv", sep=";", dtype=str, keep_default_na=False)
    return pd.DataFrame({"unique_id": "persons:" + pd.Series(np.arange(1, len(s) + 1)).astype(str) + ":person",
                         "first": s["prenom"], "last": s["nom"], "dob": iso_dates(s["date_naissance"], "%d/%m/%Y"),
                         "birthplace": s["commune_naissance"], "street": s["adresse"], "postcode": s["code_postal"],
                         "city": s["commune"], "phone": s["telephone"]})


def _load_agencies(folder: Path) -> pd.DataFrame:
    parts = []
    p = pd.read_csv(folder / "police.csv", sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    last, first = split_full_name(p["NOM Prénom"])
    addr = p["adresse"].astype("string").str.extract(r"^(.*?)\s+(\d{5})\s+(.*)$")
    parts.append(pd.DataFrame({"unique_id": "police:" + pd.Series(np.arange(1, len(p) + 1)).astype(str) + ":suspect",
                               "first": first, "last": last, "dob": iso_dates(p["date_naissance"], "%d/%m/%Y"),
                               "birthplace": p["lieu_naissance"], "street": addr[0], "postcode": addr[1],
                               "city": addr[2], "phone": _col(p, "telephone")}))
    g = pd.read_csv(folder / "gendarmerie.csv", sep=",", dtype=str, keep_default_na=False)
    parts.append(pd.DataFrame({"unique_id": "gendarmerie:" + pd.Series(np.arange(1, len(g) + 1)).astype(str) + ":person",
                               "first": g["prenom"], "last": g["nom"], "dob": iso_dates(g["date_naissance"], "%Y-%m-%d"),
                               "birthplace": g["commune_naissance"], "street": g["adresse"],
                               "postcode": g["code_postal"], "city": g["commune"], "phone": _col(g, "telephone")}))
    b = pd.read_csv(folder / "bailleur.csv", sep=";", dtype=str, keep_default_na=False)
    parts.append(pd.DataFrame({"unique_id": "bailleur:" + pd.Series(np.arange(1, len(b) + 1)).astype(str) + ":tenant",
                               "first": b["prenom"], "last": b["nom"], "dob": iso_dates(b["date_naissance"], "%d/%m/%Y"),
                               "birthplace": None, "street": b["adresse"], "postcode": b["code_postal"],
                               "city": b["ville"], "phone": _col(b, "telephone")}))
    d = pd.json_normalize(pd.read_json(folder / "douane.jsonl", lines=True, dtype=False)["personne"].tolist())
    parts.append(pd.DataFrame({"unique_id": "douane:" + pd.Series(np.arange(1, len(d) + 1)).astype(str) + ":passenger",
                               "first": d["prenom"], "last": d["nom"], "dob": iso_dates(d["naissance"], "%Y%m%d"),
                               "birthplace": d["lieu_naissance"], "street": d["adresse"],
                               "postcode": d["code_postal"], "city": d["ville"], "phone": _col(d, "telephone")}))
    return pd.concat(parts, ignore_index=True)


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"unique_id": df["unique_id"]})
    out["first_name"] = ascii_lower(df["first"])
    out["last_name"] = ascii_lower(df["last"])
    out["dob"] = df["dob"]
    out["birth_year"] = df["dob"].str[:4]
    out["birthplace"] = clean_birthplace(df["birthplace"])
    out["address"] = clean_street(df["street"])
    out["postcode"] = ascii_lower(df["postcode"])
    out["city"] = ascii_lower(df["city"])
    out["phone"] = clean_phone(df["phone"])
    import jellyfish

    for col in ("first_name", "last_name"):
        uniq = out[col].dropna().unique()
        codes = {v: jellyfish.metaphone(v.replace(" ", "")) for v in uniq}   # once per distinct value
        out[col + "_mp"] = out[col].map(codes)
    return out.astype(object).where(out.notna(), None)


BLOCKING = {
    # benchmarks/persons/matching/person.yaml
    "scale": [("first_name", "last_name"), ("first_name_mp", "last_name_mp"), "swapped", ("dob", "first_name_mp"),
              ("dob", "last_name_mp"), ("dob", "postcode"), ("last_name_mp", "birth_year")],
    # rules/matching/person.yaml (id_number: none in these files)
    "default": [("first_name", "last_name"), ("first_name_mp", "last_name_mp"), "swapped", ("dob",),
                ("last_name_mp", "birth_year"), ("first_name_mp", "birth_year"), ("phone",)],
}


def settings(model: str = "scale"):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def name(col: str, other: str):
        return cl.CustomComparison(output_column_name=col, comparison_levels=[
            cll.NullLevel(col),
            cll.ExactMatchLevel(col).configure(tf_adjustment_column=col),
            cll.ColumnsReversedLevel(col, other, symmetrical=True),
            cll.ExactMatchLevel(col + "_mp").configure(label_for_charts="same metaphone"),
            cll.JaroWinklerLevel(col, 0.92),
            cll.JaroWinklerLevel(col, 0.8),
            cll.ElseLevel()])

    swap = ("substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
            "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)")
    dob = cl.CustomComparison(output_column_name="dob", comparison_levels=[
        cll.NullLevel("dob"), cll.ExactMatchLevel("dob"),
        cll.CustomLevel(swap, "day and month swapped"),
        cll.DamerauLevenshteinLevel("dob", 1),
        cll.AbsoluteDateDifferenceLevel("dob", threshold=1, metric="year", input_is_string=True,
                                        datetime_format="%Y-%m-%d"),
        cll.ElseLevel()])

    def text(col: str, jw: float, tf: bool):
        exact = cll.ExactMatchLevel(col)
        if tf:
            exact = exact.configure(tf_adjustment_column=col)
        return cl.CustomComparison(output_column_name=col, comparison_levels=[
            cll.NullLevel(col), exact, cll.JaroWinklerLevel(col, jw), cll.ElseLevel()])

    return SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            "l.first_name = r.last_name AND l.last_name = r.first_name" if rule == "swapped" else block_on(*rule)
            for rule in BLOCKING[model]],
        comparisons=[name("first_name", "last_name"), name("last_name", "first_name"), dob,
                     text("birthplace", 0.9, True), text("address", 0.88, False),
                     cl.ExactMatch("postcode"), cl.ExactMatch("city").configure(term_frequency_adjustments=True)]
        + ([cl.ExactMatch("phone")] if model == "default" else []),
        retain_intermediate_calculation_columns=False, retain_matching_columns=False)


def run(folder: str, model: str = "scale") -> dict:
    """Read, clean, train, predict, cluster; return cluster labels' scores and timings."""
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    timings: dict[str, float] = {}
    t0 = t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 2)
        t = now

    df = load(Path(folder))
    lap("read_clean")
    db = DuckDBAPI()
    linker = Linker(db.register(df, dataset_display_name="persons"), settings(model))
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "dob")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=42)
    lap("prior_u")
    # EM on a sample of at most EM_MAX_PAIRS blocked pairs (Splink 5's own way to scale EM;
    # blocking on dob alone gives ~25M pairs at 1M records and EM then takes four minutes)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"), max_pairs=EM_MAX_PAIRS)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "last_name"),
                                                                       max_pairs=EM_MAX_PAIRS)
    lap("em")
    pred = linker.inference.predict(threshold_match_probability=THRESHOLD)
    lap("predict")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_probability=THRESHOLD)
    clu = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    lap("cluster")
    seconds = time.perf_counter() - t0
    return {"labels": clu, "seconds": seconds, "timings": timings}


def main(folder: str, model: str = "scale") -> None:
    from linkgraph.evaluate.metrics import pairwise_scores

    out = run(folder, model)
    print("READY", flush=True)  # benchmarks/persons_scale.py stops its clock here (scoring is not Splink's work)
    truth = pd.read_csv(Path(folder) / "truth.csv", dtype=str).set_index("mention_id")["entity_id"]
    labels = out["labels"].set_index("unique_id")["cluster_id"].reindex(truth.index)
    s = pairwise_scores(labels.to_numpy(), truth.to_numpy())
    print(json.dumps({"precision": s.precision, "recall": s.recall, "f1": s.f1, "tp": s.tp, "fp": s.fp, "fn": s.fn,
                      "seconds": out["seconds"], "timings": out["timings"]}))


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--model", choices=["default", "scale"], default="scale")
    a = ap.parse_args()
    main(a.folder, a.model)
