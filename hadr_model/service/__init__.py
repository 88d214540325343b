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
