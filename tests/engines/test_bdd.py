"""The BDD engine against brute force over every state, published figures and the exact engine.

The brute force shares no code with the engine: it evaluates the structure from its
definition (a gate is down when at least ``m`` of its inputs are) on all ``2^n`` states of
``n`` independent basic events and sums state probabilities. A Birnbaum importance is the sum,
over the states of the other events, of the probability of those in which the event is
critical (system down with it down, up with it up): a sum of non-negative terms, so it keeps
its digits as well as the engine's.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hadr_model import load_spec
from hadr_model.engines import bdd as bdd_module
from hadr_model.engines.bdd import (
    Bdd,
    analyse,
    birnbaum,
    build,
    build_modules,
    top_event_probability,
    unavailabilities,
    variable_order,
)
from hadr_model.engines.cutsets import minimal_cut_sets
from hadr_model.engines.exact import exact_availability
from hadr_model.errors import SpecError
from hadr_model.topology.compiled import AtLeast, Leaf, Node, Unreachable

REL = 1e-12


def close(value, expected, rel=REL):
    expected = np.broadcast_to(np.asarray(expected, dtype=float), np.shape(value))
    return np.asarray(value) == pytest.approx(expected, rel=rel, abs=0.0)


# --- random coherent DAGs with shared events ------------------------------------------------

def random_structure(rng: np.random.Generator, events: int, gates: int, repeat: float = 0.1) -> Node:
    """A coherent DAG: each gate takes 2–5 inputs among the events and the earlier gates
    (events and gates are reused: shared), sometimes the same input twice (it then counts
    twice), and needs ``m`` of them down; the top gate takes the last few gates and events."""
    leaves = [Leaf(i) for i in range(events)]
    pool: list = list(leaves)
    for _ in range(gates):
        k = int(rng.integers(2, min(5, len(pool)) + 1))
        picks = list(rng.choice(len(pool), size=k, replace=False))
        if rng.random() < repeat:
            picks.append(picks[0])
        inputs = tuple(pool[int(i)] for i in picks)
        pool.append(Node((inputs,), AtLeast(int(rng.integers(1, len(inputs) + 1)))))
    tail = pool[-min(len(pool), 3):]
    return Node((tuple(tail),), AtLeast(int(rng.integers(1, len(tail) + 1))))


def random_q(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    if kind == "tiny":          # log-uniform: the digits of tiny products matter
        return 10.0 ** rng.uniform(-10, math.log10(0.9), n)
    if kind == "uniform":
        return rng.uniform(0.0, 1.0, n)
    q = rng.uniform(0.0, 1.0, n)     # some events never or always down
    q[rng.random(n) < 0.2] = 0.0
    q[rng.random(n) < 0.2] = 1.0
    return q


class BruteForce:
    """All 2^n states of ``n`` basic events (bit i of a state: event i down)."""

    def __init__(self, root, n: int) -> None:
        assert n <= 16
        self.n = n
        states = np.arange(1 << n, dtype=np.int64)
        self.down = ((states[None, :] >> np.arange(n)[:, None]) & 1).astype(bool)
        self.top = self.evaluate(root, {})

    def evaluate(self, part, memo) -> np.ndarray:
        if id(part) not in memo:
            if isinstance(part, Leaf):
                memo[id(part)] = self.down[part.element].astype(np.int64)
            else:
                count = sum((self.evaluate(child, memo) for child in part.channels[0]), np.zeros(1 << self.n, int))
                memo[id(part)] = (count >= part.rule.m).astype(np.int64)
        return memo[id(part)]

    def others(self, q: np.ndarray, i: int) -> np.ndarray:
        """Probability of each state of the events other than ``i`` (the states with i up)."""
        keep = ~self.down[i]
        prob = np.ones(int(keep.sum()))
        for j in range(self.n):
            if j != i:
                prob *= np.where(self.down[j][keep], q[j], 1.0 - q[j])
        return prob

    def measures(self, q: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        prob = np.ones(1 << self.n)
        for j in range(self.n):
            prob *= np.where(self.down[j], q[j], 1.0 - q[j])
        total = float(prob[self.top == 1].sum())
        up, down, importance = np.zeros(self.n), np.zeros(self.n), np.zeros(self.n)
        for i in range(self.n):
            rest = self.others(q, i)
            without = np.nonzero(~self.down[i])[0]
            f0, f1 = self.top[without], self.top[without | (1 << i)]
            up[i], down[i] = rest[f0 == 1].sum(), rest[f1 == 1].sum()
            importance[i] = rest[(f1 == 1) & (f0 == 0)].sum()
        return total, up, down, importance


CASES = [(seed, kind) for seed in range(60) for kind in ("tiny", "uniform", "edges")]


@pytest.mark.parametrize(("seed", "kind"), CASES)
def test_random_dags_match_brute_force(seed, kind):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 15))
    root = random_structure(rng, n, int(rng.integers(1, 12)))
    q = random_q(rng, n, kind)
    brute = BruteForce(root, n)
    total, up, down, importance = brute.measures(q)
    bdd = build(root, n)
    modules = build_modules(root, n)
    assert close(top_event_probability(root, q), total)
    assert close(top_event_probability(bdd, q), total)
    for result in (analyse(bdd, q), analyse(modules, q)):     # one diagram, and one per module
        assert close(result.q_system, total)
        assert close(result.birnbaum, importance)
        assert close(result.q_up, up)
        assert close(result.q_down, down)
    # the diagram is the structure function: same top event on every state
    assert np.array_equal(bdd.evaluate(brute.down), brute.top)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 12), st.integers(1, 10))
def test_property_birnbaum_is_the_derivative_of_the_brute_force_probability(seed, n, gates):
    rng = np.random.default_rng(seed)
    root = random_structure(rng, n, gates, repeat=0.3)
    q = random_q(rng, n, "tiny")
    total, up, down, importance = BruteForce(root, n).measures(q)
    result = analyse(root, q)
    assert close(result.q_system, total)
    assert close(result.birnbaum, importance)
    assert close(birnbaum(root, q), importance)
    assert close(result.q_up, up) and close(result.q_down, down)


def test_tiny_probabilities_keep_their_digits():
    # a ∨ (x ∧ b): the BDD node of x has high = a ∨ b, low = a, and P(high) − P(low) would
    # cancel 10 digits; the engine keeps them (Birnbaum of x = P(b) (1 − P(a)) exactly).
    a, x, b = Leaf(0), Leaf(1), Leaf(2)
    top = Node(((a, Node(((x, b),), AtLeast(2))),), AtLeast(1))
    q = np.array([0.1, 0.3, 1e-13])
    result = analyse(top, q)
    assert close(result.birnbaum[1], 1e-13 * 0.9, rel=1e-15)
    assert close(result.q_system, 0.1 + 0.9 * 0.3 * 1e-13, rel=1e-15)
    # forced up: only a remains; forced down: a ∨ b — both without subtraction
    assert close(result.q_up[1], 0.1, rel=1e-15)
    # a parallel of 40 events of 1e-9: 1e-360 underflows, 40 of 1e-7 give 1e-280 exactly
    leaves = tuple(Leaf(i) for i in range(40))
    assert close(top_event_probability(Node((leaves,), AtLeast(40)), np.full(40, 1e-7)), 1e-280, rel=1e-13)


def local_sharing_tree(events: int, seed: int) -> tuple[Node, np.ndarray]:
    """A fault tree as the benchmark makes them: gates of 2–5 parts from a first-in first-out
    pool, OR / AND / ATLEAST, some taking one more event used nearby (shared)."""
    rng = np.random.default_rng(seed)
    pool: list = [Leaf(int(i)) for i in rng.permutation(events)]
    used: list = []
    reuses = events // 10
    while len(pool) > 1:
        k = min(int(rng.integers(2, 6)), len(pool))
        inputs, pool = pool[:k], pool[k:]
        used.extend(x for x in inputs if isinstance(x, Leaf))
        if reuses and rng.random() < 0.2 * k:
            extra = used[-1 - int(rng.integers(min(100, len(used))))]
            if all(extra is not x for x in inputs):
                inputs.append(extra)
                reuses -= 1
        n, draw = len(inputs), rng.random()
        m = int(rng.integers(2, n)) if draw < 0.15 and n >= 3 else n if draw < 0.5 else 1
        pool.append(Node((tuple(inputs),), AtLeast(m)))
    return pool[0], 10.0 ** rng.uniform(-3, -1, events)


def test_birnbaum_of_300_event_trees_matches_exact_descents_everywhere(monkeypatch):
    # Birnbaum importances down to 1e-72 whose node differences cancel: the default (exact
    # descents only where the rounding bound demands) equals exact descents at every node,
    # and one diagram equals the modules; plain subtraction would be far off.
    worst_plain = 0.0
    for seed in range(4):
        root, q = local_sharing_tree(300, seed)
        modules = build_modules(root, 300)
        default = analyse(modules, q).birnbaum
        monkeypatch.setattr(bdd_module, "_BIRNBAUM_TOLERANCE", -1.0)      # every node exact
        exact = analyse(modules, q).birnbaum
        monkeypatch.setattr(bdd_module, "_BIRNBAUM_TOLERANCE", 1e300)      # no node exact
        plain = analyse(modules, q).birnbaum
        monkeypatch.setattr(bdd_module, "_BIRNBAUM_TOLERANCE", 1e-12)
        assert exact[exact > 0].min() < 1e-40
        assert close(default, exact)
        assert close(analyse(build(root, 300), q).birnbaum, exact)
        used = exact > 0
        worst_plain = max(worst_plain, float(np.max(np.abs(plain[used] / exact[used] - 1))))
    assert worst_plain > 1e-6


# --- textbook examples ----------------------------------------------------------------------

def two_of_three_with_shared_supply():
    """Three pumps, each down when it or the shared power supply is; the system needs 2."""
    supply, pumps = Leaf(0), [Leaf(i) for i in (1, 2, 3)]
    return Node((tuple(Node(((p, supply),), AtLeast(1)) for p in pumps),), AtLeast(2))


def test_two_of_three_with_shared_supply_closed_form():
    qs, qp = 2e-4, 3e-3
    q = np.array([qs, qp, qp, qp])
    vote = 3 * qp**2 - 2 * qp**3            # at least 2 of 3 independent pumps down
    result = analyse(two_of_three_with_shared_supply(), q)
    assert close(result.q_system, qs + (1 - qs) * vote)
    assert close(result.birnbaum[0], 1 - vote)
    assert close(result.birnbaum[1:], (1 - qs) * (2 * qp - 2 * qp**2))
    assert close(result.q_up[0], vote) and close(result.q_down[0], 1.0)


def test_scram_ne574_probability():
    """SCRAM's ne574 input (from the NE 574 lecture 8; event C feeds both trains): SCRAM's
    test expects P(top) = 0.662208 (exact BDD) — rakhimov/scram, input/ne574/ne574.xml and
    tests/bench_ne574_tests.cc, https://github.com/rakhimov/scram."""
    names = ["B", "C", "D", "F", "G", "H", "I"]
    e = {name: Leaf(i) for i, name in enumerate(names)}
    q = np.array([0.1, 0.3, 0.5, 0.7, 0.2, 0.4, 0.8])
    train_one = Node(((Node(((e["F"], e["G"]),), AtLeast(1)), e["B"], e["C"]),), AtLeast(1))
    train_two = Node(((e["C"], e["D"], Node(((e["H"], e["I"]),), AtLeast(2))),), AtLeast(1))
    top = Node(((train_one, train_two),), AtLeast(2))
    assert top_event_probability(top, q) == pytest.approx(0.662208, abs=1e-6)
    total, *_ = BruteForce(top, len(names)).measures(q)
    assert close(top_event_probability(top, q), total)


