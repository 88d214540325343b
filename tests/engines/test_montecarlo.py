"""Monte Carlo engine against independent answers: the exact engine, renewal theory, itself.

Every check is seeded, so it is deterministic; tolerances are the simulation's own 95 %
confidence intervals (or 4 standard errors where a sample mean is checked directly).
"""

from __future__ import annotations

import math
import signal
import time

import numpy as np
import pytest
from scipy import integrate, optimize, stats

import hadr_model as hm
from hadr_model.engines import exact, montecarlo
from hadr_model.engines.exact import exact_availability
from hadr_model.engines.montecarlo import MAX_RUNS, _variance, simulate
from hadr_model.engines.structure import AtLeast, RoleDown, Signal, combine
from hadr_model.errors import HadrError
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
    exact = exact_availability(model).system
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
    exact = exact_availability(model).system.availability
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
    exact = exact_availability(_two_of_three()).system.availability
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
    residual = law.equilibrium(np.random.default_rng(2), (200_000,))
    # E[residual] = E[X²] / 2E[X], from the law's exact moments: the only error left is the
    # sampling error of the residuals' mean (the resampling bias for the uniform law is of
    # order 1 / pool, far below it).
    expected = (_variance(law) + law.mean_h ** 2) / (2 * law.mean_h)
    assert abs(residual.mean() - expected) <= 4 * residual.std() / math.sqrt(residual.size), (
        residual.mean(), expected)


def test_same_seed_same_numbers_and_workers_do_not_change_them(monkeypatch):
    monkeypatch.setattr(montecarlo, "BLOCK_RUNS_MAX", 50)   # several blocks (forked workers see it)
    model = hm.load_spec(SMALL_REGIONS)
    one = simulate(model, years=1, runs=400, seed=21).as_dict()
    again = simulate(model, years=1, runs=400, seed=21).as_dict()
    two = simulate(model, years=1, runs=400, seed=21, workers=2).as_dict()
    for figures in (one, again, two):
        figures.pop("seconds")
        figures.pop("batches")      # sized from the measured time: only the blocks count
    assert one["blocks"] > 2
    assert one == again == two
    assert simulate(model, years=1, runs=400, seed=22).as_dict()["availability"] != one["availability"]


def test_precision_stop_rule_reaches_the_precision():
    result = simulate(_two_of_three(), years=1, runs=10**7, seed=2, precision=0.03, control_variate=False)
    assert result.stopped_by == "precision"
    assert result.relative_precision <= 0.03
    assert result.runs < 10**7


def test_time_budget_stops_the_simulation():
    result = simulate(_two_of_three(), years=1, runs=MAX_RUNS, seed=2, max_seconds=0.2)
    assert result.stopped_by == "max_seconds"


def test_fixed_availability_is_refused_with_the_element_name():
    model = hm.load_spec({"blocks": {"series": [
        {"component": {"name": "dns", "availability": 0.9999}},
        {"component": {"name": "web", "mttf": "100h", "mttr": "1h"}}]}})
    with pytest.raises(hm.SpecError, match="dns"):
        simulate(model)


@pytest.mark.parametrize("kwargs", [
    {"runs": -5}, {"runs": 1}, {"runs": MAX_RUNS + 1}, {"runs": 2.5}, {"years": 0}, {"years": 1e300},
    {"years": 1001}, {"years": math.nan}, {"years": math.inf}, {"precision": 1.5}, {"precision": 0.0},
    {"precision": 1.0}, {"workers": 0}, {"workers": 65}, {"seed": -1}, {"max_seconds": -1},
    {"objective": 0.0}, {"objective": 1.0}, {"objective": 1.5}, {"objective": math.nan}])
def test_bad_arguments_raise_spec_error(kwargs):
    with pytest.raises(hm.SpecError) as error:
        simulate(_two_of_three(), **kwargs)
    assert error.value.field == next(iter(kwargs))


def _fast_role(per_zone: int, needs: int | str = "45%"):
    """One zone of ``per_zone`` instances up half of the time, failing every hour; perfect zone and region."""
    return hm.load_spec({"name": "big", "zone": {"availability": 1.0}, "region": {"availability": 1.0},
                         "regions": {"east": {"zones": 1}},
                         "roles": {"app": {"per_zone": per_zone, "needs": needs, "mttf": "1h", "mttr": "1h"}}})


