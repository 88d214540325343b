"""``hadr validate SPEC``: check a spec and print a summary."""

from __future__ import annotations

import argparse

from ..engines.exact import check_size
from ..errors import SpecError
from ..topology.model import BlockSystem, Model
from ._common import add_json_argument, add_spec_argument, load, print_json
from .show import summary


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a spec and print a summary")
    add_spec_argument(parser)
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model = load(args)
    exact_limit = _exact_engine_limit(model)
    if args.json:
        form = "blocks" if isinstance(model, BlockSystem) else "regions"
        payload = {"valid": True, "name": model.name, "form": form, "source": model.source}
        if exact_limit is not None:
            payload["exact_engine"] = exact_limit
        print_json(payload)
        return 0
    print(f"{model.source or 'spec'}: valid")
    print(summary(model))
    if exact_limit is not None:
        print(f"note: too large for the exact engine (hadr availability): {exact_limit}; "
              "Monte Carlo (hadr simulate) is not bound by this limit")
    return 0


def _exact_engine_limit(model: Model) -> str | None:
    """Why the exact engine would refuse this valid spec (a size limit), or None."""
    try:
        check_size(model)
    except SpecError as error:
        return str(error)
    return None
