"""Minimal cut and path sets against brute force and published examples.

The brute force lists every failing state of ``n`` basic events (a bit mask) and keeps those
from which no single event can be removed without the system coming back up: exactly the
minimal cut sets, with no diagram involved. Path sets the same way on the up states.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hadr_model.engines.bdd import build
from hadr_model.engines.cutsets import MAX_CUT_SETS, cut_set_fussell_vesely, minimal_cut_sets, minimal_path_sets
from hadr_model.errors import SpecError
from hadr_model.topology.compiled import AtLeast, Leaf, Node


def random_structure(rng: np.random.Generator, events: int, gates: int) -> Node:
    """A coherent DAG of AtLeast gates over 2–5 inputs among events and earlier gates (shared)."""
    pool: list = [Leaf(i) for i in range(events)]
    for _ in range(gates):
        k = int(rng.integers(2, min(5, len(pool)) + 1))
        inputs = tuple(pool[int(i)] for i in rng.choice(len(pool), size=k, replace=False))
        pool.append(Node((inputs,), AtLeast(int(rng.integers(1, k + 1)))))
    tail = pool[-min(len(pool), 3):]
    return Node((tuple(tail),), AtLeast(int(rng.integers(1, len(tail) + 1))))


def top_event(root, n: int) -> np.ndarray:
    """The structure function on every state (bit i of the state: event i down)."""
    states = np.arange(1 << n, dtype=np.int64)
    memo: dict[int, np.ndarray] = {}

    def down(part) -> np.ndarray:
        if id(part) not in memo:
            if isinstance(part, Leaf):
                memo[id(part)] = (states >> part.element) & 1
            else:
                count = sum((down(child) for child in part.channels[0]), np.zeros(1 << n, np.int64))
                memo[id(part)] = (count >= part.rule.m).astype(np.int64)
        return memo[id(part)]

    return down(root).astype(bool)


def minimal_sets(holds: np.ndarray, n: int) -> set[tuple[int, ...]]:
    """Minimal masks where ``holds`` is true (coherent: removing one element is enough to check)."""
    found = set()
    for mask in np.nonzero(holds)[0].tolist():
        members = [i for i in range(n) if mask >> i & 1]
        if all(not holds[mask ^ (1 << i)] for i in members):
            found.add(tuple(members))
    return found


def brute_cut_sets(root, n: int) -> set[tuple[int, ...]]:
    return minimal_sets(top_event(root, n), n)


def brute_path_sets(root, n: int) -> set[tuple[int, ...]]:
    full = (1 << n) - 1
    down = top_event(root, n)
    up_when_these_up = ~down[full ^ np.arange(1 << n)]       # mask = the elements up
    return minimal_sets(up_when_these_up, n)


@pytest.mark.parametrize("seed", range(80))
def test_random_dags_cut_and_path_sets_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 15))
    root = random_structure(rng, n, int(rng.integers(1, 12)))
    q = 10.0 ** rng.uniform(-6, -0.3, n)
    expected = brute_cut_sets(root, n)
    bdd = build(root, n)
    result = minimal_cut_sets(bdd, q)
    assert {c.elements for c in result.sets} == expected
    assert result.count == len(expected) == len(result.sets)
    probability = {c: math.prod(q[list(c)]) for c in expected}
    for c in result.sets:
        assert c.probability == pytest.approx(probability[c.elements], rel=1e-13)
    ranked = [c.probability for c in result.sets]
    assert ranked == sorted(ranked, reverse=True)
    total = sum(probability.values())
    assert result.total_probability == pytest.approx(total, rel=1e-13)
    fv = [sum(p for c, p in probability.items() if i in c) / total for i in range(n)]
    assert result.fussell_vesely == pytest.approx(np.array(fv), rel=1e-12, abs=0.0)
    paths = minimal_path_sets(bdd, q)
    assert {c.elements for c in paths.sets} == brute_path_sets(root, n)
    for c in paths.sets:
        assert c.probability == pytest.approx(math.prod(1 - q[list(c.elements)]), rel=1e-13)


@pytest.mark.parametrize("seed", range(20))
def test_top_n_are_the_most_probable(seed):
    rng = np.random.default_rng(500 + seed)
    n = 14
    root = random_structure(rng, n, 10)
    q = 10.0 ** rng.uniform(-6, -0.3, n)     # distinct products: the ranking is unique
    everything = sorted(brute_cut_sets(root, n), key=lambda c: -math.prod(q[list(c)]))
    top = int(rng.integers(1, max(2, len(everything))))
    result = minimal_cut_sets(root, q, top=top)
    assert [c.elements for c in result.sets] == everything[:top]
    assert result.count == len(everything)      # the count and sums still cover all of them


# --- published examples ---------------------------------------------------------------------

def test_fault_tree_handbook_boolean_reduction_example():
    """NUREG-0492, Fault Tree Handbook (Vesely et al., U.S. NRC, 1981), Chapter VII: the tree
    T = E1 ∩ E2, E1 = A ∪ E3, E3 = B ∪ C, E2 = C ∪ E4, E4 = A ∩ B reduces to T = C ∪ (A ∩ B):
    minimal cut sets {C} and {A, B} (A, B and C each appear twice).
    https://www.nrc.gov/reading-rm/doc-collections/nuregs/staff/sr0492/index.html"""
    a, b, c = Leaf(0), Leaf(1), Leaf(2)
    e3 = Node(((b, c),), AtLeast(1))
    e1 = Node(((a, e3),), AtLeast(1))
    e4 = Node(((a, b),), AtLeast(2))
    e2 = Node(((c, e4),), AtLeast(1))
    top = Node(((e1, e2),), AtLeast(2))
    result = minimal_cut_sets(top, np.array([0.1, 0.2, 0.01]))
    assert [c.elements for c in result.sets] == [(0, 1), (2,)]      # P(A B) = 0.02 > P(C) = 0.01
    assert result.sets[0].probability == pytest.approx(0.02, rel=1e-15)


