"""Monte Carlo with a DR failover (an RTO per region loss) against the exact engine's DR mode.

The exact engine, given ``region_loss_outage_h = {X: E[min(D, RTO)]}``, models a tenant of
``X`` that is down for ``min(D, RTO)`` after each loss of its region and then served by its
failover region until the repair. The simulation draws the RTO per region loss and follows
the tenant in time, so both must agree within the simulation's 95 % confidence intervals.
A region that fails every 300 h for 30 h on average makes the failover visible in short runs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import hadr_model as hm
from hadr_model.dr import expected_outage_h
from hadr_model.engines import montecarlo
from hadr_model.engines.exact import exact_availability
from hadr_model.engines.montecarlo import simulate
from hadr_model.topology.laws import deterministic, exponential

REGION_MTTR_H = 30.0


def _spec(region_repair=None, role=None):
    region = {"mttf": "300h", "mttr": f"{REGION_MTTR_H:g}h"}
    if region_repair is not None:
        region = {"failure": {"dist": "exponential", "mean": "300h"}, "repair": region_repair}
    return hm.load_spec({
        "name": "dr-pair",
        "zone": {"mttf": "20000h", "mttr": "2h"},
        "region": region,
        "regions": {"east": {"zones": 2, "fails_over_to": "west"},
                    "west": {"zones": 2, "fails_over_to": "east"}},
        # Reliable zones and roles by default: a failback onto a home service that is down for
        # another reason is then negligible (test_fail_back_outages… covers it).
        "roles": {"app": role or {"per_zone": 1, "needs": 1, "mttf": "20000h", "mttr": "2h"}},
    })


def _exact(model, outage_h: float | None):
    outage = None if outage_h is None else {"east": outage_h, "west": outage_h}
    return exact_availability(model, region_loss_outage_h=outage).system


def _covers(interval, value) -> bool:
    low, high = interval
    return low <= value <= high


@pytest.mark.parametrize("control_variate", [True, False])
def test_fixed_rto_matches_the_exact_dr_mode(control_variate):
    model, rto = _spec(), 10.0
    exact = _exact(model, REGION_MTTR_H * -math.expm1(-rto / REGION_MTTR_H))   # E[min(D, r)], D ~ exp
    result = simulate(model, years=1, runs=2000, seed=1, failover_rto_h=rto, control_variate=control_variate)
    assert result.failover_model == "dr-workflow"
    assert _covers(result.availability_ci95, exact.availability), (
        result.availability_ci95, exact.availability)
    assert _covers(result.outages_per_year_ci95, exact.failure_frequency_per_year), (
        result.outages_per_year_ci95, exact.failure_frequency_per_year)
    # Visibly worse than the instantaneous failover (the upper bound).
    instantaneous = _exact(model, None)
    assert result.availability_ci95[1] < instantaneous.availability - 0.01


def test_short_runs_start_stationary_with_the_loss_already_in_progress():
    # 88 h runs: often the region is down at 0, lost some time before; that age counts towards
    # the RTO (ignoring it moves the availability by about 8 half-widths).
    model, rto = _spec(), 10.0
    exact = _exact(model, REGION_MTTR_H * -math.expm1(-rto / REGION_MTTR_H))
    result = simulate(model, years=0.01, runs=40000, seed=5, failover_rto_h=rto)
    assert _covers(result.availability_ci95, exact.availability), (
        result.availability_ci95, exact.availability)


def test_rto_samples_and_rto_law_match_the_exact_dr_mode():
    model = _spec()
    repair = exponential(REGION_MTTR_H)
    samples = np.array([2.0, 6.0, 20.0, 45.0, np.inf])
    for rto, expected in ((samples, expected_outage_h(repair, samples)),
                          (exponential(8.0), expected_outage_h(repair, exponential(8.0)))):
        exact = _exact(model, expected)
        result = simulate(model, years=1, runs=1500, seed=2, failover_rto_h=rto)
        assert _covers(result.availability_ci95, exact.availability), (rto, result.availability_ci95, exact)
        assert _covers(result.outages_per_year_ci95, exact.failure_frequency_per_year), (
            rto, result.outages_per_year_ci95, exact.failure_frequency_per_year)


def test_zero_rto_lies_between_the_dr_exact_and_the_instantaneous_values():
    # Less reliable roles: their outages are failed over by the instantaneous model only.
    model = _spec(role={"per_zone": 1, "needs": 2, "mttf": "500h", "mttr": "5h"})
    dr, instantaneous = _exact(model, 0.0).availability, _exact(model, None).availability
    assert instantaneous - dr > 0.01
    result = simulate(model, years=1, runs=1500, seed=3, failover_rto_h=0.0)
    assert _covers(result.availability_ci95, dr), (result.availability_ci95, dr)
    assert result.availability_ci95[1] < instantaneous
    assert dr - 1e-3 <= result.availability <= instantaneous


def test_rto_at_least_every_repair_is_no_failover():
    # Fixed 30 h region repairs and a 30 h RTO: the region is back before the failover completes.
    model = _spec(region_repair={"dist": "deterministic", "value": f"{REGION_MTTR_H:g}h"})
    without = _exact(model, REGION_MTTR_H)           # E[min(D, r)] = E[D]: nothing is failed over
    for rto in (REGION_MTTR_H, deterministic(1e9), math.inf):
        result = simulate(model, years=1, runs=1000, seed=4, failover_rto_h=rto)
        assert _covers(result.availability_ci95, without.availability), (
            rto, result.availability_ci95, without)
        assert _covers(result.outages_per_year_ci95, without.failure_frequency_per_year), (
            rto, result.outages_per_year_ci95, without.failure_frequency_per_year)
        # Every region loss is a full outage of the region's length for its tenants.
        assert np.any(np.isclose(result.durations_h, REGION_MTTR_H))


def test_reproducible_and_independent_of_the_worker_count(monkeypatch):
    monkeypatch.setattr(montecarlo, "BLOCK_RUNS_MAX", 50)   # several blocks (forked workers see it)
    model = _spec()
    rto = np.array([1.0, 5.0, 12.0, 40.0])
    one = simulate(model, years=1, runs=300, seed=21, failover_rto_h=rto).as_dict()
    again = simulate(model, years=1, runs=300, seed=21, failover_rto_h=rto).as_dict()
    two = simulate(model, years=1, runs=300, seed=21, failover_rto_h=rto, workers=2).as_dict()
    for figures in (one, again, two):
        figures.pop("seconds")
        figures.pop("batches")      # sized from the measured time: only the blocks count
    assert one["blocks"] > 2
    assert one == again == two
    assert simulate(model, years=1, runs=300, seed=22, failover_rto_h=rto).availability != one["availability"]


def test_failover_model_names_and_bad_rto():
    model = _spec()
    assert simulate(model, years=0.2, runs=20, seed=1).failover_model == "instantaneous"
    component = {"component": {"name": "a", "mttf": "100h", "mttr": "1h"}}
    blocks = hm.load_spec({"blocks": {"series": [component]}})
    assert simulate(blocks, years=0.2, runs=20, seed=1, failover_rto_h=5.0).failover_model == "none"
    for bad in (-1.0, [], [1.0, np.nan], "soon", [[1.0]]):
        with pytest.raises(hm.SpecError):
            simulate(model, years=0.2, runs=20, failover_rto_h=bad)


def test_fail_back_outages_are_counted_by_both_engines():
    """Unreliable roles: a region repair that fails back onto a down home service starts an outage.

    The exact engine counts those at rate P(RTO < D) · a_G · B_F · q'_X / (MTTF_R + MTTR_R); the
    simulation sees them happen. Without that term the exact frequency is visibly too low.
    """
    role = {"per_zone": 1, "needs": "all", "mttf": "200h", "mttr": "20h"}
    model, rto = _spec(role=role), 5.0
    outage = dict.fromkeys(("east", "west"), REGION_MTTR_H * -math.expm1(-rto / REGION_MTTR_H))
    completion = {name: math.exp(-rto / REGION_MTTR_H) for name in ("east", "west")}   # P(D > r), D ~ exp
    exact = exact_availability(model, region_loss_outage_h=outage, failover_completion=completion).system
    without = exact_availability(model, region_loss_outage_h=outage).system
    result = simulate(model, years=1, runs=2000, seed=1, failover_rto_h=rto)
    assert _covers(result.outages_per_year_ci95, exact.failure_frequency_per_year), (
        result.outages_per_year_ci95, exact.failure_frequency_per_year)
    assert not _covers(result.outages_per_year_ci95, without.failure_frequency_per_year)
    assert _covers(result.availability_ci95, exact.availability)


def test_control_variate_weights_use_the_exact_expected_outage(monkeypatch):
    """The exact engine behind the control variate gets E[min(D, RTO)] from the exact quadrature
    (:func:`hadr_model.engines.outage.expected_outage_h`), not from a sampled approximation."""
    from hadr_model.engines import exact

    model = _spec(region_repair={"dist": "lognorm", "s": 0.8, "mean": "30h"})
    samples = np.array([1.0, 4.0, 9.5, 22.0, 60.0, np.inf])
    seen = {}
    original = exact.element_birnbaum

    def spy(*args, **kwargs):
        seen.update(kwargs.get("region_loss_outage_h") or {})
        return original(*args, **kwargs)

    monkeypatch.setattr(exact, "element_birnbaum", spy)
    result = simulate(model, years=0.2, runs=50, seed=1, failover_rto_h=samples)
    assert result.control_variate
    repair = model.regions[0].region.repair
    assert seen == {"east": expected_outage_h(repair, samples), "west": expected_outage_h(repair, samples)}


# --- the sweep function -------------------------------------------------------------------

def test_sweep_simulate_uses_the_dr_failover_by_default_like_hadr_simulate():
    from hadr_model.dr import region_loss_rto_by_region
    from hadr_model.sweeps.functions import function_options
    from hadr_model.sweeps.functions import simulate as sweep_simulate

    model = _spec()
    assert function_options(sweep_simulate) == {"years": 10.0, "runs": 20, "failover": "dr-workflow",
                                               "n_disasters": 20_000}
    dr = sweep_simulate(model, seed=3, years=0.5, runs=200)
    assert dr["failover_model"] == "dr-workflow"
    direct = simulate(model, years=0.5, runs=200, seed=3,
                      failover_rto_h=region_loss_rto_by_region(model, n_disasters=20_000, seed=3))
    assert dr["availability"] == direct.availability
    assert "seconds" not in dr and "seed" not in dr and dr["notes"] == ""
    instant = sweep_simulate(model, seed=3, years=0.5, runs=200, failover="instantaneous")
    assert instant["failover_model"] == "instantaneous"
    assert instant["availability"] == simulate(model, years=0.5, runs=200, seed=3).availability
    with pytest.raises(hm.SpecError, match="failover"):
        sweep_simulate(model, seed=3, failover="eventually")


def test_sweep_simulate_block_form_has_no_failover():
    from hadr_model.sweeps.functions import simulate as sweep_simulate

    blocks = hm.load_spec({"blocks": {"series": [{"component": {"name": "a", "mttf": "100h", "mttr": "1h"}}]}})
    assert sweep_simulate(blocks, seed=1, years=0.2, runs=20)["failover_model"] == "none"


def test_each_region_fails_over_with_its_own_rto():
    """A mapping of RTOs per home region agrees with the exact engine given each region's cost."""
    model = _spec()
    rto = {"east": 3.0, "west": 20.0}
    outage = {name: REGION_MTTR_H * -math.expm1(-r / REGION_MTTR_H) for name, r in rto.items()}
    exact = exact_availability(model, region_loss_outage_h=outage).system
    result = simulate(model, years=1, runs=2000, seed=8, failover_rto_h=rto)
    assert _covers(result.availability_ci95, exact.availability), (result.availability_ci95, exact.availability)
    one_rto = exact_availability(model, region_loss_outage_h=dict.fromkeys(rto, outage["east"])).system
    assert not _covers(result.availability_ci95, one_rto.availability)
