"""Parameter samples per second of the vectorised uncertainty propagation (issue 14).

The exact engine evaluated for N parameter samples at once
(:class:`hadr_model.service.uncertainty.Propagator`) on the shipped default topology, for both
failover models; the target is at least 10,000 samples/s. Median of 3 timed runs after a warm-up;
the load average is printed, since the machine may be shared.

Run: ``.venv/bin/python benchmarks/bench_uncertainty.py [--samples 10000]``
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import hadr_model as hm
from hadr_model.service.uncertainty import Propagator, draw


def rate(propagator: Propagator, theta: np.ndarray, repeats: int = 3) -> float:
    """Median samples per second of ``propagator.unavailability(theta)`` over ``repeats`` runs."""
    propagator.unavailability(theta[:100])                      # warm-up: imports, caches
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        propagator.unavailability(theta)
        rates.append(len(theta) / (time.perf_counter() - start))
    return float(np.median(rates))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    args = parser.parse_args()
    model = hm.load_spec()
    print(f"load average before: {os.getloadavg()}")
    for failover in ("dr-workflow", "instantaneous"):
        propagator = Propagator(model, failover=failover)
        theta = draw(propagator.parameters, args.samples, seed=1)
        fields = ", ".join(p.field for p in propagator.parameters)
        print(f"{failover:13s}  {rate(propagator, theta):>12,.0f} samples/s (median of 3, {args.samples:,} samples; "
              f"parameters: {fields})")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
