"""The workspace's tables, errors and reports (see :mod:`linkgraph.store.workspace`)."""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import yaml

from linkgraph.errors import LinkgraphError
from linkgraph.match.entities import MAIN_VALUES
from linkgraph.match.incremental import ENTITY_BASE, MENTION_BASE
from linkgraph.match.settings import Settings, parse_settings

SCHEMA_VERSION = "2"
#: Set to a file path (tests only): the write transaction creates it, then sleeps before committing.
TEST_PAUSE_ENV = "LINKGRAPH_WORKSPACE_TEST_PAUSE"

#: Normalized mention columns known in advance (others are added when a mapping yields them).
MENTION_VALUE_COLUMNS = [
    "first_name", "first_key", "first_phon", "last_name", "last_key", "last_phon", "names_key", "dob", "birth_year",
    "birthplace", "address", "postcode", "city", "sex", "alias", "id_number", "nationality", "phone", "plate",
    "plate_key", "plate_valid", "vin", "make", "model", "colour", "number", "imei", "name", "name_key", "siren",
    "siret", "code",
]
RELATION_BASE = ["from_mention", "to_mention", "source", "agency", "classification", "file", "row", "date", "type",
                 "from_slot", "to_slot"]
ROW_COLUMNS = ["source", "agency", "classification", "file", "row", "date", "record_id", "attributes", "status"]
ENTITY_VALUE_COLUMNS = sorted({c for cols in MAIN_VALUES.values() for c in cols})
JUDGMENT_COLUMNS = ["mention_a", "mention_b", "verdict", "analyst", "case_number", "justification", "at"]
CHANGE_COLUMNS = ["old_id", "new_id", "change", "mentions", "reason", "operation", "source_id", "at"]
VERDICTS = ("same", "different")
#: ``meta`` key of the workspace's secret entity-id hash key (never returned by :meth:`Workspace.table`).
ID_KEY = "id_key"


def new_id_key() -> str:
    """A random id hash key: 16 ASCII characters (64 random bits as hex)."""
    return secrets.token_hex(8)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _varchars(names: Iterable[str]) -> str:
    return ", ".join(f"{_q(c)} VARCHAR" for c in names)


SCHEMA = f"""
CREATE TABLE meta (key VARCHAR, value VARCHAR);
CREATE TABLE sources (seq BIGINT, source_id VARCHAR, agency VARCHAR, classification VARCHAR, mapping_yaml VARCHAR,
    mapping_path VARCHAR, file_path VARCHAR, sha256 VARCHAR, size_bytes BIGINT, ingested_at VARCHAR,
    rows_in BIGINT, rows_ok BIGINT, rows_rejected BIGINT, mentions BIGINT, relations BIGINT, retained_before VARCHAR,
    mapping_sha256 VARCHAR);
CREATE TABLE rows (source VARCHAR, agency VARCHAR, classification VARCHAR, file VARCHAR, "row" BIGINT, date VARCHAR,
    record_id VARCHAR, attributes VARCHAR, status VARCHAR);
CREATE TABLE rejects (source VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR,
    record VARCHAR);
CREATE TABLE mentions (ord BIGINT, mention_id VARCHAR, source VARCHAR, agency VARCHAR, classification VARCHAR,
    file VARCHAR, "row" BIGINT, date VARCHAR, entity_type VARCHAR, slot VARCHAR, raw VARCHAR,
    {_varchars(MENTION_VALUE_COLUMNS)});
CREATE TABLE mention_columns (entity_type VARCHAR, column_name VARCHAR);
CREATE TABLE relations (ord BIGINT, from_mention VARCHAR, to_mention VARCHAR, source VARCHAR, agency VARCHAR,
    classification VARCHAR, file VARCHAR, "row" BIGINT, date VARCHAR, type VARCHAR, from_slot VARCHAR, to_slot VARCHAR);
CREATE TABLE mention_entity (mention_id VARCHAR, entity_id VARCHAR);
CREATE TABLE entities (entity_id VARCHAR, entity_type VARCHAR, label VARCHAR, mentions BIGINT, sources BIGINT,
    agencies VARCHAR, first_seen VARCHAR, last_seen VARCHAR, {_varchars(ENTITY_VALUE_COLUMNS)});
CREATE TABLE judgments (judgment_id BIGINT, mention_a VARCHAR, mention_b VARCHAR, verdict VARCHAR, analyst VARCHAR,
    case_number VARCHAR, justification VARCHAR, "at" VARCHAR);
CREATE TABLE id_changes (seq BIGINT, old_id VARCHAR, new_id VARCHAR, change VARCHAR, mentions BIGINT, reason VARCHAR,
    operation VARCHAR, source_id VARCHAR, "at" VARCHAR);
CREATE TABLE models (entity_type VARCHAR, settings_yaml VARCHAR, template_yaml VARCHAR, trained_mentions BIGINT,
    trained_at VARCHAR);
CREATE TABLE audit (seq BIGINT, line VARCHAR);
"""
TABLES = ["meta", "sources", "rows", "rejects", "mentions", "mention_columns", "relations", "mention_entity",
          "entities", "judgments", "id_changes", "models", "audit"]


# ------------------------------------------------------------------------------------------ errors
class WorkspaceError(LinkgraphError):
    """A workspace operation that cannot be done (the message says why)."""


class WorkspaceBusy(WorkspaceError):
    """Another process is writing to the workspace (or holds its database file open)."""


class WorkspaceReadOnly(WorkspaceError):
    """A write was asked of a workspace opened read-only."""


class SourceConflict(WorkspaceError):
    """A source id already ingested from a different file content."""


class JudgmentError(WorkspaceError, ValueError):
    """A judgment that cannot be stored."""


# ----------------------------------------------------------------------------------------- reports
@dataclass
class IngestReport:
    """What one ingested file did. ``status``: ``ingested``, ``unchanged`` (same content: nothing
    written) or ``replaced`` (the source had other content: erased and ingested again)."""

    source: str
    file: str
    sha256: str
    status: str
    rows_in: int = 0
    rows_ok: int = 0
    rows_rejected: int = 0
    mentions: int = 0
    relations: int = 0
    mode: str = ""
    types: dict[str, str] = field(default_factory=dict)  # entity type -> "incremental" | "full"
    entities_before: int = 0
    entities_after: int = 0
    new_entities: int = 0
    merged: int = 0
    split: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    alerts: int = 0   # watchlist alerts this ingest raised (store.watchlists)


@dataclass
class ChangeReport:
    """What a judgment, an erasure, a retention run or a rebuild did."""

    operation: str
    reason: str
    removed: dict[str, int] = field(default_factory=dict)  # table -> rows removed
    types: dict[str, str] = field(default_factory=dict)
    entities_before: int = 0
    entities_after: int = 0
    merged: int = 0
    split: int = 0
    renamed: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def now() -> str:
    """The current UTC time, ISO, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def settings_yaml(settings: Settings) -> str:
    data = settings.model_dump(exclude_none=True, exclude={"path"}, exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def settings_of(text: str, where: str) -> Settings:
    return parse_settings(yaml.safe_load(text), where)


