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

__all__ = ["NEVER", "UNITS", "Deterministic", "Law", "LengthBiasedPools", "Never", "Sum", "Uncertain", "deterministic",
           "exponential", "is_uncertain", "never", "outage_law", "parse_law", "parse_uncertain", "sample_alternating"]

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
    def is_never(self) -> bool:
        """Whether the duration never ends (:class:`Never`: the repair of a non-repairable element)."""
        return False

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
        native = _native_moments(self.dist, self.params)
        if native is not None:
            return native[0]
        return float(self.frozen().mean())

    @cached_property
    def variance(self) -> float:
        """Variance, in :attr:`unit` squared (``inf`` for a heavy tail without one)."""
        if self.is_exponential:
            return self.mean ** 2
        native = _native_moments(self.dist, self.params)
        if native is not None:
            return native[1]
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
        draws = _native_draws(self.dist, self.params, rng, size)
        if draws is not None:
            return draws
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

    @property
    def fixed_h(self) -> float:
        # Narrows the base ``float | None``: a deterministic law always has its value.
        self._require_hours("fixed_h", "fixed")
        return self.fixed

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


@dataclass(frozen=True)
class Never(Law):
    """A duration that never ends: ``P(L > t) = 1`` for every ``t`` (a repair that never happens).

    It is the repair law of a non-repairable element (``mttr: never`` in a spec): its mean is
    ``inf``, so the element's steady-state availability is 0 (it is down for good once it has
    failed) and its availability at ``t`` from an all-up start is its reliability, the survival
    function of its failure law. Draws are ``inf``: a simulated copy that fails stays down.

    Examples
    --------
    >>> law = never()
    >>> law.mean_h, law.sf(np.array([0.0, 1e9])).tolist(), law.describe()
    (inf, [1.0, 1.0], 'never')
    """

    @property
    def is_never(self) -> bool:
        return True

    def frozen(self) -> Any:
        raise ValueError("a law that never ends has no scipy.stats distribution")

    @cached_property
    def mean(self) -> float:
        return math.inf

    @cached_property
    def variance(self) -> float:
        # Not a variance (there is none): 0 keeps the cycle-count arithmetic of the simulation finite.
        return 0.0

    def sf(self, t_h: np.ndarray | float) -> np.ndarray:
        return np.ones(np.shape(t_h))

    def expected_min_closed_h(self, upper_h: np.ndarray) -> np.ndarray:
        return np.asarray(upper_h, dtype=float)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return np.full(size, math.inf)

    @property
    def has_closed_length_biased(self) -> bool:
        return True

    def _closed_length_biased(self, rng: np.random.Generator, shape: int | tuple[int, ...]) -> np.ndarray:
        return np.full(shape, math.inf)

    def equilibrium(self, rng: np.random.Generator, shape: int | tuple[int, ...],
                    pools: LengthBiasedPools | None = None) -> np.ndarray:
        return np.full(shape, math.inf)

    def equilibrium_with_age(self, rng: np.random.Generator, shape: int | tuple[int, ...],
                             pools: LengthBiasedPools | None = None) -> tuple[np.ndarray, np.ndarray]:
        return np.full(shape, math.inf), np.full(shape, math.inf)

    def with_mean(self, mean: float) -> Law:
        return self

    def describe(self) -> str:
        return "never"