def test_scram_ne574_cut_sets():
    """SCRAM's ne574 input (NE 574 lecture 8): the published minimal cut sets {C}, {D,F},
    {D,G}, {D,B}, {H,I,F}, {H,I,G}, {H,I,B} — rakhimov/scram, tests/bench_ne574_tests.cc,
    https://github.com/rakhimov/scram."""
    names = ["B", "C", "D", "F", "G", "H", "I"]
    e = {name: Leaf(i) for i, name in enumerate(names)}
    q = np.array([0.1, 0.3, 0.5, 0.7, 0.2, 0.4, 0.8])
    train_one = Node(((Node(((e["F"], e["G"]),), AtLeast(1)), e["B"], e["C"]),), AtLeast(1))
    train_two = Node(((e["C"], e["D"], Node(((e["H"], e["I"]),), AtLeast(2))),), AtLeast(1))
    top = Node(((train_one, train_two),), AtLeast(2))
    result = minimal_cut_sets(top, q)
    published = {("C",), ("D", "F"), ("D", "G"), ("D", "B"), ("H", "I", "F"), ("H", "I", "G"), ("H", "I", "B")}
    assert {tuple(sorted(c.names(names))) for c in result.sets} == {tuple(sorted(s)) for s in published}
    assert result.sets[0].names(names) == ("D", "F")      # 0.35, then C (0.3), then H I F (0.224)
    assert [round(c.probability, 12) for c in result.sets[:3]] == [0.35, 0.3, 0.224]


