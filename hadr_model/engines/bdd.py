r"""Exact top-event probability and importance of a coherent structure with shared events, by BDD.

The structure is the compiled model's tree of parts (:mod:`hadr_model.topology.compiled`) when
its nodes are all :class:`~hadr_model.topology.compiled.AtLeast` gates (series, parallel,
k-of-n, AND / OR / ATLEAST of a fault tree) and its leaves are basic events with one copy
each. A leaf may feed several gates (it is one :class:`Leaf` object wherever it is used), so
the structure is a DAG, and the tree formulas of the exact block engine no longer apply; a
reduced ordered binary decision diagram (BDD) of the top event handles any sharing exactly.

Diagram
-------
Variable ``x_i = 1`` means "element ``i`` is down" and the top event ``f(x) = 1`` "the system
is down"; the structure is coherent (monotone), so at every node the low child (element up)
implies the high child (element down).
The diagram is built bottom-up by ``AND`` / ``OR`` *apply* over a unique table (one node per
``(variable, low, high)``: reduced) and a computed table (memoised apply results); an
``AtLeast(m)`` gate over operands ``g_1 … g_n`` by the threshold recursion
``T(i, j) = T(i+1, j) ∨ (g_i ∧ T(i+1, j−1))`` (at least ``j`` of ``g_i … g_n``), ``O(n·m)``
applies, operands taken deepest first. Everything is iterative: no Python recursion limit.

Variable order: depth-first, left to right, the order in which the basic events are first
reached from the top event. It keeps the events of one gate together, which is what makes
tree-like structures small; it is a heuristic — a bad order can make a diagram exponentially
larger, which the node budget catches.

Modules: for probabilities and importance the structure is first cut into independent
modules (gates whose inputs feed nothing else, found in linear time), one diagram each, the
module standing as one variable in the diagram above it (:class:`Modules`): sizes add up
instead of multiplying. The cut-set engine takes the one diagram of the whole structure
(:func:`build`).

Cost bounds: at most :data:`MAX_BDD_NODES` nodes exist at once, over all the diagrams of a
structure (about 200 bytes each, with a computed table of at most 2^20 entries: about
0.45 GB and 9 s to reach the limit here; garbage is collected between gates), and at most
:data:`MAX_BDD_STEPS` steps are taken (about a second per million); past either,
:class:`~hadr_model.errors.SpecError` names the structure and the limit.

Probabilities
-------------
With ``q_i = P(x_i = 1)`` (unavailability of element ``i``) and ``p_i = 1 − q_i``, Shannon
decomposition gives, bottom-up, ``P(u) = q_i P(high) + p_i P(low)``: a sum of non-negative
terms, so the top-event probability keeps its digits however small it is (it is never
computed as ``1 − A``). Top-down, the forward path probability ``F(u)`` (the probability of
reaching ``u`` from the top) follows the same way, and for every element at once

* Birnbaum ``I_B(i) = ∂P/∂q_i = Σ_{u tests i} F(u) · P(high(u) ∧ ¬low(u))``, the difference
  ``P(high) − P(low)`` taken where a bound of its rounding error stays below ``1e-12`` of
  ``I_B(i)``, and otherwise computed as the probability of ``high ∧ ¬low`` by a joint descent
  of both children (a sum of non-negative terms again), so that a Birnbaum importance of
  ``1e-60`` keeps its digits as well as one of ``0.5``;
* ``q_up(i)`` / ``q_down(i)``, the top-event probability with ``i`` forced up / down:
  ``Σ_{u tests i} F(u) · P(low(u))`` (``P(high(u))``) plus the probability carried by the
  edges that jump over ``i``'s level — both sums of non-negative terms, unlike
  ``P − q_i I_B``.

These are the inputs of :func:`hadr_model.engines.importance.importance_measures`, and the
failure frequency is ``ω = Σ_i count_i · I_B(i) / (MTTF_i + MTTR_i)`` as in the exact engine
(:meth:`BddAnalysis.failures_per_hour`).

Examples
--------
Two-out-of-three voting over three pumps that share one power supply ``s``:

>>> import numpy as np
>>> from hadr_model.topology.compiled import AtLeast, Leaf, Node
>>> s, a, b, c = (Leaf(i) for i in range(4))
>>> pumps = [Node(((x, s),), AtLeast(1)) for x in (a, b, c)]
>>> top = Node((tuple(pumps),), AtLeast(2))
>>> q = np.array([1e-3, 1e-2, 1e-2, 1e-2])
>>> round(top_event_probability(top, q), 12)     # s + (1 − s)(3 q² − 2 q³)
0.001297702
>>> [round(float(x), 9) for x in birnbaum(top, q)]      # 1 − (3q² − 2q³), (1 − s)(2q − 2q²)
[0.999702, 0.0197802, 0.0197802, 0.0197802]
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..errors import SpecError
from ..topology.compiled import AtLeast, ElementTable, Leaf, Node, Part
from .importance import importance_measures

__all__ = ["MAX_BDD_NODES", "MAX_BDD_STEPS", "Bdd", "BddAnalysis", "Modules", "analyse", "birnbaum", "build",
           "build_modules", "top_event_probability", "unavailabilities", "variable_order"]

MAX_BDD_NODES = 2_000_000
MAX_BDD_STEPS = 30_000_000
FALSE, TRUE = 0, 1
_AND, _OR = 0, 1
_WIDTH = 1 << 22                    # node ids stay below this: unique-table keys are one int
_MAX_COMPUTED = 1 << 20             # entries of the computed table before it is cleared
_BIRNBAUM_TOLERANCE = 1e-12         # rounding error allowed in a Birnbaum importance, relative


# --- the diagram ----------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Bdd:
    """A reduced ordered BDD of a top event, compact: only the nodes reachable from the root.

    Nodes ``0`` and ``1`` are the terminals (system up / down). Internal nodes ``2 …`` are
    sorted by level, deepest first, so every node comes after its children and each level is
    one contiguous slice (:meth:`nodes_at`).

    Attributes
    ----------
    order : numpy.ndarray
        The element of the table tested at each level, top level first.
    level, low, high : numpy.ndarray
        Per node: its level (terminals: ``len(order)``), its child with the element up and
        with the element down.
    root : int
        The top event.
    elements : int
        Size of the element table (length of the ``q`` vectors this diagram takes).
    """

    order: np.ndarray
    level: np.ndarray
    low: np.ndarray
    high: np.ndarray
    root: int
    elements: int

    @property
    def size(self) -> int:
        """Number of internal nodes."""
        return len(self.level) - 2

    @property
    def levels(self) -> int:
        return len(self.order)

    @cached_property
    def _bounds(self) -> tuple[list[int], list[int]]:
        # Levels descend along the nodes: level L follows every deeper level.
        counts = np.bincount(self.level[2:], minlength=self.levels)[: self.levels]
        ends = 2 + np.cumsum(counts[::-1])[::-1]
        return (ends - counts).tolist(), ends.tolist()

    def nodes_at(self, level: int) -> slice:
        """The nodes testing the element of ``level`` (a contiguous slice)."""
        starts, ends = self._bounds
        return slice(starts[level], ends[level])

    @cached_property
    def lists(self) -> tuple[list[int], list[int], list[int]]:
        """``level``, ``low``, ``high`` as Python lists (fast scalar access in loops)."""
        return self.level.tolist(), self.low.tolist(), self.high.tolist()

    def dual(self) -> Bdd:
        """The dual function ``f^D(y) = ¬f(¬y)``: with ``y_i = 1`` for "element ``i`` up", it is 1
        when the system is up. Swapping the terminals and each node's children gives it, still
        reduced and ordered; its minimal solutions are the minimal path sets."""
        swap = np.arange(len(self.level))
        swap[:2] = [TRUE, FALSE]
        root = int(swap[self.root])
        return Bdd(self.order, self.level, swap[self.high], swap[self.low], root, self.elements)

    def evaluate(self, down: np.ndarray) -> np.ndarray:
        """Top event (1 = system down) in each column of ``down`` (``(elements, S)``, 1 = down)."""
        down = np.asarray(down)
        node = np.full(down.shape[1], self.root, dtype=np.int64)
        for _ in range(self.levels):
            columns = np.nonzero(node >= 2)[0]
            if not len(columns):
                break
            at = node[columns]
            bit = down[self.order[self.level[at]], columns]
            node[columns] = np.where(bit > 0, self.high[at], self.low[at])
        return node.astype(np.int8)


def variable_order(root: Part) -> list[int]:
    """Elements in depth-first, left-to-right order of first appearance from ``root``."""
    return _Walk(root, None, None, "structure").order


# --- building -------------------------------------------------------------------------------

class _Walk:
    """One depth-first pass over the parts: checks them, orders the leaves, counts parents."""

    def __init__(self, root: Part, counts: np.ndarray | None, names: Sequence[str] | None, name: str,
                 proxies: dict[int, int] | None = None) -> None:
        self.order: list[int] = []
        self.level: dict[int, int] = {}
        self.uses: dict[int, int] = {}         # id(part) -> parents that still need it
        self.post: list[Part] = []            # gates (and leaves) children first
        self.counts, self.names, self.name = counts, names, name
        # gates of independent modules below the root: variables here (see build_modules)
        self.proxies = {k: v for k, v in (proxies or {}).items() if k != id(root)}
        self._run(root)

    def element_of(self, part: Any) -> int | None:
        """The variable of a leaf or of a module's gate; ``None`` for a gate to build."""
        if isinstance(part, Leaf):
            return part.element
        return self.proxies.get(id(part))

    def _check(self, part: Any) -> None:
        if id(part) in self.proxies:
            return
        if isinstance(part, Leaf):
            if self.counts is not None and self.counts[part.element] != 1:
                label = self.names[part.element] if self.names is not None else f"element {part.element}"
                raise SpecError(f"{self.name}: {label}", f"{int(self.counts[part.element])} copies",
                                "one copy per basic event for the BDD engine (count 1)")
            return
        if not isinstance(part, Node) or not isinstance(part.rule, AtLeast):
            what = type(part.rule).__name__ if isinstance(part, Node) else type(part).__name__
            raise SpecError(self.name, what, "AND, OR and k-of-n (AtLeast) gates over basic events for the BDD "
                            "engine (networks, roles and failover are not gates)")
        if len(part.channels) != 1:
            raise SpecError(self.name, f"an AtLeast gate with {len(part.channels)} channels",
                            "one channel of inputs per gate")

    def _run(self, root: Part) -> None:
        self._check(root)
        self.uses[id(root)] = 1
        stack: list[tuple[Any, int]] = [(root, 0)]
        open_: set[int] = {id(root)}
        done: set[int] = set()
        while stack:
            part, i = stack.pop()
            element = self.element_of(part)
            if element is not None:
                if element not in self.level:
                    self.level[element] = len(self.order)
                    self.order.append(element)
                open_.discard(id(part))
                done.add(id(part))
                self.post.append(part)
                continue
            children = part.channels[0]
            if i == len(children):
                open_.discard(id(part))
                done.add(id(part))
                self.post.append(part)
                continue
            stack.append((part, i + 1))
            child = children[i]
            key = id(child)
            self.uses[key] = self.uses.get(key, 0) + 1
            if key in open_:
                raise SpecError(self.name, "a gate that is its own input", "a structure without cycles")
            if key not in done:
                self._check(child)
                open_.add(key)
                stack.append((child, 0))


