"""The fast DR path's shortcuts give the numbers of the plain computation, bit for bit.

* list scheduling with sorted free times equals the reference queue
  (:func:`hadr_model.dr.contention.restore_schedule`, an ``argmin`` per job);
* the restore queue shared between plans (:func:`hadr_model.dr.fastpath._queue_order`) equals
  the per-plan computation written out here as the fast path did it before the cache;
* the RPO drawn alone (:func:`sample_rpo`) equals the RPO of the full outcomes.
"""

from __future__ import annotations

import numpy as np
import pytest

from hadr_model.dr import fastpath
from hadr_model.dr.contention import restore_durations_h, restore_schedule
from hadr_model.dr.fastpath import list_schedule, sample_outcomes, sample_rpo
from hadr_model.topology.dataprotection import parse_data, parse_recovery


@pytest.mark.parametrize("slots", [1, 2, 3, 4, 7, 40])
def test_list_schedule_equals_the_reference_queue(slots):
    rng = np.random.default_rng(slots)
    durations = rng.lognormal(0.0, 1.0, (300, 25))
    durations[::7] = np.round(durations[::7])          # ties between slots
    durations[::11, 3] = 0.0
    np.testing.assert_array_equal(list_schedule(durations, slots), restore_schedule(durations, slots))


def _data(**extra):
    body = {"size": "2TB", "replication": {"within_region": "none"},
            "databases": {"count": 30, "size": {"dist": "lognorm", "s": 1.0, "mean": "20GB"}, "slots": 3,
                          "shared_throughput": "300MB/s"}}
    body.update(extra)
    return parse_data({"db": body})["db"]


def _plain_restore(data, rng, start_h, shift, databases):
    """The restore of every disaster as the fast path computed it without the shared queue."""
    parts = []
    rows = max(1, min(fastpath._CHUNK, fastpath.CHUNK_CELLS // databases))
    for begin in range(0, start_h.size, rows):
        start = start_h[begin:begin + rows]
        shape = (start.size, databases)
        finish = restore_schedule(restore_durations_h(data, rng, shape), data.databases.slots) + start[:, None]
        if shift is not None:
            finish = finish + shift[0].step(shift[1], "traffic_shift").sample(rng, shape)
        chosen = finish[np.arange(start.size), rng.integers(0, databases, start.size)]
        ordered = np.sort(finish, axis=1)
        parts.append((chosen, *(ordered[:, k].copy() for k in (0, (databases + 1) // 2 - 1, -1))))
    return tuple(np.concatenate(column) for column in zip(*parts))


PLANS = [
    {"region_loss": {"detect": "15m", "decide": "30m", "provision": "1h", "traffic_shift": "5m"}},
    {"region_loss": {"detect": "10m", "decide": "1h", "provision": "3h", "traffic_shift": "20m"}},
    {"region_loss": {"detect": {"dist": "expon", "mean": "20m"}, "provision": "2h",
                     "traffic_shift": {"dist": "gamma", "a": 2.0, "mean": "10m"}}},    # drawn steps
    {"zone_loss": {"detect": "1m", "failover": "2m"}},
]


@pytest.mark.parametrize("scenario", ["region_loss", "zone_loss", "corruption"])
def test_a_shared_restore_queue_gives_each_plan_its_own_numbers(scenario, monkeypatch):
    data, n = _data(), 9000      # two chunks of the restore queue
    plans = [parse_recovery(plan) for plan in PLANS]
    fastpath._QUEUE_CACHE.clear()
    shared = [sample_outcomes(data, plan, scenario, n, np.random.default_rng(5)) for plan in plans]
    assert fastpath._QUEUE_CACHE        # the plans with fixed steps met the same queue
    monkeypatch.setattr(fastpath, "_restore_all", _plain_restore)
    for plan, outcomes in zip(plans, shared):
        plain = sample_outcomes(data, plan, scenario, n, np.random.default_rng(5))
        for name in ("rpo_h", "rto_h", "first_h", "median_h", "last_h", "detection_h"):
            np.testing.assert_array_equal(getattr(outcomes, name), getattr(plain, name), err_msg=name)


def test_the_queue_cache_is_bounded_whatever_the_disasters():
    data = _data(databases={"count": 1})
    fastpath._QUEUE_CACHE.clear()
    # 70,000 disasters: a quarter of the cache's bytes or more, so not kept.
    sample_outcomes(data, parse_recovery(None), "region_loss", 70_000, np.random.default_rng(1))
    assert not fastpath._QUEUE_CACHE
    sample_outcomes(data, parse_recovery(None), "region_loss", 1_000, np.random.default_rng(1))
    assert len(fastpath._QUEUE_CACHE) == 1


@pytest.mark.parametrize("replication", [
    {"within_region": "none"},
    {"within_region": "synchronous", "across_regions": {"mode": "async", "lag": {"dist": "expon", "mean": "30s"}}},
    {"within_region": "synchronous", "across_regions": "synchronous"},
])
@pytest.mark.parametrize("scenario", ["region_loss", "zone_loss", "corruption"])
def test_the_rpo_alone_is_the_rpo_of_the_outcomes(replication, scenario):
    data, plan = _data(replication=replication), parse_recovery(PLANS[2])
    alone = sample_rpo(data, plan, scenario, 5000, np.random.default_rng(8))
    full = sample_outcomes(data, plan, scenario, 5000, np.random.default_rng(8))
    np.testing.assert_array_equal(alone, full.rpo_h)
