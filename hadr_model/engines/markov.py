r"""Continuous-time Markov chain (CTMC) availability engine.

Use it for what a structure-function engine cannot express: repair crews shared between
elements (with priorities), cold and warm standby with an imperfect switch-over, and
repair that has to wait until the zone hosting the failed instances is back. Time is in
hours everywhere.

Mathematics
-----------
*Generator.* A state ``i`` is a vector of counts (how many instances of each group are
failed, whether each zone is down). The generator ``Q`` holds the transition rate
``q_ij >= 0`` from ``i`` to ``j != i`` and ``q_ii = -sum_{j != i} q_ij``, so every row
sums to zero. Identical instances are *lumped*: a group of ``n`` instances contributes
``n + 1`` states (how many are failed), not ``2**n``. The state space is the mixed-radix
product of the groups and zones; ``Q`` is assembled with index arithmetic over all states
at once (one numpy operation per kind of event, never one Python step per state).

*Steady state.* The stationary distribution solves the balance equations
``pi Q = 0`` with ``sum(pi) = 1``. Availability is ``sum_{i up} pi_i`` and the
unavailability is summed over the down states directly (never ``1 - A``, which would
lose every digit of an unavailability of 1e-10).

* Up to :data:`DENSE_LIMIT` states: the Grassmann–Taksar–Heyman (GTH) elimination. It is
  Gaussian elimination in which every pivot is recomputed as a sum of positive rates, so
  no subtraction ever happens and each probability, however small, is accurate to a
  few ulps.
* Larger chains: fix ``pi_ref = 1`` for the state with the smallest exit rate (usually
  "all up"), which turns ``Q^T pi = 0`` into a non-singular M-matrix system
  ``B x = b`` with ``b >= 0``, and solve it by Gauss–Seidel sweeps
  ``(D + L) x_{k+1} = b - U x_k`` (``L``, ``U``: strict triangles of ``B``, both
  ``<= 0``). Each sweep is one sparse triangular solve in C (SuperLU's ``gstrs``
  through :func:`scipy.sparse.linalg.spsolve_triangular`). The iterates grow monotonically and
  never subtract, so small probabilities converge in relative terms; sweeps stop when
  every state changes by less than ``tol`` relative to itself. For states ordered by
  failure count the triangular part carries the failure flow, so product-form chains
  converge in under ten sweeps (2**20 states: 0.5 s of sweeps). If the sweeps stall,
  GMRES preconditioned by the same triangular solve takes over, then (up to 400,000
  states) a sparse LU; the answer must pass a backward-error check. A sparse LU is not
  the first choice: on 2**14..2**20-state product chains it fills in catastrophically.

*Transient.* ``p(t) = p(0) exp(Q t)``, computed as ``exp(Q^T t) p(0)``: a dense
``scipy.linalg.expm`` per time step up to :data:`DENSE_LIMIT` states, otherwise
:func:`scipy.sparse.linalg.expm_multiply` (cost ~ ``t ||Q||`` products; truncated Taylor series with scaling, the
same idea as uniformisation ``p(t) = sum_k Poisson(k; Lambda t) p(0) P^k`` with
``P = I + Q / Lambda``, but with a step size chosen from norm estimates).
``A(t) = sum_{i up} p_i(t)``.

*Reliability and MTTF.* Making the down states absorbing leaves the block ``Q_TT`` of
the up (transient) states; ``R(t) = p_T(0) exp(Q_TT t) 1``. The mean time to failure is
``p_T(0) m`` where ``m`` solves ``Q_TT m = -1``. To keep the GTH accuracy this is solved
as a renewal chain: the down states are merged into one state ``a`` that returns to
``p(0)`` at rate ``r``; its stationary distribution gives
``MTTF = pi_T.sum() / (r pi_a)`` exactly.

*Failure frequency.* ``nu = sum_{i up} pi_i sum_{j down} q_ij`` (per hour).

Modelling conventions
---------------------
* ``standby="hot"`` (default): every working instance is active and fails at ``1/mttf``.
* ``standby="cold"`` / ``"warm"``: ``needed`` instances are active, the other working
  instances are spares. Cold spares do not fail; warm spares fail at
  ``dormant_factor / mttf``. When an active instance fails, spares are switched in one
  after the other, each with success probability ``switch_success``; a failed
  switch-over fails that spare too. With ``s`` spares the failure therefore fails
  ``1 + j`` instances with probability ``c (1 - c)**j`` (``j < s``) or ``1 + s`` with
  probability ``(1 - c)**s``.
* Instances of a group that has fallen below ``needed`` keep failing (they are
  independent machines), except in a down zone, where nothing runs and nothing fails.
* Repair crews: with ``RepairPolicy(crews=None)`` every failed instance has its own crew
  (independent repair). With ``c`` crews, groups of higher ``priority`` are served first
  (preemptive: with exponential repair times an interrupted repair loses nothing).
  Within one priority level crews are shared in proportion to the failed instances
  waiting, i.e. each waiting instance gets ``min(1, crews left / instances waiting)`` of a
  crew. FIFO is not offered: it needs the order of failures, which a lumped state does
  not keep. Zones are repaired by their own means and do not use crews.
* A zone that is down takes its groups down, and their failed instances wait for it to
  return (their crews are free for other groups meanwhile).

Examples
--------
>>> model = MarkovModel(groups=[Group("db", n=2, mttf_h=1000.0, mttr_h=10.0, needed=1)],
...                     repair=RepairPolicy(crews=1))
>>> result = solve(model)
>>> result.n_states
3
>>> round(result.unavailability, 10)  # 2 rho**2 / (1 + 2 rho + 2 rho**2), rho = 0.01
0.00019604
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import HadrError, SpecError
from ..options import StandbyMode
from ..topology.compiled import CompiledModel, evaluate_down, used_rows
from ..topology.laws import Sum
from ..topology.model import Model
from ..units import HOURS_PER_YEAR

__all__ = [
    "DENSE_LIMIT",
    "MAX_STATES",
    "Group",
    "MarkovChain",
    "MarkovModel",
    "MarkovResult",
    "RepairPolicy",
    "ServiceMarkovResult",
    "TransientCurve",
    "Zone",
    "build_chain",
    "compiled_groups",
    "mean_time_to_failure",
    "reliability",
    "solve",
    "solve_compiled",
    "steady_state",
    "team_policy",
    "transient",
    "transient_curve",
]

MAX_STATES = 5_000_000
"""Largest state space accepted (about 1.5 GB of generator for product-form chains)."""

DENSE_LIMIT = 800
"""Chains up to this many states are solved by dense GTH elimination (< 0.5 s)."""

_MINUTES_PER_YEAR = HOURS_PER_YEAR * 60.0
_TOL = 1e-14
_MAX_SWEEPS = 200
_POLISH_SWEEPS = 10
_KRYLOV_RESTART = 60
_KRYLOV_CYCLES = 10
_RESIDUAL_TOL = 1e-9
# Above this many states a sparse LU is not tried as the last resort (fill-in).
_DIRECT_LIMIT = 400_000
# A sweep ratio this close to 1 means Gauss-Seidel would need thousands of sweeps.
_STALL_RATIO = 0.9
# Probabilities (relative to the reference state) below this are zero for all purposes;
# the floor keeps the relative-change test from chasing underflowed states.
_PROBABILITY_FLOOR = 1e-250
# GTH back-substitution rescales its unnormalised weights above this (no overflow to inf).
_RESCALE_ABOVE = 1e100

Standby = StandbyMode      # re-exported from hadr_model.options (the one list of standby modes)
UpPredicate = Callable[[Mapping[str, np.ndarray]], np.ndarray]


# --------------------------------------------------------------------------------------
# Public model types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Identical instances of one element, lumped into ``n + 1`` states.

    Parameters
    ----------
    name : str
        Unique name (also the key in an ``up`` predicate's mapping).
    n : int
        Number of instances.
    mttf_h : float
        Mean time to failure of one active instance, hours (failure rate ``1 / mttf_h``).
    mttr_h : float
        Mean time to repair one instance by one crew, hours (repair rate ``1 / mttr_h``).
    needed : int
        Instances that must work for the group to be up (k of k-of-n).
    standby : {"hot", "cold", "warm"}
        ``"hot"``: all working instances are active. ``"cold"``/``"warm"``: ``needed``
        are active and the rest wait as spares (see the module docstring).
    dormant_factor : float
        Failure rate of a warm spare as a fraction of the active rate (``"warm"`` only).
    switch_success : float
        Probability that switching a spare in succeeds (``"cold"``/``"warm"`` only).
    priority : int
        Repair priority; higher is repaired first when crews are scarce.
    zone : str, optional
        Name of the :class:`Zone` hosting every instance of this group.
    team : str, optional
        The pool of :attr:`RepairPolicy.teams` whose crews repair it (``None``: the
        policy's ``crews``).

    Examples
    --------
    >>> Group("web", n=10, mttf_h=5000.0, mttr_h=4.0, needed=7).n
    10
    """

    name: str
    n: int
    mttf_h: float
    mttr_h: float
    needed: int = 1
    standby: Standby = "hot"
    dormant_factor: float = 0.0
    switch_success: float = 1.0
    priority: int = 0
    zone: str | None = None
    team: str | None = None

    @property
    def failure_rate(self) -> float:
        """Failure rate of one active instance, per hour."""
        return 1.0 / self.mttf_h

    @property
    def repair_rate(self) -> float:
        """Repair rate of one crew on one instance, per hour (0 when never repaired: ``mttr_h = inf``)."""
        return 0.0 if math.isinf(self.mttr_h) else 1.0 / self.mttr_h