def test_scram_two_train_cut_sets():
    """SCRAM's TwoTrain input: two trains of a valve and a pump, both needed down —
    published cut sets {ValveOne, ValveTwo}, {ValveOne, PumpTwo}, {ValveTwo, PumpOne},
    {PumpOne, PumpTwo} (tests/bench_two_train_tests.cc, https://github.com/rakhimov/scram)."""
    names = ["ValveOne", "PumpOne", "ValveTwo", "PumpTwo"]
    v1, p1, v2, p2 = (Leaf(i) for i in range(4))
    top = Node(((Node(((v1, p1),), AtLeast(1)), Node(((v2, p2),), AtLeast(1))),), AtLeast(2))
    result = minimal_cut_sets(top, np.array([0.5, 0.7, 0.5, 0.7]))
    assert {frozenset(c.names(names)) for c in result.sets} == {
        frozenset(s) for s in (("ValveOne", "ValveTwo"), ("ValveOne", "PumpTwo"), ("ValveTwo", "PumpOne"),
                               ("PumpOne", "PumpTwo"))}
    paths = minimal_path_sets(top, np.array([0.5, 0.7, 0.5, 0.7]))
    assert {frozenset(c.names(names)) for c in paths.sets} == {frozenset(("ValveOne", "PumpOne")),
                                                               frozenset(("ValveTwo", "PumpTwo"))}


def test_k_of_n_has_binomially_many_cut_sets_without_listing_them():
    # 30-of-60: C(60, 30) ≈ 1.2e17 minimal cut sets, counted and weighed from the ZBDD
    leaves = tuple(Leaf(i) for i in range(60))
    top = Node((leaves,), AtLeast(30))
    q = np.full(60, 1e-3)
    result = minimal_cut_sets(top, q, top=5)
    assert result.count == math.comb(60, 30)
    assert result.total_probability == pytest.approx(math.comb(60, 30) * 1e-90, rel=1e-12)
    assert len(result.sets) == 5 and all(c.order == 30 for c in result.sets)
    assert cut_set_fussell_vesely(top, q) == pytest.approx(np.full(60, 0.5), rel=1e-12)


def test_listing_is_bounded():
    leaves = tuple(Leaf(i) for i in range(40))
    top = Node((leaves,), AtLeast(20))
    with pytest.raises(SpecError, match=r"top: got 'all 137,846,528,820 minimal cut sets'.*--top N"):
        minimal_cut_sets(top, np.full(40, 0.01))
    with pytest.raises(SpecError, match=r"top: got 100001"):
        minimal_cut_sets(top, np.full(40, 0.01), top=MAX_CUT_SETS + 1)
    with pytest.raises(SpecError, match=r"top: got -1"):
        minimal_cut_sets(top, np.full(40, 0.01), top=-1)


def test_zbdd_budget_names_the_limit():
    bdd = build(Node((tuple(Leaf(i) for i in range(30)),), AtLeast(15)), 30)    # 240 nodes
    with pytest.raises(SpecError, match=r"fault_tree: got 'more than 100 decision-diagram nodes'.*at most 100 BDD"):
        minimal_cut_sets(bdd, np.full(30, 0.1), name="fault_tree", max_nodes=100)
    with pytest.raises(SpecError, match=r"fault_tree: .*at most 50 BDD steps"):
        minimal_path_sets(bdd, np.full(30, 0.1), name="fault_tree", max_steps=50)


def test_cut_set_fussell_vesely_is_the_rare_event_share():
    # series of a (0.01) and a parallel pair b, c (0.1 each): cut sets {a} 0.01 and {b, c} 0.01
    top = Node(((Leaf(0), Node(((Leaf(1), Leaf(2)),), AtLeast(2))),), AtLeast(1))
    assert cut_set_fussell_vesely(top, [0.01, 0.1, 0.1]) == pytest.approx([0.5, 0.5, 0.5], rel=1e-15)
    # an element outside the structure has none
    assert cut_set_fussell_vesely(Node(((Leaf(0),),), AtLeast(1)), [0.2, 0.3]).tolist() == [1.0, 0.0]


def test_constant_structures_have_trivial_sets():
    never = minimal_cut_sets(Node(((),), AtLeast(1)), np.array([0.1]))
    assert never.count == 0 and never.sets == ()
    always = minimal_cut_sets(Node(((Leaf(0),),), AtLeast(0)), np.array([0.1]))
    assert always.count == 1 and always.sets[0].elements == () and always.sets[0].probability == 1.0
