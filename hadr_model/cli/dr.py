"""``hadr dr SPEC [--scenario …] [--json]``: RPO/RTO distributions and objective compliance."""

from __future__ import annotations

import argparse
from typing import Any

from ..dr import ENGINES, SCENARIO_NAMES, failover_costs, topology_scenarios
from ..errors import SpecError
from ..topology.model import Topology
from ._common import add_json_argument, add_spec_argument, load, print_json, table


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dr", help="RPO/RTO of the DR workflows against the objectives")
    add_spec_argument(parser)
    parser.add_argument("--scenario", choices=SCENARIO_NAMES, action="append",
                        help="zone-loss, region-loss or corruption (repeatable; default: all three)")
    parser.add_argument("--disasters", type=int, default=20_000, help="disasters simulated per scenario")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same numbers)")
    parser.add_argument("--engine", choices=ENGINES, default="fast",
                        help="fast (vectorised) or simpy (process simulation, the reference)")
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.disasters < 1 or args.disasters > 10_000_000:
        raise SpecError("--disasters", args.disasters, "a whole number from 1 to 10,000,000")
    if args.seed < 0:
        raise SpecError("--seed", args.seed, "a non-negative integer")
    model = load(args)
    scenarios = tuple(args.scenario or SCENARIO_NAMES)
    results = topology_scenarios(model, scenarios, n_disasters=args.disasters, seed=args.seed, engine=args.engine)
    costs = failover_costs(model, n_disasters=args.disasters, seed=args.seed) if isinstance(model, Topology) else {}
    if args.json:
        print_json(_payload(args, results, costs))
    else:
        print(_render(model.name, results, costs))
    return 0


def _payload(args: argparse.Namespace, results: dict, costs: dict) -> dict[str, Any]:
    return {
        "seed": args.seed,
        "disasters": args.disasters,
        "engine": args.engine,
        "scenarios": {
            scenario: {
                role: {**result.summary(), "compliance": result.compliance().to_dict(orient="records")}
                for role, result in roles.items()
            }
            for scenario, roles in results.items()
        },
        "failover": {
            name: {"fails_over_to": c.fails_over_to, "rto_mean_h": c.rto_mean_h,
                   "region_repair_mean_h": c.region_repair_mean_h, "expected_outage_h": c.expected_outage_h}
            for name, c in costs.items()
        },
    }


def _render(name: str, results: dict, costs: dict) -> str:
    rows, spread, yearly = [], [], []
    for scenario, roles in results.items():
        for role, result in roles.items():
            summary = result.summary()
            for row in result.compliance().to_dict(orient="records"):
                rows.append((scenario, role, row["objective"], row["target_h"], row["p95_h"], row["p99_h"],
                             row["probability_met"], "pass" if row["passed"] else "FAIL"))
            spread.append((scenario, role, summary["rpo_mean_h"], summary["rpo_max_h"], summary["rto_mean_h"],
                           summary["rto_first_tenant_mean_h"], summary["rto_median_tenant_mean_h"],
                           summary["rto_last_tenant_mean_h"], summary["p_unrecoverable"]))
            if "data_loss_h_per_year" in summary:
                yearly.append((scenario, role, summary["disasters_per_year"], summary["data_loss_h_per_year"],
                               summary["downtime_h_per_year"]))
    lines = [f"{name}: DR workflows (hours)", "",
             table(["scenario", "role", "objective", "target h", "p95 h", "p99 h", "P(met)", "result"], rows), "",
             table(["scenario", "role", "RPO mean", "RPO max", "RTO mean", "RTO first tenant",
                    "RTO median tenant", "RTO last tenant", "P(unrecoverable)"], spread)]
    if yearly:
        lines += ["", table(["scenario", "role", "disasters/yr", "data loss h of writes/yr", "downtime h/yr"], yearly)]
    if costs:
        lines += ["", "failover folded into availability: a region loss costs E[min(region repair, RTO)]",
                  table(["region", "fails over to", "RTO mean h", "repair mean h", "expected outage h"],
                        [(c.region, c.fails_over_to, c.rto_mean_h, c.region_repair_mean_h, c.expected_outage_h)
                         for c in costs.values()])]
    return "\n".join(lines)