def test_a_run_that_cannot_fit_in_memory_is_refused_not_crashed():
    # 400 copies cycling every 2 h: 3.5 million transitions a year per run; 10 years do not fit.
    with pytest.raises(hm.SpecError, match="fit in memory") as error:
        simulate(_fast_role(400), years=10, runs=2)
    assert error.value.field == "years"


# The results' memory no longer grows with the runs (no refusal, no early stop): see
# tests/engines/test_montecarlo_scale.py.


# --- more copies than a small integer type holds --------------------------------------------

def test_role_with_more_than_127_instances_matches_exact():
    """400 instances up half of the time: about 200 down at any time (int8 wrapped to -56).

    The role needs 45 % (180), so it is down when 221 or more are down: exact A = 0.97988.
    """
    model = _fast_role(400)
    exact_system = exact_availability(model).system
    assert exact_system.availability == pytest.approx(0.97988, abs=5e-6)
    result = simulate(model, years=0.01, runs=200, seed=1)
    assert _covers(*result.availability_ci95, exact_system.availability), (
        result.availability_ci95, exact_system.availability)
    assert _covers(*result.outages_per_year_ci95, exact_system.failure_frequency_per_year), (
        result.outages_per_year_ci95, exact_system.failure_frequency_per_year)


def test_role_in_one_perfect_zone_follows_its_instances():
    """A node with an empty channel (the zone never fails) still sees its one child's changes."""
    model = _fast_role(4, needs=2)        # down when 3 or more of 4 are down: A = 1 - 5/16
    result = simulate(model, years=0.02, runs=400, seed=2)
    assert _covers(*result.availability_ci95, 11 / 16), result.availability_ci95
    assert 0 < result.runs_frame()["availability"].min() < result.runs_frame()["availability"].max() < 1


def _value_at(signal: Signal, t: float) -> np.ndarray:
    return signal.init + np.where(signal.times <= t, signal.deltas, 0).sum(axis=1)


def test_structure_counts_beyond_16_bits():
    # 40 000 copies down at 0; one run loses 30 000 at t = 1, the other gains one at t = 2.
    init = np.array([40_000, 40_000], np.int32)
    times = np.array([[1.0, np.inf], [2.0, np.inf]])
    deltas = np.array([[-1, 0], [1, 0]], np.int8)
    many = Signal(init, np.repeat(times, [1, 1], axis=0), deltas, np.zeros((2, 2), np.int32), cause=0)
    node = combine([[many]], AtLeast(40_001), 2)
    assert node.init.tolist() == [0, 0]
    np.testing.assert_array_equal(_value_at(node, 3.0), [0, 1])


def test_structure_with_more_than_127_channels():
    # A role over 100 zones (two channels each: unusable flag, down count): 200 channels.
    zones, runs = 100, 3
    rng = np.random.default_rng(0)
    channels = []
    for z in range(zones):
        flips = np.sort(rng.uniform(0, 10, (runs, 2)), axis=1)
        down = Signal(np.zeros(runs, np.int32), flips, np.tile(np.array([1, -1], np.int8), (runs, 1)),
                      np.full((runs, 2), z, np.int32))     # no constant cause: the general merge
        channels += [[], [down]]
    node = combine(channels, RoleDown([1] * zones, 3, False), runs)
    for t in np.linspace(0, 10, 41):
        counts = sum(_value_at(c[0], t) for c in channels if c)
        np.testing.assert_array_equal(_value_at(node, t), (counts >= 3).astype(int), err_msg=f"t={t}")


# --- closed forms of the distribution: exponential failures, fixed repairs ------------------

