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
most :data:`BUDGET_FRACTION` of the time left of ``max_seconds``, with results of at most about
:data:`BATCH_BYTES`; timing decides only how many blocks run. With ``precision``, the 95 %
half-width is tested after every block from :data:`PRECISION_MIN_RUNS` runs on (never inside
a block; blocks not yet started are not run) until it is at most ``precision · Û``. With
``max_seconds`` no block starts after the deadline and a block running at the deadline is abandoned (``SIGALRM``, in a
main thread), so a slow law cannot hold the simulation in one long batch.

Sizes are bounded before anything is allocated: at most :data:`MAX_YEARS` years per run,
:data:`MAX_RUNS` runs and :data:`MAX_WORKERS` workers; one run (never split across blocks) at
most :data:`MAX_EVENTS_PER_RUN` expected element transitions; the blocks being simulated at
once (one per worker) within :data:`WORK_MEMORY_BUDGET`.

Bounded memory
--------------
Each block is folded into the totals as it arrives, in block order, and then dropped, so the
memory of the results does not grow with the runs beyond a fixed cap (about 40 MB, plus the
``per_run`` table of the runs kept):

* means, standard deviations, confidence intervals, the control-variate regression, the
  probability of meeting the objective, outage counts and the attribution are running sums
  (counts, means and centred cross-products merged block by block, Chan et al. 1979): exact
  whatever the number of runs;
* the per-run figures of the first :data:`KEPT_VALUES` tenant-years (``per_run``,
  ``tenant_downtime_min_per_year``: whole runs, in block order — a random sample, the runs
  being independent) and the first :data:`KEPT_VALUES` complete outage durations
  (``durations_h``) are kept exactly. While every value is kept, the percentiles are
  ``numpy.percentile`` of them; beyond, they come from a histogram of *all* the values with
  log-spaced bins (:class:`_LogHistogram`: bins of relative width at most ``2**-10``), and
  each percentile is within :data:`QUANTILE_RELATIVE_ERROR` (``2**-11`` ≈ 0.049 %) of the
  exact one, plus ``2**-40`` absolute (values below that share the zero bin). The result's
  ``notes`` say when this applies;
* once the durations kept are complete, worker processes and cluster workers send a batch's
  outage durations as counts by histogram bin (a few kB instead of up to :data:`BATCH_BYTES`),
  with the same figures to the bit.

Clusters
--------
``simulate(..., client=distributed.Client(...))`` or ``scheduler="tcp://host:8786"`` hands the
batches of blocks to a Dask cluster instead of local processes (the plan is sent to the workers
once, ``Client.scatter``); results are gathered and folded in block order, so the same seed
gives the same numbers on one process, a process pool or a cluster. Workers need the same
``hadr_model`` and ``numpy`` versions as the caller (checked when connecting).
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.random  # numpy loads it lazily: with this module, not inside the first timed run (~5 ms)

from ..errors import HadrError, SpecError
from ..topology.compiled import CompiledModel, ElementTable, Leaf, Node, Part, Served, used_rows
from ..topology.laws import Law, LengthBiasedPools, sample_alternating
from ..topology.model import Model, Topology
from ._student import t975
from .outage import expected_outage_h
from .structure import Signal, combine

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["BATCH_BYTES", "BATCH_SECONDS", "BLOCK_EVENTS_MIN", "BLOCK_EVENTS_PER_PART", "BLOCK_RUNS_MAX",
           "BUDGET_FRACTION", "EVENTS_PER_BATCH", "KEPT_VALUES", "MAX_EVENTS_PER_RUN", "MAX_RUNS", "MAX_WORKERS",
           "MAX_YEARS", "QUANTILE_RELATIVE_ERROR", "WORK_MEMORY_BUDGET", "SimulationResult", "simulate"]

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
# Per-run values kept exactly (tenant-years of the runs table; complete outage durations), each
# 8 bytes: beyond them the percentiles come from a log-binned histogram (see "Bounded memory").
KEPT_VALUES = 1_000_000
QUANTILE_RELATIVE_ERROR = 2.0 ** -11
# The blocks being simulated at once (one per worker) at about _EVENT_BYTES per transition.
WORK_MEMORY_BUDGET = 2 * 2**30
_EVENT_BYTES = 45
_LEAF_CHUNK_EVENTS = 1 << 19   # event times per chunk of the one-element path (4 MB: cache-sized)
_DOWN_AT_START = "(down at start)"
# SimulationResult fields that are arrays or tables, not figures: left out of as_dict.
_TABLE_FIELDS = frozenset({"runs_columns", "attribution_columns", "durations_h", "tenant_downtime_min_per_year"})


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
    teams: tuple[Any, ...] = ()       # repair teams over the elements (hadr_model.engines.crews)


def _dense(parts: Sequence[Part], table: ElementTable
           ) -> tuple[tuple[Part, ...], tuple[_Element, ...], tuple[int, ...]]:
    """The parts with leaves renumbered densely over the elements they use (table order kept).

    Shared parts stay shared (a zone or a region service reached from several places is one
    process, simulated once), so the conversion is memoised on the part.
    """
    rows = used_rows(parts)
    dense = {row: i for i, row in enumerate(rows)}
    elements = []
    for row in rows:
        failure, repair = table.time_laws(row, "Monte Carlo")
        elements.append(_Element(table.names[row], table.kinds[row], int(table.counts[row]), failure, repair))
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
    return _with_teams(model, plan)


