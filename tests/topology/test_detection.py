"""Detection delay (``mttd`` / ``detect``): the outage is detect + repair, in every engine.

Independent answers: the renewal closed form ``A = MTTF / (MTTF + MTTD + MTTR)``, scipy's
quadrature of the convolution, the hypoexponential law, sample moments, Monte Carlo within its
confidence interval.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from scipy import integrate

from hadr_model import load_spec
from hadr_model.cli import main
from hadr_model.engines.exact import exact_availability
from hadr_model.engines.markov import solve_compiled
from hadr_model.engines.montecarlo import simulate
from hadr_model.engines.outage import expected_outage_h
from hadr_model.errors import SpecError
from hadr_model.topology.laws import Sum, deterministic, exponential, outage_law, parse_law

LOGNORMAL_DETECT = {"dist": "lognorm", "s": 1.0, "mean": "15m"}
WEIBULL_REPAIR = {"dist": "weibull_min", "c": 1.5, "mean": "4h"}


def _component(**laws) -> dict:
    return {"blocks": {"component": {"name": "db", **laws}}}


# --- the law of detect + repair ---------------------------------------------------------------

def _convolution_sf(detect, repair, t: float) -> float:
    """P(D + R > t) = S_D(t) + ∫₀^t f_D(x) S_R(t − x) dx by QUADPACK (scipy laws only)."""
    fd, fr = detect.frozen(), repair.frozen()
    inner, _ = integrate.quad(lambda x: fd.pdf(x) * fr.sf(t - x), 0.0, t, points=[0.01, 0.1, 0.2, 0.5],
                              limit=1000, epsabs=1e-15, epsrel=1e-13)
    return float(fd.sf(t)) + inner


@pytest.mark.parametrize("t", [0.05, 0.5, 1.0, 4.0, 10.0, 25.0])
def test_sum_survival_matches_quadrature_of_the_convolution(t):
    detect, repair = parse_law(LOGNORMAL_DETECT, "d"), parse_law(WEIBULL_REPAIR, "r")
    outage = outage_law(detect, repair)
    assert float(outage.sf(t)) == pytest.approx(_convolution_sf(detect, repair, t), abs=1e-12)


def test_sum_survival_of_two_exponentials_is_hypoexponential_and_erlang():
    a, b, t = 0.5, 4.0, np.array([0.0, 0.3, 2.0, 9.0])
    hypo = outage_law(exponential(a), exponential(b))
    expected = (a * np.exp(-t / a) - b * np.exp(-t / b)) / (a - b)
    np.testing.assert_allclose(hypo.sf(t), expected, rtol=1e-14)
    erlang = outage_law(exponential(2.0), exponential(2.0))
    np.testing.assert_allclose(erlang.sf(t), (1 + t / 2.0) * np.exp(-t / 2.0), rtol=1e-14)


def test_fixed_detection_shifts_the_repair_law():
    outage = outage_law(deterministic(0.25), exponential(4.0))
    t = np.array([0.0, 0.2, 0.25, 1.0, 10.0])
    np.testing.assert_allclose(outage.sf(t), np.where(t < 0.25, 1.0, np.exp(-(t - 0.25) / 4.0)), rtol=1e-15)
    assert outage.kinks_h == [0.25]
    # E[min(d + R, r)] = d + m (1 − e^{−(r−d)/m}) for r > d, r otherwise
    r = np.array([0.1, 2.0, 30.0])
    closed = np.where(r <= 0.25, r, 0.25 + 4.0 * -np.expm1(-(r - 0.25) / 4.0))
    np.testing.assert_allclose(outage.expected_min_closed_h(r), closed, rtol=1e-15)
    assert expected_outage_h(outage, 2.0) == pytest.approx(0.25 + 4.0 * -math.expm1(-1.75 / 4.0), rel=1e-15)


def test_moments_add_and_no_delay_is_the_repair_itself():
    detect, repair = parse_law(LOGNORMAL_DETECT, "d"), parse_law(WEIBULL_REPAIR, "r")
    outage = outage_law(detect, repair)
    assert isinstance(outage, Sum) and not outage.is_exponential
    assert outage.mean_h == pytest.approx(4.25, rel=1e-14)
    assert outage.variance_h2 == pytest.approx(detect.variance_h2 + repair.variance_h2, rel=1e-14)
    assert outage_law(None, repair) is repair
    assert outage_law(deterministic(0.0), repair) is repair


def test_length_biased_and_equilibrium_draws_have_the_sum_s_moments():
    detect, repair = parse_law(LOGNORMAL_DETECT, "d"), parse_law(WEIBULL_REPAIR, "r")
    outage = outage_law(detect, repair)
    second = outage.variance_h2 + outage.mean_h ** 2      # E[S²]
    rng = np.random.default_rng(11)
    n = 400_000
    plain = outage.sample(rng, n)
    assert plain.mean() == pytest.approx(outage.mean_h, abs=4 * plain.std() / math.sqrt(n))
    biased = outage.length_biased(rng, n)
    assert biased.mean() == pytest.approx(second / outage.mean_h, abs=4 * biased.std() / math.sqrt(n))
    residual, age = outage.equilibrium_with_age(rng, n)
    assert residual.mean() == pytest.approx(second / (2 * outage.mean_h), abs=4 * residual.std() / math.sqrt(n))
    np.testing.assert_allclose(residual + age >= 0, True)


def test_expected_outage_by_quadrature_agrees_with_samples():
    outage = outage_law(parse_law(LOGNORMAL_DETECT, "d"), parse_law(WEIBULL_REPAIR, "r"))
    draws = np.minimum(outage.sample(np.random.default_rng(5), 1_000_000), 3.0)
    assert expected_outage_h(outage, 3.0) == pytest.approx(draws.mean(), abs=4 * draws.std() / 1000)


# --- the engines --------------------------------------------------------------------------------

@pytest.mark.parametrize("detect", [{"mttd": "30m"}, {"detect": {"dist": "deterministic", "value": "30m"}},
                                    {"detect": LOGNORMAL_DETECT | {"mean": "30m"}}])
def test_exact_availability_is_mttf_over_mttf_mttd_mttr(detect):
    model = load_spec(_component(mttf="1000h", mttr="4h", **detect))
    result = exact_availability(model).system
    assert result.unavailability == pytest.approx(4.5 / 1004.5, rel=1e-14)
    assert result.availability == pytest.approx(1000.0 / 1004.5, rel=1e-15)
    # ω = 1 / cycle: the mean outage is MTTD + MTTR
    assert result.mean_outage_h == pytest.approx(4.5, rel=1e-12)


def test_every_element_of_the_region_form_takes_a_detection_delay():
    spec = {"zone": {"mttf": "2000h", "mttr": "2h", "mttd": "1h"},
            "region": {"mttf": "20000h", "mttr": "8h", "detect": {"dist": "deterministic", "value": "30m"}},
            "global": {"dns": {"mttf": "10000h", "mttr": "1h", "mttd": "6m"}},
            "regions": {"east": {"zones": 2}},
            "roles": {"web": {"per_zone": 1, "mttf": "500h", "mttr": "1h", "mttd": "3h", "depends_on": ["dns"]}}}
    model = load_spec(spec)
    table = model.compiled.elements
    outage = {"zone": 3.0, "region": 8.5, "global": 1.1, "instance": 4.0}
    mttf = {"zone": 2000.0, "region": 20000.0, "global": 10000.0, "instance": 500.0}
    for name, kind, q in zip(table.names, table.kinds, table.q):
        assert q == pytest.approx(outage[kind] / (mttf[kind] + outage[kind]), rel=1e-14), name
    # renewal: the same figures as exponential repairs of mean MTTD + MTTR
    same = yaml.safe_load(yaml.safe_dump(spec))
    for section in (same["zone"], same["region"], same["global"]["dns"], same["roles"]["web"]):
        section.pop("mttd", None)
        section.pop("detect", None)
    same["zone"]["mttr"], same["region"]["mttr"] = "3h", "8.5h"
    same["global"]["dns"]["mttr"], same["roles"]["web"]["mttr"] = "1.1h", "4h"
    assert exact_availability(model).system.unavailability == pytest.approx(
        exact_availability(load_spec(same)).system.unavailability, rel=1e-12)


def test_monte_carlo_with_a_lognormal_detection_is_within_its_interval():
    detect = LOGNORMAL_DETECT | {"mean": "3h"}
    spec = {"blocks": {"k_of_n": {"k": 2, "of": [{"component": {
        "name": "db", "count": 3, "mttf": "100h", "mttr": WEIBULL_REPAIR, "detect": detect}}]}}}
    q = 7.0 / 107.0
    closed = 3 * q * q - 2 * q ** 3       # 2-of-3 with A = 100 / (100 + 3 + 4)
    model = load_spec(spec)
    assert exact_availability(model).system.unavailability == pytest.approx(closed, rel=1e-13)
    result = simulate(model, years=1.0, runs=1000, seed=7)
    assert abs(result.unavailability - closed) <= 2.0 * result.unavailability_ci95_halfwidth
    again = simulate(model, years=1.0, runs=1000, seed=7)
    assert again.unavailability == result.unavailability


def test_markov_bridge_under_independent_repair_takes_the_mean_outage():
    # Steady state of independent alternating renewal elements depends on the means only.
    spec = {"blocks": {"k_of_n": {"k": 2, "of": [{"component": {
        "name": "db", "count": 3, "mttf": "1000h", "mttr": "10h", "detect": LOGNORMAL_DETECT}}]}}}
    q = 10.25 / 1010.25
    assert solve_compiled(load_spec(spec)).unavailability == pytest.approx(3 * q * q - 2 * q ** 3, rel=1e-9)


def test_markov_refuses_detection_with_a_shared_repair_team():
    spec = {"blocks": {"parallel": [{"component": {"name": "a", "count": 2, "mttf": "1000h", "mttr": "10h",
                                                    "mttd": "1h"}}]},
            "repair": {"ops": {"crews": 1, "components": ["a"]}}}
    with pytest.raises(SpecError, match="exponential outage"):
        solve_compiled(load_spec(spec))


# --- the spec -----------------------------------------------------------------------------------

def test_fault_tree_events_take_a_detection_delay():
    spec = {"fault_tree": {"top": "top", "gates": {"top": {"and": ["a", "b"]}},
                           "events": {"a": {"mttf": "100h", "mttr": "1h", "mttd": "1h"}, "b": {"probability": 0.1}}}}
    assert exact_availability(load_spec(spec)).system.unavailability == pytest.approx(2 / 102 * 0.1, rel=1e-14)


def test_validate_shows_the_detection_delay(tmp_path, capsys):
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(_component(mttf="1000h", mttr="4h", mttd="15m")))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "detection" in out and "mean 15 min before repair starts" in out
    assert main(["show", str(path)]) == 0
    assert "detect exponential(mean 15 min) + repair exponential(mean 4 h)" in capsys.readouterr().out


@pytest.mark.parametrize(("laws", "field"), [
    ({"mttf": "1000h", "mttr": "4h", "mttd": "-5m"}, "blocks.component.mttd"),
    ({"mttf": "1000h", "mttr": "4h", "mttd": "15 parsecs"}, "blocks.component.mttd"),
    ({"mttf": "1000h", "mttr": "4h", "mttd": "15m", "detect": "15m"}, "blocks.component.detect"),
    ({"availability": 0.999, "mttd": "15m"}, "blocks.component.mttd"),
    ({"mttf": "1000h", "mttr": "4h", "detect": {"dist": "lognorm", "mean": "1h"}}, "blocks.component.detect"),
])
def test_bad_detection_exits_2_naming_the_field(tmp_path, capsys, laws, field):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_component(**laws)))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hadr: error:") and field in err and "Traceback" not in err


def test_region_detection_and_the_dr_detect_step_both_run_from_the_failure():
    # The region is out for detect + repair; the failover's RTO (its own detect step included)
    # runs from the same failure instant: a tenant waits min(d + R, RTO), never d + RTO.
    from pathlib import Path

    from hadr_model.dr.availability import failover_costs, region_loss_rto_by_region

    raw = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "two_regions.yaml").read_text())
    raw["region"] = {"mttf": "10y", "mttr": "12h", "detect": {"dist": "deterministic", "value": "1h"}}
    model = load_spec(raw)
    rto = region_loss_rto_by_region(model, n_disasters=2000, seed=4)["east"]
    cost = failover_costs(model, n_disasters=2000, seed=4)["east"]
    assert cost.region_repair_mean_h == 13.0
    closed = np.where(rto <= 1.0, rto, 1.0 + 12.0 * -np.expm1(-(rto - 1.0) / 12.0))   # E[min(1 + R, r)]
    assert cost.expected_outage_h == pytest.approx(float(closed.mean()), rel=1e-13)
    # P(RTO < D) = mean of S_D(r) = e^{−(r − 1)/12} beyond the detection hour
    assert cost.failover_completion_probability == pytest.approx(
        float(np.mean(np.where(rto < 1.0, 1.0, np.exp(-(rto - 1.0) / 12.0)))), rel=1e-13)
