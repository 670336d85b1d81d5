"""The entity graph and its analytics.

``edge_table`` aggregates resolved relations into entity edges with their evidence;
``entity_graph`` / ``to_igraph`` / ``to_csr`` build graphs; ``person_projection`` links people
(directly, through the phones they use, through shared assets); ``analyse`` computes node metrics;
``co_sightings`` turns LAPI reads into ``seen_together`` edges.
"""
from linkgraph.graph.analytics import (
    PathResult, analyse, betweenness, bridges_between_communities, burt_constraint, communities, coreness,
    deconfliction, degree, ego_network, pagerank, shortest_path, weighted_degree,
)
from linkgraph.graph.build import entity_graph, to_csr, to_igraph
from linkgraph.graph.cosighting import co_sightings, reads_from_relations
from linkgraph.graph.edges import edge_table
from linkgraph.graph.kinds import DIRECTED_RELATIONS, SYMMETRIC_RELATIONS, entity_types
from linkgraph.graph.projection import person_projection, projection_nodes

__all__ = [
    "DIRECTED_RELATIONS", "PathResult", "SYMMETRIC_RELATIONS", "analyse", "betweenness", "bridges_between_communities",
    "burt_constraint", "co_sightings", "communities", "coreness", "deconfliction", "degree", "edge_table",
    "ego_network", "entity_graph", "entity_types", "pagerank", "person_projection", "projection_nodes",
    "reads_from_relations", "shortest_path", "to_csr", "to_igraph", "weighted_degree",
]
