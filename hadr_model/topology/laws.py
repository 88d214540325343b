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

from ..errors import SpecError
from ..units import parse_duration
from . import _checks

__all__ = ["UNITS", "Deterministic", "Law", "LengthBiasedPools", "deterministic", "exponential", "parse_law",
           "sample_alternating"]

_ALIASES = {"exponential": "expon", "weibull": "weibull_min", "lognormal": "lognorm", "normal": "norm"}
_TIME_PARAMS = ("loc", "scale", "mean")
# What a law measures: durations in hours (every law of the availability engines), sizes in
# bytes and throughputs in bytes per hour (the data section). Only a time law has ``mean_h``.
UNITS = ("h", "bytes", "bytes/h")


@dataclass(frozen=True)
class Law:
    r"""A distribution of a duration in hours (or of a size, a throughput), with the behaviour the engines need.

    Parameters
    ----------
    dist : str
        ``scipy.stats`` continuous distribution name (a fixed duration is :class:`Deterministic`).
    params : tuple of (name, value)
        Shape parameters, and ``loc`` / ``scale`` in the law's unit.
    unit : {"h", "bytes", "bytes/h"}
        What the law measures (:data:`UNITS`). :attr:`mean` and :attr:`variance` hold in every
        unit; :attr:`mean_h`, :attr:`variance_h2` and :attr:`fixed_h` only for durations and
        raise ``TypeError`` otherwise, so a size is never read as hours.

    Notes
    -----
    For a law ``L`` with distribution function ``F``, density ``f`` and mean ``m``:

    * :meth:`sf` is ``P(L > t) = 1 − F(t)``; :meth:`expected_min_closed_h` is
      ``E[min(L, r)] = ∫₀^r (1 − F(t)) dt``;
    * the *length-biased* law (:meth:`length_biased`) has density ``x f(x) / m``: the length of
      the phase of a renewal process that covers a random instant (long phases cover more
      instants). Its mean is ``E[L²] / m``;
    * the *equilibrium* (stationary-excess, residual-life) law (:meth:`equilibrium`) is the time
      left in that phase, density ``f_e(x) = (1 − F(x)) / m`` and distribution function
      ``F_e(x) = (1/m) ∫₀^x (1 − F(t)) dt``, mean ``E[L²] / (2m)``. It is drawn as
      ``U × length-biased`` with ``U`` uniform on (0, 1) independent of the length (the instant
      is uniform within its phase); the time already spent, the *age*, is the rest of the
      length and has the same law (:meth:`equilibrium_with_age`). An exponential law is
      memoryless: ``f_e = f``, and residual and age are two independent draws of the law.

    The length-biased law is drawn in closed form for exponential, deterministic, gamma,
    Weibull and lognormal laws without ``loc`` (:attr:`has_closed_length_biased`), otherwise by
    resampling a pool of the law's own draws (:class:`LengthBiasedPools`).

    Examples
    --------
    >>> law = exponential(1000.0)
    >>> law.mean_h, law.variance_h2
    (1000.0, 1000000.0)
    >>> law.sample(np.random.default_rng(1), 3).shape
    (3,)
    >>> size = deterministic(2e12, unit="bytes")
    >>> size.mean, size.describe()
    (2000000000000.0, 'fixed 2e+12 bytes')
    >>> size.mean_h
    Traceback (most recent call last):
    ...
    TypeError: mean_h is the mean of a law of durations; this law is in bytes: read .mean
    """

    dist: str
    params: tuple[tuple[str, float], ...]
    unit: str = "h"

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit {self.unit!r}: expected one of {', '.join(UNITS)}")

    def _require_hours(self, name: str, neutral: str) -> None:
        if self.unit != "h":
            raise TypeError(f"{name} is the {neutral} of a law of durations; this law is in {self.unit}: "
                            f"read .{neutral}")

    @property
    def kwargs(self) -> dict[str, float]:
        return dict(self.params)

    @property
    def is_exponential(self) -> bool:
        return self.dist == "expon" and self.kwargs.get("loc", 0.0) == 0.0

    @property
    def fixed(self) -> float | None:
        """The value when it is fixed (a :class:`Deterministic` law), else ``None``, in :attr:`unit`."""
        return None

    @property
    def fixed_h(self) -> float | None:
        """The duration in hours when it is fixed, else ``None`` (a law of durations only)."""
        self._require_hours("fixed_h", "fixed")
        return self.fixed

    def frozen(self) -> Any:
        """The frozen ``scipy.stats`` distribution."""
        return _freeze(self.dist, self.params)

    @cached_property
    def mean(self) -> float:
        """Mean, in :attr:`unit`."""
        if self.is_exponential:
            return self.kwargs.get("scale", 1.0)
        return float(self.frozen().mean())

    @cached_property
    def variance(self) -> float:
        """Variance, in :attr:`unit` squared (``inf`` for a heavy tail without one)."""
        if self.is_exponential:
            return self.mean ** 2
        return float(self.frozen().var())

    @property
    def mean_h(self) -> float:
        """Mean duration in hours (a law of durations only: a size or a rate has :attr:`mean`)."""
        self._require_hours("mean_h", "mean")
        return self.mean

    @property
    def variance_h2(self) -> float:
        """Variance in hours squared (a law of durations only: otherwise :attr:`variance`)."""
        self._require_hours("variance_h2", "variance")
        return self.variance

    def sf(self, t_h: np.ndarray | float) -> np.ndarray:
        """Survival function ``P(L > t)`` at ``t_h`` hours."""
        if self.is_exponential:     # closed form: no scipy import for the common case
            return np.exp(-np.maximum(np.asarray(t_h, dtype=float), 0.0) / self.mean)
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
        """Whether :meth:`length_biased` draws directly (else it resamples a pool of draws)."""
        plain = self.kwargs.get("loc", 0.0) == 0.0
        return self.is_exponential or (plain and self.dist in ("gamma", "weibull_min", "lognorm"))

    def length_biased(self, rng: np.random.Generator, shape: int | tuple[int, ...],
                      pools: LengthBiasedPools | None = None) -> np.ndarray:
        """Draws of the length-biased law ``x f(x) / m`` (see the class notes).

        Closed forms: exponential ``Gamma(2, scale)``; gamma ``Gamma(a + 1)``; Weibull
        ``(L/λ)^c ~ Gamma(1 + 1/c)``; lognormal ``log L ~ N(μ + s², s)``. Any other law is
        resampled from its pool in ``pools`` (a pool of its own made for this call when ``None``).
        """
        closed = self._closed_length_biased(rng, shape)
        if closed is not None:
            return closed
        size = int(np.prod(shape))
        return (pools or LengthBiasedPools()).draw(self, rng, size).reshape(shape)

    def equilibrium(self, rng: np.random.Generator, shape: int | tuple[int, ...],
                    pools: LengthBiasedPools | None = None) -> np.ndarray:
        """Residual life: the time left, at a random instant, in the phase of this law covering it.

        Draws of the equilibrium law ``f_e(x) = (1 − F(x)) / m`` (see the class notes), e.g. the
        time to the first failure of an element that is up in its stationary state.
        ``pools``: as for :meth:`length_biased`.

        Examples
        --------
        >>> residual = deterministic(2.0).equilibrium(np.random.default_rng(1), 10_000)
        >>> bool(residual.min() >= 0.0 and residual.max() <= 2.0), round(float(residual.mean()), 1)
        (True, 1.0)
        """
        if self.is_exponential:
            return self.sample(rng, shape)
        return rng.random(shape) * self.length_biased(rng, shape, pools)

    def equilibrium_with_age(self, rng: np.random.Generator, shape: int | tuple[int, ...],
                             pools: LengthBiasedPools | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(residual, age)`` of the phase covering a random instant: time left and time spent.

        Each has the equilibrium law; they are dependent (their sum has the length-biased law)
        except for an exponential law, where they are independent draws of the law itself.
        The residuals are the same draws :meth:`equilibrium` makes from the same generator state.
        """
        if self.is_exponential:
            residual = self.sample(rng, shape)
            return residual, self.sample(rng, shape)
        uniform = rng.random(shape)
        length = self.length_biased(rng, shape, pools)
        residual = uniform * length
        return residual, length - residual

    def _closed_length_biased(self, rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray | None:
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

    def with_mean(self, mean: float) -> Law:
        """The same shape stretched (in time, or in size) so that its mean is ``mean``, same unit."""
        factor = mean / self.mean
        scaled = tuple(
            (name, value * factor if name in ("loc", "scale", "value") else value)
            for name, value in self.params
        )
        return type(self)(self.dist, scaled, self.unit)

    def describe(self) -> str:
        """Short human description naming the unit, e.g. ``'exponential(mean 4 h)'``."""
        if self.is_exponential:
            return f"exponential(mean {self.mean:g} {self.unit})"
        args = ", ".join(f"{k}={v:g}" for k, v in self.params)
        return f"{self.dist}({args}; mean {self.mean:.4g} {self.unit})"


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
    def fixed(self) -> float:
        return self.kwargs["value"]

    def frozen(self) -> Any:
        raise ValueError("a deterministic law has no scipy.stats distribution")

    @cached_property
    def mean(self) -> float:
        return self.fixed

    @cached_property
    def variance(self) -> float:
        return 0.0

    def sf(self, t_h: np.ndarray | float) -> np.ndarray:
        return (np.asarray(t_h, dtype=float) < self.fixed_h).astype(float)

    @property
    def kinks_h(self) -> list[float]:
        return [self.fixed_h]

    def expected_min_closed_h(self, upper_h: np.ndarray) -> np.ndarray:
        return np.minimum(np.asarray(upper_h, dtype=float), self.fixed_h)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return np.full(size, self.fixed)   # in any unit: sizes and throughputs are drawn too

    @property
    def has_closed_length_biased(self) -> bool:
        return True

    def _closed_length_biased(self, rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
        # Every phase has the same length: biasing by length changes nothing.
        return np.full(shape, self.fixed_h)

    def describe(self) -> str:
        return f"fixed {self.mean:g} {self.unit}"


class LengthBiasedPools:
    r"""Length-biased draws of laws without a closed form, by sampling-importance-resampling.

    For a law with no closed length-biased form, a *pool* of ``n`` draws ``x_1 … x_n`` of the
    law itself is made once, and each length-biased value is one of them picked with
    probability ``x_i / Σ_j x_j`` (the density ratio ``(x f(x) / m) / f(x) ∝ x``). Its law
    tends to ``x f(x) / m`` as ``n`` grows, with an error of order ``1 / n``; values drawn from
    one pool are dependent only through the pool, which holds 20 draws per value taken.

    One pool per law, kept for every later call with that law, so several users of one law
    (the copies of an element, elements with the same law) pay for it once — a scipy law
    sampled by numerical inversion is slow. A pool holds at least ``min_size`` draws and 20 per
    value of the first call or of ``needs[law]``, the values the caller will take in all.

    Parameters
    ----------
    needs : mapping of Law to int, optional
        How many values the caller will take from each law's pool in all (laws with a closed
        form may be listed: they never get a pool).
    min_size : int
        The fewest draws in a pool.

    Examples
    --------
    >>> law = parse_law({"dist": "uniform", "scale": "20h"}, "law")
    >>> pools = LengthBiasedPools({law: 3000})
    >>> rng = np.random.default_rng(1)
    >>> draws = np.concatenate([law.length_biased(rng, 1000, pools) for _ in range(3)])
    >>> len(pools.pools), round(float(draws.mean()), 0)      # E[L²] / E[L] = 40/3 h
    (1, 13.0)
    """

    MIN_SIZE = 20_000

    def __init__(self, needs: Mapping[Law, int] | None = None, *, min_size: int = MIN_SIZE) -> None:
        self.needs: Mapping[Law, int] = needs or {}
        self.min_size = min_size
        self.pools: dict[Law, tuple[np.ndarray, np.ndarray]] = {}

    def draw(self, law: Law, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` length-biased values of ``law`` from its pool (made on the first call)."""
        if law not in self.pools:
            pool = law.sample(rng, max(self.min_size, 20 * max(size, self.needs.get(law, 0))))
            self.pools[law] = pool, pool / pool.sum()
        pool, weights = self.pools[law]
        return rng.choice(pool, size=size, p=weights)


