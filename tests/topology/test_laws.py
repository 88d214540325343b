"""Laws carry their own behaviour: each method checked against an independent answer."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate, stats

from hadr_model.errors import SpecError
from hadr_model.topology.laws import (
    Deterministic,
    Law,
    LengthBiasedPools,
    deterministic,
    exponential,
    parse_law,
    sample_alternating,
)

LAWS = [
    exponential(10.0),
    parse_law({"dist": "weibull_min", "c": 1.7, "mean": "10h"}, "f"),
    parse_law({"dist": "gamma", "a": 0.6, "mean": "10h"}, "f"),
    parse_law({"dist": "lognorm", "s": 0.8, "mean": "10h"}, "f"),
    parse_law({"dist": "expon", "loc": "2h", "mean": "10h"}, "f"),
]


def test_deterministic_is_its_own_type():
    law = deterministic(3.0)
    assert isinstance(law, Deterministic) and law.fixed_h == 3.0 and exponential(3.0).fixed_h is None
    assert law.with_mean(6.0) == deterministic(6.0)
    assert law.sf(np.array([2.999, 3.0])).tolist() == [1.0, 0.0]
    assert law.expected_min_closed_h(np.array([1.0, 5.0])).tolist() == [1.0, 3.0]
    assert law.variance_h2 == 0.0 and law.kinks_h == [3.0]
    with pytest.raises(ValueError):
        law.frozen()


@pytest.mark.parametrize("law", LAWS, ids=lambda law: law.dist)
def test_moments_and_survival_match_scipy(law):
    frozen = getattr(stats, law.dist)(**law.kwargs)
    assert law.mean_h == pytest.approx(frozen.mean(), rel=1e-12)
    assert law.variance_h2 == pytest.approx(frozen.var(), rel=1e-12)
    t = np.array([0.5, 3.0, 10.0, 40.0])
    np.testing.assert_allclose(law.sf(t), frozen.sf(t), rtol=1e-12)


@pytest.mark.parametrize("law", LAWS, ids=lambda law: law.dist)
def test_expected_min_closed_form_equals_the_integral_of_survival(law):
    closed = law.expected_min_closed_h(np.array([4.0, 25.0]))
    if closed is None:
        return
    quad = [integrate.quad(lambda t: float(law.sf(t)), 0.0, r)[0] for r in (4.0, 25.0)]
    np.testing.assert_allclose(closed, quad, rtol=1e-9)


@pytest.mark.parametrize("law", LAWS, ids=lambda law: law.dist)
def test_length_biased_draws_have_mean_e_l2_over_e_l(law):
    # A law without a closed form (expon with loc) is resampled from a pool of its draws.
    draws = law.length_biased(np.random.default_rng(7), (200_000,))
    expected = (law.variance_h2 + law.mean_h ** 2) / law.mean_h
    # 5 standard errors of the sample mean (the length-biased variance from its own draws).
    assert draws.mean() == pytest.approx(expected, abs=5 * draws.std() / np.sqrt(draws.size))


# --- equilibrium (residual-life) draws --------------------------------------------------------

EQUILIBRIUM_LAWS = [
    pytest.param(exponential(10.0), id="exponential"),
    pytest.param(parse_law({"dist": "gamma", "a": 0.6, "mean": "10h"}, "f"), id="gamma"),
    pytest.param(parse_law({"dist": "weibull_min", "c": 1.7, "mean": "10h"}, "f"), id="weibull"),
    pytest.param(parse_law({"dist": "lognorm", "s": 0.8, "mean": "10h"}, "f"), id="lognormal"),
    pytest.param(deterministic(10.0), id="deterministic"),
    # No closed length-biased form: resampled from a pool of the law's own draws.
    pytest.param(parse_law({"dist": "loguniform", "a": 1, "b": 100, "mean": "10h"}, "f"), id="loguniform-pool"),
    pytest.param(parse_law({"dist": "expon", "loc": "2h", "mean": "10h"}, "f"), id="shifted-expon-pool"),
]


def _equilibrium_cdf(law):
    """``F_e(x) = (1/m) ∫₀^x (1 − F(t)) dt`` by quadrature: 8-point Gauss–Legendre panels.

    Panels of width ≤ top / 20 000 up to where ``P(L > t) < 1e-12``, with an edge at each kink
    of the survival function; between edges, linear interpolation (``F_e`` has a bounded
    derivative ``(1 − F) / m``, so its error is far below what 20 000 draws can see).
    """
    top = law.mean_h
    while law.sf(top) > 1e-12:
        top *= 2.0
    edges = np.union1d(np.linspace(0.0, top, 20_001), [k for k in law.kinks_h if k < top])
    nodes, weights = np.polynomial.legendre.leggauss(8)
    middle, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    panels = half * (law.sf(middle[:, None] + half[:, None] * nodes) @ weights)
    values = np.concatenate([[0.0], np.cumsum(panels)]) / law.mean_h
    return edges, values


def _residual_mean(law):
    """``E[L²] / (2m)``, from the law's exact moments."""
    return (law.variance_h2 + law.mean_h ** 2) / (2.0 * law.mean_h)


