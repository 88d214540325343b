r"""Fitting time laws to censored and truncated samples: maximum likelihood, AIC choice, Wald intervals.

Candidates are the exponential, Weibull, lognormal and gamma laws (``scipy.stats`` ``expon``,
``weibull_min``, ``lognorm``, ``gamma``, location 0). Each is fitted by maximising the
*conditional* log-likelihood of a :class:`~hadr_model.evidence.records.Sample`:

.. math::

    \ell(\theta) = \sum_{\text{exact}} \log f(t_i) + \sum_{\text{right}} \log S(c_i)
                 + \sum_{\text{interval}} \log\bigl(F(h_i) - F(l_i)\bigr) - \sum_i \log S(a_i)

with ``a_i`` the left-truncation age (the duration already survived when observation began):
each term is conditional on ``T > a_i``. ``scipy.stats``' own ``fit`` takes
:class:`scipy.stats.CensoredData` (right, left and interval censoring) but has no left
truncation, and its default optimiser (``fmin``, ``xtol 1e-4``) stops early; so the
likelihood above is maximised here with :func:`scipy.optimize.minimize` (Nelder–Mead on the
log parameters, tolerances ``1e-10``, then Newton steps), for every sample. The tests check it
against ``scipy.stats.<law>.fit(CensoredData)`` and ``lifelines`` on the same data.

The exponential law has a closed form when no time is interval-censored: mean
``= exposure / failures`` (time at risk after truncation over observed failures).

Choice: the lowest AIC ``2k − 2ℓ``; BIC ``k log n − 2ℓ`` (``n`` observations, censored ones
included) is shown beside it, with ``ΔAIC`` and the Akaike weights. Two-parameter laws are
fitted from 3 observed failures on; below that only the exponential is (and with no failure at
all, no law: the sample gives a lower bound on the mean instead).

Uncertainty: Wald intervals from the observed information (the numerical Hessian of ``−ℓ``
at the optimum) on the *log* parameters, so every interval stays positive; the mean's interval
is the delta-method Wald interval of ``log mean``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .records import Records, Sample

__all__ = ["FAMILIES", "Candidate", "Family", "Fit", "fit_records", "fit_sample", "log_likelihood"]

MIN_EVENTS_TWO_PARAMETERS = 3
# A log parameter beyond this is a law running off to a degenerate limit (a Weibull shape of
# e^12 ~ 160 000): no maximum inside the family.
_EDGE = 12.0


# --- families -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Family:
    """One candidate law: its scipy name, the shape parameter (if any) and its log-densities.

    ``theta`` is ``(log scale,)`` or ``(log shape, log scale)``.
    """

    name: str
    dist: str
    shape: str | None
    logpdf: Callable[[np.ndarray, np.ndarray], np.ndarray]
    logsf: Callable[[np.ndarray, np.ndarray], np.ndarray]
    logcdf: Callable[[np.ndarray, np.ndarray], np.ndarray]
    log_mean: Callable[[np.ndarray], tuple[float, np.ndarray]]

    @property
    def k(self) -> int:
        """Number of free parameters."""
        return 1 if self.shape is None else 2

    def params(self, theta: np.ndarray) -> dict[str, float]:
        """scipy keyword arguments (``loc`` is 0)."""
        if self.shape is None:
            return {"scale": float(math.exp(theta[0]))}
        return {self.shape: float(math.exp(theta[0])), "scale": float(math.exp(theta[1]))}

    def frozen(self, theta: np.ndarray) -> Any:
        from scipy import stats

        return getattr(stats, self.dist)(**self.params(theta))


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """``log(1 − exp(x))`` for ``x ≤ 0``."""
    with np.errstate(divide="ignore"):
        return np.where(x > -0.693, np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def _expon() -> Family:
    def logsf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return -x * math.exp(-t[0])

    def logpdf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return -t[0] - x * math.exp(-t[0])

    def logcdf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return _log1mexp(logsf(x, t))

    def log_mean(t: np.ndarray) -> tuple[float, np.ndarray]:
        return float(t[0]), np.array([1.0])

    return Family("exponential", "expon", None, logpdf, logsf, logcdf, log_mean)


def _weibull() -> Family:
    from scipy import special

    def power(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (x * math.exp(-t[1])) ** math.exp(t[0])

    def logsf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return -power(x, t)

    def logpdf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        c = math.exp(t[0])
        with np.errstate(divide="ignore"):
            return t[0] - t[1] + (c - 1.0) * (np.log(x) - t[1]) - power(x, t)

    def logcdf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return _log1mexp(-power(x, t))

    def log_mean(t: np.ndarray) -> tuple[float, np.ndarray]:
        inverse = math.exp(-t[0])
        value = t[1] + special.gammaln(1.0 + inverse)
        return float(value), np.array([-inverse * special.digamma(1.0 + inverse), 1.0])

    return Family("weibull", "weibull_min", "c", logpdf, logsf, logcdf, log_mean)


def _lognormal() -> Family:
    from scipy import special

    def z(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return (np.log(x) - t[1]) * math.exp(-t[0])

    def logpdf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return -np.log(x) - t[0] - 0.5 * math.log(2.0 * math.pi) - 0.5 * z(x, t) ** 2

    def logsf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return special.log_ndtr(-z(x, t))

    def logcdf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return special.log_ndtr(z(x, t))

    def log_mean(t: np.ndarray) -> tuple[float, np.ndarray]:
        s2 = math.exp(2.0 * t[0])
        return float(t[1] + 0.5 * s2), np.array([s2, 1.0])

    return Family("lognormal", "lognorm", "s", logpdf, logsf, logcdf, log_mean)


def _gamma() -> Family:
    from scipy import special, stats

    def args(t: np.ndarray) -> tuple[float, float]:
        return math.exp(t[0]), math.exp(t[1])

    def logpdf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        a, scale = args(t)
        with np.errstate(divide="ignore"):
            return (a - 1.0) * np.log(x) - x / scale - special.gammaln(a) - a * t[1]

    def _tail(x: np.ndarray, t: np.ndarray, regularised: Any, exact: Any) -> np.ndarray:
        # The regularised incomplete gamma is fast; where it underflows, scipy's log form (slow,
        # but only for those points) keeps the digits.
        a, scale = args(t)
        value = regularised(a, x / scale)
        with np.errstate(divide="ignore"):
            out = np.log(value)
        small = value < 1e-300
        if np.any(small):
            out[small] = exact(x[small], a, scale=scale)
        return out

    def logsf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return _tail(np.asarray(x, dtype=float), t, special.gammaincc, stats.gamma.logsf)

    def logcdf(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        return _tail(np.asarray(x, dtype=float), t, special.gammainc, stats.gamma.logcdf)

    def log_mean(t: np.ndarray) -> tuple[float, np.ndarray]:
        return float(t[0] + t[1]), np.array([1.0, 1.0])

    return Family("gamma", "gamma", "a", logpdf, logsf, logcdf, log_mean)


def _families() -> dict[str, Family]:
    return {f.name: f for f in (_expon(), _weibull(), _lognormal(), _gamma())}


FAMILIES = ("exponential", "weibull", "lognormal", "gamma")


# --- likelihood -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Data:
    """A sample split by kind of observation, identical observations merged with a weight."""

    exact: np.ndarray
    exact_w: np.ndarray
    right: np.ndarray
    right_w: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    interval_w: np.ndarray
    entry: np.ndarray
    entry_w: np.ndarray
    n: int

    @classmethod
    def of(cls, sample: Sample) -> _Data:
        exact, right, interval = sample.exact, sample.censored, sample.interval
        x, xw = np.unique(sample.low[exact], return_counts=True)
        c, cw = np.unique(sample.low[right], return_counts=True)
        pairs, pw = (np.unique(np.column_stack([sample.low[interval], sample.high[interval]]), axis=0,
                               return_counts=True) if interval.any() else (np.empty((0, 2)), np.empty(0)))
        truncated = sample.entry > 0
        a, aw = np.unique(sample.entry[truncated], return_counts=True)
        return cls(x, xw.astype(float), c, cw.astype(float), pairs[:, 0], pairs[:, 1], pw.astype(float),
                   a, aw.astype(float), sample.size)


def _log_interval(family: Family, lo: np.ndarray, hi: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """``log(F(hi) − F(lo))``, from whichever tail keeps its digits."""
    low_cdf, high_cdf = family.logcdf(lo, theta), family.logcdf(hi, theta)
    low_sf, high_sf = family.logsf(lo, theta), family.logsf(hi, theta)
    with np.errstate(invalid="ignore"):
        from_cdf = high_cdf + _log1mexp(np.minimum(low_cdf - high_cdf, 0.0))
        from_sf = low_sf + _log1mexp(np.minimum(high_sf - low_sf, 0.0))
    return np.where(low_cdf < math.log(0.5), from_cdf, from_sf)


def _log_likelihood(family: Family, data: _Data, theta: np.ndarray) -> float:
    # The optimiser tries parameters far from the data (overflowing powers, log 0): those give
    # inf or nan, which the objective turns into "worse", so numpy need not warn.
    with np.errstate(all="ignore"):
        return _sum_terms(family, data, theta)


def _sum_terms(family: Family, data: _Data, theta: np.ndarray) -> float:
    total = 0.0
    if data.exact.size:
        total += float(np.dot(data.exact_w, family.logpdf(data.exact, theta)))
    if data.right.size:
        total += float(np.dot(data.right_w, family.logsf(data.right, theta)))
    if data.lo.size:
        total += float(np.dot(data.interval_w, _log_interval(family, data.lo, data.hi, theta)))
    if data.entry.size:
        total -= float(np.dot(data.entry_w, family.logsf(data.entry, theta)))
    return total


def log_likelihood(sample: Sample, family: str, params: dict[str, float]) -> float:
    """The conditional log-likelihood of ``sample`` under ``family`` with scipy ``params``.

    Examples
    --------
    >>> s = Sample.right_censored([1.0, 2.0], [True, False])
    >>> round(log_likelihood(s, "exponential", {"scale": 3.0}), 12) == round(-math.log(3) - 1 / 3 - 2 / 3, 12)
    True
    """
    chosen = _families()[family]
    theta = np.log([params[chosen.shape], params["scale"]] if chosen.shape else [params["scale"]])
    return _log_likelihood(chosen, _Data.of(sample), theta)


# --- one candidate --------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """One law fitted to a sample.

    Attributes
    ----------
    family, dist : str
        ``exponential`` …, and the scipy name (``expon``, ``weibull_min``, ``lognorm``, ``gamma``).
    params : dict
        scipy keyword arguments at the maximum (``loc`` is 0).
    loglik : float
        The maximised conditional log-likelihood.
    k : int
        Free parameters.
    aic, bic : float
        ``2k − 2ℓ`` and ``k log n − 2ℓ``.
    intervals : dict
        Per parameter, its Wald interval (on the log scale) at :attr:`level`.
    mean_h, mean_interval_h : float, (float, float)
        The law's mean and its delta-method Wald interval.
    covariance : numpy.ndarray
        Covariance of the log parameters (inverse observed information).
    converged : bool
        Whether a maximum inside the family was found (else ``note`` says why and the
        candidate is not chosen).
    """

    family: str
    dist: str
    params: dict[str, float]
    loglik: float
    k: int
    aic: float
    bic: float
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    mean_h: float = math.nan
    mean_interval_h: tuple[float, float] = (math.nan, math.nan)
    covariance: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    converged: bool = True
    note: str = ""
    level: float = 0.95
    delta_aic: float = math.nan
    weight: float = math.nan

    def law(self) -> dict[str, Any]:
        """The law in the spec language of :mod:`hadr_model.topology.laws`, e.g.
        ``{dist: weibull_min, c: 1.4, mean: '8760h'}`` (10 significant digits)."""
        law: dict[str, Any] = {"dist": "exponential" if self.dist == "expon" else self.dist}
        shape = [name for name in self.params if name != "scale"]
        for name in shape:
            law[name] = float(f"{self.params[name]:.10g}")
        law["mean"] = f"{self.mean_h:.10g}h"
        return law

    def frozen(self) -> Any:
        """The fitted ``scipy.stats`` law."""
        from scipy import stats

        return getattr(stats, self.dist)(**self.params)


def _fit_family(family: Family, data: _Data, sample: Sample, level: float) -> Candidate:
    theta, note = _maximise(family, data, sample)
    if theta is None:
        return Candidate(family.name, family.dist, {}, math.nan, family.k, math.nan, math.nan,
                         converged=False, note=note, level=level)
    loglik = _log_likelihood(family, data, theta)
    aic = 2 * family.k - 2 * loglik
    bic = family.k * math.log(max(data.n, 1)) - 2 * loglik
    covariance = _covariance(family, data, theta)
    z = _normal_quantile(level)
    names = ([family.shape] if family.shape else []) + ["scale"]
    params = family.params(theta)
    closed = _closed_form_scale(family, data, sample)
    if closed is not None:      # exactly exposure / failures, not exp(log(...))
        params = {"scale": closed}
    se = np.sqrt(np.diag(covariance)) if covariance.size else np.full(family.k, math.nan)
    intervals = {name: (float(math.exp(theta[i] - z * se[i])), float(math.exp(theta[i] + z * se[i])))
                 for i, name in enumerate(names)}
    log_mean, gradient = family.log_mean(theta)
    mean = closed if closed is not None else math.exp(log_mean)
    se_mean = math.sqrt(float(gradient @ covariance @ gradient)) if covariance.size else math.nan
    return Candidate(family.name, family.dist, params, loglik, family.k, aic, bic, intervals,
                     mean, (math.exp(log_mean - z * se_mean), math.exp(log_mean + z * se_mean)),
                     covariance, True, note, level)


def _closed_form_scale(family: Family, data: _Data, sample: Sample) -> float | None:
    """The exponential MLE ``exposure / failures`` when no time is interval-censored, else None."""
    if family.name != "exponential" or data.lo.size or sample.events == 0:
        return None
    return sample.exposure_h / sample.events


def _normal_quantile(level: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(0.5 + level / 2.0))


def _start(family: Family, sample: Sample) -> np.ndarray:
    """A starting point: the exponential mean, shape 1 (lognormal: the log of the event times)."""
    mean = sample.exposure_h / max(sample.events, 1)
    if family.shape is None:
        return np.array([math.log(mean)])
    if family.name == "lognormal":
        times = np.where(sample.interval, 0.5 * (sample.low + sample.high), sample.low)[~sample.censored]
        logs = np.log(times[times > 0]) if times.size else np.array([math.log(mean)])
        spread = float(np.std(logs)) if logs.size > 1 else 1.0
        return np.array([math.log(max(spread, 0.05)), float(np.mean(logs))])
    return np.array([0.0, math.log(mean)])


def _maximise(family: Family, data: _Data, sample: Sample) -> tuple[np.ndarray | None, str]:
    if sample.events == 0:
        return None, "no failure observed"
    if family.k == 2 and sample.events < MIN_EVENTS_TWO_PARAMETERS:
        return None, f"a two-parameter law needs at least {MIN_EVENTS_TWO_PARAMETERS} observed events"
    closed = _closed_form_scale(family, data, sample)
    if closed is not None:
        # The conditional likelihood is −r log θ − Σ (t − a) / θ: maximal at θ = Σ (t − a) / r.
        return np.array([math.log(closed)]), "closed form: exposure / failures"
    from scipy import optimize

    def objective(theta: np.ndarray) -> float:
        value = -_log_likelihood(family, data, theta)
        return value if math.isfinite(value) else 1e300

    start = _start(family, sample)
    scale = max(1.0, abs(objective(start)))
    simplex = np.vstack([start] + [start + 0.5 * np.eye(family.k)[i] for i in range(family.k)])
    result = optimize.minimize(objective, start, method="Nelder-Mead",
                               options={"initial_simplex": simplex, "xatol": 1e-10, "fatol": 1e-13 * scale,
                                        "maxiter": 4000 * family.k, "maxfev": 8000 * family.k})
    theta = _newton_polish(objective, result.x)
    if not np.all(np.isfinite(theta)) or np.any(np.abs(theta[:-1]) > _EDGE) or objective(theta) >= 1e300:
        return None, "no maximum inside the family (the shape runs off to a limit)"
    return theta, "" if result.success else f"optimiser: {result.message}"


def _hessian(objective: Callable[[np.ndarray], float], theta: np.ndarray, step: float) -> np.ndarray:
    k = len(theta)
    hessian = np.empty((k, k))
    f0 = objective(theta)
    for i in range(k):
        e_i = np.eye(k)[i] * step
        hessian[i, i] = (objective(theta + e_i) - 2 * f0 + objective(theta - e_i)) / step**2
        for j in range(i):
            e_j = np.eye(k)[j] * step
            hessian[i, j] = hessian[j, i] = (objective(theta + e_i + e_j) - objective(theta + e_i - e_j)
                                             - objective(theta - e_i + e_j) + objective(theta - e_i - e_j)) / (
                4 * step**2)
    return hessian


def _gradient(objective: Callable[[np.ndarray], float], theta: np.ndarray, step: float) -> np.ndarray:
    return np.array([(objective(theta + e) - objective(theta - e)) / (2 * step) for e in np.eye(len(theta)) * step])


def _newton_polish(objective: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray:
    """A few Newton steps on central differences: Nelder–Mead's last digits are slow to come."""
    best, value = theta, objective(theta)
    for _ in range(4):
        hessian = _hessian(objective, best, 1e-4)
        try:
            step = np.linalg.solve(hessian, _gradient(objective, best, 1e-5))
        except np.linalg.LinAlgError:
            break
        candidate = best - step
        candidate_value = objective(candidate)
        if not candidate_value < value:
            break
        best, value = candidate, candidate_value
        if np.max(np.abs(step)) < 1e-12:
            break
    return best


