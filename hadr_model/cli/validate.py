"""``hadr validate SPEC``: check a spec and print a summary."""

from __future__ import annotations

import argparse

from ..topology.model import BlockSystem
from ._common import add_json_argument, add_spec_argument, load, print_json
from .show import summary


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a spec and print a summary")
    add_spec_argument(parser)
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model = load(args)
    if args.json:
        form = "blocks" if isinstance(model, BlockSystem) else "regions"
        print_json({"valid": True, "name": model.name, "form": form, "source": model.source})
        return 0
    print(f"{model.source or 'spec'}: valid")
    print(summary(model))
    return 0
