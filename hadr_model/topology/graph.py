"""The topology as a networkx graph with typed nodes and edges.

Node attribute ``kind``: ``region``, ``zone``, ``instance``, ``global``, ``component``,
``common-cause``; edge attribute ``kind``: ``contains`` (region → zone → instance),
``depends_on`` (instance → global service), ``replicates_to`` (between the replicas of a
stateful role, and a region's snapshot copy to its failover region), ``fails_over_to``
(region → region), ``link`` (network links) and ``fails`` (common-cause element → instance).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from .compiled import CompiledModel, RegionSite, RoleSite
from .model import INGRESS, Model, Topology

if TYPE_CHECKING:   # networkx only when a graph is asked for
    import networkx as nx

__all__ = ["to_graph"]


def to_graph(model: Model) -> nx.MultiDiGraph:
    """Build the typed graph of a model from its compiled element table and structure.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> graph = to_graph(load_spec())
    >>> sorted({kind for _, kind in graph.nodes(data="kind")})
    ['common-cause', 'global', 'instance', 'region', 'zone']
    """
    import networkx as nx

    compiled = model.compiled
    graph = nx.MultiDiGraph(name=compiled.name)
    if compiled.form == "blocks":
        _add_blocks(graph, compiled)
    else:
        _add_regions(graph, compiled, cast(Topology, model))
    return graph


def _short(name: str) -> str:
    """The graph's node name of an element: its label without the ``kind:`` prefix."""
    return name.split(":", 1)[1]


def _add_regions(graph: nx.MultiDiGraph, compiled: CompiledModel, topology: Topology) -> None:
    table = compiled.elements
    for service in topology.global_services:     # unused ones are shown too, unconnected
        graph.add_node(service.name, kind="global", availability=service.behaviour.availability)
    stateful = any(role.stateful for site in compiled.regions for role in site.roles)
    for site in compiled.regions:
        graph.add_node(site.name, kind="region", home=site.home, availability=float(table.p[site.region]))
        if site.fails_over_to:
            graph.add_edge(site.name, site.fails_over_to, kind="fails_over_to")
            if stateful:
                graph.add_edge(site.name, site.fails_over_to, kind="replicates_to", what="snapshots")
        for zone, index in zip(site.zone_names, site.zones):
            graph.add_node(zone, kind="zone", region=site.name, availability=float(table.p[index]))
            graph.add_edge(site.name, zone, kind="contains")
        # '@' is reserved in names: "REGION@ingress" is no zone, region or service.
        ingress = f"{site.name}{INGRESS}"
        for a, b, index in site.links:
            ends = [ingress if end == INGRESS else end for end in (a, b)]
            graph.add_node(ingress, kind="ingress", region=site.name)
            graph.add_edge(ends[0], ends[1], kind="link", availability=float(table.p[index]))
        for role in site.roles:
            _add_role(graph, compiled, site, role)


def _add_role(graph: nx.MultiDiGraph, compiled: CompiledModel, site: RegionSite, role: RoleSite) -> None:
    table = compiled.elements
    replicas = []
    common = f"{role.name}@{site.name}/common-cause"
    if role.common_cause is not None:
        graph.add_node(common, kind="common-cause", region=site.name, role=role.name)
    services = [_short(table.names[g]) for g in role.depends_on]
    for zone, group in zip(site.zone_names, role.instances):
        for i in range(1, int(table.counts[group]) + 1):
            node = f"{role.name}@{zone}#{i}"
            graph.add_node(node, kind="instance", role=role.name, zone=zone, region=site.name,
                           availability=float(table.p[group]))
            graph.add_edge(zone, node, kind="contains")
            for service in services:
                graph.add_edge(node, service, kind="depends_on")
            if role.common_cause is not None:
                graph.add_edge(common, node, kind="fails")
            replicas.append(node)
    if role.stateful:
        for a in replicas:
            for b in replicas:
                if a != b and graph.nodes[a]["zone"] != graph.nodes[b]["zone"]:
                    graph.add_edge(a, b, kind="replicates_to", what="synchronous")


def _add_blocks(graph: nx.MultiDiGraph, compiled: CompiledModel) -> None:
    table = compiled.elements
    for i, name in enumerate(table.names):
        if table.kinds[i] != "component":
            continue
        graph.add_node(name, kind="component", availability=float(table.p[i]))
        cause = int(table.common_cause[i])
        if cause >= 0:
            graph.add_node(table.names[cause], kind="common-cause")
            graph.add_edge(table.names[cause], name, kind="fails")
    for u, v, index in compiled.block_links:
        graph.add_edge(u, v, kind="link", component=table.names[index] if index is not None else None)