@dataclass(frozen=True)
class Sum(Law):
    r"""The sum ``S = X_1 + … + X_n`` of independent durations: an outage that is a detection
    delay, then a repair (:func:`outage_law`).

    Parameters
    ----------
    parts : tuple of Law
        The summands, each a law of durations (no part with mean 0: leave it out).
    labels : tuple of str
        A word per part for people (``("detect", "repair")``); no effect on any number.

    Notes
    -----
    Independence makes the moments add: ``E[S] = Σ E[X_i]``, ``Var S = Σ Var X_i``. So in a
    renewal process of up times ``F`` and outages ``S = D + R`` the steady-state availability is
    ``E[F] / (E[F] + E[D] + E[R])`` whatever the laws.

    * :meth:`sample` adds one draw of each part.
    * :meth:`length_biased` is drawn exactly as a mixture: part ``j`` is chosen with probability
      ``E[X_j] / E[S]`` and drawn length-biased, the others plainly. Its density is then
      ``Σ_j (m_j / m) ∫ (x / m_j) f_j(x) f_{S−X_j}(s − x) dx = s f_S(s) / m``, the length-biased
      law of ``S``; so :meth:`equilibrium` (``U ×`` length-biased) and
      :meth:`equilibrium_with_age` are those of ``S`` too (each part's own closed form or pool).
    * :meth:`sf` ``P(S > t)``: with a fixed part ``d`` it is the other's ``sf(t − d)`` (1 before
      ``d``); two exponentials of means ``a ≠ b`` give the hypoexponential
      ``(a e^{−t/a} − b e^{−t/b}) / (a − b)`` and ``a = b`` the Erlang ``(1 + t/a) e^{−t/a}``;
      otherwise ``P(S > t) = S_X(t) + ∫₀^{F_X(t)} S_Y(t − F_X^{−1}(u)) du`` conditioning on the
      part ``X`` of smaller variance (the other, ``Y``, varies slowly over it), by 16-point
      Gauss–Legendre on panels of ``u`` that halve towards both ends of ``(0, F_X(t))``.
    * :meth:`expected_min_closed_h` ``E[min(S, r)]`` is closed when all parts but one are fixed
      (their sum ``d``): ``r`` for ``r ≤ d``, else ``d + E[min(X, r − d)]``.

    Examples
    --------
    >>> outage = outage_law(deterministic(0.25), exponential(4.0))
    >>> outage.mean_h, outage.variance_h2, outage.describe()
    (4.25, 16.0, 'detect fixed 0.25 h, then repair exponential(mean 4 h)')
    >>> float(outage.sf(0.2)), round(float(outage.sf(4.25)), 12) == round(math.exp(-1.0), 12)
    (1.0, True)
    """

    parts: tuple[Law, ...] = ()
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.unit != "h" or len(self.parts) < 2 or any(p.unit != "h" for p in self.parts):
            raise ValueError("a Sum adds two or more laws of durations (unit 'h')")

    @property
    def fixed(self) -> float | None:
        values = [v for v in (p.fixed for p in self.parts) if v is not None]
        return float(sum(values)) if len(values) == len(self.parts) else None

    def frozen(self) -> Any:
        raise ValueError("a sum of laws has no scipy.stats distribution")

    @cached_property
    def mean(self) -> float:
        return float(sum(p.mean for p in self.parts))

    @cached_property
    def variance(self) -> float:
        return float(sum(p.variance for p in self.parts))

    def _split(self) -> tuple[float, list[Law]]:
        """The sum of the fixed parts and the parts that are not fixed."""
        shift = sum(p.fixed for p in self.parts if p.fixed is not None)
        return float(shift), [p for p in self.parts if p.fixed is None]

    def sf(self, t_h: np.ndarray | float) -> np.ndarray:
        t = np.asarray(t_h, dtype=float)
        shift, free = self._split()
        if not free:
            return (t < shift).astype(float)
        if len(free) == 1:
            return np.where(t < shift, 1.0, free[0].sf(np.maximum(t - shift, 0.0)))
        after = np.maximum(t - shift, 0.0)
        if len(free) == 2 and all(p.is_exponential for p in free):
            return np.where(t < shift, 1.0, _hypoexponential_sf(free[0].mean, free[1].mean, after))
        j = min(range(len(free)), key=lambda i: free[i].variance)
        others = free[:j] + free[j + 1:]
        inner = others[0] if len(others) == 1 else Sum("sum", (), "h", tuple(others))
        return np.where(t < shift, 1.0, _convolved_sf(free[j], inner, after))

    @property
    def kinks_h(self) -> list[float]:
        shift, free = self._split()
        if not free:
            return [shift] if shift > 0 else []
        if len(free) == 1:
            return sorted({shift + k for k in free[0].kinks_h} | ({shift} if shift > 0 else set()))
        start = shift + sum(p.kwargs.get("loc", 0.0) for p in free)
        return [start] if start > 0 else []

    def expected_min_closed_h(self, upper_h: np.ndarray) -> np.ndarray | None:
        upper = np.asarray(upper_h, dtype=float)
        shift, free = self._split()
        if not free:
            return np.minimum(upper, shift)
        if len(free) > 1:
            return None
        rest = free[0].expected_min_closed_h(np.maximum(upper - shift, 0.0))
        return None if rest is None else np.where(upper <= shift, upper, shift + rest)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        total = self.parts[0].sample(rng, size)
        for part in self.parts[1:]:
            total = total + part.sample(rng, size)
        return total

    @property
    def has_closed_length_biased(self) -> bool:
        return all(p.has_closed_length_biased for p in self.parts)

    def length_biased(self, rng: np.random.Generator, shape: int | tuple[int, ...],
                      pools: LengthBiasedPools | None = None) -> np.ndarray:
        """Length-biased draws of the sum, exactly, as the mixture of the class notes."""
        pools = pools or LengthBiasedPools()
        means = np.array([p.mean for p in self.parts])
        chosen = rng.choice(len(self.parts), size=shape, p=means / means.sum())
        total = np.zeros(shape)
        for j, part in enumerate(self.parts):
            biased = chosen == j
            count = int(biased.sum())
            plain = part.sample(rng, shape)
            if count:
                plain[biased] = part.length_biased(rng, count, pools)
            total += plain
        return total

    def with_mean(self, mean: float) -> Law:
        factor = mean / self.mean
        return Sum(self.dist, (), self.unit, tuple(p.with_mean(p.mean * factor) for p in self.parts), self.labels)

    def describe(self) -> str:
        labels = self.labels if len(self.labels) == len(self.parts) else ("",) * len(self.parts)
        return ", then ".join(f"{label} {p.describe()}".strip() for label, p in zip(labels, self.parts))


