"""Time of the exact engine (availability + every importance measure) as the topology grows.

Run: ``.venv/bin/python benchmarks/bench_exact.py``. Prints the median of 5 runs of
``exact_availability`` on the shipped default topology, then on R regions × 5 zones × 10 roles
× 10 instances per zone for growing R, and the cost per added region (least-squares slope).
Targets: default under 50 ms, 100 regions under 2 s, no worse than linear in R.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from hadr_model import load_spec
from hadr_model.engines.exact import exact_availability

REPEATS = 5
NEEDS = ("any", "quorum", "60%", "all", 7, "any", "quorum", "90%", 25, "any")


def grid_spec(regions: int, zones: int = 5, roles: int = 10, per_zone: int = 10) -> dict:
    """A region-form spec as a dict: every region fails over to the next one."""
    names = [f"r{i:03d}" for i in range(regions)]
    return {
        "name": f"grid-{regions}",
        "zone": {"mttf": "1y", "mttr": "8h"},
        "region": {"mttf": "5y", "mttr": "10h"},
        "global": {"iam": {"mttf": "99999h", "mttr": "1h"}, "dns": {"mttf": "999999h", "mttr": "1h"}},
        "regions": {name: {"zones": zones,
                           **({"fails_over_to": names[(i + 1) % regions]} if regions > 1 else {})}
                    for i, name in enumerate(names)},
        "roles": {f"role{j}": {"per_zone": per_zone, "needs": NEEDS[j % len(NEEDS)],
                               "mttf": f"{1000 + 500 * j}h", "mttr": "1h",
                               **({"depends_on": ["iam"]} if j == 0 else {}),
                               **({"beta": 0.05} if j % 3 == 0 else {})}
                  for j in range(roles)},
    }


def median_seconds(model) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        exact_availability(model)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(sizes: tuple[int, ...] = (1, 10, 30, 100)) -> int:
    default = median_seconds(load_spec())
    rows = []
    for regions in sizes:
        model = load_spec(grid_spec(regions))
        elements = len(exact_availability(model).importance)
        rows.append((regions, elements, median_seconds(model)))
    print(f"default topology (functions-platform): {default * 1e3:8.1f} ms  (target < 50 ms)")
    print()
    print("regions  zones  roles  instances/zone  elements  median ms  ms/region")
    print("-------  -----  -----  --------------  --------  ---------  ---------")
    for regions, elements, seconds in rows:
        print(f"{regions:7d}  {5:5d}  {10:5d}  {10:14d}  {elements:8d}  {seconds * 1e3:9.1f}  "
              f"{seconds * 1e3 / regions:9.2f}")
    x = np.array([r for r, _, _ in rows], float)
    y = np.array([s for *_, s in rows])
    slope, intercept = np.polyfit(x, y, 1)
    # Local exponent between the two largest sizes: 1 is linear, 2 quadratic.
    exponent = np.log(y[-1] / y[-2]) / np.log(x[-1] / x[-2])
    print()
    print(f"slope: {slope * 1e3:.2f} ms per region (intercept {intercept * 1e3:.1f} ms); "
          f"growth exponent {x[-2]:.0f}→{x[-1]:.0f} regions: {exponent:.2f}")
    largest = y[-1]
    ok = default < 0.050 and largest < 2.0 and exponent < 1.3
    print(f"targets: default < 50 ms {'ok' if default < 0.050 else 'MISSED'}, "
          f"{int(x[-1])} regions < 2 s {'ok' if largest < 2.0 else 'MISSED'}, "
          f"linear {'ok' if exponent < 1.3 else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
