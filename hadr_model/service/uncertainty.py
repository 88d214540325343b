r"""How sure are we? Epistemic uncertainty of the spec's parameters carried to the verdict.

A spec parameter (an ``mttf`` or ``mttr`` of any behaviour) may carry an uncertainty
(:func:`hadr_model.topology.laws.parse_uncertain`): in place of its value (``mttf: {dist:
gamma-posterior, failures: 3, exposure: 12y}``, ``mttr: {uncertain: LAW}``; the point figures
use the law's **median**) or beside it (``uncertainty: {mttf: LAW}``; the point figures keep
the written value). This module

1. finds every uncertain parameter of a spec (:func:`uncertain_parameters`);
2. draws ``N`` parameter vectors ``θ_s`` (scrambled Sobol' points, Latin hypercube or plain
   random uniforms, seeded through :class:`numpy.random.SeedSequence`, mapped through each
   parameter's quantile function — the parameters are independent);
3. evaluates the exact engine for all samples at once
   (:func:`hadr_model.engines.uncertainty.service_samples`): each sampled mean sets the table
   rows it governs (a row's mean is ``factor × θ``: the beta split of a role, a law's shape kept,
   found once by evaluating the spec at another value of the parameter);
4. reports credible bands — median, 5 % and 95 % quantiles over the samples — of the
   availability and the downtime per year, the worst home region's availability, and
   ``P(objective met)``: the fraction of samples in which the verdict's availability check
   (the worst home region's availability at least the objective, :mod:`.verdict`) passes;
5. ranks the parameters by their Sobol' indices of the unavailability
   (:func:`sobol_sensitivity`, ``scipy.stats.sobol_indices`` with bootstrap intervals).

Failover follows :func:`hadr_model.service.availability`: with ``"dr-workflow"`` a region
loss costs ``E[min(D, RTO)]`` over the DR workflow's RTO samples (seeded with ``seed``); when
the region's repair mean is uncertain, that expectation is recomputed for every sample (cost
``N × n_disasters``). The availability band keeps the DR parameters at their points.

DR parameters (restore throughput, recovery steps, lag … — :mod:`hadr_model.dr.uncertainty`)
that carry an uncertainty are sampled apart (:func:`propagate_dr`): ``M`` samples, each running
the verdict's DR workflows over ``n`` disasters with the same seed (common random numbers),
give the bands of the worst home region's RPO / RTO p95 per scenario and ``P(objective met)``,
the fraction of samples in which the verdict's check of that objective passes.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from ..engines.exact import check_independent
from ..engines.uncertainty import ServiceSamples, check_samples, chunks, element_figures, service_samples
from ..errors import SpecError
from ..options import FailoverModel
from ..topology import schema
from ..topology.laws import Uncertain, is_uncertain, parse_uncertain
from ..topology.model import Model, Topology
from ..topology.paths import set_path
from ..units import format_duration
from .availability import DEFAULT_DR_DISASTERS, DEFAULT_FAILOVER, effective_failover

__all__ = ["DEFAULT_DR_SAMPLES", "DEFAULT_DR_SAMPLE_DISASTERS", "DEFAULT_SAMPLES", "MAX_SAMPLES", "METHODS", "Band",
           "DRObjectiveBand", "DRUncertainty", "Parameter", "Propagator", "SobolIndex", "UncertaintyResult", "draw_dr",
           "propagate", "propagate_dr", "sobol_sensitivity", "spec_at", "uncertain_parameters"]

DEFAULT_SAMPLES = 4096
DEFAULT_DR_SAMPLES = 64      # DR parameter samples: each runs the DR workflows over n disasters
# Disasters per DR sample: about 7 µs each for the default spec's region loss (200 databases on
# 4 slots), so 64 × 5000 take ~2 s; 20,000 (the verdict's) makes the point sample its figures.
DEFAULT_DR_SAMPLE_DISASTERS = 5000
MAX_SAMPLES = 2_000_000
METHODS = ("sobol", "lhs", "random")
LEVEL = 0.90                 # the band: 5 % to 95 %
_STREAM_TAG = 0x554E43       # "UNC": a stream of its own, apart from the DR and Monte Carlo ones
_PAIRS = {"mttf": ("mttf", "failure"), "mttr": ("mttr", "repair")}


# --- the parameters -----------------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    """An uncertain parameter: its law, the behaviour it belongs to and which mean it is."""

    law: Uncertain
    behaviour: tuple[str | int, ...]      # path of the behaviour mapping in the spec
    quantity: str                         # "mttf" or "mttr"

    @property
    def field(self) -> str:
        return self.law.field

    def as_dict(self) -> dict[str, Any]:
        low, high = self.law.interval_h(LEVEL)
        return {"field": self.field, "quantity": self.quantity, "law": self.law.describe(),
                "point_h": self.law.point_h, "median_h": self.law.median_h, "p05_h": low, "p95_h": high,
                "point_is": "median" if is_uncertain_field(self) else "written value"}


def is_uncertain_field(parameter: Parameter) -> bool:
    """Whether the uncertainty is written in place of the value (its point is then its median)."""
    return ".uncertainty." not in parameter.field


def _node(raw: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        raw = raw[part]
    return raw


def uncertain_parameters(model: Model | Mapping[str, Any]) -> tuple[Parameter, ...]:
    """Every uncertain parameter of a spec, in the spec's order.

    Examples
    --------
    >>> spec = {"blocks": {"component": {"name": "a", "mttf": {"dist": "gamma-posterior", "failures": 2,
    ...                                                          "exposure": "4000h"}, "mttr": "2h"}}}
    >>> [p.field for p in uncertain_parameters(spec)]
    ['blocks.component.mttf']
    """
    from ..topology.spec import parse_behaviour

    raw = model.raw if isinstance(model, (Topology,)) or hasattr(model, "raw") else model
    found = []
    for site in schema.walk(raw):
        owner = site.owner
        if owner is None or not owner.behaviour or not isinstance(site.key, str):
            continue
        parent = tuple(site.path[:-1])
        if site.key in _PAIRS and is_uncertain(site.value):
            found.append(Parameter(parse_uncertain(site.value, site.field), parent, site.key))
        elif site.key == "uncertainty" and isinstance(site.value, Mapping):
            behaviour = parse_behaviour(_node(raw, parent), site.field.rpartition(".")[0])
            for quantity in ("mttf", "mttr"):
                if quantity in site.value:
                    law = behaviour.failure if quantity == "mttf" else behaviour.repair
                    assert law is not None
                    found.append(Parameter(parse_uncertain(site.value[quantity], f"{site.field}.{quantity}",
                                                           point_h=law.mean_h), parent, quantity))
    return tuple(found)


def _law_with_mean(raw: Any, mean_h: float) -> Any:
    """A spec law (the value of ``failure`` / ``repair``) with its mean set to ``mean_h`` hours."""
    if isinstance(raw, Mapping) and raw.get("dist") == "deterministic":
        return {"dist": "deterministic", "value": mean_h}
    if isinstance(raw, Mapping) and "dist" in raw and not is_uncertain(raw):
        return {**{k: v for k, v in raw.items() if k not in ("scale", "mean")}, "mean": mean_h}
    return mean_h       # a duration: an exponential mean (the behaviour keys read it so)


def spec_at(raw: Mapping[str, Any], values: Mapping[Parameter, float]) -> dict[str, Any]:
    """The raw spec with each parameter's point set to ``values[parameter]`` hours (a copy).

    The shape of a ``failure`` / ``repair`` law is kept and its mean set; an uncertainty in place
    of a value becomes that value. Every figure of the result is a point: the independent
    reference that the vectorised evaluation is tested against.
    """
    result: Any = dict(raw)
    for parameter, value in values.items():
        behaviour = dict(_node(result, parameter.behaviour))
        shorthand, long = _PAIRS[parameter.quantity]
        if shorthand in behaviour:
            behaviour[shorthand] = float(value)
        else:
            behaviour[long] = _law_with_mean(behaviour[long], float(value))
        result = set_path(result, parameter.behaviour, behaviour)
    return result


# --- the rows each parameter governs --------------------------------------------------------

def _means(model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = model.compiled.elements
    mttf = np.array([b.mttf_h for b in table.behaviours])
    mttr = np.array([b.mttr_h for b in table.behaviours])
    fixed = np.array([b.unavailability if not b.has_time_law else np.nan for b in table.behaviours])
    return mttf, mttr, fixed


def _row_map(model: Model, parameters: Sequence[Parameter]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row and mean (failure, repair): the parameter column that sets it (-1: none) and the
    factor (row mean = factor × parameter), found by evaluating the spec at twice each point."""
    from ..topology.spec import parse_spec

    mttf, mttr, _ = _means(model)
    columns = [np.full(len(mttf), -1), np.full(len(mttf), -1)]
    factors = [np.zeros(len(mttf)), np.zeros(len(mttf))]
    for j, parameter in enumerate(parameters):
        point = parameter.law.point_h
        moved = parse_spec(spec_at(model.raw, {parameter: 2.0 * point}))
        other_f, other_r, _ = _means(moved)
        if len(other_f) != len(mttf):
            raise SpecError(parameter.field, point, "a parameter that changes figures, not the structure")
        for k, (base, other) in enumerate(((mttf, other_f), (mttr, other_r))):
            with np.errstate(invalid="ignore"):
                changed = ~np.isclose(other, base, rtol=1e-12, atol=0.0) & ~np.isnan(base)
            if np.any(columns[k][changed] >= 0):
                raise SpecError(parameter.field, parameter.law.describe(),
                                "one uncertain parameter per element mean (another one sets these rows)")
            if not np.allclose(other[changed], 2.0 * base[changed], rtol=1e-9, atol=0.0):
                raise SpecError(parameter.field, parameter.law.describe(),
                                "a parameter that the element means scale with")
            columns[k][changed] = j
            factors[k][changed] = base[changed] / point
    return columns[0], factors[0], columns[1], factors[1]


