"""The Markov engine beside Storm (stormpy) on the same CTMCs (issue 12, item 6).

Chains of ``m`` different, independent, repairable components (the draw of
``bench_markov.py``: MTTF uniform in 1e3–1e5 h, MTTR in 0.5–24 h), unlumped, system down when
any component is down:

* independent repair, ``m`` = 15, 18, 20 (2^15, 2^18, 2^20 states): product form, so the exact
  unavailability ``1 − Π μ_i / (λ_i + μ_i)`` (exact rationals) is the reference;
* two shared repair crews (``RepairPolicy(crews=2)``, each failed component repaired at
  ``μ_i · min(1, 2 / failed)``) at 2^18 states: no closed form, the two tools are compared
  with each other.

``hadr``: :func:`hadr_model.engines.markov.build_chain` then
:func:`~hadr_model.engines.markov.steady_state`, unavailability summed over the down states.
Storm: the same chain written in the PRISM language (``_storm_driver.py``), built by Storm's
sparse engine and solved with its default environment (``S=? [ !"allup" ]``). Each case runs
in its own subprocess, so the peak resident memory (``ru_maxrss``) is that case's alone
(interpreter and libraries included: compare the growth between sizes). Times are medians of 3
subprocesses up to 2^18, one run at 2^20.

Run: ``.venv/bin/python benchmarks/bench_peers_markov.py [--quick]`` (``--quick``: 2^12 only, a smoke test).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import peers

SEED = 20240611   # the draw of bench_markov.py
STORM_DRIVER = Path(__file__).resolve().with_name("_storm_driver.py")
CASES = ((15, None, 3), (18, None, 3), (20, None, 1), (18, 2, 3))   # (components, crews, repeats)
QUICK_CASES = ((12, None, 1), (12, 2, 1))


def rates(count: int) -> tuple[list[float], list[float]]:
    """MTTF and MTTR (hours) of the ``count`` components, as in ``bench_markov.components``."""
    rng = np.random.default_rng(SEED + count)
    mttf = rng.uniform(1e3, 1e5, count)
    mttr = rng.uniform(0.5, 24.0, count)
    return [float(x) for x in mttf], [float(x) for x in mttr]


def exact_unavailability(count: int) -> Fraction:
    """``1 − Π μ_i / (λ_i + μ_i)`` with the floats' exact values."""
    up = Fraction(1)
    for f, r in zip(*rates(count)):
        lam, mu = Fraction(1.0 / f), Fraction(1.0 / r)
        up *= mu / (lam + mu)
    return 1 - up


def hadr_worker(count: int, crews: int | None) -> None:
    """In a fresh process: build and solve one chain, print the figures as JSON."""
    started = time.perf_counter()
    from hadr_model.engines.markov import Group, MarkovModel, RepairPolicy, build_chain, steady_state

    imported = time.perf_counter()
    mttf, mttr = rates(count)
    model = MarkovModel([Group(f"c{i}", 1, f, r) for i, (f, r) in enumerate(zip(mttf, mttr))],
                        repair=RepairPolicy(crews=crews))
    chain = build_chain(model)
    built = time.perf_counter()
    pi = steady_state(chain.generator)
    solved = time.perf_counter()
    print(json.dumps({"import_s": imported - started, "build_s": built - imported, "solve_s": solved - built,
                      "n_states": chain.n_states, "n_transitions": int(chain.generator.nnz),
                      "unavailability": float(pi[~chain.up].sum())}), flush=True)


@dataclass(frozen=True)
class Case:
    """Medians over the repeats of one tool on one chain."""

    seconds: float          # build + solve (hadr) / parse + build + check (Storm), imports excluded
    parts: str
    command_s: float
    max_rss_mib: float
    unavailability: float
    n_states: int
    extra: dict


