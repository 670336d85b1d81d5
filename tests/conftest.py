"""Shared test helpers."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True, scope="session")
def _audit_key_dir(tmp_path_factory):
    """Workspaces' audit keys go to a temporary folder, never the tester's ~/.config (subprocesses inherit it)."""
    import os

    from linkgraph.store.ledger import KEY_DIR_ENV

    old = os.environ.get(KEY_DIR_ENV)
    os.environ[KEY_DIR_ENV] = str(tmp_path_factory.mktemp("audit-keys"))
    yield
    if old is None:
        os.environ.pop(KEY_DIR_ENV, None)
    else:
        os.environ[KEY_DIR_ENV] = old
