"""Uncertainty propagation: the gamma posterior's closed form, bands, P(met), Sobol' indices, bad input."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy import integrate, stats

import hadr_model as hm
from hadr_model.errors import SpecError
from hadr_model.service.uncertainty import Propagator, draw, propagate, sobol_sensitivity, spec_at
from hadr_model.topology.laws import parse_uncertain

YEAR = 8760.0


def _one(mttf, mttr="4h"):
    return {"blocks": {"component": {"name": "a", "mttf": mttf, "mttr": mttr}}}


@pytest.mark.parametrize("failures, exposure, prior, a0, b0", [
    (3, "12y", None, 0.5, 0.0), (0, "2y", "jeffreys", 0.5, 0.0), (7, "1000h", "uniform", 1.0, 0.0),
    (2, "3y", {"failures": 1, "exposure": "1y"}, 1.0, YEAR)])
def test_gamma_posterior_closed_form(failures, exposure, prior, a0, b0):
    raw = {"dist": "gamma-posterior", "failures": failures, "exposure": exposure} | ({"prior": prior} if prior else {})
    law = parse_uncertain(raw, "zone.mttf")
    a, b = failures + a0, hm.units.parse_duration(exposure) + b0
    # MTTF = 1/λ with λ ~ Gamma(a, rate b): quantile p of the MTTF is 1 / (quantile 1-p of λ).
    for p in (0.05, 0.5, 0.95):
        assert law.ppf(p) == pytest.approx(1.0 / stats.gamma(a, scale=1.0 / b).ppf(1 - p), rel=1e-10)
    assert law.point_h == pytest.approx(law.ppf(0.5), rel=1e-12)          # in place of a value: the median
    if a > 1:
        assert law.mean_h == pytest.approx(b / (a - 1), rel=1e-10)


def test_band_of_one_exponential_element_matches_its_closed_form():
    # A single element: U = r / (m + r) is decreasing in m, so U's quantile p is r / (m_{1-p} + r).
    spec = _one({"dist": "gamma-posterior", "failures": 5, "exposure": "2y"})
    law = parse_uncertain(spec["blocks"]["component"]["mttf"], "mttf")
    result = propagate(hm.load_spec(spec), samples=1 << 14, seed=2, sensitivity=False)
    for p, got in ((0.05, result.downtime_min_per_year.low), (0.5, result.downtime_min_per_year.median),
                   (0.95, result.downtime_min_per_year.high)):
        expected = 4.0 / (law.ppf(1 - p) + 4.0) * YEAR * 60
        # Scrambled Sobol' points: the quantiles land within ~2e-4 here; the issue asks 1e-3.
        assert got == pytest.approx(expected, rel=1e-3)


def test_band_shrinks_as_records_are_added():
    widths = []
    for scale in (1, 10, 100):
        spec = _one({"dist": "gamma-posterior", "failures": 3 * scale, "exposure": f"{12 * scale}y"})
        band = propagate(hm.load_spec(spec), samples=2048, seed=0, sensitivity=False).downtime_min_per_year
        widths.append(band.high - band.low)
    assert widths[0] > widths[1] > widths[2]
    assert widths[1] / widths[2] == pytest.approx(np.sqrt(10), rel=0.15)     # ∝ 1/√n for many events


@pytest.mark.parametrize("method", ["sobol", "lhs", "random"])
def test_band_reproducible_with_the_seed(method):
    model = hm.load_spec()
    one = propagate(model, samples=512, seed=5, method=method, sensitivity=False)
    two = propagate(model, samples=512, seed=5, method=method, sensitivity=False)
    other = propagate(model, samples=512, seed=6, method=method, sensitivity=False)
    assert one.as_dict() == two.as_dict()
    assert one.availability.median != other.availability.median


def test_probability_met_equals_a_brute_force_loop_over_the_scalar_engine():
    model = hm.load_spec()
    result = propagate(model, samples=200, seed=4, method="random", sensitivity=False)
    parameters = Propagator(model).parameters
    theta = draw(parameters, 200, method="random", seed=4)
    hits = 0
    for row in theta:
        point = hm.availability(hm.load_spec(spec_at(model.raw, dict(zip(parameters, row)))))
        worst = min(r.with_failover.availability for r in point.regions if r.home)
        hits += worst >= 0.9999
    assert result.probability_met == hits / 200
    assert 0 < hits < 200           # the check can fail either way


@pytest.mark.slow
def test_sobol_indices_of_an_additive_model_match_their_closed_form():
    # Series of two elements with uncertain repairs: U = q1 + q2 - q1 q2 with q_i = r_i / (m + r_i);
    # the cross term is ~1e-3 of U, so the model is additive and S_i = Var(q_i) / (Var(q1) + Var(q2)).
    laws = [stats.uniform(loc=1.0, scale=9.0), stats.lognorm(0.8, scale=3.0)]
    spec = {"blocks": {"series": [
        {"component": {"name": "a", "mttf": "5000h", "mttr": {"uncertain": {"dist": "uniform", "loc": "1h",
                                                                               "scale": "9h"}}}},
        {"component": {"name": "b", "mttf": "5000h", "mttr": {"uncertain": {"dist": "lognorm", "s": 0.8,
                                                                               "scale": "3h"}}}}]}}

    def variance(law):
        def q(u):
            r = law.ppf(u)
            return r / (5000.0 + r)
        mean = integrate.quad(q, 0, 1, limit=200)[0]
        return integrate.quad(lambda u: (q(u) - mean) ** 2, 0, 1, limit=200)[0]

    v = [variance(law) for law in laws]
    expected = {"blocks.series[0].component.mttr": v[0] / sum(v), "blocks.series[1].component.mttr": v[1] / sum(v)}
    indices = sobol_sensitivity(hm.load_spec(spec), samples=1 << 14, seed=1, n_resamples=50)
    for index in indices:
        low, high = index.first_order_ci95
        assert low <= expected[index.field] <= high
        assert index.first_order == pytest.approx(expected[index.field], abs=0.05)
        assert index.total == pytest.approx(expected[index.field], abs=0.05)
    assert indices[0].field == "blocks.series[1].component.mttr"      # the lognormal repair: learn it first


def test_default_point_verdict_is_the_spec_without_uncertainty():
    model = hm.load_spec()
    raw = copy.deepcopy(model.raw)
    for key in ("zone", "region"):
        raw[key].pop("uncertainty")
    plain = hm.load_spec(raw)
    assert hm.availability(model).to_dict() == hm.availability(plain).to_dict()


@pytest.mark.parametrize("value, field", [
    ({"dist": "gamma-posterior", "failures": -1, "exposure": "2y"}, "zone.mttf.failures"),
    ({"dist": "gamma-posterior", "failures": 2, "exposure": 0}, "zone.mttf.exposure"),
    ({"dist": "gamma-posterior", "failures": 2, "exposure": "-3y"}, "zone.mttf.exposure"),
    ({"dist": "gamma-posterior", "failures": 2}, "zone.mttf.exposure"),
    ({"dist": "gamma-posterior", "failures": 2, "exposure": "2y", "prior": "flat"}, "zone.mttf.prior"),
    ({"dist": "gamma-posterior", "failures": 2, "exposure": "2y", "shape": 1}, "zone.mttf.shape"),
    ({"uncertain": {"dist": "no_such_law", "scale": "1y"}}, "zone.mttf.uncertain.dist"),
    ({"uncertain": {"dist": "norm", "loc": "1y", "scale": "1y"}}, "zone.mttf.uncertain"),
    ({"uncertain": "1y"}, "zone.mttf.uncertain"),
])
def test_bad_uncertainty_names_its_field(value, field):
    raw = copy.deepcopy(hm.load_spec().raw)
    raw["zone"] = {"mttf": value, "mttr": "8h"}
    with pytest.raises(SpecError) as error:
        hm.load_spec(raw)
    assert error.value.field == field


@pytest.mark.parametrize("zone, field", [
    ({"availability": 0.999, "uncertainty": {"mttf": {"dist": "lognorm", "s": 1, "scale": "1y"}}},
     "zone.uncertainty"),
    ({"mttf": {"uncertain": {"dist": "lognorm", "s": 1, "scale": "1y"}}, "mttr": "8h",
      "uncertainty": {"mttf": {"dist": "lognorm", "s": 1, "scale": "1y"}}}, "zone.uncertainty.mttf"),
    ({"mttf": "1y", "mttr": "8h", "uncertainty": {"mtbf": {"dist": "lognorm", "s": 1, "scale": "1y"}}},
     "zone.uncertainty.mtbf"),
    ({"mttf": "1y", "mttr": "8h", "uncertainty": {"mttr": "8h"}}, "zone.uncertainty.mttr"),
])
def test_bad_uncertainty_beside_a_point(zone, field):
    raw = copy.deepcopy(hm.load_spec().raw)
    raw["zone"] = zone
    with pytest.raises(SpecError) as error:
        hm.load_spec(raw)
    assert error.value.field == field


def test_too_many_samples_refused_before_drawing():
    with pytest.raises(SpecError) as error:
        propagate(hm.load_spec(), samples=10**9, sensitivity=False)
    assert error.value.field == "samples"


def test_tornado_figure_has_a_bar_pair_per_parameter_in_rank_order():
    from hadr_model.evidence.plots import tornado_figure

    result = propagate(hm.load_spec(), samples=512, seed=0)
    figure = tornado_figure(result.sensitivity)
    axes = figure.axes[0]
    top_first = sorted(zip(axes.get_yticks(), (t.get_text() for t in axes.get_yticklabels())), reverse=True)
    assert [label for _, label in top_first] == [s.field for s in result.sensitivity]
    assert len(axes.patches) == 2 * len(result.sensitivity)


def test_one_uncertain_parameter_carries_all_the_variance():
    # scipy's Sobol' estimator needs two parameters; with one the indices are 1 by definition.
    spec = _one({"dist": "gamma-posterior", "failures": 5, "exposure": "2y"})
    result = propagate(hm.load_spec(spec), samples=512, seed=0)
    ((index,),) = (result.sensitivity,)
    assert (index.first_order, index.total) == (1.0, 1.0)
    assert result.downtime_min_per_year.low < result.downtime_min_per_year.high