def _fixed_repair_cdf(theta: float, mttf: float, r: float, horizon: float) -> float:
    """``P(D ≤ θ)``: downtime in ``[0, T)`` of a stationary component, Exp(mttf) up, fixed r down.

    Started up, the time the up-clock needs to reach ``v`` is ``v + r N(v)`` with ``N(v)``
    the failures in ``v`` hours of up time, ``N(v) ~ Poisson(v / mttf)``; so
    ``D ≤ θ ⟺ N(T − θ) ≤ ⌊θ / r⌋``. Started down (probability ``r / (mttf + r)``) the
    residual repair ``ρ`` is uniform on ``(0, r)`` and ``D ≤ θ ⟺ N(T − θ) ≤ ⌊(θ − ρ) / r⌋``.
    """
    if theta < 0:
        return 0.0
    if theta >= horizon:
        return 1.0
    up = mttf / (mttf + r)
    k, delta = divmod(theta, r)
    mu = (horizon - theta) / mttf
    at_k, below_k = stats.poisson.cdf(k, mu), stats.poisson.cdf(k - 1, mu)
    return float(up * at_k + (1 - up) * (delta / r * at_k + (1 - delta / r) * below_k))


def _fixed_repair_quantile(p: float, mttf: float, r: float, horizon: float) -> float:
    """Smallest θ with ``P(D ≤ θ) ≥ p``: a multiple of ``r`` when ``p`` falls in an atom."""
    k = 0
    while True:
        if _fixed_repair_cdf(k * r, mttf, r, horizon) >= p:
            return k * r
        if _fixed_repair_cdf((k + 1) * r - 1e-9, mttf, r, horizon) >= p:
            return optimize.brentq(lambda x: _fixed_repair_cdf(x, mttf, r, horizon) - p, k * r, (k + 1) * r)
        k += 1


def test_fixed_repair_downtime_distribution_matches_the_renewal_count():
    """Exponential failures (MTTF 500 h), fixed 2 h repairs, one-year runs.

    Yearly downtime is ``r`` times a renewal count, up to the repairs cut by the ends of the
    year: the exact law above. Checked: P(meeting the objective), the percentiles and the
    standard deviation of the yearly downtime, and outage durations (all exactly ``r``).
    """
    mttf, r, runs = 500.0, 2.0, 4000
    theta = 35.0                                   # 17.5 repairs: between two atoms
    model = hm.load_spec({"blocks": {"series": [{"component": {
        "name": "a", "mttf": f"{mttf:g}h", "repair": {"dist": "deterministic", "value": f"{r:g}h"}}}]}})
    horizon = model.year_hours
    objective = 1.0 - theta / horizon
    result = simulate(model, years=1, runs=runs, seed=31, objective=objective, control_variate=False)

    def tolerance(p: float) -> float:
        return 4 * math.sqrt(p * (1 - p) / runs)

    expected = _fixed_repair_cdf(theta, mttf, r, horizon)
    assert 0.3 < expected < 0.7
    assert abs(result.probability_meeting_objective - expected) <= tolerance(expected), (
        result.probability_meeting_objective, expected)

    for p, estimate in ((0.5, result.downtime_min_per_year_p50), (0.9, result.downtime_min_per_year_p90),
                        (0.99, result.downtime_min_per_year_p99)):
        hours = estimate / 60.0
        low = _fixed_repair_quantile(p - tolerance(p), mttf, r, horizon)
        high = _fixed_repair_quantile(p + tolerance(p), mttf, r, horizon)
        assert low - 1e-9 <= hours <= high + 1e-9, (p, hours, low, high)
        # Only ~0.8 % of years have a cut repair: the percentiles sit on the atoms k·r.
        assert hours / r == pytest.approx(round(hours / r), abs=1e-9), (p, hours)

    # Standard deviation of the same population (tenant-years): E[D²] = ∫ 2θ P(D > θ) dθ.
    top = _fixed_repair_quantile(1 - 1e-12, mttf, r, horizon)
    pieces = np.arange(0.0, top + r, r)
    mean = sum(integrate.quad(lambda x: 1 - _fixed_repair_cdf(x, mttf, r, horizon), a, a + r)[0] for a in pieces)
    square = sum(integrate.quad(lambda x: 2 * x * (1 - _fixed_repair_cdf(x, mttf, r, horizon)), a, a + r)[0]
                 for a in pieces)
    assert mean == pytest.approx(horizon * r / (mttf + r), rel=1e-6)     # the law is the right one
    sd_min = math.sqrt(square - mean ** 2) * 60.0
    assert abs(result.downtime_min_per_year_std - sd_min) <= 4 * sd_min / math.sqrt(2 * runs), (
        result.downtime_min_per_year_std, sd_min)

    # Outages that start and end inside the year last exactly r.
    np.testing.assert_allclose(result.durations_h, r, rtol=1e-9)
    for value in (result.outage_duration_h_p50, result.outage_duration_h_p90, result.outage_duration_h_p99):
        assert value == pytest.approx(r, rel=1e-9)
    assert result.outages_observed == result.durations_h.size > 0.9 * runs * horizon / (mttf + r)


