"""``hadr availability SPEC [--json]``: exact steady-state results; ``--mission T [--at t1,t2]``:
R(t), MTTF, A(t) and interval availability from an all-up start instead."""

from __future__ import annotations

import argparse
import math
from typing import Any, cast

from ..engines.mission import MissionFigure, MissionResult
from ..engines.results import AvailabilityResult
from ..errors import SpecError
from ..service import availability, failover_label, mission, verdict
from ..topology.model import Model, Topology
from ..units import format_duration, parse_duration
from ._common import (
    add_json_argument,
    add_overlay_argument,
    add_spec_argument,
    load_model,
    print_json,
    printable,
    table,
    whole_number,
    with_spec,
)
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
                        help="seed of the DR workflow samples (0 or more); with --mission, of the Monte Carlo runs")
    parser.add_argument("--mission", metavar="DURATION",
                        help="mission time, e.g. 8760h or 1y: print R(t), MTTF, A(t) and interval availability "
                             "from an all-up start instead of the steady state")
    parser.add_argument("--at", metavar="T1,T2,...",
                        help="with --mission: more times (at most the mission) for R, A and interval availability")
    parser.add_argument("--runs", type=whole_number(2), default=10_000,
                        help="with --mission: Monte Carlo runs when a figure needs them (default 10000)")
    add_overlay_argument(parser)
    parser.add_argument("--uncertainty", action="store_true",
                        help="also carry the spec's uncertain parameters through the exact engine: credible bands "
                             "(median, 5-95 %%), P(availability objective met), Sobol' ranking")
    parser.add_argument("--samples", type=whole_number(1), default=4096, metavar="N",
                        help="with --uncertainty: parameter samples (default 4096)")
    parser.add_argument("--dr-samples", type=whole_number(1), default=64, metavar="M",
                        help="with --uncertainty and uncertain DR parameters: their samples, each running the DR "
                             "workflows (default 64; at most 512, and M x disasters at most 2,000,000)")
    parser.add_argument("--dr-disasters", type=whole_number(1), default=5000, metavar="N",
                        help="with --uncertainty: disasters per DR sample and scenario, the same seeds in every "
                             "sample (default 5000; 20000 reproduces the point verdict at the point values)")
    parser.set_defaults(run=run)


def _mission_times(args: argparse.Namespace) -> tuple[float, list[float]]:
    if args.mission is None:
        raise SpecError("--at", args.at, "--at only with --mission")
    hours = parse_duration(args.mission, "--mission")
    times = []
    for text in (args.at or "").split(","):
        if text.strip():
            t = parse_duration(text.strip(), "--at")
            if t > hours:
                raise SpecError("--at", text.strip(), f"a time within the mission ({args.mission})")
            times.append(t)
    if args.at is not None and not times:
        raise SpecError("--at", args.at, "a comma-separated list of durations, e.g. 24h,720h")
    return hours, times


def run_mission(args: argparse.Namespace) -> int:
    hours, times = _mission_times(args)
    result = mission(load_model(args), hours, times, runs=args.runs, seed=args.seed)
    if args.json:
        print_json(result.as_dict())
    else:
        print(render_mission(result))
    return 0


