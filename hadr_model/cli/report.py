"""``hadr report [SPEC] [--sweep DIR] [--out reports/] [--seed S] [--pdf]``: publish the report.

Runs the report notebook for the spec and publishes one self-contained HTML page (plus the
executed notebook, a JSON summary and ``index.html``) under ``--out``. ``--pdf`` also renders
a PDF with WeasyPrint when the ``pdf`` extra is installed (exit 2 with a clear message when not).
"""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import SpecError
from ._common import add_json_argument, add_spec_argument, print_json, spec_json
from ._verdict import add_fail_on_miss_argument, exit_code, render_verdict


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="publish the availability report (HTML) under --out")
    add_spec_argument(parser)
    parser.add_argument("--sweep", metavar="DIR", help="folder of a finished sweep, for the sweep charts")
    parser.add_argument("--records", metavar="FILE", help="incident records (.csv / .parquet): the 'How sure are "
                        "we' band uses their fitted laws and posteriors, and shows the fit plots")
    parser.add_argument("--out", metavar="DIR", default="reports/", help="folder of the published reports "
                        "(default reports/)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random engines (default 0)")
    parser.add_argument("--runs", type=int, default=2000, help="Monte Carlo runs of one year (default 2000)")
    parser.add_argument("--disasters", type=int, default=20_000,
                        help="disasters simulated per DR scenario (default 20000)")
    add_fail_on_miss_argument(parser)
    parser.add_argument("--pdf", action="store_true",
                        help="also write a PDF (needs: pip install 'hadr_model[pdf]')")
    add_json_argument(parser)
    parser.set_defaults(run=run)




def _progress(line: str) -> None:
    print(f"hadr report: {line}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from ..reports import publish_report

    if args.seed < 0:
        raise SpecError("--seed", args.seed, "a non-negative integer")
    if not 2 <= args.runs <= 10_000_000:
        raise SpecError("--runs", args.runs, "a whole number of Monte Carlo runs from 2 to 10,000,000")
    if not 1 <= args.disasters <= 10_000_000:
        raise SpecError("--disasters", args.disasters, "a whole number from 1 to 10,000,000")
    # Progress on stderr (stdout keeps the verdict): a report takes a minute or more.
    paths = publish_report(args.spec, out=args.out, sweep=args.sweep, seed=args.seed, pdf=args.pdf,
                           mc_runs=args.runs, dr_disasters=args.disasters, progress=_progress,
                           progress_bar=sys.stderr.isatty(), records=args.records)
    summary = json.loads(paths.summary.read_text(encoding="utf-8"))
    verdict = summary["verdict"]
    if args.json:
        # The report's own JSON summary, with the spec named as every command names it and the files written.
        files = {"html": paths.html, "pdf": paths.pdf, "notebook": paths.notebook, "summary": paths.summary,
                 "index": paths.index}
        print_json({"spec": {**spec_json(None, args.spec), "name": summary.get("name")}, **summary,
                    "paths": {key: None if path is None else str(path) for key, path in files.items()}})
        return exit_code(verdict, args)
    # The report's own what-it-takes (the notebook computed it): the same text as the other commands.
    print(render_verdict(verdict, {key: summary.get(key) for key in ("what_it_takes", "strategy")}))
    print()
    print(f"report:   {paths.html}")
    if paths.pdf:
        print(f"pdf:      {paths.pdf}")
    print(f"notebook: {paths.notebook}")
    print(f"summary:  {paths.summary}")
    print(f"index:    {paths.index}")
    return exit_code(verdict, args)