def test_downtime_spread_figures_describe_tenant_years():
    """Two independent identical home regions: the spread of a tenant's yearly downtime is that
    of one region, twice the variance of the two regions' average (what the runs table holds)."""
    spec = {"name": "twins", "zone": {"mttf": "400h", "mttr": "8h"}, "region": {"mttf": "3000h", "mttr": "20h"},
            "regions": {"east": {"zones": 2}, "west": {"zones": 2}},
            "roles": {"app": {"per_zone": 1, "needs": 2, "mttf": "300h", "mttr": "4h"}}}
    runs = 3000
    result = simulate(hm.load_spec(spec), years=1, runs=runs, seed=8)
    averaged = result.runs_frame()["downtime_min_per_year"].std(ddof=1)
    ratio = (result.downtime_min_per_year_std / averaged) ** 2
    # Var(pooled) = Var(average) + E[within-run variance] = 2 Var(average), up to sampling error.
    assert 2 * stats.f.ppf(1e-4, runs - 1, runs - 1) < ratio < 2 * stats.f.ppf(1 - 1e-4, runs - 1, runs - 1), ratio
    assert result.downtime_min_per_year_p50 <= result.downtime_min_per_year_p90 <= result.downtime_min_per_year_p99


# --- the control variate is reported as used only when it is ------------------------------

def test_control_variate_failure_is_reported_not_hidden(monkeypatch):
    def refuse(*args, **kwargs):
        raise HadrError("model too large for the exact engine")

    plain = simulate(_two_of_three(), years=1, runs=500, seed=4, control_variate=False)
    monkeypatch.setattr(exact, "element_birnbaum", refuse)
    result = simulate(_two_of_three(), years=1, runs=500, seed=4)
    assert result.control_variate is False
    assert result.variance_reduction_factor == 1.0
    assert any("too large" in note for note in result.notes), result.notes
    assert result.availability == plain.availability
    assert result.as_dict()["notes"] == list(result.notes)


def test_control_variate_without_variation_is_reported():
    # Nothing fails in a 9 h run of a 10⁶ h component: the control variate is constant.
    model = hm.load_spec({"blocks": {"series": [{"component": {"name": "a", "mttf": "1000000h", "mttr": "1h"}}]}})
    result = simulate(model, years=0.001, runs=20, seed=1)
    assert result.control_variate is False
    assert any("did not vary" in note for note in result.notes), result.notes


def test_control_variate_is_reported_when_used():
    result = simulate(_two_of_three(), years=1, runs=500, seed=4)
    assert result.control_variate is True and result.notes == ()


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
            "probability_meeting_objective", "notes"} <= set(figures)
    assert figures["probability_meeting_objective"] == result.probability_meeting_objective
    # One home (block form): the runs table holds the tenant-years themselves.
    block = simulate(_two_of_three(), years=1, runs=2000, seed=6, objective=0.9999)
    runs = block.runs_frame()
    assert block.probability_meeting_objective == np.mean(runs["availability"] >= 0.9999)
    assert 0.0 < block.probability_meeting_objective < 1.0
    assert block.downtime_min_per_year_std == pytest.approx(runs["downtime_min_per_year"].std(ddof=1), rel=1e-12)
    assert block.downtime_min_per_year_p90 == pytest.approx(np.percentile(runs["downtime_min_per_year"], 90),
                                                            rel=1e-12)


# --- blocks, batches and budgets (issue 9) --------------------------------------------------

def _machine_free(figures: dict) -> dict:
    """The figures without what depends on the machine (timing, batch sizes, why it stopped)."""
    return {k: v for k, v in figures.items() if k not in ("seconds", "batches", "stopped_by")}


