r"""Time-domain Monte Carlo: downtime distributions for any failure and repair laws.

Model
-----
Every element (instance, zone, region, global service, link, common-cause element, block
component) is an alternating renewal process: up for a time drawn from its failure law, down
for a time drawn from its repair law, independently of everything else. Zones, regions,
global services and common-cause elements are *one* process each, shared by everything they
contain, exactly as in :mod:`~hadr_model.engines.exact`; the system state is the same
structure function:

* role ``r`` of a region is up when ``Σ_z [zone z usable] · up_{r,z} ≥ k_r`` and its
  common-cause element is up (a zone is usable when it is up and, with a zone network, reaches
  the region's ingress over up links and zones);
* a region's service is up when the region and all its roles are up;
* a tenant homed in ``X`` with failover to ``F`` is up when every global service the roles
  depend on is up and (``X``'s service or ``F``'s service) is up — instantaneous failover, the
  same upper bound as the exact engine;
* with a failover RTO (``failover_rto_h``, the DR-workflow model of
  :func:`hadr_model.dr.availability_with_failover`): a loss of region ``X`` at ``t0`` draws an
  RTO ``r`` (one per loss); from ``t0 + r`` until ``X`` is repaired the tenant follows ``F``'s
  service (no failover when the repair comes first; failback is immediate), at any other time
  ``X``'s own service — outages of ``X``'s service that are not region losses are not failed
  over. A region loss that finds the tenant up starts an outage, however short, as in the
  exact engine's failure frequency;
* block form: series, parallel, k-of-n and two-terminal networks over the components, a
  component being down while its common-cause element is down.

Initial state
-------------
Each element starts in its *stationary* state, so every run is a stationary history and no
warm-up is needed: up with probability ``A = MTTF/(MTTF+MTTR)``, and the time left in the
current phase is drawn from the equilibrium (stationary-excess) law of that phase,
``f_e(x) = (1 − F(x)) / m``. It is sampled as ``U · L`` with ``U`` uniform and ``L`` drawn from
the length-biased law ``x f(x) / m``: exactly for exponential laws (memoryless: ``f_e = f``),
deterministic (``L = value``), gamma (``L ~ Gamma(a + 1)``), Weibull (``(L/λ)^c ~ Gamma(1 + 1/c)``)
and lognormal (``log L ~ N(μ + s², s)``) laws; for other laws by weighted resampling of a pool of
at least 20 000 draws (sampling-importance-resampling, error of order 1/pool).

Runs and estimates
------------------
A *run* is one independent history of ``Y`` years (``T = Y · year_hours`` hours). In the
region form each run simulates the whole topology and evaluates a tenant of every home region
on the same history; "the service" is a tenant whose home region is drawn uniformly, so a
run's downtime is the mean over the home regions (its expectation given the history — the
same mean, a smaller variance). With ``D_i`` the downtime of run ``i`` in hours,

* unavailability ``Û = mean_i D_i / T``, 95 % confidence interval ``Û ± t_{0.975, n−1} s / √n``
  (``s``: standard deviation of ``D_i / T`` over the ``n`` independent runs);
* downtime per year of a (run, home region) pair ``= D / Y`` (a *tenant-year* when
  ``Y = 1``); its standard deviation, its percentiles and the probability of meeting the
  availability objective ``P(1 − D / T ≥ A_obj)`` are all over those pairs (a tenant with a
  uniformly drawn home), one population; only the mean's confidence interval uses the
  run-level (home-averaged) values, the independent replicates;
* by default the mean uses a *control variate*: ``C_i = Σ_e w_e D_{e,i}`` with ``D_{e,i}`` the
  downtime of element ``e`` (summed over its copies) in run ``i`` and ``w_e`` its Birnbaum
  importance from the exact engine, so ``C`` is the first-order expansion of the service's
  downtime. ``E[C] = T Σ_e w_e n_e (1 − A_e)`` holds exactly for stationary elements whatever
  their laws, so ``Û = ȳ − β̂ (c̄ − E[C]/T)`` (``β̂`` by least squares) is consistent for any
  weights — they only change its variance, and the estimate stays an independent check of the
  exact engine's system figure. Its 95 % half-width uses the regression residuals (``n − 2``
  degrees of freedom). ``control_variate=False`` gives the plain mean; so does a model whose
  importances the exact engine cannot give (the result's ``control_variate`` is then
  ``False`` and its ``notes`` say why);
* outages per year: transitions of the service from up to down in ``[0, T)``, divided by ``Y``
  (its mean is the failure frequency ``ω`` of the exact engine, by the renewal-reward theorem);
* outage durations: the outages that start and end inside ``[0, T)`` (bias of order
  mean outage / ``T`` for laws with a spread; none for fixed repair times).

Attribution
-----------
Each outage is charged, whole, to the element whose transition started it (the failure that
took the service down; a repair can start an outage only through a network or a capacity rule,
never here). The downtime of an outage already in progress at ``t = 0`` is charged to
``(down at start)``. Instances of a role in one zone are one row (``count`` copies).

Computation
-----------
A batch of ``B`` runs is simulated at once. For each element the alternating up/down durations
of all runs and copies are drawn as one array and accumulated (``cumsum``) to event times; each
node of the structure merges its children's events row by row, evaluates its rule at the merged
events and keeps only the points where its state changes
(:mod:`~hadr_model.engines.structure`). A system that is a single element skips the
signals: its downtime, failures and complete outages are read off the running sum of its
phase durations clipped at ``T`` (one row per event, so the running sum is a vector
operation across runs), in cache-sized chunks.

Blocks and batches
------------------
Runs are simulated in *blocks* of a size fixed by the model (:func:`_block_runs`: about
:data:`BLOCK_EVENTS_PER_PART` expected transitions per element or node, at least
:data:`BLOCK_EVENTS_MIN`, at most :data:`EVENTS_PER_BATCH` and :data:`BLOCK_RUNS_MAX` runs).
Block ``i`` draws every random number from the ``i``-th child of
``numpy.random.SeedSequence(seed)``, and every figure is reduced over the blocks in block
order, so the results depend only on the seed and the number of blocks. A *batch* — the work
handed to the process or to a worker — is a whole number of consecutive blocks, sized from the
measured seconds per block (a one-block pilot first) to take about :data:`BATCH_SECONDS` and at
most :data:`BUDGET_FRACTION` of the time left of ``max_seconds``; timing decides only how many
blocks run. With ``precision``, the 95 % half-width is tested at fixed block counts (about
every 10 % more blocks) until it is at most ``precision · Û``. With ``max_seconds`` no block
starts after the deadline and a block running at the deadline is abandoned (``SIGALRM``, in a
main thread), so a slow law cannot hold the simulation in one long batch.

Sizes are bounded before anything is allocated: at most :data:`MAX_YEARS` years per run,
:data:`MAX_RUNS` runs and :data:`MAX_WORKERS` workers; one run (never split across blocks) at
most :data:`MAX_EVENTS_PER_RUN` expected element transitions; the per-run results of all runs
within :data:`RESULT_MEMORY_BUDGET` (a simulation whose outage durations would exceed it stops
early, ``stopped_by="memory"``); the blocks being simulated at once (one per worker) within
:data:`WORK_MEMORY_BUDGET`.
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from scipy import stats

from ..errors import HadrError, SpecError
from ..topology.compiled import CompiledModel, ElementTable, Leaf, Node, Part, Served
from ..topology.laws import Law, LengthBiasedPools, sample_alternating
from ..topology.model import Model, Topology
from .outage import expected_outage_h
from .structure import Signal, combine

__all__ = ["BATCH_SECONDS", "BLOCK_EVENTS_MIN", "BLOCK_EVENTS_PER_PART", "BLOCK_RUNS_MAX", "BUDGET_FRACTION",
           "EVENTS_PER_BATCH", "MAX_EVENTS_PER_RUN", "MAX_RUNS", "MAX_WORKERS", "MAX_YEARS",
           "RESULT_MEMORY_BUDGET", "WORK_MEMORY_BUDGET", "SimulationResult", "simulate"]

# A block (the unit of randomness, fixed by the model) has about BLOCK_EVENTS_PER_PART element
# transitions per element or node of the structure (so the fixed cost of evaluating the
# structure stays small next to the sampling), at least BLOCK_EVENTS_MIN, at most
# EVENTS_PER_BATCH, and at most BLOCK_RUNS_MAX runs (at least one run).
EVENTS_PER_BATCH = 1_500_000
BLOCK_EVENTS_MIN = 16_384
BLOCK_EVENTS_PER_PART = 8_192
BLOCK_RUNS_MAX = 4_096
# A batch (the unit of work of a process: whole blocks) is sized from the measured seconds per
# block to take about BATCH_SECONDS, and at most BUDGET_FRACTION of the time left of --max-seconds.
BATCH_SECONDS = 0.5
BUDGET_FRACTION = 0.25
MAX_YEARS = 1000.0
MAX_RUNS = 10_000_000
MAX_WORKERS = 64
# One run is never split across batches: its element transitions must fit in memory at once
# (measured: about 45 bytes each at the peak of a merge, so 10 million ≈ 0.5 GB).
MAX_EVENTS_PER_RUN = 10_000_000
# The per-run figures kept for the percentiles and tables (downtime and outages per run and
# home region, the control variate, the runs table) and the complete outage durations.
RESULT_MEMORY_BUDGET = 2 * 2**30
# The blocks being simulated at once (one per worker) at about _EVENT_BYTES per transition.
WORK_MEMORY_BUDGET = 2 * 2**30
_EVENT_BYTES = 45
_LEAF_CHUNK_EVENTS = 1 << 19   # event times per chunk of the one-element path (4 MB: cache-sized)
_MIN_RUNS_FOR_PRECISION = 1000
_DOWN_AT_START = "(down at start)"


# --- the plan: elements and the structure over them -----------------------------------------

@dataclass(frozen=True)
class _Element:
    name: str
    kind: str
    count: int
    failure: Law
    repair: Law

    @property
    def availability(self) -> float:
        return self.failure.mean_h / (self.failure.mean_h + self.repair.mean_h)

    @property
    def cycle_h(self) -> float:
        return self.failure.mean_h + self.repair.mean_h

    @cached_property
    def cycle_variance_h2(self) -> float:
        """Variance of one up + down cycle (the mean squared when a law has none)."""
        return _variance(self.failure) + _variance(self.repair)


def _variance(law: Law) -> float:
    # A heavy tail without a variance: the exponential's, a finite stand-in for the control variate.
    variance = law.variance_h2
    return variance if math.isfinite(variance) else law.mean_h ** 2


@dataclass(frozen=True)
class _Plan:
    """What one simulation needs: the simulated elements and the tenants' structure over them.

    ``elements[i]`` is the element of :class:`Leaf` ``i`` of the parts; ``rows[i]`` its row in
    the compiled model's table (see :func:`_dense`).
    """

    name: str
    form: str
    elements: tuple[_Element, ...]
    tenants: tuple[Part, ...]
    tenant_names: tuple[str, ...]
    year_hours: float
    objective: float | None
    rows: tuple[int, ...] = ()
    weights: tuple[float, ...] = ()
    failover_rto: Any = None          # None (instantaneous), a Law, or RTO samples in hours
    failover_model: str = "none"
    notes: tuple[str, ...] = ()       # why an estimator was not used, etc. (reported as is)


def _used_rows(parts: Sequence[Part]) -> list[int]:
    """Table rows of the leaves the parts reach, ascending."""
    seen: set[int] = set()
    rows: set[int] = set()
    stack: list[Any] = list(parts)
    while stack:
        part = stack.pop()
        if id(part) in seen:
            continue
        seen.add(id(part))
        if isinstance(part, Leaf):
            rows.add(part.element)
        elif isinstance(part, Served):
            stack.append(part.region)
        else:
            stack.extend(child for channel in part.channels for child in channel)
    return sorted(rows)


def _dense(parts: Sequence[Part], table: ElementTable
           ) -> tuple[tuple[Part, ...], tuple[_Element, ...], tuple[int, ...]]:
    """The parts with leaves renumbered densely over the elements they use (table order kept).

    Shared parts stay shared (a zone or a region service reached from several places is one
    process, simulated once), so the conversion is memoised on the part.
    """
    rows = _used_rows(parts)
    dense = {row: i for i, row in enumerate(rows)}
    elements = []
    for row in rows:
        behaviour = table.behaviours[row]
        if not behaviour.has_time_law:
            raise SpecError(table.names[row], f"availability {behaviour.fixed_availability}",
                            "time laws (mttf/mttr or failure/repair) for Monte Carlo: a fixed availability "
                            "has no time behaviour to simulate")
        assert behaviour.failure is not None and behaviour.repair is not None
        elements.append(_Element(table.names[row], table.kinds[row], int(table.counts[row]),
                                 behaviour.failure, behaviour.repair))
    memo: dict[int, Part] = {}
    leaves: dict[int, Leaf] = {}

    def convert(part: Part) -> Part:
        key = id(part)
        if key not in memo:
            if isinstance(part, Leaf):
                # One part per element: a shared event reached twice is still one process.
                memo[key] = leaves.setdefault(part.element, Leaf(dense[part.element]))
            elif isinstance(part, Served):
                region = convert(part.region)
                assert isinstance(region, Leaf)
                memo[key] = Served(region, part.home)
            else:
                memo[key] = Node(tuple(tuple(convert(c) for c in channel) for channel in part.channels), part.rule)
        return memo[key]

    return tuple(convert(p) for p in parts), tuple(elements), tuple(rows)


def _structure_plan(model: Model, objective: float | None, failover_rto: Any = None) -> _Plan:
    """The plan of a model from its compiled structure (instantaneous or DR-workflow failover)."""
    compiled: CompiledModel = model.compiled
    if compiled.form == "blocks":
        tenants, elements, rows = _dense(compiled.tenants(), compiled.elements)
        return _Plan(compiled.name, "blocks", elements, tenants, ("root",), compiled.year_hours, objective, rows)
    homes = [compiled.region(name) for name in compiled.home_regions]
    pairs = any(site.fails_over_to for site in homes)
    mode = "instantaneous" if failover_rto is None or not pairs else "region-loss"
    tenants, elements, rows = _dense(compiled.tenants(mode), compiled.elements)
    if mode == "region-loss":
        for site in homes:
            if site.fails_over_to:
                _rto_of(failover_rto, site.name)     # every region that fails over has an RTO
    failover_model = "none" if not pairs else "instantaneous" if failover_rto is None else "dr-workflow"
    return _Plan(compiled.name, "regions", elements, tenants, compiled.home_regions, compiled.year_hours,
                 objective, rows, failover_rto=failover_rto if pairs else None, failover_model=failover_model)


def _objective_of(model: Model, objective: float | None) -> float | None:
    if objective is not None:
        return objective
    return getattr(model.objectives, "availability", None)


def _control_weights(model: Model, plan: _Plan) -> tuple[tuple[float, ...], str | None]:
    """Birnbaum importance of each element (per copy) for the control variate, and a note.

    The exact engine gives them per row of the compiled table, which the plan's elements
    index (``plan.rows``): no element is matched by name. With a DR failover the exact engine
    is given ``E[min(D, RTO)]`` per home region
    (:func:`~hadr_model.engines.outage.expected_outage_h`, exact). When the exact engine cannot
    give the importances (a model it refuses, or too large) the weights are ``()`` and the note
    says why: the simulation then uses the plain mean and reports it.
    """
    from .exact import element_birnbaum

    try:
        outage = None
        if plan.failover_rto is not None and isinstance(model, Topology):
            compiled = model.compiled
            repair = {site.name: compiled.elements.behaviours[site.region].repair for site in compiled.regions}
            outage = {site.name: expected_outage_h(repair[site.name], _rto_of(plan.failover_rto, site.name))
                      for site in compiled.regions
                      if site.home and site.fails_over_to and repair[site.name] is not None}
        birnbaum = element_birnbaum(model, region_loss_outage_h=outage)
    except (HadrError, ValueError, MemoryError) as error:
        reason = str(error) or type(error).__name__
        return (), f"control variate not used: the exact engine gave no importances ({reason}); plain mean"
    weights = tuple(float(np.nan_to_num(birnbaum[row])) for row in plan.rows)
    if not any(weights):
        return (), "control variate not used: every element's importance is 0; plain mean"
    return weights, None


def _rto_of(rto: Any, region: str) -> Any:
    """The RTO of one home region: from a per-region mapping, or the one for all regions."""
    if isinstance(rto, Mapping):
        if region not in rto:
            raise SpecError(f"failover_rto_h.{region}", SpecError.NO_VALUE,
                            "an RTO for every home region that fails over")
        return rto[region]
    return rto


def _check_rto(rto: Any) -> Any:
    """A Law, a number of hours or a 1-D array of RTO samples (``inf``: never fails over), or a
    mapping of home-region names to any of those."""
    if isinstance(rto, Mapping):
        return {str(region): _check_rto(value) for region, value in rto.items()}
    if rto is None or isinstance(rto, Law):
        return rto
    try:
        values = np.asarray(rto, dtype=float)
    except (TypeError, ValueError):
        values = np.empty(0)
    if isinstance(rto, bool) or values.ndim > 1 or values.size == 0 or np.any(np.isnan(values)) \
            or np.any(values < 0):
        raise SpecError("failover_rto_h", rto, "RTO samples in hours (zero or more; inf = no failover), "
                        "a number of hours or a Law")
    return float(values) if values.ndim == 0 else values.copy()


def _plan(model: Model, objective: float | None, control_variate: bool, failover_rto: Any = None,
          check: Any = None) -> _Plan:
    """The elements and structure of ``model``; ``check(plan)`` runs before the control weights."""
    chosen = _objective_of(model, objective)
    plan = _structure_plan(model, chosen, failover_rto)
    if check is not None:
        check(plan)
    if control_variate:
        weights, note = _control_weights(model, plan)
        plan = replace(plan, weights=weights, notes=plan.notes + ((note,) if note else ()))
    return plan


# --- one element: alternating renewal process for all runs of a batch -----------------------

# The length-biased draws of laws without a closed form come from pools shared by the whole
# block (see LengthBiasedPools): one pool per law, sized by _pool_needs.
_Pools = LengthBiasedPools


def _pool_needs(plan: _Plan, runs: int) -> dict[Law, int]:
    """Values each law gives in a block of ``runs`` runs (one start per copy and phase)."""
    needs: dict[Law, int] = {}
    for element in plan.elements:
        for law in (element.failure, element.repair):
            needs[law] = needs.get(law, 0) + runs * element.count
    return needs


def _pairs(element: _Element, span_h: float, sigmas: float) -> int:
    """(repair, failure) pairs to draw per copy to cover ``span_h``: mean cycles + ``sigmas`` SDs.

    The spread is capped at ``cycles + 4``: a heavy-tailed law (lognormal ``s = 12`` has a
    variance of ``e^144`` means squared) would otherwise ask for more pairs than memory holds,
    while its long phases make the count of cycles *smaller*; the few copies that still fall
    short are topped up by the caller.
    """
    cycles = span_h / element.cycle_h
    spread = math.sqrt(span_h * element.cycle_variance_h2 / element.cycle_h ** 3)
    return max(1, math.ceil(cycles + sigmas * min(spread, cycles + 4.0) + 2.0))


def _initial(element: _Element, rng: np.random.Generator, copies: int, with_age: bool,
             pools: _Pools | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Stationary start: up at 0, first failure time (0 when down), residual repair, its age."""
    up = rng.random(copies) < element.availability
    start = np.where(up, element.failure.equilibrium(rng, copies, pools), 0.0)
    if with_age:
        residual, age = element.repair.equilibrium_with_age(rng, copies, pools)
        return up, start, residual, age
    return up, start, element.repair.equilibrium(rng, copies, pools), None


