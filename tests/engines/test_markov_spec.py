"""The Markov engine from a spec: repair teams (``repair``), the automatic dispatch, and the
decomposed solver against closed forms and the exact engine.

Closed forms are the machine-repair (finite-source) birth-death chains: ``n`` units failing at
``λ`` each, ``c`` crews repairing at ``μ`` each, ``ρ = λ/μ``; ``π_k ∝ Π_{i<k} (n−i) λ / (min(i+1, c) μ)``
(e.g. Barlow & Proschan, *Statistical Theory of Reliability and Life Testing*, 1975, ch. 7;
Trivedi, *Probability and Statistics with Reliability, Queuing and Computer Science
Applications*, 2nd ed., 2002, §8.2 (machine-repairman model)).
"""

from __future__ import annotations

import copy
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import hadr_model as hm
from hadr_model import load_spec
from hadr_model.cli import main
from hadr_model.engines.exact import exact_availability
from hadr_model.engines.markov import MAX_STATES, solve_compiled, team_policy
from hadr_model.engines.teams import ENGINE_LABEL, shared_repair_availability
from hadr_model.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]


def _machine_repair(n: int, crews: int, lam: Fraction, mu: Fraction) -> list[Fraction]:
    """Stationary law of the number failed (exact rationals)."""
    weights = [Fraction(1)]
    for k in range(n):
        weights.append(weights[-1] * (n - k) * lam / (min(k + 1, crews) * mu))
    total = sum(weights)
    return [w / total for w in weights]


def _pair(structure: str, crews: int | None, mttf: str = "1000h", mttr: str = "10h") -> dict:
    spec = {"blocks": {structure: [{"component": {"name": "u", "mttf": mttf, "mttr": mttr, "count": 2}}]}}
    if crews is not None:
        spec["repair"] = {"ops": {"crews": crews, "components": ["u"]}}
    return spec


@pytest.mark.parametrize("crews", [1, 2])
def test_two_units_one_crew_and_two_crews_match_the_rational_closed_forms(crews):
    lam, mu = Fraction(1, 1000), Fraction(1, 10)
    pi = _machine_repair(2, crews, lam, mu)
    # 1 crew: U = 2ρ² / (1 + 2ρ + 2ρ²); 2 crews: U = ρ² / (1 + ρ)² (independent units).
    rho = lam / mu
    expected = 2 * rho**2 / (1 + 2 * rho + 2 * rho**2) if crews == 1 else rho**2 / (1 + rho) ** 2
    assert pi[2] == expected
    result = shared_repair_availability(load_spec(_pair("parallel", crews)))
    assert result.system.unavailability == pytest.approx(float(expected), rel=1e-12)
    # Failure frequency of the pair: the 1 → 2 flow, π_1 λ.
    assert result.system.failure_frequency_per_year == pytest.approx(float(pi[1] * lam) * 8760, rel=1e-12)
    series = shared_repair_availability(load_spec(_pair("series", crews)))
    assert series.system.unavailability == pytest.approx(float(pi[1] + pi[2]), rel=1e-12)
    assert result.engine.startswith(ENGINE_LABEL)


def test_one_crew_is_worse_than_two_and_two_equal_independent_repair():
    one = shared_repair_availability(load_spec(_pair("parallel", 1))).system.unavailability
    two = shared_repair_availability(load_spec(_pair("parallel", 2))).system.unavailability
    independent = exact_availability(load_spec(_pair("parallel", None))).system.unavailability
    assert one > 1.9 * two
    assert two == pytest.approx(independent, rel=1e-12)


def test_three_zones_one_crew_region_form_closed_form():
    spec = {"zone": {"mttf": "2000h", "mttr": "20h"}, "region": {"availability": 1},
            "regions": {"r": {"zones": 3}}, "roles": {"web": {"availability": 1}},
            "repair": {"ops": {"crews": 1, "repairs": ["zones"]}}}
    # The service needs one usable zone: down when all three are down.
    pi = _machine_repair(3, 1, Fraction(1, 2000), Fraction(1, 20))
    spec["roles"]["web"] = {"mttf": "1e9h", "mttr": "1e-6h"}     # an instance that is (almost) never down
    result = hm.availability(load_spec(spec))
    assert result.system.unavailability == pytest.approx(float(pi[3]), rel=1e-6)
    assert "Markov" in result.engine


def test_priority_preempts_against_an_independent_generator():
    """Series of a and b, one crew, a first (preemptive): the 4-state generator written by hand."""
    la, lb, ma, mb = 1 / 300, 1 / 500, 1 / 5, 1 / 8
    spec = {"blocks": {"parallel": [{"component": {"name": "a", "mttf": "300h", "mttr": "5h"}},
                                    {"component": {"name": "b", "mttf": "500h", "mttr": "8h"}}]},
            "repair": {"ops": {"crews": 1, "components": ["a", "b"], "priority": ["a"]}}}
    # states (a down, b down): 0 = (0,0), 1 = (1,0), 2 = (0,1), 3 = (1,1)
    q = np.zeros((4, 4))
    q[0, 1], q[0, 2] = la, lb
    q[1, 0], q[1, 3] = ma, lb
    q[2, 0], q[2, 3] = mb, la
    q[3, 2] = ma                   # both down: the crew is on a
    np.fill_diagonal(q, -q.sum(axis=1))
    a = np.vstack([q.T[:-1], np.ones(4)])
    pi = np.linalg.solve(a, np.array([0, 0, 0, 1.0]))
    result = shared_repair_availability(load_spec(spec))
    assert result.system.unavailability == pytest.approx(pi[3], rel=1e-10)
    # Into (1,1): from (1,0) at λb and from (0,1) at λa.
    assert result.system.failure_frequency_per_year == pytest.approx((pi[1] * lb + pi[2] * la) * 8760, rel=1e-10)
    unequal = copy.deepcopy(spec)
    del unequal["repair"]["ops"]["priority"]
    with pytest.raises(SpecError, match="one failure and repair rate per priority level"):
        shared_repair_availability(load_spec(unequal))


