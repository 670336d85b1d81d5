"""The monotonicity check of a trained model: agreement must weigh more than disagreement.

Two rules per comparison, on the level weights log2(m/u):

1. the ``exact`` level of the comparison's own column weighs more than ``else`` (an exact
   level on a variant key, e.g. ``last_phon``, is a rare pattern left out, unless it says
   ``ordered: true``; with ``ordered: false`` the exact level itself is left out): exact
   agreement is evidence for a match
   compared with disagreement. This catches a flipped model, where EM's "match" class learnt
   something else (e.g. "same name") and exact agreement came out weaker than disagreement.
   A model breaking it is refused (:class:`~linkgraph.errors.ModelError`);
2. the *graded* levels of one column — ``exact`` then similarity bands (``jaro_winkler``,
   ``jaro``) or distance bands (``levenshtein``, ``damerau_levenshtein``) on the same column —
   do not gain weight as they loosen: exact ≥ Jaro–Winkler 0.92 ≥ Jaro–Winkler 0.8, within
   :data:`TOLERANCE_BITS` (sampling noise moves rare bands). An exact level with a
   term-frequency adjustment stays out of this chain: its u is the average over all values,
   inflated by the common ones (Paris as a birthplace), and scoring replaces it per value.
   A breach is a warning in the training report, not a refusal: on a few hundred records (a
   small workspace) rare bands are noisy.

A band that no pair can reach (a looser band of its measure and column comes first) is not
checked. Levels that are not graded (``swapped``, ``date_swap``, ``initial``, ``first_token``, and any
level with ``ordered: false``) are rare patterns whose u is tiny, so their weight may exceed the
exact level's: the rules leave them alone. ``ordered: true`` puts such a level in the chain of its
column (and under rule 1). A loose band may weigh less than ``else`` (FEBRL's typos are small
or replace the whole value, so a middling similarity is rarer among matches than a different
value): that is data, not a flip. An exact level on another column (a variant key such as
``first_key``) starts a chain of its own.

>>> from linkgraph.match.settings import Comparison
>>> c = Comparison(name="dob", column="dob", levels=[{"kind": "exact", "m": 0.05, "u": 0.01},
...                                                  {"kind": "else", "m": 0.95, "u": 0.99}])
>>> violations(c)
[]
>>> c = Comparison(name="dob", column="dob", levels=[{"kind": "exact", "m": 0.005, "u": 0.01},
...                                                  {"kind": "else", "m": 0.995, "u": 0.99}])
>>> [(a, b, round(wa, 2), round(wb, 2), refused) for a, b, wa, wb, refused in violations(c)]
[(0, 1, -1.0, 0.01, True)]
"""
from __future__ import annotations

import math

from linkgraph.errors import ModelError
from linkgraph.match.settings import Comparison, Level, Settings

GRADED = {"exact", "jaro_winkler", "jaro", "levenshtein", "damerau_levenshtein", "else"}
FLOOR = 1e-9
#: How much a looser graded level may outweigh a stronger one of its column (log2 units).
TOLERANCE_BITS = 1.0


def weight(level: Level) -> float:
    """log2(m/u) of a trained level (m and u floored as :class:`linkgraph.match.em.Parameters` does)."""
    return math.log2(max(level.m or 0.0, FLOOR) / max(level.u or 0.0, FLOOR))


def graded(level: Level) -> bool:
    return level.ordered if level.ordered is not None else level.kind in GRADED


def shadowed(k: int, comparison: Comparison) -> bool:
    """Whether no pair can reach level ``k``: a stronger band of the same measure on the same
    column has a looser threshold and takes all its pairs (its m and u are then mere floors)."""
    level = comparison.levels[k]
    if level.threshold is None or level.kind not in GRADED:
        return False
    col = level.column or comparison.column
    distance = level.kind in ("levenshtein", "damerau_levenshtein")
    return any(prev.kind == level.kind and (prev.column or comparison.column) == col
               and (prev.threshold >= level.threshold if distance else prev.threshold <= level.threshold)
               for prev in comparison.levels[:k])


def violations(comparison: Comparison) -> list[tuple[int, int, float, float, bool]]:
    """(stronger level, weaker level, their weights, refused) for each pair breaking a rule above:
    ``refused`` for rule 1 (exact agreement against ``else``), not for rule 2 (a warning)."""
    levels = comparison.levels
    w = [weight(lvl) for lvl in levels]
    last = len(levels) - 1
    out = []
    for k in range(last):  # rule 1: exact agreement outweighs else
        own = levels[k].kind == "exact" and (levels[k].column or comparison.column) == comparison.column
        if (levels[k].ordered if levels[k].ordered is not None else own) and not w[k] > w[last]:
            out.append((k, last, w[k], w[last], True))
    chains: dict[str, list[int]] = {}
    for k, lvl in enumerate(levels[:-1]):  # rule 2: graded levels of one column fall in order
        if graded(lvl) and not shadowed(k, comparison) and not (lvl.kind == "exact" and lvl.tf and lvl.ordered is None):
            chains.setdefault(lvl.column or comparison.column, []).append(k)
    for chain in chains.values():
        for a, b in zip(chain, chain[1:]):
            if w[b] > w[a] + TOLERANCE_BITS:
                out.append((a, b, w[a], w[b], False))
    return out


def _describe(comparison: Comparison, a: int, b: int, wa: float, wb: float) -> str:
    la, lb = comparison.levels[a], comparison.levels[b]
    return (f"level {a + 1} ({la.describe(comparison.column)}) weighs {wa:+.2f} bits, not more than "
            f"level {b + 1} ({lb.describe(comparison.column)}) at {wb:+.2f} bits")


def check_monotone(settings: Settings, where: str | None = None) -> None:
    """Raise :class:`ModelError` naming the model, comparison and levels if exact agreement weighs
    no more than disagreement somewhere (rule 1)."""
    where = where or settings.path or f"{settings.entity_type} model"
    for comparison in settings.comparisons:
        for a, b, wa, wb, refused in violations(comparison):
            if refused:
                raise ModelError(where, comparison.name,
                                 f"{_describe(comparison, a, b, wa, wb)}: the model is refused (agreement must "
                                 f"weigh more than disagreement; EM's match class learnt something else). Retrain "
                                 f"on more or cleaner data, add a training rule, or give m and u in the settings")


def band_warnings(settings: Settings) -> list[str]:
    """Rule 2 breaches (a looser band outweighing a stronger one by more than :data:`TOLERANCE_BITS`):
    reported with the model, not refused (with a few hundred records the bands are noisy)."""
    return [f"comparison {c.name!r}: {_describe(c, a, b, wa, wb)} (a looser band should not weigh more; "
            f"mark a level that is not graded with 'ordered: false')"
            for c in settings.comparisons for a, b, wa, wb, refused in violations(c) if not refused]