@pytest.mark.parametrize("law", EQUILIBRIUM_LAWS)
def test_equilibrium_cdf_by_quadrature_is_a_law_with_the_residual_mean(law):
    # The reference itself: it ends at 1 and its mean ∫ (1 − F_e) is E[L²] / 2m.
    edges, values = _equilibrium_cdf(law)
    assert values[-1] == pytest.approx(1.0, abs=1e-7)
    assert np.all(np.diff(values) >= 0.0)
    assert np.trapezoid(1.0 - values, edges) == pytest.approx(_residual_mean(law), rel=1e-4)


@pytest.mark.parametrize("law", EQUILIBRIUM_LAWS)
def test_equilibrium_draws_follow_the_equilibrium_law(law):
    edges, values = _equilibrium_cdf(law)
    residual = law.equilibrium(np.random.default_rng(11), 20_000)
    _, age = law.equilibrium_with_age(np.random.default_rng(21), 20_000)
    for draws in (residual, age):       # time left and time spent: the same law
        assert stats.kstest(draws, lambda x: np.interp(x, edges, values)).pvalue > 1e-3
    plain = stats.kstest(residual, lambda x: 1.0 - law.sf(x)).pvalue
    if law.is_exponential:
        # Memoryless: the equilibrium law is the law itself.
        np.testing.assert_allclose(values, 1.0 - law.sf(edges), atol=1e-9)
        assert plain > 1e-3
    else:
        # The same test rejects the wrong law: residual lives are not draws of F.
        assert plain < 1e-12


@pytest.mark.parametrize("law", EQUILIBRIUM_LAWS)
def test_residual_life_mean_is_e_l2_over_2m(law):
    residual = law.equilibrium(np.random.default_rng(12), 200_000)
    assert residual.min() >= 0.0
    assert abs(residual.mean() - _residual_mean(law)) <= 4 * residual.std() / np.sqrt(residual.size)


@pytest.mark.parametrize("law", EQUILIBRIUM_LAWS)
def test_residual_and_age_share_the_draws_and_add_up_to_the_covering_length(law):
    alone = law.equilibrium(np.random.default_rng(13), 1000)
    residual, age = law.equilibrium_with_age(np.random.default_rng(13), 1000)
    np.testing.assert_array_equal(residual, alone)
    assert np.all(age >= 0.0)
    if law.is_exponential:
        # Independent draws of the law: uncorrelated (|r| < 4 / √n).
        residual, age = law.equilibrium_with_age(np.random.default_rng(14), 100_000)
        assert abs(np.corrcoef(residual, age)[0, 1]) < 4 / np.sqrt(residual.size)
    elif law.fixed_h is not None:
        np.testing.assert_allclose(residual + age, law.fixed_h)


def test_a_deterministic_residual_life_is_uniform_up_to_the_value():
    residual = deterministic(6.0).equilibrium(np.random.default_rng(15), (400, 50))
    assert residual.shape == (400, 50) and 0.0 <= residual.min() and residual.max() < 6.0
    assert stats.kstest(residual.ravel(), stats.uniform(0.0, 6.0).cdf).pvalue > 1e-3


def test_length_biased_pools_are_made_once_per_law_and_sized_by_the_needs():
    law = parse_law({"dist": "uniform", "loc": 0, "scale": "20h"}, "law")
    closed = parse_law({"dist": "gamma", "a": 2.0, "mean": "5h"}, "law")
    pools = LengthBiasedPools({law: 3000, closed: 10**9})
    rng = np.random.default_rng(16)
    draws = np.concatenate([law.length_biased(rng, 1000, pools) for _ in range(3)])
    closed.length_biased(rng, 1000, pools)
    assert list(pools.pools) == [law]                       # a closed form needs no pool
    pool, weights = pools.pools[law]
    assert pool.size == 20 * 3000 and weights.sum() == pytest.approx(1.0)
    assert np.isin(draws, pool).all()
    for min_size in (LengthBiasedPools.MIN_SIZE, 50_000):   # a small call: the smallest pool
        alone = LengthBiasedPools(min_size=min_size)
        alone.draw(law, rng, 10)
        assert alone.pools[law][0].size == min_size
    # Uniform on [0, 20 h]: the length-biased mean is E[L²] / E[L] = 40/3 h.
    assert abs(draws.mean() - 40 / 3) <= 4 * draws.std() / np.sqrt(draws.size)


