"""Model functions a sweep can call in-process, one call per point.

A sweep function takes the model of the point and keyword arguments, and returns a flat
mapping of result names (units in the names) to plain values::

    def my_function(model, *, seed: int, n: int = 100) -> dict[str, float]: ...

``seed`` is the point's own seed (see :mod:`hadr_model.sweeps.points`); other keyword
arguments are *options*: a grid may fix them (``options:``) or sweep them like spec parameters.
Built-in functions are named in :data:`FUNCTIONS`; any importable function can be named as
``"module:callable"`` (it must be importable in the worker processes too).

A function may also offer a ``batch`` attribute, ``batch(models, *, seeds, **options) -> list of
mappings`` (one per model, equal to calling the function on each): a sweep then hands it a
chunk of points at once (:func:`hadr_model.sweeps.tasks.run_chunk`). The built-in
``availability`` does: points that differ only in their figures share one vectorised pass of
the exact engine.

Examples
--------
>>> from hadr_model import load_spec
>>> round(FUNCTIONS["availability"](load_spec(), seed=0)["availability"], 4)   # with the DR failover
0.9999
>>> round(FUNCTIONS["availability"](load_spec(), seed=0, failover="instantaneous")["availability"], 5)
0.99999
>>> sorted(function_options(FUNCTIONS["dr"]))
['n_disasters', 'role', 'scenario']
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from .. import service
from ..errors import SpecError
from ..options import FailoverModel
from ..service.availability import DEFAULT_DR_DISASTERS, DEFAULT_FAILOVER
from ..topology.model import Model, Topology

__all__ = [
    "FUNCTIONS",
    "availability",
    "dr",
    "flat_results",
    "function_name",
    "function_options",
    "resolve_function",
    "simulate",
    "tradeoff",
]

SweepFunction = Callable[..., Mapping[str, Any]]
_DR_KEYS = ("rpo_mean_h", "rpo_p95_h", "rpo_max_h", "rto_mean_h", "rto_p95_h", "rto_max_h", "p_rpo_met",
            "p_rto_met", "p_objectives_met", "p_unrecoverable")


def availability(model: Model, *, seed: int = 0, failover: str = DEFAULT_FAILOVER,
                 n_disasters: int = DEFAULT_DR_DISASTERS, rto_seed: int = 0) -> dict[str, Any]:
    """The service's exact steady-state figures, as :func:`hadr_model.availability` and
    ``hadr availability`` give them (the same defaults), plus the ``failover_model`` label.

    The figures are exact; only the DR-workflow failover's RTO samples are random. They come
    from ``rto_seed`` (a grid option; default 0, the seed ``hadr availability`` uses), not from
    the point's ``seed``: every point sees the same disasters (common random numbers, so a curve
    over a parameter is not jagged by sampling noise), a point equals ``hadr availability`` on
    its spec, and sweeps over availability parameters keep the DR inputs, so the samples are
    drawn once (cached) and every later point is the fast path.
    """
    del seed    # the point's seed: nothing here is random but the RTO samples (rto_seed)
    result = service.availability(model, failover=_failover_option(failover), seed=rto_seed,
                                  n_disasters=n_disasters, detail=False)
    return {**result.system.as_dict(), "failover_model": result.failover_model}


def _availability_batch(models: Sequence[Model], *, seeds: Sequence[int], failover: str = DEFAULT_FAILOVER,
                        n_disasters: int = DEFAULT_DR_DISASTERS, rto_seed: int = 0) -> list[dict[str, Any]]:
    """:func:`availability` for many points at once (:func:`hadr_model.service.availability_batch`):
    the same figures, one vectorised pass for the points that share a structure."""
    del seeds   # as in availability: only the RTO samples are random, and they come from rto_seed
    results = service.availability_batch(models, failover=_failover_option(failover), seed=rto_seed,
                                         n_disasters=n_disasters)
    return [{**result.system.as_dict(), "failover_model": result.failover_model} for result in results]


# Sweeps hand whole chunks of points to a function's ``batch`` (sweeps.tasks.run_chunk).
availability.batch = _availability_batch   # type: ignore[attr-defined]


def _failover_option(failover: Any) -> FailoverModel:
    if failover not in service.FAILOVER_MODELS:
        raise SpecError("options.failover", failover, f"one of {', '.join(service.FAILOVER_MODELS)}")
    return cast(FailoverModel, failover)


def _data_role(model: Model, role: str) -> Any:
    data = getattr(model, "data", None) or {}
    if not data:
        raise SpecError("data", SpecError.NO_VALUE, "a 'data' section in the spec (the DR workflows need one)")
    if role and role not in data:
        raise SpecError("role", role, f"a role with a 'data' section ({', '.join(data)})")
    return data[role or next(iter(data))]


def dr(model: Model, *, seed: int = 0, scenario: str = "region_loss", role: str = "",
       n_disasters: int = 2000) -> dict[str, Any]:
    """Realised RPO / RTO of one disaster scenario (:func:`hadr_model.dr.run_scenario`).

    The spec's ``recovery.strategy`` preset, when set, also sets the cross-region replication
    (:func:`hadr_model.dr.apply_strategy`); ``cost_units`` is that preset's relative cost.

    Parameters
    ----------
    model : Topology
        A region-form model with a ``data`` section.
    seed : int
        Seed of the simulated disasters.
    scenario : str
        ``zone_loss``, ``region_loss`` or ``corruption`` (the hyphenated ``region-loss`` is accepted too).
    role : str
        Role whose data is followed (default: the first role under ``data``).
    n_disasters : int
        Disasters simulated.
    """
    from .. import dr as dr_layer

    data = _data_role(model, role)
    topology = cast(Topology, model)      # _data_role found a data section: only a Topology has one
    recovery = topology.recovery
    cost = 1.0
    strategy = recovery.strategy
    if strategy:
        data, recovery = dr_layer.apply_strategy(data, recovery, strategy)
        cost = dr_layer.STRATEGIES[strategy].cost_units
    result = dr_layer.run_scenario(data, recovery, topology.objectives, dr_layer.normalise_scenario(scenario),
                                   n_disasters=n_disasters, seed=seed)
    summary = result.summary()
    return {**{key: summary[key] for key in _DR_KEYS}, "strategy_cost_units": cost}


def tradeoff(model: Model, *, seed: int = 0, scenario: str = "region_loss", n_disasters: int = 2000
             ) -> dict[str, Any]:
    """Availability, RPO / RTO and relative cost of one design, for Pareto fronts.

    ``cost_units`` is an *assumption*: instances provisioned in every region times the DR
    strategy's relative cost (1.0 when the spec names no strategy), so designs of one
    topology compare; it is not a price.
    """
    if not isinstance(model, Topology):
        raise SpecError("", model.name, "a region-form spec (tradeoff needs regions, roles and data)")
    results = availability(model) | dr(model, seed=seed, scenario=scenario, n_disasters=n_disasters)
    instances = sum(region.instances(role) for region in model.regions for role in model.roles)
    results["instances"] = instances
    results["cost_units"] = instances * results["strategy_cost_units"]
    return results


def simulate(model: Model, *, seed: int = 0, years: float = 10.0, runs: int = 20,
             failover: str = DEFAULT_FAILOVER, n_disasters: int = DEFAULT_DR_DISASTERS) -> dict[str, Any]:
    """Monte Carlo estimate (:func:`hadr_model.simulate`, the same failover default), flattened to
    numbers. ``notes`` joins the result's notes (e.g. why the control variate was not used).
    """
    result = service.simulate(model, failover=_failover_option(failover), seed=seed, n_disasters=n_disasters,
                              years=years, runs=runs)
    flat = flat_results(result.as_dict())
    flat["notes"] = "; ".join(result.notes)
    # Wall-clock figures differ from run to run; the table must not.
    return {key: value for key, value in flat.items() if key not in ("seconds", "seed", "name", "form")}


FUNCTIONS: dict[str, SweepFunction] = {
    "availability": availability,
    "dr": dr,
    "tradeoff": tradeoff,
    "simulate": simulate,
}


def flat_results(raw: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Scalars of a nested mapping, keys joined by dots; lists and other objects are dropped.

    Examples
    --------
    >>> flat_results({"a": 1.0, "b": {"c": 2, "d": [1, 2]}, "e": "x"})
    {'a': 1.0, 'b.c': 2, 'e': 'x'}
    """
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out |= flat_results(value, f"{name}.")
        elif value is None or isinstance(value, (bool, int, float, str)):
            out[name] = value
        elif hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            out[name] = value.item()   # numpy scalars
    return out