# --- propagation ------------------------------------------------------------------------------

class Propagator:
    """The service's unavailability as a vectorised function of the uncertain parameters.

    Parameters
    ----------
    model : Topology or BlockSystem
    failover : {"dr-workflow", "instantaneous"}
    seed, n_disasters : int
        Of the DR workflow's RTO samples (``"dr-workflow"`` only), as
        :func:`hadr_model.service.availability` draws them.

    Examples
    --------
    >>> import numpy as np
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"series": [
    ...     {"component": {"name": "a", "mttf": {"uncertain": {"dist": "uniform", "loc": "900h",
    ...                                                        "scale": "200h"}}, "mttr": "1h"}},
    ...     {"component": {"name": "b", "availability": 0.999}}]}}
    >>> propagator = Propagator(load_spec(spec))
    >>> q = propagator.unavailability(np.array([[999.0]]))     # MTTF 999 h: a is 99.9 % available
    >>> round(float(q[0]), 12) == round(1 - 0.999 * 0.999, 12)
    True
    """

    def __init__(self, model: Model, *, failover: FailoverModel = DEFAULT_FAILOVER, seed: int = 0,
                 n_disasters: int = DEFAULT_DR_DISASTERS) -> None:
        check_independent(model, "uncertainty propagation (a vectorised structure function)")
        self.model = model
        self.parameters = uncertain_parameters(model)
        self.compiled = model.compiled
        self.failover_model = effective_failover(model, failover)
        self.mttf, self.mttr, self.fixed_q = _means(model)
        self.f_col, self.f_factor, self.r_col, self.r_factor = _row_map(model, self.parameters)
        self.columns = [(int(f), int(r)) for f, r in zip(self.f_col, self.r_col)]
        self._failover = _FailoverCosts(model, self, seed, n_disasters) if self.failover_model == "dr-workflow" \
            else None

    @property
    def dimension(self) -> int:
        return len(self.parameters)

    def figures(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(q, p, mttr)`` per sample and row for parameter samples ``theta`` (``N × d`` hours)."""
        count = len(theta)
        mttf = np.broadcast_to(self.mttf, (count, len(self.mttf))).copy()
        mttr = np.broadcast_to(self.mttr, (count, len(self.mttr))).copy()
        for means, cols, factor in ((mttf, self.f_col, self.f_factor), (mttr, self.r_col, self.r_factor)):
            rows = np.flatnonzero(cols >= 0)
            if rows.size:
                means[:, rows] = factor[rows] * theta[:, cols[rows]]
        q, p = element_figures(mttf, mttr, self.fixed_q)
        return q, p, mttr

    def samples(self, theta: np.ndarray) -> ServiceSamples:
        """The service's figures for every row of ``theta`` (chunked to bound memory)."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        if theta.shape[1] != self.dimension:
            raise ValueError(f"theta has {theta.shape[1]} columns for {self.dimension} parameters")
        parts = []
        width = max(len(self.mttf), _widest(self.compiled), self._failover.width if self._failover else 1)
        for piece in chunks(len(theta), width):
            q, p, mttr = self.figures(theta[piece])
            served = self._failover.served(mttr) if self._failover else None
            parts.append(service_samples(self.compiled, q, p, served_fraction=served, columns=self.columns))
        return ServiceSamples(np.concatenate([s.q for s in parts]), np.concatenate([s.q_homes for s in parts]),
                              parts[0].homes)

    def unavailability(self, theta: np.ndarray) -> np.ndarray:
        """The service's unavailability per row of ``theta``."""
        return self.samples(theta).q


def _widest(compiled: Any) -> int:
    if compiled.form != "regions":
        return 1
    return max((1 << len(site.zones)) * max(1, len(site.roles)) for site in compiled.regions)


class _FailoverCosts:
    """``φ_X = 1 − E[min(D, RTO)] / E[D]`` per home region, per sample when ``E[D]`` is uncertain."""

    def __init__(self, model: Model, propagator: Propagator, seed: int, n_disasters: int) -> None:
        from ..dr.availability import region_loss_rto_by_region
        from ..engines.outage import expected_outage_h

        self.expected_outage_h = expected_outage_h
        compiled = model.compiled
        # Built for the "dr-workflow" model only, which a Topology with failover pairs has (fails_over).
        rto = region_loss_rto_by_region(cast(Topology, model), n_disasters=n_disasters, seed=seed)
        self.fixed: dict[str, float] = {}
        self.varying: dict[str, tuple[int, Any, np.ndarray]] = {}
        self.width = 1
        for site in compiled.regions:
            if not site.home or site.name not in rto:
                continue
            behaviour = compiled.elements.behaviours[site.region]
            if behaviour.repair is None:
                continue
            if propagator.r_col[site.region] >= 0:
                self.varying[site.name] = (site.region, behaviour.repair, rto[site.name])
                self.width = max(self.width, rto[site.name].size)
            else:
                self.fixed[site.name] = 1.0 - expected_outage_h(behaviour.repair, rto[site.name]) / behaviour.mttr_h

    def served(self, mttr: np.ndarray) -> dict[str, np.ndarray | float]:
        out: dict[str, np.ndarray | float] = dict(self.fixed)
        done: dict[tuple[int, int], np.ndarray] = {}
        for name, (row, law, rto) in self.varying.items():
            key = (row, id(rto))
            if key not in done:
                done[key] = 1.0 - self._outage(law, rto, mttr[:, row]) / mttr[:, row]
            out[name] = done[key]
        return out

    def _outage(self, law: Any, rto: np.ndarray, means: np.ndarray) -> np.ndarray:
        if not law.is_exponential:
            return np.array([self.expected_outage_h(law.with_mean(float(m)), rto) for m in means])
        # E[min(D, R)] over the RTO samples, D exponential of mean m: m (1 − e^{−r/m}) averaged,
        # an unrecoverable failover (r = inf) costing m — engines.outage's own closed form.
        finite = np.sort(rto[np.isfinite(rto)])
        lost = rto.size - finite.size
        closed = means[:, None] * -np.expm1(-finite[None, :] / means[:, None])
        return (closed.sum(axis=1) + lost * means) / rto.size


# --- sampling and bands -------------------------------------------------------------------

def _uniforms(count: int, dimension: int, method: str, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence([seed, _STREAM_TAG]))
    if method == "random":
        return rng.random((count, dimension))
    if method == "lhs":
        return qmc.LatinHypercube(d=dimension, rng=rng).random(count)
    with warnings.catch_warnings():      # a count that is not a power of 2 is allowed (balance aside)
        warnings.simplefilter("ignore", UserWarning)
        return qmc.Sobol(d=dimension, scramble=True, rng=rng).random(count)


def draw(parameters: Sequence[Parameter], count: int, *, method: str = "sobol", seed: int = 0) -> np.ndarray:
    """``count × d`` parameter samples in hours (independent parameters, quantile transform)."""
    if method not in METHODS:
        raise SpecError("method", method, f"one of {', '.join(METHODS)}")
    u = _uniforms(count, len(parameters), method, seed)
    # Sobol' points may touch 0 exactly; ppf(0) is the support's bottom (0 h): keep inside (0, 1).
    u = np.clip(u, 1e-15, 1.0 - 1e-15)
    return np.column_stack([p.law.ppf(u[:, j]) for j, p in enumerate(parameters)]) if parameters \
        else np.zeros((count, 0))


@dataclass(frozen=True)
class Band:
    """A credible band over the samples: median, 5 % and 95 % quantiles, and the mean."""

    median: float
    low: float
    high: float
    mean: float

    @classmethod
    def of(cls, values: np.ndarray) -> Band:
        low, median, high = np.quantile(values, [(1 - LEVEL) / 2, 0.5, (1 + LEVEL) / 2])
        return cls(float(median), float(low), float(high), float(np.mean(values)))

    def as_dict(self) -> dict[str, float]:
        return {"median": self.median, "p05": self.low, "p95": self.high, "mean": self.mean}


@dataclass(frozen=True)
class SobolIndex:
    """Sobol' first-order and total indices of the unavailability for one parameter, with their
    bootstrap 95 % intervals."""

    field: str
    first_order: float
    first_order_ci95: tuple[float, float]
    total: float
    total_ci95: tuple[float, float]

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "first_order": self.first_order, "first_order_ci95": list(self.first_order_ci95),
                "total": self.total, "total_ci95": list(self.total_ci95)}