@dataclass(frozen=True)
class Zone:
    """A common element (zone, rack, power feed) whose outage takes its groups down.

    Examples
    --------
    >>> Zone("az1", mttf_h=8760.0, mttr_h=2.0).name
    'az1'
    """

    name: str
    mttf_h: float
    mttr_h: float

    @property
    def repair_rate(self) -> float:
        """Repair rate per hour (0 when never repaired: ``mttr_h = inf``)."""
        return 0.0 if math.isinf(self.mttr_h) else 1.0 / self.mttr_h


@dataclass(frozen=True)
class RepairPolicy:
    """How many repair crews are shared by all groups.

    Parameters
    ----------
    crews : int, optional
        Number of crews of the groups without a ``team``; ``None`` means one crew per failed
        instance (independent repair).
    teams : tuple of (str, int)
        Further pools, by name: the groups whose ``team`` names a pool share its crews (the
        same priority rules within each pool); pools are independent of one another.

    Examples
    --------
    >>> RepairPolicy(crews=2).crews
    2
    >>> RepairPolicy(teams=(("oncall", 1),)).teams
    (('oncall', 1),)
    """

    crews: int | None = None
    teams: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class MarkovModel:
    """Groups, zones and a repair policy; the system is up when ``up`` says so.

    Parameters
    ----------
    groups : sequence of Group
    repair : RepairPolicy
    zones : sequence of Zone
    up : callable, optional
        ``up(state) -> bool array``. ``state`` maps each group name to an integer array
        (one entry per Markov state) of *working* instances (0 when its zone is down) and
        each zone name to 1 (up) or 0 (down). Default: every group has at least
        ``needed`` working instances (a series system of k-of-n groups).

    Examples
    --------
    >>> model = MarkovModel([Group("a", 1, 100.0, 1.0), Group("b", 1, 100.0, 1.0)],
    ...                     up=lambda s: (s["a"] + s["b"]) >= 1)
    >>> build_chain(model).n_states
    4
    """

    groups: Sequence[Group]
    repair: RepairPolicy = field(default_factory=RepairPolicy)
    zones: Sequence[Zone] = ()
    up: UpPredicate | None = None


@dataclass(frozen=True)
class MarkovChain:
    """A built chain: generator, up states and the state labels.

    Attributes
    ----------
    generator : scipy.sparse.csr_array
        ``Q``, rates per hour, rows sum to zero.
    up : numpy.ndarray
        Boolean mask of the states in which the system is up.
    failed : dict of str to numpy.ndarray
        Failed instances of each group (zones: 1 when down), per state.
    initial : int
        Index of the state with everything working.
    """

    generator: sp.csr_array
    up: np.ndarray
    failed: dict[str, np.ndarray]
    initial: int = 0

    @property
    def n_states(self) -> int:
        """Number of states."""
        return int(self.generator.shape[0])


@dataclass(frozen=True)
class MarkovResult:
    """Steady-state figures of a model.

    Attributes
    ----------
    availability, unavailability : float
        Long-run fraction of time up / down (each summed over its own states).
    downtime_min_per_year : float
        Expected minutes down per year (8760 h).
    failure_frequency_per_year : float
        Expected transitions from up to down per year.
    mean_time_to_first_failure_h : float
        Expected hours from "all working" to the first system failure.
    n_states : int
        Size of the lumped state space.
    """

    availability: float
    unavailability: float
    downtime_min_per_year: float
    failure_frequency_per_year: float
    mean_time_to_first_failure_h: float
    n_states: int


@dataclass(frozen=True)
class TransientCurve:
    """Availability A(t) and reliability R(t) from "all working" at t = 0.

    ``unavailability`` is summed over the down states (accurate when tiny).
    """

    times_h: np.ndarray
    availability: np.ndarray
    unavailability: np.ndarray
    reliability: np.ndarray


# --------------------------------------------------------------------------------------
# Low-level solvers
# --------------------------------------------------------------------------------------


