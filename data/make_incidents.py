"""Write ``data/incidents_example.csv``: synthetic incident records drawn from known laws.

Run ``python data/make_incidents.py [OUT]`` (default: next to this script). Seeded: the same
file every time (the tests check that). The records use every feature of the format
(:mod:`hadr_model.evidence.records`) and the element classes of the shipped default spec:

============ ===================== ============================================ ==========================
class        elements, window       time to failure                              time to repair
============ ===================== ============================================ ==========================
``zone``     18 zones, 2019–2024    Weibull, shape c = 1.5, mean 8760 h (1 y)    lognormal, s = 0.8, mean 8 h
``region``   7 regions, 2015–2025   exponential, mean 43 800 h (5 y)             lognormal, s = 1.0, mean 10 h
``roles.db`` 18 replicas, 2020–2024 gamma, shape a = 2, mean 8000 h              exponential, mean 2 h
============ ===================== ============================================ ==========================

Each element runs an alternating up/down renewal process from its installation; its
observation window cuts into it:

* half of the zones were in service before their window: the window row gives ``up_since``
  (the start of the up period in progress), so their first up period is left-truncated; the
  other zones are new at ``window_start``;
* an outage in progress at ``window_end`` is written still open (no end): right-censored
  (the window of ``db@us-south-1`` is made to end during its last outage, so there is one);
* a window that would start inside an outage starts at the end of that outage;
* 20 % of the zone incidents before 2021 are written with dates only (``start`` and ``end``
  as ``YYYY-MM-DD``): interval-censored to the day;
* database incidents give ``duration`` (hours) instead of ``end``, and ``detected``
  (an exponential delay of mean 5 min after the start).

Times are written to the second, in UTC.
"""

from __future__ import annotations

import csv
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy import stats

SEED = 14
COLUMNS = ["record", "element_class", "element", "start", "end", "duration", "detected",
           "window_start", "window_end", "up_since"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOURS_PER_YEAR = 8760.0
OPEN_AT_EXPORT = ("roles.db", 0)    # this element's window ends during an outage


def _weibull(c: float, mean: float) -> stats.rv_continuous:
    return stats.weibull_min(c, scale=mean / math.gamma(1.0 + 1.0 / c))


def _lognormal(s: float, mean: float) -> stats.rv_continuous:
    return stats.lognorm(s, scale=mean / math.exp(s * s / 2.0))


CLASSES = {
    # class: (elements, window start, window end, failure law, repair law)
    "zone": ([f"{r}-{z}" for r in ("us-south", "us-east", "eu-gb", "eu-de", "jp-tok", "au-syd") for z in (1, 2, 3)],
             "2019-01-01", "2024-01-01", _weibull(1.5, 8760.0), _lognormal(0.8, 8.0)),
    "region": (["us-south", "us-east", "eu-gb", "eu-de", "jp-tok", "au-syd", "eu-nl"],
               "2015-01-01", "2025-01-01", stats.expon(scale=43800.0), _lognormal(1.0, 10.0)),
    "roles.db": ([f"db@{r}-{z}" for r in ("us-south", "us-east", "eu-gb", "eu-de", "jp-tok", "au-syd")
                  for z in (1, 2, 3)],
                 "2020-01-01", "2024-06-01", stats.gamma(2.0, scale=4000.0), stats.expon(scale=2.0)),
}


def _hours(text: str) -> float:
    return (datetime.fromisoformat(text).replace(tzinfo=UTC) - EPOCH).total_seconds() / 3600.0


def _stamp(hours: float) -> str:
    return (EPOCH + timedelta(seconds=round(hours * 3600.0))).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(hours: float) -> str:
    return (EPOCH + timedelta(hours=hours)).strftime("%Y-%m-%d")


def _history(rng: np.random.Generator, failure, repair, installed: float, until: float) -> list[tuple[float, float]]:
    """Outages ``(start, end)`` of one element from its installation until past ``until``."""
    outages, now = [], installed
    while now < until:
        start = now + float(failure.rvs(random_state=rng))
        end = start + float(repair.rvs(random_state=rng))
        outages.append((start, end))
        now = end
    return outages


def _element_rows(rng: np.random.Generator, element_class: str, element: str, index: int, window: tuple[float, float],
                  failure, repair) -> list[dict[str, str]]:
    begin, finish = window
    in_service_before = element_class != "zone" or index % 2 == 0
    installed = begin - (rng.uniform(1.0, 3.0) * HOURS_PER_YEAR if in_service_before else 0.0)
    outages = _history(rng, failure, repair, installed, finish)
    if (element_class, index) == OPEN_AT_EXPORT:
        # the export was taken during this element's last outage: written still open
        last = max((o for o in outages if begin < o[0] < finish), key=lambda o: o[0])
        finish = 0.5 * (last[0] + last[1])
    start_of_window, up_since = begin, installed
    for start, end in outages:             # the up period in progress at the window start
        if end <= begin:
            up_since = end
        elif start < begin:                # the window would open during an outage: open it after
            start_of_window, up_since = end, end
    window_row = {"record": "window", "element_class": element_class, "element": element,
                  "window_start": _stamp(start_of_window), "window_end": _stamp(finish),
                  "up_since": _stamp(up_since) if up_since < start_of_window else ""}
    rows = [window_row]
    for start, end in outages:
        if not start_of_window <= start < finish:
            continue
        row = {"record": "incident", "element_class": element_class, "element": element}
        day_only = element_class == "zone" and start < _hours("2021-01-01") and rng.random() < 0.2
        row["start"] = _day(start) if day_only else _stamp(start)
        if end >= finish:
            pass                           # still open at the export: no end
        elif element_class == "roles.db":
            row["duration"] = f"{end - start:.6f}"
            row["detected"] = _stamp(start + rng.exponential(5.0 / 60.0))
        else:
            row["end"] = _day(end) if day_only else _stamp(end)
        rows.append(row)
    return rows


def make(path: Path) -> int:
    """Write the records to ``path``; return the number of rows."""
    rng = np.random.default_rng(SEED)
    rows: list[dict[str, str]] = []
    for element_class, (elements, begin, finish, failure, repair) in CLASSES.items():
        for index, element in enumerate(elements):
            rows.extend(_element_rows(rng, element_class, element, index, (_hours(begin), _hours(finish)),
                                      failure, repair))
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({name: row.get(name, "") for name in COLUMNS} for row in rows)
    return len(rows)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("incidents_example.csv")
    print(f"{target}: {make(target)} rows")
