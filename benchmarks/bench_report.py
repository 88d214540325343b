"""Benchmark: ``hadr report`` on the default topology, end to end (target: under 60 s).

Runs the real command (a fresh process: interpreter start, papermill, kernel start, every
engine, HTML export) into a temporary folder and prints the seconds of each run and the median.

Usage: ``python benchmarks/bench_report.py [REPEATS]`` (default 3).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 60.0


def run_once(out: Path) -> float:
    """Seconds taken by one ``hadr report --out OUT`` (raises if the command fails)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "hadr_model.cli", "report", "--out", str(out)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"hadr report failed (exit {done.returncode}):\n{done.stderr}")
    return time.perf_counter() - started


def main(repeats: int = 3) -> int:
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(repeats):
            seconds.append(run_once(Path(folder) / f"run{i}"))
            print(f"run {i + 1}: {seconds[-1]:.1f} s", flush=True)
    median = statistics.median(seconds)
    verdict = "within" if median < TARGET_S else "OVER"
    print(f"hadr report (default topology): median {median:.1f} s of {repeats} "
          f"({verdict} the {TARGET_S:.0f} s target)")
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
