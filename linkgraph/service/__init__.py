"""The investigators' explorer: a local web application over a resolution.

>>> from linkgraph.service import ExplorerState, create_app, run
>>> run()                      # http://127.0.0.1:8765, every mapping of rules/sources
"""
from linkgraph.service.app import create_app, run
from linkgraph.service.state import ExplorerState, JudgmentStore

__all__ = ["ExplorerState", "JudgmentStore", "create_app", "run"]
