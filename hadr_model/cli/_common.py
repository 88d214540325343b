"""Helpers shared by the subcommands: the spec argument, JSON output, tables."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..topology.model import Model
from ..topology.spec import load_spec


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number ≥ ``minimum`` (anything else is a usage error, exit 2)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number {minimum} or more, got {value}")
        return value

    return parse


def add_spec_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", default=None,
                        help="YAML spec (default: the shipped functions-platform topology)")


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def load(args: argparse.Namespace) -> Model:
    return load_spec(args.spec)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def print_json(payload: dict[str, Any]) -> None:
    json.dump(_clean(payload), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


# C0 and C1 control characters (ESC starts the ANSI sequences that move the cursor, recolour or
# retitle a terminal; CR and BS overwrite what was printed), DEL, and the bidirectional
# overrides and isolates that reorder how the rest of a line is displayed.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: Any) -> str:
    r"""``text`` safe to print on a terminal: every control character shown as an escape.

    Spec names are data; printed as they are, an ``ESC [`` sequence in a region name would
    recolour, move the cursor or rewrite what the terminal shows.

    Examples
    --------
    >>> printable("eu-de\x1b[2J\rok")
    'eu-de\\x1b[2J\\rok'
    """
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], str(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table (numbers right-aligned, control characters escaped)."""
    headers = [printable(h) for h in headers]
    cells = [[printable(_cell(v)) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [all(_is_number(row[i]) for row in rows) if rows else False for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        return f"{value:.6g}"
    return "" if value is None else str(value)