def steady_state(generator: sp.sparray | np.ndarray, *, tol: float = _TOL) -> np.ndarray:
    """Return the stationary distribution ``pi`` (``pi Q = 0``, ``sum(pi) = 1``).

    Parameters
    ----------
    generator : sparse array or ndarray, shape (n, n)
        Irreducible CTMC generator; only the off-diagonal rates are used.
    tol : float
        Relative change per state at which Gauss–Seidel stops (large chains only).

    Returns
    -------
    numpy.ndarray
        Probabilities, shape (n,).

    Raises
    ------
    SpecError
        More than :data:`MAX_STATES` states, or a state with no way out.
    HadrError
        The iterative solver did not converge.

    Examples
    --------
    >>> q = np.array([[-1.0, 1.0], [3.0, -3.0]])
    >>> steady_state(q).tolist()
    [0.75, 0.25]
    """
    q = _as_csr(generator)
    n = q.shape[0]
    exit_rates = _exit_rates(q)
    if n > 1 and np.any(exit_rates <= 0):
        state = int(np.flatnonzero(exit_rates <= 0)[0])
        raise SpecError(f"generator row {state}", "no outgoing rate",
                        "an irreducible chain (every state can be left)")
    if n <= DENSE_LIMIT:
        return _gth_stationary(q.toarray())
    return _stationary_iterative(q, exit_rates, tol)


def long_run(generator: sp.sparray | np.ndarray, initial: int = 0) -> np.ndarray:
    """The long-run distribution ``lim p(t)`` from state ``initial``: :func:`steady_state` when
    the chain is irreducible, otherwise the mix of its closed classes.

    A chain with rates exactly 0 (a group or zone that is never repaired, ``mttr_h = inf``) is
    reducible: from ``initial`` it ends in one of the closed (absorbing) classes it can reach.
    With one such class the limit is that class's stationary distribution; with several, each
    is weighed by the probability ``h_c`` of being absorbed in it, which solves
    ``Q_TT h_c = −Q_{T,c} 1`` on the transient states ``T`` (a sparse LU, at most
    :data:`_DIRECT_LIMIT` of them). No rate is divided by, so no NaN arises from a rate 0.

    Examples
    --------
    >>> q = np.array([[-1.0, 1.0], [0.0, 0.0]])      # the second state is absorbing
    >>> long_run(q).tolist()
    [0.0, 1.0]
    """
    from scipy.sparse.csgraph import breadth_first_order, connected_components

    q = _as_csr(generator)
    n = q.shape[0]
    rows = _row_ids(q)
    moves = (rows != q.indices) & (q.data > 0)
    graph = sp.csr_array((np.ones(int(moves.sum())), (rows[moves], q.indices[moves])), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="strong")
    if count == 1:
        return steady_state(q)
    leaves = np.zeros(count, bool)
    crossing = labels[rows[moves]] != labels[q.indices[moves]]
    leaves[labels[rows[moves][crossing]]] = True
    reached = np.zeros(n, bool)
    reached[breadth_first_order(graph, initial, directed=True, return_predecessors=False)] = True
    closed = [c for c in np.unique(labels[reached]) if not leaves[c]]
    pi = np.zeros(n)
    transient_states = np.flatnonzero(reached & leaves[labels])
    if len(closed) > 1 and transient_states.size > _DIRECT_LIMIT:
        raise SpecError("model", f"{transient_states.size:,} transient states and {len(closed)} absorbing classes",
                        f"at most {_DIRECT_LIMIT:,} transient states for the long run of a reducible chain")
    for c in closed:
        members = np.flatnonzero(labels == c)
        inside = steady_state(q[members][:, members]) if members.size > 1 else np.ones(1)
        if len(closed) == 1:
            weight = 1.0
        else:
            q_tt = q[transient_states][:, transient_states].tocsc()
            into = np.asarray(q[transient_states][:, members].sum(axis=1)).ravel()
            absorbed = spla.spsolve(-q_tt, into) if transient_states.size else np.zeros(0)
            weight = float(np.clip(absorbed[np.searchsorted(transient_states, initial)], 0.0, 1.0))
        pi[members] = weight * inside
    return pi / pi.sum()


def transient(generator: sp.sparray | np.ndarray, p0: np.ndarray, times: Sequence[float]) -> np.ndarray:
    """Return the state distributions ``p(t) = p0 exp(Q t)`` at ``times`` (hours).

    Parameters
    ----------
    generator : sparse array or ndarray, shape (n, n)
    p0 : array_like, shape (n,)
        Distribution at t = 0.
    times : sequence of float
        Non-decreasing, non-negative times in hours.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(times), n)``.

    Examples
    --------
    >>> q = np.array([[-1.0, 1.0], [3.0, -3.0]])
    >>> p = transient(q, [1.0, 0.0], [0.0, 50.0])
    >>> np.round(p, 6).tolist()
    [[1.0, 0.0], [0.75, 0.25]]
    """
    q = _as_csr(generator)
    start = _distribution(p0, q.shape[0], "p0")
    grid = _time_grid(times)
    return _propagate(q.T.tocsr(), start, grid)


def reliability(
    generator: sp.sparray | np.ndarray, up_states: np.ndarray, p0: np.ndarray, times: Sequence[float] | np.ndarray
) -> np.ndarray:
    """Return ``R(t)``: probability of no system failure in ``[0, t]``.

    The down states are made absorbing, so only the up block ``Q_TT`` is propagated.

    Parameters
    ----------
    generator : sparse array or ndarray, shape (n, n)
    up_states : array_like of bool (n,) or of int
        Mask or indices of the up states.
    p0 : array_like, shape (n,)
    times : sequence of float
        Non-decreasing, non-negative hours.

    Examples
    --------
    >>> q = np.array([[-0.5, 0.5], [2.0, -2.0]])
    >>> bool(np.isclose(reliability(q, [True, False], [1, 0], [2.0])[0], np.exp(-1.0)))
    True
    """
    q = _as_csr(generator)
    up = _up_mask(up_states, q.shape[0])
    start = _distribution(p0, q.shape[0], "p0")
    grid = _time_grid(times)
    q_tt = q[up][:, up]
    return _propagate(q_tt.T.tocsr(), start[up], grid).sum(axis=1)


