"""A loader may hold low-cardinality text columns compactly (pandas categoricals): the graph build,
line attribution and scoring accept them and give the same ranked list, factor values and evidence
as on plain Python strings (the bundled fixtures)."""
import dataclasses

import pandas as pd

import linkgraph
from linkgraph.scoring.score import FACTORS, score

COMPACT = {"entities": ["entity_type"], "mentions": ["entity_type", "source", "agency", "date"],
           "rows": ["source", "agency", "date", "attributes", "status"],
           "relations": ["source", "agency", "classification", "type", "date"]}


def _compact(result):
    tables = {}
    for name, cols in COMPACT.items():
        table = getattr(result, name).copy()
        for col in cols:
            if col in table:
                table[col] = table[col].astype("category")
        tables[name] = table
    return dataclasses.replace(result, **tables)


def test_categorical_columns_give_the_same_scores_and_evidence():
    result = linkgraph.resolve_sources([(m, None) for m in linkgraph.load_mappings()])
    compact = _compact(result)
    assert isinstance(compact.mentions["agency"].dtype, pd.CategoricalDtype)
    plain, small = score(result), score(compact)
    pd.testing.assert_frame_equal(small.persons, plain.persons)
    pd.testing.assert_frame_equal(small.organisations, plain.organisations)
    assert (plain.persons["raw_concealment"] > 0).any()     # line attribution ran and found lines
    for entity in plain.persons["entity_id"].head(30):
        for f in FACTORS:
            assert list(small.evidence[f].get(entity, [])) == list(plain.evidence[f].get(entity, []))
