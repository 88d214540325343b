r"""Monte Carlo of repair teams: the elements a team repairs are simulated jointly, with any laws.

The elements no team names are independent alternating renewal processes
(:mod:`hadr_model.engines.montecarlo`); a team's elements are not — a failed copy waits for a
crew. Each team is one event-driven simulation per run, vectorised across the runs of a block
(one event of every run per step, so a step costs ``O(runs × copies)`` numpy work):

* a copy up fails after a draw of its failure law; a failed copy needs a draw of its repair law
  of *work* from one crew;
* the discipline of :mod:`hadr_model.topology.repair`: the copies in repair are the ``crews``
  failed copies first in (priority level, highest first; then order of failure). A failure of a
  higher level takes the crew of the lowest-ranked copy in repair, whose work left is kept
  (preemptive-resume);
* the next event of a run is the earliest of the next failure and the end of the shortest work
  left among the copies in repair.

Start. The joint stationary law is not known for general laws, so each run starts every copy
at ``−W`` in its *own* stationary state (as an independent element would start: up with
probability ``A``, the time left in its phase from the equilibrium law) and the team runs for
``W`` hours before ``t = 0``, ``W = 50 × (largest mean repair) × max(1, copies / crews)``:
queues formed by the shared crews relax on the scale of repair busy periods, so the state at 0
is stationary up to a bias of order ``e^{−50}`` for exponential failures (ages of
non-exponential up phases relax more slowly, but crews delay few of them).

A standby group (:mod:`hadr_model.topology.standby`) is simulated the same way by
:class:`_Standby`: its units are serving, switching in, spares or down; its output is its rows'
down counts from the empty positions (with the crews of a team that repairs that group only).

The output is, per element, the same :class:`~hadr_model.engines.structure.Signal` as an
independent element's (its down count over ``[0, T)``), which feeds the same structure
evaluation; and, for a region whose failover takes an RTO, its loss history.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SpecError
from ..topology.laws import Sum, exponential
from .structure import Signal

__all__ = ["WARMUP_REPAIRS", "DenseStandby", "DenseTeam", "dense_teams", "team_signals"]

WARMUP_REPAIRS = 50.0
_ORDER_BITS = 40       # failure order in the low bits of a copy's rank key, its level above


@dataclass(frozen=True)
class DenseTeam:
    """A team over the plan's (dense) element indices: ``levels[i]`` of ``elements[i]``."""

    name: str
    crews: int
    elements: tuple[int, ...]
    levels: tuple[int, ...]


def dense_teams(compiled: Any, rows: Sequence[int]) -> tuple[DenseTeam | DenseStandby, ...]:
    """The compiled model's teams over the plan's elements (``rows[i]``: table row of element ``i``),
    and its standby groups (:class:`DenseStandby`, with the crews of the team that repairs them).

    Raises
    ------
    SpecError
        A team that repairs a standby group's units and other elements (Monte Carlo simulates a
        standby group with the crews of a team of its own only).
    """
    dense = {row: i for i, row in enumerate(rows)}
    teams: list[DenseTeam | DenseStandby] = []
    standby = [g for g in getattr(compiled, "standby", ()) if all(r in dense for r in g.rows)]
    crews_of: dict[int, int | None] = {id(g): None for g in standby}
    skip = set()
    for group in (*compiled.teams, *standby):
        _refuse_detection(compiled, group)
    for k, team in enumerate(compiled.teams):
        mine = [g for g in standby if set(g.rows) & set(team.rows)]
        if mine:
            if len(mine) > 1 or set(mine[0].rows) != set(team.rows):
                raise SpecError(team.field, mine[0].name, "a team that repairs one standby group and nothing else "
                                "for Monte Carlo (split the team: the exact engine takes this one)")
            crews_of[id(mine[0])] = team.crews
            skip.add(k)
    for g in standby:
        teams.append(DenseStandby(g.name, crews_of[id(g)], tuple(dense[r] for r in g.rows), g.counts, g.spares,
                                  g.mode, g.dormant_mttf_h, g.switch_success, g.switch_time))
    for k, team in enumerate(compiled.teams):
        if k in skip:
            continue
        members = [(dense[r], level) for r, level in zip(team.rows, team.levels) if r in dense]
        if members:
            teams.append(DenseTeam(team.name, team.crews, tuple(m for m, _ in members),
                                   tuple(level for _, level in members)))
    return tuple(teams)


