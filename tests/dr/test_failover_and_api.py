"""E[min(D, RTO)] against closed forms; reproducibility; summary, compliance and strategies."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from hadr_model.dr import (
    STRATEGIES,
    apply_strategy,
    compare_strategies,
    expected_outage_h,
    plot_rpo_rto,
    run_scenario,
)
from hadr_model.errors import SpecError
from hadr_model.topology.dataprotection import parse_data, parse_objectives, parse_recovery
from hadr_model.topology.laws import deterministic, exponential, parse_law

DATA = parse_data({"db": {"size": "2TB", "write_rate": {"records_per_s": 200, "bytes_per_record": "2KB"},
                          "databases": {"count": 20, "size": "10GB", "slots": 4, "shared_throughput": "1GB/s"}}})["db"]
RECOVERY = parse_recovery(None)
OBJECTIVES = parse_objectives(None)


# ------------------------------------------------------------------ E[min(D, RTO)]

@pytest.mark.parametrize(("mean", "rto"), [(12.0, 4.0), (12.0, 0.0), (1.0, 30.0), (8.0, 8.0)])
def test_exponential_repair_and_fixed_rto(mean, rto):
    expected = mean * (1 - np.exp(-rto / mean))
    assert expected_outage_h(exponential(mean), rto) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert expected_outage_h(exponential(mean), deterministic(rto)) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_two_exponentials_give_the_harmonic_rate():
    assert expected_outage_h(exponential(12.0), exponential(4.0)) == pytest.approx(1 / (1 / 12 + 1 / 4), rel=1e-8)


def test_exponential_repair_and_gamma_rto_use_the_moment_generating_function():
    # ∫ e^{-t/m} S_R(t) dt = m (1 - E[e^{-R/m}]) = m (1 - (1 + θ/m)^{-a}) for R ~ Gamma(a, θ).
    a, theta, m = 3.0, 4 / 3, 12.0
    rto = parse_law({"dist": "gamma", "a": a, "scale": theta}, "rto")
    assert expected_outage_h(exponential(m), rto) == pytest.approx(m * (1 - (1 + theta / m) ** -a), rel=1e-8)


def test_weibull_repair_and_fixed_rto_use_the_incomplete_gamma_function():
    # ∫₀^r exp(-(t/λ)^k) dt = (λ/k) Γ(1/k) P(1/k, (r/λ)^k).
    k, lam, r = 0.7, 10.0, 4.0
    repair = parse_law({"dist": "weibull_min", "c": k, "scale": lam}, "repair")
    expected = lam / k * special.gamma(1 / k) * special.gammainc(1 / k, (r / lam) ** k)
    assert expected_outage_h(repair, r) == pytest.approx(expected, rel=1e-8)
    assert expected_outage_h(repair, np.full(7, r)) == pytest.approx(expected, rel=1e-8)


def test_samples_average_the_fixed_rto_closed_form():
    rto_samples = np.random.default_rng(0).uniform(1.0, 9.0, 5000)
    expected = np.mean(12.0 * (1 - np.exp(-rto_samples / 12.0)))
    assert expected_outage_h(exponential(12.0), rto_samples) == pytest.approx(expected, rel=1e-12)
    lognormal = parse_law({"dist": "lognorm", "s": 1.0, "mean": "12h"}, "repair")
    by_quadrature = np.mean([expected_outage_h(lognormal, float(r)) for r in rto_samples[:50]])
    assert expected_outage_h(lognormal, rto_samples[:50]) == pytest.approx(by_quadrature, rel=1e-9)


def test_unrecoverable_failover_costs_the_whole_repair():
    samples = np.array([2.0, np.inf])
    assert expected_outage_h(deterministic(12.0), samples) == pytest.approx((2.0 + 12.0) / 2)
    assert expected_outage_h(exponential(12.0), samples) == pytest.approx((12 * (1 - np.exp(-2 / 12)) + 12) / 2)


def test_negative_rto_is_refused():
    with pytest.raises(SpecError, match="rto"):
        expected_outage_h(exponential(12.0), -1.0)


def test_one_implementation_in_the_engines_layer_re_exported_by_dr():
    import hadr_model.dr.failover
    from hadr_model.engines import montecarlo, outage

    assert expected_outage_h is outage.expected_outage_h is hadr_model.dr.failover.expected_outage_h
    assert montecarlo.expected_outage_h is outage.expected_outage_h
    assert not hasattr(montecarlo, "_expected_outage_h")


def test_engines_never_import_dr():
    engines = Path(__file__).resolve().parents[2] / "hadr_model" / "engines"
    for path in engines.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not (name == "..dr" or name.startswith("..dr.") or name.startswith("hadr_model.dr")), (
                    path.name, name)


# ------------------------------------------------------------------ reproducibility

@pytest.mark.parametrize("engine", ["fast", "simpy"])
def test_same_seed_same_numbers(engine):
    runs = [run_scenario(DATA, RECOVERY, OBJECTIVES, "region-loss", n_disasters=200, seed=42, engine=engine)
            for _ in range(2)]
    for name in ("rpo_h", "rto_h", "first_h", "median_h", "last_h"):
        np.testing.assert_array_equal(getattr(runs[0].outcomes, name), getattr(runs[1].outcomes, name))
    assert runs[0].summary() == runs[1].summary()
    other = run_scenario(DATA, RECOVERY, OBJECTIVES, "region-loss", n_disasters=200, seed=43, engine=engine)
    assert not np.array_equal(other.outcomes.rpo_h, runs[0].outcomes.rpo_h)


def test_seed_sequence_is_accepted_and_reproducible():
    first = run_scenario(DATA, RECOVERY, OBJECTIVES, "corruption", n_disasters=500, seed=np.random.SeedSequence(5))
    second = run_scenario(DATA, RECOVERY, OBJECTIVES, "corruption", n_disasters=500, seed=np.random.SeedSequence(5))
    np.testing.assert_array_equal(first.outcomes.rpo_h, second.outcomes.rpo_h)


# ------------------------------------------------------------------ summary and compliance

def test_summary_is_plain_numbers_with_units_and_per_year_figures():
    result = run_scenario(DATA, RECOVERY, OBJECTIVES, "region-loss", n_disasters=2000, seed=1,
                          disasters_per_year=0.04)
    summary = result.summary()
    counts = {"n_disasters", "databases"}      # counts are ints (2000, not 2000.0), everything else a float
    assert all(type(value) is (int if key in counts else float) for key, value in summary.items())
    assert summary["n_disasters"] == 2000
    for key in ("rpo_mean_h", "rpo_p50_h", "rpo_p95_h", "rpo_p99_h", "rpo_max_h", "rto_p95_h", "p_rto_met",
                "rto_first_database_mean_h", "rto_median_database_mean_h", "rto_last_database_mean_h",
                "p_unrecoverable", "databases"):
        assert key in summary
    assert summary["rto_first_database_mean_h"] <= summary["rto_median_database_mean_h"] <= summary[
        "rto_last_database_mean_h"]
    assert summary["data_loss_h_per_year"] == pytest.approx(0.04 * summary["rpo_mean_h"])
    assert summary["records_lost_per_year"] == pytest.approx(summary["data_loss_h_per_year"] * 200 * 3600)
    assert summary["bytes_lost_per_year"] == pytest.approx(summary["records_lost_per_year"] * 2000)
    json.dumps(summary)


def test_compliance_table():
    result = run_scenario(DATA, RECOVERY, OBJECTIVES, "region-loss", n_disasters=2000, seed=1)
    table = result.compliance()
    assert list(table["objective"]) == ["rpo", "rto"]
    assert {"target_h", "p95_h", "p99_h", "probability_met", "passed"} <= set(table.columns)
    rto = table.set_index("objective").loc["rto"]
    assert rto["target_h"] == 4.0
    assert rto["passed"] == (rto["probability_met"] >= 0.95)
    assert rto["probability_met"] == pytest.approx(np.mean(result.outcomes.rto_h <= 4.0))


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"scenario": "meteor"}, "scenario"),
    ({"n_disasters": 0}, "n_disasters"),
    ({"seed": -1}, "seed"),
    ({"engine": "gpu"}, "engine"),
    ({"disasters_per_year": -0.5}, "disasters_per_year"),
])
def test_bad_arguments_raise_spec_errors(kwargs, field):
    arguments = {"scenario": "zone-loss", "n_disasters": 10, "seed": 1} | kwargs
    scenario = arguments.pop("scenario")
    with pytest.raises(SpecError) as error:
        run_scenario(DATA, RECOVERY, OBJECTIVES, scenario, **arguments)
    assert error.value.field == field


# ------------------------------------------------------------------ strategies

def test_strategies_order_by_cost_and_rto():
    table = compare_strategies(DATA, RECOVERY, OBJECTIVES, n_disasters=2000, seed=3)
    assert list(table["strategy"]) == list(STRATEGIES)
    assert table["cost_units"].is_monotonic_increasing
    assert table["rto_p95_h"].is_monotonic_decreasing
    assert table["rpo_p95_h"].is_monotonic_decreasing
    # Warm standby: detect 5 + promote 5 + shift 2 minutes.
    assert table.set_index("strategy").loc["warm_standby", "rto_p95_h"] == pytest.approx(12 / 60)
    # Pilot light: the RPO is the replication lag, exponential with mean 5 min, so its p95 is
    # q = 5 ln 20 min. The sample p95 of n draws has standard error sqrt(p (1 - p) / n) / f(q),
    # with f(q) = (1 - p) / mean the density at q.
    mean_h, p, n = 5 / 60, 0.95, 2000
    q = mean_h * math.log(20)
    standard_error = math.sqrt(p * (1 - p) / n) / ((1 - p) / mean_h)
    assert abs(table.set_index("strategy").loc["pilot_light", "rpo_p95_h"] - q) <= 4 * standard_error


def test_apply_strategy_keeps_other_scenarios():
    data, plan = apply_strategy(DATA, parse_recovery({"zone_loss": {"failover": "3m"}}), "warm_standby")
    assert data.replication.across_regions == "async"
    assert plan.step("zone_loss", "failover").mean_h == pytest.approx(0.05)
    with pytest.raises(SpecError):
        apply_strategy(DATA, RECOVERY, "hot_potato")


def test_plot_has_labels_and_one_point_per_strategy():
    table = pd.DataFrame({"strategy": ["a", "b"], "label": ["A", "B"], "rpo_p95_h": [0.0, 24.0],
                          "rto_p95_h": [0.1, np.inf], "cost_units": [2.0, 1.0]})
    figure = plot_rpo_rto(table, OBJECTIVES)
    axes = figure.axes[0]
    assert "hours" in axes.get_xlabel() and "hours" in axes.get_ylabel()
    assert axes.get_title()
    assert len(axes.collections) == 2