def _too_many_steps(name: str, max_steps: int) -> None:
    raise SpecError(name, f"more than {max_steps:,} decision-diagram steps",
                    f"at most {max_steps:,} BDD steps for the exact engine (about {max_steps / 1e6:.0f} s): "
                    "fewer shared events or smaller k-of-n gates, or Monte Carlo (hadr simulate)")


class _Store:
    """Nodes ``(level, low, high)`` with a unique table and a budget; ``zero_suppressed`` picks
    the ZBDD reduction rule (drop a node whose high child is the empty family) instead of the
    BDD one (drop a node whose children are equal)."""

    def __init__(self, levels: int, max_nodes: int, max_steps: int, name: str, zero_suppressed: bool = False,
                 used: tuple[int, int] = (0, 0)) -> None:
        if max_nodes > _WIDTH - 2:
            raise ValueError(f"max_nodes at most {_WIDTH - 2}")
        self.levels, self.max_nodes, self.max_steps, self.name = levels, max_nodes, max_steps, name
        self.node_limit = max_nodes - used[0]         # what earlier diagrams left of the budget
        self.zero_suppressed = zero_suppressed
        self.level = array("q", [levels, levels])
        self.low = array("q", [0, 0])
        self.high = array("q", [0, 0])
        self.unique: dict[int, int] = {}
        self.steps = used[1]

    def node(self, v: int, lo: int, hi: int) -> int:
        if (hi == FALSE) if self.zero_suppressed else (lo == hi):
            return lo
        key = (v * _WIDTH + lo) * _WIDTH + hi
        u = self.unique.get(key)
        if u is None:
            u = len(self.level)
            if u - 2 >= self.node_limit:
                self.too_many_nodes()
            self.level.append(v)
            self.low.append(lo)
            self.high.append(hi)
            self.unique[key] = u
        return u

    def too_many_nodes(self) -> None:
        raise SpecError(self.name, f"more than {self.max_nodes:,} decision-diagram nodes",
                        f"at most {self.max_nodes:,} BDD nodes for the exact engine (about "
                        f"{self.max_nodes * 200 / 1e6 + 100:.0f} MB): fewer shared events or smaller k-of-n gates, "
                        "or Monte Carlo (hadr simulate)")

    def too_many_steps(self) -> None:
        _too_many_steps(self.name, self.max_steps)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (np.frombuffer(self.level, dtype=np.int64), np.frombuffer(self.low, dtype=np.int64),
                np.frombuffer(self.high, dtype=np.int64))

    def live(self, roots: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The nodes reachable from ``roots``, sorted by level deepest first, and the map from
        old ids to new ones (``-1``: dropped)."""
        level, low, high = (a.copy() for a in self.arrays())
        n = len(level)
        reach = np.zeros(n, dtype=bool)
        reach[np.asarray(roots, dtype=np.int64)] = True
        by_level = np.argsort(level[2:], kind="stable") + 2
        bounds = np.searchsorted(level[by_level], np.arange(self.levels + 1))
        for lv in range(self.levels):
            ids = by_level[bounds[lv]:bounds[lv + 1]]
            ids = ids[reach[ids]]
            reach[low[ids]] = True
            reach[high[ids]] = True
        keep = np.nonzero(reach[2:])[0] + 2
        keep = keep[np.argsort(-level[keep], kind="stable")]
        remap = np.full(n, -1, dtype=np.int64)
        remap[:2] = [0, 1]
        remap[keep] = np.arange(2, 2 + len(keep))
        return keep, remap

    def collect(self, roots: Sequence[int]) -> np.ndarray:
        """Drop every node not reachable from ``roots``; return the map from old ids to new."""
        keep, remap = self.live(roots)
        level, low, high = self.arrays()
        new_level = level[keep]
        new_low, new_high = remap[low[keep]], remap[high[keep]]
        self.level = array("q", [self.levels, self.levels]) + array("q", new_level.tobytes())
        self.low = array("q", [0, 0]) + array("q", new_low.tobytes())
        self.high = array("q", [0, 0]) + array("q", new_high.tobytes())
        keys = ((new_level * _WIDTH + new_low) * _WIDTH + new_high).tolist()
        self.unique = dict(zip(keys, range(2, 2 + len(keys))))
        return remap


class _Builder(_Store):
    """BDD construction: AND / OR apply and the threshold gate, with garbage collection."""

    def __init__(self, levels: int, max_nodes: int, max_steps: int, name: str, used: tuple[int, int] = (0, 0)
                 ) -> None:
        super().__init__(levels, max_nodes, max_steps, name, used=used)
        self.computed: dict[int, int] = {}
        self.memo: dict[int, int] = {}      # id(part) -> node of that part, filled by :meth:`run`
        self.collect_at = self.node_limit // 2

    def apply(self, op: int, f: int, g: int) -> int:
        """``f ∧ g`` (``op = _AND``) or ``f ∨ g`` (``_OR``), iteratively."""
        level, low, high, unique, computed = self.level, self.low, self.high, self.unique, self.computed
        absorbing = FALSE if op == _AND else TRUE
        neutral = TRUE - absorbing
        left = self.max_steps - self.steps
        steps = 0
        out: list[int] = []
        stack: list[tuple[int, ...]] = [(f, g)]
        while stack:
            item = stack.pop()
            a = item[0]
            if a < 0:                      # both cofactors done: make the node
                _, v, key = item
                h = out.pop()
                lo = out.pop()
                if lo == h:
                    r = lo
                else:
                    ukey = (v * _WIDTH + lo) * _WIDTH + h
                    r = unique.get(ukey, -1)
                    if r < 0:
                        r = len(level)
                        if r - 2 >= self.node_limit:
                            self.too_many_nodes()
                        level.append(v)
                        low.append(lo)
                        high.append(h)
                        unique[ukey] = r
                if len(computed) >= _MAX_COMPUTED:
                    computed.clear()
                computed[key] = r
                out.append(r)
                continue
            b = item[1]
            if a == b or b == neutral:
                out.append(a)
                continue
            if a == absorbing or b == absorbing:
                out.append(absorbing)
                continue
            if a == neutral:
                out.append(b)
                continue
            if a > b:
                a, b = b, a
            key = ((a * _WIDTH + b) << 1) | op
            r = computed.get(key, -1)
            if r >= 0:
                out.append(r)
                continue
            steps += 1
            if steps > left:
                self.too_many_steps()
            la, lb = level[a], level[b]
            if la < lb:
                stack.append((-1, la, key))
                stack.append((high[a], b))
                stack.append((low[a], b))
            elif lb < la:
                stack.append((-1, lb, key))
                stack.append((a, high[b]))
                stack.append((a, low[b]))
            else:
                stack.append((-1, la, key))
                stack.append((high[a], high[b]))
                stack.append((low[a], low[b]))
        self.steps += steps
        return out[0]

    def at_least(self, m: int, operands: list[int]) -> int:
        """At least ``m`` of ``operands`` true (coherent threshold gate)."""
        n = len(operands)
        if m <= 0:
            return TRUE
        if m > n:
            return FALSE
        # Deepest operand first: then combining with a shallower one is mostly a new top node.
        ops = sorted(operands, key=lambda u: self.level[u])
        if m == 1 or m == n:
            op = _OR if m == 1 else _AND
            acc = ops[-1]
            for u in reversed(ops[:-1]):
                acc = self.apply(op, u, acc)
            return acc
        row = [TRUE] + [FALSE] * m          # row[j]: at least j of ops[i:]
        for i in range(n - 1, -1, -1):
            u = ops[i]
            new = row[:]
            for j in range(max(1, m - i), min(m, n - i) + 1):
                new[j] = self.apply(_OR, row[j], self.apply(_AND, u, row[j - 1]))
            row = new
            if len(self.level) > self.collect_at:
                remap = self._collect(ops + row)
                ops, row = [int(remap[x]) for x in ops], [int(remap[x]) for x in row]
        return row[m]

    def _collect(self, roots: list[int]) -> np.ndarray:
        remap = self.collect(roots + list(self.memo.values()))
        self.memo = {k: int(remap[v]) for k, v in self.memo.items()}
        self.computed.clear()
        self.collect_at = min(max(self.node_limit // 2, 2 * len(self.level)), self.node_limit + 2)
        return remap

    def run(self, walk: _Walk) -> int:
        self.memo = {}
        uses = dict(walk.uses)
        for part in walk.post:
            key = id(part)
            if key in self.memo:
                continue
            element = walk.element_of(part)
            if element is not None:
                self.memo[key] = self.node(walk.level[element], FALSE, TRUE)
                continue
            assert isinstance(part, Node)
            if len(self.level) > self.collect_at:
                self._collect([])
            children = part.channels[0]
            operands = [self.memo[id(c)] for c in children]
            self.memo[key] = self.at_least(part.rule.m, operands)
            for child in children:         # a part no gate needs any more can be collected
                uses[id(child)] -= 1
                if uses[id(child)] == 0:
                    del self.memo[id(child)]
        return self.memo[id(walk.post[-1])]


def _diagram_of(builder: _Store, top: int, order: list[int], elements: int) -> Bdd:
    """The compact diagram of ``top`` (only the nodes reachable from it)."""
    keep, remap = builder.live([top])
    level, low, high = builder.arrays()
    return Bdd(np.array(order, dtype=np.int64),
               np.concatenate([[len(order)] * 2, level[keep]]).astype(np.int64),
               np.concatenate([[0, 0], remap[low[keep]]]).astype(np.int64),
               np.concatenate([[0, 0], remap[high[keep]]]).astype(np.int64), int(remap[top]), elements)


def _table_size(walk: _Walk, elements: int | None, name: str) -> int:
    size = max(walk.order, default=-1) + 1 if elements is None else elements
    if walk.order and max(walk.order) >= size:
        raise SpecError(name, f"element {max(walk.order)}", f"elements of a table of {size}")
    return size


def build(root: Part, elements: int | None = None, *, counts: np.ndarray | None = None,
          names: Sequence[str] | None = None, name: str = "structure", order: Sequence[int] | None = None,
          max_nodes: int = MAX_BDD_NODES, max_steps: int = MAX_BDD_STEPS) -> Bdd:
    """The reduced ordered BDD of the whole top event ``root`` (1 = down), in one diagram.

    The cut-set engine needs this one diagram; probabilities and importance are cheaper from
    :func:`build_modules`, which the functions below use when given a structure.

    Parameters
    ----------
    root : Part
        Leaves and :class:`AtLeast` nodes with one channel each (a DAG: leaves and gates may
        be shared).
    elements : int, optional
        Size of the element table (default: the largest element in the structure + 1).
    counts, names : optional
        The element table's copies and names: a leaf of an element with more than one copy
        is refused, naming it.
    name : str
        The field that errors name (e.g. ``"fault_tree"`` or ``"blocks"``).
    order : sequence of int, optional
        The variable order, top first (default: :func:`variable_order`); it must hold every
        element of the structure, and the others are ignored.
    max_nodes, max_steps : int
        Budget (see the module docstring).

    Raises
    ------
    SpecError
        A part that is not an AtLeast gate or a leaf, a leaf with several copies, a cycle,
        or a diagram past the budget.
    """
    walk = _Walk(root, counts, names, name)
    if order is not None:
        chosen = list(dict.fromkeys(int(e) for e in order if int(e) in walk.level))
        if len(chosen) != len(walk.order):
            raise ValueError("order: every element of the structure, once")
        walk.order, walk.level = chosen, {e: i for i, e in enumerate(chosen)}
    size = _table_size(walk, elements, name)
    builder = _Builder(len(walk.order), max_nodes, max_steps, name)
    return _diagram_of(builder, builder.run(walk), walk.order, size)


# --- modules --------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Modules:
    """The structure cut into independent modules, one diagram each.

    A *module* is a gate whose inputs, all the way down, feed nothing outside it (Dutuit &
    Rauzy's linear-time detection: "A linear-time algorithm to find modules of fault trees",
    *IEEE Transactions on Reliability* 45 (1996) 422–425). Its failure is independent of
    everything else, so the diagram of the gate above it takes the module as one variable
    whose probability is the module's: sizes add up instead of multiplying (a k-of-n of
    k-of-n gates no longer copies the inner diagrams once per count).

    Attributes
    ----------
    diagrams : tuple of Bdd
        Children before parents, the top event last. The variables of a diagram are table
        elements ``0 … elements − 1`` and the outputs of earlier modules: module ``j`` is
        variable ``elements + j``.
    elements : int
        Size of the element table.
    """

    diagrams: tuple[Bdd, ...]
    elements: int

    @property
    def size(self) -> int:
        """Internal nodes of all the diagrams."""
        return sum(d.size for d in self.diagrams)


def _module_gates(root: Part) -> list[Part]:
    """The gates that are modules, children before parents, ``root`` last.

    A depth-first pass dates each part's first visit, its exit and its last visit (a shared
    part is reached again later); a gate is a module when every part below it is first and
    last visited between the gate's own first visit and its exit.
    """
    first: dict[int, int] = {}
    leave: dict[int, int] = {}
    last: dict[int, int] = {}
    post: list[Node] = []
    clock = 0
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        part, i = stack.pop()
        key = id(part)
        if i == 0:
            clock += 1
            if key in first:
                last[key] = clock
                continue
            first[key] = last[key] = clock
            if isinstance(part, Leaf):
                leave[key] = clock
                continue
        children = part.channels[0]
        if i < len(children):
            stack.append((part, i + 1))
            stack.append((children[i], 0))
            continue
        clock += 1
        leave[key] = last[key] = clock
        post.append(part)
    low: dict[int, float] = {}               # ±inf for a gate with no child yet
    high: dict[int, float] = {}
    modules: list[Part] = []
    for gate in post:                        # children before parents
        lo, hi = math.inf, -math.inf
        for child in gate.channels[0]:
            c = id(child)
            lo = min(lo, first[c], low.get(c, math.inf))
            hi = max(hi, last[c], high.get(c, -math.inf))
        key = id(gate)
        low[key], high[key] = lo, hi
        if (first[key] < lo and hi < leave[key]) or gate is root:
            modules.append(gate)
    return modules or [root]


def build_modules(root: Part, elements: int | None = None, *, counts: np.ndarray | None = None,
                  names: Sequence[str] | None = None, name: str = "structure", max_nodes: int = MAX_BDD_NODES,
                  max_steps: int = MAX_BDD_STEPS) -> Modules:
    """One diagram per independent module of ``root`` (see :class:`Modules`); parameters and
    errors as :func:`build`, the budget counting the nodes and steps of all the diagrams."""
    size = _table_size(_Walk(root, counts, names, name), elements, name)     # checks every part once
    gates = _module_gates(root)
    proxies: dict[int, int] = {}
    diagrams: list[Bdd] = []
    used = (0, 0)
    extended = size + len(gates)
    for j, gate in enumerate(gates):
        walk = _Walk(gate, None, None, name, proxies)
        builder = _Builder(len(walk.order), max_nodes, max_steps, name, used)
        diagram = _diagram_of(builder, builder.run(walk), walk.order, extended)
        diagrams.append(diagram)
        used = (used[0] + diagram.size, builder.steps)
        proxies[id(gate)] = size + j
    return Modules(tuple(diagrams), size)


# --- probabilities --------------------------------------------------------------------------

def _upward(bdd: Bdd, q_level: np.ndarray, p_level: np.ndarray, false: float, true: float) -> np.ndarray:
    """Per node, ``V(u) = q V(high) + p V(low)`` with the given terminal values."""
    value = np.empty(len(bdd.level))
    value[:2] = [false, true]
    for lv in range(bdd.levels - 1, -1, -1):
        at = bdd.nodes_at(lv)
        value[at] = q_level[lv] * value[bdd.high[at]] + p_level[lv] * value[bdd.low[at]]
    return value


def _forward(bdd: Bdd, q_level: np.ndarray, p_level: np.ndarray) -> np.ndarray:
    """Per node, the probability ``F(u)`` of the paths from the root reaching it."""
    reach = np.zeros(len(bdd.level))
    reach[bdd.root] = 1.0
    for lv in range(bdd.levels):
        at = bdd.nodes_at(lv)
        np.add.at(reach, bdd.high[at], reach[at] * q_level[lv])
        np.add.at(reach, bdd.low[at], reach[at] * p_level[lv])
    return reach


def _modules_of(root: Part | Bdd | Modules, q: np.ndarray, name: str = "structure",
                counts: np.ndarray | None = None, names: Sequence[str] | None = None) -> Modules:
    if isinstance(root, Modules):
        modules = root
    elif isinstance(root, Bdd):
        modules = Modules((root,), root.elements)
    else:
        modules = build_modules(root, len(q), name=name, counts=counts, names=names)
    if q.shape != (modules.elements,):
        raise ValueError(f"q: {modules.elements} unavailabilities expected, got shape {q.shape}")
    return modules


def _extended(modules: Modules, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``q`` and ``p`` of the table's elements followed by those of the modules' outputs."""
    k = len(modules.diagrams)
    q_ext = np.concatenate([q, np.zeros(k)])
    p_ext = np.concatenate([1.0 - q, np.zeros(k)])   # 1 − q: exact for q ≥ 1/2, within half an ulp below
    return q_ext, p_ext