def _covariance(family: Family, data: _Data, theta: np.ndarray) -> np.ndarray:
    def objective(t: np.ndarray) -> float:
        return -_log_likelihood(family, data, t)

    # The curvature is ~ events: step well inside the width of the likelihood (1/sqrt(events)).
    step = min(1e-3, max(1e-6, 1e-2 / math.sqrt(max(data.n, 1))))
    hessian = _hessian(objective, theta, step)
    if not np.all(np.isfinite(hessian)):
        return np.empty((0, 0))
    try:
        covariance = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.empty((0, 0))
    if np.any(np.diag(covariance) <= 0):
        return np.empty((0, 0))
    return covariance


# --- choosing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fit:
    """The candidates fitted to one sample and the one chosen (by AIC), with why.

    ``chosen`` is ``None`` when no candidate could be fitted (no observed failure): then
    ``reason`` gives the one-sided lower confidence bound on the mean that the exposure
    supports (``exposure / −log(1 − level)``, the exponential bound with zero failures).
    """

    sample: Sample
    candidates: tuple[Candidate, ...]
    chosen: Candidate | None
    reason: str
    level: float = 0.95

    @property
    def key(self) -> str:
        """``CLASS.failure`` or ``CLASS.repair``."""
        return f"{self.sample.element_class}.{self.sample.quantity}"

    def candidate(self, family: str) -> Candidate:
        for candidate in self.candidates:
            if candidate.family == family:
                return candidate
        raise KeyError(family)