def _refuse_detection(compiled: Any, group: Any) -> None:
    """Refuse an element with a detection delay in a team or standby group.

    Its outage law is detect + repair (:func:`~hadr_model.topology.laws.outage_law`), and the
    joint simulation would hold a crew during the detection too: not what the spec says.
    """
    for row in group.rows:
        law = compiled.elements.behaviours[row].repair
        if isinstance(law, Sum) and "detect" in law.labels:
            raise SpecError(getattr(group, "field", "repair"), compiled.elements.names[row],
                            "elements without a detection delay (mttd / detect) in a repair team or "
                            "standby group: the joint simulation does not model detection yet")


def team_signals(teams: Sequence[DenseTeam], elements: Sequence[Any], runs: int, horizon: float,
                 rng: np.random.Generator, pools: Any = None, aged: set[int] | frozenset[int] = frozenset()
                 ) -> tuple[dict[int, Signal], dict[int, tuple]]:
    """Signals of every team element for ``runs`` runs, and the histories of those in ``aged``."""
    signals: dict[int, Signal] = {}
    histories: dict[int, tuple] = {}
    for team in teams:
        if isinstance(team, DenseStandby):
            _Standby(team, elements, runs, horizon, rng, pools).run(signals)
        else:
            _Team(team, elements, runs, horizon, rng, pools).run(signals, histories, aged)
    return signals, histories