def _with_teams(model: Model, plan: _Plan) -> _Plan:
    """Repair teams simulated jointly (:mod:`~hadr_model.engines.crews`); the control variate
    keeps only elements repaired on their own (its mean ``T n q`` needs independent repair)."""
    compiled = model.compiled
    if not compiled.teams and not getattr(compiled, "standby", ()):
        return plan     # nothing to simulate jointly (and no import: a small model's run takes milliseconds)
    from .crews import dense_teams

    teams = dense_teams(compiled, plan.rows)
    if not teams:
        return plan
    shared = {e for team in teams for e in team.elements}
    weights = tuple(0.0 if i in shared else w for i, w in enumerate(plan.weights))
    return replace(plan, teams=teams, weights=weights if any(weights) else ())


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
             pools: _Pools | None = None, all_up: bool = False
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Stationary start: up at 0, first failure time (0 when down), residual repair, its age.

    ``all_up``: every copy new at 0 instead (the start of a mission): up, its first failure a
    fresh draw of the failure law (not the equilibrium law), nothing to repair.
    """
    if all_up:
        return (np.ones(copies, bool), element.failure.sample(rng, copies), np.zeros(copies),
                np.zeros(copies) if with_age else None)
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
        assert residual is not None, "copies down at the start come with their residual repair"
        phases[1, down] = residual[down]
    if by_rows:
        np.cumsum(block, axis=1, out=block)
    else:
        for k in range(1, len(block)):
            np.add(block[k], block[k - 1], out=block[k])
    return block


def _history(element: _Element, rng: np.random.Generator, copies: int, horizon: float,
             with_age: bool = False, pools: _Pools | None = None, all_up: bool = False
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Failure, repair, failure, … times of stationary copies, one row each, covering the horizon.

    Returns ``(up, times, age)``: ``up`` at 0; ``times`` increasing along each row, the last
    one at or after ``horizon`` (``inf`` padding), and a copy down at 0 has its first failure at
    0 (not an event: it is down at start); ``age`` of that initial repair (``with_age``).
    """
    up, start, residual, age = _initial(element, rng, copies, with_age, pools, all_up)
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
                    rng: np.random.Generator, with_age: bool = False, pools: _Pools | None = None,
                    all_up: bool = False) -> tuple[Signal, _History]:
    """Down count of the element's copies over ``[0, horizon)`` for ``runs`` runs, and the history
    (``all_up``: every copy new at 0, see :func:`_initial`)."""
    history = _history(element, rng, runs * element.count, horizon, with_age, pools, all_up)
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
    assert age is not None, "a region that fails over has its history kept with ages (aged)"
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
    # Set by _compact (durations_h is then empty): the count and sum of the block's durations,
    # and, on the last block of a batch, the whole batch's durations as (bin, count) pairs.
    durations_n: int = -1
    durations_sum: float = 0.0
    duration_bins: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def nbytes(self) -> int:
        bins = self.duration_bins or ()
        return sum(a.nbytes for a in (self.downtime_h, self.outages, self.durations_h, self.charged_h,
                                      self.started, self.control_h, *bins))


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
    leaf = plan.tenants[0]
    assert isinstance(leaf, Leaf), "a one-element system's tenant is its leaf"
    index = leaf.element
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
    if len(plan.tenants) == 1 and isinstance(plan.tenants[0], Leaf) and not plan.teams:
        return _leaf_batch(plan, runs, horizon, rng, pools)
    events = [0]
    control = np.zeros(runs)
    aged = _served_regions(plan)
    histories: dict[int, _History] = {}
    team: dict[int, Signal] = {}
    team_histories: dict[int, tuple] = {}
    if plan.teams:   # elements sharing crews: one joint simulation per team (none: no import, no draw)
        from .crews import team_signals

        team, team_histories = team_signals(plan.teams, plan.elements, runs, horizon, rng, pools, aged)
    cache: dict[int, Signal] = {}

    def basic(part: Leaf | Served) -> Signal:
        if isinstance(part, Served):
            _evaluate(part.region, basic, cache, runs)
            index = part.region.element
            rto = _rto_of(plan.failover_rto, part.home)
            return _served_signal(histories[index], index, rto, rng, horizon)
        index = part.element
        if index in team:
            signal, history = team[index], team_histories.get(index)
        else:
            signal, history = _element_signal(plan.elements[index], index, runs, horizon, rng, index in aged, pools)
        if index in aged:
            assert history is not None, "an aged element has its history kept"
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
    if plan.teams:      # a team's simulation steps all runs of a block at once: large blocks pay
        events = EVENTS_PER_BATCH
    return int(min(BLOCK_RUNS_MAX, max(1, events // max(_events_per_run(plan, horizon), 1.0))))


def _check_size(plan: _Plan, horizon: float, workers: int = 1) -> None:
    """Refuse a simulation that cannot fit in memory (one run, the blocks simulated at once by
    the workers), from the model's expected sizes, before any allocation. (The results do not
    grow with the runs: see "Bounded memory" in the module docstring.)"""
    per_run = _events_per_run(plan, horizon)
    if not per_run <= MAX_EVENTS_PER_RUN:
        raise SpecError("years", horizon / plan.year_hours,
                        f"runs short enough to fit in memory: one run would have about {per_run:.3g} "
                        f"element transitions, at most {MAX_EVENTS_PER_RUN:,} (fewer years per run)")
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
    :meth:`attribution_frame`), built on first use (importing pandas takes longer than a small
    model's whole simulation); :meth:`as_dict` gives the JSON-ready scalar figures and
    :meth:`attribution_records` the attribution rows, neither with pandas.

    The ``downtime_min_per_year_*`` spread figures (``_std``, ``_p50``, ``_p90``, ``_p99``) and
    ``probability_meeting_objective`` describe one population: tenant-years, i.e. the yearly
    downtime of a (run, home region) pair — a tenant with a uniformly drawn home. The mean and
    its ``_ci95`` come from the run-level values (averaged over the home regions, the
    independent replicates). ``control_variate`` tells whether the control variate was
    actually used; ``notes`` says why an estimator was dropped or a run stopped early.

    ``blocks`` of ``block_runs`` runs (the last one may be shorter) are the unit of randomness:
    the figures depend only on the seed and the number of blocks, not on the processes or the
    Dask cluster that computed them. ``batches`` (groups of blocks handed to a process or a
    cluster worker, sized from the measured time) and ``seconds`` depend on the machine.

    Memory does not grow with the runs (see "Bounded memory" in the module docstring): the
    arrays ``per_run``, ``tenant_downtime_min_per_year`` and ``durations_h`` hold at most
    :data:`KEPT_VALUES` values each — the first ones, in block order — and beyond that the
    percentiles come from a log-binned histogram of all the values, within
    :data:`QUANTILE_RELATIVE_ERROR` of the exact ones; a note says so. Every other figure
    (means, intervals, std, counts, ``probability_meeting_objective``, ``attribution``) is
    over all the runs, exactly.
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
    # The --precision asked for (None: none) and whether the estimate reached it; when it did not
    # (the runs or the time ran out first), a note says so too: a stop rule always says why.
    precision_target: float | None = None
    precision_reached: bool | None = None
    # The columns of ``per_run`` and of ``attribution`` (rows already in their order): the
    # tables are built from them on first use.
    runs_columns: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    attribution_columns: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    # Complete outage durations, hours: all of them, or the first KEPT_VALUES (see the notes).
    durations_h: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False, compare=False)
    # Downtime of each tenant-year (run × home region), minutes per year: the spread figures'
    # population; those of the runs in ``per_run`` (all runs, or the first KEPT_VALUES values).
    tenant_downtime_min_per_year: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False,
                                                     compare=False)

    def as_dict(self) -> dict[str, Any]:
        """Scalar figures as a JSON-ready dict (intervals split into ``_low`` / ``_high``)."""
        out: dict[str, Any] = {}
        for item in fields(self):
            key, value = item.name, getattr(self, item.name)
            # The arrays and tables are not scalars (and copying them is not free).
            if key in _TABLE_FIELDS:
                continue
            if key == "notes":
                out[key] = list(value)
            elif isinstance(value, tuple):
                out[f"{key}_low"], out[f"{key}_high"] = (float(v) for v in value)
            else:
                out[key] = value.item() if isinstance(value, np.generic) else value
        return out

    @cached_property
    def per_run(self) -> Any:
        """One row per run kept (a pandas table): see :meth:`runs_frame`."""
        import pandas as pd

        return pd.DataFrame(dict(self.runs_columns))

    @cached_property
    def attribution(self) -> Any:
        """Downtime charged to each element (a pandas table): see :meth:`attribution_frame`."""
        import pandas as pd

        return pd.DataFrame(dict(self.attribution_columns))

    def runs_frame(self) -> Any:
        """One row per run: downtime (hours, minutes per year), availability, outages."""
        return self.per_run

    def attribution_frame(self) -> Any:
        """Downtime charged to each element (rule in the module docstring), largest first."""
        return self.attribution

    def attribution_records(self, top: int | None = None) -> list[dict[str, Any]]:
        """The first ``top`` rows of :meth:`attribution_frame` (all of them: ``None``) as dicts of
        Python scalars, as ``frame.head(top).to_dict(orient="records")`` gives them, without pandas."""
        columns = self.attribution_columns
        rows = len(next(iter(columns.values()), ()))
        count = rows if top is None else max(0, min(top, rows))
        return [{name: values[i].item() if isinstance(values[i], np.generic) else values[i]
                 for name, values in columns.items()} for i in range(count)]


def _t975(dof: int) -> float:
    """Student's ``t_{0.975, dof}``: ``scipy.special.stdtrit``, the inverse the scipy.stats ``t``
    law calls (the same value to the last bit), without importing scipy.stats (~1 s), and up to
    :data:`~hadr_model.engines._student.TABLE_DOF` degrees of freedom from a stored table,
    without importing scipy at all (~0.25 s: more than a small model's whole simulation)."""
    return t975(dof)


# --- streaming figures: bounded memory whatever the number of runs ---------------------------

class _Moments:
    """Count, means and centred cross-products of ``k`` per-run figures, merged chunk by chunk.

    Each chunk's means and centred sums come from its own values (two passes); they are merged
    into the totals in order (Chan, Golub & LeVeque 1979): as accurate as the two-pass formulas
    over all the values, in ``O(k²)`` memory, and the same bits for the same chunks however
    they were computed. Plain ``numpy`` sums, never BLAS (whose summation order may depend on
    the machine's threads).
    """

    def __init__(self, k: int) -> None:
        self.n = 0
        self.mean = np.zeros(k)
        self.cross = np.zeros((k, k))     # Σ (x_i - x̄_i)(x_j - x̄_j)

    def add(self, columns: Sequence[np.ndarray]) -> None:
        count = len(columns[0])
        if count == 0:
            return
        means = np.array([float(c.mean()) for c in columns])
        centred = [c - m for c, m in zip(columns, means)]
        cross = np.array([[float(np.sum(a * b)) for b in centred] for a in centred])
        total = self.n + count
        delta = means - self.mean
        self.mean = self.mean + delta * (count / total)
        self.cross = self.cross + cross + np.outer(delta, delta) * (self.n * count / total)
        self.n = total

    def copy(self) -> _Moments:
        copy = _Moments(len(self.mean))
        copy.n, copy.mean, copy.cross = self.n, self.mean, self.cross    # replaced, never changed in place
        return copy

    def interval(self, i: int) -> tuple[float, float]:
        """Mean of figure ``i`` and its 95 % t half-width (independent runs)."""
        mean = float(self.mean[i])
        if self.n < 2:
            return mean, math.inf
        return mean, _t975(self.n - 1) * math.sqrt(max(self.cross[i, i], 0.0) / (self.n - 1) / self.n)

    def std(self, i: int) -> float:
        return math.sqrt(max(self.cross[i, i], 0.0) / (self.n - 1)) if self.n > 1 else math.nan


class _LogHistogram:
    """Counts of values in log-spaced bins, for percentiles of more values than are kept.

    A bin holds the finite values whose float64 bit patterns agree in sign, exponent and the
    top :data:`_MANTISSA_BITS` mantissa bits: ``[lo, hi)`` with ``hi / lo ≤ 1 + 2**-10``, for
    magnitudes from ``2**-40`` to ``2**64`` (smaller ones share one zero bin; larger ones, which
    no figure here reaches, the top bin). A bin stands for its midpoint, within ``2**-11`` of
    every value in it, so a percentile — interpolated between two order statistics as
    ``numpy.percentile`` does — is within :data:`QUANTILE_RELATIVE_ERROR` of the exact one
    (relative, for values of one sign) plus ``2**-40`` absolute. Counts are integers: adding
    blocks in any order gives the same histogram. 1.7 MB, whatever the number of values.
    """

    def __init__(self) -> None:
        self._counts = np.zeros(2 * _BINS_PER_SIGN + 1, np.int64)
        self.pending: list[np.ndarray] = []
        self.pending_n = 0

    def add(self, values: np.ndarray) -> None:
        """Count ``values`` (buffered by :data:`_FOLD_VALUES`: a count costs a pass over the bins)."""
        if values.size:
            self.pending.append(values)
            self.pending_n += values.size
            if self.pending_n >= _FOLD_VALUES:
                self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        values = np.concatenate([np.ravel(v) for v in self.pending])
        self.pending, self.pending_n = [], 0
        self._counts += np.bincount(_bins(values), minlength=self._counts.size)

    def add_counts(self, bins: np.ndarray, counts: np.ndarray) -> None:
        """Add values already counted by bin (distinct bins, from :func:`_bin_counts`)."""
        self._counts[bins] += counts

    @property
    def nbytes(self) -> int:
        return self._counts.nbytes + sum(v.nbytes for v in self.pending)

    @property
    def counts(self) -> np.ndarray:
        """Values per bin (zero bin in the middle, negative values below it)."""
        self._flush()
        return self._counts

    @staticmethod
    def _value(bins: np.ndarray) -> np.ndarray:
        """Midpoint of each bin (0 for the zero bin)."""
        signed = bins - _BINS_PER_SIGN
        key = np.abs(signed) - 1 + _LOW_KEY
        low = (key << _SHIFT).view(np.float64)
        high = ((key + 1) << _SHIFT).view(np.float64)
        return np.where(signed == 0, 0.0, np.sign(signed) * (0.5 * low + 0.5 * high))

    def percentiles(self, q: Sequence[float]) -> list[float]:
        """Percentiles as ``numpy.percentile`` (linear interpolation between order statistics)."""
        cumulative = np.cumsum(self.counts)
        n = int(cumulative[-1])
        if n == 0:
            return [math.nan] * len(q)
        position = (n - 1) * np.asarray(q, dtype=float) / 100.0
        below = np.floor(position).astype(np.int64)
        above = np.minimum(below + 1, n - 1)
        low = self._value(np.searchsorted(cumulative, below, side="right"))
        high = self._value(np.searchsorted(cumulative, above, side="right"))
        return [float(v) for v in low + (position - below) * (high - low)]


def order_percentiles(values: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """``numpy.percentile(values, q)`` of a 1-d array, bit for bit (its default ``linear`` method).

    The order statistics on either side of position ``(n - 1) q / 100`` come from one
    ``numpy.partition``, interpolated as numpy's ``_lerp`` does (from the upper one when the
    fraction is ½ or more). numpy's own function would import ``numpy.ma`` on first use
    (~6 ms, through ``numpy.unique``), a tenth of a small model's whole ``hadr simulate``.

    Examples
    --------
    >>> values = np.array([4.0, 1.0, 3.0, 2.0])
    >>> order_percentiles(values, [50.0, 90.0]).tolist() == np.percentile(values, [50.0, 90.0]).tolist()
    True
    """
    position = (values.size - 1) * (np.asarray(q, dtype=float) / 100.0)
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, values.size - 1)
    ordered = np.partition(values, np.concatenate([below, above]))
    low, high = ordered[below], ordered[above]
    fraction = position - below
    step = high - low
    return np.where(fraction >= 0.5, high - step * (1.0 - fraction), low + step * fraction)


_MANTISSA_BITS = 10
_MAGNITUDE = np.int64(0x7FFF_FFFF_FFFF_FFFF)                # all bits but the sign
_SHIFT = 52 - _MANTISSA_BITS
_LOW_KEY = (1023 - 40) << _MANTISSA_BITS                  # 2**-40, the smallest binned magnitude
_BINS_PER_SIGN = (64 + 40) << _MANTISSA_BITS              # up to 2**64
_QUANTILES = (50.0, 90.0, 99.0)


def _bins(values: np.ndarray) -> np.ndarray:
    """The :class:`_LogHistogram` bin of each value."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    offset = bits & _MAGNITUDE            # |value|: its bits increase with it
    offset >>= _SHIFT
    offset -= _LOW_KEY - 1                # 1 for the first bin
    np.clip(offset, 0, _BINS_PER_SIGN, out=offset)         # 0: the zero bin
    negative = bits < 0
    if negative.any():
        offset[negative] *= -1
    offset += _BINS_PER_SIGN
    return offset


def _bin_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``values`` as (bin, count) pairs over the bins they occupy (a few thousand at most, where
    the values themselves may be millions)."""
    counts = np.bincount(_bins(values), minlength=2 * _BINS_PER_SIGN + 1)
    bins = np.flatnonzero(counts)
    return bins, counts[bins]
# Per-run values are folded into the moments, and values into a histogram, by chunks of this
# many (a fixed cost per fold, whatever the block size: blocks can be as small as one run).
_FOLD_VALUES = 1 << 16


class _Values:
    """The values of one figure: the first ``cap`` kept exactly, and once there are more, all
    of them (those kept included) counted in a :class:`_LogHistogram` as well."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[np.ndarray] = []
        self.kept = 0
        self.count = 0
        self.histogram: _LogHistogram | None = None

    def add(self, values: np.ndarray) -> None:
        room = self.cap - self.kept
        if room > 0 and values.size:
            # A copy when cut: a view would keep the whole block alive.
            part = values if values.size <= room else values[:room].copy()
            self.parts.append(part)
            self.kept += part.size
        self.count += values.size
        if self.histogram is not None:
            self.histogram.add(values)
        elif self.count > self.cap:
            self.histogram = _LogHistogram()
            for part in self.parts:
                self.histogram.add(part)
            self.histogram.add(values[max(room, 0):])

    def add_counted(self, count: int, bins: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Values counted by bin elsewhere (:func:`_compact`): only past the cap, where no value
        is kept; ``bins`` may come with a later block of the same batch."""
        if self.kept < self.cap:
            raise HadrError("internal error: outage durations binned before the cap of values kept was reached")
        self.count += count
        if self.histogram is None and self.count > self.cap:
            self.histogram = _LogHistogram()
            for part in self.parts:
                self.histogram.add(part)
        if bins is not None and bins[0].size:     # then count > cap: the histogram exists
            assert self.histogram is not None, "values binned past the cap: the histogram exists"
            self.histogram.add_counts(*bins)

    @property
    def exact(self) -> bool:
        return self.histogram is None

    def values(self) -> np.ndarray:
        if len(self.parts) != 1:
            self.parts = [np.concatenate(self.parts) if self.parts else np.empty(0)]
        return self.parts[0]

    @property
    def nbytes(self) -> int:
        return sum(p.nbytes for p in self.parts) + (self.histogram.nbytes if self.histogram else 0)

    def percentiles(self) -> list[float]:
        if self.histogram is not None:
            return self.histogram.percentiles(_QUANTILES)
        values = self.values()
        if values.size == 0:
            return [math.nan] * len(_QUANTILES)
        return [float(v) for v in order_percentiles(values, _QUANTILES)]


class _Totals:
    """The blocks simulated so far, folded in block order as they arrive and then dropped.

    Every figure is a running sum or count (:class:`_Moments`, exact), or comes from the
    values kept (the first :data:`KEPT_VALUES`) and a :class:`_LogHistogram` of all of them
    (see "Bounded memory" in the module docstring), so the memory does not grow with the
    runs, and the figures do not depend on how the blocks were grouped into batches.
    """

    def __init__(self, plan: _Plan, horizon: float, years: float) -> None:
        self.horizon, self.years, self.objective = horizon, years, plan.objective
        self.pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.pending_runs = 0
        homes = len(plan.tenants)
        self.blocks = self.runs = self.events = self.meets = 0
        # per run: unavailability y, control c (divided by the horizon), outages per year
        self.run_moments = _Moments(3)
        self.first_control: float | None = None
        self.control_varies = False
        self.tenant_moments = _Moments(1)        # downtime minutes per year of a tenant-year
        self.kept_runs = max(1, KEPT_VALUES // homes)
        self.tenant_minutes = _Values(self.kept_runs * homes)
        self.kept_downtime: list[np.ndarray] = []
        self.kept_outages: list[np.ndarray] = []
        self.durations = _Values(KEPT_VALUES)
        self.duration_sum = 0.0
        self.charged = np.zeros(len(plan.elements) + 1)
        self.started = np.zeros(len(plan.elements) + 1, np.int64)

    def add(self, batch: _Batch) -> None:
        """Fold in the next block (in block order). Its per-run figures wait for a chunk of
        :data:`_FOLD_VALUES` runs (boundaries fixed by the block sizes alone), then are folded
        together: a fixed cost per chunk, not per block (blocks can be a few runs)."""
        downtime, outages = batch.downtime_h, batch.outages
        room = self.kept_runs - self.runs
        if room > 0:
            # A copy when cut: a view would keep the whole block alive.
            cut = len(downtime) > room
            self.kept_downtime.append(downtime[:room].copy() if cut else downtime)
            self.kept_outages.append(outages[:room].copy() if cut else outages)
        if batch.durations_n < 0:
            self.durations.add(batch.durations_h)
            self.duration_sum += float(batch.durations_h.sum())
        else:
            self.durations.add_counted(batch.durations_n, batch.duration_bins)
            self.duration_sum += batch.durations_sum
        self.charged = self.charged + batch.charged_h
        self.started = self.started + batch.started
        self.events += batch.events
        self.runs += len(downtime)
        self.blocks += 1
        self.pending.append((downtime, outages, batch.control_h))
        self.pending_runs += len(downtime)
        if self.pending_runs >= _FOLD_VALUES:
            self._fold()

    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Downtime (runs × homes) of the blocks waiting, and per run: unavailability ``y``,
        control ``c`` (both divided by the horizon), outages per year."""
        downtime = np.concatenate([p[0] for p in self.pending])
        outages = np.concatenate([p[1] for p in self.pending])
        control = np.concatenate([p[2] for p in self.pending])
        return (downtime, downtime.mean(axis=1) / self.horizon, control / self.horizon,
                outages.mean(axis=1) / self.years)

    def _varies(self, c: np.ndarray) -> bool:
        if not len(c):
            return self.control_varies
        first = float(c[0]) if self.first_control is None else self.first_control
        return self.control_varies or bool(np.any(c != first))

    def _fold(self) -> None:
        if not self.pending:
            return
        downtime, y, c, rate = self._columns()
        self.pending, self.pending_runs = [], 0
        self.run_moments.add([y, c, rate])
        self.control_varies = self._varies(c)
        if self.first_control is None and len(c):
            self.first_control = float(c[0])
        minutes = (downtime / self.years * 60.0).ravel()
        self.tenant_moments.add([minutes])
        self.tenant_minutes.add(minutes)
        if self.objective is not None:
            self.meets += int(np.count_nonzero(1.0 - downtime.ravel() / self.horizon >= self.objective))

    def finish(self) -> None:
        """Fold in the blocks still waiting (before the figures are read for the result)."""
        self._fold()

    def _run_moments_now(self) -> tuple[_Moments, bool]:
        """The per-run moments and whether the control varied, with the blocks still waiting,
        without folding them (so reading midway, e.g. for the precision rule, changes no bit)."""
        moments = self.run_moments.copy()
        if not self.pending:
            return moments, self.control_varies
        _, y, c, rate = self._columns()
        moments.add([y, c, rate])
        return moments, self._varies(c)

    @property
    def nbytes(self) -> int:
        """Bytes of the values kept, the histograms and the blocks waiting (what could grow with the runs)."""
        buffered = [a for block in self.pending for a in block]
        return sum(a.nbytes for a in (*self.kept_downtime, *self.kept_outages, *buffered)) \
            + self.tenant_minutes.nbytes + self.durations.nbytes

    def unavailability(self, plan: _Plan) -> tuple[float, float, float, str | None]:
        """Mean unavailability, 95 % half-width, variance-reduction factor, and why the control
        variate was not used (``None`` when it was, or when it was not asked for)."""
        moments, varies = self._run_moments_now()
        if not plan.weights:
            return (*moments.interval(0), 1.0, None)
        mu = sum(w * e.count * (1.0 - e.availability) for w, e in zip(plan.weights, plan.elements))
        return _controlled_interval(moments, varies, mu)

    def relative_halfwidth(self, plan: _Plan) -> float:
        mean, half, _, _ = self.unavailability(plan)
        return half / mean if mean > 0 else math.inf


def _controlled_interval(moments: _Moments, varies: bool, mu: float) -> tuple[float, float, float, str | None]:
    """Control-variate mean ``ȳ − β̂ (c̄ − μ)``, its 95 % half-width and variance ratio.

    From the running moments of ``y`` (figure 0) and ``c`` (figure 1): ``β̂ = S_yc / S_cc``; the
    half-width uses the residual sum of squares ``S_yy − β̂ S_yc`` with ``n − 2`` degrees of
    freedom. The last value is ``None``, or why the plain mean was used instead (fewer than 3
    runs, or no variation in ``c``).
    """
    n = moments.n
    if n < 3 or not varies:
        mean, half = moments.interval(0)
        why = "fewer than 3 runs" if n < 3 else "it did not vary over the runs"
        return mean, half, 1.0, f"control variate not used: {why}; plain mean"
    s = moments.cross
    if not s[1, 1] > 0:      # varied by less than rounding: as good as constant
        mean, half = moments.interval(0)
        return mean, half, 1.0, "control variate not used: it did not vary over the runs; plain mean"
    beta = float(s[0, 1] / s[1, 1])
    mean = float(moments.mean[0] - beta * (moments.mean[1] - mu))
    spread = math.sqrt(max(float(s[0, 0] - beta * s[0, 1]), 0.0) / (n - 2))
    plain = math.sqrt(max(float(s[0, 0]), 0.0) / (n - 1))
    factor = (plain / spread) ** 2 if spread > 0 else math.inf
    return mean, _t975(n - 2) * spread / math.sqrt(n), factor, None


def _descending(values: np.ndarray) -> np.ndarray:
    """Positions of ``values`` from the largest down, ties as pandas orders them.

    The permutation ``DataFrame.sort_values(column, ascending=False)`` applies (pandas'
    ``nargsort``: a quicksort of the reversed values, reversed), so that the rows are in the
    same order as when the table was sorted by pandas, ties included."""
    positions = np.arange(len(values))
    return positions[::-1][values[::-1].argsort(kind="quicksort")][::-1]


def _attribution_columns(plan: _Plan, totals: _Totals) -> dict[str, np.ndarray]:
    """The attribution table's columns: elements with downtime, the largest first."""
    homes = len(plan.tenants)
    charged = totals.charged / homes
    started = totals.started / homes
    names = np.array([e.name for e in plan.elements] + [_DOWN_AT_START], dtype=object)
    kinds = np.array([e.kind for e in plan.elements] + ["-"], dtype=object)
    counts = np.array([e.count for e in plan.elements] + [0], dtype=np.int64)
    total = charged.sum()
    run_years = totals.runs * totals.years
    columns = {
        "element": names, "kind": kinds, "count": counts,
        "outages_started_per_year": started / run_years,
        "downtime_min_per_year": charged * 60.0 / run_years,
        "share": charged / total if total > 0 else np.zeros(len(charged)),
    }
    kept = np.flatnonzero(columns["downtime_min_per_year"] > 0)
    order = kept[_descending(columns["downtime_min_per_year"][kept])]
    return {name: values[order] for name, values in columns.items()}


def _runs_columns(totals: _Totals) -> dict[str, np.ndarray]:
    downtime_h = np.concatenate(totals.kept_downtime)
    outages = np.concatenate(totals.kept_outages)
    mean_downtime = downtime_h.mean(axis=1)
    return {
        "run": np.arange(len(mean_downtime)),
        "downtime_h": mean_downtime,
        "downtime_min_per_year": mean_downtime * 60.0 / totals.years,
        "availability": 1.0 - mean_downtime / totals.horizon,
        "outages": outages.mean(axis=1),
    }


def _cap_notes(totals: _Totals) -> tuple[str, ...]:
    """Say which figures come from the histogram, and what the tables hold, when the cap applies."""
    bound = f"within {QUANTILE_RELATIVE_ERROR:.3%} of the exact values"
    notes = []
    if not totals.tenant_minutes.exact:
        notes.append(f"downtime percentiles from a log-binned histogram of all {totals.tenant_minutes.count:,} "
                     f"tenant-years ({bound}); per_run and tenant_downtime_min_per_year hold the first "
                     f"{totals.kept_runs:,} runs")
    if not totals.durations.exact:
        notes.append(f"outage-duration percentiles from a log-binned histogram of all {totals.durations.count:,} "
                     f"complete outages ({bound}); durations_h holds the first {totals.durations.cap:,}")
    return tuple(notes)


def _result(plan: _Plan, totals: _Totals, *, seed: int, seconds: float, batches: int,
            block_runs: int, stopped_by: str, notes: tuple[str, ...] = ()) -> SimulationResult:
    totals.finish()
    years, runs = totals.years, totals.runs
    u, u_half, factor, dropped = totals.unavailability(plan)
    controlled = bool(plan.weights) and dropped is None
    notes = plan.notes + ((dropped,) if dropped else ()) + notes + _cap_notes(totals)
    per_year = plan.year_hours * 60.0
    rate, rate_half = totals.run_moments.interval(2)
    meets = None if plan.objective is None else totals.meets / totals.tenant_minutes.count
    p50, p90, p99 = totals.tenant_minutes.percentiles()
    d50, d90, d99 = totals.durations.percentiles()
    outages = totals.durations.count
    return SimulationResult(
        name=plan.name, form=plan.form, runs=runs, years=years, seed=seed, batches=batches,
        blocks=totals.blocks, block_runs=block_runs, seconds=seconds, stopped_by=stopped_by,
        availability=1.0 - u, availability_ci95=(1.0 - u - u_half, 1.0 - u + u_half),
        unavailability=u, unavailability_ci95_halfwidth=u_half,
        relative_precision=u_half / u if u > 0 else math.inf,
        downtime_min_per_year_mean=u * per_year,
        downtime_min_per_year_ci95=((u - u_half) * per_year, (u + u_half) * per_year),
        downtime_min_per_year_std=totals.tenant_moments.std(0),
        downtime_min_per_year_p50=p50, downtime_min_per_year_p90=p90, downtime_min_per_year_p99=p99,
        outages_per_year_mean=rate, outages_per_year_ci95=(rate - rate_half, rate + rate_half),
        outage_duration_h_mean=totals.duration_sum / outages if outages else math.nan,
        outage_duration_h_p50=d50, outage_duration_h_p90=d90, outage_duration_h_p99=d99,
        outages_observed=outages,
        objective_availability=plan.objective, probability_meeting_objective=meets,
        element_events_per_run=totals.events / runs,
        control_variate=controlled, variance_reduction_factor=factor,
        failover_model=plan.failover_model, notes=notes,
        runs_columns=_runs_columns(totals), tenant_downtime_min_per_year=totals.tenant_minutes.values(),
        attribution_columns=_attribution_columns(plan, totals),
        durations_h=totals.durations.values(),
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
                deadline: float | None, binned: bool = False) -> tuple[list[_Batch], float, bool]:
    """One batch: the blocks in order, the seconds they took, and whether the deadline cut it short
    (then only the blocks completed before it are returned). ``binned``: the outage durations
    are sent as counts by bin (:func:`_compact`)."""
    started = time.monotonic()
    blocks: list[_Batch] = []
    cut = False
    try:
        with _deadline(deadline):
            for n, seed in zip(sizes, seeds):
                # Checked here too: where no SIGALRM can be used (a Dask worker's thread), no
                # block starts after the deadline.
                if deadline is not None and time.monotonic() >= deadline:
                    raise _OutOfTime
                blocks.append(_run_batch(plan, n, horizon, seed))
    except _OutOfTime:
        cut = True
    if binned:
        _compact(blocks)
    return blocks, time.monotonic() - started, cut


def _compact(blocks: list[_Batch]) -> None:
    """Send the blocks' outage durations as their counts and sums, and the whole batch's as
    (bin, count) pairs on its last block: what the totals need of them once the first
    :data:`KEPT_VALUES` are kept (then a worker's batch is a few kB instead of up to
    :data:`BATCH_BYTES`). The bins are the histogram's, the sums those the totals would
    compute: the figures are the same bits."""
    if not blocks:
        return
    bins = _bin_counts(np.concatenate([b.durations_h for b in blocks]))
    for block in blocks:
        block.durations_n, block.durations_sum = block.durations_h.size, float(block.durations_h.sum())
        block.durations_h = np.empty(0)
    blocks[-1].duration_bins = bins


def _run_blocks_remote(plan: _Plan, sizes: Sequence[int], seeds: Sequence[np.random.SeedSequence],
                       horizon: float, wall_deadline: float | None, binned: bool = False
                       ) -> tuple[list[_Batch], float, bool]:
    """:func:`_run_blocks` on a cluster worker: the deadline travels as wall-clock time, since the
    monotonic clocks of two machines are unrelated (the caller enforces it as well)."""
    deadline = None if wall_deadline is None else time.monotonic() + (wall_deadline - time.time())
    return _run_blocks(plan, sizes, seeds, horizon, deadline, binned)


# --- a Dask cluster -------------------------------------------------------------------------

CONNECT_SECONDS = 20.0
_PROBE_SECONDS = 5.0   # hadr_model.cluster.PROBE_SECONDS, here so that a test can shorten it


def _worker_versions() -> tuple[str, str]:
    """What must match between the caller and the workers for the same seed to give the same numbers."""
    from .. import __version__

    return str(__version__), str(np.__version__)


def _check_cluster(client: Any, scheduler: Any, workers: int) -> None:
    if client is None and scheduler is None:
        return
    if client is not None and scheduler is not None:
        raise SpecError("scheduler", scheduler, "either a Dask client or a scheduler address, not both")
    if scheduler is not None:
        from ..cluster import check_address

        check_address(scheduler, "scheduler")
    if client is not None and not all(hasattr(client, name) for name in ("submit", "scatter", "nthreads", "run")):
        raise SpecError("client", type(client).__name__, "a distributed.Client (connected to a Dask scheduler)")
    if workers != 1:
        raise SpecError("workers", workers, "1 (the default) with a Dask client or scheduler: the cluster's "
                                            "workers run the blocks")


def _check_reachable(address: str) -> None:
    """Refuse a malformed, refused or silent address at once (the Dask client would retry until
    its timeout, or wait forever on a silent server; :func:`hadr_model.cluster.check_reachable`)."""
    from ..cluster import check_reachable

    check_reachable(address, "scheduler", _PROBE_SECONDS)


class _Cluster:
    """Batches of blocks run as tasks of a Dask cluster: the caller's ``client``, or one connected
    to ``scheduler`` here (and closed at the end). Entering checks that the workers run the same
    ``hadr_model`` and ``numpy`` as this process."""

    def __init__(self, client: Any, scheduler: str | None) -> None:
        self.client, self.scheduler, self.owned = client, scheduler, client is None
        self.where = scheduler if scheduler is not None else "client"
        self.field = "scheduler" if scheduler is not None else "client"

    def __enter__(self) -> _Cluster:
        if self.client is None:
            self.client = _connect(str(self.scheduler))
        try:
            self._check_versions()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.owned and self.client is not None:
            self.client.close()
            self.client = None

    def _check_versions(self) -> None:
        field_name = self.field
        mine = _worker_versions()
        try:
            theirs = self.client.run(_worker_versions)
        except Exception as error:     # e.g. hadr_model is not installed on a worker
            raise SpecError(field_name, self.where, f"Dask workers that can import hadr_model "
                            f"({type(error).__name__}: {str(error)[:200]})") from None
        for address, versions in sorted(theirs.items()):
            if tuple(versions) != mine:
                raise SpecError(field_name, self.where,
                                f"Dask workers with hadr_model {mine[0]} and numpy {mine[1]}, as here (the same "
                                f"seed gives the same numbers only with the same code): worker {address} has "
                                f"hadr_model {versions[0]} and numpy {versions[1]}")

    def slots(self) -> int:
        """Batches to keep in flight: two per worker thread (asked each time: a cluster may scale)."""
        return 2 * max(1, sum(self.client.nthreads().values()))

    def scatter(self, plan: _Plan) -> Any:
        try:
            return self.client.scatter(plan, hash=False, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise SpecError(self.field, self.where,
                            f"a Dask cluster with at least one worker (none within {CONNECT_SECONDS:g} s)") from None

    def submit(self, *args: Any) -> Any:
        return self.client.submit(_run_blocks_remote, *args, pure=False)


def _connect(scheduler: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise SpecError("scheduler", scheduler,
                        "Dask, an optional extra, to be installed: pip install 'hadr_model[dask]'") from None
    _check_reachable(scheduler)
    try:
        return Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as error:
        raise SpecError("scheduler", scheduler, f"a reachable Dask scheduler ({type(error).__name__}: "
                                                f"{str(error)[:200]})") from None


_Done = tuple[list[_Batch], float, bool]   # a batch's blocks, its seconds, whether the deadline cut it


# A batch's results (the blocks' per-run figures and outage durations) are held whole until it
# is folded in: at most about BATCH_BYTES each, from the measured bytes per block.
BATCH_BYTES = 16 * 2**20


class _Pacer:
    """Blocks per batch, from the measured seconds and result bytes per block.

    The first batches (one per worker, before anything is measured) are one block each: the
    pilot. Then a batch takes about :data:`BATCH_SECONDS`, and at most :data:`BUDGET_FRACTION`
    of the time left before the deadline, so the budget is overrun by at most a small batch
    even where the hard deadline (:func:`_deadline`) is not available; and its results take at
    most about :data:`BATCH_BYTES` (held in this process until folded in: one batch at a time
    here or from a Dask cluster, up to two per worker from a process pool).
    """

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.blocks = 0
        self.seconds = 0.0
        self.nbytes = 0

    def record(self, blocks: int, seconds: float, nbytes: int = 0) -> None:
        self.blocks += blocks
        self.seconds += seconds
        self.nbytes += nbytes

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def batch_blocks(self) -> int:
        if not self.blocks:
            return 1
        per_block = max(self.seconds / self.blocks, 1e-6)
        target = BATCH_SECONDS
        if self.deadline is not None:
            target = min(target, BUDGET_FRACTION * (self.deadline - time.monotonic()))
        by_bytes = BATCH_BYTES // max(1, self.nbytes // self.blocks)
        return max(1, min(int(target / per_block), by_bytes))


class _Blocks:
    """The blocks of a simulation in block order, computed here or by worker processes.

    Block ``i`` has ``block_runs`` runs (the last one what is left of ``runs``) and draws every
    random number from the ``i``-th child of ``SeedSequence(seed)``, whatever batch it is
    computed in; so the figures depend on the seed and the number of blocks, never on the
    timing, the batch sizes or the number of workers. Iteration ends early (``out_of_time``)
    when the deadline passes; the blocks yielded are then always a prefix.
    """

    def __init__(self, plan: _Plan, horizon: float, runs: int, block_runs: int, seed: int, workers: int,
                 pacer: _Pacer, cluster: _Cluster | None = None,
                 binned: Callable[[], bool] = lambda: False, may_stop: bool = False) -> None:
        self.plan, self.horizon, self.runs, self.block_runs = plan, horizon, runs, block_runs
        self.workers, self.pacer, self.cluster = workers, pacer, cluster
        # A stop rule may end the simulation after any block: batches grow with the blocks
        # taken (at most 1/_CHECK_SHARE of them), so that the blocks a worker computes after
        # the stop, and the wait for them, stay a small share of the work.
        self.may_stop = may_stop
        # Whether batches submitted now may send their outage durations binned: only once the
        # durations kept are complete (the blocks not yet folded come after those folded).
        self.binned = binned
        self.root = np.random.SeedSequence(seed)
        self.total = -(-runs // block_runs)
        self.taken = 0
        self.batches = 0
        self.out_of_time = False

    def _take(self) -> tuple[tuple[int, ...], list[np.random.SeedSequence]]:
        first = self.taken
        count = min(self.pacer.batch_blocks(), self.total - first)
        if self.may_stop:
            count = min(count, max(1, first // _CHECK_SHARE))
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

    def _finished(self, done: _Done) -> list[_Batch]:
        blocks, seconds, cut = done
        self.pacer.record(len(blocks), seconds, sum(b.nbytes for b in blocks))
        self.out_of_time = self.out_of_time or cut
        return blocks

    def __iter__(self) -> Generator[_Batch, None, None]:    # a generator: closed when a stop rule stops early
        if self.cluster is not None:
            yield from self._on_cluster(self.cluster)
            return
        if self.workers == 1:
            while not self.out_of_time and self._more():
                sizes, seeds = self._take()
                # Block by block: when the precision rule stops after one, the rest of the batch
                # is never run (the blocks and their seeds are the same either way).
                for size, seed in zip(sizes, seeds):
                    if self.out_of_time:
                        break
                    yield from self._finished(_run_blocks(self.plan, (size,), (seed,), self.horizon,
                                                          self.pacer.deadline))
            return
        from concurrent.futures import ProcessPoolExecutor  # with workers only (it imports multiprocessing)

        pool = ProcessPoolExecutor(max_workers=self.workers)

        def submit(sizes: tuple[int, ...], seeds: list[np.random.SeedSequence]) -> Future[_Done]:
            return pool.submit(_run_blocks, self.plan, sizes, seeds, self.horizon, self.pacer.deadline,
                               self.binned())

        ended = False
        try:
            # A worker process stops its own batch at the deadline (SIGALRM): wait for it.
            yield from self._pipeline(submit, lambda: 2 * self.workers, lambda future: future.result())
            ended = True
        finally:
            if not ended:
                # Stopped early (the precision rule met, an error, Ctrl-C): the batches still
                # running are not needed, and may take a while. (terminate_workers: Python 3.14.)
                for process in list((getattr(pool, "_processes", None) or {}).values()):
                    with contextlib.suppress(Exception):
                        process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)

    def _on_cluster(self, cluster: _Cluster) -> Iterator[_Batch]:
        deadline = self.pacer.deadline
        wall = None if deadline is None else time.time() + (deadline - time.monotonic())
        plan = cluster.scatter(self.plan)      # sent once, not with every task

        def wait(future: Any) -> _Done | None:
            """The batch's blocks, or ``None`` at the deadline (its blocks are then abandoned)."""
            if deadline is None:
                return future.result()
            left = deadline - time.monotonic()
            if left <= 0 and not future.done():
                return None
            try:
                return future.result(timeout=max(left, 0.0))
            except TimeoutError:
                return None

        try:
            yield from self._pipeline(
                lambda sizes, seeds: cluster.submit(plan, sizes, seeds, self.horizon, wall, self.binned()),
                cluster.slots, wait)
        except Exception as error:
            from ..cluster import killed_worker_error

            clean = killed_worker_error(error, cluster.field, cluster.where)
            if clean is None:
                raise
            raise clean from None
        finally:
            plan.release()

    def _pipeline(self, submit: Callable[..., Any], slots: Callable[[], int],
                  wait: Callable[[Any], _Done | None]) -> Iterator[_Batch]:
        """Keep ``slots()`` batches in flight, and yield their blocks in block order (the batches
        are awaited in the order they were submitted). Whatever is pending when the iteration
        ends — done, out of time, interrupted or failed — is cancelled."""
        pending: deque[Any] = deque()
        try:
            while not self.out_of_time:
                while len(pending) < slots() and self._more():
                    pending.append(submit(*self._take()))
                if not pending:
                    return
                done = wait(pending[0])
                pending.popleft()
                if done is None:
                    self.out_of_time = True
                    return
                yield from self._finished(done)
        finally:
            for future in pending:
                future.cancel()


# The precision rule applies from this many runs on: a 95 % interval from a smaller sample of
# skewed per-run downtimes is not to be trusted. (The relative half-width itself needs about
# (2 / precision)² runs with some downtime: a loose target stops early only where it is met.)
PRECISION_MIN_RUNS = 100
_CHECK_SHARE = 8


class _Checkpoints:
    """When the precision rule is tested: after every block from the first that brings the runs
    to :data:`PRECISION_MIN_RUNS`, as long as the runs since the last test are at least
    1/:data:`_CHECK_SHARE` of the runs not yet folded (a test reads those again: at most
    ``_FOLD_VALUES``). So a loose target stops at the first block that meets it; later tests
    cost a bounded share of the simulation, and overshoot by at most that share of the runs.
    Block counts and sizes alone decide, never the timing or the batches; a test changes no
    figure."""

    def __init__(self) -> None:
        self.tested_at = 0

    def due(self, totals: _Totals) -> bool:
        if totals.runs < PRECISION_MIN_RUNS or _CHECK_SHARE * (totals.runs - self.tested_at) < totals.pending_runs:
            return False
        self.tested_at = totals.runs
        return True


class _NoProgress:
    """The progress bar when none is shown, without importing tqdm (~0.1 s)."""

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        """Nothing to show."""


def _progress(total: int, enabled: bool) -> Any:
    if not (enabled and sys.stderr.isatty()):
        return _NoProgress()
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="run", leave=False)


def simulate(model: Model, *, years: float = 1.0, runs: int = 1000, seed: int = 0,
             precision: float | None = None, max_seconds: float | None = None, workers: int = 1,
             progress: bool = False, objective: float | None = None,
             control_variate: bool = True, failover_rto_h: Any = None, client: Any = None,
             scheduler: str | None = None) -> SimulationResult:
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
        Number of runs, 2 to :data:`MAX_RUNS`; with ``precision`` or ``max_seconds``, the most
        runs to simulate. The memory of the results does not grow beyond :data:`KEPT_VALUES`
        values per figure (see "Bounded memory" in the module docstring).
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
        Worker processes, 1 to :data:`MAX_WORKERS`; the results do not depend on it. 1 with
        ``client`` or ``scheduler``.
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
    client : distributed.Client, optional
        Run the batches of blocks as tasks of this Dask cluster (left open). The results do
        not depend on it: the same seed gives the same numbers as one process. The workers
        need the same ``hadr_model`` and ``numpy`` versions as this process (checked).
        With ``max_seconds``, batches still running at the deadline are abandoned.
    scheduler : str, optional
        A Dask scheduler address (``"tcp://host:8786"``): as ``client``, with a client
        connected here (within :data:`CONNECT_SECONDS`) and closed at the end. Needs the
        optional extra ``hadr_model[dask]``.

    Returns
    -------
    SimulationResult

    Raises
    ------
    SpecError
        An element with a fixed availability and no time laws, a bad or too large argument, a
        ``max_seconds`` budget that ends before the first block is done, or a Dask scheduler
        that cannot be reached (or whose workers run other versions).

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
    _check_cluster(client, scheduler, workers)
    plan = _plan(model, objective, control_variate, _check_rto(failover_rto_h),
                 check=lambda plan: _check_size(plan, float(years) * plan.year_hours, int(workers)))
    horizon = float(years) * plan.year_hours
    block_runs = _block_runs(plan, horizon)
    on_cluster = client is not None or scheduler is not None
    with _Cluster(client, scheduler) if on_cluster else contextlib.nullcontext() as cluster:
        started = time.monotonic()
        pacer = _Pacer(None if max_seconds is None else started + float(max_seconds))
        totals, stopped_by = _Totals(plan, horizon, float(years)), "runs"
        blocks = _Blocks(plan, horizon, int(runs), block_runs, int(seed), int(workers), pacer, cluster,
                         binned=lambda: totals.durations.kept >= totals.durations.cap,
                         may_stop=precision is not None)
        checkpoints = _Checkpoints()
        with _progress(runs, progress) as bar, contextlib.closing(iter(blocks)) as stream:
            for block in stream:
                totals.add(block)
                bar.update(len(block.downtime_h))
                if precision is not None and checkpoints.due(totals) and totals.relative_halfwidth(plan) <= precision:
                    stopped_by = "precision"
                    break
    if blocks.out_of_time and stopped_by == "runs" and totals.runs < runs:
        stopped_by = "max_seconds"
    if not totals.blocks:
        raise SpecError("max_seconds", max_seconds,
                        f"a time budget long enough for one block of {block_runs} run(s) of {float(years):g} "
                        f"year(s): none was done in {max_seconds:g} s (allow more seconds, or fewer years)")
    result = _result(plan, totals, seed=int(seed), seconds=time.monotonic() - started,
                     batches=blocks.batches, block_runs=block_runs, stopped_by=stopped_by)
    return _with_precision(result, precision)


def _with_precision(result: SimulationResult, precision: float | None) -> SimulationResult:
    """Record the precision target and, when it was not reached, say why in a note."""
    if precision is None:
        return result
    reached = bool(result.relative_precision <= precision)
    notes = result.notes
    if not reached:
        limit = {"runs": f"the --runs limit of {result.runs:,} runs", "max_seconds": "the --max-seconds budget"}
        achieved = result.relative_precision * 100
        notes += (f"precision target {precision * 100:.3g} % not reached: {achieved:.3g} % after "
                  f"{result.runs:,} runs ({limit.get(result.stopped_by, result.stopped_by)} came first; "
                  "allow more runs or time)",)
    return replace(result, precision_target=float(precision), precision_reached=reached, notes=notes)