def fit_sample(sample: Sample, families: Sequence[str] = FAMILIES, *, level: float = 0.95) -> Fit:
    """Fit every family in ``families`` to ``sample`` and choose one by AIC.

    Examples
    --------
    >>> sample = Sample.right_censored([120.0, 300.0, 80.0, 500.0], [True, True, True, False])
    >>> fit = fit_sample(sample, ["exponential"])
    >>> fit.chosen.mean_h == sample.exposure_h / 3       # closed form: exposure / failures
    True
    """
    known = _families()
    unknown = [name for name in families if name not in known]
    if unknown:
        raise ValueError(f"unknown families {unknown}: expected some of {', '.join(FAMILIES)}")
    data = _Data.of(sample)
    fitted = [_fit_family(known[name], data, sample, level) for name in families]
    usable = [c for c in fitted if c.converged]
    if not usable:
        return Fit(sample, tuple(fitted), None, _no_law_reason(sample, fitted, level), level)
    best_aic = min(c.aic for c in usable)
    weights = {c.family: math.exp(-0.5 * (c.aic - best_aic)) for c in usable}
    total = sum(weights.values())
    ranked = tuple(_with_rank(c, best_aic, weights.get(c.family, 0.0) / total) for c in fitted)
    chosen = min((c for c in ranked if c.converged), key=lambda c: c.aic)
    return Fit(sample, ranked, chosen, _reason(chosen, [c for c in ranked if c.converged]), level)