# --- the exact engine on block-form specs ---------------------------------------------------

def random_block(rng: np.random.Generator, depth: int, names: list[str], top: bool = True) -> dict:
    """A random block diagram: series, parallel and k-of-n of components with a fixed
    availability or time laws, some with copies and a beta factor (a shared common cause)."""
    if depth == 0 or (not top and rng.random() < 0.35):
        name = f"c{len(names)}"
        names.append(name)
        if rng.random() < 0.4:
            body = {"name": name, "availability": float(1 - 10 ** rng.uniform(-6, -1))}
        else:
            body = {"name": name, "mttf": f"{float(10 ** rng.uniform(2, 5)):.6g}h",
                    "mttr": f"{float(10 ** rng.uniform(-1, 1.5)):.6g}h"}
            if rng.random() < 0.3:
                body["count"] = int(rng.integers(2, 4))
                if rng.random() < 0.5:
                    body["beta"] = 0.1
        return {"component": body}
    children = [random_block(rng, depth - 1, names, False) for _ in range(int(rng.integers(2, 4)))]
    size = sum(child.get("component", {}).get("count", 1) for child in children)
    kind = rng.choice(["series", "parallel", "k_of_n"])
    if kind == "k_of_n":
        return {"k_of_n": {"k": int(rng.integers(1, size + 1)), "of": children}}
    return {str(kind): children}


