"""Two-terminal network availability by factoring (pivotal decomposition).

For a graph whose edges and inner nodes fail independently, the probability that ``source``
reaches ``target`` satisfies, for any edge ``e`` with availability ``p_e``,

``R(G) = p_e · R(G / e) + (1 − p_e) · R(G − e)``

(contract the edge when it is up, delete it when it is down). Before each pivot the graph is
reduced exactly: parallel edges merge (``1 − (1 − p_1)(1 − p_2)``), an inner node of degree two
with two neighbours becomes one edge (``p_1 p_2``), dangling inner nodes and edges that cannot
lie on a source–target path are dropped. Failing inner nodes are handled by conditioning on
their states first. The cost is exponential in the number of failing elements in the worst
case, so the engine refuses networks with more than :data:`MAX_UNCERTAIN` of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from ..errors import SpecError

__all__ = ["MAX_UNCERTAIN", "two_terminal_availability"]

MAX_UNCERTAIN = 40
MAX_UNCERTAIN_NODES = 12

Edge = tuple[str, str, float]


def two_terminal_availability(
    edges: Sequence[Edge],
    source: str,
    target: str,
    node_availability: Mapping[str, float] | None = None,
) -> float:
    """Probability that ``source`` and ``target`` are connected.

    Parameters
    ----------
    edges : sequence of (u, v, availability)
        Undirected edges; parallel edges are allowed.
    source, target : str
        The two terminals.
    node_availability : mapping, optional
        Availability of nodes that can fail (missing nodes never fail).

    Examples
    --------
    The bridge with every element at 0.9 (closed form ``2p² + 2p³ − 5p⁴ + 2p⁵``):

    >>> bridge = [("s", "a", .9), ("s", "b", .9), ("a", "b", .9), ("a", "t", .9), ("b", "t", .9)]
    >>> round(two_terminal_availability(bridge, "s", "t"), 6)
    0.97848
    """
    nodes = dict(node_availability or {})
    terminals = nodes.pop(source, 1.0) * nodes.pop(target, 1.0)
    uncertain_nodes = [n for n, p in nodes.items() if p < 1.0]
    uncertain_edges = sum(1 for *_, p in edges if 0.0 < p < 1.0)
    if len(uncertain_nodes) > MAX_UNCERTAIN_NODES or uncertain_edges + len(uncertain_nodes) > MAX_UNCERTAIN:
        raise SpecError("network", f"{uncertain_edges} failing edges and {len(uncertain_nodes)} failing nodes",
                        f"at most {MAX_UNCERTAIN} failing elements (of which at most {MAX_UNCERTAIN_NODES} "
                        "nodes) for the exact network engine")
    total = 0.0
    for states in itertools.product((True, False), repeat=len(uncertain_nodes)):
        weight = 1.0
        down = set()
        for node, up in zip(uncertain_nodes, states):
            weight *= nodes[node] if up else 1.0 - nodes[node]
            if not up:
                down.add(node)
        if weight == 0.0:
            continue
        kept = [(u, v, p) for u, v, p in edges if u not in down and v not in down]
        total += weight * _factor(_normalise(kept), source, target)
    return terminals * total


def _normalise(edges: Sequence[Edge]) -> dict[tuple[str, str], float]:
    """Merge parallel edges and drop loops and dead edges; keys are sorted node pairs."""
    graph: dict[tuple[str, str], float] = {}
    for u, v, p in edges:
        if u == v or p <= 0.0:
            continue
        key = (u, v) if u < v else (v, u)
        graph[key] = 1.0 - (1.0 - graph.get(key, 0.0)) * (1.0 - p)
    return graph


def _factor(graph: dict[tuple[str, str], float], source: str, target: str) -> float:
    graph = _reduce(graph, source, target)
    if graph is None:
        return 0.0
    if not graph:
        return 1.0
    perfect = next((key for key, p in graph.items() if p >= 1.0), None)
    if perfect is not None:
        return _factor_contracted(graph, perfect, source, target)
    key = next((k for k in graph if source in k), next(iter(graph)))
    p = graph[key]
    up = _factor_contracted(graph, key, source, target)
    rest = dict(graph)
    del rest[key]
    return p * up + (1.0 - p) * _factor(rest, source, target)


def _factor_contracted(graph: dict[tuple[str, str], float], key: tuple[str, str], source: str,
                       target: str) -> float:
    keep, gone = key
    if gone in (source, target):
        keep, gone = gone, keep
    if {keep, gone} == {source, target}:
        return 1.0
    merged = [(keep if u == gone else u, keep if v == gone else v, p)
              for (u, v), p in graph.items() if (u, v) != key]
    return _factor(_normalise(merged), source, target)


def _reduce(graph: dict[tuple[str, str], float], source: str, target: str) -> dict[tuple[str, str], float] | None:
    """Exact series / dangling reductions; ``None`` when source and target are disconnected."""
    import networkx as nx  # only a network block needs it (~0.2 s to import)

    while True:
        nx_graph = nx.Graph(list(graph))
        if source not in nx_graph or target not in nx_graph or not nx.has_path(nx_graph, source, target):
            return None
        component = nx.node_connected_component(nx_graph, source)
        graph = {k: p for k, p in graph.items() if k[0] in component}
        nx_graph = nx_graph.subgraph(component)
        inner = next((n for n in nx_graph if n not in (source, target) and nx_graph.degree(n) <= 2), None)
        if inner is None:
            return graph
        neighbours = list(nx_graph.neighbors(inner))
        edges = [(k, p) for k, p in graph.items() if inner in k]
        graph = {k: p for k, p in graph.items() if inner not in k}
        if len(neighbours) == 2:
            (_, p1), (_, p2) = edges
            graph = _normalise([(neighbours[0], neighbours[1], p1 * p2)] + [(u, v, p) for (u, v), p in graph.items()])