def mean_time_to_failure(generator: sp.sparray | np.ndarray, up_states: np.ndarray, p0: np.ndarray) -> float:
    """Return the mean time (hours) from ``p0`` until the first visit to a down state.

    Solves ``Q_TT m = -1`` on the up states and returns ``p0_T m``, through the renewal
    chain described in the module docstring (same accuracy as :func:`steady_state`).

    Examples
    --------
    >>> lam, mu = 1e-3, 1e-1   # 1-of-2, independent repair: (3 lam + mu) / (2 lam**2)
    >>> q = np.array([[-2 * lam, 2 * lam, 0], [mu, -lam - mu, lam], [0, 2 * mu, -2 * mu]])
    >>> round(mean_time_to_failure(q, [True, True, False], [1, 0, 0]), 6)
    51500.0
    """
    q = _as_csr(generator)
    up = _up_mask(up_states, q.shape[0])
    start = _distribution(p0, q.shape[0], "p0")
    mass_up = float(start[up].sum())
    if mass_up == 0.0:
        return 0.0
    renewal, rate = _renewal_chain(q, up, start[up] / mass_up)
    if renewal is None:
        return math.inf
    pi = steady_state(renewal)
    return mass_up * float(pi[1:].sum()) / (rate * float(pi[0]))


# --------------------------------------------------------------------------------------
# Model level
# --------------------------------------------------------------------------------------


