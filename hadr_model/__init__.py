"""hadr_model: check cloud HA/DR promises with numbers.

The public API, from the bottom of the stack up:

* spec → model: :func:`load_spec`, :func:`default_spec_path`, :func:`to_graph`;
* exact steady-state engine: :func:`exact_availability`;
* Monte Carlo engine: :func:`simulate`;
* DR workflows and failover folded into availability: :mod:`hadr_model.dr`
  (:func:`hadr_model.dr.availability_with_failover`, :func:`hadr_model.dr.topology_scenarios`);
* errors: :class:`HadrError`, :class:`SpecError`.

Examples
--------
>>> import hadr_model as hm
>>> result = hm.exact_availability(hm.load_spec())
>>> result.system.availability > 0.9999
True
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .engines.exact import exact_availability
from .engines.importance import ElementImportance
from .engines.montecarlo import SimulationResult, simulate
from .engines.results import AvailabilityResult, RegionAvailability, SystemMetrics
from .errors import HadrError, SpecError
from .topology.graph import to_graph
from .topology.model import BlockSystem, Topology
from .topology.spec import default_spec_path, load_spec

try:
    __version__ = version("hadr_model")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "AvailabilityResult",
    "BlockSystem",
    "ElementImportance",
    "HadrError",
    "RegionAvailability",
    "SimulationResult",
    "SpecError",
    "SystemMetrics",
    "Topology",
    "__version__",
    "default_spec_path",
    "exact_availability",
    "load_spec",
    "simulate",
    "to_graph",
]