def _chunk(element: _Element, rng: np.random.Generator, start: np.ndarray, pairs: int,
           down: np.ndarray | None, residual: np.ndarray | None, by_rows: bool) -> np.ndarray:
    """Event times: ``start`` (a failure), then ``pairs`` (repair end, next failure) pairs.

    Copies in ``down`` are down at ``start`` (= 0) with ``residual`` left to repair. ``by_rows``:
    one row per copy (``(copies, 1 + 2 pairs)``); otherwise one row per event, which makes the
    running sum a vector operation across copies.
    """
    copies = len(start)
    block = np.empty((copies, 1 + 2 * pairs) if by_rows else (1 + 2 * pairs, copies))
    phases = block.T if by_rows else block
    sample_alternating(rng, block, element.repair, element.failure, axis=1 if by_rows else 0)
    phases[0] = start
    if down is not None and down.any():
        phases[1, down] = residual[down]
    if by_rows:
        np.cumsum(block, axis=1, out=block)
    else:
        for k in range(1, len(block)):
            np.add(block[k], block[k - 1], out=block[k])
    return block


def _history(element: _Element, rng: np.random.Generator, copies: int, horizon: float,
             with_age: bool = False, pools: _Pools | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Failure, repair, failure, … times of stationary copies, one row each, covering the horizon.

    Returns ``(up, times, age)``: ``up`` at 0; ``times`` increasing along each row, the last
    one at or after ``horizon`` (``inf`` padding), and a copy down at 0 has its first failure at
    0 (not an event: it is down at start); ``age`` of that initial repair (``with_age``).
    """
    up, start, residual, age = _initial(element, rng, copies, with_age, pools)
    times = _chunk(element, rng, start, _pairs(element, horizon, 4.0), ~up, residual, by_rows=True)
    while (short := np.flatnonzero(times[:, -1] < horizon)).size:
        restart = times[short, -1]
        more = _chunk(element, rng, restart, _pairs(element, horizon - float(restart.min()), 4.0),
                      None, None, by_rows=True)
        extra = np.full((copies, more.shape[1] - 1), np.inf)
        extra[short] = more[:, 1:]
        times = np.concatenate([times, extra], axis=1)
    return up, times, age


_History = tuple[np.ndarray, np.ndarray, np.ndarray | None]


def _element_signal(element: _Element, index: int, runs: int, horizon: float,
                    rng: np.random.Generator, with_age: bool = False, pools: _Pools | None = None
                    ) -> tuple[Signal, _History]:
    """Down count of the element's copies over ``[0, horizon)`` for ``runs`` runs, and the history."""
    history = _history(element, rng, runs * element.count, horizon, with_age, pools)
    up, times, _ = history
    inside = times < horizon
    width = int(inside.sum(axis=1).max())   # rows are increasing
    inside = inside[:, :width]
    events = np.where(inside, times[:, :width], np.inf)
    # Column j is a failure (+1) when j is even, a repair (-1) when odd.
    deltas = inside * np.resize(np.array([1, -1], np.int8), width)
    down = ~up
    if width and down.any():                # a copy down at start: no failure at 0
        events[down, 0] = np.inf
        deltas[down, 0] = 0
    events = events.reshape(runs, -1)
    causes = np.broadcast_to(np.int32(index), events.shape)
    # Down counts can exceed any small integer type (hundreds of copies): 32 bits.
    init = down.reshape(runs, element.count).sum(axis=1).astype(np.int32)
    return Signal(init, events, deltas.reshape(runs, -1), causes, cause=index), history


def _draw_rto(rto: Any, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    if isinstance(rto, Law):
        return rto.sample(rng, shape)
    if isinstance(rto, float):
        return np.full(shape, rto)
    return rto[rng.integers(0, len(rto), shape)]


def _served_signal(history: _History, index: int, rto: Any, rng: np.random.Generator,
                   horizon: float) -> Signal:
    """1 from ``t0 + RTO`` to the repair of each region loss at ``t0`` (when the RTO is shorter).

    One RTO is drawn per region loss; a region down at 0 was lost ``age`` hours before.
    """
    up, times, age = history
    runs = len(times)
    losses = times[:, :-1:2].copy()        # loss k, repaired at times[:, 2k + 1]
    repairs = times[:, 1::2]
    down = ~up
    losses[down, 0] = -age[down]
    width = int((losses < horizon).sum(axis=1).max())
    losses, repairs = losses[:, :width], repairs[:, :width]
    start = losses + _draw_rto(rto, rng, losses.shape)
    served = (start < repairs) & (start < horizon)
    init = (served[:, 0] & (start[:, 0] <= 0.0)) if width else np.zeros(runs, bool)
    on = served & (start > 0.0)
    off = served & (repairs < horizon)
    events = np.stack([np.where(on, start, np.inf), np.where(off, repairs, np.inf)], axis=2)
    deltas = np.stack([on.astype(np.int8), -off.astype(np.int8)], axis=2)
    events = events.reshape(runs, 2 * width)
    return Signal(init.astype(np.int32), events, deltas.reshape(runs, 2 * width),
                  np.broadcast_to(np.int32(index), events.shape))


def _evaluate(part: Part, basic: Any, cache: dict[int, Signal], runs: int) -> Signal:
    key = id(part)
    if key not in cache:
        if isinstance(part, Node):
            channels = [[_evaluate(child, basic, cache, runs) for child in channel]
                        for channel in part.channels]
            cache[key] = combine(channels, part.rule, runs)
        else:
            cache[key] = basic(part)
    return cache[key]


# --- one batch ------------------------------------------------------------------------------

@dataclass
class _Batch:
    downtime_h: np.ndarray        # (B, H): per run and home region
    outages: np.ndarray           # (B, H)
    durations_h: np.ndarray       # complete outages, pooled over home regions
    charged_h: np.ndarray         # (elements + 1,) downtime charged, summed over runs and homes
    started: np.ndarray           # (elements + 1,) outages started
    events: int                   # element transitions simulated
    control_h: np.ndarray         # (B,) Σ_e w_e · downtime of e: the control variate


def _downtime(signal: Signal, horizon: float) -> np.ndarray:
    """Integral of the signal over ``[0, horizon)`` (down hours, summed over copies), per run."""
    valid = signal.deltas != 0
    after = np.where(valid, horizon - np.where(valid, signal.times, 0.0), 0.0)
    return signal.init * horizon + (signal.deltas * after).sum(axis=1)


def _tenant_figures(signal: Signal, horizon: float, elements: int) -> tuple[np.ndarray, ...]:
    times, deltas = signal.times, signal.deltas
    downtime = _downtime(signal, horizon)
    rows, cols = np.nonzero(deltas == 1)
    # A boolean signal alternates: the change after an outage's start is its end.
    after = cols + 1
    inside = after < times.shape[1]
    ends = np.where(inside, times[rows, np.where(inside, after, 0)], np.inf)
    begins = times[rows, cols]
    durations = (ends - begins)[np.isfinite(ends)]
    causes = np.concatenate([signal.causes[rows, cols], np.full(len(signal.init), elements)])
    weights = np.concatenate([np.minimum(ends, horizon) - begins, _initial_outage(signal, horizon)])
    charged_h = np.bincount(causes, weights=weights, minlength=elements + 1)
    started = np.bincount(causes[: cols.size], minlength=elements + 1)
    return downtime, np.bincount(rows, minlength=len(times)), durations, charged_h, started


def _initial_outage(signal: Signal, horizon: float) -> np.ndarray:
    first = signal.times[:, 0] if signal.times.shape[1] else np.full(len(signal.init), np.inf)
    return np.where(signal.init > 0, np.minimum(first, horizon), 0.0)


def _leaf_figures(times: np.ndarray, horizon: float, down: np.ndarray | None) -> tuple[Any, ...]:
    """Figures of one element from its event times, one row per event (see :func:`_chunk`).

    Down durations are differences of the running sum clipped at the horizon, so the
    downtime, failures and complete outages come without building a signal. Returns
    ``(downtime, failures, complete durations, repairs, initial outage, short, restart)``:
    ``short`` copies end before the horizon and go on from their failure at ``restart``.
    """
    short = np.flatnonzero(times[-1] < horizon)
    restart = times[-1, short]
    np.minimum(times, horizon, out=times)
    clipped = times[1::2] - times[:-1:2]
    downtime = clipped.sum(axis=0)
    failures = np.count_nonzero(times[:-1:2] < horizon, axis=0)
    complete = times[1::2] < horizon
    repairs = int(np.count_nonzero(complete))
    initial = None
    if down is not None:
        initial = np.where(down, clipped[0], 0.0)
        failures -= down                    # the failure at 0 of a copy down at start
        complete[0] &= ~down                # its outage did not start inside [0, T)
    return downtime, failures, clipped[complete], repairs, initial, short, restart


def _leaf_batch(plan: _Plan, runs: int, horizon: float, rng: np.random.Generator, pools: _Pools) -> _Batch:
    """A system that is one element: its figures straight from its event times, by cache-sized blocks."""
    index = plan.tenants[0].element
    element = plan.elements[index]
    pairs = _pairs(element, horizon, 2.0)
    step = max(64, _LEAF_CHUNK_EVENTS // (2 * pairs + 1))
    downtime, failures, initial = np.empty(runs), np.empty(runs, np.int64), np.empty(runs)
    durations, events = [], 0
    for begin in range(0, runs, step):
        n = min(step, runs - begin)
        up, start, residual, _ = _initial(element, rng, n, False, pools)
        times = _chunk(element, rng, start, pairs, ~up, residual, by_rows=False)
        down, fails, complete, repairs, first, short, restart = _leaf_figures(times, horizon, ~up)
        where = slice(begin, begin + n)
        downtime[where], failures[where], initial[where] = down, fails, first
        durations.append(complete)
        events += int(fails.sum()) + repairs
        short += begin
        while short.size:
            times = _chunk(element, rng, restart, _pairs(element, horizon - float(restart.min()), 2.0),
                           None, None, by_rows=False)
            down, fails, complete, repairs, _, more, restart = _leaf_figures(times, horizon, None)
            downtime[short] += down
            failures[short] += fails
            durations.append(complete)
            events += int(fails.sum()) + repairs
            short = short[more]
    elements = len(plan.elements)
    charged, started = np.zeros(elements + 1), np.zeros(elements + 1, np.int64)
    charged[index], charged[elements] = downtime.sum() - initial.sum(), initial.sum()
    started[index] = failures.sum()
    weight = plan.weights[index] if plan.weights else 0.0
    return _Batch(downtime_h=downtime[:, None], outages=failures[:, None],
                  durations_h=np.concatenate(durations), charged_h=charged, started=started, events=events,
                  control_h=weight * downtime)


def _served_regions(plan: _Plan) -> set[int]:
    return {p.region.element for t in plan.tenants if isinstance(t, Node)
            for channel in t.channels for p in channel if isinstance(p, Served)}


def _run_batch(plan: _Plan, runs: int, horizon: float, seed: np.random.SeedSequence) -> _Batch:
    rng = np.random.default_rng(seed)
    pools = _Pools(_pool_needs(plan, runs))
    if len(plan.tenants) == 1 and isinstance(plan.tenants[0], Leaf):
        return _leaf_batch(plan, runs, horizon, rng, pools)
    events = [0]
    control = np.zeros(runs)
    aged = _served_regions(plan)
    histories: dict[int, _History] = {}
    cache: dict[int, Signal] = {}

    def basic(part: Leaf | Served) -> Signal:
        if isinstance(part, Served):
            _evaluate(part.region, basic, cache, runs)
            index = part.region.element
            rto = _rto_of(plan.failover_rto, part.home)
            return _served_signal(histories[index], index, rto, rng, horizon)
        index = part.element
        signal, history = _element_signal(plan.elements[index], index, runs, horizon, rng, index in aged, pools)
        if index in aged:
            histories[index] = history
        events[0] += int(np.count_nonzero(signal.deltas))
        if plan.weights and plan.weights[index]:
            control[:] += plan.weights[index] * _downtime(signal, horizon)
        return signal

    figures = [_tenant_figures(_evaluate(t, basic, cache, runs), horizon, len(plan.elements))
               for t in plan.tenants]
    return _Batch(
        downtime_h=np.stack([f[0] for f in figures], axis=1),
        outages=np.stack([f[1] for f in figures], axis=1),
        durations_h=np.concatenate([f[2] for f in figures]),
        charged_h=np.sum([f[3] for f in figures], axis=0),
        started=np.sum([f[4] for f in figures], axis=0),
        events=events[0],
        control_h=control,
    )


def _events_per_run(plan: _Plan, horizon: float) -> float:
    """Expected element transitions of one run (plus one start per copy)."""
    return sum(e.count * (2.0 * horizon / e.cycle_h + 1.0) for e in plan.elements)


def _part_count(plan: _Plan) -> int:
    """Elements and nodes of the structure (each costs a fixed overhead per block)."""
    seen: set[int] = set()
    stack: list[Any] = list(plan.tenants)
    while stack:
        part = stack.pop()
        if id(part) in seen:
            continue
        seen.add(id(part))
        if isinstance(part, Node):
            stack.extend(child for channel in part.channels for child in channel)
        elif isinstance(part, Served):
            stack.append(part.region)
    return len(seen)


def _block_runs(plan: _Plan, horizon: float) -> int:
    """Runs per block, fixed by the model and the horizon (never by timing: see :func:`simulate`)."""
    events = min(EVENTS_PER_BATCH, max(BLOCK_EVENTS_MIN, BLOCK_EVENTS_PER_PART * _part_count(plan)))
    return int(min(BLOCK_RUNS_MAX, max(1, events // max(_events_per_run(plan, horizon), 1.0))))


def _stored_bytes_per_run(plan: _Plan) -> int:
    """Bytes kept per run for the results (per home: downtime, outages; control; runs table)."""
    return 16 * len(plan.tenants) + 8 + 48


def _check_size(plan: _Plan, runs: int, horizon: float, workers: int = 1) -> None:
    """Refuse a simulation that cannot fit in memory (one run, the per-run results, the blocks
    simulated at once by the workers), from the model's expected sizes, before any allocation."""
    per_run = _events_per_run(plan, horizon)
    if not per_run <= MAX_EVENTS_PER_RUN:
        raise SpecError("years", horizon / plan.year_hours,
                        f"runs short enough to fit in memory: one run would have about {per_run:.3g} "
                        f"element transitions, at most {MAX_EVENTS_PER_RUN:,} (fewer years per run)")
    per_run_bytes = _stored_bytes_per_run(plan)
    if runs * per_run_bytes > RESULT_MEMORY_BUDGET:
        raise SpecError("runs", runs, f"at most {RESULT_MEMORY_BUDGET // per_run_bytes:,} runs for this model "
                        f"({runs:,} runs × {per_run_bytes} bytes of per-run results must fit in "
                        f"{RESULT_MEMORY_BUDGET / 2**30:g} GiB)")
    block_bytes = _block_runs(plan, horizon) * per_run * _EVENT_BYTES
    if workers * block_bytes > WORK_MEMORY_BUDGET:
        most = max(1, int(WORK_MEMORY_BUDGET // block_bytes))
        raise SpecError("workers", workers,
                        f"at most {most} worker(s) for this model: {workers} × {block_bytes / 2**20:.0f} MiB "
                        f"per block being simulated exceeds the {WORK_MEMORY_BUDGET / 2**30:g} GiB budget")


# --- results --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SimulationResult:
    """Monte Carlo estimates; units in the names (``_h`` hours, ``_min`` minutes).

    ``per_run`` and ``attribution`` are pandas tables (see :meth:`runs_frame` and
    :meth:`attribution_frame`); :meth:`as_dict` gives the JSON-ready scalar figures.

    The ``downtime_min_per_year_*`` spread figures (``_std``, ``_p50``, ``_p90``, ``_p99``) and
    ``probability_meeting_objective`` describe one population: tenant-years, i.e. the yearly
    downtime of a (run, home region) pair — a tenant with a uniformly drawn home. The mean and
    its ``_ci95`` come from the run-level values (averaged over the home regions, the
    independent replicates). ``control_variate`` tells whether the control variate was
    actually used; ``notes`` says why an estimator was dropped or a run stopped early.

    ``blocks`` of ``block_runs`` runs (the last one may be shorter) are the unit of randomness:
    the figures depend only on the seed and the number of blocks. ``batches`` (groups of blocks
    handed to a process, sized from the measured time) and ``seconds`` depend on the machine.
    """

    name: str
    form: str
    runs: int
    years: float
    seed: int
    batches: int
    blocks: int
    block_runs: int
    seconds: float
    stopped_by: str
    availability: float
    availability_ci95: tuple[float, float]
    unavailability: float
    unavailability_ci95_halfwidth: float
    relative_precision: float
    downtime_min_per_year_mean: float
    downtime_min_per_year_ci95: tuple[float, float]
    downtime_min_per_year_std: float
    downtime_min_per_year_p50: float
    downtime_min_per_year_p90: float
    downtime_min_per_year_p99: float
    outages_per_year_mean: float
    outages_per_year_ci95: tuple[float, float]
    outage_duration_h_mean: float
    outage_duration_h_p50: float
    outage_duration_h_p90: float
    outage_duration_h_p99: float
    outages_observed: int
    objective_availability: float | None
    probability_meeting_objective: float | None
    element_events_per_run: float
    control_variate: bool
    variance_reduction_factor: float
    failover_model: str = "none"
    notes: tuple[str, ...] = ()
    per_run: Any = field(default=None, repr=False, compare=False)
    attribution: Any = field(default=None, repr=False, compare=False)
    durations_h: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    # Downtime of each tenant-year (run × home region), minutes per year: the spread figures' population.
    tenant_downtime_min_per_year: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False,
                                                     compare=False)

    def as_dict(self) -> dict[str, Any]:
        """Scalar figures as a JSON-ready dict (intervals split into ``_low`` / ``_high``)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key in ("per_run", "attribution", "durations_h", "tenant_downtime_min_per_year"):
                continue
            if key == "notes":
                out[key] = list(value)
            elif isinstance(value, tuple):
                out[f"{key}_low"], out[f"{key}_high"] = (float(v) for v in value)
            else:
                out[key] = value.item() if isinstance(value, np.generic) else value
        return out

    def runs_frame(self) -> Any:
        """One row per run: downtime (hours, minutes per year), availability, outages."""
        return self.per_run

    def attribution_frame(self) -> Any:
        """Downtime charged to each element (rule in the module docstring), largest first."""
        return self.attribution


def _interval(values: np.ndarray) -> tuple[float, float]:
    """Mean and 95 % t half-width of independent values."""
    n = len(values)
    mean = float(values.mean())
    if n < 2:
        return mean, math.inf
    return mean, float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))


def _controlled_interval(y: np.ndarray, c: np.ndarray, mu: float
                         ) -> tuple[float, float, float, str | None]:
    """Control-variate mean ``ȳ − β̂ (c̄ − μ)``, its 95 % half-width and variance ratio.

    ``β̂ = cov(y, c) / var(c)``; the half-width uses the residual standard deviation with
    ``n − 2`` degrees of freedom. The last value is ``None``, or why the plain mean was used
    instead (fewer than 3 runs, or no variation in ``c``).
    """
    n = len(y)
    if n < 3 or not np.any(c != c[0]):
        mean, half = _interval(y)
        why = "fewer than 3 runs" if n < 3 else "it did not vary over the runs"
        return mean, half, 1.0, f"control variate not used: {why}; plain mean"
    c_centred = c - c.mean()
    beta = float(np.dot(c_centred, y - y.mean()) / np.dot(c_centred, c_centred))
    residual = y - beta * c_centred
    mean = float(y.mean() - beta * (c.mean() - mu))
    spread = math.sqrt(float(np.sum((residual - residual.mean()) ** 2)) / (n - 2))
    plain = float(y.std(ddof=1))
    factor = (plain / spread) ** 2 if spread > 0 else math.inf
    return mean, float(stats.t.ppf(0.975, n - 2) * spread / math.sqrt(n)), factor, None


def _percentiles(values: np.ndarray) -> list[float]:
    if values.size == 0:
        return [math.nan] * 3
    return [float(v) for v in np.percentile(values, [50, 90, 99])]


@dataclass
class _Totals:
    """The blocks simulated so far, in block order (every figure is reduced in that order, so
    it does not depend on how the blocks were grouped into batches)."""

    batches: list[_Batch] = field(default_factory=list)   # one per block
    runs: int = 0
    nbytes: int = 0     # stored per-run figures and outage durations

    def add(self, batch: _Batch) -> None:
        self.batches.append(batch)
        self.runs += len(batch.downtime_h)
        self.nbytes += batch.downtime_h.nbytes + batch.outages.nbytes + batch.durations_h.nbytes \
            + batch.control_h.nbytes

    @property
    def blocks(self) -> int:
        return len(self.batches)

    def downtime_h(self) -> np.ndarray:
        return np.concatenate([b.downtime_h for b in self.batches])

    def unavailability(self, plan: _Plan, horizon: float) -> tuple[float, float, float, str | None]:
        """Mean unavailability, 95 % half-width, variance-reduction factor, and why the control
        variate was not used (``None`` when it was, or when it was not asked for)."""
        y = self.downtime_h().mean(axis=1) / horizon
        if not plan.weights:
            return (*_interval(y), 1.0, None)
        c = np.concatenate([b.control_h for b in self.batches]) / horizon
        mu = sum(w * e.count * (1.0 - e.availability) for w, e in zip(plan.weights, plan.elements))
        return _controlled_interval(y, c, mu)

    def relative_halfwidth(self, plan: _Plan, horizon: float) -> float:
        mean, half, _, _ = self.unavailability(plan, horizon)
        return half / mean if mean > 0 else math.inf


def _attribution_table(plan: _Plan, totals: _Totals, runs: int, years: float) -> Any:
    import pandas as pd

    homes = len(plan.tenants)
    charged = np.sum([b.charged_h for b in totals.batches], axis=0) / homes
    started = np.sum([b.started for b in totals.batches], axis=0) / homes
    names = [e.name for e in plan.elements] + [_DOWN_AT_START]
    kinds = [e.kind for e in plan.elements] + ["-"]
    counts = [e.count for e in plan.elements] + [0]
    total = charged.sum()
    frame = pd.DataFrame({
        "element": names, "kind": kinds, "count": counts,
        "outages_started_per_year": started / (runs * years),
        "downtime_min_per_year": charged * 60.0 / (runs * years),
        "share": charged / total if total > 0 else 0.0,
    })
    frame = frame[frame["downtime_min_per_year"] > 0]
    return frame.sort_values("downtime_min_per_year", ascending=False, ignore_index=True)


def _runs_table(downtime_h: np.ndarray, outages: np.ndarray, horizon: float, years: float) -> Any:
    import pandas as pd

    mean_downtime = downtime_h.mean(axis=1)
    return pd.DataFrame({
        "run": np.arange(len(mean_downtime)),
        "downtime_h": mean_downtime,
        "downtime_min_per_year": mean_downtime * 60.0 / years,
        "availability": 1.0 - mean_downtime / horizon,
        "outages": outages.mean(axis=1),
    })


def _result(plan: _Plan, totals: _Totals, *, years: float, seed: int, seconds: float, batches: int,
            block_runs: int, stopped_by: str, notes: tuple[str, ...] = ()) -> SimulationResult:
    horizon = years * plan.year_hours
    downtime = totals.downtime_h()
    outages = np.concatenate([b.outages for b in totals.batches])
    durations = np.concatenate([b.durations_h for b in totals.batches])
    runs = len(downtime)
    u, u_half, factor, dropped = totals.unavailability(plan, horizon)
    controlled = bool(plan.weights) and dropped is None
    notes = plan.notes + ((dropped,) if dropped else ()) + notes
    per_year = plan.year_hours * 60.0
    rate, rate_half = _interval(outages.mean(axis=1) / years)
    # Tenant-years: one value per (run, home region) pair, for every spread figure.
    pooled_min = (downtime / years * 60.0).ravel()
    meets = None
    if plan.objective is not None:
        meets = float(np.mean(1.0 - downtime.ravel() / horizon >= plan.objective))
    p50, p90, p99 = _percentiles(pooled_min)
    d50, d90, d99 = _percentiles(durations)
    return SimulationResult(
        name=plan.name, form=plan.form, runs=runs, years=years, seed=seed, batches=batches,
        blocks=totals.blocks, block_runs=block_runs, seconds=seconds, stopped_by=stopped_by,
        availability=1.0 - u, availability_ci95=(1.0 - u - u_half, 1.0 - u + u_half),
        unavailability=u, unavailability_ci95_halfwidth=u_half,
        relative_precision=u_half / u if u > 0 else math.inf,
        downtime_min_per_year_mean=u * per_year,
        downtime_min_per_year_ci95=((u - u_half) * per_year, (u + u_half) * per_year),
        downtime_min_per_year_std=float(pooled_min.std(ddof=1)) if pooled_min.size > 1 else math.nan,
        downtime_min_per_year_p50=p50, downtime_min_per_year_p90=p90, downtime_min_per_year_p99=p99,
        outages_per_year_mean=rate, outages_per_year_ci95=(rate - rate_half, rate + rate_half),
        outage_duration_h_mean=float(durations.mean()) if durations.size else math.nan,
        outage_duration_h_p50=d50, outage_duration_h_p90=d90, outage_duration_h_p99=d99,
        outages_observed=int(durations.size),
        objective_availability=plan.objective, probability_meeting_objective=meets,
        element_events_per_run=sum(b.events for b in totals.batches) / runs,
        control_variate=controlled, variance_reduction_factor=factor,
        failover_model=plan.failover_model, notes=notes,
        per_run=_runs_table(downtime, outages, horizon, years), tenant_downtime_min_per_year=pooled_min,
        attribution=_attribution_table(plan, totals, runs, years),
        durations_h=durations,
    )


# --- driver ---------------------------------------------------------------------------------

def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _is_integer(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_arguments(years: float, runs: int, seed: int, precision: float | None,
                     max_seconds: float | None, workers: int, objective: float | None = None) -> None:
    if not (_is_number(years) and 0 < years <= MAX_YEARS):
        raise SpecError("years", years, f"a number of years more than 0, at most {MAX_YEARS:g}")
    if not (_is_integer(runs) and 2 <= runs <= MAX_RUNS):
        raise SpecError("runs", runs, f"an integer number of runs, at least 2, at most {MAX_RUNS:,}")
    if not (_is_integer(seed) and seed >= 0):
        raise SpecError("seed", seed, "a non-negative integer seed")
    if precision is not None and not (_is_number(precision) and 0.0 < precision < 1.0):
        raise SpecError("precision", precision, "a relative precision strictly between 0 and 1 (e.g. 0.01)")
    if max_seconds is not None and not (_is_number(max_seconds) and max_seconds > 0):
        raise SpecError("max_seconds", max_seconds, "a time budget in seconds, more than 0")
    if not (_is_integer(workers) and 1 <= workers <= MAX_WORKERS):
        raise SpecError("workers", workers, f"a number of worker processes, 1 to {MAX_WORKERS}")
    if objective is not None and not (_is_number(objective) and 0.0 < objective < 1.0):
        raise SpecError("objective", objective, "an availability objective strictly between 0 and 1 (e.g. 0.999)")


class _OutOfTime(BaseException):
    """The time budget ran out inside a block (a BaseException: no ``except Exception`` in
    numpy or scipy swallows it)."""


@contextlib.contextmanager
def _deadline(at: float | None) -> Iterator[None]:
    """Raise :class:`_OutOfTime` in this block of code at ``time.monotonic() == at``.

    A one-shot ``SIGALRM`` timer, so that a block stuck in one long sampling call still stops
    on time. Only in a main thread (where signals are delivered) and when no other real-time
    timer is running; elsewhere the budget is checked between batches only.
    """
    if at is None or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer") or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return
    armed = [True]

    def expire(signum: int, frame: Any) -> None:
        if armed[0]:
            raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        left = at - time.monotonic()
        if left <= 0:
            raise _OutOfTime
        signal.setitimer(signal.ITIMER_REAL, left)
        yield
    finally:
        try:
            armed[0] = False          # an alarm from here on is ignored
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def _run_blocks(plan: _Plan, sizes: Sequence[int], seeds: Sequence[np.random.SeedSequence], horizon: float,
                deadline: float | None) -> tuple[list[_Batch], float, bool]:
    """One batch: the blocks in order, the seconds they took, and whether the deadline cut it short
    (then only the blocks completed before it are returned)."""
    started = time.monotonic()
    blocks: list[_Batch] = []
    try:
        with _deadline(deadline):
            for n, seed in zip(sizes, seeds):
                blocks.append(_run_batch(plan, n, horizon, seed))
    except _OutOfTime:
        return blocks, time.monotonic() - started, True
    return blocks, time.monotonic() - started, False


class _Pacer:
    """Blocks per batch, from the measured seconds per block.

    The first batches (one per worker, before anything is measured) are one block each: the
    pilot. Then a batch takes about :data:`BATCH_SECONDS`, and at most :data:`BUDGET_FRACTION`
    of the time left before the deadline, so the budget is overrun by at most a small batch
    even where the hard deadline (:func:`_deadline`) is not available.
    """

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.blocks = 0
        self.seconds = 0.0

    def record(self, blocks: int, seconds: float) -> None:
        self.blocks += blocks
        self.seconds += seconds

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def batch_blocks(self) -> int:
        if not self.blocks:
            return 1
        per_block = max(self.seconds / self.blocks, 1e-6)
        target = BATCH_SECONDS
        if self.deadline is not None:
            target = min(target, BUDGET_FRACTION * (self.deadline - time.monotonic()))
        return max(1, int(target / per_block))


class _Blocks:
    """The blocks of a simulation in block order, computed here or by worker processes.

    Block ``i`` has ``block_runs`` runs (the last one what is left of ``runs``) and draws every
    random number from the ``i``-th child of ``SeedSequence(seed)``, whatever batch it is
    computed in; so the figures depend on the seed and the number of blocks, never on the
    timing, the batch sizes or the number of workers. Iteration ends early (``out_of_time``)
    when the deadline passes; the blocks yielded are then always a prefix.
    """

    def __init__(self, plan: _Plan, horizon: float, runs: int, block_runs: int, seed: int, workers: int,
                 pacer: _Pacer) -> None:
        self.plan, self.horizon, self.runs, self.block_runs = plan, horizon, runs, block_runs
        self.workers, self.pacer = workers, pacer
        self.root = np.random.SeedSequence(seed)
        self.total = -(-runs // block_runs)
        self.taken = 0
        self.batches = 0
        self.out_of_time = False

    def _take(self) -> tuple[tuple[int, ...], list[np.random.SeedSequence]]:
        first = self.taken
        count = min(self.pacer.batch_blocks(), self.total - first)
        sizes = tuple(min(self.block_runs, self.runs - i * self.block_runs) for i in range(first, first + count))
        self.taken += count
        self.batches += 1
        # spawn(k) goes on where the previous spawn stopped: block i always gets child i.
        return sizes, self.root.spawn(count)

    def _more(self) -> bool:
        if self.taken >= self.total:
            return False
        if self.pacer.expired():
            self.out_of_time = True
            return False
        return True

    def _finished(self, done: tuple[list[_Batch], float, bool]) -> list[_Batch]:
        blocks, seconds, cut = done
        self.pacer.record(len(blocks), seconds)
        self.out_of_time = self.out_of_time or cut
        return blocks

    def __iter__(self) -> Iterator[_Batch]:
        if self.workers == 1:
            while not self.out_of_time and self._more():
                sizes, seeds = self._take()
                yield from self._finished(_run_blocks(self.plan, sizes, seeds, self.horizon, self.pacer.deadline))
            return
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            pending: deque[Future[tuple[list[_Batch], float, bool]]] = deque()
            try:
                while not self.out_of_time:
                    while len(pending) < 2 * self.workers and self._more():
                        sizes, seeds = self._take()
                        pending.append(pool.submit(_run_blocks, self.plan, sizes, seeds, self.horizon,
                                                   self.pacer.deadline))
                    if not pending:
                        return
                    yield from self._finished(pending.popleft().result())
            finally:
                for future in pending:
                    future.cancel()


class _Checkpoints:
    """When the precision rule is tested: at fixed block counts (so the stop never depends on
    the timing), from the first with :data:`_MIN_RUNS_FOR_PRECISION` runs, then every 10 % more
    blocks (the test costs a pass over all runs)."""

    def __init__(self) -> None:
        self.next = 0

    def due(self, totals: _Totals) -> bool:
        if totals.runs < _MIN_RUNS_FOR_PRECISION or totals.blocks < self.next:
            return False
        self.next = totals.blocks + max(1, totals.blocks // 10)
        return True


def _progress(total: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    show = enabled and sys.stderr.isatty()
    return tqdm(total=total, unit="run", disable=not show, leave=False)


def simulate(model: Model, *, years: float = 1.0, runs: int = 1000, seed: int = 0,
             precision: float | None = None, max_seconds: float | None = None, workers: int = 1,
             progress: bool = False, objective: float | None = None,
             control_variate: bool = True, failover_rto_h: Any = None) -> SimulationResult:
    """Time-domain Monte Carlo of a spec: availability, downtime and outage distributions.

    Parameters
    ----------
    model : Topology or BlockSystem
        A loaded spec (:func:`hadr_model.load_spec`); every element needs time laws.
    years : float
        Length of one run (one independent stationary history), in years of
        ``model.year_hours`` hours; more than 0, at most :data:`MAX_YEARS`, and short enough
        that one run has at most :data:`MAX_EVENTS_PER_RUN` expected element transitions.
    runs : int
        Number of runs, 2 to :data:`MAX_RUNS` (and few enough that their per-run results fit
        in :data:`RESULT_MEMORY_BUDGET`); with ``precision`` or ``max_seconds``, the most runs
        to simulate.
    seed : int
        Seed of the ``numpy.random.SeedSequence`` every random number comes from.
    precision : float, optional
        Stop once the 95 % confidence half-width of the unavailability (equivalently of the
        mean downtime) is at most this fraction of the estimate, e.g. ``0.01``.
    max_seconds : float, optional
        Wall-clock budget of the simulation (after the model is built): no block starts after
        it, and (in the main thread of a process, where ``SIGALRM`` can be used) a block still
        running at the deadline is abandoned, so the call returns within about ``max_seconds``
        plus the time to summarise. The result keeps the whole blocks done (``runs`` says how
        many runs; the same seed with that many runs gives the same numbers).
    workers : int
        Worker processes, 1 to :data:`MAX_WORKERS`; the results do not depend on it.
    progress : bool
        Show a tqdm progress bar (only on a terminal).
    objective : float, optional
        Availability objective, strictly between 0 and 1; default ``model.objectives.availability``.
    control_variate : bool
        Estimate the mean with the element-downtime control variate (see the module
        docstring); ``False``: the plain mean over runs.
    failover_rto_h : array of hours, Law, float, or a mapping of home region to one of those, optional
        Region form: the failover RTO. ``None`` (default): instantaneous failover, the upper
        bound. Otherwise one RTO is drawn per region loss (uniformly among the samples, from
        the law, or the fixed value; ``inf``: the failover never completes) and a tenant of a
        region that fails over is served by its failover region from ``loss + RTO`` until its
        region is repaired; outages of its region's service that are not region losses are
        not failed over (the DR-workflow model of
        :func:`hadr_model.dr.availability_with_failover`; samples e.g. from
        :func:`hadr_model.dr.region_loss_rto_samples`). Ignored in block form.

    Returns
    -------
    SimulationResult

    Raises
    ------
    SpecError
        An element with a fixed availability and no time laws, a bad or too large argument, or a
        ``max_seconds`` budget that ends before the first block is done.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"k_of_n": {"k": 2, "of": [
    ...     {"component": {"name": "db", "mttf": "1000h", "mttr": "10h", "count": 3}}]}}}
    >>> result = simulate(load_spec(spec), years=10, runs=200, seed=1)
    >>> result.runs, bool(result.availability_ci95[0] < result.availability < 1.0)
    (200, True)
    """
    _check_arguments(years, runs, seed, precision, max_seconds, workers, objective)
    plan = _plan(model, objective, control_variate, _check_rto(failover_rto_h),
                 check=lambda plan: _check_size(plan, int(runs), float(years) * plan.year_hours, int(workers)))
    horizon = float(years) * plan.year_hours
    block_runs = _block_runs(plan, horizon)
    started = time.monotonic()
    pacer = _Pacer(None if max_seconds is None else started + float(max_seconds))
    blocks = _Blocks(plan, horizon, int(runs), block_runs, int(seed), int(workers), pacer)
    totals, stopped_by, notes = _Totals(), "runs", ()
    checkpoints = _Checkpoints()
    with _progress(runs, progress) as bar, contextlib.closing(iter(blocks)) as stream:
        for block in stream:
            totals.add(block)
            bar.update(len(block.downtime_h))
            if totals.runs < runs and totals.nbytes > RESULT_MEMORY_BUDGET:
                stopped_by = "memory"
                notes = (f"stopped after {totals.runs} runs: the stored results (mostly outage durations) "
                         f"reached the {RESULT_MEMORY_BUDGET / 2**30:g} GiB budget",)
                break
            if precision is not None and checkpoints.due(totals) \
                    and totals.relative_halfwidth(plan, horizon) <= precision:
                stopped_by = "precision"
                break
    if blocks.out_of_time and stopped_by == "runs" and totals.runs < runs:
        stopped_by = "max_seconds"
    if not totals.blocks:
        raise SpecError("max_seconds", max_seconds,
                        f"a time budget long enough for one block of {block_runs} run(s) of {float(years):g} "
                        f"year(s): none was done in {max_seconds:g} s (allow more seconds, or fewer years)")
    return _result(plan, totals, years=float(years), seed=int(seed), seconds=time.monotonic() - started,
                   batches=blocks.batches, block_runs=block_runs, stopped_by=stopped_by, notes=notes)
