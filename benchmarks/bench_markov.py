"""Benchmark of the CTMC engine on unlumped product-form chains (2**15 and 2**20 states).

Each chain is m different, independent, repairable components in series (one Group of
n = 1 each, independent repair), so lumping does not apply and the exact unavailability
is known in closed form: U = 1 - prod_i mu_i / (lambda_i + mu_i), evaluated with exact
rationals. Prints build and steady-state solve times (median of 3 runs for 2**15, one run
for 2**20) and the relative error of the unavailability.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/bench_markov.py``
"""

from __future__ import annotations

import statistics
import time
from fractions import Fraction

import numpy as np

from hadr_model.engines.markov import Group, MarkovModel, build_chain, steady_state

SEED = 20240611


def components(count: int) -> list[Group]:
    rng = np.random.default_rng(SEED + count)
    mttf = rng.uniform(1e3, 1e5, count)
    mttr = rng.uniform(0.5, 24.0, count)
    return [Group(f"c{i}", 1, float(f), float(r)) for i, (f, r) in enumerate(zip(mttf, mttr))]


def exact_unavailability(groups: list[Group]) -> Fraction:
    up = Fraction(1)
    for g in groups:
        lam, mu = Fraction(g.failure_rate), Fraction(g.repair_rate)
        up *= mu / (lam + mu)
    return 1 - up


def run(count: int, repeats: int) -> tuple[int, float, float, float]:
    groups = components(count)
    model = MarkovModel(groups)
    build_times, solve_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        chain = build_chain(model)
        built = time.perf_counter()
        pi = steady_state(chain.generator)
        solved = time.perf_counter()
        build_times.append(built - start)
        solve_times.append(solved - built)
    unavailability = float(pi[~chain.up].sum())
    exact = exact_unavailability(groups)
    error = float(abs(Fraction(unavailability) - exact) / exact)
    return chain.n_states, statistics.median(build_times), statistics.median(solve_times), error


def main() -> None:
    print(f"{'states':>10} {'runs':>4} {'build s':>8} {'solve s':>8} {'total s':>8} {'rel err U':>10}")
    for count, repeats in ((15, 3), (20, 1)):
        n_states, build_s, solve_s, error = run(count, repeats)
        total = build_s + solve_s
        print(f"{n_states:>10,} {repeats:>4} {build_s:>8.3f} {solve_s:>8.3f} {total:>8.3f} {error:>10.1e}")


if __name__ == "__main__":
    main()