def top_event_probability(root: Part | Bdd | Modules, q: Any) -> float:
    """Exact probability of the top event (the system unavailability) given element
    unavailabilities ``q`` (aligned with the element table).

    Examples
    --------
    >>> from hadr_model.topology.compiled import AtLeast, Leaf, Node
    >>> a, b = Leaf(0), Leaf(1)
    >>> top_event_probability(Node(((a, Node(((a, b),), AtLeast(2))),), AtLeast(1)), [1e-9, 0.5])
    1e-09
    """
    q = np.asarray(q, dtype=float)
    modules = _modules_of(root, q)
    q_ext, p_ext = _extended(modules, q)
    value = 0.0
    for j, bdd in enumerate(modules.diagrams):
        q_level, p_level = q_ext[bdd.order], p_ext[bdd.order]
        value = float(_upward(bdd, q_level, p_level, 0.0, 1.0)[bdd.root])
        q_ext[modules.elements + j] = value
        p_ext[modules.elements + j] = float(_upward(bdd, q_level, p_level, 1.0, 0.0)[bdd.root])
    return value


@dataclass(frozen=True)
class BddAnalysis:
    """Top-event probability and, per table element, what forcing it does (see the module
    docstring). Elements absent from the structure have ``q_up = q_down = q_system`` and
    ``birnbaum = 0``."""

    q: np.ndarray
    q_system: float
    q_up: np.ndarray
    q_down: np.ndarray
    birnbaum: np.ndarray
    nodes: int

    def measures(self) -> dict[str, np.ndarray]:
        """:func:`~hadr_model.engines.importance.importance_measures`, with the Birnbaum and
        criticality from the exact Birnbaum (not ``q_down − q_up``)."""
        measures = importance_measures(self.q, self.q_system, self.q_up, self.q_down)
        measures["birnbaum"] = self.birnbaum
        with np.errstate(divide="ignore", invalid="ignore"):
            measures["criticality"] = np.where(self.q_system > 0, self.birnbaum * self.q / self.q_system, 0.0)
        return measures

    def failures_per_hour(self, table: ElementTable) -> float:
        """System failure frequency ``Σ_i count_i · I_B(i) / (MTTF_i + MTTR_i)`` (NaN when an
        element that matters has a fixed availability and so no time law)."""
        relevant = (self.birnbaum != 0.0) & (table.p < 1.0)
        cycle = table.cycle_h[relevant]
        if np.any(np.isnan(cycle)):
            return math.nan
        return float(np.sum(table.counts[relevant] * self.birnbaum[relevant] / cycle))


