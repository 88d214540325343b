"""The options and the text every verdict-printing command shares (availability, dr, report)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..options import FailoverModel
from ..service.availability import DEFAULT_DR_DISASTERS, DEFAULT_FAILOVER, FAILOVER_MODELS
from ..topology.model import Model
from ._common import printable, table

if TYPE_CHECKING:   # `hadr simulate` shares --failover, not the verdict machinery
    from ..service.verdict import Verdict

__all__ = ["EXIT_MISSED", "add_fail_on_miss_argument", "add_failover_argument", "advise", "exit_code",
           "render_verdict"]

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


def advise(model: Model, judged: Verdict, *, seed: int, n_disasters: int = DEFAULT_DR_DISASTERS,
           failover: FailoverModel = DEFAULT_FAILOVER) -> dict[str, Any]:
    """What it takes to pass, in its JSON form: ``{"what_it_takes": [remedy, …], "strategy": advice or None}``.

    The same keys as the report's JSON summary; both are empty (``[]``, ``None``) when nothing is missed.
    """
    # What-if search runs the DR workflows: loaded only when advice is asked for.
    from ..service.whatif import cheapest_strategy, what_it_takes

    remedies = what_it_takes(model.raw, judged, seed=seed, n_disasters=n_disasters, failover=failover)
    strategy = cheapest_strategy(model, judged, seed=seed, n_disasters=n_disasters, failover=failover)
    return {"what_it_takes": [r.as_dict() for r in remedies],
            "strategy": None if strategy is None else strategy.as_dict()}


def render_verdict(verdict: Verdict | dict, advice: Mapping[str, Any] | None = None) -> str:
    """The verdict block: the headline, one row per objective (× scenario), then what it takes to pass.

    ``verdict`` may also be its JSON form (:meth:`Verdict.as_dict`, as a report summary keeps it),
    and ``advice`` is the JSON form :func:`advise` returns, so that every command prints the same text.
    """
    from ..service.verdict import VERDICT_COLUMNS

    data = verdict if isinstance(verdict, dict) else verdict.as_dict()
    lines = [f"verdict: {printable(data['headline'])}", table(list(VERDICT_COLUMNS), data["rows"])]
    remedies = (advice or {}).get("what_it_takes") or []
    if remedies:
        from ..service.whatif import Remedy

        lines += ["", "what it takes (each parameter alone, everything else as the spec says):"]
        lines += [f"  {printable(Remedy(**remedy).describe())}" for remedy in remedies]
    strategy = (advice or {}).get("strategy")
    if strategy:
        from ..service.whatif import StrategyAdvice

        lines += ["", f"strategy: {printable(StrategyAdvice.from_dict(strategy).describe())}"]
    return "\n".join(lines)


def missed(verdict: Verdict | dict) -> bool:
    return not (verdict["passed"] if isinstance(verdict, dict) else verdict.passed)
