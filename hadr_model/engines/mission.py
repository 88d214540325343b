r"""Mission figures from an all-up start: R(t), MTTF, A(t) and interval availability.

A *mission* starts at ``t = 0`` with every element new and up (not in its steady state) and
lasts ``T`` hours. For the service (a tenant with a uniformly drawn home region, instantaneous
failover; block form: the root) this module gives

* ``R(t)``: the probability that the service has no outage in ``[0, t]`` (reliability);
* ``MTTF``: the mean time to the first service outage, ``∫_0^∞ R(t) dt``;
* ``A(t)``: the probability that the service is up at ``t`` (point availability);
* ``Ā(t) = (1/t) ∫_0^t A(s) ds``: the expected fraction of ``[0, t]`` up (interval availability).

Every figure names the model that produced it; :func:`mission` picks, per figure, the most
exact model the spec can state.

Models
------
*Independent elements, closed forms* (``A(t)``, ``Ā(t)``; and ``R``, ``MTTF`` when nothing is
repaired). With failure rate ``λ`` and repair rate ``μ`` (exponential laws) one copy of an
element started up is down at ``t`` with probability

``q(t) = λ/(λ+μ) · (1 − e^{−(λ+μ)t})``  (``A_i(t) = μ/(λ+μ) + λ/(λ+μ) e^{−(λ+μ)t}``),

computed as ``λ/(λ+μ) · (−expm1(−(λ+μ)t))`` so a tiny ``q`` keeps its digits. A non-repairable
element (``mttr: never``) is down at ``t`` with probability ``F(t)``, the distribution function
of its failure law, whatever the law (``A_i(t) = R_i(t) = 1 − F(t)``). The elements being
independent at every ``t``, the service's ``Q(t) = h(q(t))`` with ``h`` the exact engine's
structure function (:func:`~hadr_model.engines.exact.unavailability_function`). ``Ā(t)`` is
integrated by Gauss–Legendre quadrature on panels ``[0, τ], [τ, 4τ], [4τ, 16τ] …`` (``τ`` a
sixteenth of the shortest element time constant ``1/(λ+μ)``, the requested times and the laws'
kinks added as panel ends) with 20 nodes per panel; the error stated is the difference with 10
nodes per panel (a bound in practice: the 20-node rule is far more accurate). When no element
is repaired a service outage never ends (the structure is coherent), so ``R(t) = A(t)`` and
``MTTF = ∫_0^∞ A(t) dt``, integrated on the same panels out to where ``A`` is negligible.

*Markov* (``R(t)``, ``MTTF``; ``A(t)``, ``Ā(t)`` too when asked): exponential laws, the lumped
chain of :func:`~hadr_model.engines.markov.compiled_groups` (a non-repairable element has repair
rate 0). The service's down states are made absorbing: ``R(t) = p_T(0) e^{Q_TT t} 1`` and
``MTTF`` from ``Q_TT m = −1`` (:func:`~hadr_model.engines.markov.reliability`,
:func:`~hadr_model.engines.markov.mean_time_to_failure`). The interval availability integrates
``p(t)`` exactly with the augmented generator ``[[Q^T, 0], [I, 0]]``. Used when the chain has
at most :data:`MAX_MISSION_STATES` states and its transient work fits :data:`MAX_MISSION_WORK`.

*Monte Carlo, all-up start* (whatever the laws): every copy starts new
(:func:`hadr_model.engines.montecarlo._initial` with ``all_up``), the service's signal is
evaluated per run; per run and home region the first outage time gives ``R(t)`` (a binomial
proportion: Wilson 95 % interval for one home region, otherwise a normal interval over the
runs' home averages) and the MTTF (mean, 95 % t-interval). The horizon is extended (×4 at a
time, from the mission) until every run has failed or a bound on the events per run is reached;
runs still up then are censored and the MTTF is reported as the lower bound
``E[min(T_fail, H)]`` (``mttf_censored``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import SpecError
from ..topology.compiled import CompiledModel, evaluate_down, used_rows
from ..topology.laws import gauss_legendre
from ..topology.model import Behaviour, Model

__all__ = ["MAX_MISSION_STATES", "MAX_MISSION_WORK", "MissionFigure", "MissionResult", "element_unavailability_at",
           "mission"]

MAX_MISSION_STATES = 20_000
"""Largest Markov chain the mission figures use (a dense exponential up to 800 states, sparse beyond)."""
MAX_MISSION_WORK = 2e9
"""Bound on ``states × t × largest exit rate`` (the cost of a sparse transient) for the Markov route."""
MAX_HORIZON_EVENTS = 200_000
"""Monte Carlo: the horizon is not extended past this many expected element transitions per run."""
MAX_TOTAL_EVENTS = 1e8
"""Monte Carlo: runs × expected transitions per run, bounded before anything is simulated."""
_GAUSS_NODES = 20
_PANEL_RATIO = 4.0
_TAIL_TOL = 1e-13
_MAX_TAIL_PANELS = 120

CLOSED = "exact"
MARKOV = "markov"
MONTE_CARLO = "monte-carlo"


@dataclass(frozen=True)
class MissionFigure:
    """One figure at several times, with the model that produced it.

    ``values[j]`` is the figure at ``times_h[j]``; ``ci95`` (Monte Carlo) the 95 % intervals;
    ``error`` (quadrature) a bound on the absolute error of each value.
    """

    times_h: tuple[float, ...]
    values: tuple[float, ...]
    model: str
    ci95: tuple[tuple[float, float], ...] | None = None
    error: tuple[float, ...] | None = None

    def at(self, t_h: float) -> float:
        """The value at ``t_h`` (one of :attr:`times_h`)."""
        return self.values[self.times_h.index(t_h)]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t_h": list(self.times_h), "value": list(self.values), "model": self.model}
        if self.ci95 is not None:
            out["ci95"] = [list(pair) for pair in self.ci95]
        if self.error is not None:
            out["error"] = list(self.error)
        return out


@dataclass(frozen=True)
class MissionResult:
    """Mission figures of a spec from an all-up start (see the module docstring).

    ``reliability``, ``availability_at`` and ``interval_availability`` are given at every time
    of ``times_h`` (the requested times, then the mission's end); ``mttf_h`` is one value
    (``mttf_ci95_h``: Monte Carlo only; ``mttf_censored``: a lower bound, see the module docstring).
    """

    name: str
    mission_h: float
    times_h: tuple[float, ...]
    reliability: MissionFigure
    availability_at: MissionFigure
    interval_availability: MissionFigure
    mttf_h: float
    mttf_model: str
    mttf_ci95_h: tuple[float, float] | None = None
    mttf_censored: bool = False
    failover_model: str = "instantaneous"
    notes: tuple[str, ...] = field(default=())

    @property
    def models(self) -> dict[str, str]:
        """The model behind each figure."""
        return {"reliability": self.reliability.model, "mttf_h": self.mttf_model,
                "availability_at": self.availability_at.model,
                "interval_availability": self.interval_availability.model}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures; keys carry their unit (``_h``: hours)."""
        mttf: dict[str, Any] = {"value": self.mttf_h, "model": self.mttf_model, "censored": self.mttf_censored}
        if self.mttf_ci95_h is not None:
            mttf["ci95"] = list(self.mttf_ci95_h)
        return {
            "name": self.name, "start": "all-up", "mission_h": self.mission_h, "t_h": list(self.times_h),
            "reliability": self.reliability.as_dict(), "mttf_h": mttf,
            "availability_at": self.availability_at.as_dict(),
            "interval_availability": self.interval_availability.as_dict(),
            "model": self.models, "failover_model": self.failover_model, "notes": list(self.notes),
        }


# --- one element ----------------------------------------------------------------------------

def _kind(behaviour: Behaviour) -> str:
    """``"exponential"`` (both laws), ``"never"`` (not repaired: any failure law) or ``"other"``."""
    assert behaviour.failure is not None and behaviour.repair is not None
    if behaviour.repair.is_never:
        return "never"
    if behaviour.failure.is_exponential and behaviour.repair.is_exponential:
        return "exponential"
    return "other"


def element_unavailability_at(behaviour: Behaviour, t_h: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    r"""``(q(t), a(t))`` of one copy started up at 0: exponential laws, or never repaired.

    ``q(t) = λ/(λ+μ) (1 − e^{−(λ+μ)t})`` and ``a(t) = μ/(λ+μ) + λ/(λ+μ) e^{−(λ+μ)t}``, each
    computed without subtracting nearly equal numbers; never repaired: ``q = F(t)``,
    ``a = 1 − F(t)`` (the failure law's survival function).

    Examples
    --------
    >>> from hadr_model.topology.laws import exponential, never
    >>> q, a = element_unavailability_at(Behaviour(exponential(99.0), exponential(1.0)), 1e6)
    >>> round(float(q), 12), round(float(a), 12)
    (0.01, 0.99)
    >>> q, a = element_unavailability_at(Behaviour(exponential(100.0), never()), 100.0)
    >>> round(float(a), 12)     # e^{-1}
    0.367879441171
    """
    t = np.asarray(t_h, dtype=float)
    failure, repair = behaviour.failure, behaviour.repair
    if failure is None or repair is None:
        raise SpecError("behaviour", behaviour.describe(), "time laws (mttf/mttr or failure/repair)")
    if repair.is_never:
        survival = np.asarray(failure.sf(t), dtype=float)
        if failure.is_exponential:
            return -np.expm1(-t / failure.mean_h), survival
        return np.asarray(failure.frozen().cdf(t), dtype=float) if failure.fixed is None else 1.0 - survival, survival
    if not (failure.is_exponential and repair.is_exponential):
        raise SpecError("behaviour", behaviour.describe(), "exponential laws for the closed form of A(t)")
    lam, mu = 1.0 / failure.mean_h, 1.0 / repair.mean_h
    total = lam + mu
    decay = np.exp(-total * t)
    return lam / total * -np.expm1(-total * t), mu / total + lam / total * decay


# --- quadrature -----------------------------------------------------------------------------



def _panel(f: Callable[[float], float], a: float, b: float) -> tuple[float, float]:
    """``∫_a^b f`` by 20-point Gauss–Legendre, and its difference with the 10-point rule."""
    half, mid = (b - a) / 2.0, (a + b) / 2.0
    high = half * sum(w * f(mid + half * x) for x, w in zip(*gauss_legendre(_GAUSS_NODES)))
    low = half * sum(w * f(mid + half * x) for x, w in zip(*gauss_legendre(_GAUSS_NODES // 2)))
    return high, abs(high - low)


def _boundaries(start: float, end: float, extra: Sequence[float]) -> list[float]:
    points = {0.0, end, *(x for x in extra if 0.0 < x < end)}
    t = start
    while t < end:
        points.add(t)
        t *= _PANEL_RATIO
    return sorted(points)


def _cumulative(f: Callable[[float], float], times: Sequence[float], start: float,
                extra: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """``∫_0^t f`` at every ``t`` of ``times`` (on shared panels), with an error bound each."""
    edges = _boundaries(start, max(times), [*times, *extra])
    sums, errors, total, error = {0.0: 0.0}, {0.0: 0.0}, 0.0, 0.0
    for a, b in itertools.pairwise(edges):
        value, bound = _panel(f, a, b)
        total, error = total + value, error + bound
        sums[b], errors[b] = total, error
    return np.array([sums[t] for t in times]), np.array([errors[t] for t in times])


def _tail_integral(f: Callable[[float], float], start: float, extra: Sequence[float]) -> tuple[float, float]:
    """``∫_0^∞ f`` for a non-increasing ``f ≥ 0`` (a reliability): panels until ``f`` is negligible."""
    edges = [0.0, *sorted(x for x in extra if 0.0 < x < start), start]
    total = error = 0.0
    for a, b in itertools.pairwise(edges):
        value, bound = _panel(f, a, b)
        total, error = total + value, error + bound
    a = start
    for _ in range(_MAX_TAIL_PANELS):
        b = a * _PANEL_RATIO
        value, bound = _panel(f, a, b)
        total, error = total + value, error + bound
        if f(b) * b <= _TAIL_TOL * total and value <= _TAIL_TOL * total:
            return total, error
        a = b
    return total, math.inf


# --- the closed route: independent elements -------------------------------------------------

class _Closed:
    """``Q(t)`` of the service for independent elements started up (exponential or never repaired)."""

    def __init__(self, model: Model, rows: Sequence[int]) -> None:
        from .exact import unavailability_function

        table = model.compiled.elements
        self.h = unavailability_function(model)
        self.size = len(table)
        self.rows = list(rows)
        self.behaviours = [table.behaviours[r] for r in self.rows]
        self.q0 = np.array(table.q, dtype=float)     # rows the structure leaves out keep theirs
        self.a0 = np.array(table.p, dtype=float)
        times = []
        kinks = []
        for b in self.behaviours:
            assert b.failure is not None and b.repair is not None
            rate = 1.0 / b.mttf_h + (0.0 if b.repair.is_never else 1.0 / b.mttr_h)
            times.append(1.0 / rate)
            kinks += b.failure.kinks_h
        self.time_constant = min(times) if times else 1.0
        self.kinks = kinks

    def unavailability(self, t: float) -> float:
        if t <= 0.0:
            return 0.0
        q, a = self.q0.copy(), self.a0.copy()
        for row, behaviour in zip(self.rows, self.behaviours):
            q[row], a[row] = (float(x) for x in element_unavailability_at(behaviour, t))
        return float(self.h(q, a))

    def availability(self, t: float) -> float:
        return 1.0 - self.unavailability(t)

    def interval(self, times: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """``Ā(t)`` at ``times`` and the quadrature error bound of each (from ``∫ Q``: digits kept)."""
        integral, error = _cumulative(self.unavailability, times, self.time_constant / 16.0, self.kinks)
        t = np.asarray(times, dtype=float)
        return 1.0 - integral / t, error / t

    def mttf(self) -> tuple[float, float]:
        """``∫_0^∞ A(t) dt`` (``R = A`` when nothing is repaired) and its error bound."""
        return _tail_integral(self.availability, self.time_constant / 16.0, self.kinks)


# --- the Markov route -----------------------------------------------------------------------

class _Markov:
    """The lumped chain of the compiled model; per tenant its down states."""

    def __init__(self, model: Model) -> None:
        from . import markov

        groups, rows = markov.compiled_groups(model)[:2]
        # The spec's repair teams (shared crews) when it has a repair section; else a crew per copy.
        policy = markov.team_policy(model) if _teams(model) else markov.RepairPolicy()
        chain = markov.build_chain(markov.MarkovModel(groups, policy,
                                                      up=lambda s: np.ones(len(next(iter(s.values()))), bool)))
        compiled: CompiledModel = model.compiled
        down = np.zeros((len(compiled.elements), chain.n_states), np.int64)
        for group, row in zip(groups, rows):
            down[row] = chain.failed[group.name]
        cache: dict[int, np.ndarray] = {}
        self.up = [evaluate_down(tenant, down, cache) == 0 for tenant in compiled.tenants()]
        self.chain = chain
        self.p0 = np.zeros(chain.n_states)
        self.p0[chain.initial] = 1.0

    def reliability(self, times: Sequence[float]) -> np.ndarray:
        from .markov import reliability

        return np.mean([reliability(self.chain.generator, up, self.p0, times) for up in self.up], axis=0)

    def mttf(self) -> float:
        from .markov import mean_time_to_failure

        return float(np.mean([mean_time_to_failure(self.chain.generator, up, self.p0) for up in self.up]))

    def availability(self, times: Sequence[float]) -> np.ndarray:
        from .markov import transient

        p = transient(self.chain.generator, self.p0, times)
        return np.mean([p[:, up].sum(axis=1) for up in self.up], axis=0)

    def interval(self, times: Sequence[float]) -> np.ndarray:
        """``(1/t) ∫_0^t A`` exactly: ``[p(t), ∫p]`` from the augmented generator ``[[Q^T, 0], [I, 0]]``."""
        import scipy.sparse as sp
        from scipy.sparse.linalg import expm_multiply

        n = self.chain.n_states
        qt = self.chain.generator.T.tocsr()
        augmented = sp.block_array([[qt, None], [sp.eye_array(n), sp.csr_array((n, n))]], format="csr")
        start = np.concatenate([self.p0, np.zeros(n)])
        out = []
        for t in times:
            integral = expm_multiply(augmented * t, start)[n:]
            down = [integral[~up].sum() for up in self.up]
            out.append(1.0 - float(np.mean(down)) / t)
        return np.array(out)


def _teams(model: Model) -> tuple[Any, ...]:
    """The spec's repair teams (crews shared by several elements), if any."""
    return tuple(getattr(model.compiled, "teams", ()) or ())


def _markov_fits(model: Model, mission_h: float) -> tuple[bool, str]:
    """Whether the Markov route fits, checked from the counts before anything is built."""
    compiled: CompiledModel = model.compiled
    rows = used_rows(compiled.tenants())
    table = compiled.elements
    states = 1
    for r in rows:
        states *= int(table.counts[r]) + 1
        if states > MAX_MISSION_STATES:     # stop early: the count of a large model is astronomical
            return False, f"more than {MAX_MISSION_STATES:,} Markov states (the bound for the mission figures)"
    rate = sum(int(table.counts[r]) * (1.0 / table.behaviours[r].mttf_h + 1.0 / table.behaviours[r].mttr_h)
               for r in rows)
    work = states * mission_h * rate
    if states > 800 and work > MAX_MISSION_WORK:
        return False, f"a transient of {work:.3g} steps (at most {MAX_MISSION_WORK:.0e})"
    return True, f"{states:,} states"


# --- the Monte Carlo route ------------------------------------------------------------------

@dataclass
class _Sampled:
    reliability: np.ndarray
    reliability_ci: list[tuple[float, float]]
    availability: np.ndarray
    availability_ci: list[tuple[float, float]]
    interval: np.ndarray
    interval_ci: list[tuple[float, float]]
    mttf: float
    mttf_ci: tuple[float, float]
    censored: bool
    horizon_h: float
    runs: int


def _wilson(successes: float, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _interval95(values: np.ndarray, proportion: bool) -> tuple[float, float]:
    """95 % interval of the mean of ``values`` over independent runs.

    ``proportion``: values in [0, 1] (an indicator, or its average over the home regions of a
    run): Wilson's score interval with ``n`` runs, exact in form for indicators and conservative
    for averages (their variance is at most ``p(1 − p)``); otherwise a t-interval.
    """
    n = len(values)
    if proportion:
        return _wilson(float(values.sum()), n)
    from .montecarlo import _t975

    half = _t975(n - 1) * float(values.std(ddof=1)) / math.sqrt(n) if n > 1 else math.inf
    mean = float(values.mean())
    return mean - half, mean + half


def _flipped(interval: tuple[float, float]) -> tuple[float, float]:
    return 1.0 - interval[1], 1.0 - interval[0]


def _simulate(model: Model, times: Sequence[float], runs: int, seed: int, horizon: float) -> dict[str, np.ndarray]:
    """Per run and home region: first outage time, down at each time, downtime over [0, t]."""
    from . import montecarlo as mc

    plan = mc._structure_plan(model, None)
    mc._check_size(plan, horizon)
    block = max(1, min(runs, mc._block_runs(plan, horizon)))
    sizes = [min(block, runs - start) for start in range(0, runs, block)]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    first, down_at, downtime = [], [], []
    t = np.asarray(times, dtype=float)
    for size, child in zip(sizes, seeds):
        rng = np.random.default_rng(child)
        pools = mc._Pools(mc._pool_needs(plan, size))
        cache: dict[int, Any] = {}

        def basic(part: Any, size: int = size, rng: np.random.Generator = rng, pools: Any = pools) -> Any:
            return mc._element_signal(plan.elements[part.element], part.element, size, horizon, rng,
                                      pools=pools, all_up=True)[0]

        signals = [mc._evaluate(tenant, basic, cache, size) for tenant in plan.tenants]
        first.append(np.stack([_first_failure(s) for s in signals], axis=1))
        down_at.append(np.stack([_down_at(s, t) for s in signals], axis=1))
        downtime.append(np.stack([_downtime_until(s, t) for s in signals], axis=1))
    return {"first": np.concatenate(first), "down_at": np.concatenate(down_at),
            "downtime": np.concatenate(downtime)}


def _first_failure(signal: Any) -> np.ndarray:
    """Time of the first outage of each run (all up at 0), ``inf`` when none in the horizon."""
    rises = signal.deltas == 1
    has = rises.any(axis=1)
    column = np.argmax(rises, axis=1)
    return np.where(has, signal.times[np.arange(len(column)), column], np.inf)


def _down_at(signal: Any, times: np.ndarray) -> np.ndarray:
    """``(runs, times)``: 1 where the service is down at each time."""
    state = signal.init[:, None] + np.stack([(signal.deltas * (signal.times <= t)).sum(axis=1) for t in times], 1)
    return (state > 0).astype(float)


def _downtime_until(signal: Any, times: np.ndarray) -> np.ndarray:
    """``(runs, times)``: hours down in ``[0, t)``."""
    out = []
    for t in times:
        valid = (signal.deltas != 0) & (signal.times < t)
        after = np.where(valid, t - np.where(valid, signal.times, 0.0), 0.0)
        out.append(signal.init * t + (signal.deltas * after).sum(axis=1))
    return np.stack(out, axis=1)


def _monte_carlo(model: Model, times: Sequence[float], runs: int, seed: int) -> _Sampled:
    from . import montecarlo as mc

    plan = mc._structure_plan(model, None)
    horizon = max(times)
    cap = max(horizon, mc.MAX_YEARS * plan.year_hours)
    per_hour = mc._events_per_run(plan, horizon) / horizon
    if runs * mc._events_per_run(plan, horizon) > MAX_TOTAL_EVENTS:
        raise SpecError("runs", runs, f"fewer runs: {runs:,} runs of {horizon:g} h need about "
                        f"{runs * mc._events_per_run(plan, horizon):.3g} element transitions "
                        f"(at most {MAX_TOTAL_EVENTS:.0e})")
    while True:
        sample = _simulate(model, times, runs, seed, horizon)
        survivors = np.isinf(sample["first"]).any()
        longer = min(cap, horizon * _PANEL_RATIO)
        if not survivors or longer <= horizon or per_hour * longer > MAX_HORIZON_EVENTS \
                or runs * per_hour * longer > MAX_TOTAL_EVENTS:
            break
        horizon = longer
    first = sample["first"]
    t = np.asarray(times, dtype=float)
    survived = (first[:, :, None] > t[None, None, :]).mean(axis=1)          # (runs, times)
    down = sample["down_at"].mean(axis=1)
    interval = 1.0 - sample["downtime"].mean(axis=1) / t[None, :]
    lifetimes = np.minimum(first, horizon).mean(axis=1)
    censored = bool(np.isinf(first).any())
    return _Sampled(
        reliability=survived.mean(axis=0), reliability_ci=[_interval95(survived[:, j], True) for j in range(len(t))],
        availability=1.0 - down.mean(axis=0),
        availability_ci=[_flipped(_interval95(down[:, j], True)) for j in range(len(t))],
        interval=interval.mean(axis=0), interval_ci=[_interval95(interval[:, j], False) for j in range(len(t))],
        mttf=float(lifetimes.mean()), mttf_ci=_interval95(lifetimes, False), censored=censored,
        horizon_h=horizon, runs=runs)


# --- the figures ----------------------------------------------------------------------------

def _check_times(mission_h: Any, at_h: Sequence[Any]) -> tuple[float, tuple[float, ...]]:
    if isinstance(mission_h, bool) or not isinstance(mission_h, (int, float)) or not 0 < mission_h < math.inf:
        raise SpecError("mission", mission_h, "a mission time in hours, more than 0 and finite")
    mission_h = float(mission_h)
    times = []
    for i, t in enumerate(at_h):
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t <= mission_h:
            raise SpecError(f"at[{i}]", t, f"a time in hours more than 0 and at most the mission ({mission_h:g} h)")
        times.append(float(t))
    ordered = tuple(sorted(set(times)))
    return mission_h, ordered + ((mission_h,) if mission_h not in ordered else ())


def _fails_exponentially(behaviour: Behaviour) -> bool:
    """Whether an element's failure law is exponential (a never-repaired element has one)."""
    return behaviour.failure is not None and behaviour.failure.is_exponential


def _behaviours(model: Model) -> tuple[list[int], list[str]]:
    compiled: CompiledModel = model.compiled
    table = compiled.elements
    rows = used_rows(compiled.tenants())
    kinds = []
    for row in rows:
        table.time_laws(row, "mission figures")
        kinds.append(_kind(table.behaviours[row]))
    return rows, kinds


def mission(model: Model, mission_h: float, at_h: Sequence[float] = (), *, runs: int = 10_000,
            seed: int = 0, method: str = "auto") -> MissionResult:
    """R(t), MTTF, A(t) and interval availability of a spec's service from an all-up start.

    Parameters
    ----------
    model : Topology or BlockSystem
        A loaded spec; every element its structure uses needs time laws.
    mission_h : float
        The mission's length in hours.
    at_h : sequence of float
        Further times (hours, in ``(0, mission_h]``) at which to give ``R``, ``A`` and ``Ā``.
    runs, seed : int
        Monte Carlo runs and seed, when a figure needs it (non-exponential repairable laws, or a
        chain too large for the Markov route).
    method : {"auto", "monte-carlo"}
        ``"monte-carlo"`` forces the simulation for every figure (a cross-check).

    Returns
    -------
    MissionResult
        Every figure with the model that produced it (see the module docstring).

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"parallel": [{"component": {"name": "db", "mttf": "1000h", "mttr": "10h",
    ...                                                "count": 2}}]}}
    >>> result = mission(load_spec(spec), 8760.0, [24.0])
    >>> round(result.mttf_h, 3)     # (3λ + μ) / (2λ²), λ = 1e-3, μ = 0.1
    51500.0
    >>> result.models["reliability"]
    'markov: 4 states, down states absorbing (exponential laws)'
    """
    mission_h, times = _check_times(mission_h, at_h)
    if method not in ("auto", "monte-carlo"):
        raise SpecError("method", method, "'auto' or 'monte-carlo'")
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 2:
        raise SpecError("runs", runs, "a whole number of runs, 2 or more")
    if model.compiled.standby:
        # Neither the per-element closed forms nor the Markov bridge of this module model spares.
        raise SpecError("standby", f"{len(model.compiled.standby)} standby group(s)",
                        "a spec without standby spares for mission figures (the steady state of spares "
                        "is in `hadr availability`; mission time with spares is not modelled yet)")
    rows, kinds = _behaviours(model)
    compiled: CompiledModel = model.compiled
    notes: list[str] = []
    pairs = compiled.form == "regions" and any(site.fails_over_to for site in compiled.regions if site.home)
    if pairs:
        notes.append("failover is instantaneous in the mission figures (an upper bound on what a DR workflow gives)")
    shared = bool(_teams(model))      # crews shared: the elements are not independent
    closed_ok = method == "auto" and not shared and all(k in ("exponential", "never") for k in kinds)
    nothing_repaired = all(k == "never" for k in kinds)
    exponential = all(k == "exponential" or (k == "never" and _fails_exponentially(compiled.elements.behaviours[r]))
                      for r, k in zip(rows, kinds))
    markov_ok, markov_why = _markov_fits(model, mission_h) if method == "auto" and exponential else (False, "")
    if shared and not markov_ok:
        raise SpecError("repair", f"{len(_teams(model))} repair team(s)",
                        "mission figures with shared repair crews from the Markov route: exponential laws and "
                        f"at most {MAX_MISSION_STATES:,} states (Monte Carlo with an all-up start does not model "
                        f"crews yet){'; ' + markov_why if markov_why else ''}")
    sampled: _Sampled | None = None

    def sample() -> _Sampled:
        nonlocal sampled
        if sampled is None:
            sampled = _monte_carlo(model, times, runs, seed)
        return sampled

    def mc_label() -> str:
        s = sample()
        return f"monte-carlo: all-up start, {s.runs:,} runs, seed {seed}, horizon {s.horizon_h:g} h"

    closed = _Closed(model, rows) if closed_ok else None
    chain = _Markov(model) if markov_ok else None
    closed_label = ("exact: independent elements, transient closed forms (exponential laws; not repaired: "
                    "1 − F(t)), structure function")

    if closed is not None:
        a = np.array([closed.availability(t) for t in times])
        availability = MissionFigure(times, tuple(a.tolist()), closed_label)
        ia, error = closed.interval(times)
        interval = MissionFigure(times, tuple(ia.tolist()), closed_label + ", Gauss–Legendre quadrature",
                                 error=tuple(error.tolist()))
    elif chain is not None:
        label = f"markov: {markov_why}, transient from all up (exponential laws)"
        availability = MissionFigure(times, tuple(chain.availability(times).tolist()), label)
        interval = MissionFigure(times, tuple(chain.interval(times).tolist()), label + ", exact integral")
    else:
        s = sample()
        availability = MissionFigure(times, tuple(s.availability.tolist()), mc_label(), ci95=tuple(s.availability_ci))
        interval = MissionFigure(times, tuple(s.interval.tolist()), mc_label(), ci95=tuple(s.interval_ci))

    mttf_ci: tuple[float, float] | None = None
    censored = False
    if closed is not None and nothing_repaired:
        label = "exact: nothing is repaired, R(t) = A(t) (independent elements, structure function)"
        reliability = MissionFigure(times, availability.values, label)
        mttf, error_h = closed.mttf()
        mttf_label = label + f", ∫A dt by Gauss–Legendre quadrature (error ≤ {error_h:.1e} h)"
    elif chain is not None:
        label = f"markov: {markov_why}, down states absorbing (exponential laws)"
        reliability = MissionFigure(times, tuple(chain.reliability(times).tolist()), label)
        mttf, mttf_label = chain.mttf(), label
    else:
        s = sample()
        reliability = MissionFigure(times, tuple(s.reliability.tolist()), mc_label(), ci95=tuple(s.reliability_ci))
        mttf, mttf_ci, censored, mttf_label = s.mttf, s.mttf_ci, s.censored, mc_label()
        if markov_why and not markov_ok:
            notes.append(f"Markov route not used: {markov_why}")
        if censored:
            notes.append(f"MTTF is a lower bound: some runs had no outage within the {s.horizon_h:g} h horizon "
                         "(E[min(first outage, horizon)])")
    return MissionResult(
        name=compiled.name, mission_h=mission_h, times_h=times, reliability=reliability,
        availability_at=availability, interval_availability=interval, mttf_h=float(mttf), mttf_model=mttf_label,
        mttf_ci95_h=mttf_ci, mttf_censored=censored,
        failover_model="instantaneous" if pairs else "none", notes=tuple(notes))

