"""Common-cause groups in the PRA convention (beta factor, MGL, alpha factor; NUREG/CR-5485).

Independent answers: SCRAM's published test results for its three-train CCF inputs, the model
formulas restated here, brute-force enumeration over the expanded events, the published
alpha ↔ MGL relation, Monte Carlo within its interval.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import yaml

from hadr_model import load_spec
from hadr_model.cli import main
from hadr_model.engines.exact import exact_availability
from hadr_model.engines.montecarlo import simulate
from hadr_model.topology.ccf import alpha_from_mgl, mgl_from_alpha, q_by_order

TRAINS = ("One", "Two", "Three")


def _three_trains(model: str, parameters: dict, probability: float = 0.1) -> dict:
    """SCRAM's ``tests/input/core/{beta_factor,mgl,alpha_factor}_ccf.xml``: three trains of a
    valve OR a pump, the top event their AND; pumps and valves each one group, Q_t = 0.1."""
    events = {f"{kind}{n}": {"probability": probability} for kind in ("Pump", "Valve") for n in TRAINS}
    gates = {"TopEvent": {"and": [f"Train{n}" for n in TRAINS]},
             **{f"Train{n}": {"or": [f"Valve{n}", f"Pump{n}"]} for n in TRAINS}}
    groups = {f"{kind}s": {"model": model, "members": [f"{kind}{n}" for n in TRAINS], **parameters}
              for kind in ("Pump", "Valve")}
    return {"name": "three-trains", "fault_tree": {"top": "TopEvent", "gates": gates, "events": events},
            "common_cause_groups": groups}


# Published exact (BDD) totals of rakhimov/scram, tests/risk_analysis_tests.cc (tolerance 1e-5 there):
# beta 0.04308, MGL 0.01630 and alpha 0.05298 (its current alpha formula, k α_k / Σ j α_j: non-staggered);
# an earlier SCRAM version's alpha formula α_k / Σ α_j (the staggered one) gave 0.03092.
@pytest.mark.parametrize(("model", "parameters", "published"), [
    ("beta", {"beta": 0.2}, 0.04308),
    ("mgl", {"beta": 0.2, "gamma": 0.1}, 0.01630),
    ("alpha", {"alpha": [0.7, 0.2, 0.1]}, 0.05298),
    ("alpha", {"alpha": [0.7, 0.2, 0.1], "staggered": True}, 0.03092),
])
def test_scram_three_train_results(model, parameters, published):
    result = exact_availability(load_spec(_three_trains(model, parameters))).system
    assert result.unavailability == pytest.approx(published, abs=1e-5)


def _textbook_q(model: str, m: int, q_t: float, p: dict) -> list[float]:
    """NUREG/CR-5485's formulas, restated independently of the package."""
    c = [math.comb(m - 1, k - 1) for k in range(1, m + 1)]
    if model == "beta":
        return [(1 - p["beta"]) * q_t] + [0.0] * (m - 2) + [p["beta"] * q_t]
    if model == "mgl":
        rho = [1.0, *p["factors"], 0.0]
        out = []
        for k in range(1, m + 1):
            product = 1.0
            for i in range(k):
                product *= rho[i]
            out.append(product * (1 - rho[k]) * q_t / c[k - 1])
        return out
    alpha = p["alpha"]
    if p.get("staggered"):
        return [alpha[k - 1] * q_t / c[k - 1] for k in range(1, m + 1)]
    total = sum((k + 1) * a for k, a in enumerate(alpha))
    return [k * alpha[k - 1] / total * q_t / c[k - 1] for k in range(1, m + 1)]


def _brute_force(members_by_group: list[list[str]], q: list[list[float]], top) -> float:
    """P(top fails) by enumerating every state of every expanded event (subsets with Q_k > 0)."""
    events = []      # (members it fails, probability)
    for members, orders in zip(members_by_group, q):
        for k in range(1, len(members) + 1):
            if orders[k - 1] > 0:
                events += [(set(s), orders[k - 1]) for s in itertools.combinations(members, k)]
    total = 0.0
    for state in itertools.product((False, True), repeat=len(events)):
        failed: set[str] = set()
        weight = 1.0
        for (members, p), down in zip(events, state):
            weight *= p if down else 1 - p
            if down:
                failed |= members
        if top(failed):
            total += weight
    return total


