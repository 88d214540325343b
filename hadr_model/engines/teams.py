r"""Exact steady state of a spec whose elements share repair crews (the Markov engine, chosen
automatically by :func:`hadr_model.service.availability`).

Model
-----
Each repair team (:mod:`hadr_model.topology.repair`) is one continuous-time Markov chain over
the down counts of the elements it repairs (:func:`~hadr_model.engines.markov.build_chain`,
one lumped group per element, the team's crews as its pool, its priority levels). Teams do not
interact, and every element no team names is repaired by its own crew, so the long run is a
product of independent *factors*: each team's stationary distribution ``π_T`` and, per other
element of ``n`` copies, ``Binomial(n, q)`` with ``q = MTTR / (MTTF + MTTR)``.

A standby group (:mod:`hadr_model.topology.standby`) is one lumped group of its ``N + s``
units with ``needed = N`` (cold / warm spares and the switch-over of
:class:`~hadr_model.engines.markov.Group`; hot spares with an imperfect switch are warm spares
at the active rate), inside the chain of the team that repairs it, or in a chain of its own
(a crew per failed unit) otherwise; the structure sees its empty positions
``max(0, failed − s)``, spread over its rows. It needs exponential laws and ``switch_time: 0``
(else the engine refuses, naming the field, and points to ``hadr simulate``), and is alone at
its priority level in a team (its failure rates depend on its state: no exchangeability).

A part of the structure (a tenant, a region's service, a block) is then evaluated on the
product of the factors its leaves touch, marginalised onto those leaves:

``U = Σ_s p(s) [down(s)]``,  ``ν = Σ_f Σ_{a→b} Σ_s p(s) R_f[a, b] [s up, s_{f:a→b} down]``,

with ``R_f[a, b] = F_f[a, b] / p_f(a)`` the stationary conditional rate of factor ``f`` from
(marginal) state ``a`` to ``b`` and ``F_f[a, b] = Σ_{i∈a, j∈b} π_i q_ij`` its stationary flow
(transitions change one factor at a time, and the factor's marginal flows are exact for the
stationary frequency even where the marginal is not itself Markov). When the children of a
node touch disjoint factors they are independent: each child is reduced to a two-state factor
(down probability and frequency, ``R_01 = ν/(1−q)``, ``R_10 = ν/q``) or a leaf's count, and
the node is evaluated on the product of those — so tenants of regions with a team each
cost the sum, not the product, of their regions' states.

Exactness
---------
The chain shares a level's crews in proportion to the copies waiting; the spec's discipline is
first come, first served within a level. With exponential laws the two give the same
stationary counts when the copies of a level are exchangeable (same failure and repair rates:
the stationary law of the queue order is then uniform given the set of failed copies), so the
engine requires, for every team: exponential failure and repair laws, and one pair of rates per
priority level. Otherwise it refuses, naming the team, and points to ``hadr simulate``, which
honours crews with any law. Steady state with independent repair does not depend on the laws'
shapes: elements outside teams may have any laws.

Bounds
------
Each team's chain has ``Π (n_e + 1)`` states and each enumerated part ``Π`` (its factors'
marginal states); both are checked against :data:`~hadr_model.engines.markov.MAX_STATES`
before anything is allocated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import SpecError
from ..topology.compiled import AtLeast, CompiledModel, Leaf, Node, Part, TenantDown, used_rows
from ..topology.model import Model
from ..topology.standby import down_positions
from .markov import MAX_STATES, Group, MarkovModel, RepairPolicy, build_chain, long_run
from .results import AvailabilityResult, RegionAvailability, SystemMetrics

__all__ = ["ENGINE_LABEL", "STANDBY_LABEL", "check_exact", "shared_repair_availability"]

ENGINE_LABEL = "Markov chain, shared repair crews"
STANDBY_LABEL = "Markov chain, standby spares"
BOTH_LABEL = "Markov chain, shared repair crews and standby spares"
STANDBY_DR_NOTE = ("standby spares: the Markov engine states instantaneous failover only (an upper bound); "
                   "`hadr simulate` gives the DR-workflow failover with spares")
DR_NOTE = ("shared repair crews: the Markov engine states instantaneous failover only (an upper bound); "
           "`hadr simulate` gives the DR-workflow failover with crews")
_SIMULATE = "`hadr simulate` honours repair crews with any law"
_SIMULATE_STANDBY = "`hadr simulate` takes standby spares with any law and a switch time"


@dataclass(frozen=True)
class _Factor:
    """Independent part of the long run: its keys' values in each of its ``m`` states, their
    probabilities and the conditional rates between them (``rates[a, b]``, per hour)."""

    values: dict[Any, np.ndarray]
    p: np.ndarray
    rates: sp.csr_array

    @property
    def size(self) -> int:
        return len(self.p)


def check_exact(model: Model) -> None:
    """Refuse, naming the team, what the Markov engine cannot state exactly (see the module)."""
    compiled: CompiledModel = model.compiled
    table = compiled.elements
    used = set(used_rows(compiled.tenants()))
    spare_rows = _check_standby(compiled)
    for team in compiled.teams:
        rates: dict[int, tuple[float, float, int]] = {}
        for row, level in zip(team.rows, team.levels):
            if row not in used:
                continue
            if row in spare_rows:
                group = spare_rows[row]
                pair = (-1.0, -1.0, row)    # a standby group is alone at its level (its rates depend on its state)
                first = rates.setdefault(level, pair)
                if first[0] != -1.0 or spare_rows.get(first[2]) is not group:
                    raise SpecError(f"{team.field}.priority", f"{table.names[first[2]]} and {table.names[row]} "
                                    "at one level", "a standby group alone at its priority level for the exact "
                                    f"(Markov) engine (list it in priority), or {_SIMULATE_STANDBY}")
                continue
            behaviour = table.behaviours[row]
            for what, law in (("failure", behaviour.failure), ("repair", behaviour.repair)):
                assert law is not None
                if not law.is_exponential:
                    raise SpecError(team.field, f"{table.names[row]}: {what} {law.describe()}",
                                    "exponential laws (mttf/mttr) for the elements a team repairs, for the "
                                    f"exact (Markov) engine; {_SIMULATE}")
            pair = (behaviour.mttf_h, behaviour.mttr_h, row)
            first = rates.setdefault(level, pair)
            if first[0] == -1.0:
                raise SpecError(f"{team.field}.priority", f"{table.names[first[2]]} and {table.names[row]} "
                                "at one level", "a standby group alone at its priority level for the exact "
                                f"(Markov) engine (list it in priority), or {_SIMULATE_STANDBY}")
            if not (math.isclose(first[0], pair[0], rel_tol=1e-12) and math.isclose(first[1], pair[1], rel_tol=1e-12)):
                raise SpecError(f"{team.field}.priority", f"{table.names[first[2]]} and {table.names[row]} "
                                "at one level", "one failure and repair rate per priority level for the exact "
                                "(Markov) engine (it cannot keep first-come-first-served order between unlike "
                                f"elements): list them in priority, or {_SIMULATE}")
        states = math.prod(int(table.counts[row]) + 1 for row in team.rows if row in used and row not in spare_rows)
        states *= math.prod(g.units + 1 for g in {id(spare_rows[r]): spare_rows[r] for r in team.rows
                                                  if r in spare_rows}.values())
        if states > MAX_STATES:
            raise SpecError(team.field, f"{states:,} Markov states (team {team.name})",
                            f"at most {MAX_STATES:,} states for a team's chain: fewer elements per team, or "
                            f"per_region: true; {_SIMULATE}")


def _check_standby(compiled: CompiledModel) -> dict[int, Any]:
    """Refuse, naming the group, a standby the chain cannot state; the group of every standby row."""
    table = compiled.elements
    owner: dict[int, Any] = {}
    for group in compiled.standby:
        behaviour = table.behaviours[group.rows[0]]
        for what, law in (("failure", behaviour.failure), ("repair", behaviour.repair)):
            assert law is not None
            if not law.is_exponential:
                raise SpecError(group.field, f"{group.name}: {what} {law.describe()}",
                                "exponential laws (mttf/mttr) for standby units, for the exact (Markov) engine; "
                                + _SIMULATE_STANDBY)
        if group.switch_time is not None:
            raise SpecError(f"{group.field}.switch_time", group.switch_time.describe(),
                            "an instantaneous switch-over (0) for the exact (Markov) engine; " + _SIMULATE_STANDBY)
        owner.update({row: group for row in group.rows})
    for team in compiled.teams:
        for group in {id(owner[r]): owner[r] for r in team.rows if r in owner}.values():
            missing = [table.names[r] for r in group.rows if r not in team.rows]
            if missing:
                raise SpecError(team.field, missing[0], f"every copy of standby group {group.name} in one team, or "
                                "none (its spares replace any of them)")
            levels = {team.level_of(r) for r in group.rows}
            if len(levels) > 1:
                raise SpecError(f"{team.field}.priority", group.name, "one priority for all the copies of a "
                                "standby group")
    return owner


class _Solver:
    def __init__(self, compiled: CompiledModel) -> None:
        self.compiled = compiled
        self.table = compiled.elements
        self.standby_of = {row: g for g in compiled.standby for row in g.rows}
        # One chain per repair team, and one per standby group that no team repairs (its own crews).
        self.pools: list[tuple[str, int | None, tuple[int, ...], tuple[int, ...]]] = [
            (team.name, team.crews, team.rows, team.levels) for team in compiled.teams]
        teamed = {row for team in compiled.teams for row in team.rows}
        for group in compiled.standby:
            if group.rows[0] not in teamed:
                self.pools.append((group.name, None, group.rows, (0,) * len(group.rows)))
        self.team_of = {row: i for i, pool in enumerate(self.pools) for row in pool[2]}
        self.chains: dict[int, tuple[Any, np.ndarray, dict[int, np.ndarray]]] = {}
        self.memo: dict[int, tuple[Part, tuple[float, float]]] = {}
        self.needed = set(used_rows(compiled.tenants()))

    # --- factors ------------------------------------------------------------------------------

    def _chain(self, index: int) -> tuple[Any, np.ndarray, dict[int, np.ndarray]]:
        if index not in self.chains:
            name, crews, team_rows, levels = self.pools[index]
            team = name if crews is not None else None
            rows = [r for r in team_rows if r in self.needed]
            groups, spares = [], []
            for row, level in zip(team_rows, levels):
                if row not in self.needed:
                    continue
                b = self.table.behaviours[row]
                standby = self.standby_of.get(row)
                if standby is None:
                    n = int(self.table.counts[row])
                    groups.append(Group(f"r{row}", n, b.mttf_h, b.mttr_h, needed=n, priority=level, team=team))
                elif standby not in spares:
                    spares.append(standby)
                    groups.append(_standby_group(f"s{len(spares) - 1}", standby, b.mttf_h, b.mttr_h, level, team))
            policy = RepairPolicy(teams=((name, crews),)) if crews is not None else RepairPolicy()
            chain = build_chain(MarkovModel(groups, policy,
                                            up=lambda state: np.ones(len(next(iter(state.values()))), bool)))
            pi = long_run(chain.generator, chain.initial)
            failed = {row: chain.failed[f"r{row}"] for row in rows if row not in self.standby_of}
            for k, standby in enumerate(spares):
                empty = np.maximum(chain.failed[f"s{k}"] - standby.spares, 0)
                failed.update(zip(standby.rows, down_positions(standby, empty)))
            self.chains[index] = (chain.generator, pi, failed)
        return self.chains[index]

    def _team_factor(self, index: int, rows: Sequence[int]) -> _Factor:
        """Team ``index`` marginalised onto ``rows``: probabilities and stationary flows."""
        generator, pi, failed = self._chain(index)
        radices = [int(self.table.counts[r]) + 1 for r in rows]
        marginal = np.zeros(len(pi), np.int64)
        stride = 1
        for row, radix in zip(rows, radices):
            marginal += failed[row].astype(np.int64) * stride
            stride *= radix
        m = stride
        p = np.bincount(marginal, weights=pi, minlength=m)
        q = generator.tocoo()
        move = (q.row != q.col) & (marginal[q.row] != marginal[q.col])
        flows = sp.csr_array((pi[q.row[move]] * q.data[move], (marginal[q.row[move]], marginal[q.col[move]])),
                             shape=(m, m))
        flows.sum_duplicates()
        rates = sp.csr_array(sp.diags_array(np.divide(1.0, p, out=np.zeros(m), where=p > 0)) @ flows)
        digits = np.arange(m)
        values, stride = {}, 1
        for row, radix in zip(rows, radices):
            values[row] = (digits // stride) % radix
            stride *= radix
        return _Factor(values, p, rates)

    def _element_factor(self, row: int) -> _Factor:
        """Copies repaired independently: ``Binomial(n, q)``, birth-death rates."""
        n = int(self.table.counts[row])
        behaviour = self.table.behaviours[row]
        k = np.arange(n + 1)
        q = float(behaviour.unavailability)
        p = _binomial_pmf(k, n, q) if 0.0 < q < 1.0 else (k == (n if q >= 1.0 else 0)).astype(float)
        fail = 1.0 / behaviour.mttf_h if behaviour.has_time_law else 0.0
        repair = 1.0 / behaviour.mttr_h if behaviour.has_time_law and math.isfinite(behaviour.mttr_h) else 0.0
        up = np.where(k < n, (n - k) * fail, 0.0)
        down = k * repair
        rates = sp.csr_array((np.concatenate([up[:-1], down[1:]]), (np.concatenate([k[:-1], k[1:]]),
                                                                   np.concatenate([k[1:], k[:-1]]))),
                             shape=(n + 1, n + 1))
        rates.eliminate_zeros()
        return _Factor({row: k}, p, rates)

    def _factors(self, rows: Sequence[int]) -> list[_Factor]:
        teams: dict[int, list[int]] = {}
        factors = []
        for row in rows:
            if row in self.team_of:
                teams.setdefault(self.team_of[row], []).append(row)
            else:
                factors.append(self._element_factor(row))
        factors += [self._team_factor(index, members) for index, members in teams.items()]
        return factors

    def _keys(self, part: Part) -> set[Any]:
        """The independent pieces a part depends on: teams, and rows repaired on their own."""
        return {("team", self.team_of[r]) if r in self.team_of else ("row", r) for r in used_rows([part])}

    # --- parts --------------------------------------------------------------------------------

    def part(self, part: Part, where: str) -> tuple[float, float]:
        """``(U, ν)`` of a node: its down probability and failure frequency (per hour)."""
        if isinstance(part, Leaf):
            return self._node(Node(((part,),), AtLeast(1)), where)
        assert isinstance(part, Node), "instantaneous failover: the structure has no Served parts"
        key = id(part)
        if key not in self.memo or self.memo[key][0] is not part:   # the part is kept: its id stays its own
            self.memo[key] = (part, self._node(part, where))
        return self.memo[key][1]

    def _node(self, node: Node, where: str) -> tuple[float, float]:
        children = [child for channel in node.channels for child in channel]
        keys = [self._keys(child) for child in children]
        disjoint = len(children) > 1 and sum(map(len, keys)) == len(set().union(*keys))
        if not disjoint:
            rows = used_rows([node])
            factors = self._factors(rows)
            return _enumerate(factors, lambda value: node.rule([
                sum((_evaluate(child, value) for child in channel), np.zeros(value.size, np.int64))
                for channel in node.channels]), where)
        factors = []
        for child in children:
            if isinstance(child, Leaf):
                (factor,) = self._factors([child.element])
                factors.append(_Factor({id(child): factor.values[child.element]}, factor.p, factor.rates))
            else:
                u, nu = self.part(child, where)
                factors.append(_two_state(id(child), u, nu))
        return _enumerate(factors, lambda value: node.rule([
            sum((value(id(child)) for child in channel), np.zeros(value.size, np.int64))
            for channel in node.channels]), where)


def _standby_group(name: str, standby: Any, mttf_h: float, mttr_h: float, level: int, team: str | None) -> Group:
    """The lumped chain group of a standby: its units, ``needed`` = active positions.

    Hot spares with a perfect switch are hot instances; with an imperfect one they are warm
    spares failing at the active rate (``dormant_factor`` 1), which is what hot means.
    """
    mode, dormant = standby.mode, 0.0
    if mode == "warm":
        dormant = mttf_h / standby.dormant_mttf_h
    elif mode == "hot" and standby.switch_success < 1.0:
        mode, dormant = "warm", 1.0
    return Group(name, standby.units, mttf_h, mttr_h, needed=standby.actives, standby=mode,
                 dormant_factor=dormant, switch_success=standby.switch_success, priority=level, team=team)


def _evaluate(part: Part, value: Any) -> np.ndarray:
    """Down count (leaf) or flag (node) of ``part`` on the grid, memoised on the part."""
    cache = value.cache
    if id(part) not in cache:
        if isinstance(part, Leaf):
            cache[id(part)] = value(part.element)
        else:
            assert isinstance(part, Node)
            cache[id(part)] = part.rule([sum((_evaluate(c, value) for c in channel), np.zeros(value.size, np.int64))
                                         for channel in part.channels])
    return cache[id(part)]


def _binomial_pmf(k: np.ndarray, n: int, q: float) -> np.ndarray:
    # scipy.stats would cost ~1 s of import on a path that needs nothing else from it.
    from scipy.special import binom as choose

    return choose(n, k) * q ** k * (1.0 - q) ** (n - k)


def _two_state(key: Any, u: float, nu: float) -> _Factor:
    a = 1.0 - u
    rates = np.array([[0.0, nu / a if a > 0 else 0.0], [nu / u if u > 0 else 0.0, 0.0]])
    return _Factor({key: np.array([0, 1])}, np.array([a, u]), sp.csr_array(rates))


class _Grid:
    """Values of the factors' keys over the product of their states (mixed radix)."""

    def __init__(self, factors: Sequence[_Factor]) -> None:
        self.factors = factors
        self.size = math.prod(f.size for f in factors)
        self.strides = np.cumprod([1] + [f.size for f in factors[:-1]]).tolist()
        index = np.arange(self.size)
        self.digits = [(index // stride) % f.size for stride, f in zip(self.strides, factors)]
        self.owner = {key: i for i, f in enumerate(factors) for key in f.values}
        self.cache: dict[int, np.ndarray] = {}

    def __call__(self, key: Any) -> np.ndarray:
        i = self.owner[key]
        return self.factors[i].values[key][self.digits[i]]


def _enumerate(factors: Sequence[_Factor], down_of: Callable[[_Grid], np.ndarray], where: str) -> tuple[float, float]:
    size = math.prod(f.size for f in factors)
    if size > MAX_STATES:
        raise SpecError(where, f"{size:,} joint states", f"at most {MAX_STATES:,} states for one part of the "
                        f"service in the exact (Markov) engine with shared crews; {_SIMULATE}")
    grid = _Grid(factors)
    p = np.ones(grid.size)
    for f, digit in zip(factors, grid.digits):
        p *= f.p[digit]
    down = np.asarray(down_of(grid)) > 0
    u = float(p[down].sum())
    up_p = np.where(down, 0.0, p)
    nu = sum(_flow_into_down(f, stride, up_p, down) for f, stride in zip(factors, grid.strides))
    return u, float(nu)


_FLOW_CHUNK = 1 << 22   # grid cells gathered at once (32 MB of float64)


def _flow_into_down(factor: _Factor, stride: int, up_p: np.ndarray, down: np.ndarray) -> float:
    """``Σ P(s) r(s → s')`` over up states ``s`` and down states ``s'`` that differ in ``factor`` only.

    With the grid viewed as ``(outer, factor states, stride)``, a transition ``a → b`` of the
    factor joins the cells ``[:, a, :]`` and ``[:, b, :]``: one gather per transition, in
    chunks, instead of a scan of the whole grid per state (quadratic in the factor's size).
    """
    rates = factor.rates.tocoo()
    if rates.nnz == 0:
        return 0.0
    shape = (-1, factor.size, stride)
    up_cells, down_cells = up_p.reshape(shape), down.reshape(shape)
    per_transition = up_cells.shape[0] * stride
    step = max(1, _FLOW_CHUNK // per_transition)
    total = 0.0
    for start in range(0, rates.nnz, step):
        a, b, r = (x[start:start + step] for x in (rates.row, rates.col, rates.data))
        flows = (up_cells[:, a, :] * down_cells[:, b, :]).sum(axis=(0, 2))
        total += float(np.dot(r, flows))
    return total


def _own(compiled: CompiledModel, name: str) -> Node:
    """A region's own service with the global services (no failover)."""
    table = compiled.elements
    services = tuple(table.leaf(g) for g in compiled.globals if table.q[g] > 0 and table.counts[g] > 0)
    service = compiled._services[name][0]
    return Node(((services,) if services else ()) + ((service,),), TenantDown(bool(services), False))


def _label(compiled: CompiledModel) -> str:
    if compiled.teams and compiled.standby:
        return BOTH_LABEL
    return ENGINE_LABEL if compiled.teams else STANDBY_LABEL


def shared_repair_availability(model: Model, *, failover: str = "instantaneous", detail: bool = True
                               ) -> AvailabilityResult:
    """Exact steady-state availability of a spec with repair teams (see the module docstring).

    ``failover``: the failover model requested; with failover pairs the chain states
    instantaneous failover only, and a request for ``"dr-workflow"`` is answered with it and a
    note saying so. Importance measures are not computed (``importance`` is empty).

    Raises
    ------
    SpecError
        What :func:`check_exact` refuses, or a part of the service with more than
        :data:`~hadr_model.engines.markov.MAX_STATES` joint states.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> spec = {"blocks": {"parallel": [{"component": {"name": "a", "mttf": "1000h", "mttr": "10h",
    ...         "count": 2}}]}, "repair": {"ops": {"crews": 1, "components": ["a"]}}}
    >>> r = shared_repair_availability(load_spec(spec))
    >>> round(r.system.unavailability, 12)   # 2 rho² / (1 + 2 rho + 2 rho²), rho = 0.01
    0.000196039992
    >>> r.engine                                 # two copies a[1], a[2]: 2 x 2 states
    'Markov chain, shared repair crews (4 states)'
    """
    check_exact(model)
    compiled: CompiledModel = model.compiled
    solver = _Solver(compiled)
    year = compiled.year_hours
    notes = []
    pairs = compiled.form == "regions" and any(compiled.region(h).fails_over_to for h in compiled.home_regions)
    if pairs and failover == "dr-workflow":
        notes.append(DR_NOTE if compiled.teams else STANDBY_DR_NOTE)
    regions = []
    tenants = []
    if compiled.form == "blocks":
        tenants.append(solver.part(compiled.tenants()[0], "blocks"))
    else:
        parts = dict(zip(compiled.home_regions, compiled.tenants()))
        for site in compiled.regions:
            if not (site.home or detail):
                continue
            own = solver.part(_own(compiled, site.name), f"regions.{site.name}")
            tenant = solver.part(parts[site.name], f"regions.{site.name}") if site.home else own
            if site.home:
                tenants.append(tenant)
            if detail:
                regions.append(RegionAvailability(site.name, SystemMetrics.from_unavailability(*own, year),
                                                  SystemMetrics.from_unavailability(*tenant, year),
                                                  site.fails_over_to, site.home))
    u = float(np.mean([t[0] for t in tenants]))
    nu = float(np.mean([t[1] for t in tenants]))
    fixed = [compiled.elements.names[r] for r in sorted(solver.needed)
             if not compiled.elements.behaviours[r].has_time_law]
    if fixed:   # a fixed availability has no time behaviour: no frequency (as the exact engine says)
        nu = math.nan
        notes.append(f"failure frequency and mean outage need time laws; fixed availability: {', '.join(fixed[:5])}")
    states = sum(len(chain[1]) for chain in solver.chains.values())
    notes.append("importance measures are not computed by the Markov engine")
    return AvailabilityResult(
        name=compiled.name, form=compiled.form, system=SystemMetrics.from_unavailability(u, nu, year),
        regions=tuple(regions), notes=tuple(notes),
        failover_model="instantaneous" if pairs else "none",
        engine=f"{_label(compiled)} ({states:,} states)",
    )
