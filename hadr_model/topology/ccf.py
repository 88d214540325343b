r"""Common-cause failure groups in the PRA convention: beta factor, MGL and alpha factor.

A spec in the block or fault-tree form may group components (or basic events) that can fail
together from one cause — members that need not be copies of one another:

.. code-block:: yaml

    common_cause_groups:
      pumps:
        model: mgl                       # beta | mgl | alpha
        members: [pump_a, pump_b, pump_c]
        beta: 0.1                        # MGL: beta, gamma, delta … (or factors: [...])
        gamma: 0.3
        # q_total: 1e-3                  # the group's Q_t, when the members' differ

Quantification (Mosleh et al., *Guidelines on Modeling Common-Cause Failures in Probabilistic
Risk Assessment*, NUREG/CR-5485, 1998). A group has ``m`` members (2 ≤ m ≤ :data:`MAX_MEMBERS`)
and one total failure probability ``Q_t`` per member: its steady-state unavailability (or its
``probability``). ``Q_k`` is the probability of one *specific* common-cause basic event failing
exactly ``k`` given members (``Σ_k C(m−1, k−1) Q_k = Q_t``):

* beta factor: ``Q_1 = (1 − β) Q_t``, ``Q_m = β Q_t``, ``Q_k = 0`` for ``1 < k < m``;
* multiple Greek letter (MGL), with ``ρ_1 = 1, ρ_2 = β, ρ_3 = γ, ρ_4 = δ, …, ρ_{m+1} = 0``:
  ``Q_k = (∏_{i=1..k} ρ_i)(1 − ρ_{k+1}) Q_t / C(m−1, k−1)``;
* alpha factor, non-staggered testing (``staggered: false``, the default):
  ``Q_k = k / C(m−1, k−1) · α_k / α_t · Q_t`` with ``α_t = Σ_k k α_k``; staggered testing:
  ``Q_k = α_k Q_t / C(m−1, k−1)``.

The two are the same split when ``ρ_k = Σ_{j≥k} j α_j / Σ_{j≥k−1} j α_j`` (the relation of the
MGL parameters to the non-staggered alpha factors: :func:`mgl_from_alpha`).

Expansion. Every non-empty subset ``S`` of the members with ``Q_{|S|} > 0`` becomes one
independent basic event ``C_S`` of probability ``Q_{|S|}``; member ``i`` fails when any event
of a subset holding it does (an OR over ``2^{m−1}`` events at most). The single-member event
keeps the member's name (its independent failures); the others are named ``GROUP[a+b]``. The
events are shared by the members, so the structure has shared events and the exact engine
takes the BDD (:mod:`hadr_model.engines.bdd`). A member's resulting unavailability is
``1 − ∏_{S∋i} (1 − Q_{|S|})``, slightly below ``Q_t = Σ`` (the events are independent, not
exclusive), as in PRA codes that OR the events.

Time behaviour. When every member has time laws with one repair law ``R`` (copies, or
different components repaired alike), each event keeps that repair law and gets the failure
mean ``E[R] (1 − Q) / Q``, so that its steady-state unavailability is exactly ``Q``; the
independent event keeps its member's failure shape, the common-cause events are exponential.
Monte Carlo then simulates the groups. Otherwise (a fixed probability or availability, or
repair laws that differ) every event is a fixed probability, which Monte Carlo refuses by name.

One ``Q_t`` per group: NUREG/CR-5485 quantifies a group of like components. Members whose
``Q_t`` differ (relative difference above 1e-9) are refused unless the group states
``q_total``, which then replaces the members' own figures.

Refused, naming the field: an unknown member, a member listed twice or in two groups, a
member inside a network block or with a ``beta`` of its own, fewer than 2 or more than
:data:`MAX_MEMBERS` members, parameters outside ``[0, 1]``, alpha factors not summing to 1,
the wrong number of parameters for ``m``, more events in all than the block form allows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from ..units import parse_fraction
from . import _checks as check
from . import schema
from .laws import exponential
from .model import Behaviour, Block, Component, KOfN, Network, Parallel, Series

__all__ = ["MAX_MEMBERS", "MGL_NAMES", "MODELS", "CommonCauseGroup", "alpha_from_mgl", "expand", "mgl_from_alpha",
           "parse_groups", "q_by_order"]

MAX_MEMBERS = 8
"""Most members of one group: ``2^8 − 1 = 255`` events at most per group."""
MODELS = ("beta", "mgl", "alpha")
MGL_NAMES = ("beta", "gamma", "delta")
"""The MGL parameters ρ_2, ρ_3, ρ_4 by name (any m: ``factors: [ρ_2, …, ρ_m]``)."""
_ALPHA_SUM_TOLERANCE = 1e-6
_SAME_Q = 1e-9


@dataclass(frozen=True)
class CommonCauseGroup:
    """A quantified group: ``q_by_order[k − 1]`` is ``Q_k``; ``events`` names each event and its members."""

    name: str
    model: str
    members: tuple[str, ...]
    q_total: float
    q_by_order: tuple[float, ...]
    parameters: tuple[tuple[str, Any], ...]
    staggered: bool = False
    timed: bool = False
    events: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def describe(self) -> str:
        """One line for people: model, members, ``Q_t`` and each ``Q_k``."""
        orders = ", ".join(f"Q_{k} {q:.4g}" for k, q in enumerate(self.q_by_order, 1))
        return (f"{self.name}: {self.model} over {len(self.members)} ({', '.join(self.members)}), "
                f"Q_t {self.q_total:.4g}: {orders}; {len(self.events)} events")


def q_by_order(model: str, m: int, q_total: float, *, beta: float = 0.0, factors: Sequence[float] = (),
               alpha: Sequence[float] = (), staggered: bool = False) -> tuple[float, ...]:
    r"""``(Q_1, …, Q_m)``: the probability of one specific event failing ``k`` members (module docstring).

    Parameters
    ----------
    model : {"beta", "mgl", "alpha"}
    m : int
        Members of the group.
    q_total : float
        ``Q_t``, the total failure probability of one member.
    beta : float
        Beta factor (``model="beta"``).
    factors : sequence of float
        MGL ``ρ_2 … ρ_m`` (``β, γ, δ, …``), ``m − 1`` of them.
    alpha : sequence of float
        ``α_1 … α_m`` (summing to 1).
    staggered : bool
        Alpha factors estimated under staggered testing.

    Examples
    --------
    >>> [round(q, 12) for q in q_by_order("mgl", 3, 1e-3, factors=(0.1, 0.3))]
    [0.0009, 3.5e-05, 3e-05]
    >>> [round(q, 12) for q in q_by_order("beta", 3, 1e-3, beta=0.1)]
    [0.0009, 0.0, 0.0001]
    """
    if model == "beta":
        return tuple((1.0 - beta) * q_total if k == 1 else beta * q_total if k == m else 0.0
                     for k in range(1, m + 1))
    if model == "mgl":
        rho = [1.0, *factors, 0.0]          # rho[i] = ρ_{i+1}
        return tuple(math.prod(rho[:k]) * (1.0 - rho[k]) * q_total / math.comb(m - 1, k - 1)
                     for k in range(1, m + 1))
    if staggered:
        return tuple(alpha[k - 1] * q_total / math.comb(m - 1, k - 1) for k in range(1, m + 1))
    alpha_t = sum(k * a for k, a in enumerate(alpha, 1))
    return tuple(k / math.comb(m - 1, k - 1) * alpha[k - 1] / alpha_t * q_total for k in range(1, m + 1))


def mgl_from_alpha(alpha: Sequence[float]) -> tuple[float, ...]:
    r"""MGL ``ρ_2 … ρ_m`` equivalent to non-staggered alpha factors: ``ρ_k = Σ_{j≥k} j α_j / Σ_{j≥k−1} j α_j``.

    Examples
    --------
    >>> [round(r, 12) for r in mgl_from_alpha([0.95, 0.03, 0.02])]
    [0.11214953271, 0.5]
    """
    weighted = [j * a for j, a in enumerate(alpha, 1)]
    tails = [sum(weighted[i:]) for i in range(len(weighted))]
    return tuple(tails[k] / tails[k - 1] if tails[k - 1] > 0 else 0.0 for k in range(1, len(alpha)))


def alpha_from_mgl(factors: Sequence[float]) -> tuple[float, ...]:
    r"""Non-staggered alpha factors equivalent to MGL ``ρ_2 … ρ_m``: ``α_k ∝ (∏_{i≤k} ρ_i)(1 − ρ_{k+1}) / k``.

    Examples
    --------
    >>> [round(a, 12) for a in alpha_from_mgl(mgl_from_alpha([0.95, 0.03, 0.02]))]
    [0.95, 0.03, 0.02]
    """
    rho = [1.0, *factors, 0.0]
    raw = [math.prod(rho[:k]) * (1.0 - rho[k]) / k for k in range(1, len(rho))]
    total = sum(raw)
    return tuple(r / total for r in raw)


# --- reading ---------------------------------------------------------------------------------

def parse_groups(raw: Any, behaviours: Mapping[str, Behaviour], taken: set[str],
                 unusable: Mapping[str, str] | None = None) -> tuple[CommonCauseGroup, ...]:
    """Read and quantify ``common_cause_groups`` (field ``common_cause_groups``).

    Parameters
    ----------
    raw : mapping
        The section as written.
    behaviours : mapping of str to Behaviour
        Every component (or basic event) a member may name, with its behaviour.
    taken : set of str
        Names already used (the events' names must differ from them); extended in place.
    unusable : mapping of str to str, optional
        Names that cannot be members, with the reason.
    """
    section = check.mapping(raw, "common_cause_groups", "a mapping of group names to {model, members, …}")
    unusable = unusable or {}
    _check_event_budget(section, len(behaviours))
    seen: dict[str, str] = {}
    groups = []
    for name, body in section.items():
        field = f"common_cause_groups.{name}"
        check.name(name, field, "a group name")
        group = _parse_group(name, body, field, behaviours, seen, unusable)
        groups.append(_with_events(group, taken, field))
    return tuple(groups)


def _check_event_budget(section: Mapping[str, Any], existing: int) -> None:
    """Refuse, before building any event, more events in all than the block form holds."""
    from .spec import MAX_BLOCK_COMPONENTS

    total = existing
    for name, body in section.items():
        members = body.get("members") if isinstance(body, Mapping) else None
        m = len(members) if isinstance(members, list) else 0
        if m > MAX_MEMBERS:
            raise SpecError(f"common_cause_groups.{name}.members", f"{m} members",
                            f"2 to {MAX_MEMBERS} members (2^m − 1 events: {2 ** MAX_MEMBERS - 1} at most)")
        total += 2 ** m - 1 - m
        if total > MAX_BLOCK_COMPONENTS:
            raise SpecError("common_cause_groups", f"{total:,} events with these groups",
                            f"at most {MAX_BLOCK_COMPONENTS:,} components and events in all")


def _parse_group(name: str, body: Any, field: str, behaviours: Mapping[str, Behaviour], seen: dict[str, str],
                 unusable: Mapping[str, str]) -> CommonCauseGroup:
    body = check.mapping(body, field, "{model: beta | mgl | alpha, members: [...], parameters}")
    check.check_keys(body, schema.keys("common_cause_group"), field)
    for key in ("model", "members"):
        if key not in body:
            raise SpecError(f"{field}.{key}", SpecError.NO_VALUE, f"'{key}' in a common-cause group")
    model = body["model"]
    if model not in MODELS:
        raise SpecError(f"{field}.model", model, "beta, mgl or alpha")
    members = _members(body["members"], f"{field}.members", name, behaviours, seen, unusable)
    m = len(members)
    parameters, options = _parameters(model, body, field, m)
    q_total = _q_total(body, field, members, behaviours)
    orders = q_by_order(model, m, q_total, **options)
    return CommonCauseGroup(name, model, members, q_total, orders, parameters,
                            staggered=bool(options.get("staggered", False)))


def _members(raw: Any, field: str, group: str, behaviours: Mapping[str, Behaviour], seen: dict[str, str],
             unusable: Mapping[str, str]) -> tuple[str, ...]:
    items = check.sequence(raw, field, "a list of component (or basic event) names")
    if not 2 <= len(items) <= MAX_MEMBERS:
        raise SpecError(field, f"{len(items)} members", f"2 to {MAX_MEMBERS} members")
    names: list[str] = []
    for i, item in enumerate(items):
        where = f"{field}[{i}]"
        member = check.text(item, where, "a component (or basic event) name")
        if member not in behaviours:
            raise SpecError(where, member, "the name of a component (or basic event) of this spec")
        if member in unusable:
            raise SpecError(where, member, f"a member that can be expanded ({unusable[member]})")
        if member in names:
            raise SpecError(where, member, "each member listed once")
        if member in seen:
            raise SpecError(where, member, f"a member of one group only (already in {seen[member]})")
        seen[member] = group
        names.append(member)
    return tuple(names)


def _fraction(raw: Any, field: str) -> float:
    value = check.number(raw, field, 0.0, 1.0, "a fraction in [0, 1]")
    return float(value)


def _parameters(model: str, body: Mapping[str, Any], field: str, m: int
                ) -> tuple[tuple[tuple[str, Any], ...], dict[str, Any]]:
    """The model's parameters as given and the keyword arguments of :func:`q_by_order`."""
    allowed = {"beta": {"beta"}, "mgl": {*MGL_NAMES, "factors"}, "alpha": {"alpha", "staggered"}}[model]
    for key in ("beta", "gamma", "delta", "factors", "alpha", "staggered"):
        if key in body and key not in allowed:
            raise SpecError(f"{field}.{key}", body[key], f"the parameters of the {model} model "
                            f"({', '.join(sorted(allowed))})")
    if model == "beta":
        if "beta" not in body:
            raise SpecError(f"{field}.beta", SpecError.NO_VALUE, "the beta factor of a beta-factor group")
        beta = _fraction(body["beta"], f"{field}.beta")
        return (("beta", beta),), {"beta": beta}
    if model == "mgl":
        return _mgl_parameters(body, field, m)
    return _alpha_parameters(body, field, m)


def _mgl_parameters(body: Mapping[str, Any], field: str, m: int
                    ) -> tuple[tuple[tuple[str, Any], ...], dict[str, Any]]:
    named = [key for key in MGL_NAMES if key in body]
    if "factors" in body and named:
        raise SpecError(f"{field}.factors", body["factors"], f"either factors or {', '.join(MGL_NAMES)}, not both")
    if "factors" in body:
        items = check.sequence(body["factors"], f"{field}.factors", f"a list of the {m - 1} MGL factors ρ_2 … ρ_{m}")
        if len(items) != m - 1:
            raise SpecError(f"{field}.factors", items, f"{m - 1} MGL factors (ρ_2 … ρ_{m}) for {m} members")
        factors = tuple(_fraction(v, f"{field}.factors[{i}]") for i, v in enumerate(items))
        return (("factors", factors),), {"factors": factors}
    needed = MGL_NAMES[: m - 1]
    if m - 1 > len(MGL_NAMES):
        raise SpecError(f"{field}.factors", SpecError.NO_VALUE, f"a list 'factors' of the {m - 1} MGL factors "
                        f"ρ_2 … ρ_{m} (beta, gamma, delta name three: {m} members need {m - 1})")
    for key in named:
        if key not in needed:
            raise SpecError(f"{field}.{key}", body[key], f"only {', '.join(needed)} for {m} members")
    for key in needed:
        if key not in body:
            raise SpecError(f"{field}.{key}", SpecError.NO_VALUE, f"the MGL factors {', '.join(needed)} "
                            f"for {m} members")
    factors = tuple(_fraction(body[key], f"{field}.{key}") for key in needed)
    return tuple(zip(needed, factors)), {"factors": factors}


def _alpha_parameters(body: Mapping[str, Any], field: str, m: int
                      ) -> tuple[tuple[tuple[str, Any], ...], dict[str, Any]]:
    if "alpha" not in body:
        raise SpecError(f"{field}.alpha", SpecError.NO_VALUE, f"the alpha factors [α_1, …, α_{m}]")
    items = check.sequence(body["alpha"], f"{field}.alpha", f"a list of the {m} alpha factors α_1 … α_{m}")
    if len(items) != m:
        raise SpecError(f"{field}.alpha", items, f"{m} alpha factors (α_1 … α_{m}) for {m} members")
    alpha = tuple(_fraction(v, f"{field}.alpha[{i}]") for i, v in enumerate(items))
    if abs(sum(alpha) - 1.0) > _ALPHA_SUM_TOLERANCE:
        raise SpecError(f"{field}.alpha", list(alpha), f"alpha factors that sum to 1 (these sum to {sum(alpha):.9g})")
    if "staggered" not in body:
        schema.note_default(f"{field}.staggered", "false", "common_cause_group", "staggered")
    staggered = check.boolean(body.get("staggered", False), f"{field}.staggered")
    return (("alpha", alpha), ("staggered", staggered)), {"alpha": alpha, "staggered": staggered}


def _q_total(body: Mapping[str, Any], field: str, members: tuple[str, ...],
             behaviours: Mapping[str, Behaviour]) -> float:
    if "q_total" in body:
        q = parse_fraction(body["q_total"], f"{field}.q_total", expected="a probability in (0, 1)")
        if not 0.0 < q < 1.0:
            raise SpecError(f"{field}.q_total", body["q_total"], "a probability in (0, 1)")
        return q
    qs = [behaviours[member].unavailability for member in members]
    for i, q in enumerate(qs):
        if not 0.0 < q < 1.0:
            raise SpecError(f"{field}.members[{i}]", members[i], f"a member that can fail and is not failed for "
                            f"good (its unavailability is {q:.6g}), or q_total for the group")
        if not math.isclose(q, qs[0], rel_tol=_SAME_Q, abs_tol=0.0):
            raise SpecError(f"{field}.members[{i}]", members[i],
                            f"members with one total failure probability Q_t (NUREG/CR-5485 quantifies a group "
                            f"of like components): {members[i]} has {q:.6g}, {members[0]} has {qs[0]:.6g}; "
                            "or state q_total for the group")
    return qs[0]


def _with_events(group: CommonCauseGroup, taken: set[str], field: str) -> CommonCauseGroup:
    """The group with the name and members of every event with a probability above 0."""
    events = []
    for k in range(1, len(group.members) + 1):
        if group.q_by_order[k - 1] <= 0.0:
            continue
        for subset in itertools.combinations(group.members, k):
            name = subset[0] if k == 1 else f"{group.name}[{'+'.join(subset)}]"
            if k > 1:
                if name in taken:
                    raise SpecError(f"{field}", group.name, f"a group name whose event names are free ({name} "
                                    "is already a name)")
                taken.add(name)
            events.append((name, subset))
    return CommonCauseGroup(group.name, group.model, group.members, group.q_total, group.q_by_order,
                            group.parameters, group.staggered, group.timed, tuple(events))


# --- expansion -------------------------------------------------------------------------------

def _repair_law(members: Sequence[Component]) -> Any:
    """The one repair law of time-based members, else ``None`` (then the events are fixed)."""
    laws = {c.behaviour.repair for c in members}
    if any(not c.behaviour.has_time_law for c in members) or len(laws) != 1:
        return None
    law = laws.pop()
    assert law is not None, "has_time_law guarantees every member has a repair law"
    return law if math.isfinite(law.mean_h) and law.mean_h > 0 else None


def _event_behaviour(q: float, repair: Any, failure: Any = None) -> Behaviour:
    """A behaviour of unavailability ``q``: time laws with ``repair`` (failure mean E[R](1 − q)/q), or fixed."""
    if repair is None:
        return Behaviour(fixed_availability=1.0 - q)
    mean = repair.mean_h * (1.0 - q) / q
    return Behaviour(failure.with_mean(mean) if failure is not None else exponential(mean), repair)


def member_blocks(groups: Sequence[CommonCauseGroup], components: Mapping[str, Component]
                  ) -> tuple[dict[str, Block], tuple[CommonCauseGroup, ...]]:
    """Per member, the OR of its events (a series of their components: failure OR = series), and the
    groups marked ``timed`` when their events have time laws. Each event is one component, shared."""
    blocks: dict[str, Block] = {}
    marked = []
    for group in groups:
        members = [components[name] for name in group.members]
        repair = _repair_law(members)
        events: dict[tuple[str, ...], Component] = {}
        for name, subset in group.events:
            q = group.q_by_order[len(subset) - 1]
            own = components[name].behaviour.failure if len(subset) == 1 and repair is not None else None
            events[subset] = Component(name, _event_behaviour(q, repair, own))
        for member in group.members:
            parts = tuple(c for subset, c in events.items() if member in subset)
            blocks[member] = Series(parts) if len(parts) > 1 else parts[0]
        marked.append(CommonCauseGroup(group.name, group.model, group.members, group.q_total, group.q_by_order,
                                       group.parameters, group.staggered, repair is not None, group.events))
    return blocks, tuple(marked)


def expand(root: Block, groups: Sequence[CommonCauseGroup], components: Mapping[str, Component]
           ) -> tuple[Block, tuple[CommonCauseGroup, ...]]:
    """``root`` with every member component replaced by the OR of its events (see :func:`member_blocks`)."""
    blocks, marked = member_blocks(groups, components)
    if not blocks:
        return root, marked
    return _replaced(root, lambda c: blocks.get(c.name)), marked


def _replaced(root: Block, replace: Callable[[Component], Block | None]) -> Block:
    """A copy of the tree with components replaced (iterative, each block rebuilt once)."""
    built: dict[int, Block] = {}
    stack: list[tuple[Block, bool]] = [(root, False)]
    while stack:
        block, ready = stack.pop()
        if id(block) in built:
            continue
        if isinstance(block, Component):
            built[id(block)] = replace(block) or block
            continue
        if isinstance(block, Network):
            built[id(block)] = block      # members inside a network are refused before this
            continue
        assert isinstance(block, (Series, Parallel, KOfN))
        if not ready:
            stack.append((block, True))
            stack.extend((child, False) for child in block.children if id(child) not in built)
            continue
        children = tuple(built[id(child)] for child in block.children)
        built[id(block)] = KOfN(block.k, children) if isinstance(block, KOfN) else type(block)(children)
    return built[id(root)]


def network_members(root: Block) -> set[str]:
    """Names of the components inside network blocks (they cannot be expanded into an OR)."""
    names: set[str] = set()
    stack = [root]
    seen: set[int] = set()
    while stack:
        block = stack.pop()
        if id(block) in seen:
            continue
        seen.add(id(block))
        if isinstance(block, Network):
            names.update(c.name for _, c in block.nodes if c is not None)
            names.update(c.name for *_, c in block.edges if c is not None)
        elif not isinstance(block, Component):
            stack.extend(block.children)
    return names
