"""``hadr dr SPEC [--scenario …] [--json]``: RPO/RTO distributions and objective compliance.

Scenario names are spelled ``zone_loss``, ``region_loss``, ``corruption`` (the JSON keys and
the spec's keys); ``--scenario zone-loss`` is accepted as an alias, so older scripts keep
working. Text output prints durations in the most readable unit (``5 min``, ``3.8 h``); JSON
keeps hours (keys ending in ``_h``).
"""

from __future__ import annotations

import argparse
from typing import Any, cast

from ..dr import ENGINES, failover_costs, topology_scenarios
from ..dr.budget import MAX_DISASTERS, check_disasters
from ..dr.results import quantile
from ..dr.sites import site_outcomes
from ..errors import SpecError
from ..service import verdict
from ..topology.dataprotection import SCENARIOS
from ..topology.model import Topology
from ._common import add_json_argument, add_spec_argument, duration_cell, load, print_json, printable, table, with_spec
from ._verdict import add_fail_on_miss_argument, advise, exit_code, render_verdict


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dr", help="RPO/RTO of the DR workflows against the objectives")
    add_spec_argument(parser)
    parser.add_argument("--scenario", type=scenario_name, choices=SCENARIOS, action="append",
                        help="zone_loss, region_loss or corruption (repeatable; default: all three; "
                             "the hyphenated zone-loss, region-loss are accepted too)")
    parser.add_argument("--disasters", type=int, default=20_000,
                        help=f"disasters simulated per scenario (default 20000, 1 to {MAX_DISASTERS:,}, and "
                             "within the 2 GiB memory budget for the spec's roles and scenarios)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same numbers)")
    parser.add_argument("--engine", choices=ENGINES, default="fast",
                        help="fast (vectorised) or simpy (process simulation, the reference) for the per-role "
                             "tables; the verdict always uses the fast engine, as every other command does")
    add_fail_on_miss_argument(parser)
    add_json_argument(parser)
    parser.set_defaults(run=run)


def scenario_name(text: str) -> str:
    """A ``--scenario`` value in its one spelling: ``region-loss`` (an alias) → ``region_loss``."""
    return text.strip().replace("-", "_")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.disasters <= MAX_DISASTERS:
        raise SpecError("--disasters", args.disasters, f"a whole number from 1 to {MAX_DISASTERS:,}")
    if args.seed < 0:
        raise SpecError("--seed", args.seed, "a non-negative integer")
    model = load(args)
    scenarios = tuple(args.scenario or SCENARIOS)
    # The whole command at once (every result is kept for the tables), before anything is drawn.
    # The verdict runs every scenario per site, whatever --scenario picks for the per-role tables.
    check_disasters(model, args.disasters, list(SCENARIOS), args.engine,
                    failover=isinstance(model, Topology), field="--disasters")
    sites = site_outcomes(model, n_disasters=args.disasters, seed=args.seed)
    topology = cast(Topology, model)        # site_outcomes has refused anything else
    judged = verdict(model, seed=args.seed, n_disasters=args.disasters, sites=sites)
    # What it takes before the per-role tables are drawn: each preset's verdict is let go before the
    # next, so the peak stays one verdict beside this one, below the peak the check above allows for.
    advice = advise(model, judged, seed=args.seed, n_disasters=args.disasters)
    results = topology_scenarios(model, scenarios, n_disasters=args.disasters, seed=args.seed, engine=args.engine)
    costs = failover_costs(model, n_disasters=args.disasters, seed=args.seed) if isinstance(model, Topology) else {}
    if args.json:
        print_json(with_spec({**_payload(args, results, costs), "verdict": judged.as_dict(), **advice,
                              "sites": _site_rows(topology, sites)}, model, args.spec))
    else:
        print(render_verdict(judged, advice))
        print()
        print(_render(model.name, results, costs, _site_rows(topology, sites)))
    return exit_code(judged, args)


def _site_rows(model: Topology, sites: dict) -> list[dict[str, Any]]:
    """Per scenario and home region, with that region's own plan: the service's RPO and RTO."""
    rows = []
    for scenario, by_region in sites.items():
        for region, outcome in by_region.items():
            rpo_target, rto_target = model.objectives.rpo_h[scenario], model.objectives.rto_h[scenario]
            # An objective the spec does not state has no P(met): the verdict calls it absent.
            given = model.objectives.given
            rows.append({"scenario": scenario, "home_region": region,
                         "plan": "own" if model.region(region).recovery is not None else "top-level",
                         "rpo_p95_h": quantile(outcome.rpo_h, 0.95),
                         "p_rpo_met": outcome.probability_met("rpo", rpo_target)
                         if f"rpo.{scenario}" in given else None,
                         "rto_mean_h": float(outcome.rto_h[outcome.rto_h < float("inf")].mean()),
                         "rto_p95_h": quantile(outcome.rto_h, 0.95),
                         "p_rto_met": outcome.probability_met("rto", rto_target)
                         if f"rto.{scenario}" in given else None})
    return rows


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


def _render(name: str, results: dict, costs: dict, sites: list[dict[str, Any]]) -> str:
    d = duration_cell
    spread, yearly = [], []
    for scenario, roles in results.items():
        for role, result in roles.items():
            summary = result.summary()
            spread.append((scenario, role, d(summary["rpo_mean_h"]), d(summary["rpo_max_h"]), d(summary["rto_mean_h"]),
                           d(summary["rto_first_database_mean_h"]), d(summary["rto_median_database_mean_h"]),
                           d(summary["rto_last_database_mean_h"]), summary["p_unrecoverable"]))
            if "data_loss_h_per_year" in summary:
                yearly.append((scenario, role, summary["disasters_per_year"], d(summary["data_loss_h_per_year"]),
                               d(summary["downtime_h_per_year"])))
    site_rows = [(r["scenario"], r["home_region"], r["plan"], d(r["rpo_p95_h"]), r["p_rpo_met"], d(r["rto_mean_h"]),
                  d(r["rto_p95_h"]), r["p_rto_met"]) for r in sites]
    lines = [f"{printable(name)}: DR workflows", "",
             "per home region, each with its own recovery plan (the verdict's figures)",
             table(["scenario", "home region", "plan", "RPO p95", "P(RPO met)", "RTO mean", "RTO p95", "P(RTO met)"],
                   site_rows), "",
             "per stateful role, top-level recovery plan (restore order: first, median and last database)",
             table(["scenario", "role", "RPO mean", "RPO max", "RTO mean", "RTO first database",
                    "RTO median database", "RTO last database", "P(unrecoverable)"], spread)]
    if yearly:
        lines += ["", table(["scenario", "role", "disasters/yr", "writes lost/yr (as time)", "downtime/yr"], yearly)]
    if costs:
        lines += ["", "failover folded into availability: a region loss costs E[min(region repair, RTO)]",
                  table(["region", "fails over to", "RTO mean", "repair mean", "expected outage"],
                        [(c.region, c.fails_over_to, d(c.rto_mean_h), d(c.region_repair_mean_h),
                          d(c.expected_outage_h)) for c in costs.values()])]
    return "\n".join(lines)
