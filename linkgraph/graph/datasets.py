"""CAVIAR (Morselli's Montreal drug-importation network) as a phone-records file, for tests.

The matrix is not shipped inside the Python package (licence unclear); the repository keeps it for
tests in ``fixtures/networks/morselli_caviar.csv`` (source and citation in that folder's README).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

NETWORKS = Path(__file__).resolve().parents[2] / "fixtures" / "networks"
CAVIAR_MATRIX = NETWORKS / "morselli_caviar.csv"
CALLS_COLUMNS = ["appelant", "appelant_nom", "appele", "appele_nom", "nb_appels"]


def caviar_number(k: int | np.ndarray) -> str | np.ndarray:
    """The synthetic French mobile number of node ``nK``: ``+3361000`` + K on four digits."""
    if isinstance(k, np.ndarray):
        return np.char.add("+3361000", np.char.zfill(k.astype(str), 4)).astype(object)
    return f"+3361000{int(k):04d}"


def read_caviar_matrix(matrix_csv: str | Path = CAVIAR_MATRIX) -> pd.DataFrame:
    """The weighted adjacency matrix (rows call columns), indexed and labelled by node number."""
    path = Path(matrix_csv)
    if not path.exists():
        raise FileNotFoundError(f"CAVIAR matrix not found at {path}: it is not shipped with linkgraph; "
                                "the repository keeps it in fixtures/networks/")
    matrix = pd.read_csv(path, encoding="utf-8-sig", index_col=0)
    matrix.columns = matrix.columns.astype(int)
    matrix.index = matrix.index.astype(int)
    return matrix


def caviar_calls_csv(matrix_csv: str | Path, out_csv: str | Path) -> pd.DataFrame:
    """Write CAVIAR as a phone-records CSV, one line per (caller, callee) with their number of calls.

    Columns ``appelant, appelant_nom, appele, appele_nom, nb_appels``; node ``nK`` gets the
    number :func:`caviar_number` (K) and the name ``nK``. Returns the written table.
    """
    matrix = read_caviar_matrix(matrix_csv)
    values = matrix.to_numpy()
    r, c = np.nonzero(values)
    src, dst = matrix.index.to_numpy()[r], matrix.columns.to_numpy()[c]
    table = pd.DataFrame({"appelant": caviar_number(src), "appelant_nom": np.char.add("n", src.astype(str)).astype(object),
                          "appele": caviar_number(dst), "appele_nom": np.char.add("n", dst.astype(str)).astype(object),
                          "nb_appels": values[r, c].astype(int)})
    table = table.sort_values(["appelant", "appele"]).reset_index(drop=True)
    out = Path(out_csv)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, encoding="utf-8")
    return table


def caviar_mapping() -> dict:
    """The source mapping document of :func:`caviar_calls_csv`'s file (``parse_mapping`` validates it).

    A person and a phone on each side, ``uses`` person → phone, and ``called`` caller → callee with
    the attribute ``calls`` (the line's number of calls; :func:`~linkgraph.graph.edges.edge_table`
    weighs edges by it).
    """
    return {
        "source": "caviar",
        "agency": "police",
        "classification": "secret",
        "format": "csv",
        "encoding": "auto",
        "delimiter": ",",
        "mentions": {
            "caller_person": {"type": "person", "fields": {"last_name": "appelant_nom"}},
            "caller": {"type": "phone", "fields": {"number": {"column": "appelant", "region": "FR"}}},
            "callee_person": {"type": "person", "fields": {"last_name": "appele_nom"}},
            "callee": {"type": "phone", "fields": {"number": {"column": "appele", "region": "FR"}}},
        },
        "relations": [
            {"type": "uses", "from": "caller_person", "to": "caller"},
            {"type": "uses", "from": "callee_person", "to": "callee"},
            {"type": "called", "from": "caller", "to": "callee", "attributes": {"calls": "nb_appels"}},
        ],
    }
