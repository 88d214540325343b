"""Time laws: how long until an element fails, how long its repair takes.

A law is any continuous ``scipy.stats`` distribution over hours, or a fixed (deterministic)
duration. A spec writes one as

* a duration (``"4h"``, ``30``): a fixed time, or an exponential mean where the context says
  so (``mttf`` / ``mttr`` shorthands are exponential);
* a mapping ``{dist: NAME, <shape parameters>, scale: DURATION, loc: DURATION}`` with NAME a
  ``scipy.stats`` continuous distribution (``weibull_min``, ``lognorm``, ``gamma`` …);
  ``mean: DURATION`` may replace ``scale``, and the scale is then chosen so the law has that
  mean; ``dist: exponential`` (alias of ``expon``) and ``dist: deterministic`` (``value:``)
  are accepted for readability.

Only the mean matters for steady-state availability (``MTTF / (MTTF + MTTR)``, whatever the
shape); the shape matters for the distribution of downtime, which Monte Carlo measures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
from scipy import stats

from ..errors import SpecError
from ..units import parse_duration
from . import _checks

__all__ = ["Deterministic", "Law", "deterministic", "exponential", "parse_law"]

_ALIASES = {"exponential": "expon", "weibull": "weibull_min", "lognormal": "lognorm", "normal": "norm"}
_TIME_PARAMS = ("loc", "scale", "mean")


@dataclass(frozen=True)
class Law:
    r"""A distribution of a duration in hours, with the behaviour the engines need.

    Parameters
    ----------
    dist : str
        ``scipy.stats`` continuous distribution name (a fixed duration is :class:`Deterministic`).
    params : tuple of (name, value)
        Shape parameters, and ``loc`` / ``scale`` in hours.

    Notes
    -----
    For a law ``L`` with mean ``m``: :meth:`sf` is ``P(L > t)``; :meth:`expected_min_h` is
    ``E[min(L, r)] = ∫₀^r P(L > t) dt``; the *length-biased* law (:meth:`length_biased`) has
    density ``x f(x) / m`` — the length of the phase that covers a random instant — and the
    equilibrium (residual-life) law of :meth:`equilibrium` is ``U × length-biased`` with ``U``
    uniform on (0, 1).

    Examples
    --------
    >>> law = exponential(1000.0)
    >>> law.mean_h, law.variance_h2
    (1000.0, 1000000.0)
    >>> law.sample(np.random.default_rng(1), 3).shape
    (3,)
    """

    dist: str
    params: tuple[tuple[str, float], ...]

    @property
    def kwargs(self) -> dict[str, float]:
        return dict(self.params)

    @property
    def is_exponential(self) -> bool:
        return self.dist == "expon" and self.kwargs.get("loc", 0.0) == 0.0

    @property
    def fixed_h(self) -> float | None:
        """The duration when it is fixed (a :class:`Deterministic` law), else ``None``."""
        return None

    def frozen(self) -> Any:
        """The frozen ``scipy.stats`` distribution."""
        return _freeze(self.dist, self.params)

    @cached_property
    def mean_h(self) -> float:
        """Mean duration in hours."""
        if self.is_exponential:
            return self.kwargs.get("scale", 1.0)
        return float(self.frozen().mean())

    @cached_property
    def variance_h2(self) -> float:
        """Variance in hours squared (``inf`` for a heavy tail without one)."""
        if self.is_exponential:
            return self.mean_h ** 2
        return float(self.frozen().var())

    def sf(self, t_h: np.ndarray | float) -> np.ndarray:
        """Survival function ``P(L > t)`` at ``t_h`` hours."""
        return self.frozen().sf(t_h)

    @property
    def kinks_h(self) -> list[float]:
        """Where :meth:`sf` has a kink, for quadrature to split there."""
        loc = self.kwargs.get("loc", 0.0)
        return [loc] if loc > 0 else []

    def expected_min_closed_h(self, upper_h: np.ndarray) -> np.ndarray | None:
        """``E[min(L, r)]`` at each ``r`` of ``upper_h`` in closed form, or ``None`` (no closed form)."""
        if self.is_exponential:
            return self.mean_h * -np.expm1(-np.asarray(upper_h, dtype=float) / self.mean_h)
        return None

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """Draw durations in hours with the generator ``rng``."""
        if self.is_exponential:
            # Generator.exponential is several times faster than rv_frozen.rvs.
            return rng.exponential(self.kwargs.get("scale", 1.0), size)
        return self.frozen().rvs(size=size, random_state=rng)

    @property
    def has_closed_length_biased(self) -> bool:
        """Whether :meth:`length_biased` draws directly (else the caller resamples a pool of draws)."""
        plain = self.kwargs.get("loc", 0.0) == 0.0
        return self.is_exponential or (plain and self.dist in ("gamma", "weibull_min", "lognorm"))

    def length_biased(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray | None:
        """Draws of the length-biased law where it has a closed form, else ``None``.

        Exponential: ``Gamma(2, scale)``; gamma: ``Gamma(a + 1)``; Weibull: ``(L/λ)^c ~ Gamma(1 + 1/c)``;
        lognormal: ``log L ~ N(μ + s², s)``.
        """
        if not self.has_closed_length_biased:
            return None
        kwargs, scale = self.kwargs, self.kwargs.get("scale", 1.0)
        if self.dist == "expon":
            return rng.gamma(2.0, scale, shape)
        if self.dist == "gamma":
            return rng.gamma(kwargs["a"] + 1.0, scale, shape)
        if self.dist == "weibull_min":
            c = kwargs["c"]
            return scale * rng.gamma(1.0 + 1.0 / c, 1.0, shape) ** (1.0 / c)
        s = kwargs["s"]
        return scale * np.exp(s * s + s * rng.standard_normal(shape))

    def with_mean(self, mean_h: float) -> Law:
        """The same shape stretched in time so that its mean is ``mean_h``."""
        factor = mean_h / self.mean_h
        scaled = tuple(
            (name, value * factor if name in ("loc", "scale", "value") else value)
            for name, value in self.params
        )
        return type(self)(self.dist, scaled)

    def describe(self) -> str:
        """Short human description, e.g. ``'exponential(mean 4 h)'``."""
        if self.is_exponential:
            return f"exponential(mean {self.mean_h:g} h)"
        args = ", ".join(f"{k}={v:g}" for k, v in self.params)
        return f"{self.dist}({args}; mean {self.mean_h:.4g} h)"


@dataclass(frozen=True)
class Deterministic(Law):
    """A fixed duration: ``P(L = value) = 1``.

    Examples
    --------
    >>> law = deterministic(2.0)
    >>> law.fixed_h, law.variance_h2, law.sf(np.array([1.0, 2.0])).tolist()
    (2.0, 0.0, [1.0, 0.0])
    """

    @property
    def fixed_h(self) -> float:
        return self.kwargs["value"]

    def frozen(self) -> Any:
        raise ValueError("a deterministic law has no scipy.stats distribution")

    @cached_property
    def mean_h(self) -> float:
        return self.fixed_h

    @cached_property
    def variance_h2(self) -> float:
        return 0.0

    def sf(self, t_h: np.ndarray | float) -> np.ndarray:
        return (np.asarray(t_h, dtype=float) < self.fixed_h).astype(float)

    @property
    def kinks_h(self) -> list[float]:
        return [self.fixed_h]

    def expected_min_closed_h(self, upper_h: np.ndarray) -> np.ndarray:
        return np.minimum(np.asarray(upper_h, dtype=float), self.fixed_h)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return np.full(size, self.fixed_h)

    @property
    def has_closed_length_biased(self) -> bool:
        return True

    def length_biased(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        return np.full(shape, self.fixed_h)

    def describe(self) -> str:
        return f"fixed {self.mean_h:g} h"


@lru_cache(maxsize=4096)
def _freeze(dist: str, params: tuple[tuple[str, float], ...]) -> Any:
    # Freezing builds docstrings (~1 ms); sweeps re-parse the same laws point after point.
    return getattr(stats, dist)(**dict(params))


def exponential(mean_h: float) -> Law:
    """Exponential law with the given mean in hours."""
    return Law("expon", (("scale", float(mean_h)),))


def deterministic(value_h: float) -> Law:
    """A fixed duration in hours."""
    return Deterministic("deterministic", (("value", float(value_h)),))


def _continuous(name: str, field: str) -> Any:
    dist = getattr(stats, name, None)
    if not isinstance(dist, stats.rv_continuous):
        raise SpecError(f"{field}.dist", name, "the name of a scipy.stats continuous distribution "
                        "(e.g. expon, weibull_min, lognorm, gamma) or 'deterministic'")
    return dist


def _shape_value(value: Any, field: str) -> float:
    if not _checks.finite(value):
        raise SpecError(field, value, "a finite number (a shape parameter)")
    return float(value)


def parse_law(raw: Any, field: str, *, fixed_means_exponential: bool = False) -> Law:
    """Read a law from a spec value.

    Parameters
    ----------
    raw : float, str or mapping
        A duration or a ``{dist: ...}`` mapping (see the module docstring).
    field : str
        Field path for error messages.
    fixed_means_exponential : bool
        Whether a bare duration means an exponential law with that mean (``mttf``) rather
        than a fixed duration (a step of a workflow).

    Examples
    --------
    >>> round(parse_law({"dist": "weibull_min", "c": 2, "mean": "100h"}, "zone.failure").mean_h, 9)
    100.0
    >>> parse_law("15m", "recovery.detect").describe()
    'fixed 0.25 h'
    """
    if not isinstance(raw, Mapping):
        hours = parse_duration(raw, field, allow_zero=not fixed_means_exponential)
        return exponential(hours) if fixed_means_exponential else deterministic(hours)
    return _parse_mapping(raw, field)


def _parse_mapping(raw: Mapping[str, Any], field: str) -> Law:
    if "dist" not in raw:
        raise SpecError(field, dict(raw), "a mapping with a 'dist' key (a scipy.stats distribution name)")
    name = raw["dist"]
    if not isinstance(name, str):
        raise SpecError(f"{field}.dist", name, "a distribution name")
    name = _ALIASES.get(name, name)
    if name == "deterministic":
        unknown = set(raw) - {"dist", "value"}
        if unknown or "value" not in raw:
            raise SpecError(field, dict(raw), "{dist: deterministic, value: DURATION}")
        return deterministic(parse_duration(raw["value"], f"{field}.value", allow_zero=True))
    dist = _continuous(name, field)
    shapes = [s.strip() for s in (dist.shapes or "").split(",") if s.strip()]
    allowed = set(shapes) | set(_TIME_PARAMS) | {"dist"}
    for key in raw:
        if key not in allowed:
            expected = f"one of the parameters of {name}: {', '.join(sorted(allowed - {'dist'}))}"
            raise SpecError(f"{field}.{key}", raw[key], expected)
    missing = [s for s in shapes if s not in raw]
    if missing:
        raise SpecError(field, dict(raw), f"the shape parameter(s) {', '.join(missing)} of {name}")
    if "mean" in raw and "scale" in raw:
        raise SpecError(field, dict(raw), "either 'mean' or 'scale', not both")
    params: dict[str, float] = {s: _shape_value(raw[s], f"{field}.{s}") for s in shapes}
    if "loc" in raw:
        params["loc"] = parse_duration(raw["loc"], f"{field}.loc", allow_zero=True)
    params["scale"] = 1.0 if "mean" in raw else parse_duration(raw.get("scale", 1.0), f"{field}.scale")
    law = Law(name, tuple(params.items()))
    _check_support(law, dist, field, raw)
    if "mean" in raw:
        law = _rescaled_to_mean(law, parse_duration(raw["mean"], f"{field}.mean"), field, raw)
    return law


def _check_support(law: Law, dist: Any, field: str, raw: Mapping[str, Any]) -> None:
    try:
        frozen = law.frozen()
        lower = float(frozen.support()[0])
        mean = float(frozen.mean())
    except (ValueError, TypeError, ArithmeticError) as error:
        raise SpecError(field, dict(raw), f"valid parameters for {law.dist} ({error})") from None
    if not (lower >= 0.0):
        raise SpecError(field, dict(raw), "a law of durations: its support must start at 0 or later")
    if not (math.isfinite(mean) and mean > 0.0):
        raise SpecError(field, dict(raw), "a law with a finite mean more than zero")


def _rescaled_to_mean(law: Law, mean_h: float, field: str, raw: Mapping[str, Any]) -> Law:
    loc = law.kwargs.get("loc", 0.0)
    unit_mean = law.mean_h - loc
    if mean_h <= loc:
        raise SpecError(f"{field}.mean", raw["mean"], f"a mean larger than loc ({loc:g} h)")
    scale = (mean_h - loc) / unit_mean
    params = dict(law.params)
    params["scale"] = scale
    return Law(law.dist, tuple(params.items()))