@pytest.mark.parametrize(("model", "parameters", "spec_parameters"), [
    ("beta", {"beta": 0.2}, {"beta": 0.2}),
    ("mgl", {"factors": (0.2, 0.1)}, {"beta": 0.2, "gamma": 0.1}),
    ("alpha", {"alpha": (0.7, 0.2, 0.1)}, {"alpha": [0.7, 0.2, 0.1]}),
    ("alpha", {"alpha": (0.7, 0.2, 0.1), "staggered": True}, {"alpha": [0.7, 0.2, 0.1], "staggered": True}),
])
def test_three_trains_equal_brute_force_over_the_expanded_events(model, parameters, spec_parameters):
    q = _textbook_q(model, 3, 0.1, parameters)
    pumps, valves = [f"Pump{n}" for n in TRAINS], [f"Valve{n}" for n in TRAINS]

    def top(failed: set[str]) -> bool:
        return all(f"Pump{n}" in failed or f"Valve{n}" in failed for n in TRAINS)

    expected = _brute_force([pumps, valves], [q, q], top)
    spec = load_spec(_three_trains(model, spec_parameters))
    assert [pytest.approx(v, rel=1e-13, abs=1e-16) for v in q] == list(spec.ccf_groups[0].q_by_order)
    assert exact_availability(spec).system.unavailability == pytest.approx(expected, rel=1e-12)


def test_two_of_three_with_one_mgl_group_matches_enumeration():
    q_t, beta, gamma = 1e-3, 0.1, 0.3
    spec = {"fault_tree": {"top": "lost", "gates": {"lost": {"atleast": {"k": 2, "of": ["a", "b", "c"]}}},
                           "events": {n: {"probability": q_t} for n in "abc"}},
            "common_cause_groups": {"g": {"model": "mgl", "members": ["a", "b", "c"], "beta": beta, "gamma": gamma}}}
    q = _textbook_q("mgl", 3, q_t, {"factors": (beta, gamma)})
    expected = _brute_force([list("abc")], [q], lambda failed: len(failed) >= 2)
    result = exact_availability(load_spec(spec)).system.unavailability
    assert result == pytest.approx(expected, rel=1e-12)
    # rare-event reading: 3 Q_2 + Q_3 + 3 Q_1² dominates
    assert result == pytest.approx(3 * q[1] + q[2] + 3 * q[0] ** 2, rel=5e-3)


def test_beta_model_is_the_simple_beta_factor_split():
    q_t, beta = 2e-3, 0.05
    for m in range(2, 9):
        q = q_by_order("beta", m, q_t, beta=beta)
        assert q[0] == pytest.approx((1 - beta) * q_t, rel=1e-15)
        assert q[-1] == pytest.approx(beta * q_t, rel=1e-15)
        assert all(v == 0.0 for v in q[1:-1])
    # a parallel pair: down when both independent parts fail or the common event does
    spec = {"fault_tree": {"top": "lost", "gates": {"lost": {"and": ["a", "b"]}},
                           "events": {"a": {"probability": q_t}, "b": {"probability": q_t}}},
            "common_cause_groups": {"g": {"model": "beta", "members": ["a", "b"], "beta": beta}}}
    q1, q2 = (1 - beta) * q_t, beta * q_t
    assert exact_availability(load_spec(spec)).system.unavailability == pytest.approx(
        q1 * q1 + q2 - q1 * q1 * q2, rel=1e-13)


@pytest.mark.parametrize("m", range(2, 9))
def test_every_model_splits_q_total_over_the_events(m):
    rng = np.random.default_rng(m)
    alpha = rng.dirichlet(np.ones(m))
    factors = tuple(rng.uniform(0.05, 0.6, m - 1))
    for q in (q_by_order("mgl", m, 1e-3, factors=factors), q_by_order("alpha", m, 1e-3, alpha=alpha),
              q_by_order("alpha", m, 1e-3, alpha=alpha, staggered=True), q_by_order("beta", m, 1e-3, beta=0.1)):
        assert sum(math.comb(m - 1, k - 1) * v for k, v in enumerate(q, 1)) == pytest.approx(1e-3, rel=1e-13)


