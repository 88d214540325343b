"""The fault-tree form: shared basic events, read into one compiled DAG, evaluated exactly.

Independent answers: brute-force enumeration of every event state (written from the gates'
definitions, not from the engine), the Markov bridge (a different algorithm on the same
structure), Monte Carlo within its confidence interval, and the minimal cut sets enumerated by
brute force.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import hadr_model as hm
from hadr_model.cli import main
from hadr_model.engines.exact import exact_availability
from hadr_model.engines.markov import solve_compiled
from hadr_model.engines.montecarlo import simulate
from hadr_model.topology.faulttree import MAX_DEPTH

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "cooling_fault_tree.yaml"
REL = 1e-12


def _brute(model: hm.BlockSystem) -> tuple[float, dict[str, float]]:
    """P(loss of cooling) of the shipped example and each event's Birnbaum importance, from the gates."""
    q = {c.name: c.behaviour.unavailability for c in model.components()}
    names = list(q)

    def down(state: dict[str, int]) -> bool:
        no_power = state["grid"] and state["generator"]
        pumps = state["pump_a"] + state["pump_b"] + state["pump_c"] >= 2
        control = state["grid"] and state["controller_ups"]
        return bool(no_power or pumps or control)

    def probability(fixed: dict[str, int]) -> float:
        free = [n for n in names if n not in fixed]
        total = 0.0
        for values in itertools.product((0, 1), repeat=len(free)):
            state = {**fixed, **dict(zip(free, values))}
            weight = np.prod([q[n] if state[n] else 1 - q[n] for n in free])
            total += weight * down(state)
        return total

    return probability({}), {n: probability({n: 1}) - probability({n: 0}) for n in names}


def test_shared_events_exact_equals_brute_force():
    model = hm.load_spec(str(EXAMPLE))
    assert model.fault_tree and model.compiled.shared
    assert [c.name for c in model.components()] == ["grid", "generator", "pump_a", "pump_b", "pump_c",
                                                     "controller_ups"]
    result = exact_availability(model)
    truth, birnbaum = _brute(model)
    assert result.system.unavailability == pytest.approx(truth, rel=REL)
    for item in result.importance:
        assert item.birnbaum == pytest.approx(birnbaum[item.element], rel=1e-9)


def test_shared_events_markov_bridge_and_monte_carlo_agree():
    model = hm.load_spec(str(EXAMPLE))
    exact = exact_availability(model).system
    markov = solve_compiled(model)
    assert markov.unavailability == pytest.approx(exact.unavailability, rel=1e-9)
    assert markov.failure_frequency_per_year == pytest.approx(exact.failure_frequency_per_year, rel=1e-9)
    result = simulate(model, years=5, runs=2000, seed=3)
    low, high = result.availability_ci95
    assert low <= exact.availability <= high


def test_a_shared_event_is_one_element_and_one_leaf():
    compiled = hm.load_spec(str(EXAMPLE)).compiled
    assert compiled.elements.names.count("grid") == 1
    leaves = set()

    def walk(part):
        if hasattr(part, "element"):
            leaves.add(id(part))
        else:
            for channel in part.channels:
                for child in channel:
                    walk(child)

    walk(compiled.tenants()[0])
    assert len(leaves) == len(compiled.elements)       # grid reached twice, one leaf


