"""Monte Carlo engine against independent answers: the exact engine, renewal theory, itself.

Every check is seeded, so it is deterministic; tolerances are the simulation's own 95 %
confidence intervals (or 4 standard errors where a sample mean is checked directly).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import hadr_model as hm
from hadr_model.engines import montecarlo
from hadr_model.engines.montecarlo import _equilibrium, simulate
from hadr_model.topology.laws import parse_law


def _two_of_three(repair=None):
    component = {"name": "db", "count": 3, "mttf": "1000h"}
    component.update({"repair": repair} if repair else {"mttr": "10h"})
    blocks = {"k_of_n": {"k": 2, "of": [{"component": component}]}}
    return hm.load_spec({"name": "two-of-three", "blocks": blocks})


SMALL_REGIONS = {
    "name": "small",
    "zone": {"mttf": "500h", "mttr": "10h"},
    "region": {"mttf": "3000h", "mttr": "20h"},
    "global": {"dns": {"mttf": "20000h", "mttr": "2h"}},
    "regions": {"east": {"zones": 3, "fails_over_to": "west"}, "west": {"zones": 3, "fails_over_to": "east"}},
    "roles": {
        "app": {"per_zone": 2, "needs": "quorum", "mttf": "200h", "mttr": "5h", "depends_on": ["dns"]},
        "db": {"per_zone": 1, "needs": 2, "mttf": "300h", "mttr": "4h", "beta": 0.1},
    },
}


def _covers(low: float, high: float, value: float) -> bool:
    return low <= value <= high


def _check_against_exact(model, result) -> None:
    exact = hm.exact_availability(model).system
    assert _covers(*result.availability_ci95, exact.availability), (
        result.availability_ci95, exact.availability)
    assert _covers(*result.outages_per_year_ci95, exact.failure_frequency_per_year), (
        result.outages_per_year_ci95, exact.failure_frequency_per_year)


@pytest.mark.parametrize("control_variate", [True, False])
def test_block_two_of_three_matches_exact(control_variate):
    model = _two_of_three()
    result = simulate(model, years=10, runs=2000, seed=3, control_variate=control_variate)
    _check_against_exact(model, result)
    assert result.relative_precision < 0.05


def test_small_region_form_with_shared_zones_global_service_and_failover_matches_exact():
    model = hm.load_spec(SMALL_REGIONS)
    result = simulate(model, years=2, runs=3000, seed=5)
    _check_against_exact(model, result)
    names = set(result.attribution["element"])
    assert "global:dns" in names and any(n.startswith("zone:") for n in names)


def test_default_topology_matches_exact():
    model = hm.load_spec()
    result = simulate(model, years=1, runs=1500, seed=7)
    _check_against_exact(model, result)
    assert result.attribution["element"][0] == "global:iam"


@pytest.mark.parametrize("control_variate", [True, False])
def test_confidence_interval_is_honest(control_variate):
    model = hm.load_spec({"blocks": {"parallel": [{"component": {"name": "a", "mttf": "100h", "mttr": "10h",
                                                                 "count": 2}}]}})
    exact = hm.exact_availability(model).system.availability
    covered = sum(_covers(*simulate(model, years=0.2, runs=200, seed=s,
                                    control_variate=control_variate).availability_ci95, exact)
                  for s in range(100))
    assert 88 <= covered <= 99, covered


def test_one_component_with_weibull_failures_and_fixed_repair_is_an_alternating_renewal_process():
    mttf, mttr = 100.0, 10.0
    model = hm.load_spec({"blocks": {"series": [{"component": {
        "name": "a", "failure": {"dist": "weibull_min", "c": 2.0, "mean": "100h"},
        "repair": {"dist": "deterministic", "value": "10h"}}}]}})
    result = simulate(model, years=1, runs=1000, seed=11, control_variate=False)
    np.testing.assert_allclose(result.durations_h, mttr, rtol=1e-9)
    assert _covers(*result.availability_ci95, mttf / (mttf + mttr))
    # Renewal theorem (stationary start): E[failures in t] = t / (MTTF + MTTR) exactly.
    assert _covers(*result.outages_per_year_ci95, 8760.0 / (mttf + mttr))


def test_weibull_repair_outage_durations_have_the_repair_mean():
    model = hm.load_spec({"blocks": {"series": [{"component": {
        "name": "a", "mttf": "200h", "repair": {"dist": "weibull_min", "c": 0.7, "mean": "5h"}}}]}})
    result = simulate(model, years=1, runs=1000, seed=13, control_variate=False)
    durations = result.durations_h
    assert abs(durations.mean() - 5.0) <= 4 * durations.std(ddof=1) / math.sqrt(durations.size)
    assert _covers(*result.availability_ci95, 200.0 / 205.0)


def test_repair_shape_changes_the_downtime_distribution_not_its_mean():
    exponential = simulate(_two_of_three(), years=1, runs=4000, seed=17, control_variate=False)
    fixed = simulate(_two_of_three({"dist": "deterministic", "value": "10h"}), years=1, runs=4000, seed=17,
                     control_variate=False)
    exact = hm.exact_availability(_two_of_three()).system.availability
    assert _covers(*exponential.availability_ci95, exact)
    assert _covers(*fixed.availability_ci95, exact)
    # Overlaps of fixed 10 h repairs are shorter on average than of exponential ones: the
    # yearly downtime is less spread (F test on the per-run downtimes).
    ratio = fixed.downtime_min_per_year_std ** 2 / exponential.downtime_min_per_year_std ** 2
    assert ratio < stats.f.ppf(1e-4, 3999, 3999), ratio


@pytest.mark.parametrize("law", [
    {"dist": "weibull_min", "c": 1.7, "mean": "10h"},
    {"dist": "gamma", "a": 3.0, "mean": "10h"},
    {"dist": "lognorm", "s": 0.8, "mean": "10h"},
    {"dist": "uniform", "loc": "2h", "scale": "16h"},
    {"dist": "deterministic", "value": "10h"},
])
def test_initial_residual_time_follows_the_equilibrium_law(law):
    law = parse_law(law, "law")
    draws = law.sample(np.random.default_rng(1), 400_000)
    residual = _equilibrium(law, np.random.default_rng(2), (200_000,))
    expected = float(np.mean(draws ** 2) / (2 * law.mean_h))   # E[residual] = E[X²] / 2E[X]
    assert abs(residual.mean() - expected) <= 4 * residual.std() / math.sqrt(residual.size) + 0.01 * expected


def test_same_seed_same_numbers_and_workers_do_not_change_them(monkeypatch):
    monkeypatch.setattr(montecarlo, "EVENTS_PER_BATCH", 20_000)   # several batches (forked workers see it)
    model = hm.load_spec(SMALL_REGIONS)
    one = simulate(model, years=1, runs=400, seed=21).as_dict()
    again = simulate(model, years=1, runs=400, seed=21).as_dict()
    two = simulate(model, years=1, runs=400, seed=21, workers=2).as_dict()
    for figures in (one, again, two):
        figures.pop("seconds")
    assert one["batches"] > 2
    assert one == again == two
    assert simulate(model, years=1, runs=400, seed=22).as_dict()["availability"] != one["availability"]


def test_precision_stop_rule_reaches_the_precision():
    result = simulate(_two_of_three(), years=1, runs=10**7, seed=2, precision=0.03, control_variate=False)
    assert result.stopped_by == "precision"
    assert result.relative_precision <= 0.03
    assert result.runs < 10**7


def test_time_budget_stops_the_simulation():
    result = simulate(_two_of_three(), years=1, runs=10**8, seed=2, max_seconds=0.2)
    assert result.stopped_by == "max_seconds"


def test_fixed_availability_is_refused_with_the_element_name():
    model = hm.load_spec({"blocks": {"series": [
        {"component": {"name": "dns", "availability": 0.9999}},
        {"component": {"name": "web", "mttf": "100h", "mttr": "1h"}}]}})
    with pytest.raises(hm.SpecError, match="dns"):
        simulate(model)


@pytest.mark.parametrize("kwargs", [{"runs": -5}, {"runs": 1}, {"years": 0}, {"precision": 1.5},
                                    {"precision": 0.0}, {"workers": 0}, {"seed": -1}, {"max_seconds": -1}])
def test_bad_arguments_raise_spec_error(kwargs):
    with pytest.raises(hm.SpecError):
        simulate(_two_of_three(), **kwargs)


def test_tables_and_dict():
    result = simulate(hm.load_spec(SMALL_REGIONS), years=1, runs=300, seed=1)
    runs = result.runs_frame()
    assert len(runs) == 300 and {"downtime_min_per_year", "availability", "outages"} <= set(runs.columns)
    attribution = result.attribution_frame()
    assert math.isclose(attribution["share"].sum(), 1.0)
    # All downtime is charged somewhere: charged minutes per year add up to the plain mean.
    assert math.isclose(attribution["downtime_min_per_year"].sum(), runs["downtime_min_per_year"].mean(),
                        rel_tol=1e-9)
    figures = result.as_dict()
    assert {"availability_ci95_low", "availability_ci95_high", "downtime_min_per_year_p99",
            "probability_meeting_objective"} <= set(figures)
    assert 0.0 <= figures["probability_meeting_objective"] <= 1.0
