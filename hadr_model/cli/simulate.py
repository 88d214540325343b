"""``hadr simulate [SPEC] --years Y --runs N --seed S [--precision P] [--max-seconds T] [--workers W]
[--scheduler tcp://HOST:PORT] [--failover dr-workflow|instantaneous] [--json]``: time-domain Monte Carlo.

A run is one independent stationary history of ``Y`` years; figures are per year.
``--scheduler`` runs the blocks of runs on a Dask cluster (optional extra ``hadr_model[dask]``):
the same seed gives the same numbers as one process or ``--workers``.

Failover (region form with ``fails_over_to`` pairs) as :func:`hadr_model.simulate` models it:
``dr-workflow`` (the default) draws one failover RTO per region loss from the DR workflow's
region-loss RTO samples (seeded with ``--seed``): the tenant is down for ``min(region repair,
RTO)`` and then served by its failover region until its region is repaired.
``instantaneous`` is the upper bound.
"""

from __future__ import annotations

import argparse
import math

from ..engines.montecarlo import MAX_RUNS, MAX_WORKERS, MAX_YEARS, SimulationResult
from ..errors import SpecError
from ..service import failover_label, simulate
from ._common import (
    add_json_argument,
    add_overlay_argument,
    add_spec_argument,
    duration_cell,
    load_model,
    print_json,
    printable,
    table,
    with_spec,
)
from ._verdict import add_failover_argument


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("simulate",
                                   help="Monte Carlo: downtime distributions, outages, attribution")
    add_spec_argument(parser)
    parser.add_argument("--years", type=float, default=1.0,
                        help=f"length of one run in years (default 1, at most {MAX_YEARS:g})")
    parser.add_argument("--runs", type=int, default=1000,
                        help=f"runs (default 1000, at most {MAX_RUNS:,}); with --precision or --max-seconds, "
                             "the most runs")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--precision", type=float, default=None,
                        help="stop at this relative 95%% CI half-width of the mean downtime, e.g. 0.01")
    parser.add_argument("--max-seconds", type=float, default=None, help="time budget in seconds")
    parser.add_argument("--workers", type=int, default=1, help=f"worker processes (default 1, at most {MAX_WORKERS})")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="run on a Dask cluster, e.g. tcp://host:8786 (same numbers as one process)")
    parser.add_argument("--objective", type=float, default=None,
                        help="availability objective, between 0 and 1 (default: the spec's objectives.availability)")
    parser.add_argument("--plain", action="store_true", help="plain mean, without the control variate")
    add_failover_argument(parser)
    parser.add_argument("--top", type=int, default=8, help="attribution rows to print (default 8)")
    add_json_argument(parser)
    add_overlay_argument(parser)
    parser.set_defaults(run=run)


def _check(args: argparse.Namespace) -> None:
    """Bounds of the options, named as flags (the engine checks them again by argument name)."""
    if not (math.isfinite(args.years) and 0.0 < args.years <= MAX_YEARS):
        raise SpecError("--years", args.years, f"a number of years more than 0, at most {MAX_YEARS:g}")
    if not 2 <= args.runs <= MAX_RUNS:
        raise SpecError("--runs", args.runs, f"an integer number of runs, 2 to {MAX_RUNS:,}")
    if args.precision is not None and not 0.0 < args.precision < 1.0:
        raise SpecError("--precision", args.precision, "a relative precision strictly between 0 and 1")
    if args.max_seconds is not None and not (math.isfinite(args.max_seconds) and args.max_seconds > 0):
        raise SpecError("--max-seconds", args.max_seconds, "a time budget in seconds, more than 0")
    if not 1 <= args.workers <= MAX_WORKERS:
        raise SpecError("--workers", args.workers, f"a number of worker processes, 1 to {MAX_WORKERS}")
    if args.objective is not None and not 0.0 < args.objective < 1.0:
        raise SpecError("--objective", args.objective, "an availability objective strictly between 0 and 1")
    if args.seed < 0:
        raise SpecError("--seed", args.seed, "a non-negative integer seed")
    if args.top < 0:
        raise SpecError("--top", args.top, "a number of rows, at least 0")


