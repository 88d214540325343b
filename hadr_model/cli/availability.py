"""``hadr availability SPEC [--json]``: exact steady-state results."""

from __future__ import annotations

import argparse
import math

from ..dr import availability_with_failover
from ..engines.exact import exact_availability
from ..engines.results import AvailabilityResult
from ..topology.model import Topology
from ._common import add_json_argument, add_spec_argument, load, print_json, table, whole_number


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("availability", help="exact steady-state availability and importance")
    add_spec_argument(parser)
    add_json_argument(parser)
    parser.add_argument("--top", type=whole_number(0), default=12, metavar="N",
                        help="importance rows to print (default 12; 0 prints none)")
    parser.add_argument("--instant-failover", action="store_true",
                        help="treat failover as instantaneous (an upper bound) instead of using the DR workflow RTO")
    parser.add_argument("--seed", type=whole_number(0), default=0,
                        help="seed of the DR workflow RTO samples (0 or more)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model = load(args)
    costs: dict = {}
    if isinstance(model, Topology) and not args.instant_failover and any(r.fails_over_to for r in model.regions):
        result, costs = availability_with_failover(model, seed=args.seed)
    else:
        result = exact_availability(model)
    if args.json:
        payload = result.to_dict()
        payload["failover"] = {
            "model": "dr-workflow" if costs else ("instantaneous" if isinstance(model, Topology) else "none"),
            "regions": {name: {"expected_outage_h": c.expected_outage_h, "rto_mean_h": c.rto_mean_h,
                               "region_repair_mean_h": c.region_repair_mean_h} for name, c in costs.items()},
        }
        print_json(payload)
    else:
        print(render(result, top=args.top))
    return 0


def _maybe(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "n/a (see note)"


def render(result: AvailabilityResult, top: int = 12) -> str:
    """Text report of an availability result."""
    s = result.system
    scope = "tenant with home region drawn uniformly" if result.form == "regions" else "root block"
    lines = [
        f"{result.name}: service ({scope})",
        f"  availability           {s.availability:.8f}",
        f"  unavailability         {s.unavailability:.3e}",
        f"  downtime               {s.downtime_min_per_year:.3f} min/year",
        f"  nines                  {s.nines:.3f}",
        f"  failures               {_maybe(s.failure_frequency_per_year, '.4g')} per year",
        f"  mean outage            {_maybe(s.mean_outage_h, '.4g')} h",
    ]
    if result.regions:
        rows = [(r.name, r.fails_over_to or "-", r.own.availability, r.own.downtime_min_per_year,
                 r.with_failover.availability, r.with_failover.downtime_min_per_year) for r in result.regions]
        lines += ["", table(["region", "fails over to", "A (own)", "downtime min/yr (own)",
                             "A (with failover)", "downtime min/yr (with failover)"], rows)]
    rows = [(i.element, i.count, i.availability, i.birnbaum, i.criticality, i.fussell_vesely,
             i.risk_achievement_worth) for i in result.importance[:top]]
    lines += ["", "importance (ranked by criticality; for instance groups: each instance)",
              table(["element", "count", "availability", "birnbaum", "criticality", "fussell-vesely", "RAW"], rows)]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)
