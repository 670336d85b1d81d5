"""A comparison level that no pair can reach is refused when the model is loaded."""
import pytest

from linkgraph.errors import MappingError
from linkgraph.match.reachable import unreachable
from linkgraph.match.settings import parse_settings


def _model(levels, column="name"):
    return {"entity_type": "company", "blocking": [["name"]],
            "comparisons": [{"name": "name", "column": column, "levels": levels + [{"kind": "else"}]}]}


DEAD = [
    ([{"kind": "jaro_winkler", "threshold": 0.52}, {"kind": "jaro_winkler", "threshold": 0.8}], 2),
    ([{"kind": "jaro_winkler", "threshold": 0.8}, {"kind": "jaro_winkler", "threshold": 0.8}], 2),
    ([{"kind": "levenshtein", "threshold": 3}, {"kind": "levenshtein", "threshold": 1}], 2),
    ([{"kind": "jaro_winkler", "threshold": 0.9}, {"kind": "exact"}], 2),
    ([{"kind": "exact"}, {"kind": "exact"}], 2),
    ([{"kind": "jaro_winkler", "threshold": 0.8}, {"kind": "jaro", "threshold": 0.9}], 2),
    ([{"kind": "exact"}, {"kind": "first_token", "threshold": 0.7}, {"kind": "first_token", "threshold": 0.9}], 3),
]


@pytest.mark.parametrize("levels,dead", DEAD)
def test_a_looser_level_first_is_an_error_naming_file_comparison_and_level(levels, dead):
    with pytest.raises(MappingError) as exc:
        parse_settings(_model(levels), "rules/matching/x.yaml")
    msg = str(exc.value)
    assert msg.startswith("rules/matching/x.yaml: comparisons[0]: comparison 'name': ")
    assert f"level {dead} (" in msg and "can never be reached" in msg


LIVE = [
    [{"kind": "exact"}, {"kind": "jaro_winkler", "threshold": 0.8}, {"kind": "jaro_winkler", "threshold": 0.52}],
    [{"kind": "levenshtein", "threshold": 1}, {"kind": "levenshtein", "threshold": 3}],
    [{"kind": "jaro", "threshold": 0.8}, {"kind": "jaro_winkler", "threshold": 0.9}],
    # another column: a variant key may be exact after a band on the name itself
    [{"kind": "jaro_winkler", "threshold": 0.9}, {"kind": "exact", "column": "name_key"}],
    [{"kind": "jaro_winkler", "threshold": 0.8, "column": "first"}, {"kind": "jaro_winkler", "threshold": 0.9}],
    [{"kind": "exact"}, {"kind": "levenshtein", "threshold": 2}, {"kind": "jaro_winkler", "threshold": 0.9}],
]


@pytest.mark.parametrize("levels", LIVE)
def test_levels_in_order_are_accepted(levels):
    settings = parse_settings(_model(levels), "x.yaml")
    comp = settings.comparisons[0]
    assert unreachable(comp.levels, comp.column) == []


def test_the_bundled_models_have_no_dead_level(repo):
    from linkgraph.match.settings import load_settings

    for path in sorted((repo / "rules/matching").rglob("*.yaml")):
        settings = load_settings(path)
        for comp in settings.comparisons:
            assert unreachable(comp.levels, comp.column) == [], (path, comp.name)
