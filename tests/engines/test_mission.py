"""Mission figures from an all-up start, each against an independent answer.

Closed forms used (λ failure, μ repair rate, s = λ + μ):

* one repairable unit: ``A(t) = μ/s + λ/s e^{−st}``, ``Ā(T) = μ/s + λ/(s² T) (1 − e^{−sT})``,
  ``R(t) = e^{−λt}``;
* two identical units in parallel, each with its own repair (states 0, 1, 2 failed; 2 absorbing):
  ``MTTF = (3λ + μ) / (2λ²)`` and ``R(t) = (r₁ e^{r₂ t} − r₂ e^{r₁ t}) / (r₁ − r₂)`` with
  ``r₁,₂ = (−(3λ + μ) ± √(λ² + 6λμ + μ²)) / 2`` — Trivedi, *Probability and Statistics with
  Reliability, Queuing and Computer Science Applications*, 2nd ed., §8.4 (two-unit parallel
  system with repair), and Billinton & Allan, *Reliability Evaluation of Engineering Systems*,
  ch. 9;
* series of non-repairable units: ``R(t) = e^{−Σλ t}``, ``MTTF = 1/Σλ``; parallel of two
  non-repairable identical units: ``MTTF = 3/(2λ)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hadr_model import load_spec
from hadr_model.engines import markov
from hadr_model.engines.exact import exact_availability, unavailability_function
from hadr_model.engines.mission import MAX_MISSION_STATES, element_unavailability_at, mission
from hadr_model.errors import SpecError
from hadr_model.topology.laws import exponential, never
from hadr_model.topology.model import Behaviour


def within(value: float, interval: tuple[float, float], widen: float = 1.35) -> bool:
    """``value`` in the 95 % interval widened about its centre by ``widen`` (≈ 99 %: several
    intervals are checked per test, so a plain 95 % one would miss now and then by chance)."""
    low, high = interval
    centre, half = (low + high) / 2, (high - low) / 2 * widen
    return centre - half <= value <= centre + half


def component(name: str, mttf: str, mttr: str, count: int = 1) -> dict:
    return {"component": {"name": name, "mttf": mttf, "mttr": mttr, "count": count}}


def one_unit(mttf: float = 100.0, mttr: float = 5.0):
    return load_spec({"blocks": {"series": [component("u", f"{mttf}h", f"{mttr}h")]}})


def test_single_component_availability_closed_form_markov_and_monte_carlo():
    lam, mu = 1 / 100.0, 1 / 5.0
    s = lam + mu
    times = [1.0, 5.0, 20.0, 200.0]
    truth = np.array([mu / s + lam / s * math.exp(-s * t) for t in times])
    result = mission(one_unit(), 200.0, times[:-1])
    assert result.availability_at.model.startswith("exact")
    np.testing.assert_allclose(result.availability_at.values, truth, rtol=1e-13)
    curve = markov.transient_curve(markov.MarkovModel([markov.Group("u", 1, 100.0, 5.0)]), times)
    np.testing.assert_allclose(curve.availability, truth, rtol=1e-12)
    np.testing.assert_allclose(result.reliability.values, np.exp(-lam * np.array(times)), rtol=1e-12)
    sampled = mission(one_unit(), 200.0, times[:-1], method="monte-carlo", runs=4000, seed=3)
    assert sampled.availability_at.model.startswith("monte-carlo: all-up start, 4,000 runs")
    for value, interval in zip(truth, sampled.availability_at.ci95):
        assert within(value, interval)
    for value, interval in zip(np.exp(-lam * np.array(times)), sampled.reliability.ci95):
        assert within(value, interval)
    interval_truth = [mu / s + lam / (s * s * t) * -math.expm1(-s * t) for t in times]
    for value, interval in zip(interval_truth, sampled.interval_availability.ci95):
        assert within(value, interval)
    assert within(100.0, sampled.mttf_ci95_h) and not sampled.mttf_censored


def test_interval_availability_of_one_component_against_the_closed_integral():
    lam, mu = 1 / 100.0, 1 / 5.0
    s = lam + mu
    result = mission(one_unit(), 8760.0, [0.5, 24.0])
    for t, value, error in zip(result.times_h, result.interval_availability.values,
                               result.interval_availability.error):
        truth = mu / s + lam / (s * s * t) * -math.expm1(-s * t)
        assert value == pytest.approx(truth, rel=1e-13, abs=0)
        assert error < 1e-12


def two_unit_reliability(lam: float, mu: float, t: np.ndarray) -> np.ndarray:
    root = math.sqrt(lam * lam + 6 * lam * mu + mu * mu)
    r1, r2 = (-(3 * lam + mu) + root) / 2, (-(3 * lam + mu) - root) / 2
    return (r1 * np.exp(r2 * t) - r2 * np.exp(r1 * t)) / (r1 - r2)


def test_parallel_pair_with_independent_repair_reliability_and_mttf():
    lam, mu = 1e-3, 0.1
    model = load_spec({"blocks": {"parallel": [component("db", "1000h", "10h", count=2)]}})
    result = mission(model, 8760.0, [24.0, 720.0])
    assert result.mttf_model.startswith("markov")
    assert result.mttf_h == pytest.approx((3 * lam + mu) / (2 * lam * lam), rel=1e-12)
    np.testing.assert_allclose(result.reliability.values, two_unit_reliability(lam, mu, np.array(result.times_h)),
                               rtol=1e-11)
    # A(t): the product of the units' closed forms (independent), from the exact structure
    q = lam / (lam + mu) * -np.expm1(-(lam + mu) * np.array(result.times_h))
    np.testing.assert_allclose(1.0 - np.array(result.availability_at.values), q * q, rtol=1e-12)


def test_series_of_non_repairable_units():
    rates = [1e-3, 2e-3, 5e-4]
    spec = {"blocks": {"series": [component(f"c{i}", f"{1 / r}h", "never") for i, r in enumerate(rates)]}}
    model = load_spec(spec)
    result = mission(model, 5000.0, [10.0, 1000.0])
    total = sum(rates)
    # R = 1 − Q(t): absolute accuracy of a few ulps of 1 (a tiny R has no more digits than that)
    np.testing.assert_allclose(result.reliability.values, np.exp(-total * np.array(result.times_h)),
                               rtol=1e-12, atol=1e-15)
    assert result.mttf_h == pytest.approx(1 / total, rel=1e-10)
    assert result.reliability.model.startswith("exact: nothing is repaired")
    # steady state of a non-repairable element is down for good: the exact engine says A = 0
    assert exact_availability(model).system.availability == 0.0


def test_parallel_of_non_repairable_units_and_a_weibull_law():
    lam = 1e-3
    model = load_spec({"blocks": {"parallel": [component("p", "1000h", "never", count=2)]}})
    result = mission(model, 1000.0)
    assert result.mttf_h == pytest.approx(1.5 / lam, rel=1e-10)
    assert result.reliability.at(1000.0) == pytest.approx(1 - (1 - math.exp(-1.0)) ** 2, rel=1e-13)
    weibull = {"dist": "weibull_min", "c": 2.0, "scale": "1000h"}
    spec = {"blocks": {"series": [{"component": {"name": "w", "failure": weibull, "repair": "never", "count": 2}}]}}
    result = mission(load_spec(spec), 500.0)
    assert result.reliability.at(500.0) == pytest.approx(math.exp(-2 * 0.5 ** 2), rel=1e-12)
    # MTTF of the minimum of two Weibull(2, η): η / √2 · Γ(1.5)
    assert result.mttf_h == pytest.approx(1000.0 / math.sqrt(2) * math.gamma(1.5), rel=1e-9)


REGION = {
    "zone": {"mttf": "400h", "mttr": "8h"},
    "region": {"mttf": "4000h", "mttr": "20h"},
    "regions": {"r": {"zones": 2}},
    "roles": {"kv": {"per_zone": 1, "needs": "any", "mttf": "150h", "mttr": "10h"}},
}


def test_region_form_markov_against_exact_and_monte_carlo():
    model = load_spec(REGION)
    result = mission(model, 300.0, [24.0, 100.0])
    assert result.reliability.model.startswith("markov")
    from hadr_model.engines.mission import _Markov

    chain = _Markov(model)
    np.testing.assert_allclose(chain.availability(result.times_h), result.availability_at.values, rtol=1e-11)
    np.testing.assert_allclose(chain.interval(result.times_h), result.interval_availability.values, rtol=1e-11)
    sampled = mission(model, 300.0, [24.0, 100.0], method="monte-carlo", runs=3000, seed=11)
    for value, interval in zip(result.reliability.values, sampled.reliability.ci95):
        assert within(value, interval)
    for value, interval in zip(result.availability_at.values, sampled.availability_at.ci95):
        assert within(value, interval)
    assert within(result.mttf_h, sampled.mttf_ci95_h)


def test_non_exponential_repair_uses_monte_carlo_with_the_same_numbers_for_the_same_seed():
    spec = {"blocks": {"parallel": [{"component": {"name": "v", "mttf": "200h", "count": 2,
                                                   "repair": {"dist": "deterministic", "value": "10h"}}}]}}
    model = load_spec(spec)
    first = mission(model, 500.0, [50.0], runs=500, seed=5)
    again = mission(model, 500.0, [50.0], runs=500, seed=5)
    assert first.as_dict() == again.as_dict()
    for figure in (first.reliability, first.availability_at, first.interval_availability):
        assert figure.model.startswith("monte-carlo: all-up start, 500 runs, seed 5")
        assert figure.ci95 is not None


def test_element_closed_forms_keep_digits():
    q, a = element_unavailability_at(Behaviour(exponential(1e9), exponential(1.0)), 1e-3)
    assert float(q) == pytest.approx(1e-9 * 1e-3, rel=1e-6) and float(a) < 1.0
    q, a = element_unavailability_at(Behaviour(exponential(10.0), never()), 1000.0)
    assert float(a) == pytest.approx(math.exp(-100.0), rel=1e-12)


def test_unavailability_function_matches_the_exact_engine_at_the_steady_state():
    for spec in (REGION, {"blocks": {"k_of_n": {"k": 2, "of": [component("d", "100h", "3h", count=3)]}}}):
        model = load_spec(spec)
        h = unavailability_function(model)
        assert h(model.compiled.elements.q) == pytest.approx(exact_availability(model).system.unavailability,
                                                             rel=1e-13)
    with pytest.raises(SpecError):
        h(np.array([0.5]))


def test_bad_mission_times():
    model = one_unit()
    for mission_h, at in ((-1.0, ()), (0.0, ()), (math.inf, ()), (10.0, (20.0,)), (10.0, (0.0,))):
        with pytest.raises(SpecError):
            mission(model, mission_h, at)
    with pytest.raises(SpecError, match="time laws"):
        mission(load_spec({"blocks": {"series": [{"component": {"name": "f", "availability": 0.99}}]}}), 10.0)
    assert MAX_MISSION_STATES >= 1000


# --- the Markov solver with repair rate 0 (issue 11 item 8) --------------------------------

@pytest.mark.parametrize("mttr", [1e100, 1e160, 1e200, 1e300])
def test_markov_huge_repair_times_give_no_nan(mttr):
    lam, mu = 1e-2, 1.0 / mttr
    result = markov.solve(markov.MarkovModel([markov.Group("a", 3, 100.0, mttr, needed=1)]))
    assert math.isfinite(result.availability) and result.unavailability == pytest.approx(1.0)
    # birth–death chain: pi_2 / pi_3 = 3 mu / lam, everything else is smaller by mu / lam
    assert result.availability == pytest.approx(3 * mu / lam, rel=1e-6)


def test_markov_non_repairable_group_and_zone():
    never_ = math.inf
    one = markov.solve(markov.MarkovModel([markov.Group("a", 1, 100.0, never_)]))
    assert (one.availability, one.unavailability, one.failure_frequency_per_year) == (0.0, 1.0, 0.0)
    assert one.mean_time_to_first_failure_h == pytest.approx(100.0)
    pair = markov.solve(markov.MarkovModel([markov.Group("a", 2, 100.0, never_)], repair=markov.RepairPolicy(crews=1)))
    assert pair.mean_time_to_first_failure_h == pytest.approx(150.0)     # 1/(2λ) + 1/λ
    # a non-repairable pair beside a repairable unit: the long run is the unit alone
    mixed = markov.solve(markov.MarkovModel([markov.Group("a", 2, 100.0, never_), markov.Group("b", 1, 100.0, 2.0)],
                                            up=lambda s: (s["a"] >= 1) | (s["b"] >= 1)))
    assert mixed.availability == pytest.approx(100.0 / 102.0, rel=1e-12)
    # several absorbing classes (a zone that is never repaired freezes its instances)
    zoned = markov.solve(markov.MarkovModel([markov.Group("a", 2, 100.0, never_, zone="z")],
                                            zones=[markov.Zone("z", 50.0, never_)]))
    assert zoned.unavailability == 1.0 and zoned.mean_time_to_first_failure_h == pytest.approx(25 + 0.5 / 0.03)


def test_long_run_of_a_reducible_chain_weighs_its_absorbing_classes():
    q = np.array([[-3.0, 1.0, 2.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(markov.long_run(q), [0.0, 1 / 3, 2 / 3], rtol=1e-14)


@pytest.mark.slow     # building the JSON Schema and its validator takes a few seconds
def test_never_is_a_spec_word_for_mttr_and_repair_in_the_validator_and_the_json_schema():
    import jsonschema

    from hadr_model.topology.schema import json_schema

    spec = {"blocks": {"parallel": [{"component": {"name": "a", "mttf": "100h", "mttr": "never"}},
                                    {"component": {"name": "b", "failure": {"dist": "weibull_min", "c": 1.5,
                                                                            "mean": "100h"}, "repair": "Never"}}]}}
    model = load_spec(spec)
    assert [b.repairable for b in model.compiled.elements.behaviours] == [False, False]
    jsonschema.validate({"blocks": {"component": {"name": "a", "mttf": "100h", "mttr": "never"}}}, json_schema())
    with pytest.raises(SpecError, match="mttr"):
        load_spec({"blocks": {"component": {"name": "a", "mttf": "100h", "mttr": "nevr"}}})
    with pytest.raises(SpecError, match="mttf"):   # 'never' is a repair word only
        load_spec({"blocks": {"component": {"name": "a", "mttf": "never", "mttr": "1h"}}})


def test_one_shared_crew_takes_the_markov_route_for_every_figure():
    # Two units, one crew: the long-run unavailability is 2ρ² / (1 + 2ρ + 2ρ²), ρ = λ/μ (Trivedi §8.4);
    # independent repair would give (ρ / (1 + ρ))², so the closed route must not be used.
    spec = {"blocks": {"parallel": [component("a", "1000h", "10h", count=2)]},
            "repair": {"ops": {"crews": 1, "components": ["a"]}}}
    rho = 0.01
    result = mission(load_spec(spec), 5000.0, [10.0])
    assert all(model.startswith("markov") for model in result.models.values())
    assert 1.0 - result.availability_at.at(5000.0) == pytest.approx(2 * rho**2 / (1 + 2 * rho + 2 * rho**2),
                                                                      rel=1e-9)
    # the first failure needs both down, which one crew does not change: (3λ + μ) / (2λ²)
    assert result.mttf_h == pytest.approx((3e-3 + 0.1) / (2e-6), rel=1e-12)