@pytest.mark.parametrize("m", range(2, 9))
def test_alpha_and_mgl_agree_through_the_published_relation(m):
    # NUREG/CR-5485: ρ_k = Σ_{j≥k} j α_j / Σ_{j≥k−1} j α_j (non-staggered alpha factors)
    alpha = np.random.default_rng(100 + m).dirichlet(np.ones(m))
    from_alpha = q_by_order("alpha", m, 1e-3, alpha=alpha)
    from_mgl = q_by_order("mgl", m, 1e-3, factors=mgl_from_alpha(alpha))
    np.testing.assert_allclose(from_mgl, from_alpha, rtol=1e-12)
    np.testing.assert_allclose(alpha_from_mgl(mgl_from_alpha(alpha)), alpha, rtol=1e-12)
    weighted = [j * a for j, a in enumerate(alpha, 1)]
    assert mgl_from_alpha(alpha)[0] == pytest.approx(sum(weighted[1:]) / sum(weighted), rel=1e-14)   # β


def test_time_based_members_keep_their_repair_and_monte_carlo_agrees():
    spec = {"blocks": {"k_of_n": {"k": 2, "of": [{"component": {"name": n, "mttf": "200h", "mttr": "8h"}}
                                                 for n in ("a", "b", "c")]}},
            "common_cause_groups": {"pumps": {"model": "mgl", "members": ["a", "b", "c"], "beta": 0.1, "gamma": 0.3}}}
    model = load_spec(spec)
    group = model.ccf_groups[0]
    assert group.timed and group.q_total == pytest.approx(8 / 208, rel=1e-15)
    table = model.compiled.elements
    q = _textbook_q("mgl", 3, 8 / 208, {"factors": (0.1, 0.3)})
    for name, behaviour, q_event in zip(table.names, table.behaviours, table.q):
        order = 1 if "[" not in name else name.count("+") + 1
        assert q_event == pytest.approx(q[order - 1], rel=1e-13), name
        assert behaviour.mttr_h == 8.0
    exact = exact_availability(model).system.unavailability
    assert exact == pytest.approx(_brute_force([list("abc")], [q], lambda f: len(f) >= 2), rel=1e-12)
    result = simulate(model, years=1.0, runs=1000, seed=3)
    assert abs(result.unavailability - exact) <= 2.0 * result.unavailability_ci95_halfwidth


def test_members_need_not_be_copies_but_share_one_q_total():
    # a time-based event and a probability with the same unavailability 0.001: one group
    events = {"a": {"mttf": "999h", "mttr": "1h"}, "b": {"probability": 0.001}}
    spec = {"fault_tree": {"top": "lost", "gates": {"lost": {"and": ["a", "b"]}}, "events": events},
            "common_cause_groups": {"g": {"model": "beta", "members": ["a", "b"], "beta": 0.1}}}
    model = load_spec(spec)
    assert not model.ccf_groups[0].timed          # no common repair law: the events are probabilities
    q1, q2 = 0.0009, 0.0001
    assert exact_availability(model).system.unavailability == pytest.approx(q1 * q1 + q2 - q1 * q1 * q2, rel=1e-12)
    events["b"] = {"probability": 0.002}
    with pytest.raises(Exception, match="one total failure probability"):
        load_spec(spec)
    spec["common_cause_groups"]["g"]["q_total"] = 0.0015
    q1, q2 = 0.9 * 0.0015, 0.1 * 0.0015
    assert exact_availability(load_spec(spec)).system.unavailability == pytest.approx(
        q1 * q1 + q2 - q1 * q1 * q2, rel=1e-12)