# Engine arguments whose errors (e.g. "at most N runs for this model") are about a flag.
_FLAGS = {"years": "--years", "runs": "--runs", "max_seconds": "--max-seconds", "workers": "--workers",
          "precision": "--precision", "objective": "--objective", "seed": "--seed", "scheduler": "--scheduler"}


def run(args: argparse.Namespace) -> int:
    _check(args)
    model = load_model(args)
    try:
        result = simulate(model, years=args.years, runs=args.runs, seed=args.seed, precision=args.precision,
                          max_seconds=args.max_seconds, workers=args.workers, progress=not args.json,
                          objective=args.objective, control_variate=not args.plain, failover=args.failover,
                          **({"scheduler": args.scheduler} if args.scheduler is not None else {}))
    except SpecError as error:
        if error.field not in _FLAGS or error.file:
            raise
        raise SpecError(_FLAGS[error.field], error.value, error.expected) from None
    if args.json:
        payload = result.as_dict()
        # The rows as pandas' to_dict(orient="records") gives them, without importing pandas.
        payload["attribution"] = result.attribution_records(args.top)
        print_json(with_spec(payload, model, args.spec))
    else:
        print(render(result, top=args.top))
    return 0


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, spec)


def render(result: SimulationResult, top: int = 8) -> str:
    """Text report of a simulation result."""
    r = result
    low, high = r.availability_ci95
    estimator = "control variate" if r.control_variate else "plain mean"
    failover = failover_label(r.failover_model) if r.failover_model != "none" else None
    lines = [
        f"{printable(r.name)}: Monte Carlo, {r.runs} runs of {r.years:g} year(s), seed {r.seed} "
        f"({r.blocks} block(s) of {min(r.block_runs, r.runs)} runs in {r.batches} batch(es), {r.seconds:.1f} s, "
        f"stopped by {r.stopped_by})",
        *([f"  failover               {failover}"] if failover else []),
        f"  availability           {r.availability:.8f}   95% CI [{low:.8f}, {high:.8f}] ({estimator})",
        f"  relative precision     {_fmt(r.relative_precision, '.3%')} (95% half-width / unavailability)",
        f"  downtime min/year      mean {_fmt(r.downtime_min_per_year_mean, '.4g')}  "
        f"p50 {_fmt(r.downtime_min_per_year_p50, '.4g')}  p90 {_fmt(r.downtime_min_per_year_p90, '.4g')}  "
        f"p99 {_fmt(r.downtime_min_per_year_p99, '.4g')}",
        f"  outages per year       {_fmt(r.outages_per_year_mean, '.4g')}   95% CI "
        f"[{_fmt(r.outages_per_year_ci95[0], '.4g')}, {_fmt(r.outages_per_year_ci95[1], '.4g')}]",
        f"  outage duration        mean {duration_cell(r.outage_duration_h_mean)}  "
        f"p50 {duration_cell(r.outage_duration_h_p50)}  p90 {duration_cell(r.outage_duration_h_p90)}  "
        f"p99 {duration_cell(r.outage_duration_h_p99)}  ({r.outages_observed} complete outages)",
    ]
    if r.objective_availability is not None:
        meets = _fmt(r.probability_meeting_objective, ".4f")
        lines.append(f"  P(run meets {r.objective_availability:g})   {meets}")
    # A precision target the runs or the time did not reach is a warning, not a remark.
    missed = r.precision_reached is False
    lines += [f"  {'warning' if missed and note.startswith('precision target') else 'note'}: {printable(note)}"
              for note in r.notes]
    rows = [(row["element"], row["kind"], int(row["count"]), row["outages_started_per_year"],
             row["downtime_min_per_year"], row["share"]) for row in r.attribution_records(top)]
    if rows:
        lines += ["", "downtime attributed to the element whose failure started each outage",
                  table(["element", "kind", "count", "outages/year", "downtime min/year", "share"], rows)]
    return "\n".join(lines)
