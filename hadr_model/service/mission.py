"""Mission figures of the service from an all-up start (the facade of :mod:`hadr_model.engines.mission`).

``mission(model, "8760h", ["24h", "720h"])`` gives R(t), the MTTF, A(t) and the interval
availability over ``[0, t]``, each naming the model that produced it (closed forms for
independent elements, the Markov chain with the down states absorbing, or Monte Carlo with
an all-up start). Durations may be hours or spec durations (``"30d"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..engines.mission import MissionResult
from ..engines.mission import mission as _mission
from ..topology.model import Model
from ..units import parse_duration

__all__ = ["MissionResult", "mission"]


def mission(model: Model, mission: Any, at: Sequence[Any] = (), *, runs: int = 10_000, seed: int = 0,
            method: str = "auto") -> MissionResult:
    """R(t), MTTF, A(t) and interval availability of ``model``'s service over a mission.

    Parameters
    ----------
    model : Topology or BlockSystem
        A loaded spec (:func:`hadr_model.load_spec`).
    mission : float or str
        The mission's length: hours, or a duration such as ``"8760h"`` or ``"1y"``.
    at : sequence of float or str
        Further times in ``(0, mission]`` at which to give R, A and the interval availability.
    runs, seed, method
        As :func:`hadr_model.engines.mission.mission` (Monte Carlo runs and seed when a figure
        needs the simulation; ``method="monte-carlo"`` forces it).

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"series": [{"component": {"name": "a", "mttf": "1000h", "mttr": "never"}},
    ...                               {"component": {"name": "b", "mttf": "1000h", "mttr": "never"}}]}}
    >>> result = mission(load_spec(spec), "1000h")
    >>> round(result.reliability.at(1000.0), 9), round(result.mttf_h, 6)   # e^{-2}, 1 / (2 λ)
    (0.135335283, 500.0)
    """
    hours = parse_duration(mission, "mission")
    times = [parse_duration(t, f"at[{i}]") for i, t in enumerate(at)]
    return _mission(model, hours, times, runs=runs, seed=seed, method=method)
