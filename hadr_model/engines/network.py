r"""Network availability by factoring (pivotal decomposition): two-terminal, K-terminal, all-terminal.

For a graph whose edges and inner nodes fail independently, the probability that every node
of a set ``K`` of *terminals* is connected to every other (two-terminal: ``K = {s, t}``;
all-terminal: every node) satisfies, for any edge ``e`` with availability ``p_e``,

``R_K(G) = p_e · R_{K'}(G / e) + (1 − p_e) · R_K(G − e)``

(contract the edge when it is up — the merged node is a terminal when either end was, and
``R = 1`` once one terminal is left — delete it when it is down). Before each pivot the graph
is reduced by rules exact for any terminal set (A. Satyanarayana and R. K. Wood, "A
linear-time algorithm for computing K-terminal reliability in series-parallel networks",
*SIAM J. Computing* 14 (1985) 818–832):

* parallel edges merge: ``1 − (1 − p_1)(1 − p_2)``;
* a **non-terminal** node of degree two with two neighbours becomes one edge (``p_1 p_2``):
  it only relays, so its edges matter only together (a terminal of degree two does not: its
  own connection counts);
* a non-terminal node of degree one and the parts of the graph holding no terminal are dropped;
* the terminals not all in one component (every edge up): ``R = 0``.

Failing nodes are handled by conditioning on their states first: a down node removes its
edges, and every terminal must be up (``R`` carries the product of their availabilities).
The cost is exponential in the number of failing elements in the worst case, so the engine
refuses networks with more than :data:`MAX_UNCERTAIN` of them.

Minimal path sets (:func:`minimal_path_sets`): the minimal sets of failing elements whose
being up alone connects the terminals. Each is the failing part of a minimal *Steiner tree*
— a tree of the graph whose leaves are all terminals (two terminals: a simple path; every
node: a spanning tree). The trees are listed by growing a tree terminal by terminal (the
``k``-th terminal joins the tree of the first ``k − 1`` by a simple path that meets it only
at its end), which lists each minimal Steiner tree exactly once; their failing elements,
with the supersets dropped, are the minimal path sets. The count can grow exponentially, so
at most :data:`MAX_PATH_TREES` trees are listed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence

from ..errors import SpecError

__all__ = ["MAX_PATH_TREES", "MAX_UNCERTAIN", "MAX_UNCERTAIN_NODES", "minimal_path_sets",
           "network_availability", "two_terminal_availability"]

MAX_UNCERTAIN = 40
MAX_UNCERTAIN_NODES = 12
MAX_PATH_TREES = 20_000

Edge = tuple[str, str, float]
Graph = dict[tuple[str, str], float]


def two_terminal_availability(
    edges: Sequence[Edge],
    source: str,
    target: str,
    node_availability: Mapping[str, float] | None = None,
) -> float:
    """Probability that ``source`` and ``target`` are connected (:func:`network_availability`
    with two terminals).

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
    return network_availability(edges, (source, target), node_availability)


def network_availability(
    edges: Sequence[Edge],
    terminals: Sequence[str],
    node_availability: Mapping[str, float] | None = None,
    *,
    field: str = "network",
) -> float:
    """Probability that every terminal is connected to every other over up nodes and edges.

    Parameters
    ----------
    edges : sequence of (u, v, availability)
        Undirected edges; parallel edges are allowed.
    terminals : sequence of str
        The nodes that must be connected (two or more; every node for all-terminal reliability).
    node_availability : mapping, optional
        Availability of nodes that can fail (missing nodes never fail); a terminal must be up.
    field : str
        The spec field named by a refusal.

    Raises
    ------
    SpecError
        Fewer than two terminals, or more than :data:`MAX_UNCERTAIN` failing elements (of
        which at most :data:`MAX_UNCERTAIN_NODES` non-terminal nodes).

    Examples
    --------
    All-terminal reliability of the triangle (a spanning tree is any two of its edges):
    ``p³ + 3p²(1 − p)``.

    >>> triangle = [("a", "b", .9), ("b", "c", .9), ("a", "c", .9)]
    >>> round(network_availability(triangle, ["a", "b", "c"]), 12)
    0.972
    """
    wanted = tuple(dict.fromkeys(terminals))
    if len(wanted) < 2:
        raise SpecError(f"{field}.terminals", list(wanted), "at least two different terminals")
    nodes = dict(node_availability or {})
    up_terminals = math.prod(nodes.pop(t, 1.0) for t in wanted)
    uncertain_nodes = [n for n, p in nodes.items() if p < 1.0]
    uncertain_edges = sum(1 for *_, p in edges if 0.0 < p < 1.0)
    if len(uncertain_nodes) > MAX_UNCERTAIN_NODES or uncertain_edges + len(uncertain_nodes) > MAX_UNCERTAIN:
        raise SpecError(field, f"{uncertain_edges} failing edges and {len(uncertain_nodes)} failing nodes",
                        f"at most {MAX_UNCERTAIN} failing elements (of which at most {MAX_UNCERTAIN_NODES} "
                        "nodes) for the exact network engine (Monte Carlo has no such limit: hadr simulate)")
    if up_terminals == 0.0:
        return 0.0
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
        total += weight * _factor(_normalise(kept), frozenset(wanted))
    return up_terminals * total