def bdd_of(model):
    compiled = model.compiled
    table = compiled.elements
    return build(compiled.root, len(table), counts=table.counts, names=table.names, name="blocks"), table


@pytest.mark.parametrize("seed", range(25))
def test_block_specs_agree_with_the_exact_engine(seed):
    rng = np.random.default_rng(1000 + seed)
    model = load_spec({"blocks": random_block(rng, 3, [])})
    expected = exact_availability(model)
    bdd, table = bdd_of(model)
    result = analyse(bdd, table.q)
    assert close(result.q_system, expected.system.unavailability)
    frequency = result.failures_per_hour(table) * model.year_hours
    assert close(frequency, expected.system.failure_frequency_per_year, rel=1e-10) or \
        (math.isnan(frequency) and math.isnan(expected.system.failure_frequency_per_year))
    measures = result.measures()
    q_down = np.zeros(len(table))
    for item in expected.importance:
        i = table.index(item.element)
        q_down[i] = item.risk_achievement_worth * expected.system.unavailability
        # the exact engine's Birnbaum is q_down − q_up, good to ~1e-16 of q_down; ours exact
        assert abs(measures["birnbaum"][i] - item.birnbaum) <= 1e-10 * item.birnbaum + 4e-16 * q_down[i]
        for key in ("fussell_vesely", "risk_achievement_worth", "risk_reduction_worth"):
            assert close(measures[key][i], getattr(item, key), rel=1e-11), (item.element, key)
    if len(table) <= 16:    # and ours against brute force, digit for digit
        total, up, down, importance = BruteForce(model.compiled.root, len(table)).measures(table.q)
        assert close(result.q_system, total)
        assert close(result.birnbaum, importance)
        assert close(result.q_up, up) and close(result.q_down, down)


