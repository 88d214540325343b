"""The service as the spec defines it: one function per question, one default failover model.

Every entry point (the top-level API, the CLI, the notebooks, the sweep functions and the
report) asks these two functions, so one question gets one answer wherever it is asked.

Failover models (the ``failover`` argument, and the ``failover_model`` label every result
carries):

* ``"dr-workflow"`` (the default): a region loss costs a tenant ``E[min(D, R)]``, with ``D``
  the region's repair law and ``R`` the realised region-loss RTO of the DR workflow, with
  each home region's own recovery plan (:mod:`hadr_model.dr.availability`);
* ``"instantaneous"``: the failover region serves a tenant from the instant its region is lost —
  an upper bound, labelled as such;
* ``"none"`` is what a result says when the spec has no failover pairs (or is a block
  system): both requests then give the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from ..errors import SpecError
from ..options import FAILOVER_MODELS, FailoverModel
from ..topology.model import Model, Topology

# Each function imports the engine it asks: `hadr simulate` does not pay for the exact engine's
# modules, nor `hadr availability` for the Monte Carlo's (~4-10 ms of start-up each).
if TYPE_CHECKING:
    from ..engines.montecarlo import SimulationResult
    from ..engines.results import AvailabilityResult

__all__ = ["DEFAULT_FAILOVER", "FAILOVER_MODELS", "availability", "availability_batch", "failover_label", "simulate"]

DEFAULT_FAILOVER: FailoverModel = "dr-workflow"
DEFAULT_DR_DISASTERS = 20_000

_LABELS = {
    "dr-workflow": "failover taking the DR workflow's RTO",
    "instantaneous": "instantaneous failover (an upper bound)",
    "none": "no failover",
}


def _dr() -> Any:
    """The DR-workflow module, imported when a model fails over by it.

    It brings SimPy and the scenario machinery (~15-30 ms of imports), which a block spec or an
    instantaneous failover never uses.
    """
    from ..dr import availability as dr_availability

    return dr_availability


def failover_label(model: str) -> str:
    """Words for a ``failover_model`` label, e.g. in a table heading."""
    return _LABELS[model]


def _check_failover(failover: Any, field: str = "failover") -> FailoverModel:
    if failover not in FAILOVER_MODELS:
        raise SpecError(field, failover, f"one of {', '.join(FAILOVER_MODELS)}")
    return cast(FailoverModel, failover)


def fails_over(model: Model) -> bool:
    """Whether any home region of ``model`` has a failover region."""
    return isinstance(model, Topology) and any(r.fails_over_to for r in model.home_regions)


def effective_failover(model: Model, failover: FailoverModel = DEFAULT_FAILOVER) -> str:
    """The failover model a request on ``model`` really uses (``"none"`` without failover pairs)."""
    return _check_failover(failover) if fails_over(model) else "none"


def availability(model: Model, *, failover: FailoverModel = DEFAULT_FAILOVER, seed: int = 0,
                 n_disasters: int = DEFAULT_DR_DISASTERS, detail: bool = True) -> AvailabilityResult:
    """Exact steady-state availability of the service as the spec defines it.

    A spec with repair teams (``repair``: shared crews) or standby spares (``standby``) is
    answered by the Markov engine (:func:`hadr_model.engines.teams.shared_repair_availability`,
    instantaneous failover); the result's ``engine`` says which engine gave the figures.

    Parameters
    ----------
    model : Topology or BlockSystem
        A loaded spec (:func:`hadr_model.load_spec`).
    failover : {"dr-workflow", "instantaneous"}
        How a region loss is charged (see the module docstring); the default is the verdict's.
    seed : int
        Seed of the DR workflow's RTO samples (``"dr-workflow"`` only).
    n_disasters : int
        Region-loss disasters simulated per recovery plan to sample the RTO.
    detail : bool
        ``False``: the service figures only (no per-region figures, no importance ranking).

    Returns
    -------
    AvailabilityResult
        With ``failover_model`` naming the model that produced it.

    Examples
    --------
    >>> import hadr_model as hm
    >>> spec = hm.load_spec()
    >>> dr, upper = hm.availability(spec), hm.availability(spec, failover="instantaneous")
    >>> dr.failover_model, upper.failover_model
    ('dr-workflow', 'instantaneous')
    >>> dr.system.availability < upper.system.availability
    True
    """
    used = effective_failover(model, failover)
    if model.compiled.teams or model.compiled.standby:
        # Shared repair crews or standby spares: the structure-function engine assumes independent
        # elements; the Markov engine gives the exact answer (and says so in the result's ``engine``).
        from ..engines.teams import shared_repair_availability

        return shared_repair_availability(model, failover=used, detail=detail)
    if used == "dr-workflow":
        # "dr-workflow" is used only for a Topology with failover pairs (see fails_over).
        result, _ = _dr().availability_with_failover(cast(Topology, model), n_disasters=n_disasters, seed=seed,
                                                     detail=detail)
    else:
        from ..engines.exact import exact_availability

        result = exact_availability(model, detail=detail)
    return result


def availability_batch(models: Sequence[Model], *, failover: FailoverModel = DEFAULT_FAILOVER, seed: int = 0,
                       n_disasters: int = DEFAULT_DR_DISASTERS) -> list[AvailabilityResult]:
    """:func:`availability` with ``detail=False`` for many models, e.g. the points of a sweep.

    Region-form models that differ only in their figures (equal
    :func:`~hadr_model.engines.exact.batch_signature`) are evaluated together by
    :func:`~hadr_model.engines.exact.exact_batch`, one pass over ``(models, elements)`` arrays
    with the arithmetic of one model; any other model goes through :func:`availability`. Result
    ``i`` is ``availability(models[i], failover=failover, seed=seed, n_disasters=n_disasters,
    detail=False)`` (tests/service/test_availability_batch.py).

    Examples
    --------
    >>> import hadr_model as hm
    >>> from hadr_model.service import availability_batch
    >>> spec = hm.load_spec()
    >>> [r.system.availability for r in availability_batch([spec, spec])] == [
    ...     hm.availability(spec, detail=False).system.availability] * 2
    True
    """
    from ..engines.exact import batch_signature, exact_batch

    results: list[AvailabilityResult | None] = [None] * len(models)
    groups: dict[tuple, list[tuple[int, Any]]] = {}
    for index, model in enumerate(models):
        signature = batch_signature(model)
        if signature is None:
            results[index] = availability(model, failover=failover, seed=seed, n_disasters=n_disasters,
                                          detail=False)
            continue
        # One structure: the same failover pairs, so the same failover model for every member.
        costs = (_dr().failover_costs(cast(Topology, model), n_disasters=n_disasters, seed=seed)
                 if effective_failover(model, failover) == "dr-workflow" else None)
        # A region with a fixed availability has no failover cost (instantaneous for it): models
        # evaluated together must agree on which regions have one.
        groups.setdefault((signature, None if costs is None else tuple(costs)), []).append((index, costs))
    for members in groups.values():
        topologies = [cast(Topology, models[index]) for index, _ in members]
        outage = completion = None
        if members[0][1] is not None:
            outage = [{name: cost.expected_outage_h for name, cost in costs.items()} for _, costs in members]
            completion = [{name: cost.failover_completion_probability for name, cost in costs.items()}
                          for _, costs in members]
        batch = exact_batch(topologies, region_loss_outage_h=outage, failover_completion=completion)
        for (index, _), result in zip(members, batch):
            results[index] = result
    return cast("list[AvailabilityResult]", results)


def simulate(model: Model, *, failover: FailoverModel = DEFAULT_FAILOVER, seed: int = 0,
             n_disasters: int = DEFAULT_DR_DISASTERS, **options: Any) -> SimulationResult:
    """Monte Carlo of the service as the spec defines it (same failover default as :func:`availability`).

    ``options`` are those of :func:`hadr_model.engines.montecarlo.simulate` (``years``, ``runs``,
    ``precision``, ``max_seconds``, ``workers``, ``progress``, ``objective``,
    ``control_variate``, and ``client`` or ``scheduler`` to run on a Dask cluster). With
    ``"dr-workflow"``, each region loss draws its failover RTO from the same samples
    :func:`availability` averages, so the two agree within the confidence interval.

    Examples
    --------
    >>> import hadr_model as hm
    >>> result = hm.simulate(hm.load_spec(), years=1, runs=50, seed=1)
    >>> result.failover_model
    'dr-workflow'
    """
    from ..engines.montecarlo import simulate as monte_carlo

    used = effective_failover(model, failover)
    # "dr-workflow" is used only for a Topology with failover pairs (see fails_over).
    rto = (_dr().region_loss_rto_by_region(cast(Topology, model), n_disasters=n_disasters, seed=seed)
           if used == "dr-workflow" else None)
    return monte_carlo(model, seed=seed, failover_rto_h=rto, **options)
