"""Fitting laws to censored and truncated samples: closed forms, scipy, lifelines, coverage."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

from hadr_model.evidence.fit import FAMILIES, fit_records, fit_sample, log_likelihood
from hadr_model.evidence.records import Sample, read_records
from hadr_model.topology.laws import parse_law

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "incidents_example.csv"
Z95 = stats.norm.ppf(0.975)


def _weibull_sample(seed: int, n: int, c: float = 1.5, scale: float = 100.0, truncate: bool = False) -> Sample:
    rng = np.random.default_rng(seed)
    times = scale * rng.weibull(c, n)
    entry = np.zeros(n)
    if truncate:    # observation starts at a random age; only elements still up then are seen
        entry = rng.uniform(0.0, scale, n)
        keep = times > entry
        times, entry = times[keep], entry[keep]
    censor = entry + rng.uniform(0.5 * scale, 3 * scale, len(times))
    return Sample.right_censored(np.minimum(times, censor), times <= censor, entry)


def _tight_fmin(func, x0, args=(), disp=0):
    # scipy's fit uses fmin with xtol 1e-4: tighten it so the comparison can be to 1e-6.
    return optimize.fmin(func, x0, args=args, disp=disp, xtol=1e-10, ftol=1e-11, maxiter=40_000, maxfun=80_000)


# --- closed forms --------------------------------------------------------------------------

def test_exponential_mle_is_failures_over_exposure_exactly():
    sample = _weibull_sample(3, 60, c=1.0, truncate=True)
    fit = fit_sample(sample, ["exponential"])
    exposure = float(np.sum(sample.low - sample.entry))
    assert fit.chosen.mean_h == exposure / sample.events == sample.exposure_h / sample.events
    # Observed information of log(mean) is the number of failures: se = 1/sqrt(r).
    assert fit.chosen.covariance[0, 0] == pytest.approx(1.0 / sample.events, rel=1e-5)
    low, high = fit.chosen.mean_interval_h
    assert low == pytest.approx(fit.chosen.mean_h * math.exp(-Z95 / math.sqrt(sample.events)), rel=1e-5)
    assert high == pytest.approx(fit.chosen.mean_h * math.exp(Z95 / math.sqrt(sample.events)), rel=1e-5)


def test_exponential_closed_form_is_the_likelihood_maximum():
    sample = _weibull_sample(4, 40, c=1.0, truncate=True)
    scale = fit_sample(sample, ["exponential"]).chosen.params["scale"]
    best = log_likelihood(sample, "exponential", {"scale": scale})
    for factor in (0.999, 1.001):
        assert log_likelihood(sample, "exponential", {"scale": scale * factor}) < best


def test_log_likelihood_is_the_conditional_likelihood():
    low = np.array([10.0, 20.0, 5.0, 3.0])
    high = np.array([10.0, math.inf, 9.0, 3.0])
    entry = np.array([0.0, 4.0, 0.0, 1.0])
    sample = Sample("x", "failure", low, high, entry)
    law = stats.weibull_min(1.7, scale=12.0)
    expected = (law.logpdf(10.0) + law.logsf(20.0) - law.logsf(4.0) + math.log(law.cdf(9.0) - law.cdf(5.0))
                + law.logpdf(3.0) - law.logsf(1.0))
    assert log_likelihood(sample, "weibull", {"c": 1.7, "scale": 12.0}) == pytest.approx(expected, rel=1e-13)
    for family, dist, shape in (("lognormal", stats.lognorm, "s"), ("gamma", stats.gamma, "a")):
        law = dist(0.8, scale=9.0)
        expected = (law.logpdf(10.0) + law.logsf(20.0) - law.logsf(4.0) + math.log(law.cdf(9.0) - law.cdf(5.0))
                    + law.logpdf(3.0) - law.logsf(1.0))
        assert log_likelihood(sample, family, {shape: 0.8, "scale": 9.0}) == pytest.approx(expected, rel=1e-12)


def test_far_tail_interval_keeps_its_digits():
    # Both ends deep in the upper tail: F(hi) - F(lo) rounds to 0 in cdf form, not in sf form.
    sample = Sample("x", "failure", np.array([3000.0]), np.array([3001.0]), np.zeros(1))
    value = log_likelihood(sample, "exponential", {"scale": 10.0})
    assert value == pytest.approx(-300.0 + math.log(-math.expm1(-0.1)), rel=1e-12)


# --- against scipy.stats fit(CensoredData) -------------------------------------------------

@pytest.mark.parametrize("family, dist", [("exponential", "expon"), ("weibull", "weibull_min"),
                                          ("lognormal", "lognorm"), ("gamma", "gamma")])
def test_agrees_with_scipy_fit_on_censored_data(family, dist):
    rng = np.random.default_rng(11)
    times = stats.gamma(1.6, scale=50.0).rvs(120, random_state=rng)
    low, high = np.floor(times / 10) * 10, np.floor(times / 10) * 10 + 10   # only the 10 h bin is known
    exact = rng.random(120) < 0.4
    low, high = np.where(exact, times, low), np.where(exact, times, high)
    right = rng.random(120) < 0.2
    high = np.where(right, math.inf, high)
    low = np.where(right, np.minimum(times, low), low)
    sample = Sample("x", "failure", low, high, np.zeros(120))
    candidate = fit_sample(sample, [family]).chosen
    data = stats.CensoredData(uncensored=low[exact & ~right], right=low[right],
                              interval=np.column_stack([low[~exact & ~right], high[~exact & ~right]]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = getattr(stats, dist).fit(data, floc=0, optimizer=_tight_fmin)
    names = [n for n in candidate.params if n != "scale"]
    ours = [candidate.params[n] for n in names] + [candidate.params["scale"]]
    theirs = list(fitted[:len(names)]) + [fitted[-1]]
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


# --- against lifelines ---------------------------------------------------------------------

_LIFELINES_OPTIONS = {"ftol": 1e-16, "gtol": 1e-12, "maxiter": 10_000}


def _lifelines_params(family, fitter):
    if family == "weibull":
        return [fitter.rho_, fitter.lambda_]
    if family == "lognormal":
        return [fitter.sigma_, math.exp(fitter.mu_)]
    return [fitter.lambda_]


def _ours(candidate):
    names = [n for n in candidate.params if n != "scale"]
    return [candidate.params[n] for n in names] + [candidate.params["scale"]]


@pytest.mark.parametrize("family", ["exponential", "weibull", "lognormal"])
@pytest.mark.parametrize("truncate", [False, True])
def test_agrees_with_lifelines_on_right_censored_data(family, truncate):
    lifelines = pytest.importorskip("lifelines")
    fitter = {"exponential": lifelines.ExponentialFitter, "weibull": lifelines.WeibullFitter,
              "lognormal": lifelines.LogNormalFitter}[family]()
    sample = _weibull_sample(5, 150, c=1.3, scale=400.0, truncate=truncate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(sample.low, ~sample.censored, entry=sample.entry if truncate else None,
                   fit_options=_LIFELINES_OPTIONS)
    candidate = fit_sample(sample, [family]).chosen
    np.testing.assert_allclose(_ours(candidate), _lifelines_params(family, fitter), rtol=1e-6)
    assert candidate.loglik == pytest.approx(fitter.log_likelihood_, rel=1e-9)


@pytest.mark.parametrize("family", ["weibull", "lognormal"])
def test_agrees_with_lifelines_on_interval_censored_data(family):
    lifelines = pytest.importorskip("lifelines")
    rng = np.random.default_rng(8)
    times = 300.0 * rng.weibull(1.6, 150)
    low = np.floor(times / 24) * 24                  # only the day is known
    high = np.where(rng.random(150) < 0.2, math.inf, low + 24)
    fitter = {"weibull": lifelines.WeibullFitter, "lognormal": lifelines.LogNormalFitter}[family]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit_interval_censoring(low, high, fit_options=_LIFELINES_OPTIONS)
    candidate = fit_sample(Sample("x", "failure", low, high, np.zeros(150)), [family]).chosen
    np.testing.assert_allclose(_ours(candidate), _lifelines_params(family, fitter), rtol=1e-6)


def test_standard_errors_agree_with_lifelines():
    lifelines = pytest.importorskip("lifelines")
    sample = _weibull_sample(6, 150, c=1.3, scale=400.0)
    fitter = lifelines.WeibullFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(sample.low, ~sample.censored, fit_options=_LIFELINES_OPTIONS)
    candidate = fit_sample(sample, ["weibull"]).chosen
    # Ours are on the log parameters: the delta method gives the natural ones.
    ours = np.sqrt(np.diag(candidate.covariance)) * [candidate.params["c"], candidate.params["scale"]]
    theirs = fitter.summary.loc[["rho_", "lambda_"], "se(coef)"].to_numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


# --- coverage ------------------------------------------------------------------------------

def test_wald_intervals_cover_the_true_weibull_near_95_percent():
    c, scale, seeds = 1.5, 100.0, 600
    mean = scale * math.gamma(1 + 1 / c)
    shape_hits = mean_hits = 0
    for seed in range(seeds):
        candidate = fit_sample(_weibull_sample(seed, 150, c, scale), ["weibull"]).chosen
        shape_hits += candidate.intervals["c"][0] <= c <= candidate.intervals["c"][1]
        mean_hits += candidate.mean_interval_h[0] <= mean <= candidate.mean_interval_h[1]
    assert 0.92 <= shape_hits / seeds <= 0.98
    assert 0.92 <= mean_hits / seeds <= 0.98


def test_exponential_intervals_cover_near_95_percent_with_truncation():
    seeds, mean, hits = 1000, 100.0, 0
    for seed in range(seeds):
        candidate = fit_sample(_weibull_sample(seed, 60, 1.0, mean, truncate=True), ["exponential"]).chosen
        hits += candidate.mean_interval_h[0] <= mean <= candidate.mean_interval_h[1]
    assert 0.93 <= hits / seeds <= 0.97


# --- choosing ------------------------------------------------------------------------------

def test_candidate_table_is_consistent():
    fit = fit_sample(_weibull_sample(9, 300, c=2.2))
    assert [c.family for c in fit.candidates] == list(FAMILIES)
    n = fit.sample.size
    for c in fit.candidates:
        assert c.aic == pytest.approx(2 * c.k - 2 * c.loglik, abs=1e-9)
        assert c.bic == pytest.approx(c.k * math.log(n) - 2 * c.loglik, abs=1e-9)
    assert fit.chosen.aic == min(c.aic for c in fit.candidates)
    assert fit.chosen.delta_aic == 0.0
    assert sum(c.weight for c in fit.candidates) == pytest.approx(1.0, abs=1e-12)
    # c = 2.2 is far from the exponential (gamma and lognormal may come close to the Weibull)
    assert fit.candidate("exponential").delta_aic > 10
    assert fit.reason.startswith(f"{fit.chosen.family}: lowest AIC")
    assert "ΔAIC" in fit.reason and "BIC" in fit.reason


def test_no_failure_gives_no_law_and_a_bound():
    sample = Sample.right_censored([1000.0, 2500.0], [False, False])
    fit = fit_sample(sample)
    assert fit.chosen is None
    assert f"at least {3500 / -math.log(0.05):.6g} h" in fit.reason
    assert all(not c.converged for c in fit.candidates)


def test_few_failures_fit_only_the_exponential():
    fit = fit_sample(Sample.right_censored([100.0, 250.0, 900.0], [True, True, False]))
    assert fit.chosen.family == "exponential"
    assert fit.chosen.mean_h == 1250.0 / 2
    assert {c.family: c.converged for c in fit.candidates} == {
        "exponential": True, "weibull": False, "lognormal": False, "gamma": False}
    assert "at least 3" in fit.candidate("weibull").note


def test_unknown_family_is_refused():
    with pytest.raises(ValueError, match="unknown families"):
        fit_sample(Sample.right_censored([1.0, 2.0], [True, True]), ["normal"])


@pytest.mark.parametrize("family", FAMILIES)
def test_law_mapping_is_the_spec_language(family):
    candidate = fit_sample(_weibull_sample(10, 120), [family]).chosen
    mapping = candidate.law()
    law = parse_law(mapping, "zone.failure", fixed_means_exponential=True)
    assert law.mean_h == pytest.approx(candidate.mean_h, rel=1e-9)
    assert law.dist == candidate.dist
    for name, value in candidate.params.items():
        assert law.kwargs[name] == pytest.approx(value, rel=1e-9)


# --- the example records -------------------------------------------------------------------

TRUE_LAWS = {   # data/make_incidents.py
    ("zone", "failure"): ("weibull", {"c": 1.5}, 8760.0),
    ("zone", "repair"): ("lognormal", {"s": 0.8}, 8.0),
    ("region", "failure"): ("exponential", {}, 43800.0),
    ("region", "repair"): ("lognormal", {"s": 1.0}, 10.0),
    ("roles.db", "failure"): ("gamma", {"a": 2.0}, 8000.0),
    ("roles.db", "repair"): ("exponential", {}, 2.0),
}


def test_example_records_recover_their_laws_within_the_intervals():
    fits = {(f.sample.element_class, f.sample.quantity): f for f in fit_records(read_records(EXAMPLE))}
    assert set(fits) == set(TRUE_LAWS)
    for key, (family, shapes, mean) in TRUE_LAWS.items():
        candidate = fits[key].candidate(family)
        assert candidate.mean_interval_h[0] <= mean <= candidate.mean_interval_h[1], key
        for name, value in shapes.items():
            assert candidate.intervals[name][0] <= value <= candidate.intervals[name][1], (key, name)
    # Where the data are decisive, AIC picks the law they came from.
    assert fits["zone", "failure"].chosen.family == "weibull"
    assert fits["zone", "repair"].chosen.family == "lognormal"
    assert fits["roles.db", "failure"].chosen.family == "gamma"