def test_block_spec_with_beta_shares_the_common_cause_leaf():
    spec = {"blocks": {"parallel": [{"component": {"name": "db", "mttf": "2000h", "mttr": "4h", "count": 3,
                                                   "beta": 0.05}}]}}
    model = load_spec(spec)
    expected = exact_availability(model)
    bdd, table = bdd_of(model)
    assert close(analyse(bdd, table.q).q_system, expected.system.unavailability)
    q_copy, q_common = table.q[table.index("db[1]")], table.q[table.index("db[ccf]")]
    assert close(unavailabilities(bdd, table.q)[0], 1 - (1 - q_common) * (1 - q_copy**3))


# --- refusals and budgets -------------------------------------------------------------------

def test_leaf_with_several_copies_is_refused_by_name():
    top = Node(((Leaf(0), Leaf(1)),), AtLeast(2))
    with pytest.raises(SpecError, match=r"fault_tree: web.*3 copies.*count 1"):
        build(top, 2, counts=np.array([1, 3]), names=["db", "web"], name="fault_tree")
    with pytest.raises(SpecError, match=r"fault_tree: web.*3 copies"):
        analyse(top, [0.1, 0.1], counts=np.array([1, 3]), names=["db", "web"], name="fault_tree")
    with pytest.raises(SpecError, match=r"fault_tree: web.*3 copies"):
        minimal_cut_sets(top, [0.1, 0.1], counts=np.array([1, 3]), names=["db", "web"], name="fault_tree")


def test_network_rule_is_refused():
    rule = Unreachable("s", "t", ["s", "t"], {}, [("s", "t", 0)])
    with pytest.raises(SpecError, match=r"blocks: got 'Unreachable'.*AtLeast"):
        build(Node(((Leaf(0),),), rule), 1, name="blocks")


def test_cycle_is_refused():
    gate = Node(((Leaf(0),),), AtLeast(1))
    object.__setattr__(gate, "channels", ((Leaf(0), gate),))
    with pytest.raises(SpecError, match="without cycles"):
        build(gate, 1)


def test_node_budget_names_the_structure_and_the_limit():
    # a random DAG of 60 gates over 40 events: more than 50 nodes and 20 steps, as one
    # diagram or as modules (the budget counts all of the modules' diagrams)
    rng = np.random.default_rng(7)
    root = random_structure(rng, 40, 60, repeat=0.0)
    assert build(root, 40).size > 50 and build_modules(root, 40).size > 50
    for make in (build, build_modules):
        with pytest.raises(SpecError, match=r"fault_tree: got 'more than 50 decision-diagram nodes'.*at most 50 BDD"):
            make(root, 40, name="fault_tree", max_nodes=50)
        with pytest.raises(SpecError, match=r"fault_tree: got 'more than 20 decision-diagram steps'"):
            make(root, 40, name="fault_tree", max_steps=20)


def test_garbage_collection_keeps_the_function(monkeypatch):
    # a budget a little above the final diagram forces collections between gates and rows;
    # the diagram built through them is the same function
    collections = []
    collect = bdd_module._Builder._collect
    monkeypatch.setattr(bdd_module._Builder, "_collect", lambda self, roots: collections.append(1) or
                        collect(self, roots))
    rng = np.random.default_rng(19)
    root = random_structure(rng, 40, 80)
    size = build(root, 40).size
    assert not collections
    q = random_q(rng, 40, "tiny")
    small = build(root, 40, max_nodes=2 * size)
    assert collections and small.size == size
    assert close(analyse(small, q).q_system, analyse(build_modules(root, 40), q).q_system)
    states = np.random.default_rng(0).random((40, 4096)) < 0.3
    assert np.array_equal(small.evaluate(states), build(root, 40).evaluate(states))