def test_two_teams_are_independent_chains():
    pair = [{"component": {"name": "a", "mttf": "1000h", "mttr": "10h", "count": 2}}]
    other = [{"component": {"name": "b", "mttf": "400h", "mttr": "20h", "count": 2}}]
    spec = {"blocks": {"series": [{"parallel": pair}, {"parallel": other}]},
            "repair": {"one": {"crews": 1, "components": ["a"]}, "two": {"crews": 1, "components": ["b"]}}}
    ua = float(_machine_repair(2, 1, Fraction(1, 1000), Fraction(1, 10))[2])
    ub = float(_machine_repair(2, 1, Fraction(1, 400), Fraction(1, 20))[2])
    result = shared_repair_availability(load_spec(spec))
    assert result.system.unavailability == pytest.approx(ua + ub - ua * ub, rel=1e-12)
    # The whole-spec chain (solve_compiled with the spec's pools) agrees.
    whole = solve_compiled(load_spec(spec))
    assert whole.unavailability == pytest.approx(ua + ub - ua * ub, rel=1e-10)
    assert team_policy(load_spec(spec)).teams == (("one", 1), ("two", 1))


SMALL_SPECS = ["two_regions.yaml", "web_tier.yaml", "payment_path.yaml", "bridge.yaml", "cooling_fault_tree.yaml",
               "web_service.yaml", "oncall_crews.yaml"]


@pytest.mark.parametrize("name", SMALL_SPECS)
def test_markov_equals_exact_under_independent_repair(name):
    raw = load_spec(ROOT / "data" / name).raw
    raw = {k: v for k, v in copy.deepcopy(raw).items() if k != "repair"}
    model = load_spec(raw)
    markov = shared_repair_availability(model)
    exact = exact_availability(model)
    assert markov.system.unavailability == pytest.approx(exact.system.unavailability, rel=1e-9)
    if math.isfinite(exact.system.failure_frequency_per_year):
        assert markov.system.failure_frequency_per_year == pytest.approx(exact.system.failure_frequency_per_year,
                                                                         rel=1e-9)
    for mine, theirs in zip(markov.regions, exact.regions):
        assert mine.own.unavailability == pytest.approx(theirs.own.unavailability, rel=1e-9)
        assert mine.with_failover.unavailability == pytest.approx(theirs.with_failover.unavailability, rel=1e-9)


def test_dispatch_says_which_engine_answered(capsys):
    model = load_spec(_pair("parallel", 1))
    result = hm.availability(model)
    assert result.engine == f"{ENGINE_LABEL} (4 states)"
    assert result.to_dict()["engine"] == result.engine
    assert hm.availability(load_spec(_pair("parallel", None))).engine == "exact"
    assert main(["availability", str(ROOT / "data" / "oncall_crews.yaml")]) in (0, 1)
    out = capsys.readouterr().out
    assert f"model: {ENGINE_LABEL} (" in out
    check = hm.verdict(model).checks[0]
    assert check.model.startswith(ENGINE_LABEL)


def test_per_region_false_shares_one_engineer_between_regions():
    raw = copy.deepcopy(load_spec(ROOT / "data" / "oncall_crews.yaml").raw)
    raw["repair"]["oncall"].update(repairs=["db"], priority=["db"])
    per_region = hm.availability(load_spec(raw)).system.unavailability
    raw["repair"]["oncall"]["per_region"] = False
    shared = hm.availability(load_spec(raw)).system.unavailability
    assert [t.name for t in load_spec(raw).compiled.teams] == ["oncall"]
    del raw["repair"]
    independent = exact_availability(load_spec(raw)).system.unavailability
    assert independent < per_region < shared


def test_refusals_name_the_team():
    lognormal = _pair("parallel", 1)
    lognormal["blocks"]["parallel"][0]["component"]["repair"] = {"dist": "lognorm", "s": 0.5, "mean": "10h"}
    del lognormal["blocks"]["parallel"][0]["component"]["mttr"]
    with pytest.raises(SpecError, match="exponential laws") as error:
        hm.availability(load_spec(lognormal))
    assert error.value.field == "repair.ops" and "hadr simulate" in str(error.value)
    many = {"blocks": {"parallel": [{"component": {"name": "u", "mttf": "1000h", "mttr": "10h", "count": 23}}]},
            "repair": {"ops": {"crews": 1, "components": ["u"]}}}
    with pytest.raises(SpecError, match="8,388,608 Markov states") as error:
        hm.availability(load_spec(many))
    assert error.value.field == "repair.ops" and 2**23 > MAX_STATES


def test_teams_resolve_copies_kinds_roles_and_levels():
    model = load_spec(ROOT / "data" / "oncall_crews.yaml")
    teams = model.compiled.teams
    assert [t.name for t in teams] == ["oncall@east", "oncall@west"]
    table = model.compiled.elements
    kinds = {table.kinds[r] for r in teams[0].rows}
    assert kinds == {"zone", "instance"}
    by_role = {table.role[r] or table.kinds[r]: teams[0].level_of(r) for r in teams[0].rows}
    assert by_role == {"db": 3, "app": 2, "zone": 1}
