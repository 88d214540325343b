"""The compiled model: one element table and structure, consumed by every engine.

Its two views of the structure (the sites the exact engine conditions on, the tree Monte Carlo
and the Markov bridge evaluate) are checked against each other by enumerating every state of
the table's elements, and the Markov bridge against the exact engine under independent repair.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from scipy import stats

import hadr_model as hm
from hadr_model.engines import montecarlo
from hadr_model.engines.exact import element_birnbaum, exact_availability
from hadr_model.engines.markov import RepairPolicy, solve_compiled
from hadr_model.topology import compiled as compiled_module
from hadr_model.topology.compiled import Leaf, Node, Served, evaluate_down
from hadr_model.topology.graph import to_graph

REL = 1e-9

TWO_REGIONS = {
    "zone": {"mttf": 90, "mttr": 10},
    "region": {"mttf": 95, "mttr": 5},
    "global": {"g": {"mttf": 98, "mttr": 2}, "unused": {"mttf": 1, "mttr": 1}},
    "regions": {
        "a": {"zones": 3, "fails_over_to": "b"},
        "b": {"zones": 2, "fails_over_to": "a", "per_zone": {"web": 2}, "zone": {"mttf": 80, "mttr": 20}},
    },
    "roles": {
        "web": {"per_zone": 1, "needs": "60%", "mttf": 85, "mttr": 15, "depends_on": ["g"]},
        "db": {"per_zone": 1, "needs": "quorum", "mttf": 70, "mttr": 30},
    },
}

# A zone network (ingress and zone links), a common cause and a perfect ingress.
NETWORKED = {
    "zone": {"mttf": 90, "mttr": 10},
    "region": {"mttf": 95, "mttr": 5},
    "regions": {"r": {"zones": 2, "network": {"ingress_link": {"mttf": 9, "mttr": 1},
                                              "zone_link": {"mttf": 8, "mttr": 2}}}},
    "roles": {"kv": {"per_zone": 2, "needs": "quorum", "mttf": 60, "mttr": 20, "beta": 0.2}},
}

BLOCKS = {"blocks": {"series": [
    {"component": {"name": "gw", "mttf": 50, "mttr": 1}},
    {"k_of_n": {"k": 2, "of": [{"component": {"name": "app", "mttf": 20, "mttr": 2, "count": 3, "beta": 0.2}}]}},
    {"network": {"source": "s", "target": "t", "edges": [
        {"between": ["s", "a"], "name": "sa", "mttf": 30, "mttr": 1},
        {"between": ["s", "b"], "name": "sb", "mttf": 30, "mttr": 1},
        {"between": ["a", "b"], "name": "ab", "mttf": 30, "mttr": 1},
        {"between": ["a", "t"], "name": "at", "mttf": 30, "mttr": 1},
        {"between": ["b", "t"], "name": "bt", "mttf": 30, "mttr": 1}]}},
]}}


def _enumerated_unavailability(model: hm.Topology | hm.BlockSystem) -> float:
    """Σ over every state of the table's elements of P(state) · [tenant down], mean over tenants.

    Element ``i`` with ``n`` copies is down in ``d`` of them with probability Binom(n, q_i):
    the copies, zones, regions and services are independent, and the tree says the rest.
    """
    compiled = model.compiled
    table = compiled.elements
    ranges = [range(int(n) + 1) for n in table.counts]
    down = np.array(list(itertools.product(*ranges)), dtype=np.int64).T
    weights = np.ones(down.shape[1])
    for row, n in enumerate(table.counts):
        weights *= stats.binom.pmf(down[row], int(n), table.q[row])
    flags = [evaluate_down(t, down) > 0 for t in compiled.tenants()]
    return float(np.mean([weights[f].sum() for f in flags]))


@pytest.mark.parametrize("spec", [TWO_REGIONS, NETWORKED, BLOCKS], ids=["two-regions", "networked", "blocks"])
def test_the_tree_by_enumeration_equals_the_exact_engine(spec):
    model = hm.load_spec(spec)
    assert _enumerated_unavailability(model) == pytest.approx(
        exact_availability(model).system.unavailability, rel=REL)


@pytest.mark.parametrize("spec", [TWO_REGIONS, NETWORKED, BLOCKS], ids=["two-regions", "networked", "blocks"])
def test_markov_bridge_equals_the_exact_engine_under_independent_repair(spec):
    model = hm.load_spec(spec)
    markov = solve_compiled(model)
    exact = exact_availability(model)
    assert markov.unavailability == pytest.approx(exact.system.unavailability, rel=REL)
    # The Birnbaum frequency of the exact engine is the Markov rate of entering a down state.
    assert markov.failure_frequency_per_year == pytest.approx(exact.system.failure_frequency_per_year, rel=REL)
    for region in exact.regions:
        if region.home:
            assert markov.tenant_unavailability[region.name] == pytest.approx(
                region.with_failover.unavailability, rel=REL)


def test_markov_bridge_with_one_shared_crew_is_worse_than_independent_repair():
    model = hm.load_spec(BLOCKS)
    shared = solve_compiled(model, RepairPolicy(crews=1)).unavailability
    independent = solve_compiled(model).unavailability
    assert shared > independent * 1.01


def test_markov_bridge_refuses_a_chain_too_large_before_building_it():
    with pytest.raises(hm.SpecError, match="Markov states"):
        solve_compiled(hm.load_spec())


def test_one_compilation_serves_every_engine_and_the_graph(monkeypatch):
    calls = []
    original = compiled_module.compile_model
    monkeypatch.setattr(compiled_module, "compile_model", lambda model: calls.append(1) or original(model))
    model = hm.load_spec(TWO_REGIONS)
    exact_availability(model)
    hm.simulate(model, runs=20, seed=1, failover="instantaneous")
    to_graph(model)
    solve_compiled(model)
    assert len(calls) == 1
    assert model.compiled is model.compiled


def test_table_order_and_region_slices_on_the_default():
    compiled = hm.load_spec().compiled
    table = compiled.elements
    assert len(set(table.names)) == len(table)
    assert [table.kinds[g] for g in compiled.globals] == ["global"] * len(compiled.globals)
    assert compiled.regions[0].span.start == len(compiled.globals)
    for site, following in zip(compiled.regions, compiled.regions[1:]):
        assert site.span.stop == following.span.start
    for site in compiled.regions:
        rows = range(site.span.start, site.span.stop)
        assert {table.region[row] for row in rows} == {site.name}
        assert table.kinds[site.region] == "region" and site.region == site.span.start
        for role in site.roles:
            assert [table.zone[i] for i in role.instances] == list(site.zone_names)
            assert [int(table.counts[i]) for i in role.instances] == list(role.zone_counts)
            if role.common_cause is not None:
                assert {int(table.common_cause[i]) for i in role.instances} == {role.common_cause}


def test_a_shared_event_is_one_part_wherever_it_is_used():
    compiled = hm.load_spec(TWO_REGIONS).compiled
    leaves: dict[int, set[int]] = {}

    def walk(part):
        if isinstance(part, Leaf):
            leaves.setdefault(part.element, set()).add(id(part))
        elif isinstance(part, Served):
            walk(part.region)
        elif isinstance(part, Node):
            for channel in part.channels:
                for child in channel:
                    walk(child)

    for mode in ("instantaneous", "region-loss"):
        for tenant in compiled.tenants(mode):
            walk(tenant)
    assert all(len(ids) == 1 for ids in leaves.values())
    assert compiled.elements.index("global:g") in leaves      # reached from both tenants


@pytest.mark.parametrize("spec", [TWO_REGIONS, BLOCKS], ids=["two-regions", "blocks"])
def test_control_variate_weights_are_the_exact_birnbaum_of_the_same_rows(spec):
    model = hm.load_spec(spec)
    plan = montecarlo._plan(model, None, True)
    birnbaum = element_birnbaum(model)
    table = model.compiled.elements
    assert [e.name for e in plan.elements] == [table.names[row] for row in plan.rows]
    assert plan.weights == tuple(float(birnbaum[row]) for row in plan.rows)
    assert all(w > 0 for w in plan.weights)     # every simulated element matters here


def test_unused_and_perfect_elements_are_not_simulated():
    model = hm.load_spec(NETWORKED)
    plan = montecarlo._plan(model, None, False)
    table = model.compiled.elements
    assert "global:unused" not in table.names            # only the services the roles use
    assert {table.kinds[row] for row in plan.rows} == {"region", "zone", "link", "instance", "common-cause"}
    assert all(table.q[row] > 0 for row in plan.rows)


def _uneven(per_zone: tuple[int, ...]) -> hm.Topology:
    """Four app servers across three zones (2, 1, 1), needing 3, beside a quorum store."""
    base = hm.load_spec({"zone": {"mttf": 90, "mttr": 10}, "region": {"mttf": 950, "mttr": 50},
                         "regions": {"r": {"zones": 3}},
                         "roles": {"app": {"per_zone": 1, "needs": 3, "mttf": 60, "mttr": 20},
                                   "kv": {"per_zone": 1, "needs": "quorum", "mttf": 85, "mttr": 15}}})
    app, kv = base.roles
    return dataclasses.replace(base, roles=(dataclasses.replace(app, per_zone=per_zone), kv))


@pytest.mark.parametrize("per_zone", [(2, 1, 1), (0, 3, 1), (1, 1, 1)])
def test_uneven_placement_by_enumeration_markov_and_exact(per_zone):
    model = _uneven(per_zone)
    exact = exact_availability(model)
    assert _enumerated_unavailability(model) == pytest.approx(exact.system.unavailability, rel=REL)
    markov = solve_compiled(model)
    assert markov.unavailability == pytest.approx(exact.system.unavailability, rel=REL)
    assert markov.failure_frequency_per_year == pytest.approx(exact.system.failure_frequency_per_year, rel=REL)
    table = model.compiled.elements
    assert [int(table.counts[table.index(f"instance:app@r-{z}")]) for z in (1, 2, 3)] == list(per_zone)


def test_uneven_placement_differs_from_the_even_one_it_replaces():
    # (2, 1, 1) needing 3 survives the loss of zone 2 or 3 but not of zone 1: not (4/3 each).
    uneven = exact_availability(_uneven((2, 1, 1))).system.unavailability
    even = exact_availability(_uneven((1, 1, 1))).system.unavailability
    assert uneven < even


def test_uneven_placement_monte_carlo_covers_the_exact_value():
    model = _uneven((2, 1, 1))
    exact = exact_availability(model).system.availability
    result = montecarlo.simulate(model, years=5, runs=2000, seed=11)
    low, high = result.availability_ci95
    assert low <= exact <= high


UNEVEN_SPEC = {
    "zone": {"mttf": 90, "mttr": 10}, "region": {"mttf": 950, "mttr": 50},
    "regions": {"r": {"zones": 3}, "s": {"zones": ["a", "b"], "per_zone": {"app": {"a": 3, "b": 1}}}},
    "roles": {"app": {"per_zone": [2, 1, 1], "needs": 3, "mttf": 60, "mttr": 20},
              "kv": {"per_zone": 1, "needs": "quorum", "mttf": 85, "mttr": 15}},
}


def test_uneven_placement_from_the_spec_list_and_zone_names():
    model = hm.load_spec(UNEVEN_SPEC)
    app = model.roles[0]
    assert [r.zone_counts(app) for r in model.regions] == [(2, 1, 1), (3, 1)]
    assert exact_availability(model).system.unavailability == pytest.approx(
        _enumerated_unavailability(model), rel=REL)
    # the same placement built directly gives the same region figures
    region_r = exact_availability(model).regions[0].own.unavailability
    assert region_r == pytest.approx(exact_availability(_uneven((2, 1, 1))).regions[0].own.unavailability, rel=REL)


@pytest.mark.parametrize(("change", "field"), [
    ({"roles": {"app": {"per_zone": [2, 1], "needs": 1}}}, "roles.app.per_zone"),
    ({"roles": {"app": {"per_zone": [0, 0, 0]}}}, "roles.app.per_zone"),
    ({"roles": {"app": {"per_zone": [1, -1, 1]}}}, "roles.app.per_zone[1]"),
    ({"roles": {"app": {"per_zone": list(range(10**6))}}}, "roles.app.per_zone"),
    ({"regions": {"r": {"zones": 3, "per_zone": {"app": {"x": 1}}}}}, "regions.r.per_zone.app.x"),
    ({"regions": {"r": {"zones": 3, "per_zone": {"app": {"r-1": 1}}}}}, "regions.r.per_zone.app.r-2"),
    ({"roles": {"app": {"per_zone": [1, 1, 1], "needs": 4}}}, "roles.app.needs"),
])
def test_uneven_placement_refusals_name_the_field(change, field):
    spec = {**UNEVEN_SPEC, "regions": {"r": {"zones": 3}}, **change}
    with pytest.raises(hm.SpecError) as error:
        hm.load_spec(spec)
    assert str(error.value).startswith(f"{field}:"), str(error.value)[:200]
