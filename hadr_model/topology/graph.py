"""The topology as a networkx graph with typed nodes and edges.

Node attribute ``kind``: ``region``, ``zone``, ``instance``, ``global``, ``component``,
``common-cause``; edge attribute ``kind``: ``contains`` (region → zone → instance),
``depends_on`` (instance → global service), ``replicates_to`` (between the replicas of a
stateful role, and a region's snapshot copy to its failover region), ``fails_over_to``
(region → region), ``link`` (network links) and ``fails`` (common-cause element → instance).
"""

from __future__ import annotations

import networkx as nx

from .model import INGRESS, BlockSystem, Component, Model, Network, Topology

__all__ = ["to_graph"]


def to_graph(model: Model) -> nx.MultiDiGraph:
    """Build the typed graph of a model.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> graph = to_graph(load_spec())
    >>> sorted({kind for _, kind in graph.nodes(data="kind")})
    ['common-cause', 'global', 'instance', 'region', 'zone']
    """
    graph = nx.MultiDiGraph(name=model.name)
    if isinstance(model, BlockSystem):
        _add_blocks(graph, model)
    else:
        _add_regions(graph, model)
    return graph


def _add_regions(graph: nx.MultiDiGraph, topology: Topology) -> None:
    for service in topology.global_services:
        graph.add_node(service.name, kind="global", availability=service.behaviour.availability)
    stateful = set(topology.data or {})
    for region in topology.regions:
        graph.add_node(region.name, kind="region", home=region.home, availability=region.region.availability)
        if region.fails_over_to:
            graph.add_edge(region.name, region.fails_over_to, kind="fails_over_to")
            if stateful:
                graph.add_edge(region.name, region.fails_over_to, kind="replicates_to", what="snapshots")
        for zone in region.zones:
            graph.add_node(zone, kind="zone", region=region.name, availability=region.zone.availability)
            graph.add_edge(region.name, zone, kind="contains")
        # '@' is reserved in names: "REGION@ingress" is no zone, region or service.
        ingress = f"{region.name}{INGRESS}"
        for a, b, behaviour in (region.network.links if region.network else ()):
            ends = [ingress if end == INGRESS else end for end in (a, b)]
            graph.add_node(ingress, kind="ingress", region=region.name)
            graph.add_edge(ends[0], ends[1], kind="link", availability=behaviour.availability)
        for role in topology.roles:
            _add_role(graph, topology, region, role, role.name in stateful)


def _add_role(graph: nx.MultiDiGraph, topology: Topology, region, role, stateful: bool) -> None:
    replicas = []
    common = f"{role.name}@{region.name}/common-cause"
    if role.common_cause is not None:
        graph.add_node(common, kind="common-cause", region=region.name, role=role.name)
    for zone in region.zones:
        for i in range(1, region.instances_per_zone(role) + 1):
            node = f"{role.name}@{zone}#{i}"
            graph.add_node(node, kind="instance", role=role.name, zone=zone, region=region.name,
                           availability=role.instance.availability)
            graph.add_edge(zone, node, kind="contains")
            for service in role.depends_on:
                graph.add_edge(node, service, kind="depends_on")
            if role.common_cause is not None:
                graph.add_edge(common, node, kind="fails")
            replicas.append(node)
    if stateful:
        for a in replicas:
            for b in replicas:
                if a != b and graph.nodes[a]["zone"] != graph.nodes[b]["zone"]:
                    graph.add_edge(a, b, kind="replicates_to", what="synchronous")


def _add_blocks(graph: nx.MultiDiGraph, system: BlockSystem) -> None:
    for component in system.components():
        graph.add_node(component.name, kind="component", availability=component.behaviour.availability)
        if component.common_cause:
            graph.add_node(component.common_cause, kind="common-cause")
            graph.add_edge(component.common_cause, component.name, kind="fails")
    _add_network_links(graph, system.root)


def _add_network_links(graph: nx.MultiDiGraph, block) -> None:
    if isinstance(block, Network):
        for u, v, component in block.edges:
            graph.add_edge(u, v, kind="link", component=component.name if component else None)
    elif not isinstance(block, Component):
        for child in block.children:
            _add_network_links(graph, child)