def outage_law(detect: Law | None, repair: Law) -> Law:
    """The law of an element's outage: a detection delay ``detect`` then the repair.

    ``repair`` itself when there is no delay (``None`` or mean 0) or when the repair never ends
    (a non-repairable element is down for good however soon it is detected); else the
    :class:`Sum` labelled ``("detect", "repair")``, whose mean is ``MTTD + MTTR``.

    Examples
    --------
    >>> outage_law(exponential(0.5), exponential(2.0)).mean_h
    2.5
    >>> outage_law(None, exponential(2.0)) == exponential(2.0)
    True
    """
    if detect is None or not detect.mean > 0.0 or getattr(repair, "is_never", False):
        return repair
    return Sum("sum", (), "h", (detect, repair), ("detect", "repair"))


@lru_cache(maxsize=8)
def gauss_legendre(points: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the ``points``-point Gauss–Legendre rule on [-1, 1], read-only.

    Made on first use: ``numpy.polynomial`` costs ~2 ms to import, which a command that never
    integrates should not pay.

    Examples
    --------
    >>> nodes, weights = gauss_legendre(2)
    >>> round(float(weights.sum()), 12), round(float(nodes[1] ** 2), 12)
    (2.0, 0.333333333333)
    """
    nodes, weights = np.polynomial.legendre.leggauss(points)
    nodes.flags.writeable = weights.flags.writeable = False
    return nodes, weights


@lru_cache(maxsize=1)
def _convolution_rule() -> tuple[np.ndarray, np.ndarray]:
    """Nodes on (0, 1) and their weights for :func:`_convolved_sf`.

    Panels over v = u / F_X(t) in (0, 1) that halve towards both ends (down to 2^-40): near 1 a
    heavy-tailed X's quantile runs up to t and S_Y(t − x) climbs to 1 within a sliver of u; near
    0 a quantile such as the lognormal's has all its derivatives vanish.
    """
    halves = [0.5 ** k for k in range(1, 41)]
    edges = np.array(sorted({0.0, 1.0, *halves, *(1.0 - h for h in halves)}))
    nodes, weights = gauss_legendre(16)
    half = 0.5 * np.diff(edges)
    centres = 0.5 * (edges[:-1] + edges[1:])
    fractions = (centres[:, None] + half[:, None] * nodes[None, :]).ravel()
    return fractions, (half[:, None] * weights[None, :]).ravel()


def _hypoexponential_sf(a: float, b: float, t: np.ndarray) -> np.ndarray:
    """``P(A + B > t)`` for independent exponentials of means ``a`` and ``b``."""
    if math.isclose(a, b, rel_tol=1e-9):
        m = 0.5 * (a + b)
        return (1.0 + t / m) * np.exp(-t / m)
    return (a * np.exp(-t / a) - b * np.exp(-t / b)) / (a - b)


def _quantile(law: Law, u: np.ndarray) -> np.ndarray:
    if law.is_exponential:
        return -law.mean * np.log1p(-u)
    return law.frozen().ppf(u)


def _convolved_sf(outer: Law, inner: Law, t: np.ndarray) -> np.ndarray:
    """``P(X + Y > t) = S_X(t) + ∫₀^{F_X(t)} S_Y(t − F_X^{−1}(u)) du`` by panelled Gauss–Legendre."""
    flat = t.ravel()
    top = 1.0 - np.asarray(outer.sf(flat), dtype=float)          # F_X(t)
    fractions, weights = _convolution_rule()
    u = top[:, None] * fractions[None, :]
    x = _quantile(outer, u)
    inside = np.asarray(inner.sf(np.maximum(flat[:, None] - x, 0.0)), dtype=float)
    value = (1.0 - top) + top * (inside @ weights)
    return np.clip(value, 0.0, 1.0).reshape(t.shape)


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


# Laws drawn and summed up here exactly as scipy.stats does it, without importing it (~0.3–0.5 s):
# the same Generator calls in the same order, then ``x * scale + loc``; the unit law's moments by
# scipy's own formulas (``rv_continuous.stats``: ``mean = μ·scale + loc``, ``var = μ₂·scale²``),
# evaluated on one-element arrays as scipy does. Draws, means and variances are bit-identical to
# scipy's (tests/topology/test_laws.py), so a seed gives the same numbers either way. Their shape
# parameter names; any other law, or one whose shapes are out of range, goes to scipy.stats.
_NATIVE_SHAPES: dict[str, tuple[str, ...]] = {
    "expon": (), "uniform": (), "lognorm": ("s",), "gamma": ("a",), "weibull_min": ("c",),
}


def _native_parts(dist: str, params: tuple[tuple[str, float], ...]) -> tuple[float, float, float] | None:
    """``(shape or 0, loc, scale)`` of a law computed here, else ``None`` (scipy.stats computes it)."""
    shapes = _NATIVE_SHAPES.get(dist)
    if shapes is None:
        return None
    kwargs = dict(params)
    if set(kwargs) - set(shapes) - {"loc", "scale"}:
        return None
    shape = kwargs[shapes[0]] if shapes else 0.0
    loc, scale = kwargs.get("loc", 0.0), kwargs.get("scale", 1.0)
    valid_shape = not shapes or (math.isfinite(shape) and shape > 0.0)
    if not (valid_shape and math.isfinite(loc) and math.isfinite(scale) and scale > 0.0):
        return None
    return shape, loc, scale


def _unit_moments(dist: str, shape: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the law with loc 0 and scale 1, by scipy's formulas (``_stats`` / ``_munp``)."""
    x = np.array([shape])
    if dist == "expon":
        return np.array([1.0]), np.array([1.0])
    if dist == "uniform":
        return np.array([0.5]), np.array([1.0 / 12])
    if dist == "gamma":
        return x, x
    if dist == "lognorm":
        p = np.exp(x * x)
        return np.sqrt(p), p * (p - 1)
    from scipy import special  # weibull_min: μ_n = Γ(1 + n/c) (scipy.special, not scipy.stats)

    mu = special.gamma(1.0 + 1 * 1.0 / x)
    second = special.gamma(1.0 + 2 * 1.0 / x)
    with np.errstate(invalid="ignore"):
        return mu, np.where(~np.isinf(mu), second - mu ** 2, np.inf)


def _native_moments(dist: str, params: tuple[tuple[str, float], ...]) -> tuple[float, float] | None:
    """``(mean, variance)`` of a law computed here (:data:`_NATIVE_SHAPES`), else ``None``."""
    parts = _native_parts(dist, params)
    if parts is None:
        return None
    shape, loc, scale = parts
    mu, mu2 = _unit_moments(dist, shape)
    with np.errstate(over="ignore"):      # a heavy tail's variance is inf, as scipy says
        return float((mu * scale + loc)[0]), float((mu2 * scale * scale)[0])


def _native_draws(dist: str, params: tuple[tuple[str, float], ...], rng: np.random.Generator,
                  size: int | tuple[int, ...]) -> np.ndarray | None:
    """Draws of a law computed here with the calls scipy's ``_rvs`` makes on ``rng``, else ``None``."""
    parts = _native_parts(dist, params)
    if parts is None:
        return None
    shape, loc, scale = parts
    if dist == "expon":
        unit = rng.standard_exponential(size)
    elif dist == "uniform":
        unit = rng.uniform(0.0, 1.0, size)
    elif dist == "lognorm":
        unit = rng.standard_normal(size)
        unit *= shape               # in place: the same operations as exp(s * z), no temporaries
        np.exp(unit, out=unit)
    elif dist == "gamma":
        unit = rng.standard_gamma(shape, size)
    else:   # weibull_min: scipy's default _rvs, the inverse distribution function of a uniform draw
        from scipy import special

        unit = np.power(-special.log1p(-rng.uniform(size=size)), 1.0 / shape)
    unit *= scale
    unit += loc
    return unit


def exponential(mean_h: float) -> Law:
    """Exponential law with the given mean in hours."""
    return Law("expon", (("scale", float(mean_h)),))


def never() -> Never:
    """The repair law of a non-repairable element (see :class:`Never`)."""
    return NEVER


NEVER = Never("never", ())
"""The one :class:`Never` law."""


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
    shapes = list(_NATIVE_SHAPES[name]) if name in _NATIVE_SHAPES else _scipy_shapes(name, field)
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
    _check_support(law, field, raw)
    if "mean" in raw:
        law = _rescaled_to_mean(law, parse_duration(raw["mean"], f"{field}.mean"), field, raw)
    return law


def _scipy_shapes(name: str, field: str) -> list[str]:
    dist = _continuous(name, field)
    return [s.strip() for s in (dist.shapes or "").split(",") if s.strip()]


def _check_support(law: Law, field: str, raw: Mapping[str, Any]) -> None:
    native = _native_parts(law.dist, law.params)
    if native is not None:
        # Every law of _NATIVE_SHAPES has the support [loc, ∞) (uniform: [loc, loc + scale]).
        lower, mean = native[1], law.mean
    else:       # scipy judges the parameters (and says why they are invalid)
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


# --- uncertain parameters: an epistemic law over a mean duration ---------------------------

GAMMA_POSTERIOR = "gamma-posterior"
# Prior Gamma(a0, rate b0) on an exponential rate λ: Jeffreys (a0 = 1/2, b0 = 0, p(λ) ∝ λ^-1/2)
# by default, or a flat prior on λ (a0 = 1, b0 = 0).
PRIORS = {"jeffreys": (0.5, 0.0), "uniform": (1.0, 0.0)}
# Per parameter, the keys of its evidence in a gamma posterior: events seen and time at risk.
EVIDENCE_KEYS = {"mttf": ("failures", "exposure"), "mttr": ("repairs", "repair_time")}
MAX_EVIDENCE_EVENTS = 1e9


@dataclass(frozen=True)
class Uncertain:
    r"""An epistemic law over a mean duration in hours (an MTTF or an MTTR), and its point value.

    Parameters
    ----------
    field : str
        Spec path of the parameter, e.g. ``zone.mttf`` (``zone.uncertainty.mttf`` beside a point).
    dist, params : str, tuple
        The ``scipy.stats`` law of the parameter in hours; a gamma posterior is ``invgamma``.
    point_h : float
        The value every point figure uses: the law's **median** when the spec writes the
        uncertainty in place of the value, the written value when it writes ``uncertainty:``
        beside it.
    evidence : tuple, optional
        A gamma posterior's ``(events, exposure_h, a0, b0_h)``.

    Notes
    -----
    Gamma posterior of an exponential rate: with ``n`` events over a time at risk ``T`` (the
    likelihood ``λ^n e^{−λT}``) and the prior ``Gamma(a0, rate b0)``, the rate is
    ``λ ~ Gamma(a = n + a0, rate b = T + b0)`` (conjugate), so the mean ``1/λ`` is
    inverse-gamma ``InvGamma(a, scale b)``: quantile ``p`` is ``b / G_a^{-1}(1 − p)``
    (``G_a`` the unit-rate gamma distribution function), mean ``b / (a − 1)`` (``a > 1``),
    median ``b / G_a^{-1}(1/2)`` — finite even with no event. The median is the point value
    because it is finite for every posterior and a monotone figure of the parameter (an
    availability) has the median of the parameter's image as its own median.

    Examples
    --------
    >>> u = parse_uncertain({"dist": "gamma-posterior", "failures": 3, "exposure": "12y"}, "zone.mttf")
    >>> u.describe()
    'gamma posterior of the rate: 3 failures in 105120 h, Jeffreys prior (a0 0.5, b0 0 h)'
    >>> round(u.point_h / 8760, 3), round(float(u.ppf(0.05)) / 8760, 4)
    (3.782, 1.7061)
    """

    field: str
    dist: str
    params: tuple[tuple[str, float], ...]
    point_h: float
    evidence: tuple[float, float, float, float] | None = None

    def frozen(self) -> Any:
        """The frozen ``scipy.stats`` law of the parameter (hours)."""
        return _freeze(self.dist, self.params)

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """Quantiles of the parameter in hours at probabilities ``u`` (vectorised)."""
        return self.frozen().ppf(u)

    @property
    def median_h(self) -> float:
        return float(self.ppf(0.5))

    @property
    def mean_h(self) -> float:
        """Mean of the parameter (``inf`` for a gamma posterior with ``a ≤ 1``)."""
        return float(self.frozen().mean())

    def interval_h(self, level: float = 0.9) -> tuple[float, float]:
        """Central credible interval of the parameter."""
        low, high = self.ppf(np.array([(1 - level) / 2, (1 + level) / 2]))
        return float(low), float(high)

    def describe(self) -> str:
        if self.evidence is not None:
            events, exposure, a0, b0 = self.evidence
            prior = {v: k for k, v in PRIORS.items()}.get((a0, b0))
            what = "failure" if self.field.endswith("mttf") else "repair"
            what += "" if events == 1 else "s"
            return (f"gamma posterior of the rate: {events:g} {what} in {exposure:g} h, "
                    f"{prior.capitalize() + ' prior' if prior else 'prior'} (a0 {a0:g}, b0 {b0:g} h)")
        args = ", ".join(f"{k}={v:g}" for k, v in self.params)
        return f"{self.dist}({args}) over the parameter"


def is_uncertain(raw: Any) -> bool:
    """Whether a spec value writes an uncertainty in place of a point (a gamma posterior or
    ``{uncertain: LAW}``)."""
    return isinstance(raw, Mapping) and (raw.get("dist") == GAMMA_POSTERIOR or "uncertain" in raw)


def parse_uncertain(raw: Any, field: str, *, point_h: float | None = None) -> Uncertain:
    """Read the epistemic law of an MTTF / MTTR.

    Parameters
    ----------
    raw : mapping
        ``{dist: gamma-posterior, failures: N, exposure: T, prior: jeffreys}`` (``repairs`` /
        ``repair_time`` for an MTTR), ``{uncertain: LAW}`` (in place of a value), or, beside a
        point (``point_h`` given), a gamma posterior or a law mapping over the parameter.
    field : str
        Spec path for errors; its last part (``mttf`` or ``mttr``) names the parameter.
    point_h : float, optional
        The point the spec writes beside the uncertainty; ``None``: the law's median.

    Raises
    ------
    SpecError
        Naming the field: negative events, an exposure of 0, an unknown distribution or prior.
    """
    quantity = field.rpartition(".")[2]
    if quantity not in EVIDENCE_KEYS:
        raise SpecError(field, raw, "an uncertainty of 'mttf' or 'mttr'")
    if not isinstance(raw, Mapping):
        raise SpecError(field, raw, "{dist: gamma-posterior, ...}, {uncertain: LAW} or a law mapping over "
                        f"the {quantity}")
    if raw.get("dist") == GAMMA_POSTERIOR:
        return _gamma_posterior(raw, field, quantity, point_h)
    if point_h is None:
        if set(raw) != {"uncertain"}:
            raise SpecError(field, dict(raw), "{uncertain: LAW} alone (a law over the parameter), "
                            "or {dist: gamma-posterior, ...}")
        raw, law_field = raw["uncertain"], f"{field}.uncertain"
    else:
        law_field = field
    if not isinstance(raw, Mapping):
        raise SpecError(law_field, raw, f"a law mapping over the {quantity}, e.g. {{dist: lognorm, s: 0.5, "
                        "scale: 8h}")
    law = parse_law(raw, law_field)
    if law.fixed is not None:
        raise SpecError(law_field, dict(raw), "a law with some spread (a fixed value is a point: write it alone)")
    if point_h is not None:     # beside a point: no quantile needed to load (nor scipy.stats)
        return Uncertain(field, law.dist, law.params, point_h)
    frozen = law.frozen()
    if not float(frozen.ppf(1e-12)) > 0.0:
        raise SpecError(law_field, dict(raw), f"a law over the {quantity} with no mass at 0 h (its lowest "
                        "quantiles must be more than 0)")
    return Uncertain(field, law.dist, law.params, float(frozen.ppf(0.5)))


def _gamma_posterior(raw: Mapping[str, Any], field: str, quantity: str, point_h: float | None) -> Uncertain:
    events_key, exposure_key = EVIDENCE_KEYS[quantity]
    allowed = {"dist", events_key, exposure_key, "prior"}
    for key in raw:
        if key not in allowed:
            raise SpecError(f"{field}.{key}", raw[key], f"one of {', '.join(sorted(allowed - {'dist'}))} "
                            f"(a gamma posterior of the {'failure' if quantity == 'mttf' else 'repair'} rate)")
    for key in (events_key, exposure_key):
        if key not in raw:
            raise SpecError(f"{field}.{key}", SpecError.NO_VALUE, f"'{key}' in a gamma posterior")
    events = raw[events_key]
    if isinstance(events, bool) or not _checks.finite(events) or not 0 <= events <= MAX_EVIDENCE_EVENTS:
        raise SpecError(f"{field}.{events_key}", events, f"a number of {events_key} observed, 0 or more "
                        f"(at most {MAX_EVIDENCE_EVENTS:g})")
    exposure = parse_duration(raw[exposure_key], f"{field}.{exposure_key}")
    a0, b0 = _prior(raw.get("prior", "jeffreys"), f"{field}.prior", EVIDENCE_KEYS[quantity])
    shape, rate = float(events) + a0, exposure + b0
    if not shape > 0.0:
        raise SpecError(f"{field}.prior", raw.get("prior"), "a prior with failures + a0 more than 0")
    params = (("a", shape), ("scale", rate))
    point = float(_freeze("invgamma", params).ppf(0.5)) if point_h is None else point_h
    return Uncertain(field, "invgamma", params, point, (float(events), exposure, a0, b0))


def _prior(raw: Any, field: str, keys: tuple[str, str]) -> tuple[float, float]:
    """``(a0, b0_h)`` of a named prior or of ``{failures: a0, exposure: b0}`` (pseudo-evidence)."""
    events_key, exposure_key = keys
    if isinstance(raw, str) and raw in PRIORS:
        return PRIORS[raw]
    if isinstance(raw, Mapping) and set(raw) <= set(keys) and events_key in raw:
        a0 = raw[events_key]
        if isinstance(a0, bool) or not _checks.finite(a0) or a0 < 0:
            raise SpecError(f"{field}.{events_key}", a0, "a prior's pseudo-events a0, 0 or more")
        b0 = parse_duration(raw.get(exposure_key, 0), f"{field}.{exposure_key}", allow_zero=True)
        return float(a0), b0
    raise SpecError(field, raw, f"one of {', '.join(PRIORS)}, or {{{events_key}: a0, {exposure_key}: DURATION}} "
                    "(a Gamma(a0, rate b0) prior on the rate: a0 pseudo-events in b0 of time)")
