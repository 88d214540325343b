"""DR budgets (issue 9): sizes checked before anything is drawn, memory per disaster bounded."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

import hadr_model as hm
from hadr_model.dr import availability, budget, failover_costs, run_scenario, topology_scenarios
from hadr_model.dr.contention import restore_schedule
from hadr_model.engines import outage
from hadr_model.topology.dataprotection import parse_data, parse_objectives, parse_recovery
from hadr_model.topology.laws import parse_law

RECOVERY, OBJECTIVES = parse_recovery(None), parse_objectives(None)

TWO_STORES = {
    "name": "two-stores",
    "zone": {"mttf": "1y", "mttr": "8h"},
    "region": {"mttf": "5y", "mttr": "10h"},
    "regions": {"a": {"zones": 3, "fails_over_to": "b"},
                "b": {"zones": 3, "fails_over_to": "a", "recovery": {"region_loss": {"provision": "4h"}}}},
    "roles": {"db": {"per_zone": 1, "needs": "quorum", "mttf": "8000h", "mttr": "2h"},
              "kv": {"per_zone": 1, "needs": 1, "mttf": "8000h", "mttr": "2h"}},
    "data": {"db": {"size": "1TB", "replication": {"within_region": "none"}, "databases": {"count": 40}},
             "kv": {"size": "100GB", "databases": {"count": 8, "slots": 2}}},
}
SCENARIOS = ("zone_loss", "region_loss", "corruption")


def _db(**databases):
    return parse_data({"db": {"size": "1TB", "replication": {"within_region": "none"},
                              "databases": {"count": 4, **databases}}})["db"]


def _peak_bytes(model, n: int) -> int:
    availability._RTO_CACHE.clear()
    tracemalloc.start()
    try:
        # As `hadr dr` does: the scenario results are kept while the failover costs are computed.
        results = topology_scenarios(model, n_disasters=n, seed=0)
        failover_costs(model, n_disasters=n, seed=0)
        assert len(results) == len(SCENARIOS)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_per_disaster_stays_within_the_estimate():
    """The slope of the peak over the disaster count is the per-disaster cost the checks use.

    With 40 databases a result that kept the (disasters × databases) restore queue alive
    (a column view of it) would cost 320 bytes more per disaster per restoring scenario.
    """
    model = hm.load_spec(TWO_STORES)
    slope = (_peak_bytes(model, 220_000) - _peak_bytes(model, 20_000)) / 200_000
    estimate = budget.bytes_per_disaster(model, SCENARIOS, failover=True)
    assert 0.5 * estimate <= slope <= estimate, (slope, estimate)


@pytest.mark.parametrize("n", [0, -3, True, 2.5, budget.MAX_DISASTERS + 1, 10**15])
def test_bad_disaster_counts_are_refused(n):
    with pytest.raises(hm.SpecError) as error:
        run_scenario(_db(), RECOVERY, OBJECTIVES, "region-loss", n_disasters=n, seed=1)
    assert error.value.field == "n_disasters"


def test_database_count_is_bounded_before_any_allocation():
    data = _db(count=10**9)
    started = time.monotonic()
    with pytest.raises(hm.SpecError, match="at most 10,000 databases") as error:
        run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=100, seed=1)
    assert error.value.field == "data.db.databases.count" and error.value.value == 10**9
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("engine, most", [("fast", 100_000), ("simpy", 1_000)])
def test_restore_jobs_are_bounded_per_engine(engine, most):
    data = _db(count=10_000)             # 10 000 databases per disaster
    assert budget.check_scenario(data, "region_loss", most, engine) == most
    with pytest.raises(hm.SpecError, match=f"at most {most:,} disasters") as error:
        budget.check_scenario(data, "region_loss", most + 1, engine)
    assert "restore jobs" in str(error.value)
    # Synchronous replication restores nothing: no such bound.
    synchronous = parse_data({"db": {"size": "1TB", "replication": {"across_regions": "synchronous"},
                                     "databases": {"count": 10_000}}})["db"]
    assert budget.check_scenario(synchronous, "region_loss", 1_000_000, engine) == 1_000_000


def test_snapshots_kept_at_once_are_bounded():
    data = parse_data({"db": {"size": "1TB", "snapshots": {"every": "1s", "keep": "10y"}}})["db"]
    with pytest.raises(hm.SpecError, match="snapshots retained at once") as error:
        run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=10, seed=1)
    assert error.value.field == "data.db.snapshots.keep"
    # A slow snapshot walks back over many younger ones: disasters × walk is bounded too.
    walking = parse_data({"db": {"size": "1TB", "snapshots": {"every": "1m", "takes": "300d", "keep": "1y"}}})["db"]
    with pytest.raises(hm.SpecError, match="snapshot look-ups") as error:
        run_scenario(walking, RECOVERY, OBJECTIVES, "zone-loss", n_disasters=10_000, seed=1)
    assert error.value.field == "n_disasters"


def test_whole_command_memory_is_checked_before_drawing(monkeypatch):
    model = hm.load_spec(TWO_STORES)
    per_disaster = budget.bytes_per_disaster(model, SCENARIOS, failover=True)
    monkeypatch.setattr(budget, "MEMORY_BUDGET", int(per_disaster * 1000))
    assert budget.check_disasters(model, 1000, SCENARIOS, failover=True) == 1000
    with pytest.raises(hm.SpecError, match="memory budget") as error:
        budget.check_disasters(model, 1001, SCENARIOS, failover=True, field="--disasters")
    assert error.value.field == "--disasters" and "at most 1,000 disasters" in str(error.value)
    with pytest.raises(hm.SpecError, match="memory budget"):
        topology_scenarios(model, n_disasters=int(budget.MEMORY_BUDGET // 300) + 1, seed=0)


def test_simpy_timeline_ends_with_the_last_workflow():
    """A restore lasting 10^10 h (1 B/h) no longer steps through every snapshot of those hours."""
    data = parse_data({"db": {"size": "2GB", "replication": {"within_region": "none"},
                              "restore": {"throughput": "1B/h"}, "databases": {"count": 4, "slots": 2}}})["db"]
    started = time.monotonic()
    result = run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=50, seed=2, engine="simpy")
    assert time.monotonic() - started < 5.0
    # Two slots, four 0.5 GB databases at 1 B/h: the last one is back after 2 × 5e8 h.
    assert result.summary()["rto_last_database_mean_h"] == pytest.approx(1e9, rel=1e-6)


def test_restore_queue_is_chunked_by_cells_without_changing_it():
    durations = np.random.default_rng(4).exponential(1.0, (3, 7))
    expected = restore_schedule(durations, 2)
    assert np.allclose(expected[:, :2], durations[:, :2])
    data = _db(count=3000)
    whole = run_scenario(data, RECOVERY, OBJECTIVES, "region-loss", n_disasters=1500, seed=3)
    assert len(whole.outcomes) == 1500 and budget.CHUNK_CELLS // 3000 < 1500   # several chunks
    assert np.all(whole.outcomes.first_h <= whole.outcomes.median_h)
    assert np.all(whole.outcomes.median_h <= whole.outcomes.last_h)
    # 1 TB split into 3000 databases at 100 MiB/s over 4 slots: the last is back after
    # about 3000 / 4 × (333 MB / 100 MiB/s + 30 min rebuild) ≈ 391 h, plus the fixed steps.
    assert np.mean(whole.outcomes.last_h) == pytest.approx(3000 / 4 * (1e12 / 3000 / (100 * 2**20) / 3600 + 0.5)
                                                           + 1.5 + 1 / 12, rel=0.01)


def test_expected_outage_from_many_samples_is_chunked_exactly(monkeypatch):
    law = parse_law({"dist": "lognorm", "s": 1.0, "mean": "10h"}, "region.repair")
    samples = np.random.default_rng(0).exponential(5.0, 50_000)
    chunked = outage.expected_outage_h(law, samples)
    monkeypatch.setattr(outage, "_PANELS_PER_CHUNK", 10**9)
    assert outage.expected_outage_h(law, samples) == chunked


def test_rto_cache_is_bounded_in_bytes(monkeypatch):
    model = hm.load_spec(TWO_STORES)
    monkeypatch.setattr(availability, "_RTO_CACHE", {})
    monkeypatch.setattr(availability, "_RTO_CACHE_BYTES", 3 * 8 * 1000)
    for seed in range(5):
        availability.region_loss_rto_samples(model, n_disasters=1000, seed=seed)
    assert len(availability._RTO_CACHE) == 3
    assert sum(a.nbytes for a in availability._RTO_CACHE.values()) <= 3 * 8 * 1000
    big = availability.region_loss_rto_samples(model, n_disasters=4000, seed=9)    # larger than the cache
    assert big.shape == (4000,) and len(availability._RTO_CACHE) == 3