def test_batch_sizes_do_not_change_the_numbers(monkeypatch):
    monkeypatch.setattr(montecarlo, "BLOCK_RUNS_MAX", 40)
    model = hm.load_spec(SMALL_REGIONS)
    monkeypatch.setattr(montecarlo, "BATCH_SECONDS", 1e-9)      # one block per batch
    small = simulate(model, years=1, runs=400, seed=5)
    monkeypatch.setattr(montecarlo, "BATCH_SECONDS", 1e9)       # the pilot, then every block at once
    large = simulate(model, years=1, runs=400, seed=5)
    assert (small.blocks, small.block_runs, small.batches, large.batches) == (10, 40, 10, 2)
    assert _machine_free(small.as_dict()) == _machine_free(large.as_dict())
    assert np.array_equal(small.durations_h, large.durations_h)
    assert small.attribution.equals(large.attribution)


def test_a_run_stopped_by_time_equals_a_run_of_as_many_runs():
    model = _two_of_three()
    stopped = simulate(model, years=1, runs=MAX_RUNS, seed=8, max_seconds=0.3)
    assert stopped.stopped_by == "max_seconds"
    assert stopped.runs == stopped.blocks * stopped.block_runs
    again = simulate(model, years=1, runs=stopped.runs, seed=8)
    assert again.stopped_by == "runs"
    assert _machine_free(again.as_dict()) == _machine_free(stopped.as_dict())


def _slow_blocks(monkeypatch, seconds_per_block: dict[int, float] | float):
    """Make every block sleep (block index -> seconds, or the same for all) before its work."""
    original = montecarlo._run_batch
    calls = []

    def slow(plan, runs, horizon, seed):
        delay = seconds_per_block if isinstance(seconds_per_block, float) else seconds_per_block.get(len(calls), 0.0)
        calls.append(runs)
        time.sleep(delay)
        return original(plan, runs, horizon, seed)

    monkeypatch.setattr(montecarlo, "_run_batch", slow)
    return calls


def test_batches_are_sized_from_the_measured_block_time(monkeypatch):
    # 0.05 s per block: after the one-block pilot a batch holds up to 0.5 s or a quarter of
    # the time left (about 9 blocks at first, fewer near the deadline); 2 s make ~36 blocks.
    calls = _slow_blocks(monkeypatch, 0.05)
    started = time.monotonic()
    result = simulate(_two_of_three(), years=1, runs=MAX_RUNS, seed=1, max_seconds=2.0)
    elapsed = time.monotonic() - started
    assert result.stopped_by == "max_seconds"
    assert elapsed < 2.0 + 0.5, elapsed
    assert 20 <= result.blocks <= 40 and result.blocks <= len(calls)
    assert result.batches <= result.blocks / 2      # batches of several blocks after the pilot


def test_a_block_running_at_the_deadline_is_abandoned(monkeypatch):
    _slow_blocks(monkeypatch, {2: 30.0})            # the third block would take 30 s
    started = time.monotonic()
    result = simulate(_two_of_three(), years=1, runs=MAX_RUNS, seed=1, max_seconds=1.0)
    assert time.monotonic() - started < 2.0
    assert (result.stopped_by, result.blocks) == ("max_seconds", 2)
    assert result.runs == 2 * result.block_runs


def test_a_budget_that_ends_inside_the_first_block_is_refused(monkeypatch):
    _slow_blocks(monkeypatch, 30.0)
    started = time.monotonic()
    with pytest.raises(hm.SpecError, match="one block of") as error:
        simulate(_two_of_three(), years=1, runs=1000, seed=1, max_seconds=0.5)
    assert error.value.field == "max_seconds" and time.monotonic() - started < 1.5
    # The timer is disarmed and the previous handler back: a later alarm is not ours.
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


def test_heavy_tailed_laws_draw_a_bounded_number_of_phases():
    # lognormal s = 12: variance e^144 means squared; the old count asked for ~1e31 phases.
    model = hm.load_spec({"blocks": {"series": [{"component": {
        "name": "a", "mttf": "100h", "repair": {"dist": "lognorm", "s": 12, "mean": "1h"}}}]}})
    plan = montecarlo._plan(model, None, False)
    element = plan.elements[0]
    cycles = 8760.0 / element.cycle_h
    assert montecarlo._pairs(element, 8760.0, 4.0) <= 5 * cycles + 19
    result = simulate(model, years=1, runs=200, seed=1)
    assert result.runs == 200 and 0.0 < result.availability <= 1.0


