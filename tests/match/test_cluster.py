"""Clustering guards: no chaining of different people through one weak link."""
import numpy as np

from linkgraph.match.cluster import ConstraintValues, Edges, cluster, dates_compatible


def _edges(pairs, weights, origin="model"):
    i, j = zip(*pairs)
    return Edges(np.array(i), np.array(j), np.array(weights, dtype=float), np.array([origin] * len(pairs), dtype=object))


def test_plain_components_when_nothing_conflicts():
    res = cluster(5, _edges([(0, 1), (1, 2), (3, 4)], [10, 9, 8]))
    assert res.labels[0] == res.labels[1] == res.labels[2] != res.labels[3] == res.labels[4]


def test_weak_link_between_two_people_with_different_dobs_is_refused():
    # 0-1 are Mohamed BENALI born 1990, 2-3 another Mohamed BENALI born 1971; 1-2 is a weak link
    dob = np.array(["1990-03-12", "1990-03-12", "1971-07-01", None], dtype=object)
    res = cluster(4, _edges([(0, 1), (2, 3), (1, 2)], [20, 15, 3]), [ConstraintValues("dob", dob, "date")])
    assert res.labels[0] == res.labels[1]
    assert res.labels[2] == res.labels[3]
    assert res.labels[1] != res.labels[2]
    assert len(res.refused) == 1 and "dob" in res.refused["reason"].iloc[0]


def test_date_tolerance_accepts_swapped_and_one_typo_dates():
    assert dates_compatible("1990-03-12", "1990-12-03")
    assert dates_compatible("1990-03-12", "1990-03-13")
    assert not dates_compatible("1990-03-12", "1971-07-01")
    dob = np.array(["1990-03-12", "1990-12-03"], dtype=object)
    res = cluster(2, _edges([(0, 1)], [5]), [ConstraintValues("dob", dob, "date")])
    assert res.labels[0] == res.labels[1]


def test_two_different_strong_identifiers_never_share_a_cluster():
    ids = np.array(["AB123456", None, "ZZ999999"], dtype=object)
    # a mention with no passport links weakly to both passport holders: only the stronger link holds
    res = cluster(3, _edges([(0, 1), (1, 2)], [12, 7]), [ConstraintValues("id_number", ids, "none")])
    assert res.labels[0] == res.labels[1] != res.labels[2]


def test_cannot_link_judgment_splits_and_same_judgment_wins():
    edges = Edges.concat([_edges([(0, 1), (1, 2)], [30, 30]), _edges([(3, 4)], [np.inf], "judgment")])
    res = cluster(5, edges, [], cannot_link=(np.array([0]), np.array([2])))
    assert res.labels[0] == res.labels[1] != res.labels[2]
    assert res.labels[3] == res.labels[4]


def test_reclustered_parts_never_collide_with_other_components():
    # component {0,1,2} is suspect (two dobs) and re-clustered; components {3,4}, {5,6} are not.
    # Labels of the re-clustered parts must not coincide with the other components' labels.
    dob = np.array(["1990-01-01", None, "1950-05-05", None, None, None, None], dtype=object)
    edges = _edges([(0, 1), (1, 2), (3, 4), (5, 6)], [10, 5, 9, 9])
    res = cluster(7, edges, [ConstraintValues("dob", dob, "date")])
    groups = {}
    for k, lab in enumerate(res.labels):
        groups.setdefault(lab, set()).add(k)
    assert sorted(map(sorted, groups.values())) == [[0, 1], [2], [3, 4], [5, 6]]