def _normalise(edges: Iterable[Edge]) -> Graph:
    """Merge parallel edges and drop loops and dead edges; keys are sorted node pairs."""
    graph: Graph = {}
    for u, v, p in edges:
        if u == v or p <= 0.0:
            continue
        key = (u, v) if u < v else (v, u)
        graph[key] = 1.0 - (1.0 - graph.get(key, 0.0)) * (1.0 - p)
    return graph


def _factor(graph: Graph, terminals: frozenset[str]) -> float:
    if len(terminals) < 2:
        return 1.0
    reduced = _reduce(graph, terminals)
    if reduced is None:
        return 0.0
    graph = reduced
    # A perfect edge is contracted at no cost; otherwise pivot on an edge at a terminal (its
    # contraction removes a terminal, its deletion often cuts one off).
    key = next((k for k, p in graph.items() if p >= 1.0), None)
    if key is not None:
        return _contracted(graph, key, terminals)
    key = next((k for k in graph if k[0] in terminals or k[1] in terminals), next(iter(graph)))
    p = graph[key]
    rest = dict(graph)
    del rest[key]
    return p * _contracted(graph, key, terminals) + (1.0 - p) * _factor(rest, terminals)


def _contracted(graph: Graph, key: tuple[str, str], terminals: frozenset[str]) -> float:
    keep, gone = key
    merged = ((keep if u == gone else u, keep if v == gone else v, p) for (u, v), p in graph.items() if (u, v) != key)
    if gone in terminals:
        terminals = (terminals - {gone}) | {keep}
    return _factor(_normalise(merged), terminals)


def _neighbours(graph: Graph) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for u, v in graph:
        out.setdefault(u, []).append(v)
        out.setdefault(v, []).append(u)
    return out


def _reduce(graph: Graph, terminals: frozenset[str]) -> Graph | None:
    """Exact series / dangling / component reductions; ``None`` when the terminals are apart."""
    while True:
        around = _neighbours(graph)
        first = next(iter(terminals))
        if first not in around:
            return None
        seen, todo = {first}, [first]
        while todo:
            for n in around[todo.pop()]:
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        if not terminals <= seen:
            return None
        if len(seen) < len(around):
            graph = {k: p for k, p in graph.items() if k[0] in seen}
        inner = next((n for n in seen if n not in terminals and len(around[n]) <= 2), None)
        if inner is None:
            return graph
        ends = around[inner]
        if len(ends) == 2:
            p = math.prod(p for k, p in graph.items() if inner in k)
            rest = ((u, v, q) for (u, v), q in graph.items() if inner not in (u, v))
            graph = _normalise(itertools.chain(rest, [(ends[0], ends[1], p)]))
        else:
            graph = {k: p for k, p in graph.items() if inner not in k}


# --- minimal path sets ----------------------------------------------------------------------

