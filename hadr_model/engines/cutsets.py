r"""Minimal cut sets and minimal path sets of a coherent structure, from its BDD.

A *cut set* is a set of elements whose failure alone fails the system; it is *minimal* when
no element can be left out. A *path set* is a set of elements whose being up alone keeps the
system up; the minimal path sets are the minimal cut sets of the dual function
``f^D(y) = ¬f(¬y)`` (:meth:`Bdd.dual <hadr_model.engines.bdd.Bdd.dual>`).

Algorithm
---------
Rauzy's minimal-solutions algorithm for coherent BDDs (A. Rauzy, "New algorithms for fault
trees analysis", *Reliability Engineering & System Safety* 40 (1993) 203–211): for a node
``f = ite(x, f_1, f_0)`` (``f_0`` implies ``f_1``),

``minsol(f) = minsol(f_0) ∪ {x} × (minsol(f_1) without minsol(f_0))``

where ``P without Q`` keeps the sets of ``P`` that contain no set of ``Q``. The families are
zero-suppressed decision diagrams (ZBDDs) over the same variable order, built bottom-up over
the BDD's nodes, so the number of cut sets can be astronomical while the diagram stays small.
From the ZBDD, each in one pass, without listing the sets:

* the number of minimal cut sets (exact, Python integers);
* the sum of their probabilities ``Σ_C Π_{i∈C} q_i`` — the rare-event approximation of the
  top-event probability (an upper bound for a coherent structure, close to it when
  probabilities are small);
* the **cut-set Fussell–Vesely** importance of every element,
  ``FV_cs(i) = Σ_{C ∋ i} P(C) / Σ_C P(C)``: the share of the rare-event sum carried by the
  minimal cut sets containing ``i``. This is the PRA codes' cut-set definition; it differs
  from the exact engine's *diagnostic* Fussell–Vesely ``P(i down | system down)``
  (:mod:`hadr_model.engines.importance`), which counts every system failure state in which
  ``i`` is down, cause or not.

A network (a two-terminal, K-terminal or all-terminal :class:`~hadr_model.topology.compiled.Unreachable`
node) is not a gate: :func:`expand_networks` first rewrites it, exactly, as the gates of its
minimal path sets ``P_1 … P_m`` (:func:`hadr_model.engines.network.minimal_path_sets`) — down
when every path set has an element down, ``AND_j OR_{i ∈ P_j} down_i`` — so its cut sets,
path sets and top-event probability come from the same diagram.

The sets themselves are listed most probable first by a best-first search over the ZBDD,
guided by each node's most probable completion (an exact bound): each step of the search
yields one set, so the ``top`` N cost about ``N × depth`` steps whatever the total number. Listing is bounded: at most
:data:`MAX_CUT_SETS` sets are produced; asking for more (or for all of a larger family) is a
:class:`~hadr_model.errors.SpecError` naming the count and the limit.

Examples
--------
The two-out-of-three pumps sharing one power supply ``s`` (element 0):

>>> import numpy as np
>>> from hadr_model.topology.compiled import AtLeast, Leaf, Node
>>> s, a, b, c = (Leaf(i) for i in range(4))
>>> top = Node((tuple(Node(((x, s),), AtLeast(1)) for x in (a, b, c)),), AtLeast(2))
>>> result = minimal_cut_sets(top, np.array([1e-3, 1e-2, 1e-2, 1e-2]))
>>> [(c.elements, round(c.probability, 9)) for c in result.sets]
[((0,), 0.001), ((1, 2), 0.0001), ((1, 3), 0.0001), ((2, 3), 0.0001)]
>>> [c.elements for c in minimal_path_sets(top, np.array([1e-3, 1e-2, 1e-2, 1e-2])).sets]
[(0, 1, 2), (0, 1, 3), (0, 2, 3)]
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SpecError
from ..topology.compiled import AtLeast, Leaf, Node, Part, Unreachable
from .bdd import _WIDTH, FALSE, MAX_BDD_NODES, MAX_BDD_STEPS, TRUE, Bdd, _Store, build
from .network import minimal_path_sets as network_path_sets

__all__ = ["MAX_CUT_SETS", "CutSet", "CutSets", "cut_set_fussell_vesely", "expand_networks", "minimal_cut_sets",
           "minimal_path_sets"]

MAX_CUT_SETS = 100_000


@dataclass(frozen=True)
class CutSet:
    """One minimal cut (or path) set: its elements (table indices, ascending) and the product of
    their unavailabilities (for a path set: of their availabilities)."""

    elements: tuple[int, ...]
    probability: float

    @property
    def order(self) -> int:
        return len(self.elements)

    def names(self, names: Sequence[str]) -> tuple[str, ...]:
        return tuple(names[i] for i in self.elements)


@dataclass(frozen=True)
class CutSets:
    """Minimal cut (or path) sets of a structure.

    Attributes
    ----------
    sets : tuple of CutSet
        The listed sets, most probable first (ties: fewer elements first, then by elements).
    count : int
        How many minimal sets there are in all (not only the listed ones).
    total_probability : float
        ``Σ P(C)`` over all of them: for cut sets, the rare-event approximation of the
        top-event probability.
    fussell_vesely : numpy.ndarray
        Per table element, the cut-set Fussell–Vesely importance ``Σ_{C ∋ i} P(C) / Σ_C P(C)``
        over all the sets (see the module docstring; not the diagnostic definition).
    kind : str
        ``"cut"`` or ``"path"``.
    """

    sets: tuple[CutSet, ...]
    count: int
    total_probability: float
    fussell_vesely: np.ndarray
    kind: str = "cut"

    def as_dicts(self, names: Sequence[str]) -> list[dict[str, Any]]:
        """JSON-ready rows: elements by name, order and probability."""
        return [{"elements": list(s.names(names)), "order": s.order, "probability": s.probability}
                for s in self.sets]


# --- minimal solutions ----------------------------------------------------------------------

class _Families(_Store):
    """ZBDD families of sets: ``0`` the empty family, ``1`` the family of the empty set."""

    def __init__(self, levels: int, max_nodes: int, max_steps: int, name: str) -> None:
        super().__init__(levels, max_nodes, max_steps, name, zero_suppressed=True)
        self.memo: dict[int, int] = {}

    def without(self, family: int, blockers: int) -> int:
        """The sets of ``family`` that contain no set of ``blockers`` (a minimal family)."""
        level, low, high, memo = self.level, self.low, self.high, self.memo
        out: list[int] = []
        stack: list[tuple[int, ...]] = [(family, blockers)]
        left = self.max_steps - self.steps
        steps = 0
        while stack:
            item = stack.pop()
            tag = item[0]
            if tag == -1:               # (-1, level, key): make the node from (low, high)
                h = out.pop()
                lo = out.pop()
                r = self.node(item[1], lo, h)
                memo[item[2]] = r
                out.append(r)
                continue
            if tag == -2:               # (-2, blockers): then remove these from the last result
                stack.append((out.pop(), item[1]))
                continue
            if tag == -3:               # (-3, key): remember the last result
                memo[item[1]] = out[-1]
                continue
            p, b = item
            if p == FALSE or b == TRUE or p == b:     # nothing left, or the empty set blocks all
                out.append(FALSE)
                continue
            if b == FALSE or p == TRUE:   # nothing blocks; {∅} is blocked only by ∅ (b ≠ {∅})
                out.append(p)
                continue
            key = p * _WIDTH + b
            r = memo.get(key, -1)
            if r >= 0:
                out.append(r)
                continue
            steps += 1
            if steps > left:
                self.too_many_steps()
            lp, lb = level[p], level[b]
            if lp < lb:                 # no blocker holds p's top element
                stack.append((-1, lp, key))
                stack.append((high[p], b))
                stack.append((low[p], b))
            elif lb < lp:               # no set of p holds the blockers' top: those can't block
                stack.append((-3, key))
                stack.append((p, low[b]))
            else:
                stack.append((-1, lp, key))
                stack.append((-2, high[b]))
                stack.append((high[p], low[b]))
                stack.append((low[p], low[b]))
        self.steps += steps
        return out[0]


def _minimal_solutions(bdd: Bdd, name: str, max_nodes: int, max_steps: int) -> Bdd:
    """The ZBDD of the minimal solutions of a coherent BDD (Rauzy), compact."""
    families = _Families(bdd.levels, max_nodes, max_steps, name)
    level, low, high = bdd.lists
    solution = [FALSE, TRUE] + [0] * bdd.size
    for u in range(2, len(level)):          # children before parents
        z0 = solution[low[u]]
        solution[u] = families.node(level[u], z0, families.without(solution[high[u]], z0))
    top = solution[bdd.root]
    keep, remap = families.live([top])
    zl, zlo, zhi = families.arrays()
    return Bdd(bdd.order, np.concatenate([[bdd.levels] * 2, zl[keep]]).astype(np.int64),
               np.concatenate([[0, 0], remap[zlo[keep]]]).astype(np.int64),
               np.concatenate([[0, 0], remap[zhi[keep]]]).astype(np.int64), int(remap[top]), bdd.elements)


def _sums(family: Bdd, weight: np.ndarray) -> tuple[int, float, np.ndarray]:
    """Number of sets, ``Σ Π weight`` and, per element, ``Σ_{C ∋ i} Π weight``, in one pass up
    and one down the ZBDD (no subtraction)."""
    level, low, high = family.lists
    w = weight[family.order].tolist()
    count = [0, 1] + [0] * family.size
    total = [0.0, 1.0] + [0.0] * family.size
    for u in range(2, len(level)):
        count[u] = count[low[u]] + count[high[u]]
        total[u] = total[low[u]] + w[level[u]] * total[high[u]]
    reach = [0.0] * len(level)
    reach[family.root] = 1.0
    containing = np.zeros(family.elements)
    per_level = [0.0] * family.levels
    for u in range(len(level) - 1, 1, -1):   # parents before children
        r = reach[u]
        reach[low[u]] += r
        reach[high[u]] += r * w[level[u]]
        per_level[level[u]] += r * w[level[u]] * total[high[u]]
    containing[family.order] = per_level
    return count[family.root], total[family.root], containing


def _most_probable(family: Bdd, weight: np.ndarray, top: int) -> list[CutSet]:
    """The ``top`` sets of largest ``Π weight``, most probable first.

    Each node's most probable completion is known exactly (bottom-up), so a state taken from
    the heap — a node reached with a prefix product — is followed down its best completion to
    a set at once, and each branch left on the way goes on the heap with its own best value:
    one set per heap pop, ``O(depth)`` work each, whatever the ties (all sets of a k-of-n
    are equally probable).
    """
    level, low, high = family.lists
    w = weight[family.order].tolist()
    best = [0.0, 1.0] + [0.0] * family.size       # most probable completion from each node
    for u in range(2, len(level)):
        best[u] = max(best[low[u]], w[level[u]] * best[high[u]])
    order = family.order.tolist()
    found: list[CutSet] = []
    tick = 0
    heap: list[tuple[float, int, float, int, Any]] = []
    if family.root != FALSE:
        heap.append((-best[family.root], 0, 1.0, family.root, None))
    while heap and len(found) < top:
        _, _, prefix, u, chosen = heapq.heappop(heap)
        while u != TRUE:
            v, lo, hi = level[u], low[u], high[u]
            with_it = prefix * w[v]
            take_high = lo == FALSE or w[v] * best[hi] > best[lo]
            other = (prefix, lo, chosen) if take_high else (with_it, hi, (v, chosen))
            if other[1] != FALSE:
                tick += 1
                heapq.heappush(heap, (-other[0] * best[other[1]], tick, *other))
            if take_high:
                u, prefix, chosen = hi, with_it, (v, chosen)
            else:
                u = lo
        elements: list[int] = []
        while chosen is not None:
            elements.append(order[chosen[0]])
            chosen = chosen[1]
        found.append(CutSet(tuple(sorted(elements)), prefix))
    found.sort(key=lambda c: (-c.probability, c.order, c.elements))
    return found


def _sets(bdd: Bdd, weight: np.ndarray, top: int | None, max_sets: int, kind: str, name: str,
          max_nodes: int, max_steps: int) -> CutSets:
    if top is not None and (top < 0 or top > max_sets):
        raise SpecError("top", top, f"a number of {kind} sets from 0 to {max_sets:,}")
    family = _minimal_solutions(bdd, name, max_nodes, max_steps)
    count, total, containing = _sums(family, weight)
    wanted = count if top is None else min(top, count)
    if wanted > max_sets:
        raise SpecError("top", f"all {count:,} minimal {kind} sets",
                        f"at most {max_sets:,} listed: ask for the most probable ones (--top N)")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, containing / total, 0.0)
    return CutSets(tuple(_most_probable(family, weight, wanted)), count, total, share, kind)


def _diagram(root: Part | Bdd, q: np.ndarray, name: str, max_nodes: int, max_steps: int,
             counts: np.ndarray | None, names: Sequence[str] | None) -> Bdd:
    return root if isinstance(root, Bdd) else build(root, len(q), name=name, counts=counts, names=names,
                                                    max_nodes=max_nodes, max_steps=max_steps)


def minimal_cut_sets(root: Part | Bdd, q: Any, *, top: int | None = None, max_sets: int = MAX_CUT_SETS,
                     name: str = "structure", counts: np.ndarray | None = None, names: Sequence[str] | None = None,
                     max_nodes: int = MAX_BDD_NODES, max_steps: int = MAX_BDD_STEPS) -> CutSets:
    """Minimal cut sets of the top event, most probable first.

    Parameters
    ----------
    root : Part or Bdd
        A coherent structure (see :func:`hadr_model.engines.bdd.build`) or its diagram.
    q : array
        Element unavailabilities (table order): a cut set's probability is ``Π_{i∈C} q_i``.
    top : int, optional
        List only the ``top`` most probable sets (the counts, sums and importance still cover
        all of them). Without it, every set is listed.
    max_sets : int
        The most sets listed; asking for more is refused.
    name, counts, names, max_nodes, max_steps
        Error field, the table's copies and names (an element of several copies is refused,
        named), and the budget of the diagrams (the BDD and the ZBDD each).

    Raises
    ------
    SpecError
        ``top`` out of range, more than ``max_sets`` sets to list, or a diagram past the budget.
    """
    q = np.asarray(q, dtype=float)
    bdd = _diagram(root, q, name, max_nodes, max_steps, counts, names)
    return _sets(bdd, q, top, max_sets, "cut", name, max_nodes, max_steps)


def minimal_path_sets(root: Part | Bdd, q: Any, *, top: int | None = None, max_sets: int = MAX_CUT_SETS,
                      name: str = "structure", counts: np.ndarray | None = None, names: Sequence[str] | None = None,
                      max_nodes: int = MAX_BDD_NODES, max_steps: int = MAX_BDD_STEPS) -> CutSets:
    """Minimal path sets: the minimal sets of elements whose being up keeps the system up
    (the minimal cut sets of the dual structure), most probable first — a set's probability is
    ``Π_{i∈S} (1 − q_i)``, and ``fussell_vesely`` is the same share over path sets.
    Parameters as :func:`minimal_cut_sets`."""
    q = np.asarray(q, dtype=float)
    bdd = _diagram(root, q, name, max_nodes, max_steps, counts, names)
    return _sets(bdd.dual(), 1.0 - q, top, max_sets, "path", name, max_nodes, max_steps)


def cut_set_fussell_vesely(root: Part | Bdd, q: Any) -> np.ndarray:
    """Cut-set Fussell–Vesely importance of every table element:
    ``Σ_{C ∋ i} Π_{j∈C} q_j / Σ_C Π_{j∈C} q_j`` over the minimal cut sets ``C`` (the rare-event
    definition of PRA codes, *not* the diagnostic ``P(i down | system down)`` of the exact
    engine). Lists no set, so it works however many there are.

    Examples
    --------
    >>> from hadr_model.topology.compiled import AtLeast, Leaf, Node
    >>> series = Node(((Leaf(0), Node(((Leaf(1), Leaf(2)),), AtLeast(2))),), AtLeast(1))
    >>> cut_set_fussell_vesely(series, [0.01, 0.1, 0.1]).round(6).tolist()
    [0.5, 0.5, 0.5]
    """
    return minimal_cut_sets(root, q, top=0).fussell_vesely


# --- networks as gates ----------------------------------------------------------------------

def expand_networks(root: Part) -> Part:
    """The structure with every network node replaced by the gates of its minimal path sets.

    A network over channels ``c`` (each down when any of its parts is down) is down exactly
    when each of its minimal path sets ``P_j`` has a channel down:
    ``Node((OR_{c ∈ P_1}, …, OR_{c ∈ P_m}), AtLeast(m))``, each ``OR`` a ``Node`` over the parts
    of its channels with ``AtLeast(1)``. Other parts are kept (rebuilt only above a network);
    a part shared by several gates stays one part.

    Raises
    ------
    SpecError
        A network with more minimal trees than
        :data:`~hadr_model.engines.network.MAX_PATH_TREES` (named by its spec field).

    Examples
    --------
    Two terminals joined by two parallel edges (channels 0 and 1, elements 0 and 1):

    >>> from hadr_model.topology.compiled import Unreachable
    >>> net = Node(((Leaf(0),), (Leaf(1),)), Unreachable("s", "t", ("s", "t"), {}, [("s", "t", 0), ("s", "t", 1)]))
    >>> gates = expand_networks(net)
    >>> gates.rule.m, [path.element for path in gates.channels[0]]    # both paths down: AND of the edges
    (2, [0, 1])
    """
    memo: dict[int, Part] = {}
    stack: list[tuple[Part, bool]] = [(root, False)]
    while stack:
        part, expanded = stack.pop()
        if id(part) in memo or isinstance(part, Leaf) or not isinstance(part, Node):
            memo.setdefault(id(part), part)
            continue
        children = [child for channel in part.channels for child in channel]
        if not expanded:
            stack.append((part, True))
            stack.extend((child, False) for child in children if id(child) not in memo)
            continue
        channels = tuple(tuple(memo[id(child)] for child in channel) for channel in part.channels)
        if isinstance(part.rule, Unreachable):
            memo[id(part)] = _network_gates(part.rule, channels)
        elif all(new is old for new, old in zip((c for ch in channels for c in ch), children)):
            memo[id(part)] = part
        else:
            memo[id(part)] = Node(channels, part.rule)
    return memo[id(root)]


def _network_gates(rule: Unreachable, channels: tuple[tuple[Part, ...], ...]) -> Node:
    edges = [(u, v, channel) for u, v, channel in rule.edges]
    paths = network_path_sets(edges, rule.terminals, rule.node_channels, field=rule.field)
    ors: list[Part] = []
    for path in paths:
        parts = tuple(part for channel in sorted(path) for part in channels[channel])
        if not parts:       # terminals joined by elements that never fail: never down
            return Node(((),), AtLeast(1))
        ors.append(parts[0] if len(parts) == 1 else Node((parts,), AtLeast(1)))
    return Node((tuple(ors),), AtLeast(len(ors)))   # no path at all: AtLeast(0), always down