class _Team:
    def __init__(self, team: DenseTeam, elements: Sequence[Any], runs: int, horizon: float,
                 rng: np.random.Generator, pools: Any) -> None:
        self.team = team
        self.rng = rng
        self.runs = runs
        self.horizon = horizon
        self.unit_element = np.repeat(np.array(team.elements), [elements[e].count for e in team.elements])
        self.unit_level = np.repeat(np.array(team.levels), [elements[e].count for e in team.elements])
        self.failure = [elements[e].failure for e in self.unit_element]
        self.repair = [elements[e].repair for e in self.unit_element]
        units = len(self.unit_element)
        self.units = units
        longest = max(law.mean_h for law in self.repair)
        self.warmup = WARMUP_REPAIRS * longest * max(1.0, units / team.crews)
        self.pools = pools
        self._kinds: dict[int, tuple[np.ndarray, list[Any]]] = {}

    def _draw(self, laws: list[Any], units: np.ndarray, equilibrium: bool = False) -> np.ndarray:
        """One draw per entry of ``units`` (copy indices), from each copy's law."""
        kinds = self._kinds.setdefault(id(laws), _law_kinds(laws))
        if len(kinds[1]) == 1:
            return self._sample(kinds[1][0], units.shape, equilibrium)
        out = np.empty(units.shape)
        kind = kinds[0][units]
        for k, law in enumerate(kinds[1]):
            mask = kind == k
            if mask.any():
                out[mask] = self._sample(law, int(mask.sum()), equilibrium)
        return out

    def _sample(self, law: Any, shape: Any, equilibrium: bool) -> np.ndarray:
        return law.equilibrium(self.rng, shape, self.pools) if equilibrium else law.sample(self.rng, shape)

    def run(self, signals: dict[int, Signal], histories: dict[int, tuple], aged: Any) -> None:
        runs, units, crews = self.runs, self.units, self.team.crews
        rows = np.arange(runs)
        grid = np.broadcast_to(np.arange(units), (runs, units))
        availability = np.array([f.mean_h / (f.mean_h + r.mean_h) for f, r in zip(self.failure, self.repair)])
        up = self.rng.random((runs, units)) < availability
        t = np.full(runs, -self.warmup)
        fail_at = np.where(up, t[:, None] + self._draw(self.failure, grid, equilibrium=True), np.inf)
        work = np.where(up, 0.0, self._draw(self.repair, grid, equilibrium=True))
        since = np.where(up, np.inf, t[:, None])          # start of the current outage
        order = np.where(up, 0, self.rng.permutation(units)[None, :].repeat(runs, 0)).astype(np.int64)
        counter = np.full(runs, units, np.int64)
        rank_level = (int(self.unit_level.max()) - self.unit_level).astype(np.int64) << _ORDER_BITS
        at_zero = np.zeros((runs, units), bool)
        since_zero = np.zeros((runs, units))
        active = np.ones(runs, bool)
        log: list[tuple[np.ndarray, ...]] = []
        while active.any():
            live = np.flatnonzero(active)
            down = ~up[live]
            serving = down.copy()
            if crews < units:
                crowded = np.flatnonzero(down.sum(axis=1) > crews)
                if crowded.size:
                    key = np.where(down[crowded], rank_level[None, :] + order[live[crowded]], np.iinfo(np.int64).max)
                    first = np.argsort(key, axis=1, kind="stable")[:, :crews]
                    serving[crowded] = False
                    serving[crowded[:, None], first] = True
            left = np.where(serving, work[live], np.inf)
            repair_unit = left.argmin(axis=1)
            shortest = left[np.arange(live.size), repair_unit]
            failure_unit = fail_at[live].argmin(axis=1)
            to_failure = fail_at[live, failure_unit] - t[live]
            step = np.minimum(shortest, to_failure)
            now = t[live] + step
            crossing = (t[live] < 0.0) & (now >= 0.0)
            if crossing.any():      # the state over [t, now) holds at 0: the signal's start
                at_zero[live[crossing]] = ~up[live[crossing]]
                since_zero[live[crossing]] = -since[live[crossing]]
            ended = now >= self.horizon
            active[live[ended]] = False
            go = ~ended
            live, step, now, serving = live[go], step[go], now[go], serving[go]
            repaired = (shortest <= to_failure)[go]
            repair_unit, failure_unit = repair_unit[go], failure_unit[go]
            work[live] = np.maximum(work[live] - np.where(serving, step[:, None], 0.0), 0.0)
            t[live] = now
            fixed, broke = live[repaired], live[~repaired]
            fixed_unit, broke_unit = repair_unit[repaired], failure_unit[~repaired]
            if fixed.size:
                up[fixed, fixed_unit] = True
                work[fixed, fixed_unit] = 0.0
                since[fixed, fixed_unit] = np.inf
                fail_at[fixed, fixed_unit] = now[repaired] + self._draw(self.failure, fixed_unit)
            if broke.size:
                up[broke, broke_unit] = False
                fail_at[broke, broke_unit] = np.inf
                work[broke, broke_unit] = self._draw(self.repair, broke_unit)
                since[broke, broke_unit] = now[~repaired]
                order[broke, broke_unit] = counter[broke]
                counter[broke] += 1
            inside = now >= 0.0
            if inside.any():
                log.append((live[inside], now[inside], np.where(repaired, repair_unit, failure_unit)[inside],
                            np.where(repaired, -1, 1)[inside].astype(np.int8)))
        self._signals(log, at_zero, since_zero, signals, histories, aged, rows)

    def _signals(self, log: list[tuple[np.ndarray, ...]], at_zero: np.ndarray, since_zero: np.ndarray,
                 signals: dict[int, Signal], histories: dict[int, tuple], aged: Any, rows: np.ndarray) -> None:
        run = np.concatenate([e[0] for e in log]) if log else np.zeros(0, np.int64)
        time = np.concatenate([e[1] for e in log]) if log else np.zeros(0)
        unit = np.concatenate([e[2] for e in log]) if log else np.zeros(0, np.int64)
        delta = np.concatenate([e[3] for e in log]) if log else np.zeros(0, np.int8)
        element_of = self.unit_element[unit]
        for element in self.team.elements:
            members = self.unit_element == element
            mine = element_of == element
            times, deltas = _rectangle(run[mine], time[mine], delta[mine], self.runs)
            init = at_zero[:, members].sum(axis=1).astype(np.int32)
            causes = np.broadcast_to(np.int32(element), times.shape)
            signals[element] = Signal(init, times, deltas, causes, cause=element)
            if element in aged and members.sum() == 1:
                u = int(np.flatnonzero(members)[0])
                down = at_zero[:, u]
                # History rows: failure, repair, failure, … (a copy down at 0 starts with its failure at 0).
                pad = np.full((self.runs, 1), np.inf)
                history = np.where(down[:, None], np.concatenate([np.zeros((self.runs, 1)), times], axis=1),
                                   np.concatenate([times, pad], axis=1))
                history = np.concatenate([history, pad, pad], axis=1)
                histories[element] = (~down, history, np.where(down, since_zero[:, u], 0.0))