def sample_alternating(rng: np.random.Generator, block: np.ndarray, odd: Law, even: Law, axis: int = 0) -> None:
    """Fill ``block`` in place with durations that alternate between two laws along ``axis``.

    Positions ``1, 3, 5, …`` along ``axis`` get draws of ``odd``, positions ``2, 4, …`` draws of
    ``even`` (an alternating renewal process: a down phase, an up phase, …); position 0 is the
    caller's and may be overwritten with any value. ``block`` must be C-contiguous. When both
    laws are exponential, the whole block is one standard-exponential fill in memory order,
    scaled in place: several times faster than two draws of the laws, and without temporaries.
    Otherwise ``odd`` fills all its positions, then ``even`` all of its.

    Examples
    --------
    >>> block = np.empty((5, 3))
    >>> sample_alternating(np.random.default_rng(1), block, deterministic(1.0), deterministic(7.0))
    >>> block[1:, 0].tolist()
    [1.0, 7.0, 1.0, 7.0]
    """
    phases = np.moveaxis(block, axis, 0)
    if odd.is_exponential and even.is_exponential:
        rng.standard_exponential(out=block)
        phases[1::2] *= odd.mean_h
        phases[2::2] *= even.mean_h
        return
    phases[1::2] = odd.sample(rng, phases[1::2].shape)
    phases[2::2] = even.sample(rng, phases[2::2].shape)


@lru_cache(maxsize=4096)
def _freeze(dist: str, params: tuple[tuple[str, float], ...]) -> Any:
    # Freezing builds docstrings (~1 ms); sweeps re-parse the same laws point after point.
    from scipy import stats

    return getattr(stats, dist)(**dict(params))


def exponential(mean_h: float) -> Law:
    """Exponential law with the given mean in hours."""
    return Law("expon", (("scale", float(mean_h)),))


def deterministic(value_h: float, *, unit: str = "h") -> Law:
    """A fixed duration in hours (or a fixed value in another of :data:`UNITS`)."""
    return Deterministic("deterministic", (("value", float(value_h)),), unit)


def _continuous(name: str, field: str) -> Any:
    from scipy import stats  # only when a spec names a scipy law: it costs ~0.5 s to import

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
