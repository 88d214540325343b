"""The options and the text every verdict-printing command shares (availability, dr, report)."""

from __future__ import annotations

import argparse

from ..service import DEFAULT_FAILOVER, FAILOVER_MODELS, VERDICT_COLUMNS, Verdict
from ._common import printable, table

__all__ = ["EXIT_MISSED", "add_fail_on_miss_argument", "add_failover_argument", "exit_code", "render_verdict"]

EXIT_MISSED = 3


def add_failover_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--failover", choices=FAILOVER_MODELS, default=DEFAULT_FAILOVER,
                        help="how a region loss is charged: 'dr-workflow' (default) the DR workflow's RTO, "
                             "'instantaneous' no time at all (an upper bound)")


def add_fail_on_miss_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fail-on-miss", action="store_true",
                        help=f"exit {EXIT_MISSED} when any objective the spec states is missed")


def exit_code(verdict: Verdict | dict, args: argparse.Namespace) -> int:
    """0, or :data:`EXIT_MISSED` when ``--fail-on-miss`` is given and an objective is missed."""
    return EXIT_MISSED if getattr(args, "fail_on_miss", False) and missed(verdict) else 0


def render_verdict(verdict: Verdict | dict) -> str:
    """The verdict block: the headline, then one row per objective (× scenario).

    ``verdict`` may also be its JSON form (:meth:`Verdict.as_dict`, as a report summary keeps it),
    so that every command prints the same text.
    """
    data = verdict.as_dict() if isinstance(verdict, Verdict) else verdict
    return "\n".join([f"verdict: {printable(data['headline'])}", table(list(VERDICT_COLUMNS), data["rows"])])


def missed(verdict: Verdict | dict) -> bool:
    return not (verdict.passed if isinstance(verdict, Verdict) else verdict["passed"])