def test_copies_of_a_block_component_can_form_a_group():
    spec = {"blocks": {"parallel": [{"component": {"name": "pump", "count": 2, "mttf": "999h", "mttr": "1h"}}]},
            "common_cause_groups": {"g": {"model": "alpha", "members": ["pump[1]", "pump[2]"], "alpha": [0.9, 0.1]}}}
    q = _textbook_q("alpha", 2, 1e-3, {"alpha": (0.9, 0.1)})
    assert exact_availability(load_spec(spec)).system.unavailability == pytest.approx(
        q[0] ** 2 + q[1] - q[0] ** 2 * q[1], rel=1e-12)


def _group(**changes) -> dict:
    group = {"model": "mgl", "members": ["a", "b", "c"], "beta": 0.1, "gamma": 0.2}
    group.update(changes)
    return {k: v for k, v in group.items() if v is not None}


@pytest.mark.parametrize(("group", "field"), [
    (_group(members=["a", "b", "zz"]), "common_cause_groups.g.members[2]"),
    (_group(members=["a", "a", "b"]), "common_cause_groups.g.members[1]"),
    (_group(members=["a"]), "common_cause_groups.g.members"),
    (_group(members=[f"e{i}" for i in range(9)]), "common_cause_groups.g.members"),
    (_group(beta=1.5), "common_cause_groups.g.beta"),
    (_group(gamma=-0.1), "common_cause_groups.g.gamma"),
    (_group(gamma=None), "common_cause_groups.g.gamma"),
    (_group(model="gamma"), "common_cause_groups.g.model"),
    (_group(model="alpha", beta=None, gamma=None, alpha=[0.8, 0.1, 0.05]), "common_cause_groups.g.alpha"),
    (_group(model="alpha", beta=None, gamma=None, alpha=[0.9, 0.1]), "common_cause_groups.g.alpha"),
    (_group(model="alpha", gamma=None, alpha=[0.9, 0.05, 0.05]), "common_cause_groups.g.beta"),
    (_group(model="mgl", factors=[0.1, 0.2], beta=None, gamma=None, delta=0.1), "common_cause_groups.g.factors"),
    (_group(q_total=1.0), "common_cause_groups.g.q_total"),
    (_group(extra=1), "common_cause_groups.g.extra"),
])
def test_bad_groups_exit_2_naming_the_field(tmp_path, capsys, group, field):
    events = {f"e{i}": {"probability": 0.01} for i in range(9)} | {n: {"probability": 0.01} for n in "abc"}
    spec = {"fault_tree": {"top": "t", "gates": {"t": {"or": sorted(events)}}, "events": events},
            "common_cause_groups": {"g": group}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hadr: error:") and field in err and "Traceback" not in err


def test_a_member_of_two_groups_or_of_a_network_is_refused(tmp_path, capsys):
    events = {n: {"probability": 0.01} for n in "abc"}
    spec = {"fault_tree": {"top": "t", "gates": {"t": {"or": list(events)}}, "events": events},
            "common_cause_groups": {"g": {"model": "beta", "members": ["a", "b"], "beta": 0.1},
                                    "h": {"model": "beta", "members": ["b", "c"], "beta": 0.1}}}
    with pytest.raises(Exception, match="one group only"):
        load_spec(spec)
    network = {"blocks": {"network": {"source": "s", "target": "t", "edges": [
        {"between": ["s", "t"], "name": "l1", "mttf": "100h", "mttr": "1h"},
        {"between": ["s", "t"], "name": "l2", "mttf": "100h", "mttr": "1h"}]}},
        "common_cause_groups": {"g": {"model": "beta", "members": ["l1", "l2"], "beta": 0.1}}}
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(network))
    assert main(["validate", str(path)]) == 2
    assert "common_cause_groups.g.members[0]" in capsys.readouterr().err


def test_validate_lists_the_groups_and_their_q_k(tmp_path, capsys):
    path = tmp_path / "g.yaml"
    path.write_text(yaml.safe_dump(_three_trains("mgl", {"beta": 0.2, "gamma": 0.1})))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Pumps: mgl over 3" in out and "Q_2 0.009" in out and "Q_3 0.002" in out
