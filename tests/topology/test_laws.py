"""Laws carry their own behaviour: each method checked against an independent answer."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from hadr_model.topology.laws import Deterministic, deterministic, exponential, parse_law

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
    draws = law.length_biased(np.random.default_rng(7), (200_000,))
    if draws is None:
        assert not law.has_closed_length_biased
        return
    expected = (law.variance_h2 + law.mean_h ** 2) / law.mean_h
    # 5 standard errors of the sample mean (the length-biased variance from its own draws).
    assert draws.mean() == pytest.approx(expected, abs=5 * draws.std() / np.sqrt(draws.size))
