"""Scoring's table factors computed in a forked child (a large population's route) give the same
values and evidence as computed inline, and their evidence reads the caller's own tables."""
from __future__ import annotations


import pytest

import linkgraph
from linkgraph.graph import background
from linkgraph.scoring import score as S
from linkgraph.scoring.config import load_scoring
from linkgraph.scoring.context import ScoringContext



@pytest.fixture(scope="module")
def ctx() -> ScoringContext:
    result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])
    st = load_scoring()
    return ScoringContext.of(result, st.reference_date, st.cosightings.window_seconds, st.cosightings.min_times,
                             st.attribution.rules())


def _evidence_lines(ev) -> dict[str, list[str]]:
    return {key: ev[key] for key in ev}


def test_table_factors_from_a_forked_child_equal_the_inline_ones(ctx, monkeypatch):
    settings = load_scoring()
    inline_raw, inline_ev, _ = S.raw_factors(ctx, settings)
    routes: list[object] = []
    real = background.in_background_object

    def forked(fn, *args, size, shared=None, **kwargs):     # the fixtures are small: force the child
        job = real(fn, *args, size=size, min_size=0, shared=shared, **kwargs)
        routes.append(job)
        return job

    monkeypatch.setattr(S, "in_background_object", forked)
    ctx.cache.clear()
    raw, ev, _ = S.raw_factors(ctx, settings)
    assert len(routes) == 1 and isinstance(routes[0], background._Child) and routes[0].done   # a child ran
    assert list(raw) == list(inline_raw)       # the factors' order
    for name in S.BACKGROUND_FACTORS:
        assert raw[name].equals(inline_raw[name]), name
        assert raw[name].index is ctx.persons   # the caller's index, not a copy sent back
        assert (raw[name] > 0).any(), name      # (the fixtures exercise both factors)
        assert _evidence_lines(ev[name]) == _evidence_lines(inline_ev[name]) and len(ev[name]), name
    # the international factor's evidence reads the caller's edge table, not a copy sent back
    assert ev["international"]._resolve.args[0] is ctx.edges


def test_a_failed_child_falls_back_to_the_inline_value(ctx):
    """A child that dies (here: the result cannot be pickled) leaves the caller computing the value."""
    job = background.in_background_object(lambda c: (len(c.persons), lambda: None), ctx, size=1, min_size=0)
    assert isinstance(job, background._Child)
    n, fn = job()
    assert n == len(ctx.persons) and callable(fn)