def _with_rank(candidate: Candidate, best_aic: float, weight: float) -> Candidate:
    from dataclasses import replace

    if not candidate.converged:
        return candidate
    return replace(candidate, delta_aic=candidate.aic - best_aic, weight=weight)


def _reason(chosen: Candidate, usable: list[Candidate]) -> str:
    others = sorted((c for c in usable if c is not chosen), key=lambda c: c.aic)
    text = f"{chosen.family}: lowest AIC ({chosen.aic:.2f})"
    if others:
        runner = others[0]
        gap = runner.aic - chosen.aic
        strength = ("the data barely tell them apart" if gap < 2 else
                    "some support" if gap < 4 else "strong support" if gap < 10 else "decisive")
        text += f"; next {runner.family} at ΔAIC {gap:.2f} ({strength})"
    best_bic = min(usable, key=lambda c: c.bic)
    text += "; BIC agrees" if best_bic is chosen else f"; BIC prefers {best_bic.family}"
    return text


def _no_law_reason(sample: Sample, fitted: list[Candidate], level: float) -> str:
    if sample.events == 0 and sample.exposure_h > 0:
        bound = sample.exposure_h / -math.log(1.0 - level)
        return (f"no failure in {sample.exposure_h:.6g} h of exposure: no law fitted; "
                f"the mean is at least {bound:.6g} h ({level:.0%} one-sided, exponential)")
    if sample.size == 0:
        return "no observation"
    return "no law could be fitted: " + "; ".join(f"{c.family}: {c.note}" for c in fitted)


def fit_records(records: Records, families: Sequence[str] = FAMILIES, *, level: float = 0.95) -> list[Fit]:
    """Fit every non-empty sample of ``records`` (class by class, failure then repair)."""
    return [fit_sample(sample, families, level=level) for sample in records.samples if sample.size]