def _median_case(command: list[str], repeats: int, what: str, split: tuple[str, ...]) -> Case:
    runs = [peers.run_command(command, timeout=1800).check(what) for _ in range(repeats)]
    figures = [json.loads(r.stdout.strip().splitlines()[-1]) for r in runs]
    parts = {key: statistics.median(f[key] for f in figures) for key in split}
    return Case(seconds=statistics.median(sum(f[key] for key in split) for f in figures),
                parts=" + ".join(f"{parts[key]:.3f}" for key in split),
                command_s=statistics.median(r.seconds for r in runs), max_rss_mib=max(r.max_rss_mib for r in runs),
                unavailability=figures[-1]["unavailability"], n_states=figures[-1]["n_states"], extra=figures[-1])


def _relative(value: float, reference: float | Fraction) -> float:
    return float(abs(Fraction(value) - Fraction(reference)) / abs(Fraction(reference)))


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        hadr_worker(int(sys.argv[2]), None if sys.argv[3] == "none" else int(sys.argv[3]))
        return 0
    cases = QUICK_CASES if "--quick" in sys.argv[1:] else CASES
    print(f"bench_peers_markov: {peers.machine_line()}")
    storm = peers.peer_python("stormpy")
    rows, notes = [], []
    with tempfile.TemporaryDirectory(prefix="hadr-peers-markov-") as tmp:
        for count, crews, repeats in cases:
            label = f"2^{count}" + (f", {crews} crews" if crews else ", independent")
            mine = _median_case([sys.executable, __file__, "--worker", str(count), str(crews or "none")], repeats,
                                "hadr markov", ("build_s", "solve_s"))
            exact = None if crews else exact_unavailability(count)
            row = [label, f"{mine.n_states:,}", f"{mine.seconds:.3f} s ({mine.parts})", f"{mine.max_rss_mib:,.0f} MiB"]
            if storm is None:
                error = f"{_relative(mine.unavailability, exact):.1e}" if exact else "-"
                rows.append([*row, "skipped", "-", "-", error, "-", "-"])
                continue
            model_path = Path(tmp) / f"m{count}-{crews}.json"
            mttf, mttr = rates(count)
            model_path.write_text(json.dumps({"failure_rates": [1.0 / f for f in mttf],
                                              "repair_rates": [1.0 / r for r in mttr], "crews": crews}))
            theirs = _median_case([str(storm), str(STORM_DRIVER), str(model_path)], repeats, "storm",
                                  ("parse_s", "build_s", "check_s"))
            assert theirs.n_states == mine.n_states, "the two chains differ in size"
            if exact is not None:
                accuracy = [f"{_relative(mine.unavailability, exact):.1e}",
                            f"{_relative(theirs.unavailability, exact):.1e}"]
            else:
                accuracy = [f"vs Storm {_relative(mine.unavailability, theirs.unavailability):.1e}", "-"]
            rows.append([*row, f"{theirs.seconds:.3f} s ({theirs.parts})", f"{theirs.max_rss_mib:,.0f} MiB",
                         f"{theirs.seconds / mine.seconds:.2f}x", *accuracy,
                         f"{mine.command_s:.2f} / {theirs.command_s:.2f} s"])
            if not notes:
                precision = float(Fraction(theirs.extra["precision"]))
                notes.append(f"Storm: default environment, solver {theirs.extra['solver']}, steady state "
                             f"{theirs.extra['steady_state']}, precision {precision:.1e} (sound)")
    print(peers.table(["chain", "states", "hadr build + solve", "hadr peak RSS", "Storm parse + build + check",
                       "Storm peak RSS", "Storm / hadr", "hadr rel. err U", "Storm rel. err U",
                       "whole process hadr / Storm"], rows))
    print("\nrelative error vs the exact product form (independent repair) or between the tools (crews);"
          "\npeak RSS is the whole process (interpreter, numpy/scipy or Storm libraries included);"
          "\nmedian of 3 processes up to 2^18, one at 2^20.")
    print("\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