def minimal_path_sets(
    edges: Sequence[tuple[str, str, int | None]],
    terminals: Sequence[str],
    node_elements: Mapping[str, int] | None = None,
    *,
    max_trees: int = MAX_PATH_TREES,
    field: str = "network",
) -> list[frozenset[int]]:
    """The minimal path sets of a network: minimal sets of failing elements whose being up
    alone connects every terminal (see the module docstring).

    Parameters
    ----------
    edges : sequence of (u, v, element or None)
        Undirected edges, each with the id of its failing element (``None``: never fails).
    terminals : sequence of str
        Two or more nodes that must be connected.
    node_elements : mapping, optional
        The element id of each node that can fail.
    max_trees : int
        The most Steiner trees listed; more is a :class:`SpecError`.

    Returns
    -------
    list of frozenset of int
        The minimal path sets, smallest first (an empty set: the terminals are always connected).

    Examples
    --------
    The bridge (edges 0 … 4: s–a, s–b, a–b, a–t, b–t) has four minimal paths:

    >>> bridge = [("s", "a", 0), ("s", "b", 1), ("a", "b", 2), ("a", "t", 3), ("b", "t", 4)]
    >>> sorted(sorted(p) for p in minimal_path_sets(bridge, ["s", "t"]))
    [[0, 2, 4], [0, 3], [1, 2, 3], [1, 4]]
    """
    wanted = tuple(dict.fromkeys(terminals))
    if len(wanted) < 2:
        raise SpecError(f"{field}.terminals", list(wanted), "at least two different terminals")
    node_elements = dict(node_elements or {})
    around: dict[str, list[tuple[int, str]]] = {}
    for i, (u, v, _) in enumerate(edges):
        if u != v:
            around.setdefault(u, []).append((i, v))
            around.setdefault(v, []).append((i, u))
    trees: list[tuple[frozenset[int], frozenset[str]]] = [(frozenset(), frozenset([wanted[0]]))]
    for terminal in wanted[1:]:
        grown: list[tuple[frozenset[int], frozenset[str]]] = []
        for tree_edges, tree_nodes in trees:
            if terminal in tree_nodes:
                grown.append((tree_edges, tree_nodes))
                continue
            for path_edges, path_nodes in _joining_paths(around, terminal, tree_nodes):
                grown.append((tree_edges | path_edges, tree_nodes | path_nodes))
                if len(grown) > max_trees:
                    raise SpecError(field, f"more than {max_trees:,} minimal trees joining the terminals",
                                    f"at most {max_trees:,} minimal path sets for a network (fewer edges or "
                                    "terminals)")
        trees = grown
    failing = {frozenset([e for i in tree_edges if (e := edges[i][2]) is not None]
                         + [node_elements[n] for n in tree_nodes if n in node_elements])
               for tree_edges, tree_nodes in trees}
    return _minimal(failing)


def _joining_paths(around: Mapping[str, list[tuple[int, str]]], start: str,
                   tree: frozenset[str]) -> Iterable[tuple[frozenset[int], frozenset[str]]]:
    """Simple paths from ``start`` (not in ``tree``) to a node of ``tree``, meeting it only there:
    their edge indices and the nodes they add (iterative depth-first search)."""
    path_nodes = [start]
    path_edges: list[int] = []
    on_path = {start}
    stack = [iter(around.get(start, ()))]
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            if path_edges:
                path_edges.pop()
            on_path.discard(path_nodes.pop())
            continue
        edge, node = step
        if node in on_path:
            continue
        if node in tree:
            yield frozenset([*path_edges, edge]), frozenset(path_nodes)
            continue
        path_nodes.append(node)
        path_edges.append(edge)
        on_path.add(node)
        stack.append(iter(around.get(node, ())))


def _minimal(sets: Iterable[frozenset[int]]) -> list[frozenset[int]]:
    """The sets no other set is a proper subset of, smallest first (then by elements)."""
    kept: list[frozenset[int]] = []
    by_element: dict[int, list[frozenset[int]]] = {}
    for candidate in sorted(sets, key=lambda s: (len(s), sorted(s))):
        if kept and not kept[0]:    # the empty set is kept: every other set is a superset of it
            break
        # Only kept sets sharing an element with the candidate can be subsets of it.
        pool = {id(k): k for e in candidate for k in by_element.get(e, ())}
        if any(k <= candidate for k in pool.values()):
            continue
        kept.append(candidate)
        for e in candidate:
            by_element.setdefault(e, []).append(candidate)
    return kept
