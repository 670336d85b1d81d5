"""Company matching accuracy, overall and per cause, through the normal pipeline with the default model.

    python benchmarks/causes_company.py --records 20000
    python benchmarks/causes_company.py --records 20000 --errors 20     # show some wrong pairs too
    python benchmarks/causes_company.py --records 20000 --sparse        # far fewer identifiers and places

Generates (once, cached under ``out/bench/companies-N``) the company files of
``benchmarks/companies_data.py`` (four agency files, ground truth, the causes each mention
carries), resolves them with ``linkgraph.api.resolve_sources`` and the models of
``rules/matching/`` (company.yaml as a user gets it, trained on the data) and prints pairwise
precision / recall / F1 over all company mentions and per cause. A cause's figures count the
pairs that involve at least one mention carrying it (a typo'd name, a misspelt legal form, a
SIRET of another establishment, a name-only mention, a company with a namesake in another or in
the same town): the pairs of the rest are subtracted from the totals (cluster-size counting,
no pair enumerated).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (HERE, ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from companies_data import CAUSES, VERSION, generate  # noqa: E402

from linkgraph.api import load_mappings, resolve_sources  # noqa: E402
from linkgraph.evaluate.metrics import PairScores, pairwise_scores  # noqa: E402


def data(records: int, seed: int, sparse: bool = False) -> Path:
    out = ROOT / "out" / "bench" / (f"companies-{records}" + ("" if seed == 12 else f"-s{seed}")
                                    + ("-sparse" if sparse else ""))
    manifest = out / "manifest.json"
    if not manifest.exists() or json.loads(manifest.read_text()).get("version") != VERSION:
        generate(records, out, seed, sparse)
    return out


def ceiling(frame: pd.DataFrame, mentions: pd.DataFrame) -> PairScores:
    """The best any method can do: the truth, except that a mention giving no SIREN, SIRET,
    address, postcode or town, whose normalized name several true companies bear, stays alone
    (nothing in the files says which of them it is)."""
    m = mentions.set_index("mention_id")
    cols = [c for c in ("siren", "address", "postcode", "city") if c in m]
    placed = m[cols].notna().any(axis=1).reindex(frame["mention_id"]).to_numpy()
    name = m["name"].reindex(frame["mention_id"]).to_numpy()
    bearers = pd.Series(frame["truth"].to_numpy()).groupby(name).nunique()
    ambiguous = ~placed & (pd.Series(name).map(bearers).fillna(1).to_numpy() > 1)
    best = frame["truth"].where(~ambiguous, "alone:" + frame["mention_id"])
    return pairwise_scores(best, frame["truth"])


def per_cause(frame: pd.DataFrame) -> dict[str, PairScores]:
    """Pairwise scores over all mentions (``all``) and over the pairs touching each cause's mentions."""
    total = pairwise_scores(frame["entity_id"], frame["truth"])
    out = {"all": total}
    clean = frame["causes"] == ""
    for cause in [*CAUSES, "clean"]:
        has = clean if cause == "clean" else frame["causes"].str.contains(cause, regex=False)
        rest = pairwise_scores(frame.loc[~has, "entity_id"], frame.loc[~has, "truth"])
        out[cause] = PairScores(total.tp - rest.tp, total.fp - rest.fp, total.fn - rest.fn)
    return out


def table(scores: dict[str, PairScores], frame: pd.DataFrame) -> str:
    lines = ["| cause | mentions | true pairs | precision | recall | F1 |", "|---|---:|---:|---:|---:|---:|"]
    for cause, s in scores.items():
        n = len(frame) if cause == "all" else int((frame["causes"] == "").sum()) if cause == "clean" else \
            int(frame["causes"].str.contains(cause, regex=False).sum())
        lines.append(f"| {cause} | {n:,} | {s.tp + s.fn:,} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} |")
    return "\n".join(lines)


def errors(frame: pd.DataFrame, result, k: int) -> str:
    """A few missed pairs and wrong merges with the normalized columns of both sides."""
    m = result.mentions.set_index("mention_id")
    cols = [c for c in ("name", "siren", "address", "postcode", "city") if c in m]
    lines = []
    rng = np.random.default_rng(0)
    missed = frame.groupby("truth")["entity_id"].nunique()
    for t in rng.permutation(missed[missed > 1].index.to_numpy())[:k]:
        part = frame[frame["truth"] == t]
        lines.append(f"MISSED {t}:")
        lines += [f"   {e} {r.causes!s:<30} " + " | ".join(str(m.at[r.mention_id, c]) for c in cols)
                  for r, e in zip(part.itertuples(), part["entity_id"])]
    wrong = frame.groupby("entity_id")["truth"].nunique()
    for e in rng.permutation(wrong[wrong > 1].index.to_numpy())[:k]:
        part = frame[frame["entity_id"] == e]
        lines.append(f"MERGED {e}:")
        lines += [f"   {r.truth} {r.causes!s:<30} " + " | ".join(str(m.at[r.mention_id, c]) for c in cols)
                  for r in part.itertuples()]
    return "\n".join(lines)


def weights(model) -> str:
    """The trained model: per comparison level, m, u and the weight in bits; the prior."""
    lines = [f"prior λ={model.probability_two_random_records_match:.3g} "
             f"({np.log2(model.probability_two_random_records_match):+.2f} bits)"]
    for c in model.comparisons:
        for lvl in c.levels:
            lines.append(f"  {c.name:<10} {lvl.describe(c.column):<45} m={lvl.m:.4f} u={lvl.u:.6f} "
                         f"w={np.log2(lvl.m / lvl.u):+.2f}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--sparse", action="store_true", help="the generator's harder variant (far fewer fields)")
    ap.add_argument("--weights", action="store_true", help="print the trained company model's weights")
    ap.add_argument("--errors", type=int, default=0, help="print this many missed and wrongly merged entities")
    a = ap.parse_args()
    folder = data(a.records, a.seed, a.sparse)
    mappings = load_mappings(folder)
    t0 = time.perf_counter()
    result = resolve_sources([(mp, folder / mp.file) for mp in mappings])
    seconds = time.perf_counter() - t0
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    mentions = result.mentions[result.mentions["entity_type"] == "company"][["mention_id", "entity_id"]]
    frame = truth.rename(columns={"entity_id": "truth"}).merge(mentions, on="mention_id", how="left")
    scores = per_cause(frame)
    print(f"companies: {len(frame):,} mentions of {frame['truth'].nunique():,} companies "
          f"({folder}), resolved in {seconds:.1f} s; {platform.node()} {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")
    print(table(scores, frame))
    best = ceiling(frame, result.mentions[result.mentions["entity_type"] == "company"])
    print(f"ceiling (name-only mentions of a name several companies bear left alone): precision="
          f"{best.precision:.4f} recall={best.recall:.4f} F1={best.f1:.4f}")
    if a.weights:
        print(weights(result.models["company"]))
    if a.errors:
        print(errors(frame, result, a.errors))


if __name__ == "__main__":
    main()
