"""The ``hadr`` command line, on top of the public Python API.

Each subcommand lives in its own module with ``add_parser(subparsers)`` that registers a
``run(args) -> int`` function. Exit codes (DESIGN.md §4): 0 success, 2 bad input (one clear
message on stderr, no traceback), 1 internal failure, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

# Before numpy loads (through ._common): one BLAS thread unless the user chose otherwise. The
# engines are elementwise numpy and sparse solves (dense products only in the mission-time expm
# of chains up to 800 states), so OpenBLAS's thread pool gains little; starting it costs 40-50 ms
# of every command here (2 cores), and its threads would oversubscribe the cores that sweep and
# simulation worker processes (which inherit this setting) already share.
if not any(os.environ.get(name) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")):
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

from ..errors import HadrError, SpecError
from ._common import printable

__all__ = ["build_parser", "main"]

# Subcommand modules, in the order `hadr --help` lists them.
_COMMANDS = ("validate", "show", "availability", "simulate", "dr", "sweep", "report", "schema", "fit", "cutsets",
             "export")   # export.py registers `hadr export` and `hadr import`
# A command word whose module has another name.
_MODULE_OF = {"import": "export"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse exits 2 already; keep its one-line usage message.
        self.print_usage(sys.stderr)
        self.exit(2, f"hadr: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``hadr`` parser: every subcommand, or only ``command`` when it names one.

    One subcommand's module is enough to parse its own command line; importing all eleven
    (and the engines behind them) costs ~50 ms on every call. ``hadr --help`` and a mistyped
    command still build the whole parser, so that they list every command.
    """
    parser = _Parser(prog="hadr", description="Check cloud HA/DR promises with numbers.")
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"hadr_model {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    module = _MODULE_OF.get(command or "", command)
    for name in (module,) if module in _COMMANDS else _COMMANDS:
        importlib.import_module(f".{name}", __name__).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hadr`` and return its exit code."""
    args = argparse.Namespace()
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments == ["--version"]:
        # Without building the parser, which imports every subcommand (and the engines).
        from .. import __version__

        print(f"hadr_model {__version__}")
        return 0
    try:
        # Inside the try: a Ctrl-C during the (slow) imports of the subcommands is an interruption too.
        parser = build_parser(arguments[0] if arguments else None)
        args = parser.parse_args(arguments)
        if not getattr(args, "run", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.run(args) or 0)
    except SpecError as error:
        # An engine's refusal (a size limit, say) is about the spec the user named: say which.
        spec = getattr(args, "spec", None)
        if isinstance(spec, str) and not str(error.field).startswith("--"):
            error = error.located(spec)
        print(f"hadr: error: {printable(str(error))}", file=sys.stderr)
        return 2
    except HadrError as error:
        print(f"hadr: error: {printable(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hadr: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:
        print(f"hadr: internal error: {error.__class__.__name__}: {error} "
              "(please report it with the spec that caused it)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
