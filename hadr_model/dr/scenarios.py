"""Public entry point: run one disaster scenario and summarise its realised RPO / RTO.

Scenarios are ``zone-loss``, ``region-loss`` and ``corruption`` (underscores accepted).
Two engines draw the same outcomes: ``"simpy"`` (process-based discrete-event simulation,
the reference) and ``"fast"`` (vectorised numpy, the default). Randomness comes from one
``numpy.random.SeedSequence`` built from ``seed``: the same seed gives the same numbers.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from ..errors import SpecError
from ..options import DR_ENGINES, DrEngine, Scenario
from ..topology.dataprotection import SCENARIOS, DataProtection, Objectives, RecoveryPlan
from .budget import check_scenario
from .fastpath import sample_outcomes, sample_rpo
from .results import ScenarioResult
from .workflows import simulate_outcomes

__all__ = ["ENGINES", "SCENARIO_NAMES", "normalise_scenario", "run_scenario", "scenario_rpo_h", "seed_sequence"]

#: The scenario names in their one spelling (snake_case); :func:`normalise_scenario` also takes
#: the hyphenated alias (``region-loss``).
SCENARIO_NAMES: tuple[Scenario, ...] = SCENARIOS
ENGINES: tuple[DrEngine, ...] = DR_ENGINES

Seed = int | np.random.SeedSequence | None


def normalise_scenario(scenario: str) -> Scenario:
    """``"region-loss"`` → ``"region_loss"``; raises SpecError for an unknown scenario.

    Examples
    --------
    >>> normalise_scenario("zone-loss")
    'zone_loss'
    """
    name = str(scenario).strip().lower().replace("-", "_")
    if name not in SCENARIOS:
        raise SpecError("scenario", scenario,
                        f"one of {', '.join(SCENARIO_NAMES)} (hyphens are accepted too: region-loss)")
    return cast(Scenario, name)


def seed_sequence(seed: Seed) -> np.random.SeedSequence:
    """A SeedSequence from an integer seed (or the sequence itself; ``None``: fresh entropy)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise SpecError("seed", seed, "a non-negative integer or a numpy SeedSequence")
    return np.random.SeedSequence(seed)


def run_scenario(
    data: DataProtection,
    recovery: RecoveryPlan,
    objectives: Objectives,
    scenario: Scenario,
    *,
    n_disasters: int = 10_000,
    seed: Seed = None,
    disasters_per_year: float | None = None,
    engine: DrEngine = "fast",
    contention: bool = True,
) -> ScenarioResult:
    """Simulate ``n_disasters`` disasters of one scenario and return their outcomes.

    Parameters
    ----------
    data, recovery, objectives
        Parsed ``data[role]``, ``recovery`` and ``objectives`` sections
        (:mod:`hadr_model.topology.dataprotection`).
    scenario : {"zone_loss", "region_loss", "corruption"}
        The scenario (the hyphenated ``"zone-loss"``, ``"region-loss"`` are accepted too).
    n_disasters : int
        Number of disasters simulated, within the limits of :mod:`hadr_model.dr.budget`
        (checked before anything is drawn).
    seed : int or numpy.random.SeedSequence
        Same seed, same numbers.
    disasters_per_year : float, optional
        Yearly rate of this disaster (e.g. the zone or region failure rate of the topology);
        enables the per-year figures (data loss, unrecoverable events, downtime).
    engine : {"fast", "simpy"}
        Vectorised numpy sampler or SimPy process simulation.
    contention : bool
        Restore every database of the region together (restore contention); when
        false only one database is restored, as if alone.

    Returns
    -------
    ScenarioResult
        ``.summary()`` (plain floats) and ``.compliance()`` (a DataFrame).

    Examples
    --------
    >>> from hadr_model.topology.dataprotection import parse_data, parse_recovery, parse_objectives
    >>> data = parse_data({"db": {"size": "2TB"}})["db"]
    >>> result = run_scenario(data, parse_recovery(None), parse_objectives(None), "zone_loss",
    ...                       n_disasters=100, seed=7)
    >>> result.summary()["rpo_max_h"], result.compliance()["passed"].tolist()
    (0.0, [True, True])
    """
    name = normalise_scenario(scenario)
    if engine not in ENGINES:
        raise SpecError("engine", engine, f"one of {', '.join(ENGINES)}")
    check_scenario(data, name, n_disasters, engine, contention=contention)
    if disasters_per_year is not None and not (disasters_per_year >= 0 and np.isfinite(disasters_per_year)):
        raise SpecError("disasters_per_year", disasters_per_year, "a finite rate per year, zero or more")
    rng = np.random.default_rng(seed_sequence(seed))
    sampler = sample_outcomes if engine == "fast" else simulate_outcomes
    outcomes = sampler(data, recovery, name, int(n_disasters), rng, contention=contention)
    databases = data.databases.count if contention and name != "corruption" else 1
    return ScenarioResult(scenario=name, outcomes=outcomes, objectives=objectives, engine=engine,
                          databases=databases, disasters_per_year=disasters_per_year, write_rate=data.write_rate)


def scenario_rpo_h(data: DataProtection, recovery: RecoveryPlan, scenario: str, *, n_disasters: int = 10_000,
                   seed: Seed = None, contention: bool = True) -> np.ndarray:
    """The realised RPO per disaster of :func:`run_scenario` (fast engine), the same numbers for
    the same arguments, without simulating what only the RTO needs (a region loss's restore queue).

    Examples
    --------
    >>> from hadr_model.topology.dataprotection import parse_data, parse_recovery, parse_objectives
    >>> data, plan = parse_data({"db": {"size": "2TB"}})["db"], parse_recovery(None)
    >>> full = run_scenario(data, plan, parse_objectives(None), "region_loss", n_disasters=50, seed=3)
    >>> bool((scenario_rpo_h(data, plan, "region_loss", n_disasters=50, seed=3) == full.outcomes.rpo_h).all())
    True
    """
    name = normalise_scenario(scenario)
    check_scenario(data, name, n_disasters, "fast", contention=contention)
    rng = np.random.default_rng(seed_sequence(seed))
    return sample_rpo(data, recovery, name, int(n_disasters), rng, contention=contention)