def test_workers_whose_blocks_do_not_fit_in_memory_are_refused():
    # 3.5 million transitions per run: one run per block, ~160 MB each; 64 at once is 10 GB.
    with pytest.raises(hm.SpecError, match="worker") as error:
        simulate(_fast_role(400), years=1, runs=2, workers=64)
    assert error.value.field == "workers"
    assert "at most 13 worker(s)" in str(error.value)


def test_shared_resampling_pools_keep_the_equilibrium_law():
    # Three copies of one uniform law share a pool per block: the initial residuals still
    # have the stationary-excess mean E[X²] / 2E[X] (uniform on [0, 20 h]: 20/3 h).
    law = parse_law({"dist": "uniform", "loc": 0, "scale": "20h"}, "law")
    pools = montecarlo._Pools({law: 3 * 50_000})
    rng = np.random.default_rng(3)
    residual = np.concatenate([law.equilibrium(rng, (50_000,), pools) for _ in range(3)])
    assert len(pools.pools) == 1
    assert abs(residual.mean() - 20 / 3) <= 4 * residual.std() / math.sqrt(residual.size)


def test_stationary_start_from_the_laws_equilibrium_holds_over_a_short_horizon():
    # Over 5 h (shorter than one repair), the unavailability is the start state's: P(down at
    # t) = MTTR / (MTTF + MTTR) at every t only if the first failure and the residual repair
    # are drawn from the equilibrium laws (Law.equilibrium; both laws here by pool resampling).
    # Residual repairs drawn from the repair law itself would shift it by ≈ +0.0095.
    spec = {"name": "short", "blocks": {"component": {
        "name": "db", "failure": {"dist": "loguniform", "a": 1, "b": 100, "mean": "100h"},
        "repair": {"dist": "uniform", "loc": 0, "scale": "20h"}}}}
    result = simulate(hm.load_spec(spec), years=5 / 8760, runs=200_000, seed=3, control_variate=False)
    assert abs(result.unavailability - 10 / 110) <= result.unavailability_ci95_halfwidth


def test_a_loose_precision_stops_at_the_first_block_that_meets_it(monkeypatch):
    """The stop rule is tested after every block: a loose target stops well before the 1000 runs
    the first test used to wait for, the rest of the batch is never run, and the result is that
    of an explicit ``runs=`` of as many runs (same blocks, same seeds)."""
    monkeypatch.setattr(montecarlo, "BLOCK_RUNS_MAX", 20)
    monkeypatch.setattr(montecarlo, "BATCH_SECONDS", 1e9)     # the pilot block, then one batch of all the others
    model = hm.load_spec(SMALL_REGIONS)
    calls = _slow_blocks(monkeypatch, 0.0)
    stopped = simulate(model, years=1, runs=100_000, seed=3, precision=0.3, control_variate=False)
    assert stopped.stopped_by == "precision" and stopped.precision_reached is True
    assert montecarlo.PRECISION_MIN_RUNS <= stopped.runs < 1000
    assert stopped.runs == stopped.blocks * 20 and len(calls) == stopped.blocks
    assert stopped.relative_precision <= 0.3
    # One block fewer had not met it (so the rule did not wait past the first block that did).
    before = simulate(model, years=1, runs=stopped.runs - 20, seed=3, control_variate=False)
    assert before.runs < montecarlo.PRECISION_MIN_RUNS or before.relative_precision > 0.3
    again = simulate(model, years=1, runs=stopped.runs, seed=3, control_variate=False)
    added = ("precision_target", "precision_reached")
    assert {k: v for k, v in _machine_free(stopped.as_dict()).items() if k not in added} == \
        {k: v for k, v in _machine_free(again.as_dict()).items() if k not in added}
    assert np.array_equal(stopped.durations_h, again.durations_h)
    two = simulate(model, years=1, runs=100_000, seed=3, precision=0.3, control_variate=False, workers=2)
    assert _machine_free(two.as_dict()) == _machine_free(stopped.as_dict())