def resolve_function(name: str | SweepFunction, *, allow_import: bool = True) -> SweepFunction:
    """A built-in function by name, ``"module:callable"``, or a callable (returned as is).

    ``allow_import=False`` accepts the built-in names only: for a name that comes from a grid
    file (data, which must never choose code to import and run).

    Raises
    ------
    SpecError
        When the name is unknown or cannot be imported.
    """
    if callable(name):
        return name
    if not isinstance(name, str) or not name:
        raise SpecError("function", name, f"a function name ({', '.join(FUNCTIONS)}) or 'module:callable'")
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    if not allow_import:
        raise SpecError("function", name, f"one of the built-in sweep functions: {', '.join(FUNCTIONS)}")
    if ":" not in name:
        raise SpecError("function", name, f"one of {', '.join(FUNCTIONS)}, or 'module:callable'")
    module_name, _, attribute = name.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise SpecError("function", name, f"an importable module ({error})") from None
    target: Any = module
    for part in attribute.split("."):
        target = getattr(target, part, None)
    if not callable(target):
        raise SpecError("function", name, f"a callable named {attribute!r} in module {module_name}")
    return target


def function_name(function: str | SweepFunction) -> str:
    """The name that finds ``function`` again: built-in name or ``module:qualname``."""
    if isinstance(function, str):
        return function
    for name, builtin in FUNCTIONS.items():
        if builtin is function:
            return name
    return f"{function.__module__}:{function.__qualname__}"


def function_options(function: SweepFunction) -> dict[str, Any]:
    """Keyword options of a sweep function and their defaults (``seed`` and ``model`` excluded)."""
    options = {}
    for parameter in list(inspect.signature(function).parameters.values())[1:]:
        if parameter.name == "seed" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        options[parameter.name] = None if parameter.default is parameter.empty else parameter.default
    return options


def clean_value(value: Any) -> Any:
    """A plain Python value: numpy scalars unwrapped (``inf`` and ``nan`` are kept)."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return value
