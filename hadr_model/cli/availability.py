"""``hadr availability SPEC [--json]``: exact steady-state results."""

from __future__ import annotations

import argparse
import math

from ..dr import failover_costs
from ..engines.results import AvailabilityResult
from ..service import availability, failover_label, verdict
from ._common import add_json_argument, add_spec_argument, load, print_json, printable, table, whole_number
from ._verdict import add_fail_on_miss_argument, add_failover_argument, advise, exit_code, render_verdict


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("availability", help="exact steady-state availability and importance")
    add_spec_argument(parser)
    add_json_argument(parser)
    parser.add_argument("--top", type=whole_number(0), default=12, metavar="N",
                        help="importance rows to print (default 12; 0 prints none)")
    add_failover_argument(parser)
    add_fail_on_miss_argument(parser)
    parser.add_argument("--seed", type=whole_number(0), default=0,
                        help="seed of the DR workflow samples (0 or more)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model = load(args)
    result = availability(model, failover=args.failover, seed=args.seed)
    judged = verdict(model, seed=args.seed, failover=args.failover, result=result)
    advice = advise(model, judged, seed=args.seed, failover=args.failover)
    costs = failover_costs(model, seed=args.seed) if result.failover_model == "dr-workflow" else {}
    if args.json:
        payload = result.to_dict()
        payload["failover"] = {
            "model": result.failover_model,
            "regions": {name: {"expected_outage_h": c.expected_outage_h, "rto_mean_h": c.rto_mean_h,
                               "region_repair_mean_h": c.region_repair_mean_h} for name, c in costs.items()},
        }
        payload["verdict"] = judged.as_dict()
        payload.update(advice)
        print_json(payload)
    else:
        print(render_verdict(judged, advice))
        print()
        print(render(result, top=args.top))
    return exit_code(judged, args)


def _maybe(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "n/a (see note)"


def render(result: AvailabilityResult, top: int = 12) -> str:
    """Text report of an availability result."""
    s = result.system
    scope = "tenant with home region drawn uniformly" if result.form == "regions" else "root block"
    lines = [
        f"{printable(result.name)}: service ({scope}; {failover_label(result.failover_model)})",
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
    lines += ["", f"importance (ranked by criticality under {failover_label(result.failover_model)}; "
              "for instance groups: each instance)",
              table(["element", "count", "availability", "birnbaum", "criticality", "fussell-vesely", "RAW"], rows)]
    lines += [f"note: {printable(note)}" for note in result.notes]
    return "\n".join(lines)
