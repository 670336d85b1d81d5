"""Comparison levels over candidate pairs, vectorized (``rapidfuzz.process.cpdist``)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA, Jaro, JaroWinkler, Levenshtein

from linkgraph.match.settings import Comparison, Level

NULL = -1


def positional(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` indexed 0..n-1: itself when it is already (no copy), else a copy with that index."""
    index = df.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return df
    return df.reset_index(drop=True)


class Columns:
    """Per-column caches over one table of records: factorized codes and string values.

    Safe to share between threads: an entry is computed from the table alone, so two threads
    that both miss compute the same thing, and distinct values are stored before their codes.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self._codes: dict[str, np.ndarray] = {}
        self._values: dict[str, np.ndarray] = {}
        self._swapped: dict[str, np.ndarray] = {}
        self._uniques: dict[str, pd.Index] = {}

    def values(self, col: str) -> np.ndarray:
        if col not in self._values:
            s = self.df[col] if col in self.df else pd.Series(None, index=self.df.index, dtype=object)
            self._values[col] = s.astype(object).where(s.notna(), None).to_numpy()
        return self._values[col]

    def codes(self, col: str) -> np.ndarray:
        """Factorized codes of ``col`` (-1 = missing)."""
        if col not in self._codes:
            s = self.df[col] if col in self.df else None
            # an object column factorizes as it is (None and NaN are both missing); others as values()
            source = s if s is not None and s.dtype == object else pd.Series(self.values(col))
            codes, uniques = pd.factorize(source, use_na_sentinel=True)
            # values first: another thread takes a present code array as "values ready too"
            self._uniques[col] = pd.Index(uniques, dtype=object)
            self._codes[col] = codes
        return self._codes[col]

    def shared_codes(self, col_a: str, col_b: str) -> tuple[np.ndarray, np.ndarray]:
        """Codes of two columns in one code space, so values can be compared across them."""
        key = f"{col_a}\x1f{col_b}"
        if key not in self._codes and f"{col_b}\x1f{col_a}" in self._codes:  # one code space serves both ways
            b, a = self.shared_codes(col_b, col_a)
            return a, b
        if key not in self._codes:
            a, b = (self.df[c] if c in self.df and self.df[c].dtype == object else pd.Series(self.values(c))
                    for c in (col_a, col_b))
            codes = pd.factorize(pd.concat([a, b], ignore_index=True), use_na_sentinel=True)[0]
            self._codes[key] = codes
        codes = self._codes[key]
        return codes[: len(self.df)], codes[len(self.df):]

    def shared_uniques(self, col_a: str, col_b: str) -> np.ndarray:
        """The distinct values indexed by :meth:`shared_codes` of ``col_a`` and ``col_b``."""
        key = f"{col_a}\x1f{col_b}\x1funiques"
        if key not in self._values:
            a, b = self.shared_codes(col_a, col_b)
            values = np.concatenate([self.values(col_a), self.values(col_b)])
            codes = np.concatenate([a, b])
            out = np.empty(int(codes.max()) + 1 if len(codes) and codes.max() >= 0 else 0, dtype=object)
            ok = codes >= 0
            out[codes[ok]] = values[ok]
            self._values[key] = out
        return self._values[key]

    def derived(self, col: str, how: str) -> np.ndarray:
        """Per-record derived values: ``first`` word, ``initial`` letter, ``single`` (one letter),
        ``whole`` (one word)."""
        key = f"{col}\x1f{how}"
        if key not in self._values:
            codes = self.codes(col)  # computed once per distinct value, then spread to the records
            s = pd.Series(self._uniques[col].to_numpy(dtype=object)).astype("string")
            if how == "first":
                out = s.str.split(" ", n=1).str[0]
            elif how == "initial":
                out = s.str[:1]
            elif how == "whole":  # one word: the first word is the whole value
                whole = np.append((s.str.split(" ", n=1).str[0] == s).fillna(False).to_numpy(dtype=bool), False)
                self._values[key] = whole[codes]
                return self._values[key]
            else:
                single = np.append((s.str.len() == 1).fillna(False).to_numpy(dtype=bool), False)
                self._values[key] = single[codes]
                return self._values[key]
            per_value = np.append(out.astype(object).where(out.notna(), None).to_numpy(dtype=object), None)
            self._values[key] = per_value[codes]
        return self._values[key]

    def date_parts(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """Per record, the year of an ISO date (-1 = missing or not a date) and a code of its
        month and day (-1 likewise), computed once per distinct date."""
        key = f"{col}\x1fdate_parts"
        if key not in self._values:
            codes = self.codes(col)
            s = pd.Series(self._uniques[col].to_numpy(dtype=object)).astype("string")
            ok = s.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
            year = np.where(ok, pd.to_numeric(s.str[:4], errors="coerce").fillna(-1).to_numpy(), -1).astype(np.int64)
            month_day = pd.factorize(s.str[5:].where(ok))[0].astype(np.int64)
            self._values[key] = (np.append(year, -1)[codes], np.append(month_day, -1)[codes])
        return self._values[key]

    def uniques(self, col: str) -> np.ndarray:
        """The distinct values of ``col``, indexed by :meth:`codes`."""
        self.codes(col)
        return self._uniques[col].to_numpy(dtype=object)

    def derived_codes(self, col: str, how: str) -> tuple[np.ndarray, np.ndarray]:
        """Factorized codes (-1 = missing) and distinct values of a :meth:`derived` column."""
        key = f"{col}\x1f{how}\x1fcodes"
        if key not in self._codes:
            codes, uniques = pd.factorize(pd.Series(self.derived(col, how)), use_na_sentinel=True)
            self._uniques[key] = pd.Index(uniques)
            self._codes[key] = codes
        return self._codes[key], self._uniques[key].to_numpy(dtype=object)

    def swapped_codes(self, col: str) -> np.ndarray:
        """Codes of each ISO date with day and month swapped, in the code space of ``col``."""
        if col not in self._swapped:
            codes = self.codes(col)
            uniques = self._uniques[col]
            per_value = uniques.get_indexer(swap_day_month_series(pd.Series(uniques.to_numpy(dtype=object))))
            self._swapped[col] = np.append(per_value, -1)[codes]  # once per distinct date
        return self._swapped[col]


def swap_day_month_series(iso: pd.Series) -> pd.Series:
    """ISO dates with day and month swapped where that is another valid date, else missing."""
    s = iso.astype("string")
    ok = s.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False) & (s.str[5:7] != s.str[8:10])
    swapped = (s.str[:5] + s.str[8:10] + "-" + s.str[5:7]).where(ok)
    valid = pd.to_datetime(swapped, format="%Y-%m-%d", errors="coerce").notna()
    return swapped.where(valid).astype(object)


DISTANCES = ("levenshtein", "damerau_levenshtein")


def _similarity(kind: str, a: np.ndarray, b: np.ndarray, cutoff: float | None = None) -> np.ndarray:
    scorer = {"jaro_winkler": JaroWinkler.normalized_similarity, "jaro": Jaro.normalized_similarity,
              "levenshtein": Levenshtein.distance,
              "damerau_levenshtein": OSA.distance}[kind]  # optimal string alignment: adjacent swaps cost 1
    if len(a) == 0:
        return np.empty(0)
    # threads only pay off on many pairs (a real-time lookup compares a few hundred)
    workers = -1 if len(a) >= THREADED_SIMILARITIES else 1
    return process.cpdist(list(a), list(b), scorer=scorer, workers=workers, score_cutoff=cutoff)


#: From this many value pairs on, rapidfuzz compares them on every core.
THREADED_SIMILARITIES = 20_000


def pair_similarity(kind: str, codes_a: np.ndarray, codes_b: np.ndarray, uniques: np.ndarray,
                    cutoff: float | None = None) -> np.ndarray:
    """``kind`` similarity (or distance) of value pairs given as codes into ``uniques`` (no code -1).

    Computed once per distinct (value, value) pair: candidate pairs repeat the same name pairs
    many times over, so this does far fewer string comparisons than one per pair.
    ``cutoff`` (rapidfuzz's ``score_cutoff``, for distances): a distance above it reads ``cutoff + 1``.
    """
    if len(codes_a) == 0:
        return np.empty(0)
    width = np.int64(len(uniques))
    key = codes_a.astype(np.int64) * width + codes_b.astype(np.int64)
    inverse, distinct = pd.factorize(key)
    distinct = np.asarray(distinct, dtype=np.int64)
    scores = _similarity(kind, uniques[distinct // width], uniques[distinct % width], cutoff)
    return scores[inverse]


def _failed_band_at_most(level: Level, comparison: Comparison, col: str) -> bool:
    """Whether a stronger level of ``comparison`` is a Jaro-Winkler band on ``col`` with a
    threshold at most ``level``'s (so the pairs that reach ``level`` all score below it)."""
    stronger = next((k for k, lvl in enumerate(comparison.levels) if lvl is level), 0)
    return any(lvl.kind == "jaro_winkler" and (lvl.column or comparison.column) == col
               and lvl.threshold <= level.threshold for lvl in comparison.levels[:stronger])


def level_hits(level: Level, comparison: Comparison, cols: Columns, ii: np.ndarray, jj: np.ndarray,
               scores: dict | None = None) -> np.ndarray:
    """Which of the pairs (``ii[k]``, ``jj[k]``) fall in ``level`` (a boolean per pair).

    The pairs are those that no stronger level of ``comparison`` took (as :func:`comparison_levels`
    passes them).

    ``scores`` caches similarity scores by (kind, column), aligned with the pairs (NaN = not
    computed yet), so that several bands of one measure (Jaro–Winkler ≥ 0.92, ≥ 0.8) compute
    it once per pair.
    """
    col = level.column or comparison.column
    if level.kind == "else":
        return np.ones(len(ii), dtype=bool)
    if level.kind == "exact":
        c = cols.codes(col)
        ci = c[ii]
        return (ci == c[jj]) & (ci >= 0)
    if level.kind == "date_swap":
        c, s = cols.codes(col), cols.swapped_codes(col)
        ci, si = c[ii], s[ii]
        return ((ci == s[jj]) & (ci >= 0)) | ((si == c[jj]) & (si >= 0))
    if level.kind == "year_typo":
        return year_typo_hits(cols, col, ii, jj)
    if level.kind == "initial":
        first, single = cols.derived(col, "initial"), cols.derived(col, "single")
        return (single[ii] | single[jj]) & (first[ii] == first[jj])
    if level.kind == "swapped":
        return swapped_hits(cols, col, comparison.other_column, ii, jj, level.threshold)
    out = np.zeros(len(ii), dtype=bool)
    if level.kind == "first_token":
        codes, words = cols.derived_codes(col, "first")
        ci, cj = codes[ii], codes[jj]
        ok = (ci >= 0) & (cj >= 0)
        if _failed_band_at_most(level, comparison, col):
            # two one-word values: their first words are the values, already below that band
            whole = cols.derived(col, "whole")
            ok &= ~(whole[ii] & whole[jj])
        ok = np.flatnonzero(ok)
        out[ok] = pair_similarity("jaro_winkler", ci[ok], cj[ok], words) >= level.threshold
        return out
    c = cols.codes(col)
    ci, cj = c[ii], c[jj]
    keep = np.flatnonzero((ci >= 0) & (cj >= 0))
    cache = scores if scores is not None else {}
    key = (level.kind, col)
    if key not in cache:
        cache[key] = np.full(len(ii), np.nan)
    known = cache[key]
    fresh = keep[np.isnan(known[keep])]
    distance = level.kind in DISTANCES
    if len(fresh):
        # a distance need not be exact beyond the loosest band of this measure on this column
        # (no cutoff for similarities: rapidfuzz's Jaro-Winkler cutoff drops some scores above it)
        bands = [lvl.threshold for lvl in comparison.levels
                 if lvl.kind == level.kind and (lvl.column or comparison.column) == col]
        cutoff = max(bands) if distance else None
        known[fresh] = pair_similarity(level.kind, ci[fresh], cj[fresh], cols.uniques(col), cutoff)
    got = known[keep]
    out[keep] = got <= level.threshold if distance else got >= level.threshold
    return out


def year_typo_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether two different years (ints) read as one typo of each other: one digit differs (1978 /
    1988, 1980 / 1981), two adjacent digits are swapped (1969 / 1996), or they are one apart (1999 / 2000).

    >>> year_typo_pairs(np.array([1978, 1969, 1999, 1980, 1950]), np.array([1988, 1996, 2000, 1980, 1972])).tolist()
    [True, True, True, False, False]
    """
    da = np.stack([a // 1000 % 10, a // 100 % 10, a // 10 % 10, a % 10])
    db = np.stack([b // 1000 % 10, b // 100 % 10, b // 10 % 10, b % 10])
    differ = da != db
    n = differ.sum(axis=0)
    transposed = np.zeros(len(a), dtype=bool)
    for k in range(3):  # digits k and k + 1 swapped, the others equal
        transposed |= (n == 2) & differ[k] & differ[k + 1] & (da[k] == db[k + 1]) & (da[k + 1] == db[k])
    return (a != b) & ((n == 1) | transposed | (np.abs(a - b) == 1))


def year_typo_hits(cols: Columns, col: str, ii: np.ndarray, jj: np.ndarray) -> np.ndarray:
    """ISO dates with the same month and day whose years read as one typo (:func:`year_typo_pairs`).

    >>> df = pd.DataFrame({"dob": ["1969-10-17", "1996-10-17", "1996-10-18", "1979-10-17"]})
    >>> year_typo_hits(Columns(df), "dob", np.array([0, 0, 0]), np.array([1, 2, 3])).tolist()
    [True, False, True]
    """
    year, month_day = cols.date_parts(col)
    yi, yj, mi = year[ii], year[jj], month_day[ii]
    ok = (mi >= 0) & (mi == month_day[jj]) & (yi >= 0) & (yj >= 0)
    out = np.zeros(len(ii), dtype=bool)
    out[ok] = year_typo_pairs(yi[ok], yj[ok])
    return out


def swapped_hits(cols: Columns, col: str, other: str, ii: np.ndarray, jj: np.ndarray,
                 threshold: float | None = None) -> np.ndarray:
    """Whether each pair's two names are written the other way round: ``col`` of one record
    against ``other`` of the other, both ways; equal both ways, or (with ``threshold``) equal or
    Jaro–Winkler-alike at ``threshold`` both ways ("GUILLON Christelle" / "Christelle GUILLLON").

    >>> df = pd.DataFrame({"first": ["christelle", "guilllon", "ana"], "last": ["guillon", "christelle", "roy"]})
    >>> swapped_hits(Columns(df), "first", "last", np.array([0, 0]), np.array([1, 2]), 0.88).tolist()
    [True, False]
    """
    a, b = cols.shared_codes(col, other)
    ai, bi, aj, bj = a[ii], b[ii], a[jj], b[jj]
    ok = (ai >= 0) & (bi >= 0) & (aj >= 0) & (bj >= 0)
    exact = ok & (ai == bj) & (bi == aj)
    if threshold is None:
        return exact
    uniques = cols.shared_uniques(col, other)
    out = exact.copy()
    rest = np.flatnonzero(ok & ~exact)
    if len(rest):  # one cross first, the other only where the first one holds
        one = pair_similarity("jaro_winkler", ai[rest], bj[rest], uniques) >= threshold
        rest = rest[one]
        two = pair_similarity("jaro_winkler", bi[rest], aj[rest], uniques) >= threshold
        out[rest[two]] = True
    return out


def comparison_levels(comparison: Comparison, cols: Columns, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The level index of every pair (0 = strongest level), ``NULL`` where a value is missing.

    Each level is tested only on the pairs no stronger level took (the set shrinks level by level).
    """
    present = cols.codes(comparison.column) >= 0
    levels = np.full(len(i), NULL, dtype=np.int8)
    sel = np.flatnonzero(present[i] & present[j])
    ii, jj = i[sel], j[sel]
    scores: dict = {}
    for k, level in enumerate(comparison.levels):
        if len(sel) == 0:
            break
        hit = level_hits(level, comparison, cols, ii, jj, scores)
        levels[sel[hit]] = NULL if level.neutral else k  # a neutral level's pairs weigh nothing here
        rest = ~hit
        sel, ii, jj = sel[rest], ii[rest], jj[rest]
        scores = {key: known[rest] for key, known in scores.items()}
    return levels


#: Comparisons of this many pairs or more run two at a time (threads: hashing, gathers and
#: rapidfuzz release the GIL, so a second core does real work).
THREADED_PAIRS = 200_000
WORKERS = 2


def comparison_matrix(comparisons: list[Comparison], cols: Columns, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """A ``pairs × comparisons`` int8 matrix of levels (the same whether computed in threads or not)."""
    if not comparisons:
        return np.empty((len(i), 0), dtype=np.int8)
    if len(i) < THREADED_PAIRS or len(comparisons) < 2 or WORKERS < 2:
        return np.column_stack([comparison_levels(c, cols, i, j) for c in comparisons])
    with ThreadPoolExecutor(WORKERS) as pool:
        return np.column_stack(list(pool.map(lambda c: comparison_levels(c, cols, i, j), comparisons)))
