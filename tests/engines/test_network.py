"""Two-terminal, K-terminal and all-terminal network reliability against independent answers.

Every figure of :mod:`hadr_model.engines.network` is checked against a brute force over all
``2^E`` edge (and node) states of random small graphs, written here with a union-find (not
the engine's reductions); the all-terminal reliability of ``K4`` against its reliability
polynomial; the spec-level results (availability, Birnbaum importance, failure frequency)
against the same enumeration; the Markov bridge and Monte Carlo against the exact engine;
minimal path and cut sets of networks against enumeration of all element subsets.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from hadr_model import load_spec
from hadr_model.cli import main
from hadr_model.engines import bdd
from hadr_model.engines.cutsets import expand_networks, minimal_cut_sets
from hadr_model.engines.cutsets import minimal_path_sets as structure_path_sets
from hadr_model.engines.exact import exact_availability
from hadr_model.engines.markov import solve_compiled
from hadr_model.engines.montecarlo import simulate
from hadr_model.engines.network import MAX_UNCERTAIN, minimal_path_sets, network_availability, two_terminal_availability
from hadr_model.errors import SpecError

YEAR_H = 8760.0


# --- brute force ---------------------------------------------------------------------------

def connected(edges, up_edges, terminals, down_nodes=frozenset()):
    """Whether every terminal is in one component of the up edges between up nodes (union-find)."""
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if any(t in down_nodes for t in terminals):
        return False
    for (u, v, *_), up in zip(edges, up_edges):
        if up and u not in down_nodes and v not in down_nodes:
            parent[find(u)] = find(v)
    return len({find(t) for t in terminals}) == 1


def brute_force(edges, terminals, nodes=None):
    """``Σ_states P(state) · [terminals connected]`` over every edge and failing-node state."""
    nodes = dict(nodes or {})
    names = list(nodes)
    total = 0.0
    for node_states in itertools.product((True, False), repeat=len(names)):
        w_nodes = math.prod(nodes[n] if up else 1 - nodes[n] for n, up in zip(names, node_states))
        down = frozenset(n for n, up in zip(names, node_states) if not up)
        for states in itertools.product((True, False), repeat=len(edges)):
            w = w_nodes * math.prod(p if up else 1 - p for (_, _, p), up in zip(edges, states))
            total += w * connected(edges, states, terminals, down)
    return total


def random_graph(rng, n_nodes, n_edges):
    """A connected random multigraph (a random spanning tree, then random extra edges)."""
    names = [f"n{i}" for i in range(n_nodes)]
    pairs = [(names[i], names[int(rng.integers(0, i))]) for i in range(1, n_nodes)]
    while len(pairs) < n_edges:
        u, v = rng.choice(n_nodes, 2, replace=False)
        pairs.append((names[u], names[v]))    # parallel edges allowed
    return names, [(u, v, float(rng.uniform(0.3, 0.97))) for u, v in pairs]


CASES = [(seed, n, e) for seed, (n, e) in enumerate([(4, 6), (5, 8), (6, 10), (6, 12), (7, 12), (5, 12)])]


@pytest.mark.parametrize(("seed", "n_nodes", "n_edges"), CASES)
@pytest.mark.parametrize("k", [2, 3, "all"])
def test_k_terminal_against_enumeration(seed, n_nodes, n_edges, k):
    rng = np.random.default_rng(100 + seed)
    names, edges = random_graph(rng, n_nodes, n_edges)
    terminals = names if k == "all" else [str(t) for t in rng.choice(names, k, replace=False)]
    assert network_availability(edges, terminals) == pytest.approx(brute_force(edges, terminals), abs=1e-12)


@pytest.mark.parametrize("k", [2, 3, "all"])
def test_failing_nodes_and_perfect_edges_against_enumeration(k):
    rng = np.random.default_rng(9)
    names, edges = random_graph(rng, 6, 9)
    edges[2] = (*edges[2][:2], 1.0)                    # a perfect edge is contracted, not pivoted
    nodes = {"n1": 0.9, "n3": 0.8, "n4": 0.95}
    terminals = names if k == "all" else ["n0", "n1", "n5"][: k]
    expected = brute_force(edges, terminals, nodes)
    assert network_availability(edges, terminals, nodes) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("p", [0.5, 0.9, 0.99])
def test_all_terminal_k4_reliability_polynomial(p):
    # C. J. Colbourn, *The Combinatorics of Network Reliability* (Oxford, 1987), §1: the
    # all-terminal reliability polynomial R = Σ_i N_i p^i (1-p)^(E-i), N_i the connected
    # spanning subgraphs with i edges. For K4 (E = 6): N_3 = 16 spanning trees (Cayley 4^2),
    # N_4 = C(6,4) = 15 (four edges cannot all lie within three nodes, so none isolates one),
    # N_5 = 6, N_6 = 1.
    q = 1 - p
    expected = 16 * p**3 * q**3 + 15 * p**4 * q**2 + 6 * p**5 * q + p**6
    k4 = [(u, v, p) for u, v in itertools.combinations("abcd", 2)]
    assert network_availability(k4, "abcd") == pytest.approx(expected, rel=1e-13)


def test_bridge_two_terminal_textbook_value():
    # The bridge at p = 0.9: 2p² + 2p³ − 5p⁴ + 2p⁵ = 0.97848 (e.g. Billinton & Allan,
    # *Reliability Evaluation of Engineering Systems*, 2nd ed., §4.2).
    bridge = [("s", "a", .9), ("s", "b", .9), ("a", "b", .9), ("a", "t", .9), ("b", "t", .9)]
    assert two_terminal_availability(bridge, "s", "t") == pytest.approx(0.97848, abs=1e-12)
    assert network_availability(bridge, ["s", "t"]) == two_terminal_availability(bridge, "s", "t")


def test_too_few_terminals_and_too_many_failing_edges_are_refused():
    with pytest.raises(SpecError, match="at least two different terminals"):
        network_availability([("a", "b", .9)], ["a", "a"])
    ring = [(f"n{i}", f"n{(i + 1) % (MAX_UNCERTAIN + 1)}", 0.9) for i in range(MAX_UNCERTAIN + 1)]
    with pytest.raises(SpecError, match=f"at most {MAX_UNCERTAIN} failing elements") as error:
        network_availability(ring, ["n0", "n5"], field="blocks.network")
    assert error.value.field == "blocks.network"


# --- the spec: exact engine, importance, frequency, Markov, Monte Carlo ---------------------

K4_CYCLES = [(9, 1), (19, 1), (8, 2), (30, 3), (12, 1), (45, 5)]


def k4_spec(terminals):
    pairs = list(itertools.combinations("abcd", 2))
    edges = [{"between": list(pair), "name": f"e{i}", "mttf": f"{m}h", "mttr": f"{r}h"}
             for i, (pair, (m, r)) in enumerate(zip(pairs, K4_CYCLES))]
    body = {"terminals": terminals} if terminals != ["a", "d"] else {"source": "a", "target": "d"}
    return {"name": "k4", "blocks": {"network": {**body, "edges": edges}}}, pairs


def enumeration_truth(pairs, terminals):
    """Unavailability, Birnbaum ``R(i up) − R(i down)`` and failures per hour, by enumeration."""
    p = np.array([m / (m + r) for m, r in K4_CYCLES])
    rate = np.array([1 / m for m, _ in K4_CYCLES])
    n = len(pairs)
    up_system = {s: connected(pairs, s, terminals) for s in itertools.product((True, False), repeat=n)}
    weight = {s: math.prod(pi if up else 1 - pi for pi, up in zip(p, s)) for s in up_system}
    q = sum(w for s, w in weight.items() if not up_system[s])
    birnbaum, freq = np.zeros(n), 0.0
    for i in range(n):
        for s, w in weight.items():
            if s[i]:
                down = s[:i] + (False,) + s[i + 1:]
                critical = up_system[s] and not up_system[down]
                birnbaum[i] += critical * w / p[i]
                freq += critical * w * rate[i]     # up → down through element i failing
    return q, birnbaum, freq


@pytest.mark.parametrize("terminals", [["a", "d"], ["a", "b", "d"], "all"], ids=["two", "three", "all"])
def test_spec_network_exact_importance_and_frequency_against_enumeration(terminals):
    spec, pairs = k4_spec(terminals)
    model = load_spec(spec)
    ends = list("abcd") if terminals == "all" else terminals
    q, birnbaum, freq = enumeration_truth(pairs, ends)
    result = exact_availability(model)
    assert result.system.unavailability == pytest.approx(q, rel=1e-12)
    assert result.system.failure_frequency_per_year == pytest.approx(freq * YEAR_H, rel=1e-10)
    by_name = {item.element: item for item in result.importance}
    for i in range(len(pairs)):
        assert by_name[f"e{i}"].birnbaum == pytest.approx(birnbaum[i], rel=1e-10, abs=1e-14)
    markov = solve_compiled(model)          # the Markov bridge evaluates the same rule on its states
    assert markov.unavailability == pytest.approx(q, rel=1e-9)
    assert markov.failure_frequency_per_year == pytest.approx(freq * YEAR_H, rel=1e-9)


@pytest.mark.parametrize("terminals", [["a", "b", "d"], "all"], ids=["three", "all"])
def test_monte_carlo_covers_the_exact_k_terminal_figure(terminals):
    model = load_spec(k4_spec(terminals)[0])
    exact = exact_availability(model).system
    result = simulate(model, years=2, runs=400, seed=21)
    low, high = result.availability_ci95
    assert low <= exact.availability <= high, (result.availability_ci95, exact.availability)
    low, high = result.outages_per_year_ci95
    assert low <= exact.failure_frequency_per_year <= high
    again = simulate(model, years=2, runs=400, seed=21)
    assert again.availability == result.availability          # same seed, same numbers


def test_failing_terminal_node_takes_the_network_down():
    spec = {"blocks": {"network": {"terminals": ["a", "b", "c"],
                                   "nodes": [{"name": "b", "availability": 0.9}, {"name": "x", "availability": 0.8}],
                                   "edges": [{"between": ["a", "b"]}, {"between": ["b", "c"]},
                                             {"between": ["a", "x"]}, {"between": ["x", "c"], "availability": 0.7}]}}}
    result = exact_availability(load_spec(spec))
    # b must be up (a terminal); then a–b–c is perfect
    assert result.system.availability == pytest.approx(0.9, rel=1e-14)


# --- minimal path and cut sets of networks --------------------------------------------------

def minimal_sets_by_enumeration(n, is_path):
    """Minimal subsets S of range(n) with is_path(S) (every element of S up, the others down)."""
    found = [frozenset(s) for r in range(n + 1) for s in itertools.combinations(range(n), r) if is_path(set(s))]
    return {s for s in found if not any(o < s for o in found)}


@pytest.mark.parametrize("k", [2, 3, "all"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_network_path_sets_are_the_minimal_connecting_sets(k, seed):
    rng = np.random.default_rng(seed)
    names, edges = random_graph(rng, 5, 8)
    terminals = names if k == "all" else [str(t) for t in rng.choice(names, k, replace=False)]
    elements = [(u, v, i) for i, (u, v, _) in enumerate(edges)]
    expected = minimal_sets_by_enumeration(len(edges), lambda up: connected(
        elements, [i in up for i in range(len(edges))], terminals))
    got = minimal_path_sets(elements, terminals)
    assert set(got) == expected and len(got) == len(expected)


def test_path_sets_with_perfect_edges_and_failing_nodes():
    # a–b perfect, b fails (element 9), a–c and b–c fail (0 and 1), c–d fails (2)
    edges = [("a", "b", None), ("a", "c", 0), ("b", "c", 1), ("c", "d", 2), ("b", "d", 3)]
    got = set(minimal_path_sets(edges, ["a", "d"], {"b": 9}))
    assert got == {frozenset({0, 2}), frozenset({9, 3}), frozenset({9, 1, 2})}


@pytest.mark.parametrize("terminals", [["a", "d"], ["a", "b", "d"], "all"], ids=["two", "three", "all"])
def test_network_cut_sets_from_the_bdd_of_its_path_sets(terminals):
    spec, pairs = k4_spec(terminals)
    model = load_spec(spec)
    compiled = model.compiled
    root = expand_networks(compiled.tenants()[0])
    ends = list("abcd") if terminals == "all" else terminals
    names = compiled.elements.names
    index = [names.index(f"e{i}") for i in range(len(pairs))]
    q = compiled.elements.q
    diagram = bdd.build(root, len(names))
    assert bdd.top_event_probability(diagram, q) == pytest.approx(
        exact_availability(model).system.unavailability, rel=1e-12)
    cuts = minimal_sets_by_enumeration(len(pairs), lambda down: not connected(
        pairs, [i not in down for i in range(len(pairs))], ends))
    got = {frozenset(index.index(e) for e in c.elements) for c in minimal_cut_sets(diagram, q).sets}
    assert got == cuts
    paths = minimal_sets_by_enumeration(len(pairs), lambda up: connected(
        pairs, [i in up for i in range(len(pairs))], ends))
    got = {frozenset(index.index(e) for e in c.elements) for c in structure_path_sets(diagram, q).sets}
    assert got == paths


def test_cutsets_command_on_a_network_lists_paths(capsys, tmp_path):
    import json

    import yaml

    spec, _ = k4_spec(["a", "b", "d"])
    path = tmp_path / "k4.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["cutsets", str(path), "--paths", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # K4 with terminals {a, b, d}: the minimal Steiner trees (every leaf a terminal)
    assert out["path_sets_count"] == len(minimal_sets_by_enumeration(6, lambda up: connected(
        list(itertools.combinations("abcd", 2)), [i in up for i in range(6)], ["a", "b", "d"])))


# --- bad input ------------------------------------------------------------------------------

EDGES = [{"between": ["a", "b"], "mttf": 9, "mttr": 1}, {"between": ["b", "c"], "mttf": 9, "mttr": 1}]


@pytest.mark.parametrize(("network", "field", "words"), [
    ({"terminals": ["a", "z"], "edges": EDGES}, "blocks.network.terminals[1]", "nodes of some edge"),
    ({"terminals": ["a"], "edges": EDGES}, "blocks.network.terminals", "two or more"),
    ({"terminals": ["a", "a"], "edges": EDGES}, "blocks.network.terminals[1]", "listed once"),
    ({"terminals": "some", "edges": EDGES}, "blocks.network.terminals", "'all' or a list"),
    ({"terminals": ["a", "c"], "source": "a", "edges": EDGES}, "blocks.network.source", "not both"),
    ({"target": "c", "edges": EDGES}, "blocks.network.source", "'source'"),
    ({"terminals": ["a", "c", "d"], "edges": EDGES + [{"between": ["d", "e"]}]}, "blocks.network.edges",
     "no path from a to d"),
])
def test_bad_network_specs_exit_2_with_the_field(network, field, words, tmp_path, capsys):
    import yaml

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"name": "bad", "blocks": {"network": network}}))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hadr: error:") and field in err and words in err and "Traceback" not in err


def test_too_many_failing_edges_exit_2_naming_the_network(tmp_path, capsys):
    import yaml

    ring = [{"between": [f"n{i}", f"n{(i + 1) % 41}"], "mttf": 99, "mttr": 1} for i in range(41)]
    path = tmp_path / "ring.yaml"
    path.write_text(yaml.safe_dump({"name": "ring", "blocks": {"series": [
        {"component": {"name": "x", "mttf": 9, "mttr": 1}}, {"network": {"terminals": "all", "edges": ring}}]}}))
    assert main(["availability", str(path)]) == 2
    err = capsys.readouterr().err
    assert "blocks.series[1].network" in err and f"at most {MAX_UNCERTAIN} failing elements" in err
