"""Helpers shared by the subcommands: the spec argument, JSON output, tables."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..topology.model import Model
from ..topology.spec import default_spec_path, load_spec
from ..units import format_duration


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


def add_overlay_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--overlay", metavar="FILE", default=None,
                        help="apply a `hadr fit` overlay (fitted laws by spec path) to the spec first")


def load_model(args: argparse.Namespace) -> Model:
    """The spec, with ``--overlay`` applied when given (errors name the overlay file and field)."""
    if getattr(args, "overlay", None):
        from ..evidence.overlay import load_with_overlay

        return load_with_overlay(args.spec, args.overlay)
    return load(args)


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


def spec_json(model: Model | None, spec: str | Path | None) -> dict[str, Any]:
    """What every JSON document says of the spec it is about: ``{"name", "file", "sha256"}``.

    ``file`` is the path as given on the command line (the shipped default is named from the
    package, ``hadr_model/specs/functions_platform.yaml``); ``sha256`` is that of the file's
    bytes, so that two outputs can be matched to the same spec. ``name`` is ``None`` when no
    model was loaded.
    """
    path = Path(spec) if spec is not None else default_spec_path()
    try:
        digest: str | None = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:   # read a moment ago by load_spec; gone since
        digest = None
    shipped = Path(__file__).resolve().parents[1]
    resolved = path.resolve()
    file = (f"{shipped.name}/{resolved.relative_to(shipped).as_posix()}" if resolved.is_relative_to(shipped)
            else str(spec))
    return {"name": None if model is None else model.name, "file": file, "sha256": digest}


def with_spec(payload: dict[str, Any], model: Model | None, spec: str | Path | None) -> dict[str, Any]:
    """``payload`` with :func:`spec_json` first under ``"spec"`` (and the model's ``"name"`` if it has none)."""
    head: dict[str, Any] = {"spec": spec_json(model, spec)}
    if model is not None and "name" not in payload:
        head["name"] = model.name
    return {**head, **{k: v for k, v in payload.items() if k != "spec"}}


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


class Quantity(str):
    """A number already written with its unit (``"5 min"``): a table aligns it right, as a number."""


def duration_cell(hours: float | None) -> Quantity:
    """A duration for a text table: :func:`~hadr_model.units.format_duration` (``5 min``, ``3.8 h``), ``∞``
    for an infinite one (never recovered), ``-`` for none."""
    if hours is None or math.isnan(hours):
        return Quantity("-")
    return Quantity("∞" if hours == math.inf else format_duration(hours))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Quantity)) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        return f"{value:.6g}"
    return "" if value is None else str(value)
