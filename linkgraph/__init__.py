"""linkgraph: entity resolution and link analysis for drug-trafficking intelligence cells.

>>> import linkgraph
>>> result = linkgraph.resolve_sources([("rules/sources/police_procedures.yaml", None)])
>>> result.entities.head()

The data flow: agency files → mappings (``rules/sources``) → mentions → normalize → block →
compare → Fellegi–Sunter weights (EM) → cluster with constraints → entities with stable ids.
"""
from linkgraph.api import (entity_graph_of, load_mappings, load_resolution, mention_table, read_sources, resolve_sources,
                           save_resolution, summarize, why_pair)
from linkgraph.errors import LinkgraphError, MappingError, SourceError
from linkgraph.evaluate.metrics import PairScores, pairwise_scores
from linkgraph.match.pipeline import Resolution, resolve
from linkgraph.match.settings import Settings, load_settings, load_settings_dir, save_settings
from linkgraph.sources.extract import Extraction, read_source
from linkgraph.sources.mapping import SourceMapping, load_mapping

__all__ = [
    "entity_graph_of", "Extraction", "LinkgraphError", "load_resolution", "MappingError", "PairScores", "Resolution", "Settings", "SourceError",
    "SourceMapping", "load_mapping", "load_mappings", "load_settings", "load_settings_dir", "mention_table",
    "pairwise_scores", "read_source", "read_sources", "resolve", "resolve_sources", "save_resolution",
    "save_settings", "summarize", "why_pair",
]
try:  # the installed distribution's version (pyproject.toml), else the source tree's
    from importlib.metadata import version as _version

    __version__ = _version("linkgraph")
except Exception:  # noqa: BLE001 - not installed (PYTHONPATH checkout)
    __version__ = "0.1.0"
