"""hadr_model: check cloud HA/DR promises with numbers.

The public API, from the bottom of the stack up:

* spec → model: :func:`load_spec`, :func:`default_spec_path`, :func:`to_graph`;
* the service as the spec defines it (the facade every entry point asks, DR-workflow failover
  by default, ``failover="instantaneous"`` the labelled upper bound): :func:`availability`
  (exact), :func:`simulate` (Monte Carlo) and :func:`verdict` (every objective, PASS / FAIL);
* the engines themselves, for other questions: :mod:`hadr_model.engines` (exact, Monte Carlo,
  Markov) and :mod:`hadr_model.dr` (DR workflows, per-site RPO / RTO);
* errors: :class:`HadrError`, :class:`SpecError`.

Examples
--------
>>> import hadr_model as hm
>>> result = hm.availability(hm.load_spec())
>>> result.failover_model, result.system.availability > 0.9998
('dr-workflow', True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names
from ._version import __version__
from .errors import HadrError, SpecError

if TYPE_CHECKING:
    from .engines.importance import ElementImportance
    from .engines.montecarlo import SimulationResult
    from .engines.results import AvailabilityResult, RegionAvailability, SystemMetrics
    from .service import FAILOVER_MODELS, MissionResult, Verdict, availability, mission, simulate, verdict
    from .service.uncertainty import UncertaintyResult, propagate
    from .topology.graph import to_graph
    from .topology.model import BlockSystem, Topology
    from .topology.spec import default_spec_path, load_spec

# The public names are imported on first use (PEP 562): `import hadr_model` and `hadr --version`
# stay fast, and scipy, pandas or networkx load only when a figure needs them.
_LAZY = {
    "ElementImportance": ".engines.importance",
    "SimulationResult": ".engines.montecarlo",
    "AvailabilityResult": ".engines.results",
    "RegionAvailability": ".engines.results",
    "SystemMetrics": ".engines.results",
    "FAILOVER_MODELS": ".service",
    "Verdict": ".service",
    "availability": ".service",
    "simulate": ".service",
    "verdict": ".service",
    "to_graph": ".topology.graph",
    "BlockSystem": ".topology.model",
    "Topology": ".topology.model",
    "default_spec_path": ".topology.spec",
    "load_spec": ".topology.spec",
    "MissionResult": ".service",
    "mission": ".service",
    "UncertaintyResult": ".service.uncertainty",
    "propagate": ".service.uncertainty",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY)


__all__ = [
    "FAILOVER_MODELS",
    "AvailabilityResult",
    "BlockSystem",
    "ElementImportance",
    "HadrError",
    "MissionResult",
    "RegionAvailability",
    "SimulationResult",
    "SpecError",
    "SystemMetrics",
    "Topology",
    "UncertaintyResult",
    "Verdict",
    "__version__",
    "availability",
    "default_spec_path",
    "load_spec",
    "mission",
    "propagate",
    "simulate",
    "to_graph",
    "verdict",
]
