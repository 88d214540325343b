"""One verdict over every objective: availability, and RPO / RTO per DR scenario.

A promise is made to every tenant, so a check passes only when the tenants of **every** home
region meet it; the tenant mixture (home region drawn uniformly, the population of the
availability figures) is shown beside the worst home region.

* availability: the exact engine under the verdict's failover model
  (:func:`hadr_model.service.availability`, DR-workflow failover by default); the check is
  ``A_worst ≥ objective``;
* RPO / RTO of a scenario: the DR workflows per site (:func:`hadr_model.dr.site_outcomes`,
  each home region with its own recovery plan); the check is ``P_worst(value ≤ target) ≥
  objectives.confidence``.

An objective the spec does not state gets no PASS / FAIL: its row says ``absent``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..engines.results import AvailabilityResult
from ..options import FailoverModel
from ..topology.model import Model, Topology
from ..units import format_duration
from .availability import DEFAULT_DR_DISASTERS, DEFAULT_FAILOVER, availability, failover_label

if TYPE_CHECKING:
    from ..dr.sites import SiteOutcomes

__all__ = ["Check", "Verdict", "verdict"]

PASS, FAIL, ABSENT = "PASS", "FAIL", "absent"


@dataclass(frozen=True)
class Check:
    """One objective (× scenario) against the spec's target.

    ``value`` is the availability (``objective == "availability"``) or the probability that the
    objective is met; ``worst_value`` the same for ``worst_region`` (``None`` in block form).
    """

    objective: str
    scenario: str | None
    target: float | None
    unit: str
    required_probability: float | None
    value: float
    worst_region: str | None
    worst_value: float
    status: str
    model: str

    @property
    def label(self) -> str:
        return self.objective if self.scenario is None else f"{self.objective} ({self.scenario.replace('_', ' ')})"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    """Every check of a spec, in a fixed order: availability, then RPO and RTO per scenario."""

    name: str
    seed: int
    checks: tuple[Check, ...]

    @property
    def missed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == FAIL)

    @property
    def passed(self) -> bool:
        """No objective the spec states is missed (vacuously true without objectives)."""
        return not self.missed

    @property
    def headline(self) -> str:
        stated = [c for c in self.checks if c.status != ABSENT]
        if not stated:
            return f"{self.name}: no objectives stated in the spec — nothing to pass or fail"
        if self.passed:
            return f"{self.name}: PASS — all {len(stated)} objectives met"
        missed = ", ".join(c.label for c in self.missed)
        return f"{self.name}: FAIL — {len(self.missed)} of {len(stated)} objectives missed: {missed}"

    def rows(self) -> list[tuple[Any, ...]]:
        """Table rows: objective, target, tenant mixture, worst home region, result."""
        return [(c.label, _target(c), _value(c, c.value), _worst(c), c.status) for c in self.checks]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "seed": self.seed, "passed": self.passed, "headline": self.headline,
                "checks": [c.as_dict() for c in self.checks], "columns": list(VERDICT_COLUMNS),
                "rows": [list(row) for row in self.rows()]}


VERDICT_COLUMNS = ("objective", "target", "tenant mixture", "worst home region", "result")


def _target(check: Check) -> str:
    if check.target is None:
        return "-"
    if check.objective == "availability":
        return f"{check.target * 100:.6g} %"
    return f"≤ {_duration(check.target)} in {check.required_probability:.0%} of disasters"


def _duration(hours: float) -> str:
    return format_duration(hours)   # the one rule for durations people read: 5 min, 3.8 h, 2.1 d


def _value(check: Check, value: float) -> str:
    if check.objective == "availability":
        return f"{value * 100:.4f} %"
    return "-" if check.status == ABSENT else f"met in {value:.1%}"


def _worst(check: Check) -> str:
    if check.worst_region is None:
        return "-"
    return f"{check.worst_region}: {_value(check, check.worst_value)}"


def verdict(model: Model, *, seed: int = 0, n_disasters: int = DEFAULT_DR_DISASTERS,
            failover: FailoverModel = DEFAULT_FAILOVER, result: AvailabilityResult | None = None,
            sites: dict[str, dict[str, SiteOutcomes]] | None = None) -> Verdict:
    """Check every objective of ``model``.

    Parameters
    ----------
    model : Topology or BlockSystem
    seed, n_disasters
        Seed and size of the DR samples (the same as :func:`availability` and
        :func:`hadr_model.dr.site_outcomes` use, so the figures agree with theirs).
    failover : {"dr-workflow", "instantaneous"}
        The availability check's failover model.
    result, sites
        Already computed figures of the same request, to reuse instead of recomputing.

    Examples
    --------
    >>> import hadr_model as hm
    >>> v = hm.verdict(hm.load_spec(), n_disasters=5000)
    >>> v.passed, [c.label for c in v.missed][:1]
    (False, ['availability'])
    """
    if result is None:
        result = availability(model, failover=failover, seed=seed, n_disasters=n_disasters, detail=True)
    checks = [_availability_check(model, result)]
    if isinstance(model, Topology) and model.data:
        if sites is None:
            # The DR workflows (SimPy) load only for a spec with data to protect.
            from ..dr.sites import site_outcomes

            sites = site_outcomes(model, n_disasters=n_disasters, seed=seed)
        checks += _dr_checks(model, sites, n_disasters)
    return Verdict(model.name, seed, tuple(checks))


def _given(model: Model, key: str) -> bool:
    objectives = getattr(model, "objectives", None)
    return objectives is not None and key in objectives.given


def _availability_check(model: Model, result: AvailabilityResult) -> Check:
    homes = [(r.name, r.with_failover.availability) for r in result.regions if r.home]
    worst_region, worst = min(homes, key=lambda item: item[1]) if homes else (None, result.system.availability)
    target = model.objectives.availability if _given(model, "availability") else None
    status = ABSENT if target is None else PASS if worst >= target else FAIL
    # Absent objective: the figures are still shown (they are the service's availability).
    return Check("availability", None, target, "fraction", None, result.system.availability, worst_region, worst,
                 status, f"{_engine(result)}, {failover_label(result.failover_model)}")


def _engine(result: AvailabilityResult) -> str:
    return "exact engine" if result.engine == "exact" else result.engine


def _dr_checks(model: Topology, sites: dict[str, dict[str, SiteOutcomes]], n_disasters: int) -> list[Check]:
    from ..dr.scenarios import SCENARIOS

    checks = []
    objectives = model.objectives
    for objective in ("rpo", "rto"):
        for scenario in SCENARIOS:
            if scenario not in sites:
                continue
            key = f"{objective}.{scenario}"
            if not _given(model, key):
                checks.append(Check(objective, scenario, None, "h", None, float("nan"), None, float("nan"), ABSENT,
                                    "not stated in the spec"))
                continue
            target = getattr(objectives, f"{objective}_h")[scenario]
            by_region = {name: s.probability_met(objective, target) for name, s in sites[scenario].items()}
            worst_region = min(by_region, key=by_region.__getitem__)
            mixture = sum(by_region.values()) / len(by_region)
            status = PASS if by_region[worst_region] >= objectives.confidence else FAIL
            checks.append(Check(objective, scenario, target, "h", objectives.confidence, mixture, worst_region,
                                by_region[worst_region], status,
                                f"DR workflows per home region, {n_disasters} disasters each"))
    return checks
