"""Start-up: what a user waits for before any number is computed.

Prints the median wall time (of ``--repeat`` runs, each a fresh process) of

* ``hadr --version`` (target < 0.3 s: the package imports nothing heavy up front),
* ``python -c "import hadr_model"``,
* ``hadr availability --failover instantaneous`` and ``hadr availability`` (the whole verdict,
  with the DR samples, what it takes and the strategy search) on the default topology
  (target < 1 s on an idle machine),

and the ten largest cumulative entries of ``python -X importtime`` for ``hadr availability``.
Every command runs with Python's bytecode cache on, as an installed package has it
(:func:`peers.installed_env`), after one untimed run that fills the cache.

Run: ``.venv/bin/python benchmarks/bench_startup.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import peers

PYTHON = sys.executable
HADR = [PYTHON, "-m", "hadr_model.cli"]


def median_seconds(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=peers.installed_env())
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def import_profile(command: list[str], top: int = 10) -> list[tuple[int, str]]:
    """The ``top`` largest cumulative import times (µs) of a command."""
    run = subprocess.run([PYTHON, "-X", "importtime", *command[1:]], capture_output=True, text=True, check=True,
                         env=peers.installed_env())
    entries = []
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                entries.append((int(cumulative), name.rstrip()))
    return sorted(entries, reverse=True)[:top]


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cases = [
        ("hadr --version", [PYTHON, "-c", "from hadr_model.cli import main; main(['--version'])"], 0.3),
        ("import hadr_model", [PYTHON, "-c", "import hadr_model"], None),
        ("hadr availability --failover instantaneous", [*HADR, "availability", "--failover", "instantaneous"], None),
        ("hadr availability (the verdict)", [*HADR, "availability"], 1.0),
    ]
    print(f"load average before: {_load()}")
    # Fill the bytecode cache first: an installed package has its .pyc from pip (peers.installed_env).
    subprocess.run([*HADR, "availability"], check=True, stdout=subprocess.DEVNULL, env=peers.installed_env())
    for label, command, target in cases:
        seconds = median_seconds(command, args.repeat)
        verdict = "" if target is None else f"  target < {target:g} s: {'met' if seconds < target else 'NOT met'}"
        print(f"{label:45s} {seconds:6.2f} s  (median of {args.repeat}){verdict}")
    print(f"load average after: {_load()} (the targets are for an idle machine)")
    print("\npython -X importtime, hadr availability: largest cumulative imports")
    for micros, name in import_profile([*HADR, "availability", "--failover", "instantaneous"]):
        print(f"  {micros / 1e3:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