@dataclass(frozen=True)
class UncertaintyResult:
    """Credible bands of the service's figures under the spec's parameter uncertainty."""

    name: str
    samples: int
    method: str
    seed: int
    failover_model: str
    parameters: tuple[Parameter, ...]
    availability: Band
    downtime_min_per_year: Band
    worst_region: str | None
    worst_region_availability: Band
    objective: float | None
    probability_met: float | None
    probability_met_ci95: tuple[float, float] | None
    sensitivity: tuple[SobolIndex, ...] = ()
    notes: tuple[str, ...] = field(default=())
    dr: DRUncertainty | None = None       # RPO / RTO bands, when DR parameters are uncertain

    def describe_lines(self) -> list[str]:
        """The text ``hadr availability --uncertainty`` prints."""
        a, d, w = self.availability, self.downtime_min_per_year, self.worst_region_availability
        lines = [f"how sure are we: {self.samples} parameter samples ({self.method}, seed {self.seed}), "
                 f"credible band median [5 %, 95 %]",
                 f"  availability           {a.median:.6f} [{a.low:.6f}, {a.high:.6f}]",
                 f"  downtime min/year      {d.median:.4g} [{d.low:.4g}, {d.high:.4g}]"]
        if self.worst_region is not None:
            lines.append(f"  worst home region      {w.median:.6f} [{w.low:.6f}, {w.high:.6f}] "
                         f"(most often {self.worst_region})")
        if self.objective is not None and self.probability_met is not None and self.probability_met_ci95:
            low, high = self.probability_met_ci95
            lines.append(f"  P(availability ≥ {self.objective:g} in every home region)  {self.probability_met:.3f} "
                         f"(sampling 95 % CI {low:.3f}–{high:.3f})")
        lines += ["", "uncertain parameters (point: the written value, or the median of an uncertainty in its place)"]
        for p in self.parameters:
            low, high = p.law.interval_h(LEVEL)
            lines.append(f"  {p.field}: point {format_duration(p.law.point_h)}, median "
                         f"{format_duration(p.law.median_h)}, 90 % {format_duration(low)} – "
                         f"{format_duration(high)}; {p.law.describe()}")
        if self.sensitivity:
            lines += ["", "which uncertainty matters (Sobol' indices of the unavailability, bootstrap 95 % CI; "
                      "learn the first row first)"]
            width = max(len(s.field) for s in self.sensitivity)
            for s in self.sensitivity:
                lines.append(f"  {s.field:<{width}}  first order {s.first_order:6.3f} "
                             f"[{s.first_order_ci95[0]:.3f}, {s.first_order_ci95[1]:.3f}]  total {s.total:6.3f} "
                             f"[{s.total_ci95[0]:.3f}, {s.total_ci95[1]:.3f}]")
        if self.dr is not None:
            lines += ["", *self.dr.describe_lines()]
        lines += [f"note: {note}" for note in self.notes]
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "samples": self.samples, "method": self.method, "seed": self.seed,
            "failover_model": self.failover_model, "level": LEVEL,
            "parameters": [p.as_dict() for p in self.parameters],
            "availability": self.availability.as_dict(),
            "downtime_min_per_year": self.downtime_min_per_year.as_dict(),
            "worst_region": self.worst_region,
            "worst_region_availability": self.worst_region_availability.as_dict(),
            "objective": self.objective, "probability_met": self.probability_met,
            "probability_met_ci95": list(self.probability_met_ci95) if self.probability_met_ci95 else None,
            "sensitivity": [s.as_dict() for s in self.sensitivity], "notes": list(self.notes),
            "dr": self.dr.as_dict() if self.dr is not None else None,
        }


