"""Monte Carlo with repair teams (hadr_model.engines.crews) against independent answers.

Two identical units, exponential failures (rate λ each), ONE crew, a parallel pair (down while
both are down):

* exponential repair (mean D): the birth-death chain, ``U = 2ρ² / (1 + 2ρ + 2ρ²)``, ``ρ = λD``;
* deterministic repair D: the M/G/1//2 machine-repair model (finite source; Takács,
  *Introduction to the Theory of Queues*, 1962, ch. 5; Gross & Harris, *Fundamentals of
  Queueing Theory*, §6.1 "finite-source" with general service). Embedded at repair completions,
  the number left failed is 1 exactly when the other unit failed during the repair, probability
  ``a = 1 − e^{−λD}`` whatever the state before: so a completion leaves 1 failed with
  probability ``a``. A cycle between completions is an idle period ``Exp(2λ)`` (only when none
  was left failed) then one repair ``D``; the pair is down for ``(D − X)^+`` of it, ``X ~ Exp(λ)``
  the other unit's failure time, ``E[(D − X)^+] = D − a/λ``. By renewal-reward
  ``U = (D − a/λ) / ((1 − a)/(2λ) + D)`` — about half the exponential figure for ``λD ≪ 1``:
  shared crews are *not* insensitive to the repair law.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest

import hadr_model as hm
from hadr_model import load_spec
from hadr_model.engines.exact import exact_availability
from hadr_model.engines.teams import shared_repair_availability

ROOT = Path(__file__).resolve().parents[2]
LAM, D = 1 / 100, 10.0


def _pair(repair, crews: int = 1) -> dict:
    return {"blocks": {"parallel": [{"component": {"name": "u", "mttf": "100h", "repair": repair, "count": 2}}]},
            "repair": {"ops": {"crews": crews, "components": ["u"]}}}


def _within(result, expected: float, halfwidths: float = 2.0) -> None:
    assert abs(result.unavailability - expected) <= halfwidths * result.unavailability_ci95_halfwidth, \
        (result.unavailability, result.unavailability_ci95_halfwidth, expected)


def test_deterministic_and_exponential_repair_differ_and_match_their_closed_forms():
    a = 1 - math.exp(-LAM * D)
    deterministic = (D - a / LAM) / ((1 - a) / (2 * LAM) + D)
    rho = LAM * D
    exponential = 2 * rho**2 / (1 + 2 * rho + 2 * rho**2)
    fixed = hm.simulate(load_spec(_pair({"dist": "deterministic", "value": "10h"})), runs=1000, seed=2)
    expo = hm.simulate(load_spec(_pair("10h")), runs=1000, seed=2)
    _within(fixed, deterministic)
    _within(expo, exponential)
    assert expo.unavailability - fixed.unavailability > 3 * (fixed.unavailability_ci95_halfwidth
                                                             + expo.unavailability_ci95_halfwidth)
    # The Markov engine gives the exponential one exactly.
    assert shared_repair_availability(load_spec(_pair("10h"))).system.unavailability == pytest.approx(exponential)


def test_two_crews_for_two_units_is_independent_repair_whatever_the_law():
    law = {"dist": "lognorm", "s": 0.8, "mean": "10h"}
    result = hm.simulate(load_spec(_pair(law, crews=2)), runs=800, seed=5)
    independent = _pair(law)
    del independent["repair"]
    _within(result, exact_availability(load_spec(independent)).system.unavailability)


def test_same_seed_same_numbers():
    spec = load_spec(_pair({"dist": "deterministic", "value": "10h"}))
    one, two = (hm.simulate(spec, runs=200, seed=9) for _ in range(2))
    assert one.unavailability == two.unavailability and one.outages_per_year_mean == two.outages_per_year_mean


def test_two_of_three_with_one_crew_and_priorities_against_markov():
    spec = {"blocks": {"series": [
        {"k_of_n": {"k": 2, "of": [{"component": {"name": "web", "mttf": "200h", "mttr": "10h", "count": 3}}]}},
        {"component": {"name": "db", "mttf": "300h", "mttr": "5h"}}]},
        "repair": {"ops": {"crews": 1, "components": ["web", "db"], "priority": ["db"]}}}
    model = load_spec(spec)
    exact = hm.availability(model)
    assert exact.engine.startswith("Markov")
    result = hm.simulate(model, runs=1000, seed=4)
    _within(result, exact.system.unavailability)
    # Without the crew constraint the figure is clearly lower: the test can fail.
    free = copy.deepcopy(spec)
    del free["repair"]
    assert exact_availability(load_spec(free)).system.unavailability < exact.system.unavailability - \
        3 * result.unavailability_ci95_halfwidth


def test_region_form_example_against_markov():
    model = load_spec(ROOT / "data" / "oncall_crews.yaml")
    exact = hm.availability(model).system.unavailability
    result = hm.simulate(model, runs=600, seed=1)
    _within(result, exact)


def test_region_in_a_team_with_a_dr_failover_runs_its_losses_through_the_team():
    raw = copy.deepcopy(load_spec(ROOT / "data" / "two_regions.yaml").raw)
    raw["region"] = {"mttf": "2000h", "mttr": "24h"}       # frequent region losses: a visible effect
    raw["repair"] = {"restore": {"crews": 2, "repairs": ["region"]}}    # as many crews as regions
    model = load_spec(raw)
    result = hm.simulate(model, runs=300, seed=3)
    assert result.failover_model == "dr-workflow"
    del raw["repair"]
    independent = hm.availability(load_spec(raw), seed=3)
    assert independent.failover_model == "dr-workflow"
    _within(result, independent.system.unavailability, 2.5)


def test_team_signals_are_sorted_and_alternate():
    from hadr_model.engines.crews import DenseTeam, team_signals
    from hadr_model.engines.montecarlo import _Element
    from hadr_model.topology.laws import deterministic, exponential

    elements = [_Element("a", "component", 2, exponential(50.0), deterministic(5.0))]
    signals, _ = team_signals([DenseTeam("t", 1, (0,), (0,))], elements, 50, 2000.0, np.random.default_rng(0))
    s = signals[0]
    finite = np.isfinite(s.times)
    assert np.all(np.diff(np.where(finite, s.times, 1e300), axis=1) >= 0)
    assert np.all(s.deltas[~finite] == 0) and np.all(np.abs(s.deltas[finite]) == 1)
    level = s.init[:, None] + np.cumsum(s.deltas, axis=1)
    assert level.min() >= 0 and level.max() <= 2


def test_a_detection_delay_in_a_team_is_refused_by_monte_carlo_and_the_exact_engines():
    # The joint simulation would hold a crew while the failure is still undetected.
    spec = load_spec({"name": "det-team",
                      "blocks": {"parallel": [{"component": {"name": "a", "mttf": "100h", "mttr": "10h",
                                                             "mttd": "1h"}},
                                              {"component": {"name": "b", "mttf": "100h", "mttr": "10h"}}]},
                      "repair": {"ops": {"crews": 1, "components": ["a", "b"]}}})
    with pytest.raises(hm.SpecError, match=r"repair\.ops.*detection delay"):
        hm.simulate(spec, runs=50, seed=0)
    with pytest.raises(hm.SpecError, match="repair"):
        hm.availability(spec)
    with pytest.raises(hm.SpecError, match="independent elements"):
        exact_availability(spec)