def render_mission(result: MissionResult) -> str:
    """Text report of mission figures: one row per time, each figure's model below."""
    figures = (result.reliability, result.availability_at, result.interval_availability)

    def cell(figure: MissionFigure, j: int) -> str:
        value = f"{figure.values[j]:.8f}"
        if figure.ci95 is not None:
            low, high = figure.ci95[j]
            value += f" [{low:.6f}, {high:.6f}]"
        return value

    rows = [(f"{t:g}", *(cell(f, j) for f in figures)) for j, t in enumerate(result.times_h)]
    mttf = f"{result.mttf_h:.6g} h"
    if result.mttf_ci95_h is not None:
        mttf += f" (95% CI {result.mttf_ci95_h[0]:.6g} to {result.mttf_ci95_h[1]:.6g} h)"
    if result.mttf_censored:
        mttf = "at least " + mttf
    lines = [f"{printable(result.name)}: mission of {result.mission_h:g} h from an all-up start "
             f"(service; {failover_label(result.failover_model)})",
             table(["t (h)", "R(t)", "A(t)", "interval A over [0, t]"], rows), "",
             f"MTTF (to the first service outage)  {mttf}", "", "models:"]
    lines += [f"  {name:<22} {printable(model)}" for name, model in result.models.items()]
    lines += [f"note: {printable(note)}" for note in result.notes]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.mission is not None or args.at is not None:
        return run_mission(args)
    model = load_model(args)
    result = availability(model, failover=args.failover, seed=args.seed)
    judged = verdict(model, seed=args.seed, failover=args.failover, result=result)
    advice = advise(model, judged, seed=args.seed, failover=args.failover)
    # A "dr-workflow" result comes only from a Topology with failover pairs (service.fails_over).
    from ..dr import failover_costs

    costs = failover_costs(cast(Topology, model), seed=args.seed) if result.failover_model == "dr-workflow" else {}
    if args.json:
        payload = result.to_dict()
        payload["failover"] = {
            "model": result.failover_model,
            "regions": {name: {"expected_outage_h": c.expected_outage_h, "rto_mean_h": c.rto_mean_h,
                               "region_repair_mean_h": c.region_repair_mean_h} for name, c in costs.items()},
        }
        payload["verdict"] = judged.as_dict()
        payload.update(advice)
        if args.uncertainty:
            payload["uncertainty"] = _uncertainty(model, args).as_dict()
        print_json(with_spec(payload, model, args.spec))
    else:
        print(render_verdict(judged, advice))
        print()
        print(render(result, top=args.top))
        if args.uncertainty:
            print()
            print("\n".join(printable(line) for line in _uncertainty(model, args).describe_lines()))
    return exit_code(judged, args)


def _uncertainty(model: Model, args: argparse.Namespace) -> Any:
    from ..service.uncertainty import propagate

    return propagate(model, samples=args.samples, seed=args.seed, failover=args.failover,
                     dr_samples=args.dr_samples, dr_disasters=args.dr_disasters)


def _maybe(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "n/a (see note)"


def _maybe_duration(hours: float) -> str:
    return format_duration(hours) if math.isfinite(hours) else "n/a (see note)"


def render(result: AvailabilityResult, top: int = 12) -> str:
    """Text report of an availability result."""
    s = result.system
    scope = "tenant with home region drawn uniformly" if result.form == "regions" else "root block"
    lines = [
        f"{printable(result.name)}: service ({scope}; {failover_label(result.failover_model)})",
        *([f"  model: {result.engine}"] if result.engine != "exact" else []),
        f"  availability           {s.availability:.8f}",
        f"  unavailability         {s.unavailability:.3e}",
        f"  downtime               {s.downtime_min_per_year:.3f} min/year",
        f"  nines                  {s.nines:.3f}",
        f"  failures               {_maybe(s.failure_frequency_per_year, '.4g')} per year",
        f"  mean outage            {_maybe_duration(s.mean_outage_h)}",
    ]
    if result.regions:
        rows = [(r.name, r.fails_over_to or "-", r.own.availability, r.own.downtime_min_per_year,
                 r.with_failover.availability, r.with_failover.downtime_min_per_year) for r in result.regions]
        lines += ["", table(["region", "fails over to", "A (own)", "downtime min/yr (own)",
                             "A (with failover)", "downtime min/yr (with failover)"], rows)]
    ranked = [(i.element, i.count, i.availability, i.birnbaum, i.criticality, i.fussell_vesely,
               i.risk_achievement_worth) for i in result.importance[:top]]
    lines += ["", f"importance (ranked by criticality under {failover_label(result.failover_model)}; "
              "for instance groups: each instance)",
              table(["element", "count", "availability", "birnbaum", "criticality", "fussell-vesely", "RAW"],
                    ranked)]
    lines += [f"note: {printable(note)}" for note in result.notes]
    return "\n".join(lines)
