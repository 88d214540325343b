r"""What it takes to pass: how far each of a few parameters must move to meet a missed objective.

For each missed objective, one parameter at a time, everything else as the spec says:

* availability (worst home region, DR-workflow failover): the region MTTR (``region.mttr``) and
  MTTF (``region.mttf``), found by Brent's method on the exact engine with the failover cost
  recomputed; and the provisioning step of the worst region's region-loss plan. A fixed step
  shifts every RTO sample by the same amount (the DR draws are common random numbers), so its
  availability is the exact engine with :math:`E[\min(D, R + \Delta)]` — no new simulation;
* region-loss RTO: the same provisioning step. :math:`P(R + \Delta \le t) \ge c` holds exactly
  when :math:`\Delta \le t - R_{(k)}`, :math:`R_{(k)}` the :math:`k = \lceil c n \rceil`-th
  smallest sample;
* RPO of a scenario: the snapshot interval of each stateful role (``data.ROLE.snapshots.every``),
  by bisection on the DR samples with the same seed.

A value put back into the spec meets the objective (to within the bisection's tolerance for the
sampled figures); a slightly smaller change does not.

And one change of set-up rather than of a number (:func:`cheapest_strategy`): the cheapest DR
strategy preset (:data:`hadr_model.dr.strategies.STRATEGIES`, by relative cost) under which
**every** objective of the verdict passes. Each preset is put into the spec with
:func:`~hadr_model.dr.strategies.with_strategy` (the preset's cross-region replication for every
stateful role, its region-loss steps in every plan, the regions' own included) and judged by
:func:`~hadr_model.service.verdict` itself — availability with the DR-workflow failover recomputed
under the preset, every RPO / RTO objective per scenario and worst home region — with the seed and
number of disasters of the verdict it answers, so every preset meets the same simulated disasters
(common random numbers). Presets are tried from the cheapest and the search stops at the first
that passes: on the shipped default it adds 0.4–0.5 s at 20 000 disasters (about half a verdict:
backup & restore is judged with its restore contention, pilot light — which passes — in
milliseconds). A preset the limits refuse at this number of disasters (backup & restore of a spec
that replicates many databases) is noted as not judged, and the next one is tried.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import numpy as np

from ..dr.failover import expected_outage_h
from ..dr.sites import site_outcomes
from ..dr.strategies import STRATEGIES, by_cost, with_strategy
from ..engines.exact import exact_availability
from ..errors import SpecError
from ..options import FailoverModel
from ..topology.laws import Law
from ..topology.model import Model, Topology
from ..topology.paths import with_values
from ..topology.spec import parse_spec
from ..units import format_duration, parse_duration
from .availability import DEFAULT_DR_DISASTERS, DEFAULT_FAILOVER, availability, effective_failover
from .verdict import Check, Verdict, verdict

__all__ = ["PresetTrial", "Remedy", "StrategyAdvice", "cheapest_strategy", "what_it_takes"]

_T = TypeVar("_T")

_SCAN_FACTOR = 1e3         # how far a parameter is searched: up to ×1000 or ÷1000 of its value
_BISECT_STEPS = 40


@dataclass(frozen=True)
class Remedy:
    """Move ``field`` from ``current_h`` to ``required_h`` (hours) to meet ``objective``.

    ``required_h`` is ``None`` when no value in the searched range meets it (``note`` says why).
    """

    objective: str
    field: str
    current_h: float
    required_h: float | None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        if self.required_h is None:
            return f"{self.objective}: {self.field} alone cannot meet it ({self.note})"
        word = "at most" if self.required_h < self.current_h else "at least"
        return (f"{self.objective}: {self.field} {word} {format_duration(self.required_h)} "
                f"(now {format_duration(self.current_h)})")


def what_it_takes(raw: Mapping[str, Any], judged: Verdict, *, seed: int = 0, n_disasters: int = 20_000,
                  failover: FailoverModel = DEFAULT_FAILOVER) -> tuple[Remedy, ...]:
    """Remedies for each objective ``judged`` misses, for the spec whose raw mapping is ``raw``.

    ``seed``, ``n_disasters`` and ``failover`` are those of ``judged``. Under instantaneous
    failover the provisioning step does not change the availability, so it is not offered for it.

    Examples
    --------
    >>> import hadr_model as hm
    >>> from hadr_model.topology.spec import read_yaml
    >>> raw = read_yaml(hm.default_spec_path().read_text())
    >>> model = hm.load_spec(raw)
    >>> remedies = what_it_takes(raw, hm.verdict(model, n_disasters=4000), n_disasters=4000)
    >>> [r.field for r in remedies][:2]
    ['region.mttr', 'region.mttf']
    """
    if not judged.missed:       # nothing to remedy: not even the spec to read again
        return ()
    model = parse_spec(raw)
    if not isinstance(model, Topology):
        return ()
    remedies: list[Remedy] = []
    for check in judged.missed:
        if check.objective == "availability":
            remedies += _availability_remedies(raw, model, check, seed, n_disasters, failover)
        elif check.objective == "rto" and check.scenario == "region_loss":
            remedies += _rto_remedies(model, check, seed, n_disasters)
        elif check.objective == "rpo":
            remedies += _rpo_remedies(raw, check, seed, n_disasters)
    return tuple(remedies)


def _known(value: _T | None, what: str, check: Check) -> _T:
    """A figure a missed check always has (its target, worst region, ...); ``None`` is a bug."""
    if value is None:
        raise ValueError(f"the missed {check.label} check has no {what}")
    return value


def _worst_availability(model: Model, **kwargs: Any) -> float:
    result = kwargs.pop("result", None) or availability(model, **kwargs)
    return min(r.with_failover.availability for r in result.regions if r.home)


def _scalar_hours(raw: Mapping[str, Any], path: tuple[str, ...]) -> float | None:
    node: Any = raw
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    try:
        return parse_duration(node, ".".join(path))
    except SpecError:     # a law mapping rather than a duration: not a single number to move
        return None


def _solve(gap: Callable[[float], float], current: float, toward: float) -> float | None:
    """The value between ``current`` and ``toward`` where ``gap`` crosses 0 (``gap(current) < 0``)."""
    if gap(toward) < 0:
        return None
    return brentq(gap, current, toward, xtol=1e-12 * max(current, 1.0), rtol=1e-12)


def brentq(f: Callable[[float], float], a: float, b: float, *, xtol: float = 2e-12, rtol: float = 8.881784197001252e-16,
           maxiter: int = 100) -> float:
    """A root of ``f`` in ``[a, b]`` by Brent's method: ``scipy.optimize.brentq``, step for step.

    A line-by-line port of scipy's C routine (``scipy/optimize/Zeros/brentq.c``, C. Harris):
    inverse quadratic extrapolation or secant steps while they shrink the bracket fast enough,
    bisection otherwise, until the bracket is narrower than ``xtol + rtol·|x|``. The same
    arithmetic in the same order on IEEE doubles, so the same evaluations and the same root
    (tests/service/test_whatif.py compares the two) — without importing scipy.optimize, which
    costs ~0.16 s of every ``hadr availability`` that misses an objective.

    Raises ``ValueError`` when ``f(a)`` and ``f(b)`` have the same sign or ``f`` is NaN, and
    ``RuntimeError`` after ``maxiter`` iterations, as scipy does.

    Examples
    --------
    >>> brentq(lambda x: x * x - 2.0, 0.0, 2.0)
    1.4142135623731364
    """
    if xtol <= 0:
        raise ValueError(f"xtol too small ({xtol:g} <= 0)")
    if rtol < 4 * np.finfo(float).eps:
        raise ValueError(f"rtol too small ({rtol:g} < {4 * np.finfo(float).eps:g})")

    def value(x: float) -> float:
        fx = float(f(x))
        if math.isnan(fx):
            raise ValueError(f"The function value at x={x} is NaN; solver cannot continue.")
        return fx

    xpre, xcur = float(a), float(b)
    xblk = fblk = spre = scur = 0.0
    fpre, fcur = value(xpre), value(xcur)
    if fpre * fcur > 0:
        raise ValueError("f(a) and f(b) must have different signs")
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    for _ in range(maxiter):
        if fpre * fcur < 0:
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:        # interpolate
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:                   # extrapolate
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
                spre, scur = scur, stry     # good short step
            else:
                spre = scur = sbis          # bisect
        else:
            spre = scur = sbis              # bisect
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = value(xcur)
    raise RuntimeError(f"Failed to converge after {maxiter} iterations, value is {xcur}")


def _availability_remedies(raw: Mapping[str, Any], model: Topology, check: Check, seed: int,
                           n_disasters: int, failover: FailoverModel) -> list[Remedy]:
    target = float(_known(check.target, "target", check))
    remedies = []
    for key, factor in (("mttr", 1 / _SCAN_FACTOR), ("mttf", _SCAN_FACTOR)):
        current = _scalar_hours(raw, ("region", key))
        if current is None:
            continue
        field = f"region.{key}"

        def gap(value: float, field: str = field) -> float:
            changed = parse_spec(with_values(raw, {field: value}))
            return _worst_availability(changed, seed=seed, n_disasters=n_disasters, failover=failover,
                                       detail=True) - target

        required = _solve(gap, current, current * factor)
        remedies.append(Remedy(check.label, field, current, required,
                               "" if required is not None else f"not within ×{_SCAN_FACTOR:g} of its value"))
    if effective_failover(model, failover) == "dr-workflow":
        remedies += _provision_for_availability(model, check, seed, n_disasters)
    return remedies


def _provision_field(model: Topology, region: str) -> str:
    own = model.region(region).recovery is not None
    return f"regions.{region}.recovery.region_loss.provision" if own else "recovery.region_loss.provision"


def _fixed_provision(model: Topology, region: str) -> float | None:
    law: Law = model.recovery_of(model.region(region)).step("region_loss", "provision")
    return law.fixed_h


def _provision_for_availability(model: Topology, check: Check, seed: int, n_disasters: int) -> list[Remedy]:
    if model.compiled.teams or model.compiled.standby:
        # Their Markov answer fails over instantly, so no provisioning time changes it.
        return []
    region = check.worst_region
    if not region:
        return []
    current = _fixed_provision(model, region)
    if current is None:
        return []
    field = _provision_field(model, region)
    from ..dr.availability import region_loss_rto_by_region

    samples = region_loss_rto_by_region(model, n_disasters=n_disasters, seed=seed)
    # A region of fixed availability has no repair law to charge (as in dr.availability.failover_costs).
    repairs = {name: law for name in samples if (law := model.region(name).region.repair) is not None}
    target = float(_known(check.target, "target", check))
    # The regions whose plan names this field move together.
    moved = [r.name for r in model.home_regions
             if r.fails_over_to and _provision_field(model, r.name) == field]

    def gap(value: float) -> float:
        outage = {name: expected_outage_h(repairs[name], rto + (value - current) if name in moved else rto)
                  for name, rto in samples.items() if name in repairs}
        result = exact_availability(model, region_loss_outage_h=outage)
        return _worst_availability(model, result=result) - target

    required = _solve(gap, current, 0.0) if gap(current) < 0 else current
    note = "" if required is not None else "even an instant provisioning step leaves it short"
    return [Remedy(check.label, field, current, required, note)]


def _rto_remedies(model: Topology, check: Check, seed: int, n_disasters: int) -> list[Remedy]:
    region = _known(check.worst_region, "worst region", check)
    current = _fixed_provision(model, region)
    if current is None:
        return []
    from ..dr.availability import region_loss_rto_by_region

    rto = np.sort(region_loss_rto_by_region(model, n_disasters=n_disasters, seed=seed)[region])
    k = math.ceil(_known(check.required_probability, "required probability", check) * rto.size)
    required = current - (rto[k - 1] - float(_known(check.target, "target", check)))
    if required < 0:
        return [Remedy(check.label, _provision_field(model, region), current, None,
                       "the other steps alone take longer than the objective")]
    return [Remedy(check.label, _provision_field(model, region), current, float(required))]


def _rpo_remedies(raw: Mapping[str, Any], check: Check, seed: int, n_disasters: int) -> list[Remedy]:
    scenario = _known(check.scenario, "scenario", check)
    target = float(_known(check.target, "target", check))
    probability = float(_known(check.required_probability, "required probability", check))
    remedies = []
    for role in (raw.get("data") or {}):
        field = f"data.{role}.snapshots.every"
        current = _scalar_hours(raw, ("data", role, "snapshots", "every"))
        if current is None:
            continue

        def met(value: float, field: str = field) -> bool:
            changed = parse_spec(with_values(raw, {field: value}))
            sites = site_outcomes(changed, (scenario,), n_disasters=n_disasters, seed=seed)[scenario]
            worst = min(s.probability_met("rpo", target) for s in sites.values())
            return worst >= probability

        low = current / _SCAN_FACTOR
        if not met(low):
            remedies.append(Remedy(check.label, field, current, None,
                                   f"not even with snapshots every {low:.3g} h"))
            continue
        high = current
        for _ in range(_BISECT_STEPS):      # met(low), not met(high): keep it so
            middle = math.sqrt(low * high)
            low, high = (middle, high) if met(middle) else (low, middle)
            if high / low - 1 < 1e-6:
                break
        remedies.append(Remedy(check.label, field, current, low))
    return remedies


# --------------------------------------------------------------------------- strategy presets

@dataclass(frozen=True)
class PresetTrial:
    """One DR strategy preset put into the spec: its relative cost and the objectives it still misses.

    ``note`` says why it could not be judged (e.g. backup & restore of a spec that replicates
    would restore more databases than the limits allow at this number of disasters).
    """

    strategy: str
    label: str
    cost_units: float
    missed: tuple[str, ...]
    note: str = ""

    @property
    def passed(self) -> bool:
        return not self.missed and not self.note

    def as_dict(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "label": self.label, "cost_units": self.cost_units,
                "passed": self.passed, "missed": list(self.missed), "note": self.note}

    def describe(self) -> str:
        if self.note:
            return f"{self.label} not judged ({self.note})"
        return f"{self.label} misses {', '.join(self.missed)}"


@dataclass(frozen=True)
class StrategyAdvice:
    """The cheapest preset under which every objective passes (``cheapest`` is ``None`` when none does).

    ``tried`` holds the presets judged, cheapest first: every one cheaper than ``cheapest`` (each
    missing something), then ``cheapest``; all of them when none passes. ``seed``,
    ``n_disasters`` and ``failover`` are those of the verdict it answers.
    """

    cheapest: str | None
    tried: tuple[PresetTrial, ...]
    seed: int
    n_disasters: int
    failover: FailoverModel

    def as_dict(self) -> dict[str, Any]:
        return {"cheapest": self.cheapest,
                "cheapest_label": None if self.cheapest is None else STRATEGIES[self.cheapest].label,
                "tried": [trial.as_dict() for trial in self.tried], "order": "relative cost units, cheapest first",
                "seed": self.seed, "n_disasters": self.n_disasters, "failover": self.failover,
                "line": self.describe()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StrategyAdvice:
        """The advice back from :meth:`as_dict` (e.g. from a report's JSON summary)."""
        tried = tuple(PresetTrial(t["strategy"], t["label"], float(t["cost_units"]), tuple(t["missed"]),
                                  t.get("note", "")) for t in data["tried"])
        return cls(data["cheapest"], tried, int(data["seed"]), int(data["n_disasters"]), data["failover"])

    def describe(self) -> str:
        """One line, e.g. ``Pilot light (pilot_light, relative cost 1.2) is the cheapest … ``."""
        misses = "; ".join(t.describe() for t in self.tried if not t.passed)
        if self.cheapest is None:
            return f"no DR strategy preset meets every objective: {misses}"
        best = STRATEGIES[self.cheapest]
        line = (f"{best.label} ({best.name}, relative cost {best.cost_units:g}) is the cheapest DR strategy "
                "preset that meets every objective")
        return f"{line}; cheaper: {misses}" if misses else line


def cheapest_strategy(model: Model, judged: Verdict, *, seed: int = 0, n_disasters: int = DEFAULT_DR_DISASTERS,
                      failover: FailoverModel = DEFAULT_FAILOVER) -> StrategyAdvice | None:
    """The cheapest DR strategy preset under which every objective of ``judged`` passes.

    Parameters
    ----------
    model : Topology or BlockSystem
        The spec ``judged`` is the verdict of.
    judged : Verdict
        Its verdict; nothing is searched when it passes.
    seed, n_disasters, failover
        Those of ``judged`` (the presets are judged on the same simulated disasters).

    Returns
    -------
    StrategyAdvice or None
        ``None`` when ``judged`` misses nothing, or for a block-form spec (no regions, no DR
        workflows for a preset to change).

    Examples
    --------
    >>> import hadr_model as hm
    >>> model = hm.load_spec()
    >>> advice = cheapest_strategy(model, hm.verdict(model, n_disasters=4000), n_disasters=4000)
    >>> advice.cheapest, [t.strategy for t in advice.tried]
    ('pilot_light', ['backup_restore', 'pilot_light'])
    """
    if judged.passed or not isinstance(model, Topology):
        return None
    tried = []
    for name in by_cost():
        strategy = STRATEGIES[name]
        try:
            preset = verdict(with_strategy(model, name), seed=seed, n_disasters=n_disasters, failover=failover)
        except SpecError as error:
            # A preset can cost more than the spec itself (restores where the spec replicates); the
            # limits refuse it before anything is allocated, and the next preset is tried.
            tried.append(PresetTrial(name, strategy.label, strategy.cost_units, (), str(error)))
            continue
        tried.append(PresetTrial(name, strategy.label, strategy.cost_units, tuple(c.label for c in preset.missed)))
        if preset.passed:
            return StrategyAdvice(name, tuple(tried), seed, n_disasters, failover)
    return StrategyAdvice(None, tuple(tried), seed, n_disasters, failover)
