"""Benchmark of the DR layer: prints figures (median of 3 runs).

* 1e5 region-loss disasters WITH restore contention (200 databases per region,
  lognormal sizes, gamma restore throughput, 4 slots sharing 1 GB/s) — target < 30 s;
* the vectorised fast path without contention — target > 1e6 disasters/s;
* the SimPy reference on the same contention model, for scale.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_dr.py``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from hadr_model.dr import expected_outage_h, run_scenario
from hadr_model.topology.dataprotection import parse_data, parse_objectives, parse_recovery
from hadr_model.topology.laws import parse_law

DATA = parse_data({"db": {
    "size": "2TB",
    "snapshots": {"every": "24h", "takes": {"dist": "lognorm", "s": 0.5, "mean": "30m"},
                  "copy_takes": {"dist": "gamma", "a": 4, "mean": "1h"}, "keep": "30d"},
    "restore": {"throughput": {"dist": "gamma", "a": 8, "mean": "200MB/s"}, "index_rebuild": "10m", "verify": "2m"},
    "databases": {"count": 200, "size": {"dist": "lognorm", "s": 1.0, "mean": "10GB"}, "slots": 4,
                  "shared_throughput": "1GB/s"},
}})["db"]
RECOVERY = parse_recovery({"region_loss": {"detect": {"dist": "lognorm", "s": 0.5, "mean": "15m"},
                                           "decide": {"dist": "expon", "mean": "30m"}, "provision": "1h",
                                           "traffic_shift": "5m"}})
OBJECTIVES = parse_objectives(None)
RUNS = 3


def _median_seconds(work: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    n_contention = 100_000
    seconds = _median_seconds(lambda: run_scenario(DATA, RECOVERY, OBJECTIVES, "region-loss",
                                                   n_disasters=n_contention, seed=1))
    print(f"fast path, contention (200 databases, 4 slots): {n_contention:.0e} region-loss disasters "
          f"in {seconds:.2f} s ({n_contention / seconds:,.0f} disasters/s; target < 30 s)")

    n_plain = 2_000_000
    seconds = _median_seconds(lambda: run_scenario(DATA, RECOVERY, OBJECTIVES, "region-loss",
                                                   n_disasters=n_plain, seed=1, contention=False))
    print(f"fast path, no contention: {n_plain:.0e} region-loss disasters in {seconds:.2f} s "
          f"({n_plain / seconds:,.0f} disasters/s; target > 1e6/s)")

    n_simpy = 200
    seconds = _median_seconds(lambda: run_scenario(DATA, RECOVERY, OBJECTIVES, "region-loss",
                                                   n_disasters=n_simpy, seed=1, engine="simpy"))
    print(f"SimPy reference, contention: {n_simpy} disasters in {seconds:.2f} s "
          f"({n_simpy / seconds:,.0f} disasters/s)")

    result = run_scenario(DATA, RECOVERY, OBJECTIVES, "region-loss", n_disasters=n_contention, seed=1)
    summary = result.summary()
    print(f"  RPO p95 {summary['rpo_p95_h']:.2f} h; RTO p95 {summary['rto_p95_h']:.2f} h; "
          f"first / median / last database mean RTO {summary['rto_first_database_mean_h']:.2f} / "
          f"{summary['rto_median_database_mean_h']:.2f} / {summary['rto_last_database_mean_h']:.2f} h")
    repair = parse_law({"dist": "lognorm", "s": 1.0, "mean": "12h"}, "region.mttr")
    seconds = _median_seconds(lambda: expected_outage_h(repair, result.outcomes.rto_h))
    print(f"expected_outage_h from {n_contention:.0e} RTO samples: "
          f"{expected_outage_h(repair, result.outcomes.rto_h):.3f} h in {seconds:.2f} s")


if __name__ == "__main__":
    main()