def test_cutsets_command_lists_the_minimal_cut_sets(capsys):
    assert main(["cutsets", str(EXAMPLE), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    found = {frozenset(s["elements"]) for s in payload["cut_sets"]}
    expected = {frozenset(s) for s in (("grid", "generator"), ("grid", "controller_ups"), ("pump_a", "pump_b"),
                                       ("pump_a", "pump_c"), ("pump_b", "pump_c"))}
    assert found == expected and payload["cut_sets_count"] == 5
    model = hm.load_spec(str(EXAMPLE))
    assert payload["top_event_probability"] == pytest.approx(exact_availability(model).system.unavailability,
                                                             rel=REL)
    probabilities = [s["probability"] for s in payload["cut_sets"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert payload["rare_event_sum"] == pytest.approx(sum(probabilities), rel=1e-12)
    assert payload["rare_event_sum"] >= payload["top_event_probability"]


def test_cutsets_refuses_the_region_form(capsys):
    assert main(["cutsets"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hadr: error:") and "fault_tree" in err and "Traceback" not in err


def _tree(gates: dict, events: dict | None = None, top: str = "t") -> dict:
    events = events if events is not None else {"a": {"probability": 0.1}, "b": {"probability": 0.2}}
    return {"fault_tree": {"top": top, "gates": gates, "events": events}}


def _chain(depth: int) -> dict:
    gates = {f"g{i}": {"or": [f"g{i + 1}", "a"]} for i in range(depth)}
    gates[f"g{depth}"] = {"and": ["a", "b"]}
    return _tree(gates, top="g0")


@pytest.mark.parametrize(("spec", "field"), [
    (_tree({"t": {"or": ["a", "x"]}}), "fault_tree.gates.t.or[1]"),
    (_tree({"t": {"or": ["u"]}, "u": {"and": ["a", "t"]}}), "fault_tree.gates."),
    (_tree({"t": {"or": ["a", "t"]}}), "fault_tree.gates.t"),
    (_tree({"t": {"or": ["u", "v"]}, "u": {"and": ["a", "v"]}, "v": {"or": ["b", "u"]}}), "fault_tree.gates."),
    (_tree({"t": {"or": []}}), "fault_tree.gates.t.or"),
    (_tree({"t": {"atleast": {"k": 3, "of": ["a", "b"]}}}), "fault_tree.gates.t.atleast.k"),
    (_tree({"t": {"atleast": {"k": 0, "of": ["a", "b"]}}}), "fault_tree.gates.t.atleast.k"),
    (_tree({"t": {"or": ["a"], "and": ["b"]}}), "fault_tree.gates.t"),
    (_tree({"a": {"or": ["b"]}, "t": {"or": ["a"]}}), "fault_tree.gates.a"),
    (_tree({"t": {"or": ["a"]}}, top="nowhere"), "fault_tree.top"),
    (_tree({"t": {"or": ["a"]}}, events={"a": {"probability": 1.0}}), "fault_tree.events.a.probability"),
    (_tree({"t": {"or": ["a"]}}, events={"a": {"probability": 0.1, "mttr": "1h"}}), "fault_tree.events.a.mttr"),
    (_chain(MAX_DEPTH + 5), "fault_tree.gates."),
])
def test_bad_fault_trees_are_refused_naming_the_field(spec, field):
    with pytest.raises(hm.SpecError) as error:
        hm.load_spec(spec)
    assert str(error.value).startswith(field), str(error.value)[:200]


def test_a_deep_but_allowed_chain_of_shared_gates_is_exact():
    model = hm.load_spec(_chain(MAX_DEPTH - 5))
    # every g_i fails when a fails, or at the bottom when a and b both fail: P = q_a
    assert exact_availability(model).system.unavailability == pytest.approx(0.1, rel=REL)


def test_two_forms_at_the_top_are_refused():
    with pytest.raises(hm.SpecError, match="not several"):
        hm.load_spec({**_tree({"t": {"or": ["a"]}}), "blocks": {"component": {"name": "x", "availability": 0.9}}})


def test_a_cycle_through_the_cli_exits_2_without_traceback(tmp_path, capsys):
    path = tmp_path / "cycle.yaml"
    path.write_text(json.dumps(_tree({"t": {"or": ["u"]}, "u": {"and": ["a", "t"]}})))
    assert main(["availability", str(path)]) == 2
    err = capsys.readouterr().err
    assert "no cycle" in err and "Traceback" not in err and err.count("\n") == 1