def _wilson(successes: int, count: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson 95 % interval of a proportion (the sampling error of P(met), not the epistemic band)."""
    if count == 0:
        return (0.0, 1.0)
    p = successes / count
    centre = (p + z * z / (2 * count)) / (1 + z * z / count)
    half = z * math.sqrt(p * (1 - p) / count + z * z / (4 * count * count)) / (1 + z * z / count)
    return max(0.0, centre - half), min(1.0, centre + half)


def propagate(model: Model, *, samples: int = DEFAULT_SAMPLES, seed: int = 0, method: str = "sobol",
              failover: FailoverModel = DEFAULT_FAILOVER, n_disasters: int = DEFAULT_DR_DISASTERS,
              sensitivity: bool = True, propagator: Propagator | None = None,
              dr_samples: int = DEFAULT_DR_SAMPLES,
              dr_disasters: int = DEFAULT_DR_SAMPLE_DISASTERS) -> UncertaintyResult:
    """Credible bands of availability and downtime, and ``P(availability objective met)``.

    Parameters
    ----------
    model : Topology or BlockSystem
        A spec with uncertain parameters (without any, the bands collapse onto the point).
    samples : int
        Parameter samples ``N`` (1 to :data:`MAX_SAMPLES`).
    seed : int
        Seed of the samples (and of the DR workflow's RTO samples, as everywhere).
    method : {"sobol", "lhs", "random"}
        Scrambled Sobol' points (default), Latin hypercube, or plain random uniforms.
    failover, n_disasters
        As :func:`hadr_model.service.availability`.
    sensitivity : bool
        Also compute the Sobol' indices (:func:`sobol_sensitivity`, about ``N`` more evaluations).
    dr_samples, dr_disasters
        When DR parameters are uncertain: their samples ``M`` and the disasters per sample and
        scenario (:func:`propagate_dr`; ``M × n`` is bounded).

    Returns
    -------
    UncertaintyResult
        ``probability_met`` is the fraction of samples whose worst home region meets the
        availability objective (the verdict's check), with a Wilson interval of that estimate.
    """
    propagator = propagator or Propagator(model, failover=failover, seed=seed, n_disasters=n_disasters)
    check_samples(samples, model.compiled, MAX_SAMPLES)
    from ..dr.uncertainty import check_dr_cost, dr_parameters

    has_dr = isinstance(model, Topology) and bool(model.data) and bool(dr_parameters(model))
    if has_dr:                   # refuse a too costly request before the availability work
        check_dr_cost(dr_samples, dr_disasters)
    theta = draw(propagator.parameters, samples, method=method, seed=seed)
    figures = propagator.samples(theta)
    q = figures.q
    year = model.compiled.year_hours
    if figures.homes:
        worst_index = np.argmax(figures.q_homes, axis=1)
        worst_q = figures.q_homes[np.arange(samples), worst_index]
        named = np.bincount(worst_index, minlength=len(figures.homes))
        worst_region: str | None = figures.homes[int(np.argmax(named))]
    else:
        worst_q, worst_region = q, None
    objectives = getattr(model, "objectives", None)
    target = objectives.availability if objectives is not None and "availability" in objectives.given else None
    met = ci = None
    if target is not None:
        hits = int(np.count_nonzero(1.0 - worst_q >= target))
        met, ci = hits / samples, _wilson(hits, samples)
    dr = propagate_dr(model, samples=dr_samples, n_disasters=dr_disasters, seed=seed, method=method) \
        if has_dr else None
    notes = ["the DR parameters are sampled apart (the DR objectives rows); the availability band keeps them at "
             "their points (their effect on the failover cost is not in it)"] if dr is not None else \
        ["no DR parameter is uncertain: RPO / RTO are the point verdict's"]
    if not propagator.parameters:
        notes.insert(0, "no availability parameter is uncertain: every availability sample is the point"
                     if dr is not None else "the spec carries no uncertain parameter: every sample is the point")
    ranked = sobol_sensitivity(model, samples=samples, seed=seed, propagator=propagator) \
        if sensitivity and propagator.dimension else ()
    return UncertaintyResult(
        name=model.name, samples=samples, method=method, seed=seed, failover_model=propagator.failover_model,
        parameters=propagator.parameters, availability=Band.of(1.0 - q),
        downtime_min_per_year=Band.of(q * year * 60.0), worst_region=worst_region,
        worst_region_availability=Band.of(1.0 - worst_q), objective=target, probability_met=met,
        probability_met_ci95=ci, sensitivity=tuple(ranked), notes=tuple(notes), dr=dr)


def _seeded_bootstrap(result: Any, n_resamples: int, seed: int) -> Any:
    """``result.bootstrap`` with a seeded stream: scipy's ``SobolResult.bootstrap`` takes no ``rng``
    and draws from NumPy's global state, so the same seed would give other intervals each run.
    The global state is seeded from ``seed`` for the call and put back after it."""
    # The legacy global API on purpose (NPY002): it is the only stream scipy's method reads.
    with _GLOBAL_RANDOM:
        state = np.random.get_state()  # noqa: NPY002
        try:
            np.random.seed(np.random.SeedSequence([seed, _STREAM_TAG, 2]).generate_state(1)[0])  # noqa: NPY002
            return result.bootstrap(confidence_level=0.95, n_resamples=n_resamples)
        finally:
            np.random.set_state(state)  # noqa: NPY002


_GLOBAL_RANDOM = threading.Lock()    # two threads bootstrapping at once would share NumPy's global stream


def sobol_sensitivity(model: Model, *, samples: int = DEFAULT_SAMPLES, seed: int = 0, n_resamples: int = 100,
                      propagator: Propagator | None = None, failover: FailoverModel = DEFAULT_FAILOVER
                      ) -> list[SobolIndex]:
    r"""Sobol' indices of the service's unavailability to each uncertain parameter, ranked.

    First order ``S_i = Var(E[U | θ_i]) / Var(U)`` (what learning ``θ_i`` exactly would remove
    from the variance) and total ``S_Ti = E[Var(U | θ_{~i})] / Var(U)`` (everything ``θ_i``
    takes part in), estimated by ``scipy.stats.sobol_indices`` (Saltelli 2010) from ``n (d + 2)``
    evaluations, ``n`` the power of two nearest ``samples / (d + 2)`` (at least 256); the 95 %
    intervals are scipy's bootstrap (``n_resamples``). Ranked by total index: "learn this first".
    """
    from scipy.stats import sobol_indices

    propagator = propagator or Propagator(model, failover=failover, seed=seed)
    d = propagator.dimension
    if d == 0:
        return []
    if d == 1:
        # One parameter carries all the variance by definition (S = S_T = 1); scipy's estimator
        # needs two or more (it fails on one).
        return [SobolIndex(propagator.parameters[0].field, 1.0, (1.0, 1.0), 1.0, (1.0, 1.0))]
    n = max(256, 1 << max(0, round(math.log2(max(samples, 1) / (d + 2)))))
    dists = [p.law.frozen() for p in propagator.parameters]
    rng = np.random.default_rng(np.random.SeedSequence([seed, _STREAM_TAG, 1]))

    def func(x: np.ndarray) -> np.ndarray:
        return propagator.unavailability(np.asarray(x, dtype=float).T)[None, :]

    with np.errstate(invalid="ignore", divide="ignore"):
        result = sobol_indices(func=func, n=n, dists=dists, rng=rng)
        boot = _seeded_bootstrap(result, n_resamples, seed)
    first, total = np.atleast_1d(result.first_order).ravel(), np.atleast_1d(result.total_order).ravel()
    f_low, f_high = (np.atleast_1d(v).ravel() for v in (boot.first_order.confidence_interval.low,
                                                         boot.first_order.confidence_interval.high))
    t_low, t_high = (np.atleast_1d(v).ravel() for v in (boot.total_order.confidence_interval.low,
                                                         boot.total_order.confidence_interval.high))
    indices = [SobolIndex(p.field, float(first[j]), (float(f_low[j]), float(f_high[j])), float(total[j]),
                          (float(t_low[j]), float(t_high[j]))) for j, p in enumerate(propagator.parameters)]
    indices.sort(key=lambda s: (-s.total, -s.first_order, s.field))
    return indices


# --- the DR objectives under uncertain DR parameters ---------------------------------------------

_DR_STREAM_TAG = 0x4452      # "DR": the DR parameters' samples, apart from the availability ones


@dataclass(frozen=True)
class DRObjectiveBand:
    """One scenario under the DR parameters' uncertainty.

    ``rpo_p95_h`` / ``rto_p95_h`` are the bands (over the parameter samples) of the worst home
    region's 95th percentile over the disasters; ``p_*_met`` the fraction of samples in which
    the verdict's check of that objective passes (``None``: the spec states no such objective).
    """

    scenario: str
    rpo_p95_h: Band
    rto_p95_h: Band
    rpo_target_h: float | None
    rto_target_h: float | None
    p_rpo_met: float | None
    p_rpo_met_ci95: tuple[float, float] | None
    p_rto_met: float | None
    p_rto_met_ci95: tuple[float, float] | None

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "rpo_p95_h": self.rpo_p95_h.as_dict(),
                "rto_p95_h": self.rto_p95_h.as_dict(), "rpo_target_h": self.rpo_target_h,
                "rto_target_h": self.rto_target_h, "p_rpo_met": self.p_rpo_met,
                "p_rpo_met_ci95": list(self.p_rpo_met_ci95) if self.p_rpo_met_ci95 else None,
                "p_rto_met": self.p_rto_met,
                "p_rto_met_ci95": list(self.p_rto_met_ci95) if self.p_rto_met_ci95 else None}


@dataclass(frozen=True)
class DRUncertainty:
    """RPO / RTO p95 bands and ``P(objective met)`` per scenario the uncertain DR parameters reach."""

    samples: int
    disasters: int
    method: str
    seed: int
    confidence: float
    parameters: tuple[Any, ...]          # hadr_model.dr.uncertainty.DRParameter
    scenarios: tuple[DRObjectiveBand, ...]
    theta: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), compare=False, repr=False)
    # Per (objective, scenario): the worst home region's p95 in every sample, and whether the
    # verdict's check passed (the values the bands and P(met) summarise).
    p95_h: Mapping[tuple[str, str], np.ndarray] = field(default_factory=dict, compare=False, repr=False)
    passed: Mapping[tuple[str, str], np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def describe_lines(self) -> list[str]:
        """The rows ``hadr availability --uncertainty`` prints under the availability bands."""
        from ..units import format_duration

        def band(b: Band) -> str:
            return f"{_hours_text(b.median, format_duration)} [{_hours_text(b.low, format_duration)}, " \
                   f"{_hours_text(b.high, format_duration)}]"

        def met(p: float | None, target: float | None) -> str:
            return "absent" if p is None or target is None else f"{p:.3f} (≤ {format_duration(target)})"

        def ci(interval: tuple[float, float] | None) -> str:
            return "" if interval is None else f", sampling 95 % CI {interval[0]:.3f}–{interval[1]:.3f}"

        lines = [f"DR objectives: {self.samples} DR parameter samples ({self.method}, seed {self.seed}) × "
                 f"{self.disasters} disasters each, the same disaster seeds in every sample (the band is the "
                 "parameters' spread, not Monte Carlo noise); p95 of the worst home region, band median "
                 f"[5 %, 95 %]; P(met) = fraction of samples where the verdict's check passes (met in ≥ "
                 f"{self.confidence:.0%} of disasters in every home region)"]
        for s in self.scenarios:
            name = s.scenario.replace("_", " ")
            lines.append(f"  {name:<12} RPO p95 {band(s.rpo_p95_h)}  P(RPO met) {met(s.p_rpo_met, s.rpo_target_h)}"
                         f"{ci(s.p_rpo_met_ci95)}")
            lines.append(f"  {'':<12} RTO p95 {band(s.rto_p95_h)}  P(RTO met) {met(s.p_rto_met, s.rto_target_h)}"
                         f"{ci(s.p_rto_met_ci95)}")
        lines += ["", "uncertain DR parameters (point: the written value, or the median of an uncertainty in "
                  "its place)"]
        for p in self.parameters:
            low, high = p.law.interval_h(LEVEL)
            lines.append(f"  {p.field}: point {_in_unit(p.law.point_h, p.unit)}, median "
                         f"{_in_unit(p.law.median_h, p.unit)}, 90 % {_in_unit(low, p.unit)}–{_in_unit(high, p.unit)}; "
                         f"reaches {', '.join(x.replace('_', ' ') for x in p.scenarios)}")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {"samples": self.samples, "disasters": self.disasters, "method": self.method, "seed": self.seed,
                "confidence": self.confidence, "level": LEVEL, "common_random_numbers": True,
                "parameters": [p.as_dict() for p in self.parameters],
                "scenarios": [s.as_dict() for s in self.scenarios]}


def _hours_text(hours: float, format_duration: Any) -> str:
    return format_duration(hours) if math.isfinite(hours) else "unrecoverable"


def _in_unit(value: float, unit: str) -> str:
    if unit == "h":
        return f"{value:.4g} h"
    if unit == "bytes":
        return f"{value / 1e9:.4g} GB"
    return f"{value / 3600 / 2**20:.4g} MiB/s"


def _quantile_band(values: np.ndarray) -> Band:
    """:class:`Band` whose quantiles stay defined with ``inf`` (an unrecoverable p95)."""
    from ..dr.results import quantile

    low, median, high = (quantile(values, q) for q in ((1 - LEVEL) / 2, 0.5, (1 + LEVEL) / 2))
    return Band(median, low, high, float(np.mean(values)))


def draw_dr(parameters: Sequence[Any], count: int, *, method: str = "sobol", seed: int = 0) -> np.ndarray:
    """``count × d`` samples of the DR parameters' means (each in its unit).

    As :func:`draw`, seeded with a word derived from ``SeedSequence([seed, "DR"])``: a stream of
    their own, apart from the availability parameters' samples of the same ``seed``.
    """
    if method not in METHODS:
        raise SpecError("method", method, f"one of {', '.join(METHODS)}")
    return draw(parameters, count, method=method, seed=int(np.random.SeedSequence([seed, _DR_STREAM_TAG])
                                                            .generate_state(1)[0]))


def propagate_dr(model: Model, *, samples: int = DEFAULT_DR_SAMPLES,
                 n_disasters: int = DEFAULT_DR_SAMPLE_DISASTERS,
                 seed: int = 0, method: str = "sobol") -> DRUncertainty | None:
    r"""Credible bands of RPO / RTO p95 and ``P(objective met)`` under the uncertain DR parameters.

    For each of ``samples`` parameter vectors :math:`\theta_s` the spec is rewritten at
    :math:`\theta_s` (:func:`hadr_model.dr.uncertainty.dr_spec_at`) and the verdict's DR
    workflows run ``n_disasters`` disasters per scenario the parameters reach, with the same
    ``seed`` in every sample (common random numbers). Per sample and scenario: the worst home
    region's p95 of RPO and of RTO, and the verdict's check (``P_worst(value ≤ target) ≥
    objectives.confidence``, :mod:`.verdict`). ``P(met)`` is the fraction of samples that pass,
    with a Wilson interval of that fraction.

    Returns
    -------
    DRUncertainty or None
        ``None`` when no DR parameter is uncertain (the bands would be the point verdict's).

    Raises
    ------
    SpecError
        ``samples × n_disasters`` beyond :data:`hadr_model.dr.uncertainty.MAX_DR_CELLS` (or
        ``samples`` beyond ``MAX_DR_SAMPLES``), before anything is drawn.
    """
    from ..dr.results import quantile
    from ..dr.uncertainty import check_dr_cost, dr_outcomes, dr_parameters, reached
    from .verdict import PASS, _dr_checks

    if not isinstance(model, Topology) or not model.data:
        return None
    parameters = dr_parameters(model)
    if not parameters:
        return None
    check_dr_cost(samples, n_disasters)
    theta = draw_dr(parameters, samples, method=method, seed=seed)
    names = reached(parameters)
    p95 = {(o, s): np.empty(samples) for o in ("rpo", "rto") for s in names}
    passed: dict[tuple[str, str], list[bool]] = {}
    for j, (sampled, sites) in enumerate(dr_outcomes(model, parameters, theta, n_disasters=n_disasters, seed=seed,
                                                     scenarios=names)):
        for scenario in names:
            for objective in ("rpo", "rto"):
                p95[objective, scenario][j] = max(quantile(getattr(o, f"{objective}_h"), 0.95)
                                                  for o in sites[scenario].values())
        for check in _dr_checks(sampled, sites, n_disasters):
            if check.target is not None and check.scenario is not None:
                passed.setdefault((check.objective, check.scenario), []).append(check.status == PASS)
    bands = []
    for scenario in names:
        figures: dict[str, Any] = {}
        for objective in ("rpo", "rto"):
            hits = passed.get((objective, scenario))
            target = getattr(model.objectives, f"{objective}_h")[scenario] if hits is not None else None
            figures[f"{objective}_target_h"] = target
            figures[f"p_{objective}_met"] = sum(hits) / samples if hits is not None else None
            figures[f"p_{objective}_met_ci95"] = _wilson(sum(hits), samples) if hits is not None else None
        bands.append(DRObjectiveBand(scenario, _quantile_band(p95["rpo", scenario]),
                                     _quantile_band(p95["rto", scenario]), **figures))
    return DRUncertainty(samples, n_disasters, method, seed, model.objectives.confidence, parameters, tuple(bands),
                         theta, p95, {key: np.array(hits) for key, hits in passed.items()})
