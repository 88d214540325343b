r"""DR outcomes per site: each home region with its own recovery plan and failover target.

A *site* is a home region together with the recovery plan that applies when it (or one of its
zones, or its data) is hit — ``regions.NAME.recovery`` when the spec gives one, the top-level
``recovery`` otherwise. For a tenant of site ``s`` and a scenario, per simulated disaster:

* RPO :math:`= \max_r \mathrm{RPO}_r` over the stateful roles ``r`` of the ``data`` section (the
  writes lost by the store that loses most);
* RTO: the service is back when its slowest role is. For a region loss it is exactly the
  samples the availability engine charges (:func:`~hadr_model.dr.region_loss_rto_samples`:
  detection, decision and traffic shift once, each role's own provisioning and restore side by
  side); for the other scenarios :math:`\max_r \mathrm{RTO}_r` with every role running the whole
  plan (equal to the former when the shared steps are fixed durations, as in every preset).

The tenant *mixture* (home region drawn uniformly, as in the availability figures) meets an
objective with probability :math:`\frac{1}{S}\sum_s P_s(\text{met})`. Sites with the same plan
share their numbers: every site draws from the same streams (common random numbers), so the
differences between sites are those of their plans, not of sampling noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from ..errors import SpecError
from ..options import Scenario
from ..topology.dataprotection import RecoveryPlan
from ..topology.model import Model, Topology
from .availability import region_loss_rto_samples
from .scenarios import SCENARIO_NAMES, SCENARIOS, normalise_scenario, run_scenario, scenario_rpo_h, seed_sequence

__all__ = ["SiteOutcomes", "site_outcomes"]


@dataclass(frozen=True)
class SiteOutcomes:
    """Per-disaster service RPO and RTO (hours, ``inf`` where unrecoverable) of one site and scenario."""

    region: str
    scenario: str
    rpo_h: np.ndarray
    rto_h: np.ndarray

    def probability_met(self, objective: str, target_h: float) -> float:
        """``P(value ≤ target)`` over the disasters, ``objective`` being ``"rpo"`` or ``"rto"``."""
        values = self.rpo_h if objective == "rpo" else self.rto_h
        return float(np.mean(values <= target_h))


def site_outcomes(model: Model, scenarios: tuple[str, ...] = SCENARIO_NAMES, *, n_disasters: int = 20_000,
                  seed: int = 0) -> dict[str, dict[str, SiteOutcomes]]:
    """Service RPO / RTO samples per scenario and home region: ``{scenario: {region: SiteOutcomes}}``.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> sites = site_outcomes(load_spec(), ("region-loss",), n_disasters=2000, seed=1)["region_loss"]
    >>> bool(sites["eu-de"].rto_h.mean() > sites["us-south"].rto_h.mean())   # its failover site has no compute
    True
    """
    if not isinstance(model, Topology) or not model.data:
        raise SpecError("data", SpecError.NO_VALUE, "a region-form spec with a data section for DR scenarios")
    names = [normalise_scenario(s) for s in scenarios]
    # One stream per (scenario, role) whatever subset is asked: a scenario's numbers do not
    # depend on which other scenarios run beside it.
    streams = seed_sequence(seed).spawn(len(SCENARIOS) * len(model.data))
    results: dict[str, dict[str, SiteOutcomes]] = {}
    for name in names:
        index = SCENARIOS.index(name)
        role_streams = streams[index * len(model.data):(index + 1) * len(model.data)]
        by_plan: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        results[name] = {}
        for site in model.compiled.regions:
            if not site.home:
                continue
            key = repr(site.recovery)
            if key not in by_plan:
                by_plan[key] = _service_samples(model, site.name, cast(RecoveryPlan, site.recovery), name, role_streams,
                                                n_disasters, seed)
            rpo, rto = by_plan[key]
            results[name][site.name] = SiteOutcomes(site.name, name, rpo, rto)
    return results


def _service_samples(model: Topology, region: str, plan: RecoveryPlan, scenario: Scenario,
                     streams: list[np.random.SeedSequence], n_disasters: int, seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    if scenario == "region_loss":
        # The RTO is the failover's (one set of samples for availability and verdict): only the
        # roles' RPO is drawn here, without their restore queues (the same numbers).
        rpo = np.max([scenario_rpo_h(protection, plan, scenario, n_disasters=n_disasters, seed=stream)
                      for protection, stream in zip(model.data.values(), streams)], axis=0)
        rto = region_loss_rto_samples(model, n_disasters=n_disasters, seed=seed, region=region)
    else:
        roles = [run_scenario(protection, plan, model.objectives, scenario, n_disasters=n_disasters,
                              seed=stream).outcomes
                 for protection, stream in zip(model.data.values(), streams)]
        rpo = np.max([o.rpo_h for o in roles], axis=0)
        rto = np.max([o.rto_h for o in roles], axis=0)
    # Unrecoverable in any role: the tenant's data is not all back, whatever the clock says.
    rto = np.where(np.isfinite(rpo), rto, np.inf)
    return rpo, rto
