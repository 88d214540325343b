"""The service as the spec defines it: the facade every entry point asks.

* :func:`availability` — exact steady-state availability, DR-workflow failover by default
  (:mod:`.availability`); :func:`availability_batch`, the same for many models at once (sweeps);
* :func:`simulate` — Monte Carlo with the same default;
* :func:`mission` — R(t), MTTF, A(t) and interval availability from an all-up start
  (:mod:`.mission`);
* :func:`verdict` — PASS / FAIL over every objective the spec states, per scenario, worst home
  region named (:mod:`.verdict`).

This layer sits above the engines and the DR workflows, below sweeps, reports and the CLI.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from .._lazy import lazy_names

if TYPE_CHECKING:
    from .availability import (
        DEFAULT_FAILOVER,
        FAILOVER_MODELS,
        availability,
        availability_batch,
        effective_failover,
        failover_label,
        simulate,
    )
    from .mission import MissionResult, mission
    from .verdict import VERDICT_COLUMNS, Check, Verdict, verdict

# Imported on first use (PEP 562), as in ``hadr_model``: ``hadr simulate`` needs neither the
# mission nor the verdict machinery, and their modules cost milliseconds of dataclass creation.
_LAZY = {
    **dict.fromkeys(("DEFAULT_FAILOVER", "FAILOVER_MODELS", "availability", "availability_batch",
                     "effective_failover", "failover_label", "simulate"), ".availability"),
    **dict.fromkeys(("MissionResult", "mission"), ".mission"),
    **dict.fromkeys(("VERDICT_COLUMNS", "Check", "Verdict", "verdict"), ".verdict"),
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY)


class _Facade(types.ModuleType):
    """This package, whose functions are named after the submodules that define them.

    Importing ``hadr_model.service.verdict`` (as ``service.uncertainty`` does) binds the
    submodule to the package's ``verdict``; loaded lazily, that would shadow the function.
    The function is bound instead, as an eager ``from .verdict import verdict`` would leave it.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _LAZY and hasattr(value, name):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Facade


__all__ = [
    "DEFAULT_FAILOVER",
    "FAILOVER_MODELS",
    "VERDICT_COLUMNS",
    "Check",
    "MissionResult",
    "Verdict",
    "availability",
    "availability_batch",
    "effective_failover",
    "failover_label",
    "mission",
    "simulate",
    "verdict",
]