def test_modules_keep_nested_k_of_n_small():
    # 2-of-3 over 2-of-3 over 2-of-3 ... (4 levels, 81 events, nothing shared): one diagram
    # copies inner ones per count reached; 40 module diagrams of 4 nodes each just add up
    leaves = iter(Leaf(i) for i in range(81))

    def vote(depth):
        inputs = tuple(next(leaves) if depth == 0 else vote(depth - 1) for _ in range(3))
        return Node((inputs,), AtLeast(2))

    top = vote(3)
    modules = build_modules(top, 81)
    assert len(modules.diagrams) == 1 + 3 + 9 + 27 and modules.size == 40 * 4
    assert build(top, 81).size > modules.size
    q = np.full(81, 1e-2)
    level = 1e-2
    for _ in range(4):
        level = 3 * level**2 - 2 * level**3
    assert close(top_event_probability(modules, q), level)
    assert close(analyse(modules, q).q_system, analyse(build(top, 81), q).q_system)


def test_a_shared_event_joins_modules():
    # s feeds both halves: only the top is a module above them (plus the halves' own pairs)
    s, a, b, c, d = (Leaf(i) for i in range(5))
    left = Node(((Node(((a, b),), AtLeast(2)), s),), AtLeast(1))
    right = Node(((Node(((c, d),), AtLeast(2)), s),), AtLeast(1))
    top = Node(((left, right),), AtLeast(2))
    modules = build_modules(top, 5)
    assert len(modules.diagrams) == 3        # the two AND pairs and the top
    assert list(modules.diagrams[-1].order) == [5, 0, 6]    # pair (a b), s, pair (c d)


def test_variable_order_is_depth_first_first_appearance():
    a, b, c, d = (Leaf(i) for i in (3, 1, 0, 2))
    inner = Node(((b, c),), AtLeast(1))
    top = Node(((a, inner, Node(((c, d, b),), AtLeast(2))),), AtLeast(2))
    assert variable_order(top) == [3, 1, 0, 2]


def test_constant_structures():
    empty = Node(((),), AtLeast(1))             # nothing can fail: never down
    assert top_event_probability(empty, np.array([0.5])) == 0.0
    everything = Node(((Leaf(0),),), AtLeast(0))   # needs none down: always down
    result = analyse(everything, np.array([0.5]))
    assert result.q_system == 1.0 and result.birnbaum.tolist() == [0.0]
    assert isinstance(build(empty, 1), Bdd) and build(empty, 1).size == 0


def test_dd_package_cross_check():
    """Optional: the same top event built with the ``dd`` package (pure Python) has the same
    probability (``dd`` is not a dependency; skipped where it is not installed)."""
    autoref = pytest.importorskip("dd.autoref")
    rng = np.random.default_rng(5)
    n = 30
    root = random_structure(rng, n, 40)
    q = random_q(rng, n, "uniform")
    manager = autoref.BDD()
    manager.declare(*[f"x{i}" for i in range(n)])
    memo: dict = {}

    def to_dd(part):
        if id(part) not in memo:
            if isinstance(part, Leaf):
                memo[id(part)] = manager.var(f"x{part.element}")
            else:
                children = [to_dd(child) for child in part.channels[0]]
                memo[id(part)] = at_least(part.rule.m, children)
        return memo[id(part)]

    def at_least(m, children):
        row = [manager.true] + [manager.false] * m
        for child in reversed(children):
            row = [row[0]] + [row[j] | (child & row[j - 1]) for j in range(1, m + 1)]
        return row[m]

    top = to_dd(root)
    cache: dict = {}

    def probability(u):
        # Shannon on dd's own cofactors (``let``), whatever its complemented edges
        if u == manager.true or u == manager.false:
            return float(u == manager.true)
        if u not in cache:
            i = int(u.var[1:])
            cache[u] = (q[i] * probability(manager.let({u.var: True}, u))
                        + (1 - q[i]) * probability(manager.let({u.var: False}, u)))
        return cache[u]

    expected = probability(top)
    memo.clear()        # dd checks at shutdown that no node is still referenced
    cache.clear()
    del top
    assert top_event_probability(root, q) == pytest.approx(expected, rel=1e-12)
