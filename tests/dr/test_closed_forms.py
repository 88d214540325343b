"""Realised RPO / RTO against closed forms (deterministic durations, known means).

Tolerances come from the sample size: a mean is checked to ±4 standard errors, a whole
distribution with a Kolmogorov–Smirnov test at level 1e-4 (so a correct model fails about
once in ten thousand runs — never with the fixed seeds used here).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hadr_model.dr import restore_schedule, run_scenario
from hadr_model.topology.dataprotection import parse_data, parse_objectives, parse_recovery

RECOVERY = parse_recovery({"region_loss": {"detect": "15m", "decide": "30m", "provision": "1h",
                                           "promote": "10m", "traffic_shift": "5m"}})
OBJECTIVES = parse_objectives(None)
KS_LEVEL = 1e-4


def _db(**overrides):
    body = {"size": "720GB", "restore": {"throughput": "200MB/s", "index_rebuild": "30m", "verify": "6m"},
            "snapshots": {"every": "24h", "takes": "30m", "copy_takes": "1h", "keep": "30d"}}
    body.update(overrides)
    return parse_data({"db": body})["db"]


def _within_4_se(samples: np.ndarray, expected: float) -> None:
    standard_error = samples.std(ddof=1) / np.sqrt(samples.size)
    assert abs(samples.mean() - expected) <= 4 * standard_error + 1e-12, (samples.mean(), expected)


@pytest.mark.parametrize(("engine", "n"), [("fast", 40_000), ("simpy", 3_000)])
def test_region_loss_rpo_is_uniform_between_durable_delay_and_interval_plus_delay(engine, n):
    result = run_scenario(_db(), RECOVERY, OBJECTIVES, "region-loss", n_disasters=n, seed=11, engine=engine)
    rpo = result.outcomes.rpo_h
    interval, durable_after = 24.0, 0.5 + 1.0
    # RPO ~ Uniform[C, T + C]: mean T/2 + C, standard deviation T / sqrt(12).
    assert abs(rpo.mean() - (interval / 2 + durable_after)) <= 4 * interval / np.sqrt(12 * n)
    assert stats.kstest(rpo, "uniform", args=(durable_after, interval)).pvalue > KS_LEVEL
    for q in (0.05, 0.5, 0.95, 0.99):
        # Quantile of n uniforms: standard error sqrt(q(1-q)/n) · T.
        assert abs(np.quantile(rpo, q) - (durable_after + q * interval)) <= 4 * interval * np.sqrt(q * (1 - q) / n)
    assert rpo.max() <= interval + durable_after
    # P(max < T + C - eps) = (1 - eps/T)^n ≈ e^-16 for eps = 16 T / n.
    assert rpo.max() >= interval + durable_after - 16 * interval / n


@pytest.mark.parametrize("engine", ["fast", "simpy"])
def test_region_loss_rto_is_the_sum_of_the_steps(engine):
    result = run_scenario(_db(), RECOVERY, OBJECTIVES, "region-loss", n_disasters=500, seed=2, engine=engine)
    restore_h = 720e9 / (200e6 * 3600) + 0.5 + 0.1
    expected = 0.25 + 0.5 + 1.0 + restore_h + 5 / 60
    np.testing.assert_allclose(result.outcomes.rto_h, expected, rtol=1e-12)
    assert result.summary()["rto_max_h"] == pytest.approx(expected)


@pytest.mark.parametrize("engine", ["fast", "simpy"])
def test_async_replication_with_fixed_lag_gives_rpo_equal_to_the_lag(engine):
    data = _db(replication={"across_regions": {"mode": "async", "lag": "7m"}})
    result = run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=300, seed=4, engine=engine)
    np.testing.assert_allclose(result.outcomes.rpo_h, 7 / 60)
    np.testing.assert_allclose(result.outcomes.rto_h, 0.25 + 0.5 + 10 / 60 + 5 / 60)


def test_zone_loss_with_synchronous_replication_loses_nothing():
    result = run_scenario(_db(), parse_recovery({"zone_loss": {"detect": "10s", "failover": "1m"}}), OBJECTIVES,
                          "zone-loss", n_disasters=1000, seed=1)
    assert result.summary()["rpo_max_h"] == 0.0
    np.testing.assert_allclose(result.outcomes.rto_h, 10 / 3600 + 1 / 60)


@pytest.mark.parametrize("engine", ["fast", "simpy"])
def test_zone_loss_without_replication_restores_from_local_snapshots(engine):
    data = _db(replication={"within_region": "none"})
    result = run_scenario(data, RECOVERY, OBJECTIVES, "zone-loss", n_disasters=3000, seed=8, engine=engine)
    # Local snapshots are usable once taken: RPO ~ Uniform[takes, T + takes].
    assert stats.kstest(result.outcomes.rpo_h, "uniform", args=(0.5, 24.0)).pvalue > KS_LEVEL


def test_one_slot_equal_databases_finish_at_multiples_of_the_restore_time():
    durations = np.full((3, 6), 2.5)
    finish = restore_schedule(durations, slots=1)
    np.testing.assert_allclose(finish, np.tile(2.5 * np.arange(1, 7), (3, 1)))


@pytest.mark.parametrize("engine", ["fast", "simpy"])
def test_database_rto_of_first_median_last_with_one_slot(engine):
    databases = 9
    data = _db(restore={"throughput": "100MB/s", "index_rebuild": 0},
               databases={"count": databases, "size": "36GB", "slots": 1})
    result = run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=50, seed=5, engine=engine)
    per_database = 36e9 / (100e6 * 3600)  # 0.1 h each
    start, shift = 0.25 + 0.5 + 1.0, 5 / 60
    out = result.outcomes
    np.testing.assert_allclose(out.first_h, start + 1 * per_database + shift)
    np.testing.assert_allclose(out.median_h, start + 5 * per_database + shift)
    np.testing.assert_allclose(out.last_h, start + databases * per_database + shift)


def test_shared_bandwidth_caps_each_slot_at_its_share():
    # 4 slots share 400 MB/s: each job runs at 100 MB/s even though one job alone could do 1 GB/s.
    data = _db(restore={"throughput": "1GB/s", "index_rebuild": 0},
               databases={"count": 8, "size": "36GB", "slots": 4, "shared_throughput": "400MB/s"})
    result = run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=10, seed=5)
    np.testing.assert_allclose(result.outcomes.last_h, 1.75 + 2 * 0.1 + 5 / 60)


def test_random_steps_give_the_analytic_mean_rto():
    recovery = parse_recovery({"region_loss": {
        "detect": {"dist": "lognorm", "s": 0.8, "mean": "20m"}, "decide": {"dist": "expon", "mean": "30m"},
        "provision": {"dist": "gamma", "a": 3, "mean": "1h"}, "traffic_shift": {"dist": "weibull_min", "c": 2,
                                                                                  "mean": "5m"}}})
    # Gamma throughput: E[size / X] = size / (scale (a - 1)) with scale = mean / a.
    data = _db(restore={"throughput": {"dist": "gamma", "a": 5, "mean": "200MB/s"}, "index_rebuild": 0})
    result = run_scenario(data, recovery, OBJECTIVES, "region-loss", n_disasters=40_000, seed=9)
    scale = 200e6 * 3600 / 5
    expected = 20 / 60 + 0.5 + 1.0 + 720e9 / (scale * 4) + 5 / 60
    _within_4_se(result.outcomes.rto_h, expected)


def test_random_lag_gives_the_analytic_mean_rpo():
    data = _db(replication={"across_regions": {"mode": "async", "lag": {"dist": "lognorm", "s": 1.0,
                                                                        "mean": "10m"}}})
    result = run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=40_000, seed=10)
    _within_4_se(result.outcomes.rpo_h, 10 / 60)


def test_random_snapshot_and_copy_times_agree_between_engines():
    data = _db(snapshots={"every": "6h", "takes": {"dist": "expon", "mean": "1h"},
                          "copy_takes": {"dist": "lognorm", "s": 1, "mean": "2h"}, "keep": "2d"},
               restore={"throughput": {"dist": "gamma", "a": 3, "mean": "100MB/s"}, "index_rebuild": "10m"},
               databases={"count": 12, "size": {"dist": "lognorm", "s": 1, "mean": "20GB"}, "slots": 3})
    fast = run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=20_000, seed=1)
    simpy = run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=1_500, seed=2, engine="simpy")
    for name in ("rpo_h", "rto_h", "first_h", "median_h", "last_h"):
        a, b = getattr(fast.outcomes, name), getattr(simpy.outcomes, name)
        assert stats.ks_2samp(a, b).pvalue > KS_LEVEL, name
        standard_error = np.hypot(a.std() / np.sqrt(a.size), b.std() / np.sqrt(b.size))
        assert abs(a.mean() - b.mean()) <= 4 * standard_error, name


def _unrecoverable_closed_form(keep: float, interval: float, takes: float, mean_detect: float) -> float:
    """P(A + D > keep) with A ~ Uniform[takes, T + takes] the age of the newest clean snapshot
    and D ~ Exp(mean m) the detection delay (valid for keep ≥ T + takes):
    (1/T) ∫ e^{-(keep - a)/m} da = e^{-(keep - takes)/m} · (m/T) · (e^{T/m} - 1)."""
    m = mean_detect
    return float(np.exp(-(keep - takes) / m) * (m / interval) * np.expm1(interval / m))


@pytest.mark.parametrize(("engine", "n"), [("fast", 60_000), ("simpy", 4_000)])
def test_corruption_found_after_retention_is_unrecoverable_with_closed_form_probability(engine, n):
    data = _db(snapshots={"every": "24h", "takes": "30m", "copy_takes": "1h", "keep": "3d"})
    recovery = parse_recovery({"corruption": {"detect": {"dist": "expon", "mean": "1d"}}})
    result = run_scenario(data, recovery, OBJECTIVES, "corruption", n_disasters=n, seed=3, engine=engine)
    expected = _unrecoverable_closed_form(72.0, 24.0, 0.5, 24.0)
    assert expected == pytest.approx(0.0873, abs=1e-4)  # vs e^{-keep/m} = 0.0498 without the phase
    observed = result.summary()["p_unrecoverable"]
    assert abs(observed - expected) <= 4 * np.sqrt(expected * (1 - expected) / n)
    assert result.summary()["p_rpo_met"] <= 1 - observed


def test_corruption_rto_runs_from_detection():
    recovery = parse_recovery({"corruption": {"detect": "2d", "decide": "30m", "provision": 0,
                                              "traffic_shift": "5m"}})
    result = run_scenario(_db(), recovery, OBJECTIVES, "corruption", n_disasters=200, seed=3)
    np.testing.assert_allclose(result.outcomes.rto_h, 0.5 + 1.0 + 0.5 + 0.1 + 5 / 60)
    np.testing.assert_allclose(result.outcomes.detection_h, 48.0)


def test_snapshots_kept_only_in_the_lost_region_are_unrecoverable():
    data = _db(snapshots={"copy_to": "none"})
    result = run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=100, seed=1)
    summary = result.summary()
    assert summary["p_unrecoverable"] == 1.0
    assert summary["p_rpo_met"] == 0.0
    assert not result.compliance()["passed"].any()