@dataclass
class _Local:
    """One diagram's numbers: ``P(f)``, ``P(¬f)`` and per level (variable) ``P(f)`` / ``P(¬f)``
    with the variable forced up / down, and ``∂P(f)/∂q``."""

    value: float
    none: float
    up: np.ndarray
    down: np.ndarray
    up_none: np.ndarray
    down_none: np.ndarray
    birnbaum: np.ndarray


def _local(bdd: Bdd, q_level: np.ndarray, p_level: np.ndarray, steps: list[int], name: str, max_steps: int
           ) -> _Local:
    prob = _upward(bdd, q_level, p_level, 0.0, 1.0)
    none = _upward(bdd, q_level, p_level, 1.0, 0.0)
    reach = _forward(bdd, q_level, p_level)
    up, down = _forced(bdd, reach, prob, q_level, p_level)
    up_none, down_none = _forced(bdd, reach, none, q_level, p_level)
    internal = slice(2, len(bdd.level))
    difference = _differences(bdd, prob, none, reach, q_level, p_level, steps, name, max_steps)
    importance = np.bincount(bdd.level[internal], weights=reach[internal] * difference, minlength=bdd.levels)
    return _Local(float(prob[bdd.root]), float(none[bdd.root]), up, down, up_none, down_none,
                  importance[: bdd.levels])


