"""Sweep throughput: function mode (points/s) and notebook mode (seconds per point).

Prints, for the default topology:

* the cost of one exact-availability call and of one spec parse, of a whole fresh point
  (parse, compile, exact engine), and per point of a chunk of 64 fresh points through the
  vectorised engine (what function mode does with the ``availability`` function);
* function mode, exact availability, 1 and 2 workers: points per second;
* function mode with a do-nothing function: the sweep machinery's own overhead (it still
  parses the spec of every point), printed beside the exact rate for each worker count;
* notebook mode: seconds per point of ``notebooks/sweep_point.ipynb`` with 1 and 2 workers,
  against a bare kernel start (an empty notebook through papermill).

Usage: ``python benchmarks/bench_sweep.py [--points N] [--notebook-points N] [--repeat R]``.
Figures are medians of ``--repeat`` runs (notebook mode: of ``--notebook-repeat`` runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from hadr_model import load_spec
from hadr_model.engines.exact import exact_availability
from hadr_model.service import availability_batch
from hadr_model.sweeps import run_sweep
from hadr_model.topology.paths import with_values
from hadr_model.topology.spec import default_spec_path, parse_spec, read_yaml

ROOT = Path(__file__).resolve().parents[1]
SWEEP_POINT = ROOT / "notebooks" / "sweep_point.ipynb"


def noop(model: Any, *, seed: int) -> dict[str, float]:
    """A sweep function that does nothing: measures the machinery, not the model."""
    return {"seed_low_bits": float(seed % 1000)}


def median_seconds(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def function_grid(points: int, **options: Any) -> dict[str, Any]:
    # Distinct models at every point (no model cache hits): zone MTTR on a fine log grid.
    return {"parameters": {"zone.mttr": {"low": "1h", "high": "24h", "num": points, "scale": "log"}},
            "options": options}


def bench_engine(repeat: int) -> None:
    model = load_spec()
    raw = read_yaml(default_spec_path().read_text())
    calls = 50
    exact = median_seconds(lambda: [exact_availability(model) for _ in range(calls)], repeat) / calls
    parse = median_seconds(lambda: [parse_spec(raw) for _ in range(calls)], repeat) / calls
    load = median_seconds(lambda: [load_spec() for _ in range(10)], repeat) / 10
    # A fresh point: a new value (no cached model or compiled table), as every point of a sweep.
    values = iter(range(10**9))

    def fresh_point() -> None:
        model = parse_spec(with_values(raw, {"zone.mttr": 1.0 + next(values) * 1e-6}))
        exact_availability(model, detail=False)

    point = median_seconds(lambda: [fresh_point() for _ in range(calls)], repeat) / calls

    def fresh_batch() -> None:
        # A sweep's chunk: 64 fresh models of one structure through the vectorised engine.
        models = [parse_spec(with_values(raw, {"zone.mttr": 1.0 + next(values) * 1e-6})) for _ in range(64)]
        start = time.perf_counter()
        availability_batch(models, failover="instantaneous")
        batch_times.append(time.perf_counter() - start)

    batch_times: list[float] = []
    chunk = median_seconds(fresh_batch, repeat) / 64
    batch = statistics.median(batch_times) / 64
    print(f"exact_availability, one call:            {exact * 1e3:7.2f} ms  (ceiling {1 / exact:6.0f} points/s "
          "per core)")
    print(f"parse_spec of the parsed YAML, one call: {parse * 1e3:7.2f} ms")
    print(f"load_spec (read + YAML + parse):         {load * 1e3:7.2f} ms  (avoided per point)")
    print(f"one fresh point (parse, compile, exact): {point * 1e3:7.2f} ms  (ceiling {1 / point:6.0f} points/s "
          "per core)")
    print(f"a chunk of 64 fresh points, per point:   {chunk * 1e3:7.2f} ms  (ceiling {1 / chunk:6.0f} points/s "
          f"per core; of which compile + batched exact engine {batch * 1e3:.2f} ms)")


def bench_functions(points: int, repeat: int) -> None:
    cases = (("availability (instant failover)", "availability", {"failover": "instantaneous"}),
             ("availability (DR failover)", "availability", {}), ("no-op", noop, {}))
    rates = {}
    for label, function, options in cases:
        # The DR failover's RTO samples are drawn once (rto_seed) and cached: every point is fast.
        count = points
        grid = function_grid(count, **options)
        for workers in (1, 2):
            seconds = median_seconds(lambda f=function, w=workers, g=grid: run_sweep(g, function=f, workers=w),
                                     repeat)
            rates[label, workers] = count / seconds
            print(f"function mode, {label:31s} {workers} worker{'s' if workers > 1 else ' '}: "
                  f"{count / seconds:8.0f} points/s  ({count} points in {seconds:.2f} s)")
    for workers in (1, 2):
        exact, idle = rates[cases[0][0], workers], rates["no-op", workers]
        # Wall time per point: the no-op's is the machinery (spec parse included), the rest the model.
        print(f"function mode, {workers} worker{'s' if workers > 1 else ' '}: exact {exact:6.0f} points/s beside "
              f"no-op {idle:6.0f} points/s (wall per point {1e3 / exact:.2f} ms, of which no-op {1e3 / idle:.2f} ms)")


def bare_kernel_seconds(repeat: int) -> float:
    import papermill

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "empty.ipynb"
        nbformat.write(notebook, str(path))
        return median_seconds(lambda: papermill.execute_notebook(
            str(path), str(Path(tmp) / "out.ipynb"), kernel_name="python3", progress_bar=False), repeat)


def bench_notebooks(points: int, repeat: int) -> None:
    if points < 1:
        return
    # The first kernel start of a process pays cold caches: always take the median of three.
    bare = bare_kernel_seconds(max(3, repeat))
    print(f"bare kernel start (empty notebook via papermill): {bare:.2f} s")
    grid = {"parameters": {"zone.mttr": {"low": "1h", "high": "24h", "num": points, "scale": "log"}}}
    per_point = {}
    for warm in (False, True):
        label = "warm kernels" if warm else "fresh kernels"
        for workers in (1, 2):
            seconds = median_seconds(lambda w=workers, k=warm: run_sweep(grid, notebook=SWEEP_POINT, workers=w,
                                                                         warm_kernel=k), repeat)
            per_point[warm, workers] = seconds / points
            print(f"notebook mode, {label}, {workers} worker{'s' if workers > 1 else ' '}: "
                  f"{per_point[warm, workers]:.2f} s/point ({per_point[warm, workers] / bare:.2f} x bare kernel "
                  f"start; {points} points in {seconds:.1f} s)")
        print(f"notebook mode, {label}, speed-up of 2 workers over 1: "
              f"{per_point[warm, 1] / per_point[warm, 2]:.2f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=2000, help="function-mode points (default 2000)")
    parser.add_argument("--notebook-points", type=int, default=12, help="notebook-mode points (default 12)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure, median kept (default 3)")
    parser.add_argument("--notebook-repeat", type=int, default=1, help="runs per notebook figure (default 1)")
    args = parser.parse_args()
    print(f"bench_sweep: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    bench_engine(args.repeat)
    bench_functions(args.points, args.repeat)
    bench_notebooks(args.notebook_points, args.notebook_repeat)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