def build_chain(model: MarkovModel) -> MarkovChain:
    """Build the lumped generator of ``model``.

    Raises
    ------
    SpecError
        Invalid groups, zones or crews, or more than :data:`MAX_STATES` states.

    Examples
    --------
    >>> chain = build_chain(MarkovModel([Group("web", n=10, mttf_h=1e4, mttr_h=4.0)]))
    >>> chain.n_states, int(chain.up.sum())
    (11, 10)
    """
    _validate(model)
    groups, zones = list(model.groups), list(model.zones)
    radices = [g.n + 1 for g in groups] + [2] * len(zones)
    n_states = _state_count(radices)
    index = np.arange(n_states, dtype=np.int32)  # MAX_STATES fits: int32 halves the memory traffic
    strides = np.cumprod([1, *radices[:-1]]).tolist()
    digits = [(index // stride) % radix for stride, radix in zip(strides, radices)]
    failed = dict(zip([g.name for g in groups] + [z.name for z in zones], digits))
    zone_up = {z.name: 1 - failed[z.name] for z in zones}
    runs: dict[str, np.ndarray | int] = {g.name: zone_up[g.zone] if g.zone else 1 for g in groups}

    # Rates per jump in the state index: every event of one kind moves the index by the same step.
    events: dict[int, np.ndarray] = {}
    for zone, stride in zip(zones, strides[len(groups):]):
        _add_event(events, stride, zone_up[zone.name] / zone.mttf_h)
        _add_event(events, -stride, (1 - zone_up[zone.name]) * zone.repair_rate)
    for group, stride in zip(groups, strides):
        for step, rate in _failure_events(group, stride, failed[group.name], runs[group.name]):
            _add_event(events, step, rate)
    crews = _pools_assigned(groups, model.repair, failed, runs)
    for group, stride in zip(groups, strides):
        _add_event(events, -stride, crews[group.name] * group.repair_rate)

    generator = _assemble(index, events)
    working = {g.name: (g.n - failed[g.name]) * runs[g.name] for g in groups} | zone_up
    return MarkovChain(generator, _up_states(model, working, n_states), failed, initial=0)


def solve(model: MarkovModel) -> MarkovResult:
    """Return the steady-state availability figures of ``model``.

    Examples
    --------
    >>> one = MarkovModel([Group("vm", n=1, mttf_h=999.0, mttr_h=1.0)])
    >>> r = solve(one)
    >>> round(r.unavailability, 12), round(r.downtime_min_per_year, 3)
    (0.001, 525.6)
    """
    chain = build_chain(model)
    pi = long_run(chain.generator, chain.initial)
    up = chain.up
    unavailability = float(pi[~up].sum())
    start = np.zeros(chain.n_states)
    start[chain.initial] = 1.0
    return MarkovResult(
        availability=float(pi[up].sum()),
        unavailability=unavailability,
        downtime_min_per_year=unavailability * _MINUTES_PER_YEAR,
        failure_frequency_per_year=_failure_frequency(chain.generator, pi, up) * HOURS_PER_YEAR,
        mean_time_to_first_failure_h=mean_time_to_failure(chain.generator, up, start),
        n_states=chain.n_states,
    )


def transient_curve(model: MarkovModel, times_h: Sequence[float]) -> TransientCurve:
    """Return A(t) and R(t) of ``model`` from "all working" at ``t = 0``.

    Examples
    --------
    >>> one = MarkovModel([Group("vm", n=1, mttf_h=100.0, mttr_h=1.0)])
    >>> curve = transient_curve(one, [0.0, 10.0])
    >>> round(float(curve.reliability[1]), 6)  # exp(-0.1)
    0.904837
    """
    chain = build_chain(model)
    grid = _time_grid(times_h)
    start = np.zeros(chain.n_states)
    start[chain.initial] = 1.0
    probabilities = _propagate(chain.generator.T.tocsr(), start, grid)
    return TransientCurve(
        times_h=grid,
        availability=probabilities[:, chain.up].sum(axis=1),
        unavailability=probabilities[:, ~chain.up].sum(axis=1),
        reliability=reliability(chain.generator, chain.up, start, grid),
    )


def compiled_groups(model: Model) -> tuple[list[Group], tuple[int, ...]]:
    """The Markov groups of a spec's compiled model: one per element its structure uses.

    Each element of the table that can be down becomes a :class:`Group` of its ``count``
    copies (``needed = count``: the structure, not the group, says when the service is down),
    with the means of its laws as exponential rates and no zone (zones, regions and global
    services are elements of their own, each repaired by its own means). An element of a
    repair team of the spec (``model.compiled.teams``) gets the team as its ``team`` and its
    priority level as ``priority``; :func:`team_policy` gives the pools. Returns the groups
    and the table row of each.

    Raises
    ------
    SpecError
        An element with a fixed availability (no time laws to turn into rates).
    """
    compiled: CompiledModel = model.compiled
    table = compiled.elements
    rows = tuple(used_rows(compiled.tenants()))
    teams = {row: (team.name, level) for team in compiled.teams for row, level in zip(team.rows, team.levels)}
    groups = []
    for row in rows:
        behaviour = table.behaviours[row]
        if not behaviour.has_time_law:
            raise SpecError(table.names[row], f"availability {behaviour.fixed_availability}",
                            "time laws (mttf/mttr or failure/repair) for the Markov engine")
        count = int(table.counts[row])
        team, level = teams.get(row, (None, 0))
        if team is not None and isinstance(behaviour.repair, Sum):
            # Detect + repair is not exponential, and with shared crews the answer depends on
            # the law (no insensitivity): one exponential rate would be a different model.
            raise SpecError(table.names[row], behaviour.repair.describe(),
                            f"an exponential outage (no detection delay: mttd/detect) for an element of "
                            f"repair team {team} in the Markov engine; Monte Carlo (hadr simulate) takes any law")
        groups.append(Group(table.names[row], count, behaviour.mttf_h, behaviour.mttr_h, needed=count,
                            priority=level, team=team))
    return groups, rows


def team_policy(model: Model) -> RepairPolicy:
    """The repair policy of a spec: one pool per repair team, independent repair elsewhere.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"parallel": [{"component": {"name": "a", "mttf": "1000h", "mttr": "10h",
    ...         "count": 2}}]}, "repair": {"ops": {"crews": 1, "components": ["a"]}}}
    >>> team_policy(load_spec(spec))
    RepairPolicy(crews=None, teams=(('ops', 1),))
    """
    return RepairPolicy(teams=tuple((team.name, team.crews) for team in model.compiled.teams))


def _every_state_up(state: Mapping[str, np.ndarray]) -> np.ndarray:
    # The bridge evaluates each tenant's structure itself; the chain's own flag is unused.
    return np.ones(len(next(iter(state.values()))), bool)


def solve_compiled(model: Model, repair: RepairPolicy | None = None) -> ServiceMarkovResult:
    r"""Steady state of a spec's service from the Markov engine (the bridge from the compiled model).

    The chain's state is the down count of every element the structure uses
    (:func:`compiled_groups`); the service's structure function (instantaneous failover) is
    evaluated on every state (:func:`hadr_model.topology.compiled.evaluate_down`), so

    ``U = mean_X Σ_{s : tenant X down in s} π_s``, ``ν = mean_X Σ_{s up, s' down} π_s q_{ss'}``.

    ``repair=None`` takes the spec's repair teams (:func:`team_policy`; without a ``repair``
    section, a crew per failed copy: the elements are independent and this equals the exact
    engine); with shared crews it is the answer the structure-function engine cannot give.
    Rates are the laws' means (exponential laws; steady state under independent repair does not
    depend on the shapes).

    Raises
    ------
    SpecError
        More than :data:`MAX_STATES` states (checked before anything is allocated), or an
        element without time laws.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"k_of_n": {"k": 2, "of": [
    ...     {"component": {"name": "db", "mttf": "1000h", "mttr": "10h", "count": 3}}]}}}
    >>> result = solve_compiled(load_spec(spec))
    >>> result.n_states, round(result.unavailability, 12)   # 3 q² − 2 q³, q = 1/101
    (8, 0.000292147635)
    """
    groups, rows = compiled_groups(model)
    _state_count([g.n + 1 for g in groups])
    chain = build_chain(MarkovModel(groups, repair or team_policy(model), up=_every_state_up))
    pi = long_run(chain.generator, chain.initial)
    compiled: CompiledModel = model.compiled
    down = np.zeros((len(compiled.elements), chain.n_states), np.int64)
    for group, row in zip(groups, rows):
        down[row] = chain.failed[group.name]
    cache: dict[int, np.ndarray] = {}
    names = compiled.home_regions if compiled.form == "regions" else ("root",)
    tenants, frequencies = {}, []
    for name, tenant in zip(names, compiled.tenants()):
        tenant_down = evaluate_down(tenant, down, cache) > 0
        tenants[name] = float(pi[tenant_down].sum())
        frequencies.append(_failure_frequency(chain.generator, pi, ~tenant_down))
    unavailability = float(np.mean(list(tenants.values())))
    return ServiceMarkovResult(
        unavailability=unavailability,
        downtime_min_per_year=unavailability * compiled.year_hours * 60.0,
        failure_frequency_per_year=float(np.mean(frequencies)) * compiled.year_hours,
        tenant_unavailability=tenants,
        n_states=chain.n_states,
    )


@dataclass(frozen=True)
class ServiceMarkovResult:
    """Steady state of a spec's service from :func:`solve_compiled` (failover: instantaneous).

    ``unavailability`` is the service's (a tenant with a uniformly drawn home region),
    ``tenant_unavailability`` per home region (``"root"`` in block form).
    """

    unavailability: float
    downtime_min_per_year: float
    failure_frequency_per_year: float
    tenant_unavailability: dict[str, float]
    n_states: int
    model: str = "markov"
    failover_model: str = "instantaneous"


# --------------------------------------------------------------------------------------
# Builder internals
# --------------------------------------------------------------------------------------


def _validate(model: MarkovModel) -> None:
    if not model.groups:
        raise SpecError("groups", list(model.groups), "at least one group")
    names = [g.name for g in model.groups] + [z.name for z in model.zones]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SpecError("names", duplicates, "unique names across groups and zones")
    zone_names = {z.name for z in model.zones}
    for g in model.groups:
        _validate_group(g, zone_names)
    for z in model.zones:
        _check_hours(f"zones.{z.name}.mttf_h", z.mttf_h)
        _check_hours(f"zones.{z.name}.mttr_h", z.mttr_h, never=True)
    crews = model.repair.crews
    if crews is not None and (not isinstance(crews, int) or isinstance(crews, bool) or crews < 1):
        raise SpecError("repair.crews", crews, "a whole number of crews >= 1, or None for unlimited")
    pools = dict(model.repair.teams)
    for pool, count in pools.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise SpecError(f"repair.teams.{pool}", count, "a whole number of crews >= 1")
    for g in model.groups:
        if g.team is not None and g.team not in pools:
            raise SpecError(f"groups.{g.name}.team", g.team, f"one of the pools {sorted(pools)}")


def _validate_group(g: Group, zone_names: set[str]) -> None:
    where = f"groups.{g.name}"
    if not isinstance(g.n, int) or isinstance(g.n, bool) or g.n < 1:
        raise SpecError(f"{where}.n", g.n, "a whole number of instances >= 1")
    if not isinstance(g.needed, int) or isinstance(g.needed, bool) or not 1 <= g.needed <= g.n:
        raise SpecError(f"{where}.needed", g.needed, f"a whole number from 1 to n = {g.n}")
    _check_hours(f"{where}.mttf_h", g.mttf_h)
    _check_hours(f"{where}.mttr_h", g.mttr_h, never=True)
    if g.standby not in ("hot", "cold", "warm"):
        raise SpecError(f"{where}.standby", g.standby, "'hot', 'cold' or 'warm'")
    if not 0.0 <= g.dormant_factor <= 1.0:
        raise SpecError(f"{where}.dormant_factor", g.dormant_factor, "a fraction in [0, 1]")
    if g.standby == "warm" and g.dormant_factor == 0.0:
        raise SpecError(f"{where}.dormant_factor", 0.0, "more than 0 for a warm standby (use 'cold')")
    if not 0.0 < g.switch_success <= 1.0:
        raise SpecError(f"{where}.switch_success", g.switch_success, "a probability in (0, 1]")
    if g.zone is not None and g.zone not in zone_names:
        raise SpecError(f"{where}.zone", g.zone, f"one of the zones {sorted(zone_names)}")


def _check_hours(where: str, hours: float, never: bool = False) -> None:
    # never: a repair time may be inf (never repaired: repair rate exactly 0).
    if not isinstance(hours, (int, float)) or isinstance(hours, bool) or (
            not 0 < hours < math.inf and not (never and hours == math.inf)):
        raise SpecError(where, hours, "a positive, finite number of hours" + (" (or inf: never repaired)" * never))


def _state_count(radices: Sequence[int]) -> int:
    count = math.prod(radices)  # exact Python int: no overflow before the check
    if count > MAX_STATES:
        raise SpecError(
            "model",
            f"{count:,} states",
            f"at most {MAX_STATES:,} Markov states; the model needs {count:,} "
            "(lump identical instances into one Group, or split the model)",
        )
    return count


def _failure_events(
    group: Group, stride: int, failed: np.ndarray, runs: np.ndarray | int
) -> list[tuple[int, np.ndarray]]:
    working = (group.n - failed) * runs  # nothing fails in a down zone
    rate = group.failure_rate
    if group.standby == "hot":
        return [(stride, working * rate)]
    active = np.minimum(working, group.needed)
    spares = working - active
    events = [(stride, spares * (group.dormant_factor * rate))]
    # Switch-over attempts go spare after spare; each failed attempt loses that spare.
    c = group.switch_success
    for lost in range(group.n - group.needed + 1):
        chance = np.where(lost < spares, c * (1 - c) ** lost, np.where(lost == spares, (1 - c) ** lost, 0.0))
        events.append((stride * (1 + lost), active * rate * chance))
    return events


def _add_event(events: dict[int, np.ndarray], step: int, rate: np.ndarray) -> None:
    if step in events:
        events[step] = events[step] + rate
    else:
        events[step] = np.asarray(rate, dtype=float)


def _pools_assigned(
    groups: Sequence[Group], repair: RepairPolicy, failed: Mapping[str, np.ndarray],
    runs: Mapping[str, np.ndarray | int],
) -> dict[str, np.ndarray]:
    """Crews working on each group: each pool (``repair.teams``, else ``repair.crews``) apart."""
    pools = dict(repair.teams)
    members: dict[str | None, list[Group]] = {}
    for g in groups:
        members.setdefault(g.team if g.team in pools else None, []).append(g)
    assigned: dict[str, np.ndarray] = {}
    for pool, level in members.items():
        assigned.update(_crews_assigned(level, pools[pool] if pool is not None else repair.crews, failed, runs))
    return assigned


def _crews_assigned(
    groups: Sequence[Group],
    crews: int | None,
    failed: Mapping[str, np.ndarray],
    runs: Mapping[str, np.ndarray | int],
) -> dict[str, np.ndarray]:
    # A group that is never repaired holds no crew: its failed instances wait for nothing.
    waiting = {g.name: (failed[g.name] * runs[g.name]).astype(float) * (g.repair_rate > 0) for g in groups}
    if crews is None:
        return waiting
    free = np.full(len(next(iter(waiting.values()))), float(crews))
    assigned: dict[str, np.ndarray] = {}
    for priority in sorted({g.priority for g in groups}, reverse=True):
        level = [g.name for g in groups if g.priority == priority]
        demand = sum(waiting[name] for name in level)
        served = np.minimum(demand, free)
        share = np.divide(served, demand, out=np.zeros_like(served), where=demand > 0)
        for name in level:
            assigned[name] = waiting[name] * share
        free = free - served
    return assigned


def _assemble(index: np.ndarray, events: Mapping[int, np.ndarray]) -> sp.csr_array:
    """CSR generator with one slot per (state, step), built without any sort.

    Targets ``index + step`` grow with ``step``, so with the steps in increasing order each
    row's columns come out sorted; slots whose rate is zero are dropped at the end.
    """
    steps = sorted({0, *events})
    rates = np.zeros((len(steps), index.size))
    for slot, step in enumerate(steps):
        if step:
            rates[slot] = events[step]
    rates[steps.index(0)] = -rates.sum(axis=0)  # a sum of positive rates: no cancellation
    targets = index[None, :] + np.array(steps, dtype=index.dtype)[:, None]
    # Unused slots may point outside the chain; park them on the diagonal before dropping them.
    np.copyto(targets, index[None, :], where=rates == 0)
    width = len(steps)
    slots = width * index.size
    index_type = np.int32 if slots < np.iinfo(np.int32).max else np.int64
    indptr = np.arange(0, slots + 1, width, dtype=index_type)
    columns = targets.T.ravel().astype(index_type, copy=False)
    generator = sp.csr_array((rates.T.ravel(), columns, indptr), shape=(index.size, index.size))
    generator.eliminate_zeros()
    generator.has_sorted_indices = True
    return generator


def _up_states(model: MarkovModel, working: Mapping[str, np.ndarray], n_states: int) -> np.ndarray:
    if model.up is None:
        up = np.ones(n_states, dtype=bool)
        for g in model.groups:
            up &= working[g.name] >= g.needed
        return up
    up = np.asarray(model.up(working))
    if up.shape != (n_states,):
        raise SpecError("up", f"array of shape {up.shape}", f"a boolean array of shape ({n_states},)")
    return up.astype(bool)


# --------------------------------------------------------------------------------------
# Solver internals
# --------------------------------------------------------------------------------------


def _as_csr(generator: sp.sparray | sp.spmatrix | np.ndarray) -> sp.csr_array:
    q = sp.csr_array(generator, dtype=float)
    if q.ndim != 2 or q.shape[0] != q.shape[1]:
        raise SpecError("generator", f"shape {q.shape}", "a square matrix")
    if q.shape[0] > MAX_STATES:
        raise SpecError("generator", f"{q.shape[0]:,} states", f"at most {MAX_STATES:,} Markov states")
    return q


def _row_ids(q: sp.csr_array) -> np.ndarray:
    return np.repeat(np.arange(q.shape[0], dtype=q.indices.dtype), np.diff(q.indptr))


def _exit_rates(q: sp.csr_array) -> np.ndarray:
    """Total rate out of each state, summed from the off-diagonal rates (no cancellation)."""
    rows = _row_ids(q)
    off = rows != q.indices
    return np.bincount(rows[off], weights=q.data[off], minlength=q.shape[0])


def _gth_stationary(rates: np.ndarray) -> np.ndarray:
    """Stationary vector by GTH elimination; the diagonal of ``rates`` is ignored."""
    a = np.array(rates, dtype=float)
    n = a.shape[0]
    np.fill_diagonal(a, 0.0)
    for k in range(n - 1, 0, -1):
        pivot = a[k, :k].sum()  # the GTH pivot: a sum of rates, never a difference
        if pivot <= 0.0:
            raise SpecError(f"generator row {k}", "no path to the states before it",
                            "an irreducible chain")
        a[:k, k] /= pivot
        a[:k, :k] += np.outer(a[:k, k], a[k, :k])
        a[np.arange(k), np.arange(k)] = 0.0  # self-loops created by the elimination do not count
    pi = np.zeros(n)
    pi[0] = 1.0
    for k in range(1, n):
        pi[k] = pi[:k] @ a[:k, k]
        if pi[k] > _RESCALE_ABOVE:
            # Relative to state 0 a state can weigh more than the float range (repairs of 1e-160
            # per hour: ratios of 1e320); every pi[k] is linear in pi[:k], so rescaling is exact.
            pi[:k + 1] /= pi[k]
    return pi / pi.sum()


@dataclass
class _Splitting:
    """``B = (D + L) + U`` (strict lower ``L``, strict upper ``U``) for Gauss–Seidel.

    ``D + L = (I + L D^-1) D``; the unit lower factor is stored once so that each sweep
    is one call of SuperLU's triangular solve, with no per-call scaling or factorisation
    (factorising ``D + L`` with ``splu`` costs 2.3 s at 2**20 states, this 0.3 s).
    """

    matrix: sp.csr_array
    unit_lower: sp.csr_array
    upper: sp.csr_array
    diagonal: np.ndarray
    _lower: Callable[[np.ndarray], np.ndarray] | None = None

    def solve_lower(self, rhs: np.ndarray) -> np.ndarray:
        if self._lower is None:
            self._lower = _prepared_unit_lower_solve(self.unit_lower)
        return self._lower(rhs) / self.diagonal

    def matvec(self, x: np.ndarray) -> np.ndarray:
        return self.matrix @ x


def _prepared_unit_lower_solve(unit_lower: sp.csr_array) -> Callable[[np.ndarray], np.ndarray]:
    """``x ↦ L⁻¹ x`` for a unit lower triangular CSR ``L``, set up once for every sweep.

    :func:`scipy.sparse.linalg.spsolve_triangular` re-does its set-up on every call (transpose
    to CSC, ``setdiag``, duplicate summing, index casts, an empty factor): at 2**18 states that
    costs twice the solve itself. Here the arrays SuperLU's ``gstrs`` takes are prepared once,
    exactly as ``spsolve_triangular`` prepares them, and each sweep is the bare call. ``gstrs``
    is scipy's private binding: if it is missing or disagrees with the public function on a
    probe vector, the public function is used.
    """
    def public(rhs: np.ndarray) -> np.ndarray:
        return spla.spsolve_triangular(unit_lower, rhs, lower=True, unit_diagonal=True,
                                       overwrite_A=False, overwrite_b=False)

    try:
        from scipy.sparse.linalg._dsolve import _superlu  # private; verified below
        n = unit_lower.shape[0]
        upper = sp.csc_array(unit_lower.T, copy=True)   # CSR lower = CSC upper of the transpose ("T" solve)
        upper.sum_duplicates()
        upper.setdiag(0.0)                      # SuperLU keeps U's unit diagonal in L = I
        identity = sp.eye_array(n, format="csc")
        args = [n, identity.nnz, identity.data, identity.indices.astype(np.intc), identity.indptr.astype(np.intc),
                n, upper.nnz, upper.data, upper.indices.astype(np.intc), upper.indptr.astype(np.intc)]

        def prepared(rhs: np.ndarray) -> np.ndarray:
            x, info = _superlu.gstrs("T", *args, np.array(rhs, dtype=float))
            if info:
                raise np.linalg.LinAlgError("singular triangular factor")
            return x

        probe = np.random.default_rng(0).random(n)
        if np.allclose(prepared(probe), public(probe), rtol=1e-12, atol=0.0):
            return prepared
    except (ImportError, AttributeError, TypeError, ValueError, np.linalg.LinAlgError):
        pass
    return public


def _split(b: sp.csr_array) -> _Splitting:
    rows = _row_ids(b)
    diagonal = np.zeros(b.shape[0])
    on_diagonal = b.indices == rows
    diagonal[rows[on_diagonal]] = b.data[on_diagonal]
    lower_mask = b.indices <= rows
    lower_data = np.where(on_diagonal, 1.0, b.data / diagonal[b.indices])[lower_mask]
    unit_lower = _masked_csr(b, lower_mask, lower_data, rows)
    upper_mask = ~lower_mask
    upper = _masked_csr(b, upper_mask, b.data[upper_mask], rows)
    return _Splitting(b, unit_lower, upper, diagonal)


def _masked_csr(b: sp.csr_array, mask: np.ndarray, data: np.ndarray, rows: np.ndarray) -> sp.csr_array:
    counts = np.bincount(rows[mask], minlength=b.shape[0])
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(b.indptr.dtype)
    return sp.csr_array((data, b.indices[mask], indptr), shape=b.shape)


def _stationary_iterative(q: sp.csr_array, exit_rates: np.ndarray, tol: float) -> np.ndarray:
    """Fix pi_ref = 1 and solve the remaining M-matrix system by Gauss–Seidel (GMRES if slow)."""
    ref = int(np.argmin(exit_rates))
    b_matrix = q.T.tocsr()
    b_matrix.sum_duplicates()
    rows = _row_ids(b_matrix)
    diagonal = rows == b_matrix.indices
    if np.count_nonzero(diagonal) < q.shape[0]:  # a diagonal left implicit: give it a slot
        b_matrix = (b_matrix + sp.eye_array(q.shape[0], format="csr")).tocsr()
        rows = _row_ids(b_matrix)
        diagonal = rows == b_matrix.indices
    b_matrix.data = np.where(diagonal, exit_rates[rows], -b_matrix.data)
    # Equation ref becomes x_ref = 1; its column moves to the right-hand side.
    b_matrix.data[(b_matrix.indices == ref) & ~diagonal] = 0.0
    b_matrix.data[(rows == ref) & ~diagonal] = 0.0
    b_matrix.data[(rows == ref) & diagonal] = 1.0
    b_matrix.eliminate_zeros()
    rhs = q[[ref], :].toarray().ravel()
    rhs[ref] = 1.0
    x = _solve_m_matrix(b_matrix, rhs, tol)
    return x / x.sum()


def _solve_m_matrix(b: sp.csr_array, rhs: np.ndarray, tol: float) -> np.ndarray:
    split = _split(b)
    x, converged = _gauss_seidel(split, rhs, np.zeros_like(rhs), tol, _MAX_SWEEPS)
    if converged:
        return x
    # Gauss-Seidel stalls on heavily loaded chains; GMRES with the same triangular solve as
    # preconditioner usually fixes that, and long birth-death-like chains (big lumped
    # groups), where even GMRES struggles, are exactly where a sparse LU has little fill-in.
    x = _polish(split, rhs, _krylov_solve(split, rhs, x, _KRYLOV_CYCLES), tol)
    residual = _residual(split, rhs, x)
    if residual > _RESIDUAL_TOL and b.shape[0] <= _DIRECT_LIMIT:
        x = _polish(split, rhs, spla.splu(b.tocsc()).solve(rhs), tol)
        residual = _residual(split, rhs, x)
    if residual > _RESIDUAL_TOL:
        x = _polish(split, rhs, _krylov_solve(split, rhs, x, 5 * _KRYLOV_CYCLES), tol)
        residual = _residual(split, rhs, x)
    if not residual <= _RESIDUAL_TOL:
        raise HadrError(
            f"the Markov steady state did not converge ({b.shape[0]:,} states, residual {residual:.1e})"
        )
    return x


def _polish(split: _Splitting, rhs: np.ndarray, x: np.ndarray, tol: float) -> np.ndarray:
    """A few sweeps from a solution put back non-negativity and refine the small states."""
    return _gauss_seidel(split, rhs, np.maximum(x, 0.0), tol, _POLISH_SWEEPS)[0]


def _residual(split: _Splitting, rhs: np.ndarray, x: np.ndarray) -> float:
    """Backward error ``|B x - b| / (|B| |x| + |b|)`` in the 1-norm (scale-free)."""
    scale = abs(split.matrix) @ np.abs(x) + np.abs(rhs)
    return float(np.abs(split.matvec(x) - rhs).sum() / scale.sum())


def _krylov_solve(split: _Splitting, rhs: np.ndarray, x0: np.ndarray, cycles: int) -> np.ndarray:
    operator = spla.LinearOperator(split.matrix.shape, matvec=split.matvec, dtype=float)
    preconditioner = spla.LinearOperator(split.matrix.shape, matvec=split.solve_lower, dtype=float)
    x, _ = spla.gmres(
        operator, rhs, x0=x0, rtol=_TOL, atol=0.0, restart=_KRYLOV_RESTART, maxiter=cycles, M=preconditioner
    )
    return x


def _gauss_seidel(
    split: _Splitting, rhs: np.ndarray, x: np.ndarray, tol: float, max_sweeps: int
) -> tuple[np.ndarray, bool]:
    previous_change = math.inf
    for sweep in range(max_sweeps):
        updated = split.solve_lower(rhs - split.upper @ x)
        change = float(np.max(np.abs(updated - x) / np.maximum(updated, _PROBABILITY_FLOOR)))
        x = updated
        if change <= tol:
            return x, True
        if sweep >= 20 and change > _STALL_RATIO * previous_change:
            return x, False
        previous_change = change
    return x, False


def _renewal_chain(
    q: sp.csr_array, up: np.ndarray, start_up: np.ndarray
) -> tuple[sp.csr_array | None, float]:
    """Up states plus one state 0 standing for "failed", which restarts at ``start_up``."""
    rows_up = q[up]
    q_tt = rows_up[:, up].tocoo()
    exits = np.asarray(rows_up[:, ~up].sum(axis=1)).ravel()
    if not np.any(exits > 0):
        return None, 0.0
    off = q_tt.row != q_tt.col
    rate = float(np.max(_exit_rates(q)[up]))
    n_up = int(up.sum())
    targets = np.flatnonzero(start_up > 0)
    exit_states = np.flatnonzero(exits > 0)
    rows = np.concatenate([q_tt.row[off] + 1, exit_states + 1, np.zeros(targets.size, dtype=np.int64)])
    cols = np.concatenate([q_tt.col[off] + 1, np.zeros(exit_states.size, dtype=np.int64), targets + 1])
    data = np.concatenate([q_tt.data[off], exits[exit_states], rate * start_up[targets]])
    offdiag = sp.csr_array((data, (rows, cols)), shape=(n_up + 1, n_up + 1))
    out = np.asarray(offdiag.sum(axis=1)).ravel()
    return (offdiag - sp.diags_array(out)).tocsr(), rate


def _failure_frequency(q: sp.csr_array, pi: np.ndarray, up: np.ndarray) -> float:
    rows = _row_ids(q)
    crossing = up[rows] & ~up[q.indices]
    return float(np.sum(pi[rows[crossing]] * q.data[crossing]))


def _propagate(q_transposed: sp.csr_array, start: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Rows ``exp(Q^T t) p0`` for ``t`` in ``grid``, stepping from one time to the next."""
    steps = np.diff(grid, prepend=0.0)
    even = grid.size > 2 and np.allclose(steps[1:], steps[1], rtol=1e-12, atol=0.0)
    if even:
        steps[1:] = (grid[-1] - grid[0]) / (grid.size - 1)
    if start.size <= DENSE_LIMIT:
        # expm_multiply costs ~ t ||Q|| products; a dense exponential costs the same for any t.
        return _propagate_dense(q_transposed.toarray(), start, steps)
    if even:
        return spla.expm_multiply(q_transposed, start, start=grid[0], stop=grid[-1], num=grid.size)
    out = np.empty((grid.size, start.size))
    p = start
    for i, step in enumerate(steps):
        if step > 0:
            p = spla.expm_multiply(q_transposed * step, p)
        out[i] = p
    return out


def _propagate_dense(a: np.ndarray, start: np.ndarray, steps: np.ndarray) -> np.ndarray:
    out = np.empty((steps.size, start.size))
    exponentials: dict[float, np.ndarray] = {}
    p = start
    for i, step in enumerate(steps):
        if step > 0:
            if step not in exponentials:
                exponentials[step] = scipy.linalg.expm(a * step)
            p = exponentials[step] @ p
        out[i] = p
    return out


def _distribution(p0: np.ndarray, n: int, where: str) -> np.ndarray:
    p = np.asarray(p0, dtype=float).ravel()
    if p.shape != (n,) or np.any(p < 0) or not math.isclose(p.sum(), 1.0, rel_tol=1e-9):
        expected = f"a probability vector of length {n} summing to 1"
        raise SpecError(where, f"array of shape {p.shape}", expected)
    return p


def _time_grid(times: Sequence[float] | np.ndarray) -> np.ndarray:
    grid = np.atleast_1d(np.asarray(times, dtype=float))
    if grid.ndim != 1 or np.any(~np.isfinite(grid)) or np.any(grid < 0) or np.any(np.diff(grid) < 0):
        raise SpecError("times", list(grid.ravel()[:5]), "non-decreasing, non-negative, finite hours")
    return grid


def _up_mask(up_states: np.ndarray, n: int) -> np.ndarray:
    given = np.asarray(up_states)
    if given.dtype == bool:
        if given.shape != (n,):
            raise SpecError("up_states", f"mask of shape {given.shape}", f"a boolean mask of length {n}")
        return given
    mask = np.zeros(n, dtype=bool)
    mask[given.astype(np.int64)] = True
    return mask
