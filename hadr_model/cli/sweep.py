"""``hadr sweep NOTEBOOK|--function NAME --grid GRID.yaml --out DIR``: parameter sweeps.

Exit codes: 0 when the sweep finished and at least one point succeeded (failed points are
recorded in the table with their error, and counted in the summary line on stdout), 1 when
every point failed, 2 on bad input (grid, names, values, options, a ``--scheduler`` that is
malformed, refused or silent for 5 s, or a ``--out`` that is a
file, a sweep directory that is corrupt, foreign or holds another sweep, or one another
sweep process is using now), 130 when interrupted (one line, ``hadr: interrupted``; the
journal keeps every finished point: run again with ``--resume``).

``--function`` takes a built-in name (``availability``, ``dr``, ``tradeoff``, ``simulate``)
or ``module:callable`` for any importable function ``f(model, *, seed, **options)``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._common import add_json_argument, print_json, spec_json, whole_number

# The built-in sweep functions, listed for --help without importing the sweep machinery (a
# test checks that this list is hadr_model.sweeps.functions.FUNCTIONS).
_FUNCTION_NAMES = ("availability", "dr", "tradeoff", "simulate")

_EPILOG = """\
grid file:
  spec: PATH                                  (optional, relative to the grid file)
  parameters:
    roles.invoker.per_zone: [8, 10, 12]       a list of values
    zone.mttr: {low: 1h, high: 12h, num: 4}   a range (num: grid only; scale: log; integer)
  sample: {method: grid|random|lhs, n: 64, seed: 1}
  options: {n_disasters: 2000}                fixed function options / notebook parameters

grid values must be plain JSON at every depth (no !!binary, !!set, unquoted dates, .nan).

exit status: 0 done (failed points are in the table), 1 every point failed, 2 bad input
or an unusable DIR (a file, another sweep's, corrupt, in use by another sweep now),
130 interrupted (finish with --resume)."""


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected seconds more than 0, got {text}")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sweep", help="parameter sweeps (grid, random, Latin hypercube) by function or notebook",
        description="Run a model function (in-process) or a notebook (papermill) at every point of a grid.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EPILOG)
    parser.add_argument("notebook", nargs="?", default=None,
                        help="notebook mode: a notebook with a 'parameters' cell that writes results_path")
    parser.add_argument("--function", metavar="NAME",
                        help=f"function mode: {', '.join(_FUNCTION_NAMES)}, or module:callable")
    parser.add_argument("--grid", required=True, metavar="GRID.yaml", help="grid file (parameters, sample)")
    parser.add_argument("--out", required=True, metavar="DIR", help="sweep directory (journal, results.parquet)")
    parser.add_argument("--workers", type=whole_number(1), default=1, metavar="N",
                        help="local worker processes (default 1: in this process)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--resume", action="store_true", help="finish an interrupted sweep in DIR")
    parser.add_argument("--warm-kernel", action="store_true",
                        help="notebook mode: keep one kernel per worker, reset before each point (faster; "
                             "imported modules persist between points)")
    parser.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                        help="per point (notebook mode: per cell); enforced locally, on Dask and in warm kernels")
    parser.add_argument("--csv", action="store_true", help="also write DIR/results.csv")
    parser.add_argument("--seed", type=whole_number(0), default=0, metavar="S", help="sweep seed (default 0)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if (args.notebook is None) == (args.function is None):
        print("hadr: error: give either a NOTEBOOK or --function NAME (exactly one)", file=sys.stderr)
        return 2
    from ..errors import SpecError
    from ..sweeps.runner import run_sweep  # pandas and the sweep machinery: only when sweeping

    try:
        frame = run_sweep(
            args.grid, function=args.function, notebook=args.notebook, out=args.out, workers=args.workers,
            scheduler=args.scheduler, resume=args.resume, seed=args.seed, timeout=args.timeout,
            warm_kernel=args.warm_kernel,
            progress=not args.no_progress and sys.stderr.isatty(), csv=args.csv)
    except SpecError as error:
        if error.field != "scheduler" or error.file:
            raise
        raise SpecError("--scheduler", error.value, error.expected) from None   # named as the flag
    summary = frame.attrs["summary"]
    table = Path(args.out) / "results.parquet"
    if args.json:
        print_json({"spec": _grid_spec(args.grid), "summary": summary, "table": str(table),
                    "csv": str(Path(args.out) / "results.csv") if args.csv else None})
        return 1 if summary["points"] and not summary["ok"] else 0
    timeouts = f" ({summary['timeout']} timed out)" if summary["timeout"] else ""
    print(f"{summary['ok']} ok, {summary['failed']} failed{timeouts} of {summary['points']} points "
          f"({summary['ran']} run now, {summary['resumed']} already done) -> {table}")
    if summary["points"] and not summary["ok"]:
        return 1
    return 0


def _grid_spec(grid: str) -> dict[str, object]:
    """The spec the grid sweeps (its ``spec:``, or the shipped default), named as every JSON names it."""
    from ..sweeps.grid import load_grid
    from ..topology.spec import load_spec

    path = load_grid(grid).spec
    return spec_json(load_spec(path), path)
