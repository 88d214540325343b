"""DR scenarios of a whole topology: every stateful role, disaster rates from the topology.

The yearly rate of each disaster, for a tenant drawn uniformly among the home regions, comes
from the topology's own failure laws: a zone loss strikes a region with ``Z`` zones
``Z × year_hours / (MTTF_zone + MTTR_zone)`` times a year, a region loss
``year_hours / (MTTF_region + MTTR_region)``; logical corruption has no such source and uses
``recovery.corruption.per_year`` when the spec gives it.
"""

from __future__ import annotations

import numpy as np

from ..errors import SpecError
from ..options import DrEngine
from ..topology.model import Model, Topology
from .budget import check_disasters
from .results import ScenarioResult
from .scenarios import SCENARIO_NAMES, normalise_scenario, run_scenario, seed_sequence

__all__ = ["disasters_per_year", "topology_scenarios"]


def disasters_per_year(topology: Topology, scenario: str) -> float | None:
    """Yearly rate of ``scenario`` for a tenant of a uniformly drawn home region.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> round(disasters_per_year(load_spec(), "region-loss"), 5)   # 8760 / (5 y + 10 h)
    0.19995
    """
    name = normalise_scenario(scenario)
    homes = topology.home_regions
    if name == "zone_loss":
        rates = [len(r.zones) * topology.year_hours / r.zone.cycle_h for r in homes]
    elif name == "region_loss":
        rates = [topology.year_hours / r.region.cycle_h for r in homes]
    else:
        return topology.recovery.corruption_per_year
    rate = float(np.mean(rates))
    return rate if np.isfinite(rate) else None


def topology_scenarios(model: Model, scenarios: tuple[str, ...] = SCENARIO_NAMES, *,
                       n_disasters: int = 20_000, seed: int = 0, engine: DrEngine = "fast"
                       ) -> dict[str, dict[str, ScenarioResult]]:
    """Run each scenario for each stateful role: ``{scenario: {role: ScenarioResult}}``.

    Parameters
    ----------
    model : Topology
        A region-form model with a ``data`` section.
    scenarios : tuple of str
        Any of ``zone_loss``, ``region_loss``, ``corruption`` (or ``zone-loss``, ``region-loss``).
    n_disasters : int
        Disasters simulated per scenario and role; every result is kept, so the limits of
        :func:`hadr_model.dr.budget.check_disasters` apply to them all together.
    seed : int
        One independent stream per (scenario, role), spawned from this seed.
    engine : {"fast", "simpy"}
        Vectorised sampler or SimPy process simulation.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> results = topology_scenarios(load_spec(), ("region-loss",), n_disasters=1000, seed=1)
    >>> sorted(results["region_loss"])
    ['db']
    """
    if not isinstance(model, Topology):
        raise SpecError("spec", model.name, "a region-form spec (with regions and a data section) for DR scenarios")
    if not model.data:
        raise SpecError("data", SpecError.NO_VALUE, "a data section naming the stateful roles for DR scenarios")
    names = [normalise_scenario(s) for s in scenarios]
    check_disasters(model, n_disasters, names, engine)
    streams = iter(seed_sequence(seed).spawn(len(names) * len(model.data)))
    results: dict[str, dict[str, ScenarioResult]] = {}
    for name in names:
        rate = disasters_per_year(model, name)
        results[name] = {
            role: run_scenario(protection, model.recovery, model.objectives, name, n_disasters=n_disasters,
                               seed=next(streams), disasters_per_year=rate, engine=engine)
            for role, protection in model.data.items()
        }
    return results
