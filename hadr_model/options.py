"""The string options of the toolkit, as ``Literal`` types in one place.

Each alias names the values a parameter accepts; the tuple beside it is the same list at run
time (derived with :func:`typing.get_args`, so the two cannot drift). Modules at every layer
import from here, so this module imports nothing from the package.

>>> SCENARIOS
('zone_loss', 'region_loss', 'corruption')
>>> "dr-workflow" in FAILOVER_MODELS
True
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "DR_ENGINES",
    "FAILOVER_MODELS",
    "NEEDS_WORDS",
    "SCENARIOS",
    "STANDBY_MODES",
    "DrEngine",
    "FailoverModel",
    "NeedsWord",
    "Scenario",
    "StandbyMode",
]

#: A disaster scenario of the DR workflows (CLI values and JSON keys use this spelling).
Scenario = Literal["zone_loss", "region_loss", "corruption"]
SCENARIOS: tuple[Scenario, ...] = get_args(Scenario)

#: How a region loss is served: after the DR workflow's RTO, or at once (an upper bound).
FailoverModel = Literal["dr-workflow", "instantaneous"]
FAILOVER_MODELS: tuple[FailoverModel, ...] = get_args(FailoverModel)

#: The DR engines: the vectorised fast path, or the SimPy process model it is checked against.
DrEngine = Literal["fast", "simpy"]
DR_ENGINES: tuple[DrEngine, ...] = get_args(DrEngine)

#: The words a role's ``needs`` accepts besides a count ``k`` or a percentage ``"NN %"``.
NeedsWord = Literal["any", "all", "quorum"]
NEEDS_WORDS: tuple[NeedsWord, ...] = get_args(NeedsWord)

#: Standby modes of a spare: hot (ages like the active), warm (dormant failure rate), cold (none).
StandbyMode = Literal["hot", "warm", "cold"]
STANDBY_MODES: tuple[StandbyMode, ...] = get_args(StandbyMode)
