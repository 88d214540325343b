"""Process-based discrete-event simulation (SimPy) of data protection and failover.

This is the reference model; :mod:`hadr_model.dr.fastpath` draws the same outcomes with
numpy and is tested against it. One SimPy environment runs one long timeline:

* a *snapshot schedule* process starts a snapshot every ``snapshots.every`` hours; each
  snapshot is a process: it is taken (``takes``), becomes durable in the region, is copied to
  the failover region (``copy_takes``) and is deleted ``keep`` after its start by a
  retention process;
* a *disaster* process strikes ``n_disasters`` times — the first at a uniformly random phase
  of the snapshot cycle after a warm-up (``keep + every``), then at exponential gaps of mean
  ``every`` (so every disaster sees a uniformly random phase) — and starts the failover
  workflow of the scenario as its own process:

  - zone loss: ``detect → failover`` (plus restoring the zone's databases from local
    snapshots when there is no synchronous replication within the region);
  - region loss: ``detect → decide → promote → traffic_shift`` with a cross-region replica,
    else ``detect → decide → provision → restore → traffic_shift``, where every (tenant)
    database is a process that queues for one of ``databases.slots`` restore slots
    (a ``simpy.Resource``), holds it for ``size / rate + index_rebuild + verify`` and then
    shifts its traffic;
  - corruption: wait ``detect``; if the newest snapshot completed before the corruption is
    still retained, ``decide → provision → restore → traffic_shift`` (RTO counted from
    detection), else the data is unrecoverable.

Disasters are "what if" events on a shared timeline: a workflow does not stop the snapshot
schedule, so disasters are independent samples of the same steady state. The schedule stops
once the last disaster has struck (a later snapshot changes no outcome), so the timeline after
it holds only the workflows still running.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from ..topology.dataprotection import DataProtection, RecoveryPlan, Snapshots
from ..topology.laws import Law
from .contention import job_rate_bytes_per_h
from .results import Outcomes

__all__ = ["simulate_outcomes"]

_BATCH = 1024


class _Draws:
    """Draws of one law, taken in batches because one scipy draw costs tens of µs."""

    def __init__(self, law: Law, rng: np.random.Generator) -> None:
        self._law, self._rng = law, rng
        self._values: np.ndarray = np.empty(0)
        self._next = 0

    def __call__(self) -> float:
        if self._next >= self._values.size:
            self._values, self._next = self._law.sample(self._rng, _BATCH), 0
        value = float(self._values[self._next])
        self._next += 1
        return value


class _Platform:
    """The timeline of one simulation: snapshots alive now and the recorded outcomes."""

    def __init__(self, env: simpy.Environment, data: DataProtection, recovery: RecoveryPlan,
                 scenario: str, rng: np.random.Generator) -> None:
        self.env, self.data, self.recovery, self.scenario, self.rng = env, data, recovery, scenario, rng
        self._draws: dict[tuple[str, str], _Draws] = {}
        self.durable_local: set[float] = set()
        self.durable_remote: set[float] = set()
        self.records: list[tuple[float, float, float, float, float, float]] = []
        self.all_struck = False

    def draw(self, group: str, name: str, law: Law) -> float:
        key = (group, name)
        if key not in self._draws:
            self._draws[key] = _Draws(law, self.rng)
        return self._draws[key]()

    def step(self, name: str) -> simpy.Timeout:
        return self.env.timeout(self.draw(self.scenario, name, self.recovery.step(self.scenario, name)))

    # ------------------------------------------------------------------ snapshots
    def snapshot_schedule(self) -> Generator[Any, Any, None]:
        # A snapshot started after the last disaster struck can change no outcome: stop, or a
        # restore lasting years would step through every snapshot of those years.
        snapshots = self._snapshots()
        while not self.all_struck:
            self.env.process(self._snapshot(self.env.now))
            yield self.env.timeout(snapshots.every_h)

    def _lag(self) -> Law:
        # The spec reader requires a lag law for async replication.
        assert self.data.replication.lag is not None
        return self.data.replication.lag

    def _snapshots(self) -> Snapshots:
        # The schedule is started only for data with snapshots (see the scenario entry points).
        assert self.data.snapshots is not None
        return self.data.snapshots

    def _snapshot(self, start: float) -> Generator[Any, Any, None]:
        snapshots = self._snapshots()
        self.env.process(self._expire(start))
        yield self.env.timeout(self.draw("snapshots", "takes", snapshots.takes))
        if self.env.now - start <= snapshots.keep_h:
            self.durable_local.add(start)
        if snapshots.copy_to == "none":
            return
        yield self.env.timeout(self.draw("snapshots", "copy_takes", snapshots.copy_takes))
        if self.env.now - start <= snapshots.keep_h:
            self.durable_remote.add(start)

    def _expire(self, start: float) -> Generator[Any, Any, None]:
        yield self.env.timeout(self._snapshots().keep_h)
        self.durable_local.discard(start)
        self.durable_remote.discard(start)

    # ------------------------------------------------------------------ restore
    def restore_all(self, databases: int, shift: bool) -> Generator[Any, Any, list[float]]:
        slots = simpy.Resource(self.env, capacity=self.data.databases.slots)
        finished: list[float] = []
        jobs = [self.env.process(self._restore_database(slots, shift, finished)) for _ in range(databases)]
        yield self.env.all_of(jobs)
        return finished

    def _restore_database(self, slots: simpy.Resource, shift: bool, finished: list[float]
                        ) -> Generator[Any, Any, None]:
        restore = self.data.restore
        with slots.request() as slot:
            yield slot
            size = self.draw("restore", "size", self.data.database_size_bytes)
            rate = float(job_rate_bytes_per_h(self.data, self.draw("restore", "throughput",
                                                                    restore.throughput_bytes_per_h)))
            yield self.env.timeout(size / rate)
            yield self.env.timeout(self.draw("restore", "index_rebuild", restore.index_rebuild))
            yield self.env.timeout(self.draw("restore", "verify", restore.verify))
        if shift:
            yield self.step("traffic_shift")
        finished.append(self.env.now)

    # ------------------------------------------------------------------ workflows
    def record(self, struck: float, rpo_h: float, finished: list[float], detection_h: float = 0.0) -> None:
        if not np.isfinite(rpo_h):
            self.records.append((np.inf, np.inf, np.inf, np.inf, np.inf, detection_h))
            return
        times = sorted(t - struck - detection_h for t in finished)
        chosen = times[int(self.rng.integers(0, len(times)))]
        median = times[(len(times) + 1) // 2 - 1]
        self.records.append((rpo_h, chosen, times[0], median, times[-1], detection_h))

    def newest_age(self, durable: set[float]) -> float:
        return self.env.now - max(durable) if durable else np.inf

    def zone_loss(self, databases: int) -> Generator[Any, Any, None]:
        struck = self.env.now
        synchronous = self.data.replication.within_region == "synchronous"
        rpo = 0.0 if synchronous else self._local_age()
        yield self.step("detect")
        yield self.step("failover")
        finished = [self.env.now]
        if not synchronous and np.isfinite(rpo):
            finished = yield from self.restore_all(databases, shift=False)
        self.record(struck, rpo, finished)

    def _local_age(self) -> float:
        return np.inf if self.data.snapshots is None else self.newest_age(self.durable_local)

    def region_loss(self, databases: int) -> Generator[Any, Any, None]:
        struck = self.env.now
        across = self.data.replication.across_regions
        if across in ("async", "synchronous"):
            rpo = self.draw("replication", "lag", self._lag()) if across == "async" else 0.0
            for name in ("detect", "decide", "promote", "traffic_shift"):
                yield self.step(name)
            self.record(struck, rpo, [self.env.now])
            return
        copied = self.data.snapshots is not None and self.data.snapshots.copy_to != "none"
        rpo = self.newest_age(self.durable_remote) if copied else np.inf
        for name in ("detect", "decide", "provision"):
            yield self.step(name)
        finished = yield from self.restore_all(databases, shift=True)
        self.record(struck, rpo, finished)

    def corruption(self) -> Generator[Any, Any, None]:
        struck = self.env.now
        clean = max(self.durable_local) if self.data.snapshots is not None and self.durable_local else None
        yield self.step("detect")
        detection = self.env.now - struck
        if clean is None or clean not in self.durable_local:
            self.record(struck, np.inf, [], detection)
            return
        for name in ("decide", "provision"):
            yield self.step(name)
        finished = yield from self.restore_all(1, shift=True)
        self.record(struck, struck - clean, finished, detection)

    def disasters(self, n_disasters: int, databases: int) -> Generator[Any, Any, None]:
        cycle_h = self.data.snapshots.every_h if self.data.snapshots is not None else 1.0
        warm_up = (self.data.snapshots.keep_h + cycle_h) if self.data.snapshots is not None else 0.0
        yield self.env.timeout(warm_up + self.rng.uniform(0.0, cycle_h))
        workflows = []
        for index in range(n_disasters):
            if index:
                yield self.env.timeout(self.rng.exponential(cycle_h))
            workflows.append(self.env.process(self._workflow(databases)))
        self.all_struck = True
        yield self.env.all_of(workflows)

    def _workflow(self, databases: int) -> Generator[Any, Any, None]:
        if self.scenario == "zone_loss":
            return self.zone_loss(databases)
        if self.scenario == "region_loss":
            return self.region_loss(databases)
        return self.corruption()


def simulate_outcomes(data: DataProtection, recovery: RecoveryPlan, scenario: str, n_disasters: int,
                      rng: np.random.Generator, *, contention: bool = True) -> Outcomes:
    """Simulate ``n_disasters`` disasters of ``scenario`` with SimPy processes.

    Outcomes are in the order the workflows finish (not the order disasters strike).

    Examples
    --------
    >>> from hadr_model.topology.dataprotection import parse_data, parse_recovery
    >>> data = parse_data({"db": {"size": "1TB"}})["db"]
    >>> out = simulate_outcomes(data, parse_recovery(None), "region_loss", 20, np.random.default_rng(0))
    >>> bool((out.rpo_h >= 1.5).all() and (out.rpo_h <= 25.5).all())
    True
    """
    if scenario not in ("zone_loss", "region_loss", "corruption"):
        raise ValueError(f"unknown scenario {scenario!r}")
    env = simpy.Environment()
    platform = _Platform(env, data, recovery, scenario, rng)
    if data.snapshots is not None:
        env.process(platform.snapshot_schedule())
    databases = data.databases.count if contention else 1
    env.run(until=env.process(platform.disasters(n_disasters, databases)))
    columns = np.array(platform.records, dtype=float).reshape(-1, 6).T
    return Outcomes(rpo_h=columns[0], rto_h=columns[1], first_h=columns[2], median_h=columns[3],
                    last_h=columns[4], detection_h=columns[5])
