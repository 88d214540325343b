"""Monte Carlo at scale: result-assembly share, peak memory, and processes vs a Dask cluster.

Part 1 (``--part memory``): one component (MTTF 1000 h, MTTR 10 h) over 1e5-hour histories,
about 100 complete outages per run, at 1e4 and 1e5 runs (1e6 without ``--quick``), each in a
fresh process: wall time of ``simulate``, the share spent assembling the result (the final
``_result`` call: percentiles, tables), the same plus the folding of each block into the
totals as it arrives (``_Totals.add``: all the bookkeeping), and the peak resident memory above
the memory after ``import``. ``--before DIR`` also runs the same in a copy of the code before the change, e.g.
``git archive HEAD | tar -x -C /tmp/old`` then ``--before /tmp/old``.

Part 2 (``--part dask``): the same simulation with 1 process, 2 processes and a local Dask
cluster of two worker processes (``distributed.LocalCluster(n_workers=2, threads_per_worker=1)``);
the figures must be byte-identical (checked here too).

Run: ``.venv/bin/python benchmarks/bench_montecarlo_scale.py [--quick] [--before /tmp/old]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MISSION_YEARS = 1e5 / 8760.0
SPEC = {"name": "one component",
        "blocks": {"series": [{"component": {"name": "a", "mttf": "1000h", "mttr": "10h"}}]}}

# Runs in a fresh interpreter: prints one JSON line of figures.
_CHILD = r"""
import json, resource, sys, time
import hadr_model as hm
from hadr_model.engines import montecarlo

def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

spec, runs, years = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
model = hm.load_spec(spec)
montecarlo.simulate(model, years=years, runs=50, seed=1, control_variate=False)   # warm-up
base = rss_mib()
assembly, folding = [0.0], [0.0]

def timer(function, spent):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started
    return timed

montecarlo._result = timer(montecarlo._result, assembly)
montecarlo._Totals.add = timer(montecarlo._Totals.add, folding)
started = time.perf_counter()
result = montecarlo.simulate(model, years=years, runs=runs, seed=7, control_variate=False)
wall = time.perf_counter() - started
print(json.dumps({"wall": wall, "assembly": assembly[0], "folding": folding[0], "peak_mib": rss_mib() - base,
                  "outages": result.outages_observed, "p99": result.outage_duration_h_p99,
                  "mean": result.downtime_min_per_year_mean}))
"""


def _child(code_root: Path, runs: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code_root))
    out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(SPEC), str(runs), str(MISSION_YEARS)],
                         env=env, cwd=str(code_root), capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def memory_part(run_counts: list[int], before: Path | None) -> None:
    print("one component, 1e5-hour runs, one process (peak RSS above the RSS after import and a warm-up)")
    header = f"{'code':<7} {'runs':>9} {'outages':>11} {'wall s':>8} {'assembly s':>11} {'share':>6} " \
             f"{'+ folding s':>12} {'share':>6} {'peak MiB':>9} {'p99 outage h':>13}"
    print(header)
    print("-" * len(header))
    roots = ([("before", before)] if before else []) + [("after", ROOT)]
    for runs in run_counts:
        for label, root in roots:
            f = _child(root, runs)
            books = f["assembly"] + f["folding"]
            print(f"{label:<7} {runs:>9,} {f['outages']:>11,} {f['wall']:>8.2f} {f['assembly']:>11.3f} "
                  f"{f['assembly'] / f['wall']:>6.1%} {books:>12.3f} {books / f['wall']:>6.1%} "
                  f"{f['peak_mib']:>9.0f} {f['p99']:>13.6g}")


def _ten_two_of_three() -> dict:
    groups = [{"k_of_n": {"k": 2, "of": [{"component": {"name": f"g{i}", "mttf": "1000h", "mttr": "10h",
                                                          "count": 3}}]}} for i in range(10)]
    return {"name": "ten 2-of-3 in series", "blocks": {"series": groups}}


def dask_part(scale: float) -> None:
    """1 process, 2 processes and a local Dask cluster (2 worker processes) on the same seed."""
    from distributed import Client, LocalCluster

    import hadr_model as hm
    from hadr_model.engines.montecarlo import simulate

    cases = [(SPEC, int(300_000 * scale)), (_ten_two_of_three(), int(20_000 * scale))]
    rows: dict[str, list] = {spec["name"]: [] for spec, _ in cases}
    figures: dict[str, dict] = {spec["name"]: {} for spec, _ in cases}

    def measure(label: str, **options) -> None:
        for spec, runs in cases:
            model = hm.load_spec(spec)
            started = time.perf_counter()
            result = simulate(model, years=MISSION_YEARS, runs=runs, seed=11, **options)
            rows[spec["name"]].append((label, time.perf_counter() - started, result.batches))
            figures[spec["name"]][label] = {k: v for k, v in result.as_dict().items()
                                            if k not in ("seconds", "batches")}

    measure("1 process")
    measure("2 processes", workers=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        simulate(hm.load_spec(SPEC), years=MISSION_YEARS, runs=100, seed=1, client=client)   # workers import
        measure("Dask, 2 workers", client=client)
    for spec, runs in cases:
        name = spec["name"]
        print(f"\n{name}, 1e5-hour runs, {runs:,} runs, seed 11, load {os.getloadavg()[0]:.2f}")
        print(f"{'executor':<17} {'wall s':>8} {'runs/s':>10} {'batches':>8}")
        for label, wall, batches in rows[name]:
            print(f"{label:<17} {wall:>8.2f} {runs / wall:>10,.0f} {batches:>8}")
        same = all(f == figures[name]["1 process"] for f in figures[name].values())
        print(f"figures byte-identical across executors: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1e4 and 1e5 runs only")
    parser.add_argument("--before", type=Path, default=None, help="a copy of the code before the change")
    parser.add_argument("--part", choices=("memory", "dask", "all"), default="all")
    parser.add_argument("--runs", default=None, help="run counts of part 1, comma-separated (e.g. 1e6,3e6)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
    if args.part in ("memory", "all"):
        counts = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
        if args.runs:
            counts = [int(float(n)) for n in args.runs.split(",")]
        memory_part(counts, args.before)
    if args.part in ("dask", "all"):
        dask_part(0.3 if args.quick else 1.0)


if __name__ == "__main__":
    main()
