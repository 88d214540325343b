"""Start-up: what a user waits for before any number is computed.

Prints the median wall time (of ``--repeat`` runs, each a fresh process) of

* ``hadr --version`` (target < 0.3 s: the package imports nothing heavy up front),
* ``python -c "import hadr_model"``,
* ``hadr availability --failover instantaneous`` and ``hadr availability`` (the whole verdict,
  with the DR samples and the strategy search) on the default topology,

and the ten largest cumulative entries of ``python -X importtime`` for ``hadr availability``.

Run: ``.venv/bin/python benchmarks/bench_startup.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

PYTHON = sys.executable
HADR = [PYTHON, "-m", "hadr_model.cli"]


def median_seconds(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def import_profile(command: list[str], top: int = 10) -> list[tuple[int, str]]:
    """The ``top`` largest cumulative import times (µs) of a command."""
    run = subprocess.run([PYTHON, "-X", "importtime", *command[1:]], capture_output=True, text=True, check=True)
    entries = []
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit():
                entries.append((int(cumulative), name.rstrip()))
    return sorted(entries, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cases = [
        ("hadr --version", [PYTHON, "-c", "from hadr_model.cli import main; main(['--version'])"]),
        ("import hadr_model", [PYTHON, "-c", "import hadr_model"]),
        ("hadr availability --failover instantaneous", [*HADR, "availability", "--failover", "instantaneous"]),
        ("hadr availability (the verdict)", [*HADR, "availability"]),
    ]
    for label, command in cases:
        print(f"{label:45s} {median_seconds(command, args.repeat):6.2f} s  (median of {args.repeat})")
    print("\npython -X importtime, hadr availability: largest cumulative imports")
    for micros, name in import_profile([*HADR, "availability", "--failover", "instantaneous"]):
        print(f"  {micros / 1e3:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
