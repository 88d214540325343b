"""The Markov engine reached from a spec: 2**15 and 2**20 states (issue 11).

A block spec of m distinct components in series, all repaired by one team of m crews
(``repair: {team: {crews: m, components: [...]}}``). The team makes ``hadr_model.availability``
answer with the Markov engine (one chain of 2**m states: no two components are alike, so
nothing lumps), and m crews for m components is independent repair, whose exact
unavailability ``1 − Π μ_i / (λ_i + μ_i)`` is computed in exact rationals. Prints the time of the
whole ``availability`` call (spec loaded, chain built and solved), the state count and the
relative error of the unavailability. Targets: 2**15 < 1 s, 2**20 < 30 s, error < 1e-9.

Run: ``.venv/bin/python benchmarks/bench_markov_spec.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from fractions import Fraction

import numpy as np

import hadr_model as hm

SEED = 20261202


def spec(count: int) -> dict:
    rng = np.random.default_rng(SEED + count)
    mttf = np.round(rng.uniform(1e3, 1e5, count), 1)
    mttr = np.round(rng.uniform(0.5, 24.0, count), 2)
    names = [f"c{i}" for i in range(count)]
    return {"name": f"series-{count}",
            "blocks": {"series": [{"component": {"name": n, "mttf": f"{f}h", "mttr": f"{r}h"}}
                                  for n, f, r in zip(names, mttf, mttr)]},
            # One priority level each: with a crew per component no one ever waits, so the order
            # changes nothing, and the chain need not merge unlike components in one level.
            "repair": {"team": {"crews": count, "components": names, "priority": names}}}


def exact_unavailability(raw: dict) -> float:
    up = Fraction(1)
    for block in raw["blocks"]["series"]:
        c = block["component"]
        f, r = Fraction(c["mttf"][:-1]), Fraction(c["mttr"][:-1])
        up *= f / (f + r)
    return float(1 - up)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the 2**15 case (median)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| states | whole availability call | engine label | relative error of U | target |")
    print("|---:|---:|---|---:|---|")
    for count, repeat, target in ((15, args.repeat, 1.0), (20, 1, 30.0)):
        raw = spec(count)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = hm.availability(hm.load_spec(raw))
            times.append(time.perf_counter() - start)
        exact = exact_unavailability(raw)
        error = abs(result.system.unavailability - exact) / exact
        seconds = statistics.median(times)
        met = "met" if seconds < target and error < 1e-9 else "NOT met"
        print(f"| 2^{count} | {seconds:.2f} s | {result.engine} | {error:.1e} | < {target:g} s, 1e-9: {met} |")


if __name__ == "__main__":
    main()
