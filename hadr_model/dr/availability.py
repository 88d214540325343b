"""Availability with the failover folded in: the exact engine fed with the DR workflow's RTO.

For a tenant homed in region X that fails over to F, a region loss of X lasts ``D`` (the
region's repair law) and the failover takes ``R`` (the realised region-loss RTO of the DR
workflow, for a database drawn at random among those restored together). The tenant is down
for ``min(D, R)`` and served by F for the rest of the outage; by the renewal-reward theorem
the long-run fraction of region-outage time that is served from F is

``φ_X = 1 − E[min(D, R)] / E[D]``,

which :func:`hadr_model.engines.exact.exact_availability` turns into exact steady-state
figures (DESIGN.md §2 and issue "failover folded into availability"). ``E[min(D, R)]`` comes
from :func:`~hadr_model.dr.failover.expected_outage_h` over seeded RTO samples; with every
workflow step deterministic it is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engines.exact import exact_availability
from ..engines.results import AvailabilityResult
from ..topology.dataprotection import DataProtection
from ..topology.laws import Law, deterministic
from ..topology.model import Topology
from .budget import check_disasters, text_key
from .failover import expected_outage_h
from .scenarios import run_scenario

__all__ = ["FailoverCost", "availability_with_failover", "failover_costs", "region_loss_rto_samples"]

_RTO_STEPS_WITHOUT_DATA = ("detect", "decide", "provision", "traffic_shift")
_SHARED_STEPS = ("detect", "decide", "traffic_shift")
_RTO_STREAM_TAG = 0x52544F   # "RTO"
_RTO_CACHE: dict[str, np.ndarray] = {}
_RTO_CACHE_SIZE = 32
# Sample arrays grow with n_disasters (80 MB for 10 million): the cache is bounded in bytes too.
_RTO_CACHE_BYTES = 256 * 2**20
_FIGURES: dict[tuple[int, str], tuple[np.ndarray, tuple[float, float, float]]] = {}
_FIGURES_SIZE = 64


@dataclass(frozen=True)
class FailoverCost:
    """What a region loss costs a tenant of ``region`` (hours)."""

    region: str
    fails_over_to: str
    rto_mean_h: float
    region_repair_mean_h: float
    expected_outage_h: float
    failover_completion_probability: float

    @property
    def served_by_failover_fraction(self) -> float:
        return 1.0 - self.expected_outage_h / self.region_repair_mean_h


def region_loss_rto_samples(topology: Topology, *, n_disasters: int = 20_000, seed: int = 0,
                            region: str | None = None) -> np.ndarray:
    """Realised region-loss RTO of a tenant, per simulated disaster (hours).

    The service needs every stateful role back, so the tenant's RTO is the largest over the
    roles of the ``data`` section; without a ``data`` section, the recovery steps alone.
    ``region`` picks that region's own recovery steps when the spec gives it some (a failover
    into a site with no running compute takes longer); by default, the topology's.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> samples = region_loss_rto_samples(load_spec(), n_disasters=1000, seed=1)
    >>> samples.shape
    (1000,)
    """
    check_disasters(topology, n_disasters, failover=True)
    recovery = topology.recovery if region is None else topology.compiled.region(region).recovery
    return _rto_samples(topology, recovery, n_disasters, seed)


def _rto_samples(topology: Topology, recovery: Any, n_disasters: int, seed: int) -> np.ndarray:
    """The samples of one recovery plan (the disaster count already checked)."""
    # Sweeps over availability parameters keep the DR inputs: simulate each distinct set once.
    data = sorted((topology.data or {}).items())
    key = repr(([(name, text_key(section)) for name, section in data], text_key(recovery),
                text_key(topology.objectives), n_disasters, seed))
    if key in _RTO_CACHE:
        return _RTO_CACHE[key]
    samples = _simulate_rto(topology, recovery, n_disasters, seed)
    samples.setflags(write=False)
    _remember(key, samples)
    return samples


def _remember(key: str, samples: np.ndarray) -> None:
    """Cache ``samples``, oldest entries out first, within the entry and byte bounds."""
    if samples.nbytes > _RTO_CACHE_BYTES:
        return
    while _RTO_CACHE and (len(_RTO_CACHE) >= _RTO_CACHE_SIZE
                          or sum(a.nbytes for a in _RTO_CACHE.values()) + samples.nbytes > _RTO_CACHE_BYTES):
        _RTO_CACHE.pop(next(iter(_RTO_CACHE)))
    _RTO_CACHE[key] = samples


def _simulate_rto(topology: Topology, recovery: Any, n_disasters: int, seed: int) -> np.ndarray:
    # A stream of its own (tagged), so these draws never coincide with the Monte Carlo
    # engine's or the DR scenarios' streams spawned from the same user seed.
    streams = np.random.SeedSequence([seed, _RTO_STREAM_TAG]).spawn(1 + len(topology.data or {}))
    data: dict[str, DataProtection] = dict(topology.data or {})
    if len(data) <= 1:
        if not data:
            rng = np.random.default_rng(streams[0])
            return sum(recovery.step("region_loss", step).sample(rng, n_disasters)
                       for step in _RTO_STEPS_WITHOUT_DATA)
        (protection,) = data.values()
        return run_scenario(protection, recovery, topology.objectives, "region_loss",
                            n_disasters=n_disasters, seed=streams[1]).outcomes.rto_h
    # Several stateful roles recover in the same disaster: the detection, the decision and the
    # traffic shift happen once; each role's own part (provision + restore, or promotion) runs
    # side by side and the tenant is back when the slowest is.
    shared = {step: deterministic(0.0) for step in _SHARED_STEPS}
    own_parts = [
        run_scenario(protection, recovery.with_steps("region_loss", **shared), topology.objectives,
                     "region_loss", n_disasters=n_disasters, seed=stream).outcomes.rto_h
        for protection, stream in zip(data.values(), streams[1:])
    ]
    rng = np.random.default_rng(streams[0])
    once = sum(recovery.step("region_loss", step).sample(rng, n_disasters) for step in _SHARED_STEPS)
    return once + np.max(own_parts, axis=0)


def _completion(repair: Law, rto_h: np.ndarray) -> float:
    """``P(RTO < D)``: the failover completes before the region returns (mean of ``S_D(r)``)."""
    finite = np.where(np.isfinite(rto_h), rto_h, 0.0)
    survival = repair.sf(finite)
    return float(np.mean(np.where(np.isfinite(rto_h), survival, 0.0)))


def region_loss_rto_by_region(topology: Topology, *, n_disasters: int = 20_000, seed: int = 0
                              ) -> dict[str, np.ndarray]:
    """RTO samples for every region that fails over, each with its own recovery steps.

    Regions that share a recovery plan share their samples (the same seed, the same draws).
    """
    check_disasters(topology, n_disasters, failover=True)     # once for all the regions
    by_plan: dict[int, np.ndarray] = {}     # regions with the same plan object: one look-up
    samples = {}
    for site in topology.compiled.regions:
        if site.fails_over_to:
            if id(site.recovery) not in by_plan:
                by_plan[id(site.recovery)] = _rto_samples(topology, site.recovery, n_disasters, seed)
            samples[site.name] = by_plan[id(site.recovery)]
    return samples


def failover_costs(topology: Topology, *, n_disasters: int = 20_000, seed: int = 0) -> dict[str, FailoverCost]:
    """``E[min(region repair, failover RTO)]`` for every region that fails over."""
    rto_by_region = region_loss_rto_by_region(topology, n_disasters=n_disasters, seed=seed)
    compiled = topology.compiled
    costs = {}
    # Regions alike share their RTO samples (the same array) and repair law: one computation.
    figures: dict[tuple[int, str], tuple[float, float, float]] = {}
    for site in compiled.regions:
        behaviour = compiled.elements.behaviours[site.region]
        if site.name not in rto_by_region or behaviour.repair is None:
            continue
        rto = rto_by_region[site.name]
        key = (id(rto), text_key(behaviour.repair))
        if key not in figures:
            figures[key] = _figures(rto, behaviour.repair, key)
        rto_mean_h, outage_h, completion = figures[key]
        costs[site.name] = FailoverCost(
            region=site.name,
            fails_over_to=site.fails_over_to,
            rto_mean_h=rto_mean_h,
            region_repair_mean_h=behaviour.mttr_h,
            expected_outage_h=outage_h,
            failover_completion_probability=completion,
        )
    return costs


def _figures(rto: np.ndarray, repair: Law, key: tuple[int, str]) -> tuple[float, float, float]:
    """Mean RTO, ``E[min(D, RTO)]`` and ``P(RTO < D)`` of one sample array and repair law.

    Cached across calls: a sweep over other parameters meets the same (cached, read-only)
    samples and the same repair law at every point, and these sort the 20,000 samples. The
    entry keeps its array, so the ``id`` in the key cannot be reused while the entry lives.
    """
    entry = _FIGURES.get(key)
    if entry is not None and entry[0] is rto and not rto.flags.writeable:
        return entry[1]
    finite = rto[np.isfinite(rto)]
    result = (float(finite.mean()) if finite.size else float("inf"),
              expected_outage_h(repair, rto), _completion(repair, rto))
    held = {id(samples) for samples in _RTO_CACHE.values()}
    if id(rto) in held and not rto.flags.writeable:    # the sample cache's own, read-only arrays
        # Entries of samples the sample cache let go are dropped: no array is kept alive here.
        for stale in [k for k, (samples, _) in _FIGURES.items() if id(samples) not in held]:
            del _FIGURES[stale]
        if len(_FIGURES) >= _FIGURES_SIZE:
            _FIGURES.pop(next(iter(_FIGURES)))
        _FIGURES[key] = (rto, result)
    return result


def availability_with_failover(topology: Topology, *, n_disasters: int = 20_000, seed: int = 0,
                               detail: bool = True) -> tuple[AvailabilityResult, dict[str, FailoverCost]]:
    """Exact availability where a region loss costs ``E[min(D, RTO)]`` instead of nothing.

    Parameters
    ----------
    topology : Topology
        A region-form model.
    n_disasters : int
        Region-loss disasters simulated to sample the RTO.
    seed : int
        Seed of the RTO samples.
    detail : bool
        ``False``: service figures only (see :func:`~hadr_model.engines.exact.exact_availability`).

    Returns
    -------
    (AvailabilityResult, dict of FailoverCost)

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> result, costs = availability_with_failover(load_spec(), n_disasters=2000, seed=0)
    >>> costs["us-south"].expected_outage_h < costs["us-south"].region_repair_mean_h
    True
    """
    costs = failover_costs(topology, n_disasters=n_disasters, seed=seed)
    outage = {name: cost.expected_outage_h for name, cost in costs.items()}
    completion = {name: cost.failover_completion_probability for name, cost in costs.items()}
    result = exact_availability(topology, region_loss_outage_h=outage, failover_completion=completion,
                                detail=detail)
    return result, costs