@pytest.mark.parametrize("axis", [0, 1])
def test_sample_alternating_puts_each_law_at_its_positions(axis):
    shape = (7, 4) if axis == 0 else (4, 7)
    block = np.full(shape, -1.0)
    sample_alternating(np.random.default_rng(17), block, deterministic(1.0), deterministic(9.0), axis=axis)
    phases = np.moveaxis(block, axis, 0)
    assert (phases[1::2] == 1.0).all() and (phases[2::2] == 9.0).all() and (phases[0] == -1.0).all()


def test_sample_alternating_keeps_the_random_streams():
    # Both exponential: one standard-exponential fill in memory order, scaled (the stream Monte
    # Carlo has always used, so seeds keep their numbers); otherwise each law in turn.
    down, up = exponential(2.0), exponential(50.0)
    block = np.empty((5, 3))
    sample_alternating(np.random.default_rng(18), block, down, up, axis=1)
    expected = np.random.default_rng(18).standard_exponential((5, 3))
    expected[:, 1::2] *= 2.0
    expected[:, 2::2] *= 50.0
    np.testing.assert_array_equal(block[:, 1:], expected[:, 1:])
    weibull = parse_law({"dist": "weibull_min", "c": 1.7, "mean": "50h"}, "f")
    block = np.empty((7, 3))
    sample_alternating(np.random.default_rng(19), block, down, weibull)
    rng = np.random.default_rng(19)
    np.testing.assert_array_equal(block[1::2], down.sample(rng, (3, 3)))
    np.testing.assert_array_equal(block[2::2], weibull.sample(rng, (3, 3)))


# Laws drawn without scipy.stats: the same numbers as scipy's, to the bit, so a seed keeps them.
NATIVE = [("expon", None), ("uniform", None), ("lognorm", "s"), ("gamma", "a"), ("weibull_min", "c")]


@pytest.mark.parametrize(("dist", "shape_name"), NATIVE, ids=[d for d, _ in NATIVE])
@pytest.mark.parametrize("shape", [0.013, 0.6, 1.0, 1.7, 3.3, 11.0])
@pytest.mark.parametrize(("loc", "scale"), [(0.0, 1.0), (0.0, 123.456), (2.5, 0.37), (0.0, 7e9)])
def test_native_laws_are_bit_identical_to_scipy(dist, shape_name, shape, loc, scale):
    params = (((shape_name, shape),) if shape_name else ()) + (("loc", loc), ("scale", scale))
    law = Law(dist, params)
    frozen = getattr(stats, dist)(**dict(params))
    assert law.mean == float(frozen.mean())
    variance = float(frozen.var())
    assert law.variance == variance or (np.isinf(law.variance) and np.isinf(variance))
    for size in (7, (3, 4)):
        ours = law.sample(np.random.default_rng(11), size)
        theirs = frozen.rvs(size=size, random_state=np.random.default_rng(11))
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("raw", [
    {"dist": "lognorm", "s": 1.0, "mean": "10h"},
    {"dist": "weibull", "c": 0.7, "mean": "3d"},
    {"dist": "gamma", "a": 2.5, "scale": "2h", "loc": "30m"},
    {"dist": "exponential", "mean": "2d"},
    {"dist": "uniform", "scale": "20h"},
])
def test_parsed_native_laws_equal_the_scipy_parse(raw, monkeypatch):
    import hadr_model.topology.laws as laws

    native = parse_law(raw, "f")
    monkeypatch.setattr(laws, "_NATIVE_SHAPES", {})      # every law through scipy.stats, as before
    via_scipy = parse_law(raw, "f")
    assert native == via_scipy and native.mean == via_scipy.mean and native.variance == via_scipy.variance
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(native.sample(rng_a, 50), via_scipy.frozen().rvs(size=50, random_state=rng_b))


@pytest.mark.parametrize("raw", [{"dist": "lognorm", "s": -1.0, "mean": "10h"},
                                 {"dist": "gamma", "a": 0, "scale": "1h"}])
def test_out_of_range_shapes_still_get_scipys_answer(raw, monkeypatch):
    import hadr_model.topology.laws as laws

    with pytest.raises(SpecError) as native:
        parse_law(raw, "f")
    monkeypatch.setattr(laws, "_NATIVE_SHAPES", {})
    with pytest.raises(SpecError) as via_scipy:
        parse_law(raw, "f")
    assert str(native.value) == str(via_scipy.value)


def test_loading_the_default_spec_does_not_import_scipy_stats():
    # A fresh interpreter: the shipped topology (a lognormal and a mapping-form exponential in its
    # data section) loads, and its DR samples draw, without scipy.stats.
    code = ("import sys, hadr_model as hm; from hadr_model.dr import region_loss_rto_samples; "
            "region_loss_rto_samples(hm.load_spec(), n_disasters=50, seed=1); "
            "print('scipy.stats' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