def _forced(bdd: Bdd, reach: np.ndarray, value: np.ndarray, q_level: np.ndarray, p_level: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Per level, ``V`` of the root with the level's variable forced up / down: the paths
    through its nodes take the low / high child, and the paths that jump over the level
    carry their weight unchanged."""
    internal = slice(2, len(bdd.level))
    lv = bdd.level[internal]
    skipped = _skipped(bdd, reach, value, q_level, p_level)
    up = np.bincount(lv, weights=reach[internal] * value[bdd.low[internal]], minlength=bdd.levels)
    down = np.bincount(lv, weights=reach[internal] * value[bdd.high[internal]], minlength=bdd.levels)
    return up[: bdd.levels] + skipped, down[: bdd.levels] + skipped


def analyse(root: Part | Bdd | Modules, q: Any, *, name: str = "structure", counts: np.ndarray | None = None,
            names: Sequence[str] | None = None, max_steps: int = MAX_BDD_STEPS) -> BddAnalysis:
    """Top-event probability, Birnbaum importance and forced unavailabilities of every
    element, in one pass up and one pass down each diagram.

    With modules (:func:`build_modules`, used for a structure), each module's figures are
    carried to the top event by total probability over the module's state — ``P(top | i
    up) = P(M | i up) P(top | M down) + P(¬M | i up) P(top | M up)`` and ``∂P/∂q_i =
    ∂P/∂P(M) · ∂P(M)/∂q_i`` — sums and products of non-negative numbers, as within a diagram.

    Parameters
    ----------
    root : Part, Bdd or Modules
    q : array
        Element unavailabilities, aligned with the element table.
    name, counts, names, max_steps
        Error field, the table's copies and names (a structure given as parts is built with
        :func:`build_modules`, which refuses an element of several copies), and the budget of
        the exact differences (the joint descents).
    """
    q = np.asarray(q, dtype=float)
    modules = _modules_of(root, q, name, counts, names)
    q_ext, p_ext = _extended(modules, q)
    size = modules.elements
    steps = [max_steps]
    parts = []
    for j, bdd in enumerate(modules.diagrams):
        local = _local(bdd, q_ext[bdd.order], p_ext[bdd.order], steps, name, max_steps)
        q_ext[size + j], p_ext[size + j] = local.value, local.none
        parts.append(local)
    q_system = parts[-1].value
    q_up, q_down, importance = np.full(size, q_system), np.full(size, q_system), np.zeros(size)
    # Context of each module's output: P(top), P(¬top) with it up / down, and ∂P(top)/∂P(M).
    context = {len(parts) - 1: (0.0, 1.0, 1.0, 0.0, 1.0)}
    for j in range(len(parts) - 1, -1, -1):
        bdd, local = modules.diagrams[j], parts[j]
        top_if_up, top_if_down, none_if_up, none_if_down, chain = context.pop(j)
        up = local.up * top_if_down + local.up_none * top_if_up
        down = local.down * top_if_down + local.down_none * top_if_up
        up_none = local.up * none_if_down + local.up_none * none_if_up
        down_none = local.down * none_if_down + local.down_none * none_if_up
        derivative = local.birnbaum * chain
        order = bdd.order
        leaf = order < size
        q_up[order[leaf]], q_down[order[leaf]], importance[order[leaf]] = up[leaf], down[leaf], derivative[leaf]
        for lv in np.nonzero(~leaf)[0].tolist():
            context[int(order[lv]) - size] = (up[lv], down[lv], up_none[lv], down_none[lv], derivative[lv])
    return BddAnalysis(q, q_system, q_up, q_down, importance, modules.size)


def birnbaum(root: Part | Bdd | Modules, q: Any) -> np.ndarray:
    """Birnbaum importance ``∂P(top)/∂q_i`` of every element of the table (0 for elements the
    structure does not use).

    Examples
    --------
    >>> from hadr_model.topology.compiled import AtLeast, Leaf, Node
    >>> birnbaum(Node(((Leaf(0), Leaf(1)),), AtLeast(2)), [0.1, 0.2]).tolist()   # parallel
    [0.2, 0.1]
    """
    return analyse(root, q).birnbaum


def unavailabilities(root: Part | Bdd | Modules, q: Any) -> tuple[float, np.ndarray, np.ndarray]:
    """``(Q, Q with each element forced up, Q with it forced down)``: the exact block engine's
    triple, so that the same importance and frequency code applies."""
    result = analyse(root, q)
    return result.q_system, result.q_up, result.q_down


def _skipped(bdd: Bdd, reach: np.ndarray, value: np.ndarray, q_level: np.ndarray, p_level: np.ndarray
             ) -> np.ndarray:
    """Per level, what the edges that jump over it (from a node above to a node below) carry
    to ``V`` of the root, summed without any subtraction: each edge adds its weight to the
    canonical segments of its range in a segment tree, and a level sums its segments."""
    internal = np.arange(2, len(bdd.level))
    lv = bdd.level[internal]
    starts = np.concatenate([lv + 1, lv + 1, [0]])
    stops = np.concatenate([bdd.level[bdd.high[internal]], bdd.level[bdd.low[internal]], [bdd.level[bdd.root]]])
    weights = np.concatenate([reach[internal] * q_level[lv] * value[bdd.high[internal]],
                              reach[internal] * p_level[lv] * value[bdd.low[internal]], [value[bdd.root]]])
    jump = (starts < stops) & (weights > 0)
    left, right, weights = starts[jump], stops[jump], weights[jump]
    size = 1 << max(1, (bdd.levels - 1).bit_length())
    tree = np.zeros(2 * size)
    left, right = left + size, right + size
    while True:
        active = left < right
        if not active.any():
            break
        odd = active & (left & 1 == 1)
        np.add.at(tree, left[odd], weights[odd])
        left[odd] += 1
        odd = active & (right & 1 == 1)
        right[odd] -= 1
        np.add.at(tree, right[odd], weights[odd])
        left >>= 1
        right >>= 1
    position = np.arange(bdd.levels) + size
    total = np.zeros(bdd.levels)
    while len(position) and position[0] >= 1:
        total += tree[position]
        position >>= 1
    return total


def _differences(bdd: Bdd, prob: np.ndarray, none: np.ndarray, reach: np.ndarray, q_level: np.ndarray,
                 p_level: np.ndarray, steps: list[int], name: str, max_steps: int) -> np.ndarray:
    """Per internal node, ``P(high ∧ ¬low)`` (= ``P(high) − P(low)``: ``low`` implies ``high``).

    The subtraction is taken of ``P(high) − P(low)`` or of the complementary
    ``P(¬low) − P(¬high)``, whichever has the smaller terms; it loses digits when the two are
    close. Per level (element), the rounding error that can cost, about ``c ε`` times each
    node's terms (``c`` grows with the depth below), is weighed against what is sure of the
    level's Birnbaum ``Σ F(u) d(u)`` (the nodes that lose at most one bit); where it exceeds
    :data:`_BIRNBAUM_TOLERANCE` of it, the nodes that lose the most are recomputed exact — by
    a joint descent of both children that sums non-negative terms only — until it no longer
    does. ``steps[0]``: the steps left in the
    budget (updated).
    """
    high, low = bdd.high[2:], bdd.low[2:]
    p_high, p_low, r_high, r_low = prob[high], prob[low], none[high], none[low]
    by_p = p_high <= r_low
    terms = np.where(by_p, p_high, r_low)
    difference = np.where(by_p, p_high - p_low, r_low - r_high)
    if not len(difference):
        return difference
    weight = reach[2:]
    level = bdd.level[2:]
    eps = np.finfo(float).eps * 3.0 * (1.0 + bdd.levels)      # a bound of the upward passes
    poor = difference < 0.5 * terms            # the others lose at most one bit
    error = weight * terms * eps * poor
    per_level_error = np.bincount(level, weights=error, minlength=bdd.levels)
    sure = np.bincount(level, weights=weight * difference * ~poor, minlength=bdd.levels)
    exact: _JointDescent | None = None
    for lv in np.nonzero(per_level_error > _BIRNBAUM_TOLERANCE * sure)[0].tolist():
        # The sum of the trusted terms is a lower bound of this level's Birnbaum (all terms are
        # ≥ 0): recompute the worst nodes, in growing batches, until the error left is within
        # the tolerance of that bound.
        at = bdd.nodes_at(lv)
        local = error[at.start - 2:at.stop - 2]
        worst = np.argsort(-local, kind="stable")[: int(np.count_nonzero(local))]
        # error left after the first k are recomputed: suffix sums, small end first (no cancellation)
        left = np.append(np.cumsum(local[worst][::-1])[::-1], 0.0)
        worst += at.start - 2
        trusted, done, batch = float(sure[lv]), 0, 16
        if exact is None:
            exact = _JointDescent(bdd, prob, none, np.append(q_level, 0.0).tolist(),
                                  np.append(p_level, 1.0).tolist(), steps, name, max_steps)
        while done < len(worst) and left[done] > _BIRNBAUM_TOLERANCE * trusted:
            for i in worst[done:done + batch].tolist():
                difference[i] = exact(int(high[i]), int(low[i]))
                trusted += weight[i] * difference[i]
            done += batch
            batch *= 2
    return difference


class _JointDescent:
    """``P(f ∧ ¬g)`` for ``g`` implying ``f``, by descending both together:
    ``q_v P(f_1 ∧ ¬g_1) + p_v P(f_0 ∧ ¬g_0)``, memoised over pairs."""

    def __init__(self, bdd: Bdd, prob: np.ndarray, none: np.ndarray, q: list[float], p: list[float],
                 steps: list[int], name: str, max_steps: int) -> None:
        self.name, self.max_steps = name, max_steps
        self.level, self.low, self.high = bdd.lists
        self.prob, self.none = prob.tolist(), none.tolist()
        self.q, self.p = q, p
        self.memo: dict[int, float] = {}
        self.steps = steps

    def __call__(self, f: int, g: int) -> float:
        level, low, high, prob, none, q, p, memo = (self.level, self.low, self.high, self.prob, self.none,
                                                    self.q, self.p, self.memo)
        out: list[float] = []
        stack: list[tuple[int, ...]] = [(f, g)]
        left = self.steps[0]
        while stack:
            item = stack.pop()
            a = item[0]
            if a < 0:
                _, v, key = item
                h = out.pop()
                lo = out.pop()
                r = q[v] * h + p[v] * lo
                memo[key] = r
                out.append(r)
                continue
            b = item[1]
            if a == b:
                out.append(0.0)
                continue
            if b == FALSE:
                out.append(prob[a])
                continue
            if a == TRUE:
                out.append(none[b])
                continue
            key = a * _WIDTH + b
            cached = memo.get(key)
            if cached is not None:
                out.append(cached)
                continue
            left -= 1
            if left < 0:
                _too_many_steps(self.name, self.max_steps)
            la, lb = level[a], level[b]
            v = min(la, lb)
            stack.append((-1, v, key))
            stack.append((high[a] if la == v else a, high[b] if lb == v else b))
            stack.append((low[a] if la == v else a, low[b] if lb == v else b))
        self.steps[0] = left
        return out[0]
