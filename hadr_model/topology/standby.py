r"""Standby spares: units that wait behind the active ones of a role or a component (the spec's
``standby`` key).

A *standby group* has ``N`` active positions and ``s`` spares, all of one behaviour:

* **region form** — ``roles.NAME.standby``: every zone group of the role (its ``per_zone``
  instances in one zone of one region) gets ``spares`` spares *in the same zone*; a spare
  replaces failed instances of its own zone only, so a zone loss takes the zone's actives and
  spares down together (exactly as today a zone loss takes its instances). Zones that hold no
  instance of the role get no spares (a spare needs a primary);
* **block form** — ``component.standby``: the ``count`` copies are the active positions and
  ``spares`` more units stand behind them (one group for all copies).

Semantics, the same in every engine:

* ``mode``: ``cold`` spares do not fail while waiting; ``warm`` spares fail at
  ``1 / dormant_mttf`` (exponential; ``dormant_mttf`` at least the unit's MTTF); ``hot`` spares
  run and fail like active units;
* when an active unit fails, the spares that are up are tried one after the other: each
  switch-over succeeds with probability ``switch_success``; a failed attempt loses that spare
  too (it is down and waits for its repair like any failed unit) and the next spare is tried.
  With ``k`` spares up the failure therefore takes ``1 + j`` units down with probability
  ``c (1 − c)^j`` (``j < k``) or ``1 + k`` with probability ``(1 − c)^k``;
* a successful switch-over fills the position after ``switch_time`` (default 0): until then
  the position is empty (the role is short); the incoming unit runs (and can fail) from the
  start of the switch;
* a repaired unit fills an empty position at once (no switch-over, as a unit repaired in
  place), else it becomes a spare; every failed unit is repaired by its own crew unless a
  repair team (``repair``) names the group's elements, which then share the team's crews;
* the structure sees the *empty positions* ``M = N − (active units serving)``, with the zone
  and structure rules of the spec unchanged (with instantaneous switch-over
  ``M = max(0, failed − s)``).

Engines: the exact answer is the Markov engine's (one chain per group, or per repair team that
repairs it: :mod:`hadr_model.engines.teams`), which needs exponential laws and
``switch_time: 0``; Monte Carlo (:mod:`hadr_model.engines.crews`) takes any laws and a switch
time.

Examples
--------
>>> from hadr_model import load_spec
>>> spec = {"blocks": {"component": {"name": "db", "mttf": "1000h", "mttr": "10h",
...                                   "standby": {"spares": 1, "mode": "cold"}}}}
>>> [(g.name, g.actives, g.spares, g.mode) for g in load_spec(spec).compiled.standby]
[('db', 1, 1, 'cold')]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from ..units import parse_duration
from . import _checks as check
from . import schema
from .laws import Law, parse_law

__all__ = ["StandbyGroup", "declared", "down_positions", "resolve_standby"]


@dataclass(frozen=True)
class StandbyGroup:
    """One standby group over table rows.

    ``rows[i]`` holds ``counts[i]`` of the ``actives`` positions (``sum(counts) == actives``);
    the empty positions ``M`` are assigned to the rows in order (:func:`down_positions`: the
    structure only sums them, as every copy of a role or component is interchangeable).
    ``dormant_mttf_h`` is ``inf`` for cold spares and the unit's MTTF for hot ones;
    ``switch_time`` is ``None`` for an instantaneous switch-over.
    """

    name: str
    field: str
    rows: tuple[int, ...]
    counts: tuple[int, ...]
    spares: int
    mode: str
    dormant_mttf_h: float
    switch_success: float
    switch_time: Law | None

    @property
    def actives(self) -> int:
        return sum(self.counts)

    @property
    def units(self) -> int:
        return self.actives + self.spares


def down_positions(group: StandbyGroup, empty: Any) -> list[Any]:
    """Down count of each of the group's rows when ``empty`` positions are empty (arrays welcome).

    Examples
    --------
    >>> g = StandbyGroup("a", "x", (3, 4), (1, 1), 1, "cold", math.inf, 1.0, None)
    >>> [int(v) for v in down_positions(g, 1)], [int(v) for v in down_positions(g, 2)]
    ([1, 0], [1, 1])
    """
    import numpy as np

    out, offset = [], 0
    for count in group.counts:
        out.append(np.clip(np.asarray(empty) - offset, 0, count))
        offset += count
    return out


def resolve_standby(compiled: Any) -> tuple[StandbyGroup, ...]:
    """The standby groups of a compiled model from its spec's ``standby`` keys (``()``: none).

    Raises
    ------
    SpecError
        Naming the field: see :func:`_parse`.
    """
    model = compiled.model
    raw = getattr(model, "raw", None) or {}
    if compiled.form == "regions":
        return _region_groups(compiled, raw)
    if "blocks" in raw:
        return _block_groups(compiled, raw["blocks"])
    return ()


def declared(raw: Mapping[str, Any]) -> bool:
    """Whether a (validated) spec mapping has some ``standby`` key."""
    roles = raw.get("roles")
    if isinstance(roles, Mapping):
        return any(isinstance(entry, Mapping) and "standby" in entry for entry in roles.values())
    return any("standby" in body for body, _ in _components(raw.get("blocks"), "blocks"))


def _region_groups(compiled: Any, raw: Mapping[str, Any]) -> tuple[StandbyGroup, ...]:
    roles = raw.get("roles")
    if not isinstance(roles, Mapping):
        return ()
    table = compiled.elements
    groups = []
    for name, entry in roles.items():
        if not isinstance(entry, Mapping) or "standby" not in entry:
            continue
        field = f"roles.{name}.standby"
        if entry.get("beta"):
            raise SpecError(f"roles.{name}.beta", entry["beta"], "no beta factor on a role with standby spares "
                            "(a common cause over actives and spares is not modelled)")
        rows = [row for site in compiled.regions for role in site.roles if role.name == name
                for row in role.instances]
        behaviour = table.behaviours[rows[0]]
        parsed = _parse(entry["standby"], field, behaviour)
        for row in rows:
            if table.counts[row] > 0:
                groups.append(StandbyGroup(table.names[row].removeprefix("instance:"), field, (row,),
                                           (int(table.counts[row]),), *parsed))
    return tuple(groups)


def _block_groups(compiled: Any, raw: Any) -> tuple[StandbyGroup, ...]:
    table = compiled.elements
    groups = []
    for body, field in _components(raw, "blocks"):
        if "standby" not in body:
            continue
        name = body.get("name")
        where = f"{field}.standby"
        if body.get("beta"):
            raise SpecError(f"{field}.beta", body["beta"], "no beta factor on a component with standby spares "
                            "(a common cause over actives and spares is not modelled)")
        count = body.get("count", 1)
        names = [name] if count == 1 else [f"{name}[{i}]" for i in range(1, count + 1)]
        rows = tuple(table.index(n) for n in names)
        parsed = _parse(body["standby"], where, table.behaviours[rows[0]])
        groups.append(StandbyGroup(str(name), where, rows, (1,) * len(rows), *parsed))
    return tuple(groups)


def _components(raw: Any, field: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    """Every component entry of a (validated) block tree, with its field path."""
    if not isinstance(raw, Mapping) or len(raw) != 1:
        return
    (kind, body), = raw.items()
    here = f"{field}.{kind}"
    if kind == "component" and isinstance(body, Mapping):
        yield body, here
    elif kind in ("series", "parallel") and isinstance(body, list):
        for i, item in enumerate(body):
            yield from _components(item, f"{here}[{i}]")
    elif kind == "k_of_n" and isinstance(body, Mapping) and isinstance(body.get("of"), list):
        for i, item in enumerate(body["of"]):
            yield from _components(item, f"{here}.of[{i}]")


def _parse(raw: Any, field: str, behaviour: Any) -> tuple[int, str, float, float, Law | None]:
    """``(spares, mode, dormant_mttf_h, switch_success, switch_time)`` of a ``standby`` mapping.

    Refused, naming the field: a spare count that is not a whole number ≥ 0, an unknown mode,
    ``dormant_mttf`` missing for (or given without) a warm mode or below the unit's MTTF, a
    switch-over probability outside (0, 1], a negative switch time, a unit with a fixed
    availability (no time behaviour to wait with).
    """
    body = check.mapping(raw, field, "{spares: n, mode: cold|warm|hot, dormant_mttf, switch_success, "
                                     "switch_time}")
    check.check_keys(body, schema.keys("standby"), field)
    for key in schema.required("standby"):
        if key not in body:
            raise SpecError(f"{field}.{key}", SpecError.NO_VALUE, f"'{key}' in a standby")
    spares = check.integer(body["spares"], f"{field}.spares", *schema.bounds("standby", "spares"))
    modes = schema.values("standby", "mode")
    mode = body["mode"]
    if mode not in modes:
        raise SpecError(f"{field}.mode", mode, f"one of {', '.join(modes)}")
    if not behaviour.has_time_law:
        raise SpecError(field, f"availability {behaviour.fixed_availability}",
                        "units with time laws (mttf/mttr or failure/repair): a fixed availability cannot wait")
    mttf = float(behaviour.mttf_h)
    if mode == "warm":
        if "dormant_mttf" not in body:
            raise SpecError(f"{field}.dormant_mttf", SpecError.NO_VALUE, "the MTTF of a waiting warm spare")
        dormant = parse_duration(body["dormant_mttf"], f"{field}.dormant_mttf")
        if dormant < mttf * (1.0 - 1e-12):
            raise SpecError(f"{field}.dormant_mttf", body["dormant_mttf"],
                            f"at least the unit's MTTF ({mttf:g} h): a waiting spare fails no more often than an "
                            "active unit (mode: hot for spares that run)")
    elif "dormant_mttf" in body:
        raise SpecError(f"{field}.dormant_mttf", body["dormant_mttf"],
                        f"no dormant_mttf with mode {mode} (only a warm spare has a dormant failure rate)")
    else:
        dormant = math.inf if mode == "cold" else mttf
    for key in ("switch_success", "switch_time"):
        if key not in body:
            schema.note_default(f"{field}.{key}", schema.default("standby", key), "standby", key)
    low, high = schema.bounds("standby", "switch_success")
    success = body.get("switch_success", schema.default("standby", "switch_success"))
    if not check.finite(success) or not low < success <= high:
        raise SpecError(f"{field}.switch_success", success, "a probability more than 0 and at most 1")
    switch_time = None
    if "switch_time" in body:
        law = parse_law(body["switch_time"], f"{field}.switch_time")
        switch_time = None if law.fixed == 0.0 else law
    return spares, mode, float(dormant), float(success), switch_time
