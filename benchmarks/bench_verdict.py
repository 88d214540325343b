"""Time of the verdict over every objective and of "what it takes", on the shipped default.

Run: ``.venv/bin/python benchmarks/bench_verdict.py``. Prints the median of 5 runs of each step
with warm caches (the DR samples of a spec are drawn once per process and reused), and the cold
first call: the facade's availability (DR-workflow failover), the per-site DR outcomes
(3 scenarios × 2 distinct recovery plans × 20,000 disasters), the verdict, and what it takes.
"""

from __future__ import annotations

import statistics
import time

import hadr_model as hm
from hadr_model.dr.sites import site_outcomes
from hadr_model.service.whatif import what_it_takes
from hadr_model.topology.spec import read_yaml

REPEATS = 5


def _median(step) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    raw = read_yaml(hm.default_spec_path().read_text())
    model = hm.load_spec(raw)
    started = time.perf_counter()
    judged = hm.verdict(model)
    print(f"verdict, cold (draws the DR samples)       {time.perf_counter() - started:7.2f} s")
    print(f"availability (dr-workflow), warm           {_median(lambda: hm.availability(model)) * 1e3:7.1f} ms")
    print(f"site outcomes, 3 scenarios × 6 sites       {_median(lambda: site_outcomes(model)):7.2f} s")
    print(f"verdict, warm                              {_median(lambda: hm.verdict(model)):7.2f} s")
    print(f"what it takes (4 remedies), warm           {_median(lambda: what_it_takes(raw, judged)):7.2f} s")


if __name__ == "__main__":
    main()