@dataclass(frozen=True)
class DenseStandby:
    """A standby group (:class:`~hadr_model.topology.standby.StandbyGroup`) over the plan's
    elements; ``crews``: of the team that repairs it, ``None`` for a crew per failed unit."""

    name: str
    crews: int | None
    elements: tuple[int, ...]
    counts: tuple[int, ...]
    spares: int
    mode: str
    dormant_mttf_h: float
    switch_success: float
    switch_time: Any


_SERVING, _SWITCHING, _SPARE, _DOWN = 0, 1, 2, 3


class _Standby:
    r"""One standby group, all runs of a block at once (semantics: :mod:`hadr_model.topology.standby`).

    Each unit is serving, switching in, a spare or down. Events: a unit fails (an active one
    after a draw of the failure law from its activation — a hot spare keeps the clock it ran
    with —, a warm spare after an exponential dormant life, a cold spare never); a switch-over
    ends (after a draw of ``switch_time``); a repair ends (work drawn from the repair law, the
    ``crews`` earliest failures served at once, all of them without a team). An active failure
    tries the spares that are up one after the other, each succeeding with ``switch_success``
    (a failed attempt puts that spare down). The output is each row's down count, from the empty
    positions ``M = N − serving``; the start is all up at ``−W`` (actives with equilibrium
    residual lives), ``W`` as for a team.
    """

    def __init__(self, group: DenseStandby, elements: Sequence[Any], runs: int, horizon: float,
                 rng: np.random.Generator, pools: Any) -> None:
        self.group = group
        self.rng = rng
        self.runs = runs
        self.horizon = horizon
        first = elements[group.elements[0]]
        self.failure, self.repair = first.failure, first.repair
        self.dormant = exponential(group.dormant_mttf_h) if group.mode == "warm" else None
        self.actives = sum(group.counts)
        self.units = self.actives + group.spares
        crews = group.crews if group.crews is not None else self.units
        longest = max(self.repair.mean_h, group.switch_time.mean_h if group.switch_time is not None else 0.0)
        self.warmup = WARMUP_REPAIRS * longest * max(1.0, self.units / crews)
        self.pools = pools

    def _spare_life(self, shape: Any, now: Any) -> np.ndarray:
        if self.group.mode == "cold":
            return np.full(shape, np.inf)
        law = self.dormant if self.dormant is not None else self.failure
        return now + law.sample(self.rng, shape)

    def run(self, signals: dict[int, Signal]) -> None:
        runs, units, n = self.runs, self.units, self.actives
        status = np.full((runs, units), _SPARE, np.int8)
        status[:, :n] = _SERVING
        t = np.full(runs, -self.warmup)
        fail_at = np.empty((runs, units))
        fail_at[:, :n] = t[:, None] + self.failure.equilibrium(self.rng, (runs, n), self.pools)
        if units > n:
            shape = (runs, units - n)
            if self.group.mode == "hot":    # a hot spare has been running: a residual life, as an active's
                fail_at[:, n:] = t[:, None] + self.failure.equilibrium(self.rng, shape, self.pools)
            else:
                fail_at[:, n:] = self._spare_life(shape, t[:, None])
        serve_at = np.full((runs, units), np.inf)
        work = np.zeros((runs, units))
        order = np.zeros((runs, units), np.int64)
        counter = np.zeros(runs, np.int64)
        empty_zero = np.zeros(runs, np.int64)
        active = np.ones(runs, bool)
        log: list[tuple[np.ndarray, ...]] = []
        crews = self.group.crews
        while active.any():
            live = np.flatnonzero(active)
            down = status[live] == _DOWN
            repairing = down.copy()
            if crews is not None and crews < units:
                crowded = np.flatnonzero(down.sum(axis=1) > crews)
                if crowded.size:
                    key = np.where(down[crowded], order[live[crowded]], np.iinfo(np.int64).max)
                    first = np.argsort(key, axis=1, kind="stable")[:, :crews]
                    repairing[crowded] = False
                    repairing[crowded[:, None], first] = True
            left = np.where(repairing, work[live], np.inf)
            repair_unit = left.argmin(axis=1)
            failure_unit = fail_at[live].argmin(axis=1)
            switch_unit = serve_at[live].argmin(axis=1)
            index = np.arange(live.size)
            steps = np.stack([left[index, repair_unit], fail_at[live, failure_unit] - t[live],
                              serve_at[live, switch_unit] - t[live]])
            kind = steps.argmin(axis=0)
            step = steps[kind, index]
            now = t[live] + step
            before = n - (status[live] == _SERVING).sum(axis=1)
            crossing = (t[live] < 0.0) & (now >= 0.0)
            empty_zero[live[crossing]] = before[crossing]
            ended = now >= self.horizon
            active[live[ended]] = False
            go = ~ended
            live, now, kind, before = live[go], now[go], kind[go], before[go]
            work[live] = np.maximum(work[live] - np.where(repairing[go], step[go][:, None], 0.0), 0.0)
            t[live] = now
            for code, units_of, apply in ((0, repair_unit, self._repaired), (1, failure_unit, self._failed),
                                          (2, switch_unit, self._switched)):
                mask = kind == code
                if mask.any():
                    apply(live[mask], units_of[go][mask], now[mask], status, fail_at, serve_at, work, order, counter)
            after = n - (status[live] == _SERVING).sum(axis=1)
            moved = (after != before) & (now >= 0.0)
            if moved.any():
                log.append((live[moved], now[moved], np.maximum(before, after)[moved],
                            (after - before)[moved].astype(np.int8)))
        self._signals(log, empty_zero, signals)

    def _failed(self, rows: np.ndarray, unit: np.ndarray, now: np.ndarray, status: np.ndarray, fail_at: np.ndarray,
                serve_at: np.ndarray, work: np.ndarray, order: np.ndarray, counter: np.ndarray) -> None:
        was_active = status[rows, unit] != _SPARE
        self._down(rows, unit, status, fail_at, serve_at, work, order, counter)
        need, at = rows[was_active], now[was_active]
        switch = self.group.switch_time
        while need.size:
            spare = status[need] == _SPARE
            has = spare.any(axis=1)
            need, at, spare = need[has], at[has], spare[has]
            if not need.size:
                break
            chosen = spare.argmax(axis=1)
            ok = self.rng.random(need.size) < self.group.switch_success
            taken, when, who = need[ok], at[ok], chosen[ok]
            if taken.size:
                if self.group.mode != "hot":    # a waiting spare starts its active life now
                    fail_at[taken, who] = when + self.failure.sample(self.rng, taken.size)
                if switch is None:
                    status[taken, who] = _SERVING
                else:
                    status[taken, who] = _SWITCHING
                    serve_at[taken, who] = when + switch.sample(self.rng, taken.size)
            lost = ~ok
            self._down(need[lost], chosen[lost], status, fail_at, serve_at, work, order, counter)
            need, at = need[lost], at[lost]

    def _down(self, rows: np.ndarray, unit: np.ndarray, status: np.ndarray, fail_at: np.ndarray,
              serve_at: np.ndarray, work: np.ndarray, order: np.ndarray, counter: np.ndarray) -> None:
        status[rows, unit] = _DOWN
        fail_at[rows, unit] = np.inf
        serve_at[rows, unit] = np.inf
        work[rows, unit] = self.repair.sample(self.rng, rows.size)
        order[rows, unit] = counter[rows]
        counter[rows] += 1

    def _repaired(self, rows: np.ndarray, unit: np.ndarray, now: np.ndarray, status: np.ndarray,
                  fail_at: np.ndarray, serve_at: np.ndarray, work: np.ndarray, order: np.ndarray,
                  counter: np.ndarray) -> None:
        held = ((status[rows] == _SERVING) | (status[rows] == _SWITCHING)).sum(axis=1)
        fills = held < self.actives
        work[rows, unit] = 0.0
        status[rows, unit] = np.where(fills, _SERVING, _SPARE)
        life = self.failure.sample(self.rng, rows.size)
        if self.group.mode == "hot":
            fail_at[rows, unit] = now + life
        else:
            fail_at[rows, unit] = np.where(fills, now + life, self._spare_life(rows.size, now))

    def _switched(self, rows: np.ndarray, unit: np.ndarray, now: np.ndarray, status: np.ndarray,
                  fail_at: np.ndarray, serve_at: np.ndarray, work: np.ndarray, order: np.ndarray,
                  counter: np.ndarray) -> None:
        status[rows, unit] = _SERVING
        serve_at[rows, unit] = np.inf

    def _signals(self, log: list[tuple[np.ndarray, ...]], empty_zero: np.ndarray, signals: dict[int, Signal]) -> None:
        run = np.concatenate([e[0] for e in log]) if log else np.zeros(0, np.int64)
        time = np.concatenate([e[1] for e in log]) if log else np.zeros(0)
        position = np.concatenate([e[2] for e in log]) if log else np.zeros(0, np.int64)
        delta = np.concatenate([e[3] for e in log]) if log else np.zeros(0, np.int8)
        counts = np.array(self.group.counts)
        row_of = np.repeat(np.arange(counts.size), counts)      # position p (1-based) is in row_of[p - 1]
        owner = row_of[position - 1] if position.size else np.zeros(0, np.int64)
        offset = 0
        for j, element in enumerate(self.group.elements):
            mine = owner == j
            times, deltas = _rectangle(run[mine], time[mine], delta[mine], self.runs)
            init = np.clip(empty_zero - offset, 0, counts[j]).astype(np.int32)
            causes = np.broadcast_to(np.int32(element), times.shape)
            signals[element] = Signal(init, times, deltas, causes, cause=element)
            offset += int(counts[j])


def _law_kinds(laws: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Each copy's law as an index into the distinct laws."""
    distinct: dict[Any, int] = {}
    index = np.array([distinct.setdefault(law, len(distinct)) for law in laws])
    return index, list(distinct)


def _rectangle(run: np.ndarray, time: np.ndarray, delta: np.ndarray, runs: int) -> tuple[np.ndarray, np.ndarray]:
    """Events of each run in time order, one row per run, padded with ``inf`` / 0."""
    order = np.lexsort((time, run))
    run, time, delta = run[order], time[order], delta[order]
    counts = np.bincount(run, minlength=runs)
    width = int(counts.max()) if counts.size and run.size else 0
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.arange(run.size) - starts[run]
    times = np.full((runs, width), math.inf)
    deltas = np.zeros((runs, width), np.int8)
    times[run, position] = time
    deltas[run, position] = delta
    return times, deltas
